"""Order flow (SPEC.md, "Order flow"): ACCUMULATION / DISTRIBUTION over the 5-minute trade window.

Needs at least ``order_flow.min_trades`` trades.  ACCUMULATION (LONG): buy ratio ≥ 0.65, at least
3 large buys and more large buys than large sells; DISTRIBUTION (SHORT) mirrors it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine import format as fmt
from engine.detect.base import WindowEpisodes
from engine.model import ACCUMULATION, DISTRIBUTION, LONG, SHORT, SignalType
from engine.settings import OrderFlowSettings, Settings
from engine.windows import TradeWindow

if TYPE_CHECKING:
    from engine.market import Market, WindowPlan
    from engine.signals.path import SignalPath


def detect(w: TradeWindow, s: OrderFlowSettings) -> tuple[str, str] | None:
    """``(type, direction)`` when the window shows accumulation or distribution."""
    if w.count < s.min_trades:
        return None
    total = w.buy_usd + w.sell_usd
    if total <= 0:
        return None
    ratio = w.buy_usd / total
    if ratio >= s.buy_ratio_long:
        if w.large_buys >= s.min_large_orders and w.large_buys > w.large_sells:
            return ACCUMULATION, LONG
    elif ratio <= s.buy_ratio_short:
        if w.large_sells >= s.min_large_orders and w.large_sells > w.large_buys:
            return DISTRIBUTION, SHORT
    return None


def strength(w: TradeWindow, direction: str, cascade_threshold: float) -> float:
    """50 + ratio beyond the band + dominant large orders + USD / tier threshold + count; ≤ 99."""
    total = w.buy_usd + w.sell_usd
    ratio = w.buy_usd / total
    lean = ratio if direction == LONG else 1.0 - ratio  # both read like a buy ratio
    score = 50.0
    score += 20 if lean > 0.80 else 15 if lean > 0.75 else 10 if lean > 0.70 else 5 if lean >= 0.65 else 0
    large = w.large_buys if direction == LONG else w.large_sells
    score += 20 if large >= 10 else 15 if large >= 7 else 10 if large >= 5 else 5 if large >= 3 else 0
    size = total / cascade_threshold if cascade_threshold else 0.0
    score += 15 if size > 5 else 10 if size > 2.5 else 5 if size > 1 else 0
    n = w.count
    score += 5 if n > 100 else 3 if n > 50 else 0
    return min(score, 99.0)


def metrics(w: TradeWindow) -> dict:
    total = w.buy_usd + w.sell_usd
    return {
        "buy_ratio": round(w.buy_usd / total, 4) if total else None,
        "buy_usd": round(w.buy_usd, 2),
        "sell_usd": round(w.sell_usd, 2),
        "large_buys": w.large_buys,
        "large_sells": w.large_sells,
        "trades": w.count,
    }


def describe(m: dict[str, Any], direction: str | None) -> list[str]:
    return [
        f"Buy ratio {fmt.pct(m.get('buy_ratio'), 0, False)} (5m) · taker buys {fmt.usd(m.get('buy_usd'))}"
        f" / sells {fmt.usd(m.get('sell_usd'))}",
        f"Large orders {m.get('large_buys', 0)} buys vs {m.get('large_sells', 0)} sells · "
        f"{m.get('trades', 0)} trades",
    ]


class OrderFlowDetector(WindowEpisodes):
    types = (SignalType(ACCUMULATION, "ACCUM", True, describe),
             SignalType(DISTRIBUTION, "DISTRIB", True, describe))

    def __init__(self, settings: Settings, plan: WindowPlan, path: SignalPath) -> None:
        self.s = settings.order_flow
        super().__init__(plan, path, int(self.s.window_s * 1000))

    def rule(self, m: Market, w: TradeWindow) -> tuple | None:
        return detect(w, self.s)

    def figures(self, m: Market, w: TradeWindow, call: tuple) -> tuple[float, dict]:
        return strength(w, call[1], m.cascade), metrics(w)
