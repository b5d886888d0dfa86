"""What every venue adapter is: a pure parser from raw text to events.

An adapter never does I/O and never raises on bad input: whatever it cannot use it reports as a
rejection reason (a short stable string such as ``"not json"`` or ``"missing side"``), which the
caller counts.  Some venues need a little state learned from earlier messages (OKX contract
values, Binance mark prices); that state lives on the adapter object and is fed by the same REST
bodies that a recording keeps, so replay rebuilds it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.model import Event

Parsed = tuple[list[Event], list[str]]
NOTHING: Parsed = ([], [])

# Anything beyond these is a broken frame, not a market event.
MAX_USD = 5e9
MIN_TS = 1_000_000_000_000  # 2001-09 in ms: smaller means seconds or garbage
MAX_TS = 10_000_000_000_000


def positive(value: object) -> float:
    """A finite positive float from a number or numeric string, else ``-1``."""
    if value.__class__ is str:
        try:
            value = float(value)  # type: ignore[arg-type]
        except ValueError:
            return -1.0
    elif value.__class__ is not float and value.__class__ is not int:
        return -1.0
    if value != value or value <= 0 or value == float("inf"):  # type: ignore[operator]
        return -1.0
    return float(value)  # type: ignore[arg-type]


def finite(value: object) -> float | None:
    """A finite float (any sign: funding rates go negative) from a number or string, else None."""
    if value.__class__ is bool:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def event_ms(value: object) -> int:
    """An event time in ms from an int or a digit string (venues send both), else ``-1``."""
    if value.__class__ is str:
        value = int(value) if value.isdigit() else -1  # type: ignore[union-attr]
    elif value.__class__ is float:
        value = int(value)  # type: ignore[arg-type]
    if value.__class__ is not int or not MIN_TS <= value < MAX_TS:  # type: ignore[operator]
        return -1
    return value  # type: ignore[return-value]


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
            self.rejected += len(rejects)
            for reason in rejects:
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
