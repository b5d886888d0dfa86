"""What every venue adapter is: a pure parser from raw text to events, and the helpers every
venue shares.

An adapter never does I/O and never raises on bad input: whatever it cannot use it reports as a
rejection reason (a short stable string such as ``"not json"`` or ``"missing side"``), which the
caller counts.  Some venues need a little state learned from earlier messages (OKX contract
values, Binance mark prices, the listing that names each coin's contract); that state lives on the
adapter object and is fed by the same REST bodies that a recording keeps, so replay rebuilds it
exactly.  The live feed reads the same object (the pipeline's), so both sides know one listing.

Every liquidation and trade goes through :func:`read_event`, one validation path for all venues:
side, then price, then USD, then time, then coin, each refusal named the same way everywhere
(``missing side``, ``unknown side``, ``bad price``, ``bad usd``, ``bad time``, ``missing
symbol``).  Funding is kept per 8 hours by :func:`per_8h`, and REST bodies wrapped in a venue's
envelope (``{"code": "0", "data": [...]}``) are opened by :func:`envelope`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from engine.model import Event, Liquidation, Trade
from engine.symbols import canonical

Parsed = tuple[list[Event], list[str]]
NOTHING: Parsed = ([], [])

# Reads one item of a frame (or row of a REST body) into an event, or notes why not in the list
# and gives None.
ItemReader = Callable[[object, list[str]], "Event | None"]

# Anything beyond these is a broken frame, not a market event.
MAX_USD = 5e9
MIN_TS = 1_000_000_000_000  # 2001-09 in ms: smaller means seconds or garbage
MAX_TS = 10_000_000_000_000


_INF = float("inf")
_COINS: dict[str, tuple[str, float]] = {}  # instrument name -> canonical(): a dict look-up beats the lru_cache call


def positive(value: object) -> float:
    """A finite positive float from a number or numeric string, else ``-1``."""
    cls = value.__class__
    if cls is float:
        return value if 0.0 < value < _INF else -1.0  # type: ignore[operator,return-value]
    if cls is str:
        try:
            number = float(value)  # type: ignore[arg-type]
        except ValueError:
            return -1.0
        return number if 0.0 < number < _INF else -1.0
    if cls is int:
        return float(value) if 0 < value < 10**300 else -1.0  # type: ignore[operator,arg-type]
    return -1.0  # bool, None, containers


def finite(value: object) -> float | None:
    """A finite float (any sign: funding rates go negative) from a number or string, else None."""
    if value.__class__ is bool:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    if number != number or number in (_INF, -_INF):
        return None
    return number


def event_ms(value: object) -> int:
    """An event time in ms from an int, a digit string (venues send both) or an ISO 8601 time with
    its zone (dYdX ``createdAt``: ``2024-08-22T23:59:58.855Z``), else ``-1``."""
    if value.__class__ is str:
        # isdigit() alone accepts "²" and other digits int() refuses; 14 digits reach MAX_TS.
        ok = len(value) <= 14 and value.isascii() and value.isdigit()  # type: ignore[arg-type,union-attr]
        value = int(value) if ok else _iso_ms(value)  # type: ignore[arg-type]
    elif value.__class__ is float:
        value = int(value) if MIN_TS <= value < MAX_TS else -1  # type: ignore[operator,arg-type]
    if value.__class__ is not int or not MIN_TS <= value < MAX_TS:  # type: ignore[operator]
        return -1
    return value  # type: ignore[return-value]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


def _iso_ms(text: str) -> int:
    """Ms of an ISO 8601 time that names its zone (``Z`` or ``+00:00``), else ``-1``: a time
    without a zone would be a guess."""
    if not 20 <= len(text) <= 35 or text[4:5] != "-" or text[10:11] != "T":
        return -1
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return -1
    if moment.tzinfo is None:
        return -1
    return (moment - _EPOCH) // _MS  # exact: a float timestamp can land a millisecond short


def json_object(raw: str) -> Any:
    """The JSON object (a dict) ``raw`` holds, else the rejection reason as a str: ``"not json"``
    or ``"not an object"``."""
    try:
        frame = orjson.loads(raw)
    except (orjson.JSONDecodeError, TypeError):
        return "not json"
    return frame if frame.__class__ is dict else "not an object"


def read_items(data: object, read: ItemReader) -> Parsed:
    """A frame's ``data`` or a body's rows (a list of items, or one object standing for a list of
    one) → the events ``read`` made of its items, and every rejection it noted."""
    if data.__class__ is not list:
        if data.__class__ is not dict:
            return [], ["missing data"]
        data = [data]
    events: list[Event] = []
    rejects: list[str] = []
    for item in data:  # type: ignore[attr-defined]
        event = read(item, rejects)
        if event is not None:
            events.append(event)
    return events, rejects


# USD notional of an item from its price and size (both positive floats) and its instrument name:
# a float (checked by the caller) or the rejection reason when the venue cannot size it yet.
Usd = Callable[[float, float, object], "float | str"]


def notional(price: float, size: float, name: object) -> float:
    """Linear contracts sized in the coin: price × size."""
    return price * size


def read_event(make: type[Liquidation] | type[Trade], venue: str, sides: dict, side: object, price: object,
               size: object, ts: object, name: object, rejects: list[str], usd: Usd | None = notional) -> Event | None:
    """The one validation path: a liquidation or trade from its raw fields, or None with the
    reason noted.  In this order: ``side`` (looked up in ``sides``, the venue's words for long/short
    or buy/sell), ``price``, USD (``usd(price, size, name)``, or ``size`` itself when ``usd`` is None:
    sizes already in USD such as CoinGlass ``volUsd``; at most :data:`MAX_USD`), ``ts`` (ms),
    then the coin of instrument ``name`` (a multiplier contract's price is divided by its multiplier,
    its USD unchanged).  Runs once per market event: the common shapes are checked inline."""
    try:
        taken = sides.get(side)
    except TypeError:  # a list or object where the side should be
        taken = None
    if taken is None:
        rejects.append("missing side" if side is None else "unknown side")
        return None
    if price.__class__ is not float or not 0.0 < price < _INF:  # type: ignore[operator]
        price = positive(price)
        if price < 0:
            rejects.append("bad price")
            return None
    if size.__class__ is not float or not 0.0 < size < _INF:  # type: ignore[operator]
        size = positive(size)
    if usd is None:
        amount = size
    else:
        amount = usd(price, size, name) if size > 0 else -1.0  # type: ignore[arg-type,operator]
    if amount.__class__ is str:
        rejects.append(amount)  # type: ignore[arg-type]
        return None
    if not 0.0 < amount <= MAX_USD:  # type: ignore[operator]
        rejects.append("bad usd")
        return None
    if ts.__class__ is not int or not MIN_TS <= ts < MAX_TS:  # type: ignore[operator]
        ts = event_ms(ts)
        if ts < 0:
            rejects.append("bad time")
            return None
    if name.__class__ is not str or not name:
        rejects.append("missing symbol")
        return None
    named = _COINS.get(name)  # type: ignore[call-overload]
    if named is None:
        if len(_COINS) > 50_000:  # garbage names must not grow it for ever
            _COINS.clear()
        named = _COINS[name] = canonical(name)  # type: ignore[index,arg-type]
    coin, divisor = named
    if not coin:
        rejects.append("missing symbol")
        return None
    return make(ts, venue, coin, taken, price / divisor, amount)  # type: ignore[arg-type,operator]


def per_8h(rate: float, hours: object) -> float:
    """A funding rate paid every ``hours`` hours, as a rate per 8 hours (a 4-hour symbol's rate
    doubles), so ``funding.extreme`` means the same on every venue.  An interval that is missing or
    not in (0, 24] hours counts as 8."""
    interval = positive(hours)
    return rate * 8.0 / interval if 0.0 < interval <= 24.0 else rate


def envelope(raw: str, key: str, ok: tuple) -> Any:
    """A REST body in a venue's envelope: the body (a dict) when ``body[key]`` is one of ``ok``
    (OKX ``code`` "0", Bybit ``retCode`` 0), else the rejection reason: ``"rest bad body"`` when
    it is not a JSON object, ``"rest error"`` when the venue said no."""
    body = json_object(raw)
    if body.__class__ is str:
        return "rest bad body"
    return body if body.get(key) in ok else "rest error"


def rows(data: object) -> list[dict] | None:
    """The objects of a REST payload's list (anything else in it is skipped), None when it is not a list."""
    return [row for row in data if row.__class__ is dict] if data.__class__ is list else None  # type: ignore[attr-defined]


