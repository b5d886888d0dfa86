"""Bybit v5 linear: frames and REST bodies → events.  Pure: no I/O, never raises.

WebSocket (``{"topic": ..., "ts": ..., "data": [...]}``):

- ``allLiquidation.<symbol>``: ``S`` is the *position* side (Bybit's own wording), so ``Buy`` = a
  LONG was liquidated, ``Sell`` = a SHORT.  USD = ``v`` × ``p`` for linear contracts; inverse ones
  (``XRPUSD``) count ``v`` in USD already.  The legacy ``liquidation.<symbol>`` topic (one object,
  long field names, same side meaning) is read the same way.
- ``publicTrade.<symbol>``: ``S`` is the taker side.

REST ``/v5/market/tickers?category=linear``: ``fundingRate`` (a fraction per
``fundingIntervalHour``; kept per 8 h) and ``openInterestValue`` (USD), for every symbol at once.
The tickers are also the listing; a pre-listing contract (``curPreListingPhase`` set and not
``Finished``) has no liquidation or trade feed yet, so it is left out.

Multiplier contracts carry the multiplier before or after the coin (``1000PEPEUSDT``,
``SHIB1000USDT``): both are the coin at 1/1000 of the price (:func:`engine.symbols.canonical`).
"""

from __future__ import annotations

import itertools
import logging
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

log = logging.getLogger("teleglas.feeds")

VENUE = "Bybit"
TICKERS_PATH = "/v5/market/tickers"

_LIQ_SIDES = {"Buy": LONG, "Sell": SHORT}
_TRADE_SIDES = {"Buy": BUY, "Sell": SELL}
_FIELDS_V5 = ("S", "p", "v", "T", "s")
_FIELDS_LEGACY = ("side", "price", "size", "updatedTime", "symbol")


def _is_usdt(symbol: object) -> bool:
    return symbol.__class__ is str and symbol.endswith("USDT")  # type: ignore[union-attr]


def _trading(row: dict) -> bool:
    """False for a pre-listing contract: Bybit refuses its topics (``handler not found``)."""
    phase = row.get("curPreListingPhase")
    return not phase or phase == "Finished"


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
        rows = [r for r in rows if r.__class__ is dict and _is_usdt(r.get("symbol")) and _trading(r)]  # type: ignore[union-attr]
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
ARGS_CHARS_PER_CONNECTION = 21_000  # Bybit's cap on the args one connection subscribes
LIQUIDATION_SOCKETS = 2  # every listed symbol's allLiquidation topic, spread to stay far under the cap


