"""Coin tiers (SPEC.md, Tiers): thresholds are tier-relative, every other coin is tier 3."""

from __future__ import annotations

from engine.settings import TierThresholds, TiersSettings
from engine.symbols import canonical


class Tiers:
    def __init__(self, settings: TiersSettings) -> None:
        self._by_tier = {1: settings.tier1, 2: settings.tier2, 3: settings.tier3}
        self._tier_of: dict[str, int] = {}
        for tier in (2, 1):  # tier 1 wins if a coin is listed twice
            for name in self._by_tier[tier].coins:
                self._tier_of[canonical(name)[0]] = tier

    def tier(self, coin: str) -> int:
        return self._tier_of.get(coin, 3)

    def of(self, tier: int) -> TierThresholds:
        return self._by_tier[tier]
