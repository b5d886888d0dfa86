"""Adaptive confidence (SPEC.md, Signal path 3).

Per signal type, and per type × tier once that pair has ``tier_min_outcomes`` outcomes, an EMA of
wins (WIN = 1; LOSS and FLAT = 0; UNKNOWN is not counted), starting from a neutral 0.5.  Win rate
> 0.7: +5, > 0.6: +3, < 0.4: −5, < 0.5: −3; the adjusted confidence is clamped to [50, 99].
The state is plain data so the store can persist it across restarts.
"""

from __future__ import annotations

from engine.model import UNKNOWN, WIN
from engine.settings import AdaptiveSettings


class AdaptiveScorer:
    def __init__(self, s: AdaptiveSettings) -> None:
        self.s = s
        self.ema: dict[str, float] = {}
        self.count: dict[str, int] = {}

    @staticmethod
    def _keys(signal_type: str, tier: int) -> tuple[str, str]:
        return signal_type, f"{signal_type}/{tier}"

    def win_rate(self, signal_type: str, tier: int) -> float | None:
        by_type, by_tier = self._keys(signal_type, tier)
        if self.count.get(by_tier, 0) >= self.s.tier_min_outcomes:
            return self.ema[by_tier]
        if self.count.get(by_type, 0) > 0:
            return self.ema[by_type]
        return None

    def adjustment(self, signal_type: str, tier: int) -> float:
        if not self.s.enabled:
            return 0.0
        rate = self.win_rate(signal_type, tier)
        if rate is None:
            return 0.0
        if rate > 0.7:
            return 5.0
        if rate > 0.6:
            return 3.0
        if rate < 0.4:
            return -5.0
        if rate < 0.5:
            return -3.0
        return 0.0

    def adjust(self, confidence: float, signal_type: str, tier: int) -> float:
        return max(50.0, min(99.0, confidence + self.adjustment(signal_type, tier)))

    def record(self, signal_type: str, tier: int, result: str) -> None:
        if result == UNKNOWN:
            return
        value = 1.0 if result == WIN else 0.0  # LOSS and FLAT
        alpha = self.s.ema_alpha
        for key in self._keys(signal_type, tier):
            self.ema[key] = (1 - alpha) * self.ema.get(key, 0.5) + alpha * value
            self.count[key] = self.count.get(key, 0) + 1

    def export_state(self) -> dict:
        return {"ema": dict(self.ema), "count": dict(self.count)}

    def load_state(self, state: dict) -> None:
        self.ema = {str(k): float(v) for k, v in (state.get("ema") or {}).items()}
        self.count = {str(k): int(v) for k, v in (state.get("count") or {}).items()}
