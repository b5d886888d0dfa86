"""SPEC.md, "Signal path": merging, the gate, market context and modes."""

from __future__ import annotations

import pytest
from builders import T0, Run, context, liq, settings, trade

from engine.model import (
    ACCUMULATION, BUY, FAVORABLE, LONG, NEUTRAL, SELL, SHORT, STOP_HUNT, UNFAVORABLE, WHALE_ACCUMULATION,
)
from engine.settings import ContextSettings, GateSettings
from engine.signals import context_filter
from engine.signals.gate import Gate

MIN = 60_000


class TestMerge:
    def _accumulation(self, run):
        run.feed(*[trade(i, "BTC", BUY, 10_000, price=100) for i in range(7)])
        run.feed(*[trade(7 + i, "BTC", SELL, 10_000, price=100) for i in range(3)])
        (signal,) = run.of_type(ACCUMULATION)
        return signal

    def test_stop_hunt_agreeing_with_order_flow_within_60s_merges_with_a_bonus(self):
        """The merged signal is presented as the stop hunt (its id and message stay): a $3.2M
        short squeeze merged into whale flow is titled STOP HUNT, not WHALE DISTRIBUTION."""
        run = Run()
        flow = self._accumulation(run)  # base 70 at t=9
        run.feed(liq(60, "BTC", LONG, 2_000_000, price=99))  # stop hunt LONG, base 75
        assert [s.type for s in run.signals.values()] == [WHALE_ACCUMULATION, STOP_HUNT]
        assert flow.type == STOP_HUNT and flow.merged == [ACCUMULATION]
        assert flow.metrics["merged"] == {ACCUMULATION: 70} and flow.metrics["liquidated_usd"] == 2_000_000
        assert flow.metrics["accumulation"]["large_buys"] == 7  # the order flow's own figures stay
        assert flow.strength == pytest.approx(75 + 10)  # + min(0.15 x 75, 10)
        assert flow.change == "update" and flow.revision == 1

    def test_disagreeing_signals_stay_separate(self):
        run = Run()
        flow = self._accumulation(run)
        run.feed(liq(60, "BTC", SHORT, 2_000_000, price=101))
        (hunt,) = run.of_type(STOP_HUNT)
        assert hunt.direction == SHORT and flow.merged == []

    def test_signals_more_than_60s_apart_stay_separate(self):
        run = Run()
        self._accumulation(run)
        run.feed(liq(70, "BTC", LONG, 2_000_000, price=99))
        assert len(run.of_type(STOP_HUNT)) == 1

    def test_a_cascade_growing_after_the_merge_updates_the_merged_signal(self):
        run = Run()
        flow = self._accumulation(run)
        run.feed(liq(60, "BTC", LONG, 2_000_000, price=99))
        run.feed(*[liq(61 + i, "BTC", LONG, 380_000, price=98) for i in range(5)])  # under 2x: no escalation
        assert flow.metrics["liquidated_usd"] == 3_900_000
        assert flow.base_strength == 50 + 15 + 15  # ratio 1.95: +15, share 1: +15
        assert flow.metrics["merged"] == {ACCUMULATION: 70} and len(run.of_type(STOP_HUNT)) == 1


class TestGate:
    KEY = ("BTC", STOP_HUNT, LONG)

    def test_minimum_strength(self):
        gate = Gate(settings().gate)
        assert gate.check(self.KEY, 69.99, T0) == "strength"
        assert gate.check(self.KEY, 70.0, T0) is None

    def test_cooldown_per_coin_type_and_direction(self):
        gate = Gate(settings().gate)
        assert gate.admit(self.KEY, 80, T0)
        assert gate.check(self.KEY, 90, T0 + 5 * MIN - 1) == "cooldown"
        assert gate.check(self.KEY, 90, T0 + 5 * MIN) is None
        assert gate.check(("BTC", STOP_HUNT, SHORT), 80, T0 + 1) is None
        assert gate.check(("ETH", STOP_HUNT, LONG), 80, T0 + 1) is None

    def test_duplicate_in_the_same_five_point_band_within_ten_minutes(self):
        gate = Gate(settings().gate)
        assert gate.admit(self.KEY, 80.0, T0)  # band 80-84.99
        assert gate.check(self.KEY, 84.99, T0 + 6 * MIN) == "duplicate"
        assert gate.check(self.KEY, 85.0, T0 + 6 * MIN) is None
        assert gate.check(self.KEY, 79.99, T0 + 6 * MIN) is None
        assert gate.check(self.KEY, 84.99, T0 + 10 * MIN) is None

    def test_no_hourly_cap_in_the_engine_the_budget_is_the_alert_policys(self):
        """Hundreds of coins' signals in one hour all pass: the hourly quota is an alert budget
        (engine/alerts/policy.py) that counts what goes to Telegram, not what the UI shows."""
        gate = Gate(settings().gate)
        assert all(gate.admit((f"C{i}", STOP_HUNT, LONG), 80, T0 + i) for i in range(500))
        for _ in range(5):
            assert not gate.admit(("C1", STOP_HUNT, LONG), 80, T0 + 1_000)
        assert gate.drops == {"strength": 0, "cooldown": 5, "duplicate": 0}


