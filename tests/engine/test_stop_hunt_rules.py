"""SPEC.md, "Stop hunt (liquidation cascade)": thresholds per tier, direction, absorption, levels."""

from __future__ import annotations

import pytest
from builders import Run, liq, trade

from engine.detect import stop_hunt
from engine.model import BUY, LONG, SELL, SHORT, STOP_HUNT
from engine.settings import StopHuntSettings


@pytest.mark.parametrize(
    ("coin", "threshold"),
    [("BTC", 2_000_000), ("ETH", 2_000_000), ("SOL", 200_000), ("SUI", 200_000), ("FET", 50_000)],
)
def test_cascade_triggers_at_the_tier_threshold_not_a_dollar_before(coin, threshold):
    run = Run()
    run.feed(liq(0, coin, LONG, threshold / 2), liq(10, coin, LONG, threshold / 2 - 1))
    assert run.of_type(STOP_HUNT) == []
    run.feed(liq(20, coin, LONG, 1))
    (signal,) = run.of_type(STOP_HUNT)
    assert signal.coin == coin and signal.direction == LONG
    assert signal.metrics["threshold_usd"] == threshold


def test_liquidations_older_than_the_window_do_not_count():
    run = Run()
    run.feed(liq(0, "FET", LONG, 30_000), liq(30.001, "FET", LONG, 30_000))
    assert run.of_type(STOP_HUNT) == []


def test_short_liquidations_dominating_give_a_short_signal():
    run = Run()
    run.feed(liq(0, "FET", SHORT, 45_000), liq(1, "FET", LONG, 5_000))
    (signal,) = run.of_type(STOP_HUNT)
    assert signal.direction == SHORT
    assert signal.metrics["directional_share"] == pytest.approx(0.9)


def test_one_signal_per_episode_updated_as_the_cascade_grows():
    run = Run()
    run.feed(liq(0, "FET", LONG, 50_000))
    run.feed(*[liq(1 + i, "FET", LONG, 15_000) for i in range(3)])  # to $95k: under 2x, no escalation
    (signal,) = run.of_type(STOP_HUNT)
    assert signal.metrics["liquidated_usd"] == 95_000
    assert signal.metrics["liquidations"] == 4
    assert [c for _, c, _ in run.changes][0] == "new"
    assert {c for _, c, _ in run.changes[1:]} == {"update"}


def test_a_cascade_the_other_way_is_a_stop_hunt_of_its_own_not_the_open_one_growing():
    """A long flush in the middle of a still-running short squeeze is a LONG stop hunt of its own,
    not the squeeze grown; within the merge window the stronger of the two is the coin's one view
    (issue 17) and the other is listed against it."""
    run = Run()
    run.feed(*[liq(i, "FET", SHORT, 20_000) for i in range(5)])  # a SHORT episode opens: $100k
    run.feed(*[liq(10 + i, "FET", LONG, 20_000) for i in range(3)])  # $60k of longs: 38 % of the window
    assert [s.direction for s in run.of_type(STOP_HUNT)] == [SHORT]
    run.feed(*[liq(13 + i, "FET", LONG, 20_000) for i in range(8)])  # $220k of longs: 69 %
    (view,) = run.of_type(STOP_HUNT)
    assert view.direction == SHORT and view.metrics["against"][STOP_HUNT]["direction"] == LONG  # weaker so far
    run.feed(*[liq(21 + i, "FET", LONG, 20_000) for i in range(10)])  # the flush grows stronger: the view
    (view,) = run.of_type(STOP_HUNT)
    assert view.direction == LONG and view.metrics["against"][STOP_HUNT]["direction"] == SHORT
    assert view.metrics["long_liquidated_usd"] == 420_000  # the flush's own episode: its window and growth


def test_two_sided_churn_above_the_threshold_does_not_flip_the_episode():
    run = Run()
    run.feed(liq(0, "FET", SHORT, 60_000))  # a SHORT episode
    run.feed(*[liq(1 + i, "FET", LONG if i % 2 else SHORT, 30_000 + 15_000 * (i % 2)) for i in range(12)])
    assert {s.direction for s in run.of_type(STOP_HUNT)} == {SHORT}  # longs lead at times, never 2/3


