"""Hyperliquid perpetuals: frames and REST bodies → events.  Pure: no I/O, never raises.

Hyperliquid has **no public liquidation feed**: a liquidation fills as an ordinary trade (against
the book or the liquidator vault) and nothing public marks it, so this feed gives trades of the
watched coins, funding and open interest only.

WebSocket (``{"channel": ..., "data": ...}``):

- ``trades``: ``side`` is the *aggressing* side (docs, "Notation": ``B`` = bid = buy, ``A`` = ask =
  sell), ``px`` the price of one unit of the coin, ``sz`` in units of the coin, so USD = ``px`` ×
  ``sz``; ``time`` in ms; ``tid`` is unique across all assets.  A subscription opens with the
  coin's latest trades, and again after every reconnect: a ``tid`` already seen is dropped
  (:class:`engine.feeds.seen.SeenIds`).
- Kilo contracts (``kPEPE``, ``kSHIB``, ``kBONK``, ``kFLOKI``, ``kLUNC``, ``kDOGS``, ``kNEIRO``)
  are 1,000 of the coin: the price is divided by 1,000, the USD size is unchanged
  (:func:`engine.symbols.canonical`).
- ``subscriptionResponse``, ``pong`` and the greeting text ``Websocket connection established.``
  are quiet; ``error`` (``Already subscribed: ...``, an invalid subscription) is counted as
  ``venue error``.

REST ``POST /info`` with ``{"type": "metaAndAssetCtxs"}`` (the recording's ``ch`` is
``/info?type=metaAndAssetCtxs``): ``[meta, contexts]``, the universe and its asset contexts index
for index.  The universe is the listing (a delisted asset, ``isDelisted``, is left out);
``funding`` is the rate of one hour (Hyperliquid pays funding hourly; kept per 8 h),
``openInterest`` is in units of the coin (× ``markPx`` = USD).  The body carries no time: the
context is dated by its receive time, which the recording keeps.

Live: one subscription a message (Hyperliquid takes no batch), at most 1,000 subscriptions and
2,000 messages a minute per IP (the feed asks only the watched coins' trades, paced at 20 messages
a second), ``{"method":"ping"}`` every ``ping_interval_s`` (Hyperliquid closes a connection it has
sent nothing to for 60 s: the pong keeps a quiet one open).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import orjson

from engine.feeds.adapter import NOTHING, Adapter, Parsed, event_ms, finite, json_object, per_8h, positive, read_event, \
    read_items
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.seen import SeenIds
from engine.feeds.venue import Feed, Limits, Socket, Venue
from engine.model import BUY, SELL, Context, Event, Trade
from engine.symbols import canonical

VENUE_NAME = "Hyperliquid"
INFO_PATH = "/info"
CONTEXTS_PATH = f"{INFO_PATH}?type=metaAndAssetCtxs"
GREETING = "Websocket connection established."

_TAKER_SIDES = {"B": BUY, "A": SELL}


class HyperliquidAdapter(Adapter):
    name = "hyperliquid"

    def __init__(self) -> None:
        self.perpetuals = PerpetualMap(lambda coin: coin)  # Hyperliquid names a perpetual by its coin
        self.seen = SeenIds()

    # WebSocket

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        if raw == GREETING:
            return NOTHING
        frame = json_object(raw)
        if frame.__class__ is str:
            return [], [frame]
        channel = frame.get("channel")
        if channel == "trades":
            return read_items(frame.get("data"), self._trade)
        if channel == "subscriptionResponse" or channel == "pong":
            return NOTHING
        if channel == "error":
            return [], ["venue error"]
        return [], ["unknown channel"]

    def _trade(self, item: object, rejects: list[str]) -> Event | None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return None
        get = item.get  # type: ignore[attr-defined]
        tid = get("tid")
        if (tid.__class__ is int or tid.__class__ is str) and not self.seen.first_time(tid):
            return None  # sent again: a subscription's opening trades, or a reconnect's
        return read_event(Trade, VENUE_NAME, _TAKER_SIDES, get("side"), get("px"), get("sz"), get("time"), get("coin"),
                          rejects)

    # REST

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        parts = urlsplit(path)
        if parts.path != INFO_PATH or parse_qs(parts.query).get("type") != ["metaAndAssetCtxs"]:
            return NOTHING
        try:
            body = orjson.loads(raw)
        except (orjson.JSONDecodeError, TypeError):
            return [], ["rest bad body"]
        if body.__class__ is not list or len(body) != 2 or body[0].__class__ is not dict:
            return [], ["rest error"]  # {"error": ...} or a text answer, not [meta, contexts]
        universe, contexts = body[0].get("universe"), body[1]
        if universe.__class__ is not list or contexts.__class__ is not list or len(universe) != len(contexts):
            return [], ["rest bad body"]  # the two lists go index for index: a shifted pair would misname every coin
        ts = event_ms(receive_ms)
        if ts < 0:
            return [], ["bad time"]
        pairs = [(asset["name"], ctx) for asset, ctx in zip(universe, contexts)
                 if asset.__class__ is dict and asset.get("name").__class__ is str and not asset.get("isDelisted")]
        self.perpetuals.learn(name for name, _ in pairs)
        events: list[Event] = []
        rejects: list[str] = []
        for name, ctx in pairs:
            if not self.perpetuals.is_primary(name):
                continue
            event = self._context(ts, name, ctx)
            if event is None:
                rejects.append("rest bad row")
            else:
                events.append(event)
        return events, rejects

    @staticmethod
    def _context(ts: int, name: str, ctx: object) -> Context | None:
        if ctx.__class__ is not dict:
            return None
        get = ctx.get  # type: ignore[attr-defined]
        rate = finite(get("funding"))
        mark = positive(get("markPx"))
        size = positive(get("openInterest"))
        if rate is None and (mark < 0 or size < 0):
            return None
        coin, divisor = canonical(name)
        return Context(ts, VENUE_NAME, coin,
                       oi_usd=size * mark if size > 0 and mark > 0 else None,
                       funding=None if rate is None else per_8h(rate, 1.0),  # an hour's rate
                       price=mark / divisor if mark > 0 else None)


# Live: what the feed subscribes and asks.  The shared runner opens the socket from these.

def streams(feed: Feed, coins: list[str]) -> list[str]:
    """``trades:<coin>`` for the watched coins Hyperliquid lists, under its name (``kPEPE`` for
    PEPE); all of them under the coin's name until a listing arrived."""
    perpetuals = feed.adapter.perpetuals  # type: ignore[attr-defined]
    return [f"trades:{name}" for name in perpetuals.listed_instruments(coins)]


