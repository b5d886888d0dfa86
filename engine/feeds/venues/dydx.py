"""dYdX v4 (the indexer's public WebSocket and REST): frames and bodies → events.  Pure: no I/O,
never raises.

dYdX has no liquidation channel: a liquidation is a trade.  ``v4_trades`` (one subscription a
market, ``id`` = ``BTC-USD``) carries the market's trades, each the *taker* fill (``id`` the
fill event's id, ``side`` the taker's side, ``size`` in the coin, ``price`` in USD, ``createdAt``
ISO 8601).  Its ``type`` says whose order the taker was:

- ``LIQUIDATED``: the taker was a liquidated subaccount's order, so ``side`` is the liquidated
  position's closing side: ``SELL`` = a LONG was liquidated, ``BUY`` = a SHORT.  It is also order
  flow (the order met the book), so it is a trade too.
- ``DELEVERAGED``: the taker was a deleveraged (insolvent) subaccount, closed against an
  offsetting one: a liquidation with the same side rule, and not order flow (nobody chose it),
  so not a trade, like Binance's ADL fills.
- ``LIMIT``, ``TWAP_SUBORDER`` (and anything else): a trade.  Frames of the older 1.x format
  carry ``liquidation: true`` instead: read as ``LIQUIDATED``.

USD = ``price`` × ``size`` (dYdX's sizes are in the coin, whatever the market's atomic
resolution).

Three kinds of frame carry trades, and they say what is read:

- ``channel_data`` (the watched coins' markets, subscribed unbatched): trades and liquidations;
- ``channel_batch_data`` (every other market, subscribed ``batched`` only to see its
  liquidations): liquidations only, so a market nobody watches adds no trades to the flow;
- ``subscribed`` (the answer to every subscription, again after a reconnect): it replays the
  market's latest trades, read for their liquidations only.

A liquidation whose id was seen is dropped (:class:`engine.feeds.seen.SeenIds`), so the replay
after a reconnect counts none twice and gives the ones the outage missed (a replay's trades are
never read as trades, so only liquidations need their ids kept).

REST ``/v4/perpetualMarkets``: every market (the listing: a market in ``FINAL_SETTLEMENT`` or
``INITIALIZING`` has no trades and is left out), ``nextFundingRate`` (the rate of one hour: dYdX
pays hourly; kept per 8 h), ``openInterest`` in the coin (× ``oraclePrice`` = USD) and the oracle
price.  The body has no time: its context is dated by its receive time, which the recording keeps.

Live: one subscription a message, at most 32 ``v4_trades`` subscriptions a connection (the
indexer refuses the 33rd), so every market's liquidations take several connections; subscribes
paced at 10 a second (the indexer closes a connection that subscribes one market more than twice
a second).  The indexer pings every 30 s and drops a connection whose pong is 10 s late: the
WebSocket library answers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import NOTHING, Adapter, Parsed, event_ms, finite, json_object, per_8h, positive, read_event
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.seen import SeenIds
from engine.feeds.venue import Feed, Limits, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

VENUE_NAME = "dYdX"
MARKETS_PATH = "/v4/perpetualMarkets"
CHANNEL = "v4_trades"
TRADES = "trades"  # stream kind: a watched market, unbatched (trades and liquidations)
LIQUIDATIONS = "liquidations"  # stream kind: any other market, batched (its liquidations only)

_TAKER_SIDES = {"BUY": BUY, "SELL": SELL}
_LIQ_SIDES = {"SELL": LONG, "BUY": SHORT}  # the liquidated taker closed its position
_NOT_LISTED = frozenset({"FINAL_SETTLEMENT", "INITIALIZING"})


class DydxAdapter(Adapter):
    name = "dydx"

    def __init__(self) -> None:
        self.perpetuals = PerpetualMap(lambda coin: f"{coin}-USD")
        self.seen = SeenIds()

    # WebSocket

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        frame = json_object(raw)
        if frame.__class__ is str:
            return [], [frame]
        kind = frame.get("type")
        if kind == "connected" or kind == "unsubscribed":
            return NOTHING
        if kind == "error":
            return [], ["venue error"]
        if kind not in ("channel_data", "channel_batch_data", "subscribed"):
            return [], ["unknown message"]
        if frame.get("channel") != CHANNEL:
            return [], ["unknown channel"]
        market = frame.get("id")
        contents = frame.get("contents")
        events: list[Event] = []
        rejects: list[str] = []
        if kind == "channel_batch_data":
            if contents.__class__ is not list:
                return [], ["missing data"]
            for part in contents:  # type: ignore[attr-defined]
                self._trades(part, market, False, events, rejects)
        else:
            self._trades(contents, market, kind == "channel_data", events, rejects)
        return events, rejects

    def _trades(self, contents: object, market: object, flow: bool, events: list[Event], rejects: list[str]) -> None:
        """The items of one ``{"trades": [...]}``: liquidations always, trades when ``flow``."""
        items = contents.get("trades") if contents.__class__ is dict else None  # type: ignore[attr-defined]
        if items.__class__ is not list:
            rejects.append("missing data")
            return
        for item in items:  # type: ignore[attr-defined]
            if item.__class__ is not dict:
                rejects.append("item not an object")
                continue
            get = item.get
            kind = get("type")
            liquidated = kind == "LIQUIDATED" or kind == "DELEVERAGED" or get("liquidation") is True
            if liquidated:
                trade_id = get("id")
                if trade_id.__class__ is str and not self.seen.first_time(trade_id):
                    continue  # counted already: a subscription's replay sends it again
                event = read_event(Liquidation, VENUE_NAME, _LIQ_SIDES, get("side"), get("price"), get("size"),
                                   get("createdAt"), market, rejects)
                if event is not None:
                    events.append(event)
            if flow and kind != "DELEVERAGED":
                event = read_event(Trade, VENUE_NAME, _TAKER_SIDES, get("side"), get("price"), get("size"),
                                   get("createdAt"), market, [] if liquidated else rejects)  # a bad item counts once
                if event is not None:
                    events.append(event)

    # REST

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        if urlsplit(path).path != MARKETS_PATH:
            return NOTHING
        body = json_object(raw)
        if body.__class__ is str:
            return [], ["rest bad body"]
        markets = body.get("markets")
        if markets.__class__ is not dict:
            return [], ["rest error"]  # {"errors": [{"msg": ...}]}
        ts = event_ms(receive_ms)
        if ts < 0:
            return [], ["bad time"]
        listed = {ticker: row for ticker, row in markets.items()
                  if row.__class__ is dict and str(row.get("status")) not in _NOT_LISTED}
        self.perpetuals.learn(listed)
        events: list[Event] = []
        rejects: list[str] = []
        for ticker, row in listed.items():
            if not self.perpetuals.is_primary(ticker):
                continue
            rate = finite(row.get("nextFundingRate"))
            oracle = positive(row.get("oraclePrice"))
            size = positive(row.get("openInterest"))
            if rate is None and oracle < 0:
                rejects.append("rest bad row")
                continue
            coin, divisor = canonical(ticker)
            events.append(Context(ts, VENUE_NAME, coin,
                                  oi_usd=size * oracle if size > 0 and oracle > 0 else None,
                                  funding=None if rate is None else per_8h(rate, 1.0),  # an hour's rate
                                  price=oracle / divisor if oracle > 0 else None))
        return events, rejects


# Live: what the feed subscribes and asks.  The shared runner opens the sockets from these.

def streams(feed: Feed, coins: list[str]) -> list[str]:
    """``liquidations:<market>`` for every listed market no watched coin trades on (when this feed
    carries liquidations), then ``trades:<market>`` of the watched coins dYdX lists (under the
    usual ``<COIN>-USD`` until a listing arrived)."""
    perpetuals = feed.adapter.perpetuals  # type: ignore[attr-defined]
    watched = perpetuals.listed_instruments(coins)
    others = []
    if feed.liquidations:
        mine = set(watched)
        others = [f"{LIQUIDATIONS}:{t}" for t in map(perpetuals.instrument, perpetuals.coins()) if t not in mine]
    return others + [f"{TRADES}:{t}" for t in watched]


def message(op: str, chunk: list[str], request: int) -> str:
    kind, _, market = chunk[0].partition(":")  # one subscription a message (Limits.topics_per_message)
    body: dict[str, object] = {"type": op, "channel": CHANNEL, "id": market}
    if op == "subscribe":
        body["batched"] = kind == LIQUIDATIONS
    return orjson.dumps(body).decode()


def context_paths(feed: Feed, coins: list[str]) -> list[str]:
    return [MARKETS_PATH]  # every market's listing, funding, OI and oracle price in one body


VENUE = Venue(
    name="dydx",
    title=VENUE_NAME,
    adapter=DydxAdapter,
    settings=FeedSettings(ws_url="wss://indexer.dydx.trade/v4/ws", rest_url="https://indexer.dydx.trade",
                          ping_interval_s=20.0, min_trade_usd=0.0),  # our pings' pongs show a quiet line is alive
    sockets=(Socket(
        streams=streams,
        message=message,
        # 32 v4_trades subscriptions a connection; one a message; no more than 2 a second of one market.
        limits=Limits(streams_per_socket=32, topics_per_message=1, messages_per_s=10.0),
        channel="channel",
        ready=lambda adapter: bool(adapter.perpetuals),  # type: ignore[attr-defined]
        instrument=lambda stream: stream.partition(":")[2],
    ),),
    context=context_paths,
)
