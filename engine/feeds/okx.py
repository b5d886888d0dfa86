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
"""

from __future__ import annotations

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

VENUE = "OKX"
INSTRUMENTS_PATH = "/api/v5/public/instruments"
FUNDING_PATH = "/api/v5/public/funding-rate"
OI_PATH = "/api/v5/public/open-interest"

_LIQ_SIDES = {"sell": LONG, "buy": SHORT}
_TRADE_SIDES = {"buy": BUY, "sell": SELL}
_HOUR_MS = 3_600_000


def _is_usdt_swap(inst_id: object) -> bool:
    return inst_id.__class__ is str and inst_id.endswith("-USDT-SWAP")  # type: ignore[union-attr]


def _rows(raw: str) -> list | None:
    """The ``data`` rows of a REST body with ``code`` "0", else None."""
    body = json_object(raw)
    if body.__class__ is str or body.get("code") != "0":
        return None
    rows = body.get("data")
    return [row for row in rows if row.__class__ is dict] if rows.__class__ is list else None


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

    def _usd(self, inst_id: str, contracts: float, price: float, rejects: list[str]) -> float:
        """USD notional of a size in contracts, or -1 with the rejection noted."""
        spec = self.contracts.get(inst_id)
        if spec is None:
            rejects.append("unknown contract value")
            return -1.0
        value, inverse = spec
        usd = contracts * value if inverse else contracts * value * price
        if contracts < 0 or usd > MAX_USD:
            rejects.append("bad usd")
            return -1.0
        return usd

    def _liquidations(self, item: object, events: list[Event], rejects: list[str]) -> None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return
        inst_id = item.get("instId")  # type: ignore[attr-defined]
        named = coin_of(inst_id, rejects)
        if named is None:
            return
        details = item.get("details")  # type: ignore[attr-defined]
        if details.__class__ is not list:
            rejects.append("missing data")
            return
        coin, divisor = named
        for detail in details:
            if detail.__class__ is not dict:
                rejects.append("item not an object")
                continue
            side = lookup(_LIQ_SIDES, detail.get("side"))
            if side is None:
                rejects.append("missing side" if detail.get("side") is None else "unknown side")
                continue
            price = positive(detail.get("bkPx"))
            if price < 0:
                rejects.append("bad price")
                continue
            usd = self._usd(inst_id, positive(detail.get("sz")), price, rejects)
            if usd < 0:
                continue
            ts = event_ms(detail.get("ts"))
            if ts < 0:
                rejects.append("bad time")
                continue
            events.append(Liquidation(ts, VENUE, coin, side, price / divisor, usd))

    def _trade(self, item: object, rejects: list[str]) -> Trade | None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return None
        get = item.get  # type: ignore[attr-defined]
        side = lookup(_TRADE_SIDES, get("side"))
        if side is None:
            rejects.append("missing side" if get("side") is None else "unknown side")
            return None
        price = positive(get("px"))
        if price < 0:
            rejects.append("bad price")
            return None
        inst_id = get("instId")
        named = coin_of(inst_id, rejects)
        if named is None:
            return None
        usd = self._usd(inst_id, positive(get("sz")), price, rejects)
        if usd < 0:
            return None
        ts = event_ms(get("ts"))
        if ts < 0:
            rejects.append("bad time")
            return None
        coin, divisor = named
        return Trade(ts, VENUE, coin, side, price / divisor, usd)

    # REST

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        route = urlsplit(path).path
        if route not in (INSTRUMENTS_PATH, FUNDING_PATH, OI_PATH):
            return NOTHING
        rows = _rows(raw)
        if rows is None:
            return [], ["rest error"]
        if route == INSTRUMENTS_PATH:
            return self._instruments(rows)
        if route == FUNDING_PATH:
            return read_items(rows, self._funding)
        return read_items(rows, self._open_interest)

    def _instruments(self, rows: list[dict]) -> Parsed:
        rejects: list[str] = []
        for row in rows:
            inst_id = row.get("instId")
            value = positive(row.get("ctVal"))
            if inst_id.__class__ is not str or value < 0:
                rejects.append("rest bad row")
                continue
            multiplier = positive(row.get("ctMult"))
            inverse = row.get("ctType") == "inverse" or row.get("ctValCcy") == "USD"
            self.contracts[inst_id] = (value * (multiplier if multiplier > 0 else 1.0), inverse)
        self.perpetuals.learn(row["instId"] for row in rows if _is_usdt_swap(row.get("instId")))
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
        hours = interval / _HOUR_MS if 0 < interval <= 24 * _HOUR_MS else 8.0
        return Context(ts, VENUE, coin, funding=rate * 8.0 / hours)

    def _open_interest(self, row: dict, rejects: list[str]) -> Context | None:
        coin = self._swap_coin(row)
        if coin is None:
            return None
        oi_usd = positive(row.get("oiUsd"))
        ts = event_ms(row.get("ts"))
        if oi_usd < 0 or ts < 0:
            rejects.append("rest bad row")
            return None
        return Context(ts, VENUE, coin, oi_usd=oi_usd)


# Live: the socket and the context poller.  Their I/O lives in the runner and the poller; the
# network libraries are imported on use so backtest and replay, which need only the parser
# above, do not load them.

ARGS_PER_MESSAGE = 20


def channel_messages(op: str, args: list[dict]) -> list[str]:
    """``subscribe`` / ``unsubscribe`` text frames for channel ``args``."""
    return [orjson.dumps({"op": op, "args": args[i : i + ARGS_PER_MESSAGE]}).decode()
            for i in range(0, len(args), ARGS_PER_MESSAGE)]


def context_paths(listing: OkxAdapter, coins: list[str]) -> Iterator[str]:
    """One round of requests: the instruments first (contract values for every swap, and the
    listing), then OI of every swap, then funding per watched coin OKX lists.  A generator, so
    the funding paths follow the instruments body of the same round."""
    yield f"{INSTRUMENTS_PATH}?instType=SWAP"
    yield f"{OI_PATH}?instType=SWAP"
    perpetuals = listing.perpetuals
    for coin in coins:
        if perpetuals.listed(coin):
            yield f"{FUNDING_PATH}?instId={perpetuals.instrument(coin)}"


def live_feed(settings: Settings, secrets: Secrets, coins: list[str], deliver: Deliver, *,
              liquidations: bool) -> LiveFeed:
    """OKX v5 public: ``liquidation-orders`` for every swap (only when this feed carries
    liquidations), ``trades`` per watched coin, and the context poller.  The socket opens once the
    instruments body arrived, so no early trade is lost to an unknown contract value."""
    from engine.context.poller import RestPoller
    from engine.feeds.listing import WaitingRunner
    from engine.feeds.runner import LiveFeed, WsSpec, channel_field

    s = settings.feeds.okx
    listing = OkxAdapter()

    def trades(inst_ids: list[str]) -> list[dict]:
        return [{"channel": "trades", "instId": inst_id} for inst_id in inst_ids]

    spec = WsSpec(
        name="okx",
        url=lambda: s.ws_url,
        streams=lambda batch: [listing.perpetuals.instrument(c) for c in batch],
        messages=lambda op, inst_ids: channel_messages(op, trades(inst_ids)),
        subscribe_global=tuple(channel_messages("subscribe", [{"channel": "liquidation-orders", "instType": "SWAP"}]))
        if liquidations else (),
        app_ping="ping",
        ping_idle_only=True,
        channel=channel_field("channel"),
    )
    socket = WaitingRunner(lambda: bool(listing.contracts), spec, s, deliver, coins)
    poller = RestPoller.for_feed("okx", settings, lambda batch: context_paths(listing, batch),
                                 learning(deliver, listing), coins)
    return LiveFeed("okx", [socket, poller])
