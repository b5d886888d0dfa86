"""CoinGlass frames and REST bodies → events (pure: no I/O, never raises on bad input), and at
the end the live feed that plugs this venue into the shared runner and the context poller.

WebSocket ``liquidationOrders``: ``side`` 1 = a long was liquidated, 2 = a short.
WebSocket ``futures_trades@{exchange}_{symbol}@{minVol}``: ``side`` 1 = taker sell, 2 = taker buy.
``{symbol}`` is the exchange's own instrument name (OKX ``BTC-USDT-SWAP``, Binance ``1000PEPEUSDT``),
taken from ``/api/futures/supported-exchange-pairs`` (:class:`SupportedPairs`).
Numbers arrive as numbers or strings; field names vary between API generations (``volUsd`` /
``volume_usd``, ``exName`` / ``exchange``, ``baseAsset`` / ``base_asset``).

REST v4 (values are strings): ``/api/futures/open-interest/aggregated-history`` gives OI in USD
per candle; ``/api/futures/funding-rate/oi-weight-history`` gives funding as a *percentage*
(``0.01`` = 0.01 %), stored here as a fraction (``0.0001``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import orjson

from engine.feeds.adapter import MAX_TS, MAX_USD, MIN_TS, NOTHING, Adapter, ItemReader, Parsed, event_ms, json_object
from engine.feeds.adapter import positive as _number
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical, split_multiplier

if TYPE_CHECKING:
    from engine.feeds.runner import Deliver, LiveFeed
    from engine.secrets import Secrets
    from engine.settings import Settings

_LIQ_SIDES = {1: LONG, 2: SHORT, "1": LONG, "2": SHORT}
_TRADE_SIDES = {1: SELL, 2: BUY, "1": SELL, "2": BUY}
_CONTROL_KEYS = ("event", "method", "success", "code", "msg", "op")
_INF = float("inf")
_COINS: dict[str, tuple[str, float]] = {}  # instrument name -> canonical(); venues list a few thousand

OI_PATH = "/api/futures/open-interest/aggregated-history"
PAIRS_PATH = "/api/futures/supported-exchange-pairs"
PAIRS_MAX_AGE_S = 6 * 3600.0  # the pairs change with listings: asked again this often (the body is large)
FUNDING_PATH = "/api/futures/funding-rate/oi-weight-history"


def _item_reader(sides: dict, make: type[Liquidation] | type[Trade]) -> ItemReader:
    """The reader of one channel's items: its side codes and the event it makes."""

    def read(item: object, rejects: list[str]) -> Event | None:
        # The common shapes (float numbers, int time) are checked inline; anything else goes through
        # the shared validators.  This function runs once per market event.
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return None
        get = item.get  # type: ignore[attr-defined]
        try:
            side = sides.get(get("side"))  # type: ignore[call-overload]
        except TypeError:  # a list or object where the side should be
            side = None
        if side is None:
            rejects.append("missing side" if get("side") is None else "unknown side")
            return None
        price = get("price")
        if price.__class__ is not float or not 0.0 < price < _INF:
            price = _number(price)
            if price < 0:
                rejects.append("bad price")
                return None
        usd = get("volUsd")
        if usd is None:
            usd = get("volume_usd")
        if usd.__class__ is not float or not 0.0 < usd < _INF:
            usd = _number(usd)
            if usd < 0:
                rejects.append("bad usd")
                return None
        if usd > MAX_USD:
            rejects.append("bad usd")
            return None
        ts = get("time")
        if ts.__class__ is not int or not MIN_TS <= ts < MAX_TS:
            ts = event_ms(ts)
            if ts < 0:
                rejects.append("bad time")
                return None
        name = get("symbol") or get("baseAsset") or get("base_asset")
        if name.__class__ is not str:
            rejects.append("missing symbol")
            return None
        coin_divisor = _COINS.get(name)  # type: ignore[arg-type]
        if coin_divisor is None:
            if len(_COINS) > 50_000:  # garbage names must not grow the cache forever
                _COINS.clear()
            coin_divisor = _COINS[name] = canonical(name)  # type: ignore[index]
        coin, divisor = coin_divisor
        if not coin:
            rejects.append("missing symbol")
            return None
        venue = get("exName") or get("exchange") or "?"
        if venue.__class__ is not str:
            venue = "?"
        if divisor != 1.0:
            price /= divisor
        return make(ts, venue, coin, side, price, usd)  # type: ignore[arg-type]

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
    if channel == "liquidationOrders":
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


def _rest_rows(raw: str) -> list | None:
    body = json_object(raw)
    if body.__class__ is str or str(body.get("code")) != "0":
        return None
    rows = body.get("data")
    return rows if rows.__class__ is list else None


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
    rows = _rest_rows(raw)
    if rows is None:
        return [], ["rest bad body"]
    events: list[Event] = []
    rejects: list[str] = []
    for row in rows:
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
    name = "coinglass"
    # Stateless: the module's parsers serve as they are (no extra call per frame).
    parse_ws = staticmethod(parse_ws)  # type: ignore[assignment]
    parse_rest = staticmethod(parse_rest)  # type: ignore[assignment]


# Live: the socket and the context poller.  Their I/O lives in the runner and the poller; the
# network libraries are imported on use so backtest and replay, which need only the parser
# above, do not load them.

