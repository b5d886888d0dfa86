"""Binance USDⓈ-M futures: frames and REST bodies → events.  Pure: no I/O, never raises.

WebSocket (combined streams, ``{"stream": ..., "data": ...}``, raw streams accepted too):

- ``forceOrder`` (``!forceOrder@arr``): ``o.S`` is the side of the forced *order*; a forced SELL
  closes a long, so ``SELL`` = a LONG was liquidated, ``BUY`` = a SHORT.  USD = ``ap`` (average
  fill price) × ``z`` (filled quantity), or ``p`` × ``q`` while ``ap`` is still 0.  Binance pushes
  at most one liquidation per symbol per second: the stream is a sample.
- ``aggTrade`` and ``trade``: ``m`` = "the buyer was the maker", so ``m: true`` = the taker SOLD.
  Only ``X: MARKET`` trades are order flow (insurance-fund and ADL fills are not).

Fields not named here are ignored: since about 2026-10 the USDⓈ-M frames carry ``ps`` (pair) and
``st`` (symbol type) in ``forceOrder``'s ``o``, ``aggTrade`` and ``depthUpdate``, and Binance adds
fields without notice.  A coin-margined contract (``BTCUSD_PERP``, ``BTCUSD_200925``: sized in USD
contracts, never sent on the USDⓈ-M host) is recognised by its symbol and rejected.

REST: ``/fapi/v1/premiumIndex`` gives ``lastFundingRate`` (a fraction per funding interval) and the
mark price; ``/fapi/v1/fundingInfo`` lists the symbols whose interval is not 8 h (funding is kept
per 8 h); ``/fapi/v1/openInterest`` gives OI in contracts of the symbol, × mark price = USD.

Live: ``!forceOrder@arr`` (every symbol) and ``<symbol>@aggTrade`` per watched coin on the
``/market`` route, at most 200 streams a connection, ``SUBSCRIBE`` messages paced under Binance's
10 incoming messages a second; Binance's pings are answered by the WebSocket library.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import NOTHING, Adapter, Parsed, event_ms, finite, json_object, per_8h, positive, read_event, \
    read_items
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.venue import Feed, Limits, Reply, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

VENUE_NAME = "Binance"
PREMIUM_PATH = "/fapi/v1/premiumIndex"
FUNDING_INFO_PATH = "/fapi/v1/fundingInfo"
OI_PATH = "/fapi/v1/openInterest"
LIQUIDATION_STREAM = "!forceOrder@arr"

_LIQ_SIDES = {"SELL": LONG, "BUY": SHORT}
_TAKER_SIDES = {True: SELL, False: BUY}  # ``m``: the buyer was the maker, so the taker sold


def _is_usdt_perpetual(symbol: object) -> bool:
    # Dated contracts carry an expiry after an underscore (BTCUSDT_250926).
    return symbol.__class__ is str and symbol.endswith("USDT") and "_" not in symbol  # type: ignore[union-attr]


def _is_coin_margined(symbol: object) -> bool:
    # BTCUSD_PERP, BTCUSD_200925: quoted in USD itself, not in a USD stablecoin.
    return symbol.__class__ is str and symbol.partition("_")[0].endswith("USD")  # type: ignore[union-attr]


def _trade(data: dict, rejects: list[str]) -> Event | None:
    if data.get("X", "MARKET") != "MARKET":
        return None  # insurance-fund / ADL fills: nobody chose that side
    return read_event(Trade, VENUE_NAME, _TAKER_SIDES, data.get("m"), data.get("p"), data.get("q"),
                      data.get("T", data.get("E")), data.get("s"), rejects)


def _liquidation(order: object, rejects: list[str]) -> Event | None:
    if order.__class__ is not dict:
        rejects.append("item not an object")
        return None
    get = order.get  # type: ignore[attr-defined]
    if _is_coin_margined(get("s")):
        rejects.append("coin-margined contract")  # sizes in USD contracts: not this feed
        return None
    price, qty = get("ap"), get("z")
    if positive(price) < 0 or positive(qty) < 0:  # not filled yet: the order's limit price and quantity
        price, qty = get("p"), get("q")
    return read_event(Liquidation, VENUE_NAME, _LIQ_SIDES, get("S"), price, qty, get("T"), get("s"), rejects)


def _event(data: object, rejects: list[str]) -> Event | None:
    if data.__class__ is not dict:
        rejects.append("item not an object")
        return None
    kind = data.get("e")  # type: ignore[attr-defined]
    if kind == "aggTrade" or kind == "trade":
        return _trade(data, rejects)  # type: ignore[arg-type]
    if kind == "forceOrder":
        return _liquidation(data.get("o"), rejects)  # type: ignore[attr-defined]
    rejects.append("unknown event")
    return None


def parse_ws(raw: str) -> Parsed:
    """One Binance WebSocket text frame → (events, rejection reasons)."""
    frame = json_object(raw)
    if frame.__class__ is str:
        return [], [frame]
    if "stream" in frame:
        data = frame.get("data")
    elif "id" in frame:  # answer to SUBSCRIBE: {"result": null, "id": 1} or {"error": ..., "id": 1}
        return ([], ["venue error"]) if "error" in frame else NOTHING
    else:
        data = frame
    return read_items(data if data.__class__ is list else [data], _event)


class BinanceAdapter(Adapter):
    name = "binance"

    def __init__(self) -> None:
        self.perpetuals = PerpetualMap(lambda coin: f"{coin}USDT")
        self.mark: dict[str, float] = {}  # symbol → mark price, turns OI contracts into USD
        self.funding_hours: dict[str, float] = {}  # symbols whose funding interval is not 8 h

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        return parse_ws(raw)

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        route = urlsplit(path).path
        if route not in (PREMIUM_PATH, OI_PATH, FUNDING_INFO_PATH):
            return NOTHING
        try:
            body = orjson.loads(raw)
        except (orjson.JSONDecodeError, TypeError):
            return [], ["rest bad body"]
        if body.__class__ is dict and "code" in body and "msg" in body:
            return [], ["rest error"]  # {"code": -1121, "msg": "Invalid symbol."}
        if route == PREMIUM_PATH:
            return self._premium(body if body.__class__ is list else [body])
        if route == OI_PATH:
            return self._open_interest(body)
        return self._funding_info(body)

    def _funding_info(self, body: object) -> Parsed:
        if body.__class__ is not list:
            return [], ["rest bad body"]
        rejects: list[str] = []
        for row in body:  # type: ignore[attr-defined]
            if row.__class__ is not dict or row.get("symbol").__class__ is not str:
                rejects.append("rest bad row")
                continue
            hours = positive(row.get("fundingIntervalHours"))
            if hours < 0:
                rejects.append("rest bad row")
                continue
            self.funding_hours[row["symbol"]] = hours
        return [], rejects

    def _premium(self, rows: list) -> Parsed:
        rows = [row for row in rows if row.__class__ is dict and _is_usdt_perpetual(row.get("symbol"))]
        self.perpetuals.learn(row["symbol"] for row in rows)
        events: list[Event] = []
        rejects: list[str] = []
        for row in rows:
            symbol = row["symbol"]
            mark = positive(row.get("markPrice"))
            if mark > 0:
                self.mark[symbol] = mark
            rate = finite(row.get("lastFundingRate"))
            ts = event_ms(row.get("time"))
            if rate is None or ts < 0:
                rejects.append("rest bad row")
                continue
            if self.perpetuals.is_primary(symbol):
                funding = per_8h(rate, self.funding_hours.get(symbol, 8.0))
                coin, divisor = canonical(symbol)  # 1000PEPEUSDT's mark is for 1,000 PEPE
                events.append(Context(ts, VENUE_NAME, coin, funding=funding, price=mark / divisor if mark > 0 else None))
        return events, rejects

    def _open_interest(self, body: object) -> Parsed:
        if body.__class__ is not dict:
            return [], ["rest bad body"]
        symbol = body.get("symbol")  # type: ignore[attr-defined]
        contracts = positive(body.get("openInterest"))  # type: ignore[attr-defined]
        ts = event_ms(body.get("time"))  # type: ignore[attr-defined]
        if not _is_usdt_perpetual(symbol) or contracts < 0 or ts < 0:
            return [], ["rest bad row"]
        mark = self.mark.get(symbol)  # type: ignore[arg-type]
        if mark is None:
            return [], ["unknown mark price"]
        return [Context(ts, VENUE_NAME, canonical(symbol)[0], oi_usd=contracts * mark)], []  # type: ignore[arg-type]


# Live: what the feed subscribes and asks.  The shared runner opens the sockets from these.

def streams(feed: Feed, coins: list[str]) -> list[str]:
    """``!forceOrder@arr`` (every symbol, when this feed carries liquidations) and the aggTrades of
    the watched coins the listing named: a guessed name (``pepeusdt@aggTrade``, the contract is
    ``1000PEPEUSDT``) is acknowledged and never sends."""
    perpetuals = feed.adapter.perpetuals  # type: ignore[attr-defined]
    named = (perpetuals.known(coin) for coin in coins)
    trades = [f"{symbol.lower()}@aggTrade" for symbol in named if symbol is not None]
    return [LIQUIDATION_STREAM, *trades] if feed.liquidations else trades


def message(op: str, chunk: list[str], request: int) -> str:
    return orjson.dumps({"method": op.upper(), "params": chunk, "id": request}).decode()


def reply(raw: str) -> Reply | None:
    """``{"result": null, "id": 3}`` granted, ``{"error": {...}, "id": 3}`` refused."""
    if len(raw) > 500 or '"id"' not in raw:
        return None
    frame = json_object(raw)
    if frame.__class__ is str or "stream" in frame or frame.get("id").__class__ is not int:
        return None
    return str(frame["id"]), "error" not in frame


def context_paths(feed: Feed, coins: list[str]) -> Iterator[str]:
    """One round of context requests.  A generator: the OI paths are made after the round's
    premium index arrived, so they use the venue's own symbols (``1000PEPEUSDT``) and skip coins
    Binance does not list."""
    yield FUNDING_INFO_PATH
    yield PREMIUM_PATH
    for symbol in feed.adapter.perpetuals.listed_instruments(coins):  # type: ignore[attr-defined]
        yield f"{OI_PATH}?symbol={symbol}"


VENUE = Venue(
    name="binance",
    title=VENUE_NAME,
    adapter=BinanceAdapter,
    settings=FeedSettings(ws_url="wss://fstream.binance.com/market", rest_url="https://fapi.binance.com",
                          ping_interval_s=20.0, watchdog_s=60.0, min_trade_usd=0.0),
    sockets=(Socket(
        streams=streams,
        message=message,
        url=lambda feed: f"{feed.settings.ws_url.rstrip('/')}/stream",
        # 200 streams a connection; 100 a SUBSCRIBE; 10 incoming messages a second (pongs count).
        limits=Limits(streams_per_socket=200, topics_per_message=100, messages_per_s=5.0),
        channel="stream",
        reply=reply,
        ready=lambda adapter: bool(adapter.perpetuals),  # type: ignore[attr-defined]
    ),),
    context=context_paths,
)
