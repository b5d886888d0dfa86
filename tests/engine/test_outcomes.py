"""SPEC.md, "Outcomes": WIN / LOSS / FLAT / UNKNOWN at 15 minutes, excursions, returns."""

from __future__ import annotations

import pytest
from builders import T0, Run, context, liq, trade

from engine.model import BUY, FLAT, LONG, LOSS, PENDING, SHORT, STOP_HUNT, UNKNOWN, WIN, Signal
from engine.settings import OutcomeSettings
from engine.signals.outcomes import OutcomeBook

MIN = 60_000


def _signal(direction=LONG, entry=100.0, stop=95.0, target=110.0) -> Signal:
    return Signal("s1", T0, "FET", 3, STOP_HUNT, direction, 80, 80, {}, entry, stop, target)


def _resolve(prices: list[tuple[int, float]], direction=LONG, **levels) -> Signal:
    book = OutcomeBook(OutcomeSettings())
    signal = _signal(direction, **levels)
    book.track(signal)
    for offset_ms, price in prices:
        book.on_price("FET", T0 + offset_ms, price)
        book.due(T0 + offset_ms)
    book.due(T0 + 61 * MIN)
    return signal


def test_win_when_half_the_way_to_target_comes_before_any_stop_touch():
    signal = _resolve([(1_000, 104.0), (2_000, 105.0), (3_000, 95.0)])
    assert signal.outcome.result == WIN


def test_loss_when_the_stop_is_touched_first():
    signal = _resolve([(1_000, 104.9), (2_000, 95.0), (3_000, 110.0)])
    assert signal.outcome.result == LOSS


def test_flat_when_neither_happens_within_15_minutes():
    signal = _resolve([(1_000, 104.9), (14 * MIN, 95.1), (16 * MIN, 110.0)])
    assert signal.outcome.result == FLAT


def test_unknown_without_price_data():
    assert _resolve([]).outcome.result == UNKNOWN


def test_short_outcomes_mirror_long_ones():
    signal = _resolve([(1_000, 95.0)], direction=SHORT, entry=100.0, stop=105.0, target=90.0)
    assert signal.outcome.result == WIN
    signal = _resolve([(1_000, 105.0)], direction=SHORT, entry=100.0, stop=105.0, target=90.0)
    assert signal.outcome.result == LOSS


def test_excursions_and_returns_at_each_horizon():
    signal = _resolve([(30_000, 103.0), (MIN, 101.0), (5 * MIN + 1, 99.0), (15 * MIN, 102.0),
                       (59 * MIN, 97.0), (60 * MIN, 100.5)])
    outcome = signal.outcome
    assert outcome.mfe == pytest.approx(0.03)
    assert outcome.mae == pytest.approx(0.03)
    assert outcome.returns == pytest.approx({60: 0.01, 300: -0.01, 900: 0.02, 3600: 0.005})
    assert outcome.done


def test_outcome_is_pending_until_the_horizon():
    book = OutcomeBook(OutcomeSettings())
    signal = _signal()
    book.track(signal)
    book.on_price("FET", T0 + 1_000, 106.0)
    assert book.due(T0 + 15 * MIN - 1) == []
    assert signal.outcome.result == PENDING
    assert book.due(T0 + 15 * MIN) == [signal]
    assert signal.outcome.result == WIN


def test_engine_reports_outcomes_and_feeds_the_statistics():
    run = Run()
    run.feed(liq(0, "FET", LONG, 60_000, price=1.00), liq(1, "FET", LONG, 1, price=1.00))
    (signal,) = run.of_type(STOP_HUNT)  # zero-width zone at 1.00: entry 1.00, stop 0.9935, target 1.013
    run.feed(trade(60, "FET", BUY, 100, price=1.14))
    run.feed(trade(16 * 60, "FET", BUY, 100, price=1.0))
    assert signal.outcome.result == WIN
    assert run.changes[-1] == (signal.id, "outcome", signal.revision)
    stats = run.engine.stats()
    assert stats["by_type"][STOP_HUNT]["win"] == 1
    assert stats["by_tier"]["tier 3"]["win_rate"] == 1.0
    # A WIN, but back at the entry price at +15 min: no hit for the confidence (the report's hit).
    assert run.engine.confidence.estimate(STOP_HUNT, 3) == (pytest.approx(100 / 3), 1)


def test_when_the_data_ends_decided_outcomes_stand_and_the_rest_are_unknown():
    run = Run()
    run.feed(liq(0, "FET", LONG, 60_000, price=1.00), liq(1, "FET", LONG, 1, price=1.00))
    run.feed(liq(0, "SNX", LONG, 60_000, price=1.00), liq(1, "SNX", LONG, 1, price=1.00))
    fet, snx = run.of_type(STOP_HUNT)
    # Each triggered on one price (a zero-width zone): entry 1.00, stop 0.9935, target 1.013.
    run.feed(trade(60, "FET", BUY, 100, price=1.007))  # past half-way to the target: a WIN already
    run.feed(trade(60, "SNX", BUY, 100, price=1.003))  # nothing decided yet
    changed = run.engine.end_of_data()
    assert {s.id for s in changed} == {fet.id, snx.id}
    assert (fet.outcome.result, snx.outcome.result) == (WIN, UNKNOWN)
    assert fet.outcome.done and snx.outcome.done
    assert run.engine.stats()["by_type"][STOP_HUNT]["win"] == 1
    assert run.engine.end_of_data() == []


def test_a_coin_with_only_liquidations_gets_its_outcome_from_their_prices():
    """The demo's FET: later liquidations print 0.2401, 0.2397 ... and they are market prices, for
    the flow table and for outcomes (before, FET kept its first price and ended UNKNOWN, MFE 0)."""
    run = Run()
    run.feed(liq(0, "FET", SHORT, 60_000, price=0.2413))
    (signal,) = run.of_type(STOP_HUNT)  # shorts squeezed: SHORT from 0.2413
    run.feed(liq(120, "FET", LONG, 500, price=0.2401), liq(400, "FET", LONG, 500, price=0.2397))
    assert run.view.snapshot().coins[-1].price == 0.2397
    run.feed(liq(16 * 60, "FET", LONG, 500, price=0.2390))
    assert signal.outcome.result != UNKNOWN and signal.outcome.mfe > 0
    assert signal.outcome.returns[60] == pytest.approx((0.2413 - 0.2401) / 0.2413, abs=1e-6)


def test_a_mark_price_counts_as_a_price_too():
    run = Run()
    run.feed(liq(0, "FET", SHORT, 60_000, price=0.2413))
    (signal,) = run.of_type(STOP_HUNT)
    run.feed(context(120, "FET", funding=0.0001, price=0.2390))
    assert run.view.snapshot().coins[-1].price == 0.2390
    assert signal.outcome.returns[60] == pytest.approx((0.2413 - 0.2390) / 0.2413, abs=1e-6)
