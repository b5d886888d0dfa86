"""Whale events (SPEC.md, "Events"): WHALE_ACCUMULATION / WHALE_DISTRIBUTION.

At least ``whale.min_large_orders`` large buys in the last ``whale.window_s`` (5 minutes) and a
large-buy share (by count, of all large orders) of at least ``whale.min_share``; strength 50 + 40 ×
share.  Distribution mirrors it with large sells.  Its window is the order-flow window when their
spans agree (the default), its own otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine import format as fmt
from engine.detect.base import WindowEpisodes
from engine.model import LONG, SHORT, WHALE_ACCUMULATION, WHALE_DISTRIBUTION, SignalType
from engine.settings import Settings, WhaleSettings
from engine.windows import TradeWindow

if TYPE_CHECKING:
    from engine.market import Market, WindowPlan
    from engine.signals.path import SignalPath


def detect(w: TradeWindow, s: WhaleSettings) -> tuple[str, str, float] | None:
    """``(type, direction, share)`` when whales lean one way."""
    large = w.large_buys + w.large_sells
    if large < s.min_large_orders:
        return None
    if w.large_buys >= s.min_large_orders:
        share = w.large_buys / large
        if share >= s.min_share:
            return WHALE_ACCUMULATION, LONG, share
    if w.large_sells >= s.min_large_orders:
        share = w.large_sells / large
        if share >= s.min_share:
            return WHALE_DISTRIBUTION, SHORT, share
    return None


def strength(share: float) -> float:
    return min(50.0 + 40.0 * share, 99.0)


def metrics(w: TradeWindow, share: float) -> dict:
    return {
        "window_s": w.span // 1000,
        "large_buys": w.large_buys,
        "large_sells": w.large_sells,
        "large_buy_usd": round(w.large_buy_usd, 2),
        "large_sell_usd": round(w.large_sell_usd, 2),
        "share": round(share, 4),
    }


def describe(m: dict[str, Any], direction: str | None) -> list[str]:
    return [
        f"Large buys {m.get('large_buys', 0)} ({fmt.usd(m.get('large_buy_usd'))}) vs sells "
        f"{m.get('large_sells', 0)} ({fmt.usd(m.get('large_sell_usd'))}) in {fmt.duration(m.get('window_s', 300))}",
        f"{fmt.pct(m.get('share'), 0, False)} of large orders are "
        f"{'buys' if direction == LONG else 'sells'}",
    ]


class WhaleDetector(WindowEpisodes):
    types = (SignalType(WHALE_ACCUMULATION, "WHALE ACC", True, describe),
             SignalType(WHALE_DISTRIBUTION, "WHALE DIS", True, describe))

    def __init__(self, settings: Settings, plan: WindowPlan, path: SignalPath) -> None:
        self.s = settings.whale
        super().__init__(plan, path, int(self.s.window_s * 1000))

    def rule(self, m: Market, w: TradeWindow) -> tuple | None:
        # Too few large orders is the common case: no call for it.
        return None if w.large_buys + w.large_sells < self.s.min_large_orders else detect(w, self.s)

    def figures(self, m: Market, w: TradeWindow, call: tuple) -> tuple[float, dict]:
        return strength(call[2]), metrics(w, call[2])
