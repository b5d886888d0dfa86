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
