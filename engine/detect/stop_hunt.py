"""Stop hunt (SPEC.md, "Stop hunt (liquidation cascade)").

Trigger: liquidations in the last ``stop_hunt.window_s`` sum to at least the tier's cascade
threshold.  Direction: longs liquidated dominate → LONG (enter after the sweep down); shorts → SHORT.
Absorption: taker trades against the sweep, each ≥ ``absorption_min_trade_usd``, from the window's
start until ``absorption_window_s`` after the trigger; reaching the tier's absorption threshold
marks the signal absorbed (a measured number, not advice).  The episode runs from the trigger until the window falls back
under the threshold and the absorption window has closed, or until the window holds a cascade the
other way (``swept_back``); the signal is emitted at the trigger and updated (never duplicated) as
the cascade grows or absorption arrives.  Entry, stop and target are
fixed at the trigger: outcomes are measured from what the first alert said.

Escalation: a cascade is the window's liquidations of one side (longs for a LONG).  Once a stop
hunt was emitted, a cascade on the same coin and side that reaches ``stop_hunt.escalation_ratio`` ×
the one it was emitted on is a new signal — the same episode grown, or a new episode while the
gate's cooldown or duplicate band would drop it — with its own levels from the zone so far and, in
its metrics, ``escalates`` (the earlier signal's id), ``escalated_from_usd`` and ``cascade_usd``.
It merges into nothing and passes the cooldowns (the gate's and the alert's: nobody reads an edit
of an hour-old message).  The episode's updates then go to it, and the next escalation is measured
from it.  Measured on the window, not on the episode's running total: on a coin whose liquidations
never fall under the threshold (an episode that lasts), the total doubles by itself; a cascade
twice the one alerted is news.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine import format as fmt
from engine.detect.base import Detector
from engine.model import LONG, SHORT, STOP_HUNT, Liquidation, Signal, SignalType, Trade
from engine.settings import Settings, StopHuntSettings
from engine.windows import LiquidationWindow, TradeWindow

if TYPE_CHECKING:
    from engine.market import Market, WindowPlan
    from engine.signals.path import SignalPath

REVERSAL_SHARE = 2 / 3  # the other side's share of the window that makes a cascade the other way
UPDATE_POINTS = 3.0  # a stop hunt's strength must move this much to update its signal
UPDATE_GROWTH = 1.1  # ... or its liquidated USD grow by this factor


@dataclass(slots=True)
class Episode:
    trigger_ts: int
    window_start: int
    direction: str
    long_usd: float
    short_usd: float
    count: int
    zone_low: float
    zone_high: float
    absorption_usd: float
    absorbed: bool
    threshold: float
    absorption_threshold: float
    venues: dict[str, float] | None = None  # USD liquidated per venue in the episode
    signal: Signal | None = None  # the candidate; emitted or not
    emitted: bool = False
    reported_usd: float = 0.0  # total at the last update handed out

    @property
    def total(self) -> float:
        return self.long_usd + self.short_usd

    @property
    def share(self) -> float:
        dominant = self.long_usd if self.direction == LONG else self.short_usd
        return dominant / self.total if self.total else 0.0


def start(window: LiquidationWindow, trades: TradeWindow, now: int, threshold: float,
          absorption_threshold: float, s: StopHuntSettings) -> Episode:
    """Open an episode from the window's content at the trigger."""
    direction = LONG if window.long_usd >= window.short_usd else SHORT
    low, high = window.price_range()
    window_start = now - window.span
    episode = Episode(
        trigger_ts=now, window_start=window_start, direction=direction,
        long_usd=window.long_usd, short_usd=window.short_usd, count=window.count,
        zone_low=low, zone_high=high, absorption_usd=0.0, absorbed=False,
        threshold=threshold, absorption_threshold=absorption_threshold, venues=window.by_venue(),
    )
    against_buy = direction == LONG  # after a long flush, absorption is taker buying
    min_usd = s.absorption_min_trade_usd
    for _ts, usd, is_buy in trades.since(window_start):
        if is_buy == against_buy and usd >= min_usd:
            episode.absorption_usd += usd
    episode.absorbed = episode.absorption_usd >= absorption_threshold
    return episode


