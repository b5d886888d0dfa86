"""The signal path (SPEC.md, "Signal path"): what happens to a detector's candidate.

A candidate merges into an agreeing signal of the other family on the same coin within
``merge.window_s`` (a stop hunt vs order flow / events), or goes through the gate → market
context (which may mark it blocked from Telegram) → priority → confidence
(engine/signals/confidence.py) → outcome tracking.

One coin, one view (issue 17): a call opposite to a signal of the same coin within
``merge.window_s`` never becomes a second signal.  The earlier signal stays the view and the
newer call is listed in its ``against`` metrics (type → direction and strength); when what is
against it is at least as strong as itself, the flow is ``mixed`` (a metric) and the signal is
INFO unless it is a large stop hunt.  A stop hunt is the headline, as in a merge: one arriving
against order flow or an event (or against a weaker stop hunt) takes the view over — same id,
its message edited to the cascade's call, the earlier call under ``against``, its outcome
followed afresh on the cascade's levels from that moment (to the same horizons) and its
confidence read for its new class.  The signals that are new or changed during one
event are collected in :attr:`SignalPath.out`; the same object comes back on each change with
``change`` and ``revision`` set.  The path keeps the engine's clock (``now_ms``, the newest event
time) and the start of the current warm-up (``warm_from``), which the detectors read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.model import BUY, FUNDING_EXTREME, LONG, SHORT, STOP_HUNT, VOLUME_SPIKE, Signal
from engine.settings import Settings
from engine.signals import context_filter
from engine.signals.baseline import BaselineBook
from engine.signals.confidence import ConfidenceBook
from engine.signals.gate import Gate
from engine.signals.outcomes import OutcomeBook
from engine.signals.stats import OutcomeStats

if TYPE_CHECKING:
    from engine.market import Market

NONE: list[Signal] = []  # shared "nothing happened" result; callers never mutate it


class SignalPath:
    def __init__(self, settings: Settings, run_id: str = "") -> None:
        self.settings = settings
        self.run_id = run_id
        self.now_ms = 0
        self.warm_from = 0
        self.gate = Gate(settings.gate)
        self.confidence = ConfidenceBook(settings.outcomes.horizon_s)
        self.baseline = BaselineBook(settings.outcomes.horizon_s)
        self.outcomes = OutcomeBook(settings.outcomes)
        self.outcome_stats = OutcomeStats()
        self.oi_window = int(settings.context.oi_window_s * 1000)
        self.out: list[Signal] = NONE
        self.emit_listeners: list = []  # called with each signal when it is emitted

    # ------------------------------------------------------------------ what detectors ask

    def new_signal(self, m: Market, signal_type: str, direction: str | None, strength: float,
                   metrics: dict, entry: float | None = None, stop: float | None = None,
                   target: float | None = None) -> Signal:
        """A candidate.  Signals without levels of their own (order flow, events) are measured
        from the price at the signal with a stop ``outcomes.default_stop_pct`` away."""
        now = self.now_ms
        if direction is not None and entry is None and m.price > 0:
            entry = m.price
            risk = entry * self.settings.outcomes.default_stop_pct
            reward = self.settings.stop_hunt.reward_risk * risk
            stop, target = (entry - risk, entry + reward) if direction == LONG else (entry + risk, entry - reward)
        return Signal(
            id=f"{self.run_id}{now}-{m.coin}-{signal_type}", ts=now, coin=m.coin, tier=m.tier,
            type=signal_type, direction=direction, strength=strength, base_strength=strength,
            metrics=metrics, entry=entry, stop=stop, target=target, updated_ts=now,
        )

    def propose(self, m: Market, signal_type: str, direction: str | None, strength: float, metrics: dict,
                entry: float | None = None, stop: float | None = None, target: float | None = None) -> Signal | None:
        """A new candidate; the signal now carrying it, or None when the gate dropped it."""
        return self.admit(m, self.new_signal(m, signal_type, direction, strength, metrics, entry, stop, target))

    def admit(self, m: Market, signal: Signal, escalation: bool = False) -> Signal | None:
        """Merge into an agreeing signal, or pass the gate and be emitted.  Returns the emitted
        signal now carrying this candidate (itself, the signal it merged into, or None when the
        gate dropped it).  An escalation is a signal of its own: it merges into nothing and passes
        the gate's cooldown and duplicate band."""
        target = None if escalation else self._merge_target(m, signal)
        if target is not None:
            if signal.type == STOP_HUNT:
                self._promote(target, signal)
            else:
                target.merged.append(signal.type)
                target.metrics.setdefault("merged", {})[signal.type] = round(signal.base_strength, 2)
            self._finish(m, target)
            self.changed(target, "update")
            return target
        rival = None if escalation else self._opposite(m, signal)
        if rival is not None:
            return self._one_view(m, rival, signal)
        if not self.gate.admit((m.coin, signal.type, signal.direction), signal.base_strength, self.now_ms,
                               escalation):
            return None
        self._finish(m, signal)
        self._estimate(signal)
        m.signals.append(signal)
        if signal.direction is not None and signal.entry and signal.stop and signal.target:
            self.outcomes.track(signal)
        if self.out is NONE:
            self.out = [signal]
        else:
            self.out.append(signal)
        for listener in self.emit_listeners:
            listener(signal)
        return signal

    def revise(self, m: Market, signal: Signal) -> None:
        """An emitted signal's own figures changed: score it again, hand it out as an update."""
        self._finish(m, signal)
        self.changed(signal, "update")

    # ------------------------------------------------------------------ the steps

    def _promote(self, target: Signal, hunt: Signal) -> None:
        """A stop hunt merging into an earlier order-flow or event signal is the headline: the
        signal becomes the STOP_HUNT (same id, same message edited), its earlier type is listed
        as merged with its strength, and its figures are kept under that type's name."""
        merged = target.metrics.pop("merged", {})
        merged[target.type] = round(target.base_strength, 2)
        target.metrics = {**hunt.metrics, target.type.lower(): target.metrics, "merged": merged}
        target.merged.append(target.type)
        target.type = STOP_HUNT
        target.base_strength = hunt.base_strength
        if target.direction is None:  # a volume spike without a dominant side: the cascade gives one
            target.direction, target.entry, target.stop, target.target = (
                hunt.direction, hunt.entry, hunt.stop, hunt.target)
            self.outcomes.track(target)
        self._estimate(target)  # another class now

    def _merge_target(self, m: Market, signal: Signal) -> Signal | None:
        if signal.type == FUNDING_EXTREME:
            return None
        lean = _lean(signal)
        family = signal.type == STOP_HUNT
        window = self.settings.merge.window_s * 1000
        for other in reversed(m.signals):
            if self.now_ms - other.ts > window:
                break
            if (other.type != FUNDING_EXTREME and (other.type == STOP_HUNT) != family
                    and _lean(other) == lean and signal.type not in other.merged):
                return other
        return None

    def _opposite(self, m: Market, signal: Signal) -> Signal | None:
        """The coin's signal within the merge window that calls the other direction."""
        if signal.direction is None:
            return None
        window = self.settings.merge.window_s * 1000
        for other in reversed(m.signals):
            if self.now_ms - other.ts > window:
                break
            if other.direction is not None and other.direction != signal.direction:
                return other
        return None

    def _one_view(self, m: Market, view: Signal, call: Signal) -> Signal | None:
        """An opposite ``call`` against the coin's ``view``: listed against it, or (a stop hunt)
        taking it over.  Returns the signal carrying ``call`` (None when it was only listed)."""
        headline = call.type == STOP_HUNT and (view.type != STOP_HUNT or call.base_strength > view.base_strength)
        if headline and self.gate.admit((m.coin, call.type, call.direction), call.base_strength, self.now_ms):
            self._take_over(view, call)
            carrier = view
        else:
            against = view.metrics.setdefault("against", {})
            against[call.type] = {"direction": call.direction, "strength": round(call.base_strength, 2)}
            carrier = None
        view.metrics["mixed"] = any(a["strength"] >= view.base_strength for a in view.metrics.get("against", {}).values())
        self._finish(m, view)
        self.changed(view, "update")
        return carrier

    def _take_over(self, view: Signal, call: Signal) -> None:
        """A stop hunt becomes the coin's view: same signal, the cascade's type, direction, levels
        and figures; everything it held before is listed against it."""
        against = {t: a for t, a in view.metrics.get("against", {}).items() if a["direction"] != call.direction}
        for name in [view.type, *view.merged]:
            strength = view.base_strength if name == view.type else view.metrics.get("merged", {}).get(name, 0.0)
            against[name] = {"direction": view.direction, "strength": round(strength, 2)}
        view.metrics = {**call.metrics, "against": against}
        view.merged = []
        view.type, view.direction, view.base_strength = call.type, call.direction, call.base_strength
        view.entry, view.stop, view.target = call.entry, call.stop, call.target
        self.outcomes.untrack(view)  # prices from now on, on the new levels
        if view.entry and view.stop and view.target:
            self.outcomes.track(view)
        self._estimate(view)  # another class, and another call

    def _estimate(self, signal: Signal) -> None:
        """The signal's confidence from the outcomes of its class resolved until now
        (engine/signals/confidence.py); read at emission and when a merge changes its class."""
        if signal.direction is None:
            signal.confidence, signal.confidence_n = None, 0
        else:
            signal.confidence, signal.confidence_n = self.confidence.estimate(signal.type, signal.tier)

    def _finish(self, m: Market, signal: Signal) -> None:
        """Merge bonus → market context → priority."""
        peak = max([signal.base_strength, *signal.metrics.get("merged", {}).values()])
        if signal.merged:
            ms = self.settings.merge
            peak = min(peak + min(ms.bonus_fraction * peak, ms.bonus_max), 99.0)
        cs = self.settings.context
        signal.context = context_filter.assess(m.context.funding_rate(), m.context.oi_change(self.oi_window),
                                               signal.direction, cs)
        signal.blocked = context_filter.blocked(signal.context, cs.mode)
        signal.strength = max(0.0, min(99.0, peak + signal.context.adjustment))
        signal.priority = self._priority(signal)

    def _priority(self, signal: Signal) -> str:
        """URGENT only for a stop hunt of ``alerts.urgent_cascade_ratio`` × its tier's threshold, or
        for a class measured credibly above its random-moment baseline (its posterior's 5th
        percentile at least ``urgent_edge_points`` over the baseline, on ``urgent_min_n`` outcomes);
        WATCH and INFO by strength.  The alert budget never holds URGENT."""
        a = self.settings.alerts
        if signal.type == STOP_HUNT and (signal.metrics.get("volume_ratio") or 0.0) >= a.urgent_cascade_ratio:
            return "URGENT"
        if signal.metrics.get("mixed"):
            return "INFO"  # the flow is mixed: not a call to act on
        if signal.direction is not None and self.credibly_above_baseline(signal.type, signal.tier):
            return "URGENT"
        return "WATCH" if signal.strength >= a.watch_strength else "INFO"

    def credibly_above_baseline(self, signal_type: str, tier: int) -> bool:
        a = self.settings.alerts
        _, _, n = self.confidence.posterior(signal_type, tier)
        if n < a.urgent_min_n:
            return False
        baseline, _ = self.baseline.of_class(signal_type, tier)
        if baseline is None:
            return False
        return self.confidence.lower(signal_type, tier, 0.05) >= 100 * baseline + a.urgent_edge_points

    def changed(self, signal: Signal, change: str) -> None:
        signal.change = change
        signal.revision += 1
        signal.updated_ts = self.now_ms
        out = self.out
        if out is NONE:
            self.out = [signal]
        elif signal not in out:  # signals compare by identity
            out.append(signal)

    # ------------------------------------------------------------------ outcomes

    def resolve_outcomes(self) -> None:
        for signal in self.outcomes.due(self.now_ms):
            if not signal.outcome.done:  # the horizon: the result is final now
                if self.confidence.record(signal):
                    self.baseline.record(signal)
                self.outcome_stats.record(signal)
            self.changed(signal, "outcome")

    def close_outcomes(self) -> None:
        """The data ended: every open outcome resolves with what was seen (see outcomes.py)."""
        for signal, decided_now in self.outcomes.close_all():
            if decided_now:
                if self.confidence.record(signal):
                    self.baseline.record(signal)
                self.outcome_stats.record(signal)
            self.changed(signal, "outcome")


def _lean(signal: Signal) -> str | None:
    if signal.direction is None and signal.type == VOLUME_SPIKE:
        return LONG if signal.metrics.get("dominant_side") == BUY else SHORT
    return signal.direction