class TestContext:
    S = ContextSettings()

    @pytest.mark.parametrize(
        ("rate", "direction", "view"),
        [
            (0.00009, LONG, "neutral"), (-0.00009, SHORT, "neutral"),
            (0.00051, LONG, "caution"), (0.0005, LONG, "mild"), (-0.00051, SHORT, "caution"),
            (-0.0001, LONG, "favorable"), (0.0001, SHORT, "favorable"), (0.0002, LONG, "mild"),
            (None, LONG, "none"),
        ],
    )
    def test_funding_views(self, rate, direction, view):
        assert context_filter.funding_view(rate, direction, self.S) == view

    @pytest.mark.parametrize(
        ("change", "view"),
        [(0.0501, "squeeze"), (0.05, "confirming"), (0.0201, "confirming"), (0.02, "neutral"),
         (-0.01, "neutral"), (-0.0101, "weak"), (None, "none")],
    )
    def test_oi_views(self, change, view):
        assert context_filter.oi_view(change, self.S) == view

    @pytest.mark.parametrize(
        ("rate", "change", "assessment", "adjustment"),
        [
            (0.001, 0.03, UNFAVORABLE, -10),  # crowded longs beat everything
            (-0.0002, 0.03, FAVORABLE, 5),  # favourable funding, confirming OI
            (-0.0002, 0.0, FAVORABLE, 5),  # favourable funding, neutral OI
            (-0.0002, -0.02, NEUTRAL, 0),  # favourable funding, weak OI
            (-0.0002, 0.06, NEUTRAL, -3),  # favourable funding, squeeze risk
            (0.0, 0.03, NEUTRAL, 2),  # neutral funding, confirming OI
            (0.0, 0.06, NEUTRAL, -3),
            (0.0, 0.0, NEUTRAL, 0),
        ],
    )
    def test_assessment_for_a_long(self, rate, change, assessment, adjustment):
        ctx = context_filter.assess(rate, change, LONG, self.S)
        assert (ctx.assessment, ctx.adjustment) == (assessment, adjustment)

    @pytest.mark.parametrize(
        ("assessment_rate", "mode", "blocked"),
        [
            (-0.0002, "strict", False), (0.0, "strict", True), (0.001, "strict", True),
            (0.0, "normal", False), (0.001, "normal", True),
            (0.001, "permissive", False),
        ],
    )
    def test_modes(self, assessment_rate, mode, blocked):
        ctx = context_filter.assess(assessment_rate, 0.0, LONG, self.S)
        assert context_filter.blocked(ctx, mode) is blocked

    def test_no_context_yet_is_neutral_and_never_blocked(self):
        ctx = context_filter.assess(None, None, LONG, self.S)
        assert ctx.assessment == NEUTRAL and ctx.adjustment == 0
        assert not context_filter.blocked(ctx, "strict")

    def test_engine_marks_an_unfavorable_signal_blocked_but_still_emits_it(self):
        run = Run()
        run.feed(context(-1800, "FET", oi=1_000_000, funding=0.001), context(0, "FET", oi=1_010_000))
        run.feed(liq(1, "FET", LONG, 100_000))
        (signal,) = run.of_type(STOP_HUNT)
        assert signal.context.assessment == UNFAVORABLE and signal.blocked
        assert signal.strength == signal.base_strength - 10

    def test_engine_reads_oi_change_over_30_minutes_across_venues(self):
        run = Run(settings(context={"mode": "strict"}))
        run.feed(context(-1800, "FET", oi=1_000_000, venue="a"), context(0, "FET", oi=1_030_000, venue="a"))
        run.feed(context(-1800, "FET", oi=3_000_000, venue="b"), context(0, "FET", oi=3_090_000, venue="b"))
        run.feed(context(0, "FET", funding=-0.0003))
        run.feed(liq(1, "FET", LONG, 100_000))
        (signal,) = run.of_type(STOP_HUNT)
        assert signal.context.oi_change == pytest.approx(0.03)
        assert signal.context.assessment == FAVORABLE and not signal.blocked


class TestContextSources:
    def test_coinglass_aggregate_is_used_alone_when_present(self):
        run = Run()
        run.feed(context(-1800, "ETH", oi=1_000_000, funding=0.0002, venue="binance"),
                 context(0, "ETH", oi=1_100_000, funding=0.0004, venue="binance"))
        state = run.engine.markets["ETH"].context
        assert state.oi_change(1_800_000) == pytest.approx(0.10)
        run.feed(context(-1800, "ETH", oi=10_000_000, funding=0.0001, venue="coinglass"),
                 context(0, "ETH", oi=10_100_000, funding=0.0001, venue="coinglass"))
        assert state.oi_change(1_800_000) == pytest.approx(0.01)
        assert state.funding_rate() == pytest.approx(0.0001)
        assert state.oi_usd() == 10_100_000


def test_venue_trades_below_min_trade_usd_never_reach_the_engine():
    from engine.core import Engine
    from engine.pipeline import Pipeline

    pipeline = Pipeline(Engine(settings(feeds={"binance": {"min_trade_usd": 1000}})))
    small = '{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1761125802306,"s":"BTCUSDT","a":1,"p":"100","q":"5","f":1,"l":1,"T":1761125802306,"m":false}}'
    large = small.replace('"q":"5"', '"q":"10"')
    pipeline.feed("binance", "ws", "btcusdt@aggTrade", small, 1761125802306)
    pipeline.feed("binance", "ws", "btcusdt@aggTrade", large, 1761125802306)
    assert pipeline.engine.events == 1