def add_liquidation(episode: Episode, usd: float, is_long: bool, price: float, venue: str = "") -> None:
    if episode.venues is not None:
        episode.venues[venue] = episode.venues.get(venue, 0.0) + usd
    if is_long:
        episode.long_usd += usd
    else:
        episode.short_usd += usd
    episode.count += 1
    if price < episode.zone_low:
        episode.zone_low = price
    elif price > episode.zone_high:
        episode.zone_high = price


def add_trade(episode: Episode, ts: int, usd: float, is_buy: bool, s: StopHuntSettings) -> bool:
    """Count an absorbing trade; True when it changed the episode."""
    if (usd < s.absorption_min_trade_usd or is_buy != (episode.direction == LONG)
            or ts > episode.trigger_ts + s.absorption_window_s * 1000):
        return False
    episode.absorption_usd += usd
    if not episode.absorbed and episode.absorption_usd >= episode.absorption_threshold:
        episode.absorbed = True
    return True


def strength(episode: Episode) -> float:
    """50 + volume ratio + absorption share + directional share + count; at most 99."""
    total = episode.total
    ratio = total / episode.threshold if episode.threshold else 0.0
    score = 50.0
    score += 25 if ratio > 5 else 20 if ratio > 2.5 else 15 if ratio > 1.5 else 10 if ratio >= 1 else 0
    absorbed = episode.absorption_usd / total if total else 0.0
    score += 25 if absorbed > 0.3 else 20 if absorbed > 0.2 else 15 if absorbed > 0.1 else 10 if absorbed > 0.05 else 0
    share = episode.share
    score += 15 if share > 0.9 else 12 if share > 0.8 else 8 if share > 0.7 else 0
    score += 5 if episode.count > 100 else 3 if episode.count > 50 else 0
    return min(score, 99.0)


def levels(episode: Episode, s: StopHuntSettings) -> tuple[float, float, float]:
    """Entry, stop and target from the liquidation price zone."""
    low, high = episode.zone_low, episode.zone_high
    width = high - low
    if width <= 0:
        width = high * s.zero_zone_width
        if episode.direction == LONG:
            low = high - width
        else:
            high = low + width
    if episode.direction == LONG:
        entry = high
        stop = low - s.stop_buffer * width
        target = entry + s.reward_risk * (entry - stop)
    else:
        entry = low
        stop = high + s.stop_buffer * width
        target = entry - s.reward_risk * (stop - entry)
    return entry, stop, target


def metrics(episode: Episode) -> dict:
    return {
        "liquidated_usd": round(episode.total, 2),
        "long_liquidated_usd": round(episode.long_usd, 2),
        "short_liquidated_usd": round(episode.short_usd, 2),
        "liquidations": episode.count,
        "threshold_usd": episode.threshold,
        "volume_ratio": round(episode.total / episode.threshold, 3) if episode.threshold else None,
        "directional_share": round(episode.share, 4),
        "absorption_usd": round(episode.absorption_usd, 2),
        "absorption_threshold_usd": episode.absorption_threshold,
        "absorbed": episode.absorbed,
        "zone_low": episode.zone_low,
        "zone_high": episode.zone_high,
        "venues": {v: round(usd, 2) for v, usd in sorted((episode.venues or {}).items(), key=lambda kv: -kv[1])},
    }


def finished(episode: Episode, window: LiquidationWindow, now: int, s: StopHuntSettings) -> bool:
    return window.total < episode.threshold and now > episode.trigger_ts + s.absorption_window_s * 1000


def swept_back(episode: Episode, window: LiquidationWindow) -> bool:
    """The window's other side alone reached the threshold and holds ``REVERSAL_SHARE`` of it: a
    cascade the other way is a stop hunt of its own, not this one growing (a $10M long flush
    minutes into a short squeeze must not be filed under the squeeze).  Two-sided churn above the
    threshold, where neither side holds that share, does not flip the episode back and forth."""
    other = window.short_usd if episode.direction == LONG else window.long_usd
    return other >= episode.threshold and other >= REVERSAL_SHARE * window.total


