"""Rolling windows over event time, O(1) amortised per event.

Each window keeps its entries in arrival order with running sums; ``evict(cutoff)`` drops the
entries at or before ``cutoff`` and subtracts them.  The engine evicts with its own clock (the
newest event time), so a window's content depends only on the event sequence.
"""

from __future__ import annotations

from collections import deque


class LiquidationWindow:
    """Liquidations in the last ``span_ms``: USD by liquidated side, count, prices."""

    __slots__ = ("span", "items", "long_usd", "short_usd")

    def __init__(self, span_ms: int) -> None:
        self.span = span_ms
        self.items: deque[tuple[int, float, bool, float]] = deque()  # ts, usd, is_long, price
        self.long_usd = 0.0
        self.short_usd = 0.0

    def add(self, ts: int, usd: float, is_long: bool, price: float, now: int) -> None:
        self.items.append((ts, usd, is_long, price))
        if is_long:
            self.long_usd += usd
        else:
            self.short_usd += usd
        self.evict(now - self.span)

    def evict(self, cutoff: int) -> None:
        items = self.items
        while items and items[0][0] <= cutoff:
            _, usd, is_long, _ = items.popleft()
            if is_long:
                self.long_usd -= usd
            else:
                self.short_usd -= usd
        if not items:  # float drift never outlives an empty window
            self.long_usd = self.short_usd = 0.0

    @property
    def total(self) -> float:
        return self.long_usd + self.short_usd


class TradeWindow:
    """Trades in the last ``span_ms`` (taker buy/sell USD, large-order counts), and the USD of
    its most recent ``recent_ms`` (the volume-spike minute).  Per-venue sums are read on demand
    (:meth:`by_venue`): only the coin detail screen shows them.

    Both share one list of entries with a head index per window: one append per trade, and the
    list is compacted once the evicted prefix outgrows the live part.
    """

    __slots__ = ("span", "items", "head", "buy_usd", "sell_usd", "large_buys", "large_sells",
                 "large_buy_usd", "large_sell_usd", "recent_span", "recent_head",
                 "recent_usd", "recent_buy_usd")

    def __init__(self, span_ms: int, recent_ms: int) -> None:
        self.span = span_ms
        self.recent_span = min(recent_ms, span_ms)
        self.items: list[tuple[int, float, bool, bool, str]] = []  # ts, usd, is_buy, large, venue
        self.head = 0
        self.recent_head = 0
        self.buy_usd = 0.0
        self.sell_usd = 0.0
        self.large_buys = 0
        self.large_sells = 0
        self.large_buy_usd = 0.0
        self.large_sell_usd = 0.0
        self.recent_usd = 0.0
        self.recent_buy_usd = 0.0

    def add(self, ts: int, usd: float, is_buy: bool, large: bool, venue: str, now: int) -> None:
        items = self.items
        items.append((ts, usd, is_buy, large, venue))
        self.recent_usd += usd
        if is_buy:
            self.buy_usd += usd
            self.recent_buy_usd += usd
            if large:
                self.large_buys += 1
                self.large_buy_usd += usd
        else:
            self.sell_usd += usd
            if large:
                self.large_sells += 1
                self.large_sell_usd += usd
        cutoff = now - self.recent_span
        if items[self.recent_head][0] <= cutoff:
            self._evict_recent(cutoff)
        if items[self.head][0] <= now - self.span:
            self.evict(now - self.span)

    def _evict_recent(self, cutoff: int) -> None:
        items = self.items
        i = self.recent_head
        end = len(items)
        while i < end and items[i][0] <= cutoff:
            _, usd, is_buy, _, _ = items[i]
            self.recent_usd -= usd
            if is_buy:
                self.recent_buy_usd -= usd
            i += 1
        self.recent_head = i
        if i == end:
            self.recent_usd = self.recent_buy_usd = 0.0

    def evict(self, cutoff: int) -> None:
        items = self.items
        i = self.head
        end = len(items)
        if i >= end or items[i][0] > cutoff:
            return
        if self.recent_head < end and items[self.recent_head][0] <= cutoff:
            self._evict_recent(cutoff)
        while i < end and items[i][0] <= cutoff:
            _, usd, is_buy, large, _ = items[i]
            if is_buy:
                self.buy_usd -= usd
                if large:
                    self.large_buys -= 1
                    self.large_buy_usd -= usd
            else:
                self.sell_usd -= usd
                if large:
                    self.large_sells -= 1
                    self.large_sell_usd -= usd
            i += 1
        if i == end:
            items.clear()
            self.head = self.recent_head = 0
            self.buy_usd = self.sell_usd = self.large_buy_usd = self.large_sell_usd = 0.0
            self.recent_usd = self.recent_buy_usd = 0.0
            return
        if self.recent_head < i:  # out-of-order entries: the recent tail never lags the window
            self.recent_head = i
        if i > 256 and i * 2 > end:
            del items[:i]
            self.recent_head -= i
            i = 0
        self.head = i

    def by_venue(self) -> dict[str, float]:
        """USD traded per venue in the window, largest first."""
        sums: dict[str, float] = {}
        for i in range(self.head, len(self.items)):
            _, usd, _, _, venue = self.items[i]
            sums[venue] = sums.get(venue, 0.0) + usd
        return dict(sorted(sums.items(), key=lambda kv: -kv[1]))

    @property
    def total(self) -> float:
        return self.buy_usd + self.sell_usd

    def __len__(self) -> int:
        return len(self.items) - self.head


class VolumeWindow:
    """Traded USD in the last ``span_ms`` (the volume-spike numerator)."""

    __slots__ = ("span", "items", "usd", "buy_usd")

    def __init__(self, span_ms: int) -> None:
        self.span = span_ms
        self.items: deque[tuple[int, float, bool]] = deque()
        self.usd = 0.0
        self.buy_usd = 0.0

    def add(self, ts: int, usd: float, is_buy: bool, now: int) -> None:
        self.items.append((ts, usd, is_buy))
        self.usd += usd
        if is_buy:
            self.buy_usd += usd
        items = self.items
        cutoff = now - self.span
        while items[0][0] <= cutoff:
            _, old, was_buy = items.popleft()
            self.usd -= old
            if was_buy:
                self.buy_usd -= old
            if not items:
                self.usd = self.buy_usd = 0.0
                break