class Topics:
    """The topics of one kind (``allLiquidation``, ``publicTrade``) over the feed's connections.

    Bybit fails a whole subscribe request when one of its topics is invalid (``handler not
    found``), so one pre-listing or unknown symbol would silence up to nine neighbours, again after
    every reconnect.  Each request carries a ``req_id``; when one fails, its topics are asked again
    one by one, and a topic refused on its own is remembered and never asked again.
    """

    def __init__(self, kind: str, listing: BybitAdapter) -> None:
        self.kind = kind
        self.listing = listing
        self.refused: set[str] = set()
        self._asked: dict[str, list[str]] = {}  # req_id -> topics of a subscribe request not yet answered
        self._ids = itertools.count(1)

    def of(self, coins: list[str]) -> list[str]:
        """The topics for ``coins`` Bybit lists (all of them until a listing arrived), less the
        refused ones, within the per-connection character cap."""
        perpetuals = self.listing.perpetuals
        topics: list[str] = []
        chars = 0
        for coin in coins:
            if not perpetuals.listed(coin):
                continue
            topic = f"{self.kind}.{perpetuals.instrument(coin)}"
            if topic in self.refused:
                continue
            chars += len(topic) + 3  # its quotes and comma in the args array
            if chars > ARGS_CHARS_PER_CONNECTION:
                log.warning("bybit: %s topics beyond %d characters on one connection are not subscribed",
                            self.kind, ARGS_CHARS_PER_CONNECTION)
                break
            topics.append(topic)
        return topics

    def messages(self, op: str, topics: list[str]) -> list[str]:
        """``subscribe`` / ``unsubscribe`` frames, at most ``ARGS_PER_MESSAGE`` topics each."""
        frames = []
        for i in range(0, len(topics), ARGS_PER_MESSAGE):
            batch = topics[i : i + ARGS_PER_MESSAGE]
            req_id = f"{self.kind}-{next(self._ids)}"
            if op == "subscribe":
                self._asked[req_id] = batch
            frames.append(orjson.dumps({"req_id": req_id, "op": op, "args": batch}).decode())
        return frames

    def answer(self, raw: str) -> list[str]:
        """Frames to send after ``raw``: a failed subscribe request is asked again topic by topic."""
        if len(raw) > 1000 or '"success"' not in raw:
            return []  # market data, not an answer
        reply = json_object(raw)
        if reply.__class__ is str or reply.get("op") != "subscribe":
            return []
        topics = self._asked.pop(reply.get("req_id"), None) if reply.get("req_id").__class__ is str else None
        if topics is None or reply.get("success") is True:
            return []
        if len(topics) == 1:
            self.refused.add(topics[0])
            log.info("bybit refused %s: %s", topics[0], str(reply.get("ret_msg"))[:200])
            return []
        return [frame for topic in topics for frame in self.messages("subscribe", [topic])]

    def symbols(self) -> list[str]:
        return sorted(topic.partition(".")[2] for topic in self.refused)


def tickers_paths(coins: list[str]) -> list[str]:
    return [f"{TICKERS_PATH}?category=linear"]  # every symbol in one body


def live_feed(settings: Settings, secrets: Secrets, coins: list[str], deliver: Deliver, *,
              liquidations: bool) -> LiveFeed:
    """Bybit v5 linear: ``publicTrade.<symbol>`` per watched coin, the tickers poller (context,
    and the listing that names each coin's contract and says which are pre-listing), and, only
    when this feed carries liquidations, ``allLiquidation.<symbol>`` for every USDT perpetual
    listed (Bybit has no all-market liquidation topic), spread over ``LIQUIDATION_SOCKETS`` more
    sockets.  A topic Bybit refuses costs only itself and shows in the feed state."""
    from engine.context.poller import RestPoller
    from engine.feeds.listing import ListingRunner, WaitingRunner, in_socket
    from engine.feeds.runner import LiveFeed, WsSpec, channel_field

    s = settings.feeds.bybit
    listing = BybitAdapter()
    trade_topics = Topics("publicTrade", listing)
    liquidation_topics = Topics("allLiquidation", listing)

    def refused() -> list[str]:
        return trade_topics.symbols() + liquidation_topics.symbols()

    def spec(topics: Topics, index: int = 0, count: int = 1) -> WsSpec:
        return WsSpec(
            name="bybit",
            url=lambda: s.ws_url,
            streams=lambda batch: topics.of([c for c in batch if in_socket(c, index, count)]),
            messages=topics.messages,
            answer=topics.answer,
            refused=refused,
            app_ping='{"op":"ping"}',
            channel=channel_field("topic"),
        )

    def listed() -> bool:
        return bool(listing.perpetuals)

    trades = WaitingRunner(listed, spec(trade_topics), s, deliver, coins)
    every_symbol = [ListingRunner(listed, spec(liquidation_topics, i, LIQUIDATION_SOCKETS), s, deliver, coins)
                    for i in range(LIQUIDATION_SOCKETS)] if liquidations else []

    def learned(path: str) -> None:
        trades.refresh()  # a watched coin Bybit does not list is dropped, a new listing added
        for socket in every_symbol:
            socket.cover(listing.perpetuals.coins())

    poller = RestPoller.for_feed("bybit", settings, tickers_paths, learning(deliver, listing, learned), coins)
    return LiveFeed("bybit", [trades, *every_symbol, poller])