def test_a_new_episode_starts_after_the_window_calms_down():
    run = Run()
    run.feed(liq(0, "FET", LONG, 60_000))
    run.feed(liq(100, "FET", LONG, 60_000))  # window fell under threshold and absorption closed
    assert len(run.of_type(STOP_HUNT)) == 1  # the second is in the 5-minute cooldown
    assert run.engine.gate.drops["cooldown"] == 1
    run.feed(liq(400, "FET", LONG, 60_000))  # same confidence band within 10 minutes
    assert run.engine.gate.drops["duplicate"] == 1
    run.feed(liq(700, "FET", LONG, 60_000))
    assert len(run.of_type(STOP_HUNT)) == 2


def test_absorption_upgrades_the_signal_in_place():
    """Taker buys after a long flush, each >= $5,000, until 30 s after the trigger."""
    run = Run()
    run.feed(trade(-5, "FET", BUY, 4_999))  # too small to count
    run.feed(liq(0, "FET", LONG, 50_000))
    (signal,) = run.of_type(STOP_HUNT)
    assert signal.metrics["absorbed"] is False
    run.feed(trade(10, "FET", SELL, 20_000))  # with the sweep, not against it
    run.feed(trade(31, "FET", BUY, 20_000))  # after the absorption window
    assert signal.metrics["absorption_usd"] == 0
    run.feed(trade(29, "FET", BUY, 5_000))
    assert signal.metrics["absorbed"] is True
    assert signal.priority == "WATCH"  # stronger; URGENT is for large cascades and measured classes (issue 17)
    assert len(run.of_type(STOP_HUNT)) == 1
    assert run.changes[-1] == (signal.id, "update", signal.revision)


def test_trades_before_the_trigger_within_the_window_count_as_absorption():
    run = Run()
    run.feed(trade(-40, "FET", BUY, 6_000))  # before the window's start
    run.feed(trade(-20, "FET", BUY, 6_000))
    run.feed(liq(0, "FET", LONG, 50_000))
    (signal,) = run.of_type(STOP_HUNT)
    assert signal.metrics["absorption_usd"] == 6_000
    assert signal.metrics["absorbed"] is True


def _episode(direction, low, high, total=100_000.0, absorbed=0.0, count=1, share=1.0):
    long_usd = total * share if direction == LONG else total * (1 - share)
    return stop_hunt.Episode(0, 0, direction, long_usd, total - long_usd, count, low, high, absorbed,
                             False, 50_000.0, 5_000.0)


def test_long_levels_from_the_liquidation_zone():
    entry, stop, target = stop_hunt.levels(_episode(LONG, 90.0, 100.0), StopHuntSettings())
    assert (entry, stop, target) == pytest.approx((100.0, 87.0, 126.0))


def test_short_levels_mirror_the_long_ones():
    entry, stop, target = stop_hunt.levels(_episode(SHORT, 90.0, 100.0), StopHuntSettings())
    assert (entry, stop, target) == pytest.approx((90.0, 103.0, 64.0))


def test_a_zero_width_zone_uses_half_a_percent_of_price():
    entry, stop, target = stop_hunt.levels(_episode(LONG, 100.0, 100.0), StopHuntSettings())
    assert (entry, stop, target) == pytest.approx((100.0, 99.35, 101.3))


@pytest.mark.parametrize(
    ("total", "absorbed", "share", "count", "expected"),
    [
        (50_000, 0, 1.0, 1, 50 + 10 + 15),  # ratio 1: +10, share > 0.9: +15
        (75_001, 0, 0.85, 1, 50 + 15 + 12),  # ratio > 1.5, share > 0.8
        (125_001, 6_251, 0.75, 51, 50 + 20 + 10 + 8 + 3),  # ratio > 2.5, absorbed > 0.05
        (250_001, 75_001, 0.95, 101, 99),  # 50+25+25+15+5 = 120, at most 99
        (49_999, 0, 0.7, 1, 50),  # below every band
    ],
)
def test_strength_bands(total, absorbed, share, count, expected):
    episode = _episode(LONG, 1.0, 2.0, total=total, absorbed=absorbed, count=count, share=share)
    assert stop_hunt.strength(episode) == expected
