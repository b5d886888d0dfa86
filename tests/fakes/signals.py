"""Hand-built signals of every type, shaped like the engine's (same metrics keys), for the store
and Telegram tests that need a signal but not a market to make it."""

from __future__ import annotations

import itertools

from engine.model import (
    ACCUMULATION, BUY, DISTRIBUTION, FUNDING_EXTREME, LONG, SELL, SHORT, STOP_HUNT, VOLUME_SPIKE,
    WHALE_ACCUMULATION, WHALE_DISTRIBUTION, MarketContext, Signal,
)

T0 = 1_761_125_892_000  # 2025-10-22 09:38:12 UTC
_ids = itertools.count(1)

DIRECTION = {
    STOP_HUNT: None, ACCUMULATION: LONG, DISTRIBUTION: SHORT, WHALE_ACCUMULATION: LONG,
    WHALE_DISTRIBUTION: SHORT, VOLUME_SPIKE: None, FUNDING_EXTREME: None,
}


def metrics_for(signal_type: str, direction: str | None, price: float) -> dict:
    long = direction != SHORT
    if signal_type == STOP_HUNT:
        return {
            "liquidated_usd": 4_200_000.0, "long_liquidated_usd": 3_654_000.0 if long else 546_000.0,
            "short_liquidated_usd": 546_000.0 if long else 3_654_000.0, "liquidations": 142,
            "threshold_usd": 2_000_000.0, "volume_ratio": 2.1, "directional_share": 0.87,
            "absorption_usd": 40_000.0, "absorption_threshold_usd": 100_000.0, "absorbed": False,
            "zone_low": price * 0.995, "zone_high": price,
        }
    if signal_type in (ACCUMULATION, DISTRIBUTION):
        return {"buy_ratio": 0.78 if long else 0.22, "buy_usd": 3_200_000.0 if long else 900_000.0,
                "sell_usd": 900_000.0 if long else 3_200_000.0, "large_buys": 7 if long else 2,
                "large_sells": 2 if long else 7, "trades": 143}
    if signal_type in (WHALE_ACCUMULATION, WHALE_DISTRIBUTION):
        return {"large_buys": 9 if long else 2, "large_sells": 2 if long else 9,
                "large_buy_usd": 2_100_000.0 if long else 300_000.0,
                "large_sell_usd": 300_000.0 if long else 2_100_000.0, "share": 0.82}
    if signal_type == VOLUME_SPIKE:
        return {"ratio": 4.2, "recent_usd": 12_300_000.0, "baseline_usd_per_window": 2_930_000.0,
                "dominant_side": BUY if long else SELL, "buy_share": 0.64 if long else 0.36}
    return {"funding": 0.0012, "funding_pct": 0.12, "payer": "longs", "oi_change": 0.031}


def sample(signal_type: str = STOP_HUNT, direction: str | None = LONG, coin: str = "BTC",
           price: float = 96_200.0, strength: float = 91.0, *, tier: int = 1, blocked: bool = False,
           priority: str = "URGENT", ts: int = T0, signal_id: str | None = None) -> Signal:
    """A signal as the engine would emit it (change "new", revision 1)."""
    if signal_type in (VOLUME_SPIKE, FUNDING_EXTREME):
        direction_of_signal = None
    else:
        direction_of_signal = direction
    entry = stop = target = None
    if direction_of_signal is not None:
        width = price * 0.005
        if direction_of_signal == LONG:
            entry, stop = price, price - width * 1.3
            target = entry + 2 * (entry - stop)
        else:
            entry, stop = price, price + width * 1.3
            target = entry - 2 * (stop - entry)
    context = MarketContext("UNFAVORABLE" if blocked else "FAVORABLE", -0.00005, "favorable", 0.024,
                            "confirming", -10.0 if blocked else 5.0)
    return Signal(
        id=signal_id or f"{ts}-{coin}-{signal_type}-{next(_ids)}", ts=ts, coin=coin, tier=tier,
        type=signal_type, direction=direction_of_signal, strength=strength, base_strength=strength - 5,
        metrics=metrics_for(signal_type, direction, price), entry=entry, stop=stop, target=target,
        context=context, blocked=blocked, priority=priority, revision=1, change="new", updated_ts=ts,
    )


def revise(signal: Signal, change: str = "update", **fields) -> Signal:
    """The same object, changed the way the engine changes it (revision + 1)."""
    for name, value in fields.items():
        setattr(signal, name, value)
    signal.change = change
    signal.revision += 1
    return signal
