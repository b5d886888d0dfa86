"""Funding extremes (SPEC.md, Signal path 5): FUNDING_EXTREME.

|funding| ≥ ``funding.extreme`` per 8 h raises it; it re-arms only after |funding| falls back
under ``rearm_fraction`` × the threshold (hysteresis), so a coin sitting at an extreme alerts once.
No direction: positive funding means longs pay (crowded longs), negative means shorts pay.
Strength (our choice; SPEC.md gives none): 75 at the threshold, +10 per further threshold, ≤ 99.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine import format as fmt
from engine.detect.base import Detector
from engine.model import FUNDING_EXTREME, Context, SignalType
from engine.settings import FundingSettings, Settings

if TYPE_CHECKING:
    from engine.market import Market, WindowPlan
    from engine.signals.path import SignalPath


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


def describe(m: dict[str, Any], direction: str | None) -> list[str]:
    oi = m.get("oi_change")
    return [
        f"Funding {fmt.funding(m.get('funding'))} per 8h: {m.get('payer', '?')} pay",
        f"OI change {fmt.pct(oi) if oi is not None else 'unknown'}",
    ]


class FundingExtremeDetector(Detector):
    types = (SignalType(FUNDING_EXTREME, "FUNDING", False, describe),)

    def __init__(self, settings: Settings, plan: WindowPlan, path: SignalPath) -> None:
        self.s = settings.funding
        self.oi_window = int(settings.context.oi_window_s * 1000)
        self.path = path
        self.arms: dict[str, FundingArm] = {}

    def on_context(self, m: Market, ev: Context) -> None:
        rate = m.context.funding_rate()
        arm = self.arms.get(m.coin)
        if arm is None:
            arm = self.arms[m.coin] = FundingArm()
        if rate is None or not arm.check(rate, self.s):
            return
        self.path.propose(m, FUNDING_EXTREME, None, strength(rate, self.s),
                          metrics(rate, m.context.oi_change(self.oi_window)))
