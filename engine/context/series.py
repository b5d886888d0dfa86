"""Per-coin open-interest and funding history, across venues (SPEC.md, Market context).

Each venue's OI is its own series (the venues' OI levels differ, so mixing them would invent
changes); the coin's OI change over ``context.oi_window_s`` is the summed change of the venues that
have a point that old.  Funding is the mean of the venues' latest rates.  At most
``context.keep_snapshots`` points are kept per venue.  CoinGlass's series already aggregate every
venue: when they are there they are used alone, so no venue counts twice.
"""

from __future__ import annotations

from collections import deque

AGGREGATE = "coinglass"  # the source whose OI and funding cover all venues


class CoinContext:
    __slots__ = ("oi", "funding", "funding_ts", "keep")

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.oi: dict[str, deque[tuple[int, float]]] = {}
        self.funding: dict[str, float] = {}
        self.funding_ts: dict[str, int] = {}

    def add_oi(self, venue: str, ts: int, oi_usd: float) -> None:
        series = self.oi.get(venue)
        if series is None:
            series = self.oi[venue] = deque(maxlen=self.keep)
        if series and ts <= series[-1][0]:
            if ts == series[-1][0]:
                series[-1] = (ts, oi_usd)  # a candle re-sent with its latest value
            return  # older history already seen
        series.append((ts, oi_usd))

    def add_funding(self, venue: str, ts: int, rate: float) -> bool:
        """True when this is the venue's newest rate."""
        if ts < self.funding_ts.get(venue, 0):
            return False
        self.funding[venue] = rate
        self.funding_ts[venue] = ts
        return True

    def funding_rate(self) -> float | None:
        if AGGREGATE in self.funding:
            return self.funding[AGGREGATE]
        if not self.funding:
            return None
        return sum(self.funding.values()) / len(self.funding)

    def _oi_series(self):
        aggregate = self.oi.get(AGGREGATE)
        return (aggregate,) if aggregate else self.oi.values()

    def oi_change(self, window_ms: int) -> float | None:
        """Fractional OI change over the window, from venues with a point at least that old."""
        now_sum = old_sum = 0.0
        for series in self._oi_series():
            latest_ts, latest = series[-1]
            cutoff = latest_ts - window_ms
            old = None
            for ts, value in reversed(series):
                if ts <= cutoff:
                    old = value
                    break
            if old is not None and old > 0:
                now_sum += latest
                old_sum += old
        if old_sum <= 0:
            return None
        return now_sum / old_sum - 1.0

    def oi_usd(self) -> float | None:
        if not self.oi:
            return None
        return sum(series[-1][1] for series in self._oi_series())
