"""Rolling windows over event time, O(1) amortised per event.

A window holds the entries whose time is after ``now - span`` (``now``: the engine's clock, the
newest event time), with running sums.  It exposes only what is live — counts, sums, the entries
since a time — and nothing outside this module touches its storage.

Venues interleave a little out of order, so an entry is inserted at its time's place (in practice
one or two steps from the end); one that arrives already older than the window is not taken
(``add`` returns False).  Every sum of a side drops to exactly 0.0 when that side's last entry
leaves, and never goes below it: float drift of a running sum never shows as ``-0.0`` or a
negative amount.  ``add(..., now)`` and ``advance(now)`` evict; the figures read are those of the
last of them, so a reader advances the window to its clock first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator


def _place(items, ts: int, low: int) -> int:
    """The index where an entry at ``ts`` belongs (after equal times), scanning back from the end."""
    i = len(items)
    while i > low and items[i - 1][0] > ts:
        i -= 1
    return i


class LiquidationWindow:
    """Liquidations in the last ``span_ms``: USD by liquidated side, count, price range, venues."""

    __slots__ = ("span", "_items", "long_usd", "short_usd", "_longs")

    def __init__(self, span_ms: int) -> None:
        self.span = span_ms
        self._items: deque[tuple[int, float, bool, float, str]] = deque()  # ts, usd, is_long, price, venue
        self.long_usd = 0.0
        self.short_usd = 0.0
        self._longs = 0

    def add(self, ts: int, usd: float, is_long: bool, price: float, now: int, venue: str = "") -> bool:
        self.advance(now)
        if ts <= now - self.span:
            return False
        items = self._items
        entry = (ts, usd, is_long, price, venue)
        if not items or ts >= items[-1][0]:
            items.append(entry)
        else:
            items.insert(_place(items, ts, 0), entry)
        if is_long:
            self.long_usd += usd
            self._longs += 1
        else:
            self.short_usd += usd
        return True

    def advance(self, now: int) -> None:
        """Drop the entries at or before ``now - span``."""
        items = self._items
        cutoff = now - self.span
        if not items or items[0][0] > cutoff:
            return
        while items and items[0][0] <= cutoff:
            _, usd, is_long, _, _ = items.popleft()
            if is_long:
                self.long_usd -= usd
                self._longs -= 1
            else:
                self.short_usd -= usd
        if not self._longs or self.long_usd < 0.0:
            self.long_usd = 0.0
        if self._longs == len(items) or self.short_usd < 0.0:
            self.short_usd = 0.0

    @property
    def total(self) -> float:
        return self.long_usd + self.short_usd

    @property
    def count(self) -> int:
        return len(self._items)

    def price_range(self) -> tuple[float, float]:
        """Lowest and highest liquidation price in the window (it must not be empty)."""
        prices = [item[3] for item in self._items]
        return min(prices), max(prices)

    def by_venue(self) -> dict[str, float]:
        """USD liquidated per venue in the window (read at a stop hunt's trigger, not per event)."""
        sums: dict[str, float] = {}
        for _, usd, _, _, venue in self._items:
            sums[venue] = sums.get(venue, 0.0) + usd
        return sums


class TradeWindow:
    """Trades in the last ``span_ms`` (taker buy/sell USD, large-order counts), and the USD of
    its most recent ``recent_ms`` (the volume-spike minute).  Per-venue sums are read on demand
    (:meth:`by_venue`): only the coin detail screen shows them.

    Both share one time-ordered list of entries with a head index per window: one append per
    trade, and the list is compacted once the evicted prefix outgrows the live part.
    """

    __slots__ = ("span", "_items", "_head", "buy_usd", "sell_usd", "large_buys", "large_sells",
                 "large_buy_usd", "large_sell_usd", "recent_span", "_recent_head",
                 "recent_usd", "recent_buy_usd", "_buys", "_recent_buys")

    def __init__(self, span_ms: int, recent_ms: int) -> None:
        self.span = span_ms
        self.recent_span = min(recent_ms, span_ms)
        self._items: list[tuple[int, float, bool, bool, str]] = []  # ts, usd, is_buy, large, venue
        self._head = 0
        self._recent_head = 0
        self.buy_usd = 0.0
        self.sell_usd = 0.0
        self.large_buys = 0
        self.large_sells = 0
        self.large_buy_usd = 0.0
        self.large_sell_usd = 0.0
        self.recent_usd = 0.0
        self.recent_buy_usd = 0.0
        self._buys = 0
        self._recent_buys = 0

    def add(self, ts: int, usd: float, is_buy: bool, large: bool, venue: str, now: int) -> bool:
        if ts <= now - self.span:
            self.advance(now)
            return False
        items = self._items
        if not items or ts >= items[-1][0]:
            items.append((ts, usd, is_buy, large, venue))
            late = False
        else:
            at = _place(items, ts, self._head)
            items.insert(at, (ts, usd, is_buy, large, venue))
            late = at < self._recent_head  # before the recent minute's first entry: not in it
            if late:
                self._recent_head += 1
        if not late:  # in the recent minute until the eviction below says otherwise
            self.recent_usd += usd
            if is_buy:
                self.recent_buy_usd += usd
                self._recent_buys += 1
        if is_buy:
            self.buy_usd += usd
            self._buys += 1
            if large:
                self.large_buys += 1
                self.large_buy_usd += usd
        else:
            self.sell_usd += usd
            if large:
                self.large_sells += 1
                self.large_sell_usd += usd
        if late or items[self._recent_head][0] <= now - self.recent_span or items[self._head][0] <= now - self.span:
            self.advance(now)
        return True

    def advance(self, now: int) -> None:
        """Drop the entries at or before ``now - span`` and leave the recent minute at or before
        ``now - recent_span``."""
        items = self._items
        end = len(items)
        cutoff = now - self.recent_span
        i = self._recent_head
        if i < end and items[i][0] <= cutoff:
            while i < end and items[i][0] <= cutoff:
                _, usd, is_buy, _, _ = items[i]
                self.recent_usd -= usd
                if is_buy:
                    self.recent_buy_usd -= usd
                    self._recent_buys -= 1
                i += 1
            self._recent_head = i
            if i == end or self.recent_usd < 0.0:
                self.recent_usd = 0.0
            if not self._recent_buys or self.recent_buy_usd < 0.0:
                self.recent_buy_usd = 0.0
        cutoff = now - self.span
        i = self._head
        if i >= end or items[i][0] > cutoff:
            return
        while i < end and items[i][0] <= cutoff:
            _, usd, is_buy, large, _ = items[i]
            if is_buy:
                self.buy_usd -= usd
                self._buys -= 1
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
            self._head = self._recent_head = 0
            self._buys = self._recent_buys = 0
            self.buy_usd = self.sell_usd = self.large_buy_usd = self.large_sell_usd = 0.0
            self.recent_usd = self.recent_buy_usd = 0.0
            return
        if not self._buys or self.buy_usd < 0.0:
            self.buy_usd = 0.0
        if self._buys == end - i or self.sell_usd < 0.0:
            self.sell_usd = 0.0
        if not self.large_buys or self.large_buy_usd < 0.0:
            self.large_buy_usd = 0.0
        if not self.large_sells or self.large_sell_usd < 0.0:
            self.large_sell_usd = 0.0
        if i > 256 and i * 2 > end:
            del items[:i]
            self._recent_head -= i
            i = 0
        self._head = i

    def since(self, ts: int) -> Iterator[tuple[int, float, bool]]:
        """``(ts, usd, is_buy)`` of the live entries after ``ts``, newest first."""
        items = self._items
        for i in range(len(items) - 1, self._head - 1, -1):
            entry = items[i]
            if entry[0] <= ts:
                return
            yield entry[0], entry[1], entry[2]

    def by_venue(self) -> dict[str, float]:
        """USD traded per venue in the window, largest first."""
        sums: dict[str, float] = {}
        for i in range(self._head, len(self._items)):
            _, usd, _, _, venue = self._items[i]
            sums[venue] = sums.get(venue, 0.0) + usd
        return dict(sorted(sums.items(), key=lambda kv: -kv[1]))

    @property
    def total(self) -> float:
        return self.buy_usd + self.sell_usd

    @property
    def count(self) -> int:
        return len(self._items) - self._head

    @property
    def recent_count(self) -> int:
        return len(self._items) - self._recent_head

    @property
    def older_usd(self) -> float:
        """USD of the window's entries before its recent tail: exactly 0.0 when there are none
        (the difference of two running sums would leave float dust, and a spike over a baseline of
        1e-10 would read as 10^15 times it)."""
        if self._recent_head == self._head:
            return 0.0
        older = self.buy_usd + self.sell_usd - self.recent_usd
        return older if older > 0.0 else 0.0
