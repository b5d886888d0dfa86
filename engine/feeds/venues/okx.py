"""OKX v5 public: frames and REST bodies → events.  Pure: no I/O, never raises.

Sizes are in *contracts*.  The contract value comes from ``/api/v5/public/instruments``
(``ctVal`` × ``ctMult``): for linear contracts (``BTC-USDT-SWAP``) it is in the base coin, so USD =
contracts × value × price; for inverse ones (``BTC-USD-SWAP``, ``XRP-USD-230929``) it is in USD,
so USD = contracts × value.  The adapter keeps what the instruments body said; until an
instrument's value is known its sizes are rejected as ``"unknown contract value"``.  The recorder
keeps the instruments body, so replay learns the values the same way.

WebSocket (``{"arg": {"channel": ...}, "data": [...]}``, and the text ``pong``):

- ``liquidation-orders``: ``details[].side`` is the liquidation *order* side; a forced sell closes
  a long, so ``sell`` = a LONG was liquidated, ``buy`` = a SHORT.  Price = bankruptcy price
  ``bkPx``.  OKX pushes at most one liquidation per instrument per second: the stream is a sample.
- ``trades``: ``side`` is the taker side.

REST: ``/api/v5/public/funding-rate?instId=`` (a fraction per interval, the interval being
``nextFundingTime`` − ``fundingTime``; kept per 8 h) and ``/api/v5/public/open-interest`` (``oiUsd``).

Live: ``liquidation-orders`` (instType SWAP: every swap) and ``trades`` per watched coin; the text
``ping`` when the line was quiet for ``ping_interval_s`` (OKX closes a connection silent for 30 s).
The socket opens once the instruments body arrived, so no early trade is lost to an unknown
contract value.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import (NOTHING, Adapter, Parsed, envelope, event_ms, finite, json_object, per_8h, positive,
                                  read_event, read_items, rows)
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.venue import Feed, Limits, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

VENUE_NAME = "OKX"
INSTRUMENTS_PATH = "/api/v5/public/instruments"
FUNDING_PATH = "/api/v5/public/funding-rate"
OI_PATH = "/api/v5/public/open-interest"
LIQUIDATIONS = "liquidation-orders"  # the stream name of the all-swap liquidation subscription

_LIQ_SIDES = {"sell": LONG, "buy": SHORT}
_TRADE_SIDES = {"buy": BUY, "sell": SELL}
_HOUR_MS = 3_600_000


def _is_usdt_swap(inst_id: object) -> bool:
    return inst_id.__class__ is str and inst_id.endswith("-USDT-SWAP")  # type: ignore[union-attr]


class OkxAdapter(Adapter):
    name = "okx"

    def __init__(self) -> None:
        self.perpetuals = PerpetualMap(lambda coin: f"{coin}-USDT-SWAP")
        # instId → (contract value, inverse): value in base coin when linear, in USD when inverse.
        self.contracts: dict[str, tuple[float, bool]] = {}

    # WebSocket

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        if raw == "pong":
            return NOTHING
        frame = json_object(raw)
        if frame.__class__ is str:
            return [], [frame]
        arg = frame.get("arg")
        channel = arg.get("channel") if arg.__class__ is dict else None
        data = frame.get("data")
        if "event" in frame or data is None:  # subscribe answers, notices, errors
            return ([], ["venue error"]) if frame.get("event") == "error" else NOTHING
        if data.__class__ is not list:
            return [], ["missing data"]
        if channel == "liquidation-orders":
            events: list[Event] = []
            rejects: list[str] = []
            for item in data:  # an item holds many details: many events
                self._liquidations(item, events, rejects)
            return events, rejects
        if channel == "trades":
            return read_items(data, self._trade)
        return [], ["unknown channel"]

    def _usd(self, price: float, contracts: float, inst_id: object) -> float | str:
        """USD notional of a size in contracts, or the rejection when the contract value is unknown
        (sizing needs the instrument: without one, the symbol is what is missing)."""
        if inst_id.__class__ is not str or not inst_id:
            return "missing symbol"
        spec = self.contracts.get(inst_id)  # type: ignore[call-overload]
        if spec is None:
            return "unknown contract value"
        value, inverse = spec
        return contracts * value if inverse else contracts * value * price

    def _liquidations(self, item: object, events: list[Event], rejects: list[str]) -> None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return
        details = item.get("details")  # type: ignore[attr-defined]
        if details.__class__ is not list:
            rejects.append("missing data")
            return
        inst_id = item.get("instId")  # type: ignore[attr-defined]
        for detail in details:
            if detail.__class__ is not dict:
                rejects.append("item not an object")
                continue
            get = detail.get
            event = read_event(Liquidation, VENUE_NAME, _LIQ_SIDES, get("side"), get("bkPx"), get("sz"), get("ts"),
                               inst_id, rejects, self._usd)
            if event is not None:
                events.append(event)

    def _trade(self, item: object, rejects: list[str]) -> Event | None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return None
        get = item.get  # type: ignore[attr-defined]
        return read_event(Trade, VENUE_NAME, _TRADE_SIDES, get("side"), get("px"), get("sz"), get("ts"), get("instId"),
                          rejects, self._usd)

    # REST

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        route = urlsplit(path).path
        if route not in (INSTRUMENTS_PATH, FUNDING_PATH, OI_PATH):
            return NOTHING
        body = envelope(raw, "code", ("0",))
        listed = rows(body.get("data")) if body.__class__ is dict else None
        if listed is None:
            return [], ["rest error"]
        if route == INSTRUMENTS_PATH:
            return self._instruments(listed)
        if route == FUNDING_PATH:
            return read_items(listed, self._funding)
        return read_items(listed, self._open_interest)

    def _instruments(self, listed: list[dict]) -> Parsed:
        rejects: list[str] = []
        for row in listed:
            inst_id = row.get("instId")
            value = positive(row.get("ctVal"))
            if inst_id.__class__ is not str or value < 0:
                rejects.append("rest bad row")
                continue
            multiplier = positive(row.get("ctMult"))
            inverse = row.get("ctType") == "inverse" or row.get("ctValCcy") == "USD"
            self.contracts[inst_id] = (value * (multiplier if multiplier > 0 else 1.0), inverse)
        self.perpetuals.learn(row["instId"] for row in listed if _is_usdt_swap(row.get("instId")))
        return [], rejects

    def _swap_coin(self, row: dict) -> str | None:
        """The coin of a row about its primary USDT swap, else None (other contracts of the coin
        would count its OI and funding again)."""
        inst_id = row.get("instId")
        if _is_usdt_swap(inst_id) and self.perpetuals.is_primary(inst_id):  # type: ignore[arg-type]
            return canonical(inst_id)[0]  # type: ignore[arg-type]
        return None

    def _funding(self, row: dict, rejects: list[str]) -> Context | None:
        coin = self._swap_coin(row)
        if coin is None:
            return None
        rate = finite(row.get("fundingRate"))
        ts = event_ms(row.get("ts"))
        if rate is None or ts < 0:
            rejects.append("rest bad row")
            return None
        interval = event_ms(row.get("nextFundingTime")) - event_ms(row.get("fundingTime"))
        return Context(ts, VENUE_NAME, coin, funding=per_8h(rate, interval / _HOUR_MS))

    def _open_interest(self, row: dict, rejects: list[str]) -> Context | None:
        coin = self._swap_coin(row)
        if coin is None:
            return None
        oi_usd = positive(row.get("oiUsd"))
        ts = event_ms(row.get("ts"))
        if oi_usd < 0 or ts < 0:
            rejects.append("rest bad row")
            return None
        return Context(ts, VENUE_NAME, coin, oi_usd=oi_usd)


# Live: what the feed subscribes and asks.  The shared runner opens the socket from these.

def streams(feed: Feed, coins: list[str]) -> list[str]:
    """``liquidation-orders`` (every swap; when this feed carries liquidations) and the trades of
    the watched coins, as ``trades:<instId>``."""
    perpetuals = feed.adapter.perpetuals  # type: ignore[attr-defined]
    trades = [f"trades:{perpetuals.instrument(coin)}" for coin in coins]
    return [LIQUIDATIONS, *trades] if feed.liquidations else trades


def _arg(stream: str) -> dict[str, str]:
    if stream == LIQUIDATIONS:
        return {"channel": LIQUIDATIONS, "instType": "SWAP"}
    channel, _, inst_id = stream.partition(":")
    return {"channel": channel, "instId": inst_id}


def message(op: str, chunk: list[str], request: int) -> str:
    return orjson.dumps({"op": op, "args": [_arg(stream) for stream in chunk]}).decode()


def context_paths(feed: Feed, coins: list[str]) -> Iterator[str]:
    """One round of requests: the instruments first (contract values for every swap, and the
    listing), then OI of every swap, then funding per watched coin OKX lists.  A generator, so
    the funding paths follow the instruments body of the same round."""
    yield f"{INSTRUMENTS_PATH}?instType=SWAP"
    yield f"{OI_PATH}?instType=SWAP"
    for inst_id in feed.adapter.perpetuals.listed_instruments(coins):  # type: ignore[attr-defined]
        yield f"{FUNDING_PATH}?instId={inst_id}"


VENUE = Venue(
    name="okx",
    title=VENUE_NAME,
    adapter=OkxAdapter,
    settings=FeedSettings(ws_url="wss://ws.okx.com:8443/ws/v5/public", rest_url="https://www.okx.com",
                          ping_interval_s=20.0, min_trade_usd=0.0),  # OKX closes a line silent for 30 s
    sockets=(Socket(
        streams=streams,
        message=message,
        limits=Limits(topics_per_message=20, ping="ping", ping_idle_only=True),
        channel="channel",
        ready=lambda adapter: bool(adapter.contracts),  # type: ignore[attr-defined]
    ),),
    context=context_paths,
)
