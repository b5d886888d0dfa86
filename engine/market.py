"""One coin's market as the detectors read it: tier thresholds, the last price, the trade windows
the detectors asked for, the market context, and the coin's recent signals.

The trade windows are shared: detectors ask the :class:`WindowPlan` for a window of a span (and a
recent tail), equal requests get the same window, and the engine adds each trade to each window
once.  Everything else a detector keeps per coin is its own (engine/detect/).
"""

from __future__ import annotations

from collections import deque

from engine.context.series import CoinContext
from engine.model import Signal
from engine.signals.baseline import CoinMoments
from engine.tiers import Tiers
from engine.windows import TradeWindow

RECENT_SIGNALS_PER_COIN = 20  # what merging and "one coin, one view" look back over


class WindowPlan:
    """The trade windows every coin keeps: ``[span_ms, recent_ms]`` each, indexed."""

    def __init__(self) -> None:
        self.spans: list[list[int]] = []

    def trades(self, span_ms: int, recent_ms: int | None = None) -> int:
        """The index of a window of exactly ``span_ms`` (with a ``recent_ms`` tail if given)."""
        for i, (span, recent) in enumerate(self.spans):
            if span == span_ms and (recent_ms is None or recent in (span, recent_ms)):
                if recent_ms is not None:
                    self.spans[i][1] = recent_ms
                return i
        self.spans.append([span_ms, span_ms if recent_ms is None else recent_ms])
        return len(self.spans) - 1

    def trades_covering(self, span_ms: int) -> int:
        """The index of the longest window, when it spans at least ``span_ms``; else a new one."""
        if self.spans:
            i = max(range(len(self.spans)), key=lambda k: self.spans[k][0])
            if self.spans[i][0] >= span_ms:
                return i
        return self.trades(span_ms)

    def windows(self) -> tuple[TradeWindow, ...]:
        return tuple(TradeWindow(span, recent) for span, recent in self.spans)


class Market:
    """Everything shared about one coin."""

    __slots__ = ("coin", "tier", "cascade", "absorption", "large", "price", "first_ts", "last_ts",
                 "trades", "context", "signals", "moments")

    def __init__(self, coin: str, tier: int, tiers: Tiers, plan: WindowPlan, keep_context: int, ts: int,
                 moments: CoinMoments) -> None:
        t = tiers.of(tier)
        self.coin = coin
        self.tier = tier
        self.cascade = t.cascade_usd
        self.absorption = t.absorption_usd
        self.large = t.large_order_usd
        self.price = 0.0
        self.first_ts = ts
        self.last_ts = ts
        self.trades = plan.windows()
        self.context = CoinContext(keep_context)
        self.signals: deque[Signal] = deque(maxlen=RECENT_SIGNALS_PER_COIN)
        self.moments = moments  # the coin's random moments (engine/signals/baseline.py)
