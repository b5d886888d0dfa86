"""Funding extremes (SPEC.md, Signal path 5): FUNDING_EXTREME.

|funding| ≥ ``funding.extreme`` per 8 h raises it; it re-arms only after |funding| falls back
under ``rearm_fraction`` × the threshold (hysteresis), so a coin sitting at an extreme alerts once.
No direction: positive funding means longs pay (crowded longs), negative means shorts pay.
Strength (our choice; SPEC.md gives none): 75 at the threshold, +10 per further threshold, ≤ 99.
"""

from __future__ import annotations

from engine.settings import FundingSettings


class FundingArm:
    """Per-coin hysteresis state."""

    __slots__ = ("armed",)

    def __init__(self) -> None:
        self.armed = True

    def check(self, funding: float, s: FundingSettings) -> bool:
        """True when this funding value raises a new FUNDING_EXTREME."""
        level = abs(funding)
        if self.armed and level >= s.extreme:
            self.armed = False
            return True
        if not self.armed and level < s.rearm_fraction * s.extreme:
            self.armed = True
        return False


def strength(funding: float, s: FundingSettings) -> float:
    return min(75.0 + 10.0 * (abs(funding) / s.extreme - 1.0), 99.0)


def metrics(funding: float, oi_change: float | None) -> dict:
    return {
        "funding": funding,
        "funding_pct": round(funding * 100, 4),
        "payer": "longs" if funding > 0 else "shorts",
        "oi_change": round(oi_change, 4) if oi_change is not None else None,
    }
