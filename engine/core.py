"""The engine: events in, signals out.  Synchronous, deterministic, O(1) amortised per event.

Time is event time: the engine's clock is the newest event time seen, and nothing here reads the
wall clock, so a recording replayed at any speed, in any batching, gives the same signals.

The path of a candidate (SPEC.md, Signal path): a detector opens an episode → the candidate merges
into an agreeing signal of the other family on the same coin within ``merge.window_s`` (stop hunt
vs order flow / events) or goes through the gate → market context (which may mark it blocked from
Telegram) → priority → confidence (engine/signals/confidence.py) → outcome tracking.  ``process``
returns the signals that are new or changed; the same object comes back on each change with
``change`` and ``revision`` set.
"""

from __future__ import annotations

from collections import deque

from engine.context.series import CoinContext
from engine.detect import funding_extreme, order_flow, stop_hunt, volume_spike, whale
from engine.detect.funding_extreme import FundingArm
from engine.model import (
    BUY, FUNDING_EXTREME, LONG, SHORT, STOP_HUNT, VOLUME_SPIKE, Context, Event, Liquidation,
    Signal, Trade,
)
from engine.settings import Settings
from engine.signals import context_filter
from engine.signals.confidence import ConfidenceBook
from engine.signals.gate import Gate
from engine.signals.outcomes import OutcomeBook
from engine.signals.stats import OutcomeStats
from engine.snapshot import CoinDetail, CoinFlow, EngineSnapshot, MinuteBar
from engine.tiers import Tiers
from engine.windows import LiquidationWindow, TradeWindow, VolumeWindow

_NONE: list[Signal] = []  # shared "nothing happened" result; callers never mutate it
MINUTE = 60_000
LIQ_FLOW_MS = 60_000  # the flow pane's "last minute" of liquidations
BARS_KEPT = 60
SPARK_BARS = 30
RECENT_SIGNALS_PER_COIN = 20
UPDATE_POINTS = 3.0  # a stop hunt's strength must move this much to update its signal
UPDATE_GROWTH = 1.1  # ... or its liquidated USD grow by this factor
# Warm-up: the event clock jumping this far is a gap (a feed outage, a recording's seam); the
# market streams together are never silent for two minutes while they work.
GAP_MS = 120_000


class CoinState:
    """Everything the engine knows about one coin."""

    __slots__ = ("coin", "tier", "cascade", "absorption", "large", "price", "first_ts", "last_ts",
                 "liq", "liq_minute", "trades", "span", "episode", "flow", "whale",
                 "spike", "bars", "bar", "signals", "context", "funding_arm")

    def __init__(self, coin: str, tier: int, settings: Settings, tiers: Tiers, ts: int) -> None:
        t = tiers.of(tier)
        self.coin = coin
        self.tier = tier
        self.cascade = t.cascade_usd
        self.absorption = t.absorption_usd
        self.large = t.large_order_usd
        self.price = 0.0
        self.first_ts = ts
        self.last_ts = ts
        self.liq = LiquidationWindow(int(settings.stop_hunt.window_s * 1000))
        self.liq_minute = LiquidationWindow(LIQ_FLOW_MS)
        vs = settings.volume_spike
        self.trades = TradeWindow(int(settings.order_flow.window_s * 1000), int(vs.window_s * 1000))
        span_ms = int(vs.window_s * 1000 * (vs.baseline_windows + 1))
        # The spike baseline shares the order-flow window when their spans agree (the default).
        self.span = None if span_ms == self.trades.span else VolumeWindow(span_ms)
        self.episode: stop_hunt.Episode | None = None
        self.flow: str | None = None  # active order-flow episode type
        self.whale: str | None = None
        self.spike = False
        # [minute, close, buy, sell, liq_long, liq_short]: the current minute a list, older ones tuples
        self.bars: deque[list | tuple] = deque(maxlen=BARS_KEPT)
        self.bar: list = [ts - ts % MINUTE, 0.0, 0.0, 0.0, 0.0, 0.0]
        self.bars.append(self.bar)
        self.signals: deque[Signal] = deque(maxlen=RECENT_SIGNALS_PER_COIN)
        self.context = CoinContext(settings.context.keep_snapshots)
        self.funding_arm = FundingArm()

    def bar_at(self, ts: int) -> list:
        minute = ts - ts % MINUTE
        bar = self.bar
        if minute > bar[0]:
            self.bars[-1] = tuple(bar)  # a finished minute never changes (and a tuple costs the GC nothing)
            bar = [minute, bar[1], 0.0, 0.0, 0.0, 0.0]
            self.bars.append(bar)
            self.bar = bar
        return bar