def message(op: str, chunk: list[str], request: int) -> str:
    kind, _, coin = chunk[0].partition(":")  # one subscription a message (Limits.topics_per_message)
    return orjson.dumps({"method": op, "subscription": {"type": kind, "coin": coin}}).decode()


def context_paths(feed: Feed, coins: list[str]) -> list[str]:
    return [CONTEXTS_PATH]  # every asset's funding, OI and mark price in one body


def post_body(path: str) -> str | None:
    """``/info?type=X`` is a POST of ``{"type": "X"}`` to ``/info``."""
    parts = urlsplit(path)
    kind = parse_qs(parts.query).get("type")
    return orjson.dumps({"type": kind[0]}).decode() if parts.path == INFO_PATH and kind else None


VENUE = Venue(
    name="hyperliquid",
    title=VENUE_NAME,
    adapter=HyperliquidAdapter,
    settings=FeedSettings(ws_url="wss://api.hyperliquid.xyz/ws", rest_url="https://api.hyperliquid.xyz",
                          ping_interval_s=20.0, min_trade_usd=0.0),  # a pong at least every 20 s: Hyperliquid closes a line quiet for 60 s
    sockets=(Socket(
        streams=streams,
        message=message,
        # One subscription a message; 2,000 messages a minute per IP, pings included.
        limits=Limits(topics_per_message=1, messages_per_s=20.0, ping='{"method":"ping"}'),
        channel="channel",
        ready=lambda adapter: bool(adapter.perpetuals),  # type: ignore[attr-defined]
        instrument=lambda stream: stream.partition(":")[2],
    ),),
    context=context_paths,
    post_body=post_body,
)
