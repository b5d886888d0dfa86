"""Per-coin volume baselines: the USD a coin normally trades and liquidates per minute.

An exponential moving average over event-time minutes (span ``MINUTES``, so roughly the last
hour), empty minutes counting as zero.  It gives the trader (``teleglas export baselines``) the
"normal" a spike or a cascade is measured against, and survives restarts in the state table.
"""

from __future__ import annotations

from typing import Any

MINUTES = 60
_ALPHA = 2 / (MINUTES + 1)
_MINUTE_MS = 60_000


class _Coin:
    __slots__ = ("minute", "trade_usd", "liq_usd", "trade_avg", "liq_avg", "minutes")

    def __init__(self, minute: int) -> None:
        self.minute = minute
        self.trade_usd = 0.0  # the minute being filled
        self.liq_usd = 0.0
        self.trade_avg: float | None = None
        self.liq_avg: float | None = None
        self.minutes = 0  # complete minutes folded in

    def roll(self, minute: int) -> None:
        if self.minute < 0:  # restored: the time the service was off is not "no volume"
            self.minute = minute
            return
        gap = (minute - self.minute) // _MINUTE_MS
        if gap <= 0:
            return  # late events land in the current minute
        self.trade_avg = _fold(self.trade_avg, self.trade_usd, gap)
        self.liq_avg = _fold(self.liq_avg, self.liq_usd, gap)
        self.minutes += gap
        self.minute, self.trade_usd, self.liq_usd = minute, 0.0, 0.0


def _fold(avg: float | None, value: float, gap: int) -> float:
    avg = value if avg is None else avg + _ALPHA * (value - avg)
    return avg * (1 - _ALPHA) ** (gap - 1)  # the empty minutes in between


class VolumeBaselines:
    def __init__(self) -> None:
        self._coins: dict[str, _Coin] = {}

    def _at(self, coin: str, ts: int) -> _Coin:
        minute = ts - ts % _MINUTE_MS
        entry = self._coins.get(coin)
        if entry is None:
            entry = self._coins[coin] = _Coin(minute)
        else:
            entry.roll(minute)
        return entry

    def trade(self, coin: str, ts: int, usd: float) -> None:
        self._at(coin, ts).trade_usd += usd

    def liquidation(self, coin: str, ts: int, usd: float) -> None:
        self._at(coin, ts).liq_usd += usd

    def export(self) -> dict[str, dict[str, Any]]:
        """Per coin: averages per minute (None until a minute completed) and minutes seen."""
        return {
            coin: {"trade_usd_per_min": c.trade_avg, "liq_usd_per_min": c.liq_avg,
                   "minutes": c.minutes}
            for coin, c in sorted(self._coins.items())
        }

    def load(self, state: Any) -> None:
        if not isinstance(state, dict):
            return
        for coin, row in state.items():
            try:
                entry = _Coin(-1)
                entry.trade_avg = _number(row.get("trade_usd_per_min"))
                entry.liq_avg = _number(row.get("liq_usd_per_min"))
                entry.minutes = int(row.get("minutes") or 0)
            except (AttributeError, TypeError, ValueError):
                continue  # a damaged entry starts afresh rather than stopping the restore
            self._coins[coin] = entry


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