class SupportedPairs(Adapter):
    """Which instrument stands for a coin on each exchange, as CoinGlass names it: the body of
    ``/api/futures/supported-exchange-pairs`` (``{"data": {"OKX": [{"instrument_id": "BTC-USDT-SWAP",
    "base_asset": "BTC", "quote_asset": "USDT"}, ...]}}``).  The USDT perpetual per coin (a plain
    contract wins over a multiplier one; dated contracts are left out).  Live only: replay does not
    subscribe, and the recording keeps the body anyway."""

    name = "coinglass"

    def __init__(self) -> None:
        self._by_exchange: dict[str, dict[str, tuple[float, str]]] = {}
        self.learned_at: float | None = None  # monotonic

    def __bool__(self) -> bool:
        return bool(self._by_exchange)

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        if urlsplit(path).path != PAIRS_PATH:
            return NOTHING
        body = json_object(raw)
        data = body.get("data") if body.__class__ is dict and str(body.get("code")) == "0" else None
        if data.__class__ is not dict:
            return NOTHING  # a failed fetch keeps what was learned
        for exchange, rows in data.items():
            if rows.__class__ is not list:
                continue
            pairs: dict[str, tuple[float, str]] = {}
            for row in rows:
                if row.__class__ is not dict or row.get("quote_asset") != "USDT":
                    continue
                name, base = row.get("instrument_id"), row.get("base_asset")
                if name.__class__ is not str or base.__class__ is not str or _dated(name):
                    continue
                coin, multiplier = split_multiplier(base)
                known = pairs.get(coin)
                if known is None or canonical(name)[1] * multiplier < known[0]:
                    pairs[coin] = (canonical(name)[1] * multiplier, name)
            self._by_exchange[exchange] = pairs
        self.learned_at = time.monotonic()
        return NOTHING

    def instrument(self, exchange: str, coin: str) -> str | None:
        known = self._by_exchange.get(exchange, {}).get(coin)
        return known[1] if known is not None else None

    def stale(self) -> bool:
        return self.learned_at is None or time.monotonic() - self.learned_at > PAIRS_MAX_AGE_S


def _dated(name: str) -> bool:
    """BTCUSDT_250627, BTC-USDT-250627: an expiry after the last separator."""
    tail = name.replace("-", "_").rpartition("_")[2]
    return tail.isdigit() and len(tail) == 6


def trade_channels(coins: list[str], exchanges: list[str], min_usd: float, pairs: SupportedPairs) -> list[str]:
    """``futures_trades@{exchange}_{instrument}@{minVol}`` for every watched coin on every exchange
    that lists it, under the exchange's own instrument name."""
    min_vol = int(min_usd) if min_usd == int(min_usd) else min_usd
    named = ((ex, pairs.instrument(ex, coin)) for coin in coins for ex in exchanges)
    return [f"futures_trades@{ex}_{instrument}@{min_vol}" for ex, instrument in named if instrument is not None]


def context_paths(pairs: SupportedPairs, coins: list[str]) -> list[str]:
    """The supported pairs when they are old (they name the trade channels), then the two REST v4
    series the context filter reads, per coin (5-minute candles, 35 minutes)."""
    listing = [PAIRS_PATH] if pairs.stale() else []
    return listing + [f"{path}?symbol={coin}&interval=5m&limit=7" for coin in coins for path in (OI_PATH, FUNDING_PATH)]


def _channel_messages(method: str, channels: list[str]) -> list[str]:
    """``subscribe`` / ``unsubscribe`` text frames, one per channel: one channel CoinGlass refuses
    must not take the others of its message with it."""
    return [orjson.dumps({"method": method, "channels": [channel]}).decode() for channel in channels]


def live_feed(settings: Settings, secrets: Secrets, coins: list[str], deliver: Deliver, *,
              liquidations: bool) -> LiveFeed:
    """The CoinGlass feed: ``liquidationOrders`` (every coin, every venue; only when this feed
    carries liquidations), the watched coins' large trades, and the OI/funding poller."""
    from engine.context.poller import RestPoller
    from engine.feeds.instruments import learning
    from engine.feeds.listing import WaitingRunner
    from engine.feeds.runner import LiveFeed, WsSpec, channel_field

    s = settings.feeds.coinglass
    pairs = SupportedPairs()
    key = secrets.coinglass_api_key
    rejected = "CoinGlass rejected the API key"
    spec = WsSpec(
        name="coinglass",
        url=lambda: f"{s.ws_url}?cg-api-key={key}",
        streams=lambda batch: trade_channels(batch, s.exchanges, s.min_trade_usd, pairs),
        messages=_channel_messages,
        subscribe_global=tuple(_channel_messages("subscribe", ["liquidationOrders"])) if liquidations else (),
        app_ping="ping",
        channel=channel_field("channel"),
        auth_error=rejected,
    )
    # Waits for the pairs, unless the poller gave up on the key (the socket then says so itself).
    socket = WaitingRunner(lambda: bool(pairs) or poller.fatal, spec, s, deliver, coins, redact=secrets.redact)

    def learned(path: str) -> None:
        if path.startswith(PAIRS_PATH):
            socket.refresh()

    poller = RestPoller.for_feed("coinglass", settings, lambda batch: context_paths(pairs, batch),
                                 learning(deliver, pairs, learned), coins,
                                 headers={"CG-API-KEY": key, "accept": "application/json"},
                                 auth_error=rejected, redact=secrets.redact)
    return LiveFeed("coinglass", [socket, poller])