@dataclass
class FeedCounters:
    """What a feed has seen: the figures the UI header and `backtest --json` show, and what its
    events were worth (``by_venue``: liquidations by side and trades, in USD)."""

    frames: int = 0
    events: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    liquidations: int = 0
    long_usd: float = 0.0  # USD of longs liquidated
    short_usd: float = 0.0
    trades: int = 0
    trade_usd: float = 0.0

    def reject(self, reasons: list[str]) -> None:
        self.rejected += len(reasons)
        for reason in reasons:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def take(self, event: Event) -> None:
        """One event that reached the engine."""
        self.events += 1
        cls = event.__class__
        if cls is Trade:
            self.trades += 1
            self.trade_usd += event.usd  # type: ignore[union-attr]
        elif cls is Liquidation:
            self.liquidations += 1
            if event.side == "long":  # type: ignore[union-attr]
                self.long_usd += event.usd  # type: ignore[union-attr]
            else:
                self.short_usd += event.usd  # type: ignore[union-attr]

    def worth(self) -> dict:
        """``backtest --json`` ``by_venue`` of this feed."""
        return {"liquidations": {"count": self.liquidations, "long_usd": round(self.long_usd, 2),
                                 "short_usd": round(self.short_usd, 2)},
                "trades": {"count": self.trades, "usd": round(self.trade_usd, 2)}}


class Adapter:
    """Base of the venue adapters: ``parse_ws`` for stream frames, ``parse_rest`` for bodies."""

    name = "?"

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        raise NotImplementedError

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        """A REST body for ``path`` (with its query).  Endpoints the engine does not use give
        nothing and are not rejections."""
        return NOTHING
