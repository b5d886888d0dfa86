"""Bitget v3 (UTA) public: frames and REST bodies → events.  Pure: no I/O, never raises.

WebSocket ``wss://ws.bitget.com/v3/ws/public`` (``{"arg": {"instType": ..., "topic": ...},
"action": ..., "data": [...]}``, and the text ``pong``):

- ``liquidation`` (per instType, no symbol: the whole market of ``usdt-futures``, ``usdc-futures``
  and ``coin-futures``): ``side`` is the liquidated *position's* side, so ``buy`` = a LONG was
  liquidated, ``sell`` = a SHORT (read so by aggr's Bitget parser; Bitget's push table was not
  seen whole).  ``amount`` is the quote-coin notional (USDT, USDC, or USD for coin-M), taken as
  the USD size.  Bitget pushes once a second the *largest* long and the largest short of each
  symbol in that second: the stream is a sample (at most 2 records a symbol a second).
- ``publicTrade`` per symbol: ``S`` is the taker side, ``v`` the size in the coin, ``T`` the time.
  The ``snapshot`` sent right after subscribing replays the recent history (about 50 trades, some
  seen already before a reconnect): only ``update`` frames are new trades.

REST (``{"code": "00000", "data": ...}``): ``/api/v3/market/tickers?category=USDT-FUTURES`` is the
listing and gives every symbol's mark price and open interest (in the coin: × mark = USD);
``/api/v3/market/current-fund-rate?symbol=`` gives a watched coin's ``fundingRate`` per
``fundingRateInterval`` hours (kept per 8 h).

Live: text ``ping`` every ``ping_interval_s`` (Bitget cuts a client silent for 2 minutes, and
answers ``pong``); at most 10 messages a second, pings included, 240 subscribe requests an hour
and 1,000 channels a connection; a v3 subscribe of 25 or more args was seen to close the
connection, so at most 10 a message.  An unknown symbol is refused with ``{"event": "error",
"code": 30001, "msg": "{\\"instType\\": ..., \\"symbol\\": ..., \\"topic\\": ...} doesn't exist"}``:
that symbol alone is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import (NOTHING, Adapter, Parsed, envelope, event_ms, finite, json_object, per_8h, positive,
                                  read_event, rows)
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.venue import Feed, Limits, Reply, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

VENUE_NAME = "Bitget"
TICKERS_PATH = "/api/v3/market/tickers"
FUNDING_PATH = "/api/v3/market/current-fund-rate"
# Every futures family: their liquidations are their coin's (USDC perpetuals, coin-margined BTCUSD).
LIQUIDATION_TYPES = ("usdt-futures", "usdc-futures", "coin-futures")

_LIQ_SIDES = {"buy": LONG, "sell": SHORT}
_TRADE_SIDES = {"buy": BUY, "sell": SELL}
_OK = ("00000",)


def _is_usdt_perpetual(row: dict) -> bool:
    symbol = row.get("symbol")
    return (symbol.__class__ is str and symbol.endswith("USDT")  # type: ignore[union-attr]
            and not row.get("deliveryTime"))  # a delivery contract has its date


class BitgetAdapter(Adapter):
    name = "bitget"

    def __init__(self) -> None:
        self.perpetuals = PerpetualMap(lambda coin: f"{coin}USDT")

    # WebSocket

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        if raw == "pong":
            return NOTHING
        frame = json_object(raw)
        if frame.__class__ is str:
            return [], [frame]
        arg = frame.get("arg")
        if "event" in frame:  # subscribe answers; errors name what was refused
            return ([], ["venue error"]) if frame.get("event") == "error" else NOTHING
        if arg.__class__ is not dict:
            return [], ["unknown message"]
        topic = arg.get("topic")
        data = frame.get("data")
        if data.__class__ is not list:
            return [], ["missing data"]
        events: list[Event] = []
        rejects: list[str] = []
        if topic == "liquidation":
            for item in data:
                if item.__class__ is not dict:
                    rejects.append("item not an object")
                    continue
                get = item.get
                event = read_event(Liquidation, VENUE_NAME, _LIQ_SIDES, get("side"), get("price"), get("amount"),
                                   get("ts"), get("symbol"), rejects, None)
                if event is not None:
                    events.append(event)
            return events, rejects
        if topic == "publicTrade":
            if frame.get("action") != "update":
                return NOTHING  # the history replayed on subscribe: seen, or older than the feed
            symbol = arg.get("symbol")
            for item in data:
                if item.__class__ is not dict:
                    rejects.append("item not an object")
                    continue
                get = item.get
                event = read_event(Trade, VENUE_NAME, _TRADE_SIDES, get("S"), get("p"), get("v"), get("T"),
                                   get("symbol") or symbol, rejects)
                if event is not None:
                    events.append(event)
            return events, rejects
        return [], ["unknown topic"]

    # REST

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        url = urlsplit(path)
        if url.path not in (TICKERS_PATH, FUNDING_PATH):
            return NOTHING
        body = envelope(raw, "code", _OK)
        listed = rows(body.get("data")) if body.__class__ is dict else None
        ts = event_ms(body.get("requestTime")) if body.__class__ is dict else -1
        if listed is None or ts < 0:
            return [], ["rest error" if body == "rest error" else "rest bad body"]
        if url.path == TICKERS_PATH:
            if "USDT-FUTURES" not in url.query:
                return NOTHING
            return self._tickers(listed, ts)
        return self._funding(listed, ts)

    def _tickers(self, listed: list[dict], ts: int) -> Parsed:
        listed = [row for row in listed if _is_usdt_perpetual(row)]
        self.perpetuals.learn(row["symbol"] for row in listed)
        events: list[Event] = []
        rejects: list[str] = []
        for row in listed:
            symbol = row["symbol"]
            if not self.perpetuals.is_primary(symbol):
                continue
            mark = positive(row.get("markPrice"))
            contracts = positive(row.get("openInterest"))
            if mark < 0:
                rejects.append("rest bad row")
                continue
            coin, divisor = canonical(symbol)
            events.append(Context(ts, VENUE_NAME, coin, oi_usd=contracts * mark if contracts > 0 else None,
                                  price=mark / divisor))
        return events, rejects

    def _funding(self, listed: list[dict], ts: int) -> Parsed:
        events: list[Event] = []
        rejects: list[str] = []
        for row in listed:
            symbol = row.get("symbol")
            rate = finite(row.get("fundingRate"))
            if symbol.__class__ is not str or rate is None:
                rejects.append("rest bad row")
                continue
            if self.perpetuals.is_primary(symbol):  # type: ignore[arg-type]
                funding = per_8h(rate, row.get("fundingRateInterval"))
                events.append(Context(ts, VENUE_NAME, canonical(symbol)[0], funding=funding))  # type: ignore[arg-type]
        return events, rejects


# Live: what the feed subscribes and asks.  The shared runner opens the socket from these.

def streams(feed: Feed, coins: list[str]) -> list[str]:
    """``liquidation`` of every futures family (when this feed carries liquidations), then the
    trades of the watched coins' USDT perpetual, as ``publicTrade:<symbol>``."""
    trades = [f"publicTrade:{symbol}" for symbol in feed.adapter.perpetuals.listed_instruments(coins)]  # type: ignore[attr-defined]
    liquidations = [f"liquidation:{kind}" for kind in LIQUIDATION_TYPES] if feed.liquidations else []
    return liquidations + trades


