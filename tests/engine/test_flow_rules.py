"""SPEC.md, "Order flow" and "Events": accumulation/distribution, whales, volume spikes, funding."""

from __future__ import annotations

import pytest
from builders import Run, context, settings, trade

from engine.model import (
    ACCUMULATION, BUY, DISTRIBUTION, FUNDING_EXTREME, LONG, SELL, SHORT, VOLUME_SPIKE,
    WHALE_ACCUMULATION, WHALE_DISTRIBUTION,
)


def _flow(run, coin, buys, sells, usd=10_000.0, t0=0.0):
    events = [trade(t0 + i, coin, BUY, usd) for i in range(buys)]
    events += [trade(t0 + buys + i, coin, SELL, usd) for i in range(sells)]
    return run.feed(*events)


def test_accumulation_needs_ten_trades():
    run = Run()
    _flow(run, "BTC", 7, 2)
    assert run.of_type(ACCUMULATION) == []
    run.feed(trade(20, "BTC", SELL, 10_000))
    (signal,) = run.of_type(ACCUMULATION)
    assert signal.direction == LONG
    assert signal.metrics["buy_ratio"] == pytest.approx(0.7)
    # 50 + ratio 0.70 (not beyond 0.70): +5 + 7 large buys: +15
    assert signal.base_strength == 70


def test_buy_ratio_just_under_the_band_is_no_accumulation():
    run = Run()
    run.feed(*[trade(i, "BTC", SELL, 9_999) for i in range(7)])  # $69,993 sold, none large: no whale call
    run.feed(*[trade(10 + i, "BTC", BUY, 10_000) for i in range(12)])
    run.feed(trade(30, "BTC", BUY, 9_986.99))  # $129,986.99 bought: a cent under 0.65
    assert run.of_type(ACCUMULATION) == []
    run.feed(trade(31, "BTC", BUY, 0.02))
    (signal,) = run.of_type(ACCUMULATION)
    assert signal.metrics["buy_ratio"] == pytest.approx(0.65, abs=1e-6)


def test_distribution_mirrors_accumulation():
    run = Run()
    _flow(run, "BTC", 3, 7)
    (signal,) = run.of_type(DISTRIBUTION)
    assert signal.direction == SHORT


def test_accumulation_needs_three_large_buys():
    run = Run()
    # tier 1 large order is $10,000: lots of small buys and two large ones
    run.feed(*[trade(i, "BTC", BUY, 9_999) for i in range(10)])
    run.feed(trade(11, "BTC", BUY, 10_000), trade(12, "BTC", BUY, 10_000))
    assert run.of_type(ACCUMULATION) == []
    run.feed(trade(13, "BTC", BUY, 10_000))
    assert len(run.of_type(ACCUMULATION)) == 1


def test_whale_accumulation_at_five_large_buys_and_sixty_percent():
    run = Run(settings(gate={"min_strength": 50}))
    run.feed(*[trade(i, "SOL", BUY, 5_000) for i in range(4)])
    run.feed(*[trade(10 + i, "SOL", SELL, 5_000) for i in range(3)])
    assert run.of_type(WHALE_ACCUMULATION) == []
    run.feed(trade(20, "SOL", BUY, 5_000))  # 5 of 8 large orders: 0.625
    (signal,) = run.of_type(WHALE_ACCUMULATION)
    assert signal.base_strength == pytest.approx(50 + 40 * 5 / 8)


def test_whale_distribution_mirrors_it():
    run = Run()
    run.feed(*[trade(i, "SOL", SELL, 5_000) for i in range(5)])
    (signal,) = run.of_type(WHALE_DISTRIBUTION)
    assert signal.direction == SHORT and signal.base_strength == 90


def _spike_run(last_usd):
    run = Run(settings(volume_spike={"min_cascade_fraction": 0}))
    # Four quiet minutes of $20k each (the first trade only starts the coin's history).
    run.feed(*[trade(1 + 60 * i, "SOL", SELL, 20_000) for i in range(5)])
    run.feed(trade(302, "SOL", BUY, last_usd))
    return run


def test_volume_spike_at_three_times_the_four_minutes_before():
    assert _spike_run(59_999).of_type(VOLUME_SPIKE) == []
    (signal,) = _spike_run(60_000).of_type(VOLUME_SPIKE)
    assert signal.direction == LONG and signal.entry == 100.0  # a one-sided minute: buying, with an outcome
    assert signal.metrics["ratio"] == pytest.approx(3.0)
    assert signal.metrics["dominant_side"] == BUY
    assert signal.base_strength == 80


def test_volume_spike_needs_the_recent_minute_to_matter_for_the_tier():
    run = Run()  # min_cascade_fraction 0.5 of SOL's $200k
    run.feed(*[trade(1 + 60 * i, "SOL", SELL, 20_000) for i in range(5)])
    run.feed(trade(302, "SOL", BUY, 99_999))
    assert run.of_type(VOLUME_SPIKE) == []
    run.feed(trade(303, "SOL", BUY, 1))
    assert len(run.of_type(VOLUME_SPIKE)) == 1