def describe(m: dict[str, Any], direction: str | None) -> list[str]:
    """The cascade in words: what was liquidated, absorption, the sweep zone."""
    longs = m.get("long_liquidated_usd", 0) >= m.get("short_liquidated_usd", 0)
    ratio = m.get("volume_ratio")
    lines = [
        f"{'Longs' if longs else 'Shorts'} liquidated {fmt.usd(m.get('liquidated_usd'))} "
        f"({'-' if ratio is None else f'{ratio:.1f}×'} the {fmt.usd(m.get('threshold_usd'))} threshold, "
        f"{fmt.pct(m.get('directional_share'), 0, False)} {'long' if longs else 'short'}, "
        f"{m.get('liquidations', 0)} liquidations)",
    ]
    venues = m.get("venues") or {}
    if venues:
        lines.append("On " + ", ".join(f"{v or '?'} {fmt.usd(usd)}" for v, usd in venues.items()))
    absorbed = m.get("absorption_usd") or 0
    threshold = fmt.usd(m.get("absorption_threshold_usd"))
    if m.get("absorbed"):
        lines.append(f"Absorption {fmt.usd(absorbed)}: over its {threshold} threshold")
    elif absorbed:
        lines.append(f"Absorption {fmt.usd(absorbed)} of the {threshold} threshold")
    if m.get("zone_low") is not None:
        lines.append(f"Sweep zone {fmt.price(m.get('zone_low'))} – {fmt.price(m.get('zone_high'))}")
    if m.get("escalates"):
        earlier = m.get("escalated_from_usd") or 0
        grown = (m.get("cascade_usd") or 0) / earlier if earlier else 0
        lines.append(f"Escalation: {fmt.usd(m.get('cascade_usd'))} in {'longs' if longs else 'shorts'} within the "
                     f"window, {grown:.1f}× the {fmt.usd(earlier)} of the last alert")
    return lines


def _side(window: LiquidationWindow, direction: str) -> float:
    """The window's USD of the side a stop hunt of ``direction`` is about (longs for a LONG)."""
    return window.long_usd if direction == LONG else window.short_usd


class _Coin:
    """The stop-hunt detector's own state of one coin: its liquidation window, open episode and,
    per side, the last stop hunt emitted (liquidated USD then, time, id): what escalation measures."""

    __slots__ = ("window", "episode", "alerted")

    def __init__(self, span_ms: int) -> None:
        self.window = LiquidationWindow(span_ms)
        self.episode: Episode | None = None
        self.alerted: dict[str, tuple[float, int, str]] = {}


