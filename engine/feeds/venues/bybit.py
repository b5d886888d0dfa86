"""Bybit v5 linear: frames and REST bodies → events.  Pure: no I/O, never raises.

WebSocket (``{"topic": ..., "ts": ..., "data": [...]}``):

- ``allLiquidation.<symbol>``: ``S`` is the *position* side (Bybit's own wording), so ``Buy`` = a
  LONG was liquidated, ``Sell`` = a SHORT.  USDC perpetuals (``BTCPERP``, ``SOLUSDC``) are their
  coin: their liquidations count with the USDT contract's.  USD = ``v`` × ``p`` for linear contracts; inverse ones
  (``XRPUSD``) count ``v`` in USD already.  The legacy ``liquidation.<symbol>`` topic (one object,
  long field names, same side meaning) is read the same way.
- ``publicTrade.<symbol>``: ``S`` is the taker side.

REST ``/v5/market/tickers?category=linear``: ``fundingRate`` (a fraction per
``fundingIntervalHour``; kept per 8 h) and ``openInterestValue`` (USD), for every symbol at once.
The tickers are also the listing; a pre-listing contract (``curPreListingPhase`` set and not
``Finished``) has no liquidation or trade feed yet, so it is left out.

Multiplier contracts carry the multiplier before or after the coin (``1000PEPEUSDT``,
``SHIB1000USDT``): both are the coin at 1/1000 of the price (:func:`engine.symbols.canonical`).

Live: ``{"op":"subscribe","args":[...],"req_id":...}`` with at most 10 topics a message and 21,000
characters of args a connection, ``{"op":"ping"}`` every ``ping_interval_s``.  Bybit has no
all-market liquidation topic: ``allLiquidation.<symbol>`` for every perpetual the tickers list,
beside ``publicTrade.<symbol>`` of the watched coins.  Bybit fails a whole subscribe request when one
topic has no handler (``error:handler not found,topic:...``): the runner asks that request's topics
again one by one and never asks one refused alone again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import (NOTHING, Adapter, ItemReader, Parsed, envelope, event_ms, finite, json_object, per_8h,
                                  positive, read_event, read_items, rows)
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.venue import Feed, Limits, Reply, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

VENUE_NAME = "Bybit"
TICKERS_PATH = "/v5/market/tickers"

_LIQ_SIDES = {"Buy": LONG, "Sell": SHORT}
_TRADE_SIDES = {"Buy": BUY, "Sell": SELL}
_FIELDS_V5 = ("S", "p", "v", "T", "s")
_FIELDS_LEGACY = ("side", "price", "size", "updatedTime", "symbol")


def _is_usdt(symbol: object) -> bool:
    return symbol.__class__ is str and symbol.endswith("USDT")  # type: ignore[union-attr]


def _is_perpetual(symbol: str) -> bool:
    """A USDT (``BTCUSDT``) or USDC perpetual (``BTCPERP``, ``SOLUSDC``); dated contracts carry
    their expiry after a dash (``BTCUSDT-26DEC25``, ``BTC-26DEC25``)."""
    return "-" not in symbol and symbol.endswith(("USDT", "USDC", "PERP"))


def _trading(row: dict) -> bool:
    """False for a pre-listing contract: Bybit refuses its topics (``handler not found``)."""
    phase = row.get("curPreListingPhase")
    return not phase or phase == "Finished"


def _usd(price: float, size: float, symbol: object) -> float:
    """Inverse contracts (``XRPUSD``) are sized in USD; linear ones in the coin."""
    return size if symbol.__class__ is str and symbol.endswith("USD") else price * size  # type: ignore[union-attr]


def _item_reader(sides: dict, fields: tuple, make: type[Liquidation] | type[Trade]) -> ItemReader:
    """The reader of one topic's items: its side words, its field names and the event it makes."""
    side_key, price_key, size_key, time_key, symbol_key = fields

    def read(item: object, rejects: list[str]) -> Event | None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return None
        get = item.get  # type: ignore[attr-defined]
        return read_event(make, VENUE_NAME, sides, get(side_key), get(price_key), get(size_key), get(time_key),
                          get(symbol_key), rejects, _usd)

    return read


_PUBLIC_TRADES = _item_reader(_TRADE_SIDES, _FIELDS_V5, Trade)
_ALL_LIQUIDATIONS = _item_reader(_LIQ_SIDES, _FIELDS_V5, Liquidation)
_LEGACY_LIQUIDATIONS = _item_reader(_LIQ_SIDES, _FIELDS_LEGACY, Liquidation)


