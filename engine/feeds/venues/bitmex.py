"""BitMEX: frames and REST bodies → events.  Pure: no I/O, never raises.

Sizes are in *contracts*, whose worth each instrument of ``/api/v1/instrument/active`` states: a
contract is ``|multiplier|`` settlement units × price (× 1/price for an inverse one), the units
being satoshis for ``XBt``-settled instruments (1e8 a bitcoin) and micro-USDT for ``USDt``-settled
ones (1e6 a tether).  So ``XBTUSD`` (inverse) contracts are one USD each, ``XRPUSDT`` (linear)
1/100 XRP, ``ETHUSD`` (quanto) 100 satoshis × the ETH price; a value in bitcoin is turned into
USD with the bitcoin price (the trade's own when the instrument is bitcoin's, else XBTUSD's mark).
Until an instrument is known its sizes are rejected as ``"unknown contract value"``; the socket
opens once the instruments arrived.  Bitcoin is ``XBT`` there (the coin is BTC).

WebSocket ``wss://ws.bitmex.com/realtime`` (``{"table": ..., "action": ..., "data": [...]}``):

- ``liquidation`` (every symbol): a row is a liquidation *order* as it enters the book: ``side``
  is the order's side (``Sell``: a LONG liquidated), ``leavesQty`` its size, ``price`` its price.
  Only ``insert`` is a new liquidation: ``update`` only shrinks ``leavesQty`` as it fills,
  ``delete`` removes it, and the ``partial`` sent on subscribing lists orders already there.  The
  row has no time: the liquidation is dated on receipt (the recorded ``t``).
- ``trade:<symbol>``: ``side`` is the taker side, ``size`` contracts, ``timestamp`` ISO 8601;
  only ``insert`` rows (the ``partial`` on subscribing repeats trades already past).

REST ``/api/v1/instrument/active``: the listing (perpetuals: ``typ`` ``FFWCSX``, ``state`` Open),
each instrument's contract terms, ``markPrice``, ``openInterest`` (contracts: in USD as above,
summed over a coin's perpetuals) and ``fundingRate`` per ``fundingInterval`` (kept per 8 h; the
coin's largest perpetual's).

Live: one topic a subscribe message (BitMEX answers each topic on its own and names a refused one
only in the echoed request), the text ``ping`` when the line was quiet (answered ``pong``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import NOTHING, Adapter, Parsed, finite, json_object, per_8h, positive, read_event
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.venue import Feed, Limits, Reply, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

VENUE_NAME = "BitMEX"
INSTRUMENTS_PATH = "/api/v1/instrument/active"
LIQUIDATIONS = "liquidation"
PERPETUAL = "FFWCSX"

_LIQ_SIDES = {"Sell": LONG, "Buy": SHORT}
_TRADE_SIDES = {"Buy": BUY, "Sell": SELL}
_SETTLE_UNITS = {"XBt": 1e8, "USDt": 1e6}
_BITCOIN = ("XBT", "BTC")


def iso_ms(text: object) -> int:
    """ms since the epoch of an ISO 8601 time (``2019-06-01T00:00:19.163Z``), else -1."""
    if text.__class__ is not str or len(text) > 40:  # type: ignore[arg-type]
        return -1
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1000)  # type: ignore[arg-type]
    except ValueError:
        return -1


def _hours(interval: object) -> float:
    """A BitMEX interval (``2000-01-01T08:00:00.000Z``: 8 hours after 2000-01-01) in hours."""
    ms = iso_ms(interval)
    return (ms - 946_684_800_000) / 3_600_000 if ms > 0 else -1.0


class _Terms:
    __slots__ = ("multiplier", "inverse", "units", "in_bitcoin", "bitcoin_priced")

    def __init__(self, row: dict) -> None:
        self.multiplier = abs(finite(row.get("multiplier")) or 0.0)
        self.inverse = row.get("isInverse") is True
        settle = row.get("settlCurrency")
        self.units = _SETTLE_UNITS.get(settle, 1.0) if settle.__class__ is str else 1.0  # type: ignore[call-overload]
        self.in_bitcoin = settle == "XBt"
        # Bitcoin's own contracts in USD (XBTUSD): their price is the bitcoin price.
        self.bitcoin_priced = row.get("underlying") in _BITCOIN and row.get("quoteCurrency") == "USD"


class BitmexAdapter(Adapter):
    name = "bitmex"

    def __init__(self) -> None:
        self.perpetuals = PerpetualMap(lambda coin: f"{coin}USD")
        self.symbols_of: dict[str, list[str]] = {}  # coin -> its open perpetuals (XBTUSD and XBTUSDT)
        self.terms: dict[str, _Terms] = {}
        self.bitcoin_usd = 0.0  # XBTUSD's mark price: bitcoin-settled values in USD

    def _usd(self, price: float, contracts: float, symbol: object) -> float | str:
        if symbol.__class__ is not str or not symbol:
            return "missing symbol"
        terms = self.terms.get(symbol)  # type: ignore[call-overload]
        if terms is None or not terms.multiplier:
            return "unknown contract value"
        value = terms.multiplier * contracts * (1.0 / price if terms.inverse else price) / terms.units
        if not terms.in_bitcoin:
            return value
        bitcoin = price if terms.bitcoin_priced else self.bitcoin_usd
        return value * bitcoin if bitcoin > 0 else "unknown contract value"

    # WebSocket

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        if raw == "pong":
            return NOTHING
        frame = json_object(raw)
        if frame.__class__ is str:
            return [], [frame]
        table = frame.get("table")
        if table.__class__ is not str:
            if "error" in frame:
                return [], ["venue error"]
            return NOTHING if "info" in frame or "success" in frame else ([], ["unknown message"])
        if frame.get("action") != "insert":
            return NOTHING  # partial: already there; update, delete: the same liquidation filling
        data = frame.get("data")
        if data.__class__ is not list:
            return [], ["missing data"]
        events: list[Event] = []
        rejects: list[str] = []
        if table == LIQUIDATIONS:
            for row in data:
                if row.__class__ is not dict:
                    rejects.append("item not an object")
                    continue
                get = row.get
                event = read_event(Liquidation, VENUE_NAME, _LIQ_SIDES, get("side"), get("price"), get("leavesQty"),
                                   receive_ms, get("symbol"), rejects, self._usd)
                if event is not None:
                    events.append(event)
            return events, rejects
        if table == "trade":
            for row in data:
                if row.__class__ is not dict:
                    rejects.append("item not an object")
                    continue
                get = row.get
                event = read_event(Trade, VENUE_NAME, _TRADE_SIDES, get("side"), get("price"), get("size"),
                                   iso_ms(get("timestamp")), get("symbol"), rejects, self._usd)
                if event is not None:
                    events.append(event)
            return events, rejects
        return [], ["unknown table"]

    # REST

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        if urlsplit(path).path != INSTRUMENTS_PATH:
            return NOTHING
        try:
            body = orjson.loads(raw)
        except (orjson.JSONDecodeError, TypeError):
            return [], ["rest bad body"]
        if body.__class__ is not list:
            return [], ["rest error" if body.__class__ is dict and "error" in body else "rest bad body"]
        perpetuals = []
        for row in body:
            symbol = row.get("symbol") if row.__class__ is dict else None
            if symbol.__class__ is not str:
                continue
            self.terms[symbol] = _Terms(row)  # type: ignore[index]
            if row.get("typ") == PERPETUAL and row.get("state") == "Open":
                perpetuals.append(row)
                mark = positive(row.get("markPrice"))
                if self.terms[symbol].bitcoin_priced and self.terms[symbol].inverse and mark > 0:  # type: ignore[index]
                    self.bitcoin_usd = mark
        self.perpetuals.learn(row["symbol"] for row in perpetuals)
        if perpetuals:  # an empty list is no listing: keep the last one
            self.symbols_of = {}
            for row in perpetuals:
                self.symbols_of.setdefault(canonical(row["symbol"])[0], []).append(row["symbol"])
        return self._context(perpetuals, receive_ms)

    def _context(self, perpetuals: list[dict], receive_ms: int) -> Parsed:
        """Per coin: the open interest of all its perpetuals in USD, the funding and mark price of
        the largest."""
        by_coin: dict[str, list[tuple[float, dict]]] = {}
        rejects: list[str] = []
        for row in perpetuals:
            mark = positive(row.get("markPrice"))
            contracts = positive(row.get("openInterest"))
            usd = self._usd(mark, contracts, row["symbol"]) if mark > 0 and contracts > 0 else 0.0
            if usd.__class__ is str:
                rejects.append("rest bad row")
                continue
            by_coin.setdefault(canonical(row["symbol"])[0], []).append((usd, row))  # type: ignore[arg-type]
        events: list[Event] = []
        for coin, rows in by_coin.items():
            oi_usd = sum(usd for usd, _ in rows)
            _, largest = max(rows, key=lambda item: item[0])
            rate = finite(largest.get("fundingRate"))
            mark = positive(largest.get("markPrice"))
            ts = iso_ms(largest.get("timestamp"))
            events.append(Context(ts if ts > 0 else receive_ms, VENUE_NAME, coin, oi_usd=oi_usd or None,
                                  funding=None if rate is None else per_8h(rate, _hours(largest.get("fundingInterval"))),
                                  price=mark / canonical(largest["symbol"])[1] if mark > 0 else None))
        return events, rejects


# Live: what the feed subscribes and asks.  The shared runner opens the socket from these.

def streams(feed: Feed, coins: list[str]) -> list[str]:
    """``liquidation`` (every symbol; when this feed carries liquidations), then the trades of
    every perpetual of each watched coin (``XBTUSD`` and ``XBTUSDT`` are both bitcoin's)."""
    symbols_of = feed.adapter.symbols_of  # type: ignore[attr-defined]
    trades = [f"trade:{symbol}" for coin in coins for symbol in symbols_of.get(coin, ())]
    return [LIQUIDATIONS, *trades] if feed.liquidations else trades


def message(op: str, chunk: list[str], request: int) -> str:
    return orjson.dumps({"op": op, "args": chunk}).decode()


def reply(raw: str) -> Reply | None:
    """``{"success": true, "subscribe": "trade:XBTUSD", ...}``, or ``{"status": 400, "error": ...,
    "request": {"op": "subscribe", "args": ["trade:NOPE"]}}``: BitMEX names the topic, not a request."""
    if len(raw) > 1000 or ('"success"' not in raw and '"error"' not in raw):
        return None
    answer = json_object(raw)
    if answer.__class__ is str:
        return None
    if answer.get("success") is True and answer.get("subscribe").__class__ is str:
        return answer["subscribe"], True
    request = answer.get("request")
    args = request.get("args") if request.__class__ is dict and request.get("op") == "subscribe" else None
    topic = args[0] if args.__class__ is list and len(args) == 1 else args  # type: ignore[index,arg-type]
    return (topic, False) if topic.__class__ is str else None


def context_paths(feed: Feed, coins: list[str]) -> Iterator[str]:
    yield INSTRUMENTS_PATH  # every instrument: listing, contract terms, mark, funding, open interest


VENUE = Venue(
    name="bitmex",
    title=VENUE_NAME,
    adapter=BitmexAdapter,
    settings=FeedSettings(ws_url="wss://ws.bitmex.com/realtime", rest_url="https://www.bitmex.com",
                          min_trade_usd=0.0, requests_per_minute=30),
    sockets=(Socket(
        streams=streams,
        message=message,
        limits=Limits(topics_per_message=1, messages_per_s=10.0, ping="ping", ping_idle_only=True),
        channel="table",
        reply=reply,
        ready=lambda adapter: bool(adapter.terms),  # type: ignore[attr-defined]
        instrument=lambda stream: stream.partition(":")[2] or stream,
    ),),
    context=context_paths,
)