def test_a_two_sided_volume_spike_has_no_direction():
    run = Run(settings(volume_spike={"min_cascade_fraction": 0}))
    run.feed(*[trade(1 + 60 * i, "SOL", SELL, 20_000) for i in range(5)])
    run.feed(trade(302, "SOL", BUY, 33_000), trade(303, "SOL", SELL, 27_000))  # 55 % buying
    (signal,) = run.of_type(VOLUME_SPIKE)
    assert signal.direction is None and signal.metrics["dominant_side"] == BUY


def test_order_flow_waits_for_five_minutes_of_data_after_the_start_and_after_a_gap():
    """Warm-up: a window that began filling a minute ago holds a minute's trades, not five."""
    run = Run(warm=False)
    _flow(run, "BTC", 9, 2)  # from the first second of the data: would be ACCUMULATION
    assert run.signals == {}
    run.feed(*(context(60 * i, "XRP") for i in range(1, 6)))  # the data goes on
    _flow(run, "BTC", 9, 2, t0=301)  # five minutes of data seen: it speaks
    assert len(run.of_type(ACCUMULATION)) == 1
    _flow(run, "ETH", 9, 2, t0=1_000)  # after 11 minutes of silence: a gap, warm-up again
    assert len(run.of_type(ACCUMULATION)) == 1
    run.feed(*(context(1_000 + 60 * i, "XRP") for i in range(1, 6)))
    _flow(run, "ETH", 9, 2, t0=1_301)
    assert [s.coin for s in run.of_type(ACCUMULATION)] == ["BTC", "ETH"]


def test_no_volume_spike_before_the_coin_has_a_baseline():
    run = Run(settings(volume_spike={"min_cascade_fraction": 0}))
    run.feed(trade(0, "SOL", SELL, 1_000), trade(100, "SOL", BUY, 1_000_000))
    assert run.of_type(VOLUME_SPIKE) == []


def test_funding_extreme_with_hysteresis():
    run = Run()
    run.feed(context(0, "DOGE", funding=0.00099))
    assert run.of_type(FUNDING_EXTREME) == []
    run.feed(context(1, "DOGE", funding=0.001))
    assert len(run.of_type(FUNDING_EXTREME)) == 1
    run.feed(context(700, "DOGE", funding=0.00081))
    run.feed(context(1400, "DOGE", funding=0.0012))  # never fell under 80 %: same episode
    assert len(run.of_type(FUNDING_EXTREME)) == 1
    run.feed(context(2100, "DOGE", funding=0.00079), context(2800, "DOGE", funding=-0.0011))
    signals = run.of_type(FUNDING_EXTREME)
    assert len(signals) == 2
    assert signals[1].metrics["payer"] == "shorts"


def test_the_coin_detail_breaks_the_flow_down_by_venue():
    run = Run()
    run.feed(trade(0, "SOL", BUY, 3_000, venue="Binance"), trade(1, "SOL", SELL, 1_000, venue="Bybit"),
             trade(2, "SOL", BUY, 500, venue="Binance"))
    detail = run.view.coin_detail("SOL")
    assert detail.venues == {"Binance": 3_500, "Bybit": 1_000}
    assert detail.flow.buy_usd == 3_500 and detail.flow.sell_usd == 1_000


def test_order_flow_counts_only_the_trades_still_in_its_window():
    """Issue 17's defect: a coin trades for 4 minutes, is quiet for 6 while others trade, then gets
    3 large buys.  Its 5-minute window holds 3 trades, not 203: no ACCUMULATION (SPEC needs 10)."""
    run = Run()
    sides = (BUY, SELL)
    run.feed(*[trade(i * 1.2, "SOL", sides[i % 2], 10_000) for i in range(200)])  # 4 minutes, even
    run.feed(*[trade(240 + 10 * i, "BTC", sides[i % 2], 1_000) for i in range(37)])  # 6 quiet minutes
    run.feed(*[trade(605 + i, "SOL", BUY, 10_000) for i in range(3)])
    assert [s for s in run.signals.values() if s.coin == "SOL"] == []


def test_order_flow_metrics_never_show_minus_zero():
    """Taker sells that left the window leave 0.0, not -0.0 (float drift of the running sums)."""
    run = Run()
    run.feed(*[trade(i, "ETH", SELL, 0.1 + 0.2 * i) for i in range(5)])  # sum minus parts: -4e-16
    run.feed(*[trade(60 * i, "BTC", SELL, 1_000) for i in range(1, 6)])  # the clock moves on, no gap
    run.feed(*[trade(310 + i, "ETH", BUY, 10_000) for i in range(12)])
    (signal,) = run.of_type(ACCUMULATION)
    assert signal.metrics["sell_usd"] == 0.0 and str(signal.metrics["sell_usd"]) == "0.0"