class StopHuntDetector(Detector):
    types = (SignalType(STOP_HUNT, "STOP HUNT", True, describe),)

    def __init__(self, settings: Settings, plan: WindowPlan, path: SignalPath) -> None:
        self.s = settings.stop_hunt
        self.path = path
        # How long the gate would drop a new episode of the same side: its cooldown or duplicate band.
        self.gate_memory_ms = int(max(settings.gate.cooldown_s, settings.gate.dedup_window_s) * 1000)
        self.span = int(self.s.window_s * 1000)
        self.absorb_ms = int(self.s.absorption_window_s * 1000)
        self.coins: dict[str, _Coin] = {}
        self.absorbing = 0

    def bind(self, plan: WindowPlan) -> None:
        self.absorbing = plan.trades_covering(self.span)  # absorption reads trades since the window's start

    def on_trade(self, m: Market, ev: Trade) -> None:
        state = self.coins.get(ev.coin)
        if state is None:
            return
        episode = state.episode
        # Past its absorption window an episode takes no trade (the common case on a busy coin).
        if episode is None or ev.ts > episode.trigger_ts + self.absorb_ms:
            return
        if add_trade(episode, ev.ts, ev.usd, ev.side == "buy", self.s):
            self._changed(m, state, episode, liquidated=False)

    def on_liquidation(self, m: Market, ev: Liquidation) -> None:
        state = self.coins.get(ev.coin)
        if state is None:
            state = self.coins[ev.coin] = _Coin(self.span)
        now = self.path.now_ms
        is_long = ev.side == LONG
        window = state.window
        window.advance(now)
        episode = state.episode
        if episode is not None and finished(episode, window, now, self.s):
            state.episode = episode = None
        window.add(ev.ts, ev.usd, is_long, ev.price, now, ev.venue)
        if episode is not None and swept_back(episode, window):
            state.episode = episode = None
        if episode is not None:
            add_liquidation(episode, ev.usd, is_long, ev.price, ev.venue)
            self._changed(m, state, episode)
        elif window.total >= m.cascade:
            self._trigger(m, state, now)

    def _trigger(self, m: Market, state: _Coin, now: int) -> None:
        episode = start(state.window, m.trades[self.absorbing], now, m.cascade, m.absorption, self.s)
        state.episode = episode
        if self._escalates(state, episode, now):
            self._escalate(m, state, episode)
            return
        episode.signal = self._signal(m, episode)
        episode.reported_usd = episode.total
        self._emitted(state, episode, self.path.admit(m, episode.signal))

    def _signal(self, m: Market, episode: Episode) -> Signal:
        entry, stop, target = levels(episode, self.s)
        return self.path.new_signal(m, STOP_HUNT, episode.direction, strength(episode), metrics(episode),
                                    entry, stop, target)

    def _emitted(self, state: _Coin, episode: Episode, carrier: Signal | None) -> None:
        if carrier is None:
            return
        episode.signal, episode.emitted = carrier, True
        state.alerted[episode.direction] = (_side(state.window, episode.direction), self.path.now_ms, carrier.id)

    def _escalates(self, state: _Coin, episode: Episode, now: int) -> bool:
        """The cascade (the window) reached ``escalation_ratio`` × the one the last stop hunt of
        its side was emitted on: in the same episode, or in a new one while the cooldown would
        drop it."""
        last = state.alerted.get(episode.direction)
        if last is None or _side(state.window, episode.direction) < self.s.escalation_ratio * last[0]:
            return False
        return episode.emitted or now - last[1] < self.gate_memory_ms

    def _escalate(self, m: Market, state: _Coin, episode: Episode) -> None:
        usd, _, earlier = state.alerted[episode.direction]
        signal = self._signal(m, episode)
        signal.metrics.update(escalates=earlier, escalated_from_usd=round(usd, 2),
                              cascade_usd=round(_side(state.window, episode.direction), 2))
        carrier = self.path.admit(m, signal, escalation=True)
        if carrier is None and episode.signal is None:
            episode.signal = signal  # kept as the candidate, like a trigger the gate dropped
        episode.reported_usd = episode.total
        self._emitted(state, episode, carrier)

    def _changed(self, m: Market, state: _Coin, episode: Episode, liquidated: bool = True) -> None:
        """The cascade grew or absorption arrived: update the signal, not a new one — unless it
        escalates.

        Updates are handed out when the strength moves ``UPDATE_POINTS``, the absorption upgrade
        happens, or the cascade grew by ``UPDATE_GROWTH``: enough for an alert edited in place,
        not one update per liquidation."""
        signal = episode.signal
        if signal is None:
            return
        if liquidated and self._escalates(state, episode, self.path.now_ms):  # absorption grows no cascade
            self._escalate(m, state, episode)
            return
        base = strength(episode)
        upgraded = episode.absorbed and not signal.metrics.get("absorbed")
        grew = episode.total >= episode.reported_usd * UPDATE_GROWTH
        if abs(base - signal.base_strength) < UPDATE_POINTS and not upgraded and not grew:
            return
        episode.reported_usd = episode.total
        # What merged into the signal stays; the cascade's own figures are replaced.
        signal.metrics = {**signal.metrics, **metrics(episode)}
        if not episode.emitted:
            if base <= signal.base_strength:
                return
            signal.base_strength = base
            self._emitted(state, episode, self.path.admit(m, signal))
            return
        signal.base_strength = base
        self.path.revise(m, signal)
