"""Gate USDT-settled futures (v4): frames and REST bodies → events.  Pure: no I/O, never raises.

Sizes are in *contracts* with a sign: a contract is ``quanto_multiplier`` coins (from
``/api/v4/futures/usdt/contracts``: ``BTC_USDT`` 0.0001 BTC, ``PEPE_USDT`` 10,000,000 PEPE), so
USD = |size| × multiplier × price.  Until a contract's multiplier is known its sizes are rejected
as ``"unknown contract value"``; the socket opens once the contracts list arrived.

WebSocket ``wss://fx-ws.gateio.ws/v4/ws/usdt`` (``{"channel": ..., "event": "update", "result": [...]}``):

- ``futures.public_liquidates`` with the payload ``!all`` (every contract): ``size`` is the
  liquidation *order's* size, signed as Gate signs orders (negative: a sell), so a negative size
  is a LONG liquidated, a positive one a SHORT.  Since 2026-08-20 the liquidations of a contract in
  one aggregation period (1 s, or 20 orders) come together as an array, none dropped; ``time`` is
  in ms since then (``time_ms`` before, ``time`` in seconds before that).
- ``futures.trades``: positive size = the taker bought.  ``is_internal`` trades (the insurance fund
  or ADL taking over a liquidation) are not order flow and are left out.

REST ``/api/v4/futures/usdt/contracts`` (a plain list) is the listing and gives each contract's
multiplier, mark price, ``funding_rate`` per ``funding_interval`` seconds (kept per 8 h) and
``position_size`` (open interest in contracts: × multiplier × mark = USD).  Contracts being
delisted (``in_delisting``) are left out of the listing.

Live: one channel a subscribe message (``{"time", "channel", "event", "payload", "id"}``, the
``id`` echoed in the answer, so a refused contract is retried alone), protocol pings both ways.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import NOTHING, Adapter, Parsed, event_ms, finite, json_object, per_8h, positive, read_event
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.venue import Feed, Limits, Reply, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

VENUE_NAME = "Gate"
CONTRACTS_PATH = "/api/v4/futures/usdt/contracts"
LIQUIDATIONS = "futures.public_liquidates:!all"

_LIQ_SIDES = {"sell": LONG, "buy": SHORT}  # the forced order's direction
_TRADE_SIDES = {"buy": BUY, "sell": SELL}
_MS_FROM = 100_000_000_000  # a time below this is in seconds (the feed's older format)


def _signed(value: object) -> tuple[str, float] | None:
    """``("buy"|"sell", |size|)`` of a signed size (a number or a numeric string), else None."""
    size = finite(value)
    if size is None or size == 0:
        return None
    return ("sell", -size) if size < 0 else ("buy", size)


def _in_ms(ts: object) -> object:
    if ts.__class__ is int and 0 < ts < _MS_FROM:  # type: ignore[operator]
        return ts * 1000  # type: ignore[operator]
    return ts


def _liquidated_at(item: dict) -> object:
    return _in_ms(item.get("time_ms", item.get("time")))


def _traded_at(item: dict) -> object:
    return _in_ms(item.get("create_time_ms", item.get("create_time")))


class GateAdapter(Adapter):
    name = "gate"

    def __init__(self) -> None:
        self.perpetuals = PerpetualMap(lambda coin: f"{coin}_USDT")
        self.multipliers: dict[str, float] = {}  # contract -> coins a contract

    def _usd(self, price: float, contracts: float, name: object) -> float | str:
        if name.__class__ is not str or not name:
            return "missing symbol"
        multiplier = self.multipliers.get(name)  # type: ignore[call-overload]
        return "unknown contract value" if multiplier is None else contracts * multiplier * price

    # WebSocket

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        frame = json_object(raw)
        if frame.__class__ is str:
            return [], [frame]
        channel = frame.get("channel")
        event = frame.get("event")
        if event != "update":  # subscribe answers, pongs; an error answer is counted
            return ([], ["venue error"]) if frame.get("error") else NOTHING
        data = frame.get("result")
        if data.__class__ is not list:
            return [], ["missing data"]
        if channel == "futures.public_liquidates":
            make, sides, stamp = Liquidation, _LIQ_SIDES, _liquidated_at
        elif channel == "futures.trades":
            make, sides, stamp = Trade, _TRADE_SIDES, _traded_at
        else:
            return [], ["unknown channel"]
        events: list[Event] = []
        rejects: list[str] = []
        for item in data:
            if item.__class__ is not dict:
                rejects.append("item not an object")
                continue
            if item.get("is_internal") is True:
                continue  # the insurance fund or ADL took a liquidation over: nobody chose that side
            signed = _signed(item.get("size"))
            side, size = signed if signed is not None else (None, None)
            event = read_event(make, VENUE_NAME, sides, side, item.get("price"), size, stamp(item), item.get("contract"),
                               rejects, self._usd)
            if event is not None:
                events.append(event)
        return events, rejects

    # REST

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        if urlsplit(path).path != CONTRACTS_PATH:
            return NOTHING
        try:
            body = orjson.loads(raw)
        except (orjson.JSONDecodeError, TypeError):
            return [], ["rest bad body"]
        if body.__class__ is not list:
            return [], ["rest error" if body.__class__ is dict and "label" in body else "rest bad body"]
        rejects: list[str] = []
        listed: list[dict] = []
        for row in body:
            name = row.get("name") if row.__class__ is dict else None
            multiplier = positive(row.get("quanto_multiplier")) if name.__class__ is str else -1.0
            if multiplier < 0:
                rejects.append("rest bad row")
                continue
            self.multipliers[name] = multiplier  # type: ignore[index]
            if name.endswith("_USDT") and row.get("in_delisting") is not True:  # type: ignore[union-attr]
                listed.append(row)
        self.perpetuals.learn(row["name"] for row in listed)
        events: list[Event] = []
        for row in listed:
            name = row["name"]
            if not self.perpetuals.is_primary(name):
                continue
            mark = positive(row.get("mark_price"))
            rate = finite(row.get("funding_rate"))
            contracts = positive(row.get("position_size"))
            hours = positive(row.get("funding_interval")) / 3600.0
            coin, divisor = canonical(name)
            oi_usd = contracts * self.multipliers[name] * mark if contracts > 0 and mark > 0 else None
            events.append(Context(receive_ms, VENUE_NAME, coin, oi_usd=oi_usd,
                                  funding=None if rate is None else per_8h(rate, hours),
                                  price=mark / divisor if mark > 0 else None))
        return events, rejects


# Live: what the feed subscribes and asks.  The shared runner opens the socket from these.

def streams(feed: Feed, coins: list[str]) -> list[str]:
    """``futures.public_liquidates`` of every contract (``!all``; when this feed carries
    liquidations), then ``futures.trades`` of the watched coins Gate lists."""
    trades = [f"futures.trades:{name}" for name in feed.adapter.perpetuals.listed_instruments(coins)]  # type: ignore[attr-defined]
    return [LIQUIDATIONS, *trades] if feed.liquidations else trades


def message(op: str, chunk: list[str], request: int) -> str:
    channel = chunk[0].partition(":")[0]  # one channel a message (the socket's family)
    return orjson.dumps({"time": int(time.time()), "channel": channel, "event": op,
                         "payload": [stream.partition(":")[2] for stream in chunk], "id": request}).decode()


def reply(raw: str) -> Reply | None:
    """``{"channel": ..., "event": "subscribe", "id": 3, "error": null | {...}, "result":
    {"status": ...}}``: the answer to request 3."""
    if len(raw) > 1000 or '"subscribe"' not in raw:
        return None
    answer = json_object(raw)
    if answer.__class__ is str or answer.get("event") != "subscribe" or answer.get("id").__class__ is not int:
        return None
    return str(answer["id"]), not answer.get("error")


def context_paths(feed: Feed, coins: list[str]) -> Iterator[str]:
    yield CONTRACTS_PATH  # every contract at once: listing, multipliers, mark, funding, open interest


VENUE = Venue(
    name="gate",
    title=VENUE_NAME,
    adapter=GateAdapter,
    settings=FeedSettings(ws_url="wss://fx-ws.gateio.ws/v4/ws/usdt", rest_url="https://api.gateio.ws",
                          min_trade_usd=0.0),
    sockets=(Socket(
        streams=streams,
        message=message,
        limits=Limits(streams_per_socket=500, topics_per_message=20, messages_per_s=10.0),
        channel="channel",
        reply=reply,
        ready=lambda adapter: bool(adapter.multipliers),  # type: ignore[attr-defined]
        instrument=lambda stream: stream.partition(":")[2],
        family=lambda stream: stream.partition(":")[0],
    ),),
    context=context_paths,
)
