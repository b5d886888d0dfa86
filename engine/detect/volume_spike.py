"""Volume spike (SPEC.md, "Events"): the last minute against the four minutes before it.

USD traded in the last ``volume_spike.window_s`` ≥ ``ratio`` × the per-window average of the
``baseline_windows`` windows before it (the recent minute is not in its own baseline).  Our
additions, so that a quiet coin waking up is not an alert: the coin must have been watched for the
whole baseline span, the baseline must be non-zero, and the recent minute must reach
``min_cascade_fraction`` × the tier's cascade threshold.  Direction (ours; SPEC.md gives none): the
dominant taker side when it holds at least ``dominant_share`` of the minute's USD (buying → LONG,
selling → SHORT), and then an outcome like any directional signal; a two-sided minute has no
direction (it says that volume arrived, not where price goes).  Strength min(50 + 10 × ratio, 99).
"""

from __future__ import annotations

from engine.model import BUY, LONG, SELL, SHORT


def detect(recent_usd: float, span_usd: float, baseline_windows: int, ratio_min: float,
           min_usd: float) -> float | None:
    """The spike ratio when the last window spikes, else None.  ``span_usd`` covers the recent
    window and the baseline windows together."""
    if recent_usd < min_usd or recent_usd <= 0:
        return None
    baseline = (span_usd - recent_usd) / baseline_windows
    if baseline <= 0:
        return None
    ratio = recent_usd / baseline
    return ratio if ratio >= ratio_min else None


def direction(recent_buy_usd: float, recent_usd: float, dominant_share: float) -> str | None:
    share = recent_buy_usd / recent_usd if recent_usd > 0 else 0.5
    if share >= dominant_share:
        return LONG
    if share <= 1.0 - dominant_share:
        return SHORT
    return None


def strength(ratio: float) -> float:
    return min(50.0 + 10.0 * ratio, 99.0)


def metrics(ratio: float, recent_usd: float, recent_buy_usd: float, span_usd: float,
            baseline_windows: int) -> dict:
    return {
        "ratio": round(ratio, 3),
        "recent_usd": round(recent_usd, 2),
        "baseline_usd_per_window": round((span_usd - recent_usd) / baseline_windows, 2),
        "dominant_side": BUY if recent_buy_usd >= recent_usd - recent_buy_usd else SELL,
        "buy_share": round(recent_buy_usd / recent_usd, 4) if recent_usd else None,
    }
