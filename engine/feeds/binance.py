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
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import (MAX_USD, NOTHING, Adapter, Parsed, event_ms, finite, json_object, lookup, positive,
                                  read_items)
from engine.feeds.instruments import PerpetualMap, coin_of, learning
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

if TYPE_CHECKING:
    from engine.feeds.runner import Deliver, LiveFeed
    from engine.secrets import Secrets
    from engine.settings import Settings

VENUE = "Binance"
PREMIUM_PATH = "/fapi/v1/premiumIndex"
FUNDING_INFO_PATH = "/fapi/v1/fundingInfo"
OI_PATH = "/fapi/v1/openInterest"

_LIQ_SIDES = {"SELL": LONG, "BUY": SHORT}


def _is_usdt_perpetual(symbol: object) -> bool:
    # Dated contracts carry an expiry after an underscore (BTCUSDT_250926).
    return symbol.__class__ is str and symbol.endswith("USDT") and "_" not in symbol  # type: ignore[union-attr]


def _is_coin_margined(symbol: object) -> bool:
    # BTCUSD_PERP, BTCUSD_200925: quoted in USD itself, not in a USD stablecoin.
    return symbol.__class__ is str and symbol.partition("_")[0].endswith("USD")  # type: ignore[union-attr]


def _trade(data: dict, rejects: list[str]) -> Trade | None:
    if data.get("X", "MARKET") != "MARKET":
        return None  # insurance-fund / ADL fills: nobody chose that side
    maker = data.get("m")
    if maker is True:
        side = SELL
    elif maker is False:
        side = BUY
    else:
        rejects.append("missing side")
        return None
    price = positive(data.get("p"))
    if price < 0:
        rejects.append("bad price")
        return None
    qty = positive(data.get("q"))
    usd = price * qty
    if qty < 0 or usd > MAX_USD:
        rejects.append("bad usd")
        return None
    ts = event_ms(data.get("T", data.get("E")))
    if ts < 0:
        rejects.append("bad time")
        return None
    named = coin_of(data.get("s"), rejects)
    if named is None:
        return None
    coin, divisor = named
    return Trade(ts, VENUE, coin, side, price / divisor, usd)


def _liquidation(order: object, rejects: list[str]) -> Liquidation | None:
    if order.__class__ is not dict:
        rejects.append("item not an object")
        return None
    get = order.get  # type: ignore[attr-defined]
    if _is_coin_margined(get("s")):
        rejects.append("coin-margined contract")  # sizes in USD contracts: not this feed
        return None
    side = lookup(_LIQ_SIDES, get("S"))
    if side is None:
        rejects.append("missing side" if get("S") is None else "unknown side")
        return None
    price, qty = positive(get("ap")), positive(get("z"))
    if price < 0 or qty < 0:  # not filled yet: the order's limit price and quantity
        price, qty = positive(get("p")), positive(get("q"))
    if price < 0:
        rejects.append("bad price")
        return None
    usd = price * qty
    if qty < 0 or usd > MAX_USD:
        rejects.append("bad usd")
        return None
    ts = event_ms(get("T"))
    if ts < 0:
        rejects.append("bad time")
        return None
    named = coin_of(get("s"), rejects)
    if named is None:
        return None
    coin, divisor = named
    return Liquidation(ts, VENUE, coin, side, price / divisor, usd)


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
                per_8h = rate * 8.0 / self.funding_hours.get(symbol, 8.0)
                coin, divisor = canonical(symbol)  # 1000PEPEUSDT's mark is for 1,000 PEPE
                events.append(Context(ts, VENUE, coin, funding=per_8h, price=mark / divisor if mark > 0 else None))
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
        return [Context(ts, VENUE, canonical(symbol)[0], oi_usd=contracts * mark)], []  # type: ignore[arg-type]


# Live: the sockets and the context poller.  Their I/O lives in the runner and the poller; the
# network libraries are imported on use so backtest and replay, which need only the parser
# above, do not load them.

# Binance takes at most 200 streams per connection: beyond SHARD_TARGET at start the watched
# coins spread over several sockets, leaving room for coins added at run time.
SHARD_TARGET = 150
PARAMS_PER_MESSAGE = 100  # a few SUBSCRIBE messages per connect: Binance takes at most 10 a second
LIQUIDATION_STREAM = "!forceOrder@arr"

_ids = itertools.count(1)


def socket_count(coins: list[str]) -> int:
    return 1 + (len(coins) + 1) // SHARD_TARGET


def stream_messages(method: str, streams: list[str]) -> list[str]:
    """``SUBSCRIBE`` / ``UNSUBSCRIBE`` text frames for ``streams``."""
    return [orjson.dumps({"method": method, "params": streams[i : i + PARAMS_PER_MESSAGE], "id": next(_ids)}).decode()
            for i in range(0, len(streams), PARAMS_PER_MESSAGE)]


def context_paths(listing: BinanceAdapter, coins: list[str]) -> Iterator[str]:
    """One round of context requests.  A generator: the OI paths are made after the round's
    premium index arrived, so they use the venue's own symbols (``1000PEPEUSDT``) and skip coins
    Binance does not list."""
    yield FUNDING_INFO_PATH
    yield PREMIUM_PATH
    perpetuals = listing.perpetuals
    for coin in coins:
        if perpetuals.listed(coin):
            yield f"{OI_PATH}?symbol={perpetuals.instrument(coin)}"


def live_feed(settings: Settings, secrets: Secrets, coins: list[str], deliver: Deliver, *,
              liquidations: bool) -> LiveFeed:
    """Binance USDⓈ-M on the ``/market`` route: ``!forceOrder@arr`` (every symbol; only when this
    feed carries liquidations), ``<symbol>@aggTrade`` per watched coin, and the context poller
    (which also names each coin's contract)."""
    from engine.context.poller import RestPoller
    from engine.feeds.listing import WaitingRunner, in_socket
    from engine.feeds.runner import LiveFeed, WsSpec, channel_field

    s = settings.feeds.binance
    listing = BinanceAdapter()

    def trade_streams(batch: list[str], index: int, count: int) -> list[str]:
        """Only coins the listing named: a guessed name is acknowledged and stays silent."""
        named = ((c, listing.perpetuals.known(c)) for c in batch if in_socket(c, index, count))
        return [f"{symbol.lower()}@aggTrade" for c, symbol in named if symbol is not None]

    def spec(index: int, count: int) -> WsSpec:
        return WsSpec(
            name="binance",
            url=lambda: f"{s.ws_url.rstrip('/')}/stream",
            streams=lambda batch: trade_streams(batch, index, count),
            messages=lambda op, streams: stream_messages(op.upper(), streams),
            subscribe_global=tuple(stream_messages("SUBSCRIBE", [LIQUIDATION_STREAM]))
            if liquidations and index == 0 else (),
            channel=channel_field("stream"),
        )

    def listed() -> bool:
        return bool(listing.perpetuals)

    count = socket_count(coins)
    sockets = [WaitingRunner(listed, spec(i, count), s, deliver, coins) for i in range(count)]

    def learned(path: str) -> None:
        if path.startswith(PREMIUM_PATH):  # the listing: a coin may be named now, or named anew
            for socket in sockets:
                socket.refresh()

    poller = RestPoller.for_feed("binance", settings, lambda batch: context_paths(listing, batch),
                                 learning(deliver, listing, learned), coins)
    links: list = [*sockets, poller]
    return LiveFeed("binance", links)