def _arg(stream: str) -> dict[str, str]:
    topic, _, rest = stream.partition(":")
    if topic == "liquidation":
        return {"instType": rest, "topic": topic}
    return {"instType": "usdt-futures", "topic": topic, "symbol": rest}


def message(op: str, chunk: list[str], request: int) -> str:
    return orjson.dumps({"op": op, "args": [_arg(stream) for stream in chunk]}).decode()


def reply(raw: str) -> Reply | None:
    """A v3 refusal names the refused arg only inside ``msg`` (``{"instType":...,"symbol":
    "NOPEUSDT","topic":"publicTrade"} doesn't exist``): that stream alone is refused."""
    if len(raw) > 1000 or '"error"' not in raw:
        return None
    answer = json_object(raw)
    text = answer.get("msg") if answer.__class__ is dict and answer.get("event") == "error" else None
    if text.__class__ is not str or not text.startswith("{"):  # type: ignore[union-attr]
        return None
    arg = json_object(text[: text.find("}") + 1])  # type: ignore[union-attr]
    if arg.__class__ is str:
        return None
    topic, symbol = arg.get("topic"), arg.get("symbol")
    return (f"{topic}:{symbol}" if symbol else f"{topic}:{arg.get('instType')}"), False


def context_paths(feed: Feed, coins: list[str]) -> Iterator[str]:
    """The tickers of every USDT perpetual (listing, mark price, OI), then the funding of each
    watched coin Bitget lists (the tickers' rate comes without its interval).  A generator: the
    funding paths use the symbols the round's tickers named."""
    yield f"{TICKERS_PATH}?category=USDT-FUTURES"
    for symbol in feed.adapter.perpetuals.listed_instruments(coins):  # type: ignore[attr-defined]
        yield f"{FUNDING_PATH}?symbol={symbol}"


VENUE = Venue(
    name="bitget",
    title=VENUE_NAME,
    adapter=BitgetAdapter,
    settings=FeedSettings(ws_url="wss://ws.bitget.com/v3/ws/public", rest_url="https://api.bitget.com",
                          min_trade_usd=0.0),
    sockets=(Socket(
        streams=streams,
        message=message,
        # 1,000 channels a connection; 10 messages a second, pings included; 25 args closed a v3 connection.
        limits=Limits(streams_per_socket=500, topics_per_message=10, messages_per_s=5.0, ping="ping"),
        channel="topic",
        reply=reply,
        ready=lambda adapter: bool(adapter.perpetuals),  # type: ignore[attr-defined]
        instrument=lambda stream: stream.partition(":")[2],
    ),),
    context=context_paths,
)
