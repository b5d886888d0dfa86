"""CoinGlass frames and REST bodies → events (pure: no I/O, never raises on bad input), and what
its live feed subscribes and asks.

WebSocket ``liquidationOrders``: ``side`` 1 = a long was liquidated, 2 = a short.
WebSocket ``futures_trades@{exchange}_{symbol}@{minVol}``: ``side`` 1 = taker sell, 2 = taker buy.
``{symbol}`` is the exchange's own instrument name (OKX ``BTC-USDT-SWAP``, Binance ``1000PEPEUSDT``),
taken from ``/api/futures/supported-exchange-pairs`` (the adapter learns it, :class:`CoinGlassAdapter`).
Numbers arrive as numbers or strings; field names vary between API generations (``volUsd`` /
``volume_usd``, ``exName`` / ``exchange``, ``baseAsset`` / ``base_asset``).

REST v4 (values are strings): ``/api/futures/open-interest/aggregated-history`` gives OI in USD
per candle; ``/api/futures/funding-rate/oi-weight-history`` gives funding as a *percentage*
(``0.01`` = 0.01 %), stored here as a fraction (``0.0001``).  CoinGlass answers a rate limit
with HTTP 429, or with HTTP 200 and ``{"code": "429", ...}`` in the body: both wait and retry.

Live: the key in the WebSocket URL (``cg-api-key``) and in the ``CG-API-KEY`` header; the text
``ping``; one channel a subscribe message (how CoinGlass answers a message naming a channel it does
not serve is not documented: one refused channel must not take others with it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import orjson

from engine.feeds.adapter import MAX_TS, MIN_TS, NOTHING, Adapter, ItemReader, Parsed, envelope, json_object, read_event
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.venue import Feed, Limits, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical, split_multiplier

_LIQ_SIDES = {1: LONG, 2: SHORT, "1": LONG, "2": SHORT}
_TRADE_SIDES = {1: SELL, 2: BUY, "1": SELL, "2": BUY}
_CONTROL_KEYS = ("event", "method", "success", "code", "msg", "op")

OI_PATH = "/api/futures/open-interest/aggregated-history"
PAIRS_PATH = "/api/futures/supported-exchange-pairs"
PAIRS_MAX_AGE_MS = 6 * 3_600_000  # the pairs change with listings: asked again this often (the body is large)
FUNDING_PATH = "/api/futures/funding-rate/oi-weight-history"
LIQUIDATIONS = "liquidationOrders"


def _item_reader(sides: dict, make: type[Liquidation] | type[Trade]) -> ItemReader:
    """The reader of one channel's items: its side codes and the event it makes."""

    def read(item: object, rejects: list[str]) -> Event | None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return None
        get = item.get  # type: ignore[attr-defined]
        usd = get("volUsd")
        venue = get("exName") or get("exchange") or "?"
        return read_event(make, venue if venue.__class__ is str else "?", sides, get("side"), get("price"),
                          usd if usd is not None else get("volume_usd"), get("time"),
                          get("symbol") or get("baseAsset") or get("base_asset"), rejects, None)

    return read


_LIQUIDATIONS = _item_reader(_LIQ_SIDES, Liquidation)
_TRADES = _item_reader(_TRADE_SIDES, Trade)


def parse_ws(raw: str, receive_ms: int) -> Parsed:
    """One CoinGlass WebSocket text frame → (events, rejection reasons)."""
    # json_object() and read_items() written out: this runs once per market event, and the two
    # calls cost 3 % of the parse (measured on the 110k-event benchmark's frames).
    if raw == "pong":
        return NOTHING
    try:
        frame = orjson.loads(raw)
    except (orjson.JSONDecodeError, TypeError):
        return [], ["not json"]
    if frame.__class__ is not dict:
        return [], ["not an object"]
    channel = frame.get("channel")
    if channel.__class__ is not str:
        if any(key in frame for key in _CONTROL_KEYS):  # subscription answer or server notice
            return ([], ["venue error"]) if frame.get("success") is False else NOTHING
        return [], ["unknown message"]
    if channel == LIQUIDATIONS:
        read = _LIQUIDATIONS
    elif channel.startswith("futures_trades@"):
        read = _TRADES
    else:
        return [], ["unknown channel"]
    data = frame.get("data")
    if data.__class__ is not list:
        if data.__class__ is not dict:
            return [], ["missing data"]
        data = [data]
    events: list[Event] = []
    rejects: list[str] = []
    for item in data:
        event = read(item, rejects)
        if event is not None:
            events.append(event)
    return events, rejects


