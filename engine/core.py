"""The engine: events in, signals out.  Synchronous, deterministic, O(1) amortised per event.

Time is event time: the engine's clock is the newest event time seen, and nothing here reads the
wall clock, so a recording replayed at any speed, in any batching, gives the same signals.

The engine is a dispatcher: each event updates its coin's shared market (engine/market.py: price,
trade windows, context), then goes to the detectors that take that kind of event
(engine/detect/, each with its own per-coin state), which propose candidates to the signal path
(engine/signals/path.py: merge, gate, context, priority, confidence, outcomes).  ``process``
returns the signals that are new or changed.  What the screen shows is kept beside it by
engine/read_model.py, fed by the same events.
"""

from __future__ import annotations

from engine.detect import detectors
from engine.detect.base import Detector
from engine.market import Market, WindowPlan
from engine.model import BUY, Context, Event, Liquidation, Signal, Trade
from engine.settings import Settings
from engine.signals.path import NONE, SignalPath
from engine.tiers import Tiers

# Warm-up: the event clock jumping this far is a gap (a feed outage, a recording's seam); the
# market streams together are never silent for two minutes while they work.
GAP_MS = 120_000


def _hooks(found: list[Detector], name: str) -> list:
    """The bound ``name`` hooks of the detectors that override it."""
    return [getattr(d, name) for d in found if getattr(type(d), name) is not getattr(Detector, name)]


def _trade_hooks(found: list[Detector]) -> list[tuple]:
    """``(warm_ms, on_trade)`` of the detectors that take trades."""
    return [(d.warm_ms, d.on_trade) for d in found if type(d).on_trade is not Detector.on_trade]


class Engine:
    def __init__(self, settings: Settings, run_id: str = "",
                 detector_classes: tuple[type[Detector], ...] | None = None) -> None:
        self.settings = settings
        self.tiers = Tiers(settings.tiers)
        self.path = SignalPath(settings, run_id)
        self.plan = WindowPlan()
        self.detectors = detectors(settings, self.plan, self.path, detector_classes)
        for detector in self.detectors:
            detector.bind(self.plan)
        self._trade_hooks = _trade_hooks(self.detectors)
        self._on_trade: list = []  # the trade hooks whose warm-up is over (Detector.warm_ms)
        self._rewarm_at = 0  # when the next one's warm-up ends
        self._on_liquidation = _hooks(self.detectors, "on_liquidation")
        self._on_context = _hooks(self.detectors, "on_context")
        self.markets: dict[str, Market] = {}
        self.events = 0
        self.new_coin_listeners: list = []  # called with a coin seen for the first time

    @property
    def now_ms(self) -> int:
        return self.path.now_ms

    @property
    def gate(self):
        return self.path.gate

    @property
    def confidence(self):
        return self.path.confidence

    # ------------------------------------------------------------------ events

    def process(self, event: Event) -> list[Signal]:
        """One event → the signals it created or changed (often none)."""
        self.events += 1
        path = self.path
        path.out = NONE
        if event.ts > path.now_ms:
            if event.ts - path.now_ms >= GAP_MS:
                path.warm_from = event.ts  # the start, or data after a gap: windows must fill again
                self._rewarm_at = 0
            path.now_ms = event.ts
            if event.ts >= self._rewarm_at:
                self._rewarm()
        m = self.markets.get(event.coin) or self._market(event)
        cls = event.__class__
        if cls is Trade:
            self._trade(m, event)  # type: ignore[arg-type]
        elif cls is Liquidation:
            self._liquidation(m, event)  # type: ignore[arg-type]
        elif cls is Context:
            self._context(m, event)  # type: ignore[arg-type]
        else:
            return NONE
        if path.now_ms >= path.outcomes.next_deadline:
            path.resolve_outcomes()
        return path.out

    def _rewarm(self) -> None:
        """The trade hooks to call: those whose detector's windows have filled since ``warm_from``."""
        path = self.path
        warm = path.now_ms - path.warm_from
        self._on_trade = [hook for need, hook in self._trade_hooks if warm >= need]
        pending = [need for need, _ in self._trade_hooks if warm < need]
        self._rewarm_at = path.warm_from + min(pending) if pending else 1 << 62

    def _market(self, event: Event) -> Market:
        coin = event.coin
        m = self.markets[coin] = Market(coin, self.tiers.tier(coin), self.tiers, self.plan,
                                        self.settings.context.keep_snapshots, event.ts,
                                        self.path.baseline.coin(coin))
        for listener in self.new_coin_listeners:
            listener(coin)
        return m

    def _trade(self, m: Market, ev: Trade) -> None:
        ts, usd, price = ev.ts, ev.usd, ev.price
        m.price = price
        m.last_ts = ts
        now = self.path.now_ms
        is_buy = ev.side == BUY
        large = usd >= m.large
        trades = m.trades
        if len(trades) == 1:  # the default: every detector reads the same window
            trades[0].add(ts, usd, is_buy, large, ev.venue, now)
        else:
            for window in trades:
                window.add(ts, usd, is_buy, large, ev.venue, now)
        for hook in self._on_trade:
            hook(m, ev)
        path = self.path
        if ev.coin in path.outcomes.by_coin:
            path.outcomes.on_price(ev.coin, ts, price)
        if ts >= m.moments.next_check:
            path.baseline.check(m.moments, ts, price)

    def _liquidation(self, m: Market, ev: Liquidation) -> None:
        if ev.price > 0:  # a liquidation's (average) fill price is a market price too
            m.price = ev.price
        for hook in self._on_liquidation:
            hook(m, ev)
        if ev.price > 0:
            path = self.path
            if ev.coin in path.outcomes.by_coin:
                path.outcomes.on_price(ev.coin, ev.ts, ev.price)
            if ev.ts >= m.moments.next_check:
                path.baseline.check(m.moments, ev.ts, ev.price)

    def _context(self, m: Market, ev: Context) -> None:
        if ev.price:  # a mark price
            m.price = ev.price
            path = self.path
            if ev.coin in path.outcomes.by_coin:
                path.outcomes.on_price(ev.coin, ev.ts, ev.price)
            if ev.ts >= m.moments.next_check:
                path.baseline.check(m.moments, ev.ts, ev.price)
        if ev.oi_usd is not None:
            m.context.add_oi(ev.venue, ev.ts, ev.oi_usd)
        if ev.funding is None or not m.context.add_funding(ev.venue, ev.ts, ev.funding):
            return
        for hook in self._on_context:
            hook(m, ev)

    def end_of_data(self) -> list[Signal]:
        """A recording ended: resolve every open outcome with what was seen (see outcomes.py)."""
        self.path.out = NONE
        self.path.close_outcomes()
        return self.path.out

    # ------------------------------------------------------------------ state

    def stats(self) -> dict:
        return self.path.outcome_stats.summary()

    def export_state(self) -> dict:
        return {"confidence": self.path.confidence.export_state(),
                "baseline": self.path.baseline.export_state(),
                "outcomes": self.path.outcome_stats.export_state()}

    def load_state(self, state: dict) -> None:
        """Restore :meth:`export_state`'s data (an earlier version's ``scorer`` is ignored)."""
        self.path.confidence.load_state(state.get("confidence") or {})
        self.path.baseline.load_state(state.get("baseline") or {})
        self.path.outcome_stats.load_state(state.get("outcomes") or {})
        for coin, m in self.markets.items():
            m.moments = self.path.baseline.coin(coin)
