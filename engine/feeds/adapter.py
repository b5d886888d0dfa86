"""What every venue adapter is: a pure parser from raw text to events.

An adapter never does I/O and never raises on bad input: whatever it cannot use it reports as a
rejection reason (a short stable string such as ``"not json"`` or ``"missing side"``), which the
caller counts.  Some venues need a little state learned from earlier messages (OKX contract
values, Binance mark prices); that state lives on the adapter object and is fed by the same REST
bodies that a recording keeps, so replay rebuilds it exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from engine.model import Event

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


def lookup(table: dict, value: object) -> str | None:
    """``table[value]`` for a text or integer key, else None (a list or object is unhashable)."""
    if value.__class__ is str or value.__class__ is int:
        return table.get(value)
    return None


def event_ms(value: object) -> int:
    """An event time in ms from an int or a digit string (venues send both), else ``-1``."""
    if value.__class__ is str:
        # isdigit() alone accepts "²" and other digits int() refuses; 14 digits reach MAX_TS.
        ok = len(value) <= 14 and value.isascii() and value.isdigit()  # type: ignore[arg-type,union-attr]
        value = int(value) if ok else -1  # type: ignore[arg-type]
    elif value.__class__ is float:
        value = int(value) if MIN_TS <= value < MAX_TS else -1  # type: ignore[operator,arg-type]
    if value.__class__ is not int or not MIN_TS <= value < MAX_TS:  # type: ignore[operator]
        return -1
    return value  # type: ignore[return-value]


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


@dataclass
class FeedCounters:
    """What a feed has seen: the figures the UI header and `backtest --json` show."""

    frames: int = 0
    events: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def count(self, parsed: Parsed) -> None:
        self.frames += 1
        events, rejects = parsed
        self.events += len(events)
        if rejects:
            self.reject(rejects)

    def reject(self, reasons: list[str]) -> None:
        self.rejected += len(reasons)
        for reason in reasons:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1


class Adapter:
    """Base of the venue adapters: ``parse_ws`` for stream frames, ``parse_rest`` for bodies."""

    name = "?"

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        raise NotImplementedError

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        """A REST body for ``path`` (with its query).  Endpoints the engine does not use give
        nothing and are not rejections."""
        return NOTHING