class Engine:
    def __init__(self, settings: Settings, run_id: str = "") -> None:
        self.settings = settings
        self.run_id = run_id
        self.tiers = Tiers(settings.tiers)
        self.coins: dict[str, CoinState] = {}
        self.now_ms = 0
        self.warm_from = 0  # first event time after the start or after a gap: windows fill from here
        vs = settings.volume_spike
        self.spike_span = int(vs.window_s * 1000 * (vs.baseline_windows + 1))
        self.events = 0
        self.gate = Gate(settings.gate)
        self.confidence = ConfidenceBook(settings.outcomes.horizon_s)
        self.outcomes = OutcomeBook(settings.outcomes)
        self.outcome_stats = OutcomeStats()
        tape = max(settings.ui.tape_max_lines, 1)
        self.tape: deque[Liquidation | Trade] = deque(maxlen=tape)
        self.tape_seq = 0
        self.signals: deque[Signal] = deque(maxlen=max(settings.ui.feed_max_lines, 1))
        self.signals_seq = 0
        self.emitted = 0
        self.new_coin_listeners: list = []  # called with a coin seen for the first time

    # ------------------------------------------------------------------ events

    def process(self, event: Event) -> list[Signal]:
        """One event → the signals it created or changed (often none)."""
        self.events += 1
        if event.ts > self.now_ms:
            if event.ts - self.now_ms >= GAP_MS:
                self.warm_from = event.ts  # the start, or data after a gap: windows must fill again
            self.now_ms = event.ts
        cls = event.__class__
        if cls is Trade:
            out = self._trade(event)  # type: ignore[arg-type]
        elif cls is Liquidation:
            out = self._liquidation(event)  # type: ignore[arg-type]
        elif cls is Context:
            out = self._context(event)  # type: ignore[arg-type]
        else:
            return _NONE
        if self.now_ms >= self.outcomes.next_deadline:
            out = self._resolve_outcomes(out)
        return out

    def _coin(self, coin: str, ts: int) -> CoinState:
        state = self.coins.get(coin)
        if state is None:
            state = self.coins[coin] = CoinState(coin, self.tiers.tier(coin), self.settings, self.tiers, ts)
            for listener in self.new_coin_listeners:
                listener(coin)
        return state

    def _trade(self, ev: Trade) -> list[Signal]:
        st = self.coins.get(ev.coin) or self._coin(ev.coin, ev.ts)
        now = self.now_ms
        ts, usd, price = ev.ts, ev.usd, ev.price
        is_buy = ev.side == BUY
        large = usd >= st.large
        st.price = price
        st.last_ts = ts
        st.trades.add(ts, usd, is_buy, large, ev.venue, now)
        if st.span is not None:
            st.span.add(ts, usd, is_buy, now)
        bar = st.bar if ts - st.bar[0] < MINUTE else st.bar_at(ts)
        bar[1] = price
        if is_buy:
            bar[2] += usd
        else:
            bar[3] += usd
        if large:
            self.tape.append(ev)
            self.tape_seq += 1
        out = _NONE
        episode = st.episode
        if episode is not None and stop_hunt.add_trade(episode, ts, usd, is_buy, self.settings.stop_hunt):
            out = self._episode_changed(st, episode, out)
        out = self._flow_detectors(st, out)
        if ev.coin in self.outcomes.by_coin:
            self.outcomes.on_price(ev.coin, ts, price)
        return out

    def _liquidation(self, ev: Liquidation) -> list[Signal]:
        st = self.coins.get(ev.coin) or self._coin(ev.coin, ev.ts)
        now = self.now_ms
        is_long = ev.side == LONG
        price = ev.price
        if price > 0:  # a liquidation's (average) fill price is a market price too
            st.price = price
        bar = st.bar if ev.ts - st.bar[0] < MINUTE else st.bar_at(ev.ts)
        if price > 0:
            bar[1] = price
        if is_long:
            bar[4] += ev.usd
        else:
            bar[5] += ev.usd
        self.tape.append(ev)
        self.tape_seq += 1
        st.liq_minute.add(ev.ts, ev.usd, is_long, ev.price, now)
        window = st.liq
        window.advance(now)
        episode = st.episode
        if episode is not None and stop_hunt.finished(episode, window, now, self.settings.stop_hunt):
            st.episode = episode = None
        window.add(ev.ts, ev.usd, is_long, ev.price, now)
        out = _NONE
        if episode is not None and stop_hunt.swept_back(episode, window):
            st.episode = episode = None
        if episode is not None:
            stop_hunt.add_liquidation(episode, ev.usd, is_long, ev.price)
            out = self._episode_changed(st, episode, out)
        elif window.total >= st.cascade:
            out = self._stop_hunt_triggered(st, now)
        if price > 0 and ev.coin in self.outcomes.by_coin:
            self.outcomes.on_price(ev.coin, ev.ts, price)
        return out

    def _context(self, ev: Context) -> list[Signal]:
        st = self.coins.get(ev.coin) or self._coin(ev.coin, ev.ts)
        if ev.price:  # a mark price
            st.price = ev.price
            if ev.coin in self.outcomes.by_coin:
                self.outcomes.on_price(ev.coin, ev.ts, ev.price)
        if ev.oi_usd is not None:
            st.context.add_oi(ev.venue, ev.ts, ev.oi_usd)
        if ev.funding is None or not st.context.add_funding(ev.venue, ev.ts, ev.funding):
            return _NONE
        rate = st.context.funding_rate()
        if rate is None or not st.funding_arm.check(rate, self.settings.funding):
            return _NONE
        oi_change = st.context.oi_change(int(self.settings.context.oi_window_s * 1000))
        return self._candidate(st, FUNDING_EXTREME, None,
                               funding_extreme.strength(rate, self.settings.funding),
                               funding_extreme.metrics(rate, oi_change), _NONE)

    # ------------------------------------------------------------------ detectors

    def _stop_hunt_triggered(self, st: CoinState, now: int) -> list[Signal]:
        s = self.settings.stop_hunt
        episode = stop_hunt.start(st.liq, st.trades, now, st.cascade, st.absorption, s)
        st.episode = episode
        base = stop_hunt.strength(episode)
        entry, stop, target = stop_hunt.levels(episode, s)
        signal = self._new_signal(st, STOP_HUNT, episode.direction, base, stop_hunt.metrics(episode),
                                  entry, stop, target)
        episode.reported_usd = episode.total
        out, carrier = self._admit(st, signal, _NONE)
        episode.signal = carrier or signal
        episode.emitted = carrier is not None
        return out

    def _episode_changed(self, st: CoinState, episode: stop_hunt.Episode, out: list[Signal]) -> list[Signal]:
        """The cascade grew or absorption arrived: update the signal, not a new one.

        Updates are handed out when the strength moves ``UPDATE_POINTS``, the absorption upgrade
        happens, or the cascade grew by ``UPDATE_GROWTH``: enough for an alert edited in place,
        not one update per liquidation."""
        signal = episode.signal
        if signal is None:
            return out
        base = stop_hunt.strength(episode)
        upgraded = episode.absorbed and not signal.metrics.get("absorbed")
        grew = episode.total >= episode.reported_usd * UPDATE_GROWTH
        if abs(base - signal.base_strength) < UPDATE_POINTS and not upgraded and not grew:
            return out
        episode.reported_usd = episode.total
        # What merged into the signal stays; the cascade's own figures are replaced.
        signal.metrics = {**signal.metrics, **stop_hunt.metrics(episode)}
        if not episode.emitted:
            if base <= signal.base_strength:
                return out
            signal.base_strength = base
            out, carrier = self._admit(st, signal, out)
            if carrier is not None:
                episode.signal, episode.emitted = carrier, True
            return out
        signal.base_strength = base
        self._finish(st, signal)
        return self._changed(signal, "update", out)

    def _flow_detectors(self, st: CoinState, out: list[Signal]) -> list[Signal]:
        """Order flow, whales and volume spikes speak only once their windows have seen their whole
        span of data since the start or the last gap (warm-up): a window that began filling a
        minute ago holds a minute's trades, not five."""
        settings = self.settings
        w = st.trades
        warm = self.now_ms - self.warm_from
        if warm < w.span:
            return out
        flow = order_flow.detect(w, settings.order_flow)
        if flow is None:
            st.flow = None
        elif flow[0] != st.flow:
            st.flow = flow[0]
            out = self._candidate(st, flow[0], flow[1], order_flow.strength(w, flow[1], st.cascade),
                                  order_flow.metrics(w), out)
        lean = whale.detect(w, settings.whale)
        if lean is None:
            st.whale = None
        elif lean[0] != st.whale:
            st.whale = lean[0]
            out = self._candidate(st, lean[0], lean[1], whale.strength(lean[2]),
                                  whale.metrics(w, lean[2]), out)
        vs = settings.volume_spike
        span_usd = w.total if st.span is None else st.span.usd
        ratio = None
        if warm >= self.spike_span and st.last_ts - st.first_ts >= self.spike_span:
            ratio = volume_spike.detect(w.recent_usd, span_usd, vs.baseline_windows, vs.ratio,
                                        vs.min_cascade_fraction * st.cascade)
        if ratio is None:
            st.spike = False
        elif not st.spike:
            st.spike = True
            out = self._candidate(st, VOLUME_SPIKE,
                                  volume_spike.direction(w.recent_buy_usd, w.recent_usd, vs.dominant_share),
                                  volume_spike.strength(ratio),
                                  volume_spike.metrics(ratio, w.recent_usd, w.recent_buy_usd, span_usd,
                                                       vs.baseline_windows), out)
        return out

    # ------------------------------------------------------------------ signal path

    def _new_signal(self, st: CoinState, signal_type: str, direction: str | None, base: float,
                    metrics: dict, entry: float | None = None, stop: float | None = None,
                    target: float | None = None) -> Signal:
        now = self.now_ms
        if direction is not None and entry is None and st.price > 0:
            entry = st.price
            risk = entry * self.settings.outcomes.default_stop_pct
            reward = self.settings.stop_hunt.reward_risk * risk
            stop, target = (entry - risk, entry + reward) if direction == LONG else (entry + risk, entry - reward)
        return Signal(
            id=f"{self.run_id}{now}-{st.coin}-{signal_type}", ts=now, coin=st.coin, tier=st.tier,
            type=signal_type, direction=direction, strength=base, base_strength=base,
            metrics=metrics, entry=entry, stop=stop, target=target, updated_ts=now,
        )

    def _candidate(self, st: CoinState, signal_type: str, direction: str | None, base: float,
                   metrics: dict, out: list[Signal]) -> list[Signal]:
        signal = self._new_signal(st, signal_type, direction, base, metrics)
        return self._admit(st, signal, out)[0]

    def _admit(self, st: CoinState, signal: Signal, out: list[Signal]) -> tuple[list[Signal], Signal | None]:
        """Merge into an agreeing signal, or pass the gate and be emitted.

        Returns the new output and the emitted signal now carrying this candidate (itself, the
        signal it merged into, or None when the gate dropped it)."""
        target = self._merge_target(st, signal)
        if target is not None:
            if signal.type == STOP_HUNT:
                self._promote(target, signal)
            else:
                target.merged.append(signal.type)
                target.metrics.setdefault("merged", {})[signal.type] = round(signal.base_strength, 2)
            self._finish(st, target)
            return self._changed(target, "update", out), target
        if not self.gate.admit((st.coin, signal.type, signal.direction), signal.base_strength, self.now_ms):
            return out, None
        self._finish(st, signal)
        self._estimate(signal)
        self.emitted += 1
        st.signals.append(signal)
        self.signals.append(signal)
        self.signals_seq += 1
        if signal.direction is not None and signal.entry and signal.stop and signal.target:
            self.outcomes.track(signal)
        return ([signal] if out is _NONE else [*out, signal]), signal

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

    def _merge_target(self, st: CoinState, signal: Signal) -> Signal | None:
        if signal.type == FUNDING_EXTREME:
            return None
        lean = self._lean(signal)
        family = signal.type == STOP_HUNT
        window = self.settings.merge.window_s * 1000
        for other in reversed(st.signals):
            if self.now_ms - other.ts > window:
                break
            if (other.type != FUNDING_EXTREME and (other.type == STOP_HUNT) != family
                    and self._lean(other) == lean and signal.type not in other.merged):
                return other
        return None

    @staticmethod
    def _lean(signal: Signal) -> str | None:
        if signal.direction is None and signal.type == VOLUME_SPIKE:
            return LONG if signal.metrics.get("dominant_side") == BUY else SHORT
        return signal.direction

    def _estimate(self, signal: Signal) -> None:
        """The signal's confidence from the outcomes of its class resolved until now
        (engine/signals/confidence.py); read at emission and when a merge changes its class."""
        if signal.direction is None:
            signal.confidence, signal.confidence_n = None, 0
        else:
            signal.confidence, signal.confidence_n = self.confidence.estimate(signal.type, signal.tier)

    def _finish(self, st: CoinState, signal: Signal) -> None:
        """Merge bonus → market context → priority."""
        peak = max([signal.base_strength, *signal.metrics.get("merged", {}).values()])
        if signal.merged:
            m = self.settings.merge
            peak = min(peak + min(m.bonus_fraction * peak, m.bonus_max), 99.0)
        cs = self.settings.context
        signal.context = context_filter.assess(
            st.context.funding_rate(), st.context.oi_change(int(cs.oi_window_s * 1000)),
            signal.direction, cs)
        signal.blocked = context_filter.blocked(signal.context, cs.mode)
        signal.strength = max(0.0, min(99.0, peak + signal.context.adjustment))
        a = self.settings.alerts
        hunt = signal.metrics if signal.type == STOP_HUNT else {}
        absorbed = hunt.get("absorbed", False)
        # A large cascade is URGENT whatever its strength: the alert budget never holds URGENT.
        large = (hunt.get("volume_ratio") or 0.0) >= a.urgent_cascade_ratio
        if signal.strength >= a.urgent_confidence or absorbed or large:
            signal.priority = "URGENT"
        elif signal.strength >= a.watch_confidence:
            signal.priority = "WATCH"
        else:
            signal.priority = "INFO"

    def _changed(self, signal: Signal, change: str, out: list[Signal]) -> list[Signal]:
        signal.change = change
        signal.revision += 1
        signal.updated_ts = self.now_ms
        if any(s is signal for s in out):
            return out
        return [signal] if out is _NONE else [*out, signal]

    def _resolve_outcomes(self, out: list[Signal]) -> list[Signal]:
        for signal in self.outcomes.due(self.now_ms):
            if not signal.outcome.done:  # the horizon: the result is final now
                self.confidence.record(signal)
                self.outcome_stats.record(signal)
            out = self._changed(signal, "outcome", out)
        return out

    def end_of_data(self) -> list[Signal]:
        """A recording ended: resolve every open outcome with what was seen (see outcomes.py)."""
        out: list[Signal] = _NONE
        for signal, decided_now in self.outcomes.close_all():
            if decided_now:
                self.confidence.record(signal)
                self.outcome_stats.record(signal)
            out = self._changed(signal, "outcome", out)
        return out

    # ------------------------------------------------------------------ reading

    def snapshot(self) -> EngineSnapshot:
        flows = [self._flow(st) for st in self.coins.values()]
        return EngineSnapshot(
            now_ms=self.now_ms, events=self.events, coins=flows, tape=list(self.tape),
            tape_seq=self.tape_seq, signals=list(self.signals), signals_seq=self.signals_seq,
            gate_drops=dict(self.gate.drops),
        )

    def _flow(self, st: CoinState) -> CoinFlow:
        now = self.now_ms
        w = st.trades
        w.advance(now)
        st.liq_minute.advance(now)
        total = w.total
        bars = list(st.bars)[-SPARK_BARS:]
        return CoinFlow(
            coin=st.coin, tier=st.tier, price=st.price, buy_usd=w.buy_usd, sell_usd=w.sell_usd,
            buy_ratio=w.buy_usd / total if total > 0 else None, large_buys=w.large_buys,
            large_sells=w.large_sells, delta_usd=w.buy_usd - w.sell_usd, trades=w.count,
            liq_long_1m=st.liq_minute.long_usd, liq_short_1m=st.liq_minute.short_usd,
            funding=st.context.funding_rate(),
            oi_change=st.context.oi_change(int(self.settings.context.oi_window_s * 1000)),
            activity=total + st.liq_minute.total, spark=[b[2] - b[3] for b in bars], last_ts=st.last_ts,
        )

    def coin_detail(self, coin: str) -> CoinDetail:
        st = self.coins.get(coin.upper())
        if st is None:
            return CoinDetail(coin.upper(), self.tiers.tier(coin.upper()), [], None, [], {})
        bars = [MinuteBar(*b) for b in st.bars]
        return CoinDetail(st.coin, st.tier, bars, self._flow(st), list(st.signals), st.trades.by_venue())

    def stats(self) -> dict:
        return self.outcome_stats.summary()

    def export_state(self) -> dict:
        return {"confidence": self.confidence.export_state(), "outcomes": self.outcome_stats.export_state()}

    def load_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s data (an earlier version's ``scorer`` is ignored)."""
        self.confidence.load_state(state.get("confidence") or {})
        self.outcome_stats.load_state(state.get("outcomes") or {})