def parse_ws(raw: str) -> Parsed:
    """One Bybit WebSocket text frame → (events, rejection reasons)."""
    frame = json_object(raw)
    if frame.__class__ is str:
        return [], [frame]
    topic = frame.get("topic")
    if topic.__class__ is not str:
        if "op" in frame or "success" in frame:  # pong, subscribe answer
            return NOTHING if frame.get("success", True) is True else ([], ["venue error"])
        return [], ["unknown message"]
    if topic.startswith("publicTrade."):
        read = _PUBLIC_TRADES
    elif topic.startswith("allLiquidation."):
        read = _ALL_LIQUIDATIONS
    elif topic.startswith("liquidation."):
        read = _LEGACY_LIQUIDATIONS
    else:
        return [], ["unknown topic"]
    return read_items(frame.get("data"), read)


class BybitAdapter(Adapter):
    name = "bybit"

    def __init__(self) -> None:
        self.perpetuals = PerpetualMap(lambda coin: f"{coin}USDT")  # one USDT contract a coin: trades, context
        self.every: list[str] = []  # every perpetual, USDC ones too: their liquidations are their coin's

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        return parse_ws(raw)

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        if urlsplit(path).path != TICKERS_PATH:
            return NOTHING
        body = envelope(raw, "retCode", (0,))
        if body.__class__ is str:
            return [], [body]
        result = body.get("result")
        listed = rows(result.get("list")) if result.__class__ is dict else None
        ts = event_ms(body.get("time"))
        if listed is None or ts < 0:
            return [], ["rest bad body"]
        listed = [r for r in listed if r.get("symbol").__class__ is str and _trading(r)]
        every = sorted(r["symbol"] for r in listed if _is_perpetual(r["symbol"]))
        if every:  # an empty list is no listing: keep the last one
            self.every = every
        # Trades and context: USDT perpetuals only (dated contracts and USDC ones would double a coin).
        listed = [r for r in listed if _is_usdt(r["symbol"])]
        self.perpetuals.learn(r["symbol"] for r in listed)
        events: list[Event] = []
        rejects: list[str] = []
        for row in listed:
            symbol = row["symbol"]
            if not self.perpetuals.is_primary(symbol):
                continue
            rate = finite(row.get("fundingRate"))
            oi_usd = positive(row.get("openInterestValue"))
            if rate is None and oi_usd < 0:
                rejects.append("rest bad row")
                continue
            funding = None if rate is None else per_8h(rate, row.get("fundingIntervalHour"))
            events.append(Context(ts, VENUE_NAME, canonical(symbol)[0],
                                  oi_usd=oi_usd if oi_usd > 0 else None, funding=funding))
        return events, rejects


# Live: what the feed subscribes and asks.  The shared runner opens the sockets from these.

def streams(feed: Feed, coins: list[str]) -> list[str]:
    """``allLiquidation.<symbol>`` of every listed perpetual, USDT and USDC (when this feed carries
    liquidations), then ``publicTrade.<symbol>`` of the watched coins' USDT perpetual (all of them
    until a listing arrived: the tickers may be down while the stream is not)."""
    adapter: BybitAdapter = feed.adapter  # type: ignore[assignment]
    perpetuals = adapter.perpetuals
    every = [f"allLiquidation.{symbol}" for symbol in adapter.every] if feed.liquidations else []
    return every + [f"publicTrade.{symbol}" for symbol in perpetuals.listed_instruments(coins)]


def message(op: str, chunk: list[str], request: int) -> str:
    return orjson.dumps({"req_id": str(request), "op": op, "args": chunk}).decode()


def reply(raw: str) -> Reply | None:
    """``{"success": false, "ret_msg": "error:handler not found,topic:...", "req_id": "7", "op":
    "subscribe"}``: the answer to request 7."""
    if len(raw) > 1000 or '"success"' not in raw:
        return None  # market data, not an answer
    answer = json_object(raw)
    if answer.__class__ is str or answer.get("op") != "subscribe" or answer.get("req_id").__class__ is not str:
        return None
    return answer["req_id"], answer.get("success") is True


def tickers_paths(feed: Feed, coins: list[str]) -> list[str]:
    return [f"{TICKERS_PATH}?category=linear"]  # every symbol in one body


VENUE = Venue(
    name="bybit",
    title=VENUE_NAME,
    adapter=BybitAdapter,
    settings=FeedSettings(ws_url="wss://stream.bybit.com/v5/public/linear", rest_url="https://api.bybit.com",
                          min_trade_usd=0.0),
    sockets=(Socket(
        streams=streams,
        message=message,
        limits=Limits(topics_per_message=10, chars_per_socket=21_000, ping='{"op":"ping"}'),
        channel="topic",
        reply=reply,
        ready=lambda adapter: bool(adapter.perpetuals),  # type: ignore[attr-defined]
        instrument=lambda topic: topic.partition(".")[2],
    ),),
    context=tickers_paths,
)
