"""Whale events (SPEC.md, "Events"): WHALE_ACCUMULATION / WHALE_DISTRIBUTION.

At least ``whale.min_large_orders`` large buys in the 5-minute window and a large-buy share (by
count, of all large orders) of at least ``whale.min_share``; strength 50 + 40 × share.
Distribution mirrors it with large sells.
"""

from __future__ import annotations

from engine.model import LONG, SHORT, WHALE_ACCUMULATION, WHALE_DISTRIBUTION
from engine.settings import WhaleSettings
from engine.windows import TradeWindow


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
        "large_buys": w.large_buys,
        "large_sells": w.large_sells,
        "large_buy_usd": round(w.large_buy_usd, 2),
        "large_sell_usd": round(w.large_sell_usd, 2),
        "share": round(share, 4),
    }