def parse_rest(path: str, raw: str, receive_ms: int) -> Parsed:
    """A REST v4 body → context events (OI in USD, funding as a fraction)."""
    url = urlsplit(path)
    if url.path == OI_PATH:
        field_name, scale = "oi_usd", 1.0
    elif url.path == FUNDING_PATH:
        field_name, scale = "funding", 0.01  # percent → fraction
    else:
        return NOTHING
    if "interval=5m" not in url.query and field_name == "oi_usd":
        return NOTHING  # other OI intervals are not the 30-minute series the filter reads
    symbol = (parse_qs(url.query).get("symbol") or [""])[0]
    if not symbol:
        return [], ["rest missing symbol"]
    coin, _ = canonical(symbol)
    body = envelope(raw, "code", ("0", 0))
    rows = body.get("data") if body.__class__ is dict else None
    if rows.__class__ is not list:
        return [], ["rest bad body"]
    events: list[Event] = []
    rejects: list[str] = []
    for row in rows:  # type: ignore[union-attr]
        if row.__class__ is not dict:
            rejects.append("rest bad row")
            continue
        ts = row.get("time")
        close = row.get("close")
        try:
            value = float(close)  # funding may be negative: no positivity check
            ts = int(ts)
        except (TypeError, ValueError):
            rejects.append("rest bad row")
            continue
        if value != value or abs(value) == float("inf") or not MIN_TS <= ts < MAX_TS:
            rejects.append("rest bad row")
            continue
        if field_name == "oi_usd":
            if value <= 0:
                rejects.append("rest bad row")
                continue
            events.append(Context(ts, "coinglass", coin, oi_usd=value))
        else:
            events.append(Context(ts, "coinglass", coin, funding=value * scale))
    return events, rejects


class CoinGlassAdapter(Adapter):
    """The parsers above, and which instrument stands for a coin on each exchange as CoinGlass
    names it: the body of ``/api/futures/supported-exchange-pairs`` (``{"data": {"OKX":
    [{"instrument_id": "BTC-USDT-SWAP", "base_asset": "BTC", "quote_asset": "USDT"}, ...]}}``),
    the USDT perpetual per coin (a plain contract wins over a multiplier one; dated contracts are
    left out).  The live feed names its trade channels from it; replay learns it from the recording."""

    name = "coinglass"
    parse_ws = staticmethod(parse_ws)  # type: ignore[assignment]  # stateless: no extra call per frame

    def __init__(self) -> None:
        self._by_exchange: dict[str, dict[str, tuple[float, str]]] = {}
        self.pairs_ms: int | None = None  # receive time of the pairs body learned last

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        if urlsplit(path).path != PAIRS_PATH:
            return parse_rest(path, raw, receive_ms)
        body = envelope(raw, "code", ("0", 0))
        data = body.get("data") if body.__class__ is dict else None
        if data.__class__ is not dict:
            return NOTHING  # a failed fetch keeps what was learned
        for exchange, listed in data.items():  # type: ignore[union-attr]
            if listed.__class__ is list:
                self._by_exchange[exchange] = _usdt_perpetuals(listed)
        self.pairs_ms = receive_ms
        return NOTHING

    def has_pairs(self) -> bool:
        return bool(self._by_exchange)

    def instrument(self, exchange: str, coin: str) -> str | None:
        known = self._by_exchange.get(exchange, {}).get(coin)
        return known[1] if known is not None else None

    def pairs_stale(self, now_ms: int) -> bool:
        return self.pairs_ms is None or now_ms - self.pairs_ms > PAIRS_MAX_AGE_MS


