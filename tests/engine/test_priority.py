"""Gate and priority on what they can know (issue 17, item 2): the gate on strength; URGENT only for
a stop hunt of alerts.urgent_cascade_ratio x its threshold or a class measured credibly above its
random-moment baseline; WATCH and INFO by strength; gate.min_confidence alerts measured classes only."""

from __future__ import annotations

import pytest
from builders import Run, liq, settings, trade

from engine.alerts.policy import AlertPolicy
from engine.coins import CoinRegistry
from engine.model import ACCUMULATION, BUY, LONG, SELL, SHORT, STOP_HUNT
from engine.signals.baseline import EVERY_S, BaselineBook
from fakes.signals import sample


def _accumulation(run, coin="SOL", t0=0.0):
    run.feed(*[trade(t0 + i, coin, BUY, 10_000) for i in range(10)])
    run.feed(trade(t0 + 10, coin, SELL, 10_000))  # strength 90: URGENT by the old >= 85
    return [s for s in run.of_type(ACCUMULATION) if s.coin == coin][-1]


class TestUrgent:
    def test_a_stop_hunt_of_three_times_its_threshold_is_urgent(self):
        run = Run()
        run.feed(liq(0, "FET", LONG, 149_000))  # 2.98 x $50k
        run.feed(liq(0, "SNX", LONG, 150_000))  # 3 x
        fet, snx = run.of_type(STOP_HUNT)
        assert fet.priority != "URGENT" and snx.priority == "URGENT"

    def test_strength_alone_is_not_urgent(self):
        run = Run()
        signal = _accumulation(run)
        assert signal.strength == 90 and signal.priority == "WATCH"

    def test_a_class_measured_credibly_above_its_baseline_is_urgent(self):
        run = Run()
        run.engine.load_state({"confidence": {"ACCUMULATION/2": [40, 50]},  # Beta(41, 11): 5th pct 69 %
                               "baseline": {"classes": {"ACCUMULATION/2": [25.0, 50]}}})  # 50 %
        assert _accumulation(run).priority == "URGENT"

    @pytest.mark.parametrize(("hits", "n", "baseline"), [
        (40, 50, 0.65),  # 5th percentile 69 %: not 5 points over 65 %
        (22, 25, 0.5),  # too few outcomes (n 25 < 30), however good
    ])
    def test_not_credibly_above_or_not_measured_enough_is_not_urgent(self, hits, n, baseline):
        run = Run()
        run.engine.load_state({"confidence": {"ACCUMULATION/2": [hits, n]},
                               "baseline": {"classes": {"ACCUMULATION/2": [baseline * n, n]}}})
        assert _accumulation(run).priority == "WATCH"

    def test_no_baseline_known_no_urgent(self):
        run = Run()
        run.engine.load_state({"confidence": {"ACCUMULATION/2": [45, 50]}})
        assert _accumulation(run).priority == "WATCH"


class TestBaseline:
    def test_random_moments_are_the_coins_own_and_resolve_at_the_horizon(self):
        book = BaselineBook(900)
        cm = book.coin("SOL")
        price, t, checks = 100.0, 0, 0
        while t < 6 * 3600 * 1000:
            price *= 1.0001  # always up: a LONG is always right, a SHORT never
            if t >= cm.next_check:
                book.check(cm, t, price)
                checks += 1
            t += 5_000
        assert book.rate("SOL", LONG) == 1.0 and book.rate("SOL", SHORT) == 0.0
        assert 6 * 3600 / EVERY_S * 0.6 < cm.n < 6 * 3600 / EVERY_S * 1.4  # about one per EVERY_S
        again = BaselineBook(900)
        cm2 = again.coin("SOL")
        t = 0
        while t < 6 * 3600 * 1000:
            if t >= cm2.next_check:
                again.check(cm2, t, 100.0)
            t += 5_000
        assert cm2.k == cm.k  # the same moments, whatever the prices

    def test_a_class_baseline_is_matched_to_its_signals_coins_and_directions(self):
        book = BaselineBook(900)
        book.load_state({"coins": {"SOL": [10, 7, 3], "ETH": [10, 2, 8]}})
        book.record(sample(ACCUMULATION, LONG, "SOL", tier=2))  # 70 % for a LONG on SOL
        book.record(sample(ACCUMULATION, SHORT, "ETH", tier=2))  # 80 % for a SHORT on ETH
        book.record(sample(ACCUMULATION, LONG, "DOGE", tier=2))  # no moments yet: not counted
        assert book.of_class(ACCUMULATION, 2) == (pytest.approx(0.75), 2)

    def test_the_baseline_is_engine_state(self):
        run = Run()
        run.feed(*[trade(i * 60, "SOL", BUY, 100, price=100 + i) for i in range(40)])
        state = run.engine.export_state()["baseline"]
        assert state["coins"]["SOL"][0] > 0
        fresh = Run()
        fresh.engine.load_state({"baseline": state})
        assert fresh.engine.export_state()["baseline"] == state
        with pytest.raises(ValueError):
            fresh.engine.load_state({"baseline": {"coins": {"SOL": [1, 2, 0]}}})


class TestMinConfidence:
    def _policy(self, min_confidence):
        s = settings(gate={"min_strength": 70, "min_confidence": min_confidence})
        return AlertPolicy(s.alerts, CoinRegistry(["BTC"], new_coins_alert=False), lambda: False, gate=s.gate)

    def test_off_by_default(self):
        assert self._policy(0).decide(sample(STOP_HUNT, LONG, "BTC"), 0) == "sent"

    def test_only_measured_classes_alert(self):
        unmeasured = sample(STOP_HUNT, LONG, "BTC")
        unmeasured.confidence, unmeasured.confidence_n = 50.0, 0
        measured = sample(STOP_HUNT, LONG, "BTC")
        measured.confidence, measured.confidence_n = 58.0, 120
        assert self._policy(55).decide(unmeasured, 0) == "silent"
        assert self._policy(55).decide(measured, 0) == "sent"
        assert self._policy(55).decide(sample("FUNDING_EXTREME", None, "BTC"), 0) == "silent"
