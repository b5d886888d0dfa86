"""Bybit v5 linear: frames and REST bodies → events.  Pure: no I/O, never raises.

WebSocket (``{"topic": ..., "ts": ..., "data": [...]}``):

- ``allLiquidation.<symbol>``: ``S`` is the *position* side (Bybit's own wording), so ``Buy`` = a
  LONG was liquidated, ``Sell`` = a SHORT.  USD = ``v`` × ``p`` for linear contracts; inverse ones
  (``XRPUSD``) count ``v`` in USD already.  The legacy ``liquidation.<symbol>`` topic (one object,
  long field names, same side meaning) is read the same way.
- ``publicTrade.<symbol>``: ``S`` is the taker side.

REST ``/v5/market/tickers?category=linear``: ``fundingRate`` (a fraction per
``fundingIntervalHour``; kept per 8 h) and ``openInterestValue`` (USD), for every symbol at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import (MAX_USD, NOTHING, Adapter, ItemReader, Parsed, event_ms, finite, json_object, lookup,
                                  positive, read_items)
from engine.feeds.instruments import PerpetualMap, coin_of, learning
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

if TYPE_CHECKING:
    from engine.feeds.runner import Deliver, LiveFeed
    from engine.secrets import Secrets
    from engine.settings import Settings

VENUE = "Bybit"
TICKERS_PATH = "/v5/market/tickers"

_LIQ_SIDES = {"Buy": LONG, "Sell": SHORT}
_TRADE_SIDES = {"Buy": BUY, "Sell": SELL}
_FIELDS_V5 = ("S", "p", "v", "T", "s")
_FIELDS_LEGACY = ("side", "price", "size", "updatedTime", "symbol")


def _is_usdt(symbol: object) -> bool:
    return symbol.__class__ is str and symbol.endswith("USDT")  # type: ignore[union-attr]


def _item_reader(sides: dict, fields: tuple, make: type[Liquidation] | type[Trade]) -> ItemReader:
    """The reader of one topic's items: its side words, its field names and the event it makes."""

    def read(item: object, rejects: list[str]) -> Event | None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return None
        get = item.get  # type: ignore[attr-defined]
        side_key, price_key, size_key, time_key, symbol_key = fields
        side = lookup(sides, get(side_key))
        if side is None:
            rejects.append("missing side" if get(side_key) is None else "unknown side")
            return None
        price = positive(get(price_key))
        if price < 0:
            rejects.append("bad price")
            return None
        size = positive(get(size_key))
        symbol = get(symbol_key)
        named = coin_of(symbol, rejects)
        if named is None:
            return None
        usd = size if symbol.endswith("USD") else size * price  # inverse contracts are USD-sized
        if size < 0 or usd > MAX_USD:
            rejects.append("bad usd")
            return None
        ts = event_ms(get(time_key))
        if ts < 0:
            rejects.append("bad time")
            return None
        coin, divisor = named
        return make(ts, VENUE, coin, side, price / divisor, usd)

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
        self.perpetuals = PerpetualMap(lambda coin: f"{coin}USDT")

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        return parse_ws(raw)

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        if urlsplit(path).path != TICKERS_PATH:
            return NOTHING
        body = json_object(raw)
        if body.__class__ is str:
            return [], ["rest bad body"]
        if body.get("retCode") != 0:
            return [], ["rest error"]
        result = body.get("result")
        rows = result.get("list") if result.__class__ is dict else None
        ts = event_ms(body.get("time"))
        if rows.__class__ is not list or ts < 0:
            return [], ["rest bad body"]
        # USDT perpetuals only: dated contracts (BTCUSDT-26DEC25) and USDC ones would double a coin.
        rows = [r for r in rows if r.__class__ is dict and _is_usdt(r.get("symbol"))]  # type: ignore[union-attr]
        self.perpetuals.learn(r["symbol"] for r in rows)
        events: list[Event] = []
        rejects: list[str] = []
        for row in rows:
            symbol = row["symbol"]
            if not self.perpetuals.is_primary(symbol):
                continue
            rate = finite(row.get("fundingRate"))
            oi_usd = positive(row.get("openInterestValue"))
            if rate is None and oi_usd < 0:
                rejects.append("rest bad row")
                continue
            hours = positive(row.get("fundingIntervalHour"))
            per_8h = None if rate is None else rate * 8.0 / (hours if hours > 0 else 8.0)
            events.append(Context(ts, VENUE, canonical(symbol)[0],
                                  oi_usd=oi_usd if oi_usd > 0 else None, funding=per_8h))
        return events, rejects


# Live: the sockets and the context poller.  Their I/O lives in the runner and the poller; the
# network libraries are imported on use so backtest and replay, which need only the parser
# above, do not load them.

ARGS_PER_MESSAGE = 10  # Bybit refuses longer subscribe lists


def topic_messages(op: str, topics: list[str]) -> list[str]:
    """``subscribe`` / ``unsubscribe`` text frames for ``topics``."""
    return [orjson.dumps({"op": op, "args": topics[i : i + ARGS_PER_MESSAGE]}).decode()
            for i in range(0, len(topics), ARGS_PER_MESSAGE)]


def tickers_paths(coins: list[str]) -> list[str]:
    return [f"{TICKERS_PATH}?category=linear"]  # every symbol in one body


def live_feed(settings: Settings, secrets: Secrets, coins: list[str], deliver: Deliver, *,
              liquidations: bool) -> LiveFeed:
    """Bybit v5 linear: ``publicTrade.<symbol>`` per watched coin, the tickers poller (context,
    and the listing that names each coin's contract), and, only when this feed carries
    liquidations, ``allLiquidation.<symbol>`` for every USDT perpetual listed (Bybit has no
    all-market liquidation topic) on a second socket."""
    from engine.context.poller import RestPoller
    from engine.feeds.listing import ListingRunner, WaitingRunner
    from engine.feeds.runner import LiveFeed, WsSpec, channel_field

    s = settings.feeds.bybit
    listing = BybitAdapter()

    def spec(topic: str) -> WsSpec:
        def topics(batch: list[str]) -> list[str]:
            return [f"{topic}.{listing.perpetuals.instrument(c)}" for c in batch]

        return WsSpec(
            name="bybit",
            url=lambda: s.ws_url,
            subscribe=lambda batch: topic_messages("subscribe", topics(batch)),
            unsubscribe=lambda batch: topic_messages("unsubscribe", topics(batch)),
            app_ping='{"op":"ping"}',
            channel=channel_field("topic"),
        )

    def listed() -> bool:
        return bool(listing.perpetuals)

    trades = WaitingRunner(listed, spec("publicTrade"), s, deliver, coins)
    every_symbol = ListingRunner(listed, spec("allLiquidation"), s, deliver, coins) if liquidations else None

    def learned(path: str) -> None:
        if every_symbol is not None:
            every_symbol.cover(listing.perpetuals.coins())

    poller = RestPoller.for_feed("bybit", settings, tickers_paths, learning(deliver, listing, learned), coins)
    return LiveFeed("bybit", [link for link in (trades, every_symbol, poller) if link is not None])