def _usdt_perpetuals(listed: list) -> dict[str, tuple[float, str]]:
    """coin → (price divisor, instrument) of one exchange's pairs."""
    pairs: dict[str, tuple[float, str]] = {}
    for row in listed:
        if row.__class__ is not dict or row.get("quote_asset") != "USDT":
            continue
        name, base = row.get("instrument_id"), row.get("base_asset")
        if name.__class__ is not str or base.__class__ is not str or _dated(name):
            continue
        coin, multiplier = split_multiplier(base)
        divisor = canonical(name)[1] * multiplier
        known = pairs.get(coin)
        if known is None or divisor < known[0]:
            pairs[coin] = (divisor, name)
    return pairs


def _dated(name: str) -> bool:
    """BTCUSDT_250627, BTC-USDT-250627: an expiry after the last separator."""
    tail = name.replace("-", "_").rpartition("_")[2]
    return tail.isdigit() and len(tail) == 6


# Live: what the feed subscribes and asks.  The shared runner opens the socket from these.

@dataclass
class CoinGlassSettings(FeedSettings):
    ws_url: str = "wss://open-ws.coinglass.com/ws-api"
    rest_url: str = "https://open-api-v4.coinglass.com"
    exchanges: list[str] = field(default_factory=lambda: ["Binance", "OKX", "Bybit"])
    requests_per_minute: int = 30


def trade_channels(coins: list[str], exchanges: list[str], min_usd: float, pairs: CoinGlassAdapter) -> list[str]:
    """``futures_trades@{exchange}_{instrument}@{minVol}`` for every watched coin on every exchange
    that lists it, under the exchange's own instrument name."""
    min_vol = int(min_usd) if min_usd == int(min_usd) else min_usd
    named = ((ex, pairs.instrument(ex, coin)) for coin in coins for ex in exchanges)
    return [f"futures_trades@{ex}_{instrument}@{min_vol}" for ex, instrument in named if instrument is not None]


def streams(feed: Feed, coins: list[str]) -> list[str]:
    s: CoinGlassSettings = feed.settings  # type: ignore[assignment]
    trades = trade_channels(coins, s.exchanges, s.min_trade_usd, feed.adapter)  # type: ignore[arg-type]
    return [LIQUIDATIONS, *trades] if feed.liquidations else trades


def message(op: str, chunk: list[str], request: int) -> str:
    return orjson.dumps({"method": op, "channels": chunk}).decode()


def context_paths(feed: Feed, coins: list[str]) -> list[str]:
    """The supported pairs when they are old (they name the trade channels), then the two REST v4
    series the context filter reads, per coin (5-minute candles, 35 minutes)."""
    pairs: CoinGlassAdapter = feed.adapter  # type: ignore[assignment]
    listing = [PAIRS_PATH] if pairs.pairs_stale(time.time_ns() // 1_000_000) else []
    return listing + [f"{path}?symbol={coin}&interval=5m&limit=7" for coin in coins for path in (OI_PATH, FUNDING_PATH)]


def throttled(status: int, body: str) -> bool:
    """HTTP 429, or a 200 whose body says ``"code": "429"`` (CoinGlass's error table is of body codes)."""
    if status == 429:
        return True
    if status != 200 or len(body) > 1000 or "429" not in body:
        return False
    answer = json_object(body)
    return answer.__class__ is dict and str(answer.get("code")) == "429"


VENUE = Venue(
    name="coinglass",
    title="CoinGlass",
    adapter=CoinGlassAdapter,
    settings=CoinGlassSettings(),
    sockets=(Socket(
        streams=streams,
        message=message,
        url=lambda feed: f"{feed.settings.ws_url}?cg-api-key={feed.secrets.coinglass_api_key}",
        limits=Limits(topics_per_message=1, ping="ping"),
        channel="channel",
        ready=lambda adapter: adapter.has_pairs(),  # type: ignore[attr-defined]
    ),),
    context=context_paths,
    rest_headers=lambda feed: {"CG-API-KEY": feed.secrets.coinglass_api_key, "accept": "application/json"},
    key="coinglass_api_key",
    aggregate=True,
    auth_error="CoinGlass rejected the API key",
    throttled=throttled,
)
