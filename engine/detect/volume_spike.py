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

from typing import TYPE_CHECKING, Any

from engine import format as fmt
from engine.detect.base import Detector
from engine.model import BUY, LONG, SELL, SHORT, VOLUME_SPIKE, SignalType, Trade
from engine.settings import Settings

if TYPE_CHECKING:
    from engine.market import Market, WindowPlan
    from engine.signals.path import SignalPath


def detect(recent_usd: float, older_usd: float, baseline_windows: int, ratio_min: float,
           min_usd: float) -> float | None:
    """The spike ratio when the last window spikes, else None.  ``older_usd`` is the USD of the
    baseline windows before it."""
    if recent_usd < min_usd or recent_usd <= 0:
        return None
    baseline = older_usd / baseline_windows
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


def metrics(ratio: float, recent_usd: float, recent_buy_usd: float, older_usd: float,
            baseline_windows: int) -> dict:
    return {
        "ratio": round(ratio, 3),
        "recent_usd": round(recent_usd, 2),
        "baseline_usd_per_window": round(older_usd / baseline_windows, 2),
        "dominant_side": BUY if recent_buy_usd >= recent_usd - recent_buy_usd else SELL,
        "buy_share": round(recent_buy_usd / recent_usd, 4) if recent_usd else None,
    }


def describe(m: dict[str, Any], direction: str | None) -> list[str]:
    buyers = m.get("dominant_side") == BUY
    share = m.get("buy_share")
    side_share = share if buyers or share is None else 1 - share
    ratio = m.get("ratio")
    return [
        f"Volume {fmt.usd(m.get('recent_usd'))} in the last minute = {'-' if ratio is None else f'{ratio:.1f}×'} "
        f"the per-minute average {fmt.usd(m.get('baseline_usd_per_window'))}",
        f"{'Buyers' if buyers else 'Sellers'} dominate ({fmt.pct(side_share, 0, False)} of volume)",
    ]


class VolumeSpikeDetector(Detector):
    """One signal per spike: the next needs the minute to fall back under the ratio first."""

    types = (SignalType(VOLUME_SPIKE, "VOL SPIKE", True, describe),)

    def __init__(self, settings: Settings, plan: WindowPlan, path: SignalPath) -> None:
        self.s = settings.volume_spike
        self.path = path
        recent = int(self.s.window_s * 1000)
        self.warm_ms = recent * (self.s.baseline_windows + 1)  # the minute and its baseline together
        self.window = plan.trades(self.warm_ms, recent)
        self.spiking: set[str] = set()

    def on_trade(self, m: Market, ev: Trade) -> None:
        if m.last_ts - m.first_ts < self.warm_ms:
            return  # the coin itself watched for the whole baseline span
        s = self.s
        w = m.trades[self.window]
        min_usd = s.min_cascade_fraction * m.cascade
        # The minute too small is the common case: no call for it.
        ratio = None if w.recent_usd < min_usd else detect(w.recent_usd, w.older_usd, s.baseline_windows,
                                                            s.ratio, min_usd)
        if ratio is None:
            if self.spiking:
                self.spiking.discard(m.coin)
        elif m.coin not in self.spiking:
            self.spiking.add(m.coin)
            self.path.propose(m, VOLUME_SPIKE, direction(w.recent_buy_usd, w.recent_usd, s.dominant_share),
                         strength(ratio), metrics(ratio, w.recent_usd, w.recent_buy_usd, w.older_usd, s.baseline_windows))
