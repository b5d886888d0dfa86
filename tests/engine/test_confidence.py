"""Confidence is a probability (issue 17, item 1): per class a Beta-binomial posterior of the
hit rate at ``outcomes.horizon_s``, from a prior and the outcomes resolved before the signal."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from builders import Run, context, liq, settings, trade

from engine.backtest import run_backtest
from engine.model import BUY, FUNDING_EXTREME, LONG, SHORT, STOP_HUNT
from engine.recording import read_records, write_recording
from engine.signals.confidence import ConfidenceBook, beta_quantile
from engine.signals.priors import MAX_PRIOR_N

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo.jsonl.zst"


class TestPosterior:
    def test_a_class_without_outcomes_or_prior_is_fifty_percent_with_n_zero(self):
        assert ConfidenceBook(900).estimate(STOP_HUNT, 1) == (50.0, 0)

    def test_each_outcome_moves_it_like_laplaces_rule(self):
        book = ConfidenceBook(900)
        book.load_state({"STOP_HUNT/1": [7, 10]})
        assert book.estimate(STOP_HUNT, 1) == (pytest.approx(100 * 8 / 12), 10)
        assert book.estimate(STOP_HUNT, 2) == (50.0, 0)  # classes are type x tier

    def test_a_prior_table_entry_is_a_prior_of_its_weight_and_part_of_n(self):
        book = ConfidenceBook(900, {(STOP_HUNT, 1): (30, 60)})
        assert book.estimate(STOP_HUNT, 1) == (pytest.approx(100 * 31 / 62), 60)
        book.load_state({"STOP_HUNT/1": [60, 60]})
        assert book.estimate(STOP_HUNT, 1) == (pytest.approx(100 * 91 / 122), 120)

    def test_a_prior_weighs_at_most_max_prior_n_keeping_its_rate(self):
        book = ConfidenceBook(900, {(STOP_HUNT, 1): (300, 1000)})
        rate, n = book.estimate(STOP_HUNT, 1)
        assert n == MAX_PRIOR_N and rate == pytest.approx(100 * (1 + 30) / (2 + MAX_PRIOR_N))

    def test_a_prior_outside_its_n_is_refused(self):
        with pytest.raises(ValueError):
            ConfidenceBook(900, {(STOP_HUNT, 1): (5, 3)})

    def test_saved_counts_load_back_and_bad_ones_are_refused(self):
        book = ConfidenceBook(900)
        book.load_state({"ACCUMULATION/2": [3, 9]})
        again = ConfidenceBook(900)
        again.load_state(book.export_state())
        assert again.estimate("ACCUMULATION", 2) == book.estimate("ACCUMULATION", 2)
        with pytest.raises(ValueError):
            again.load_state({"ACCUMULATION/2": [10, 9]})

    @pytest.mark.parametrize(("a", "b"), [(1, 1), (2, 2), (12, 30), (41, 33), (3, 150)])
    def test_beta_quantiles_match_a_numerical_integral(self, a, b):
        steps = 200_000
        norm = math.exp(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
        cdf, x_prev, targets, found = 0.0, 0.0, [0.05, 0.5, 0.95], {}
        for i in range(1, steps + 1):
            x = i / steps
            mid = (x + x_prev) / 2
            cdf += mid ** (a - 1) * (1 - mid) ** (b - 1) / norm / steps
            for q in targets:
                if q not in found and cdf >= q:
                    found[q] = x
            x_prev = x
        for q, x in found.items():
            assert beta_quantile(q, a, b) == pytest.approx(x, abs=2e-4)


class TestInTheEngine:
    def _hunt(self, run, t, coin="FET", price=1.0):
        run.feed(liq(t, coin, LONG, 60_000, price=price), liq(t + 1, coin, LONG, 1, price=price))
        return [s for s in run.of_type(STOP_HUNT) if s.coin == coin][-1]

    def test_a_signal_reads_the_outcomes_of_its_class_resolved_before_it(self):
        run = Run()
        first = self._hunt(run, 0)
        assert (first.confidence, first.confidence_n) == (50.0, 0)
        run.feed(trade(16 * 60, "FET", BUY, 100, price=1.004))  # +0.4 % at +15 min: a hit
        second = self._hunt(run, 20 * 60, coin="SNX")
        assert (second.confidence, second.confidence_n) == (pytest.approx(100 * 2 / 3), 1)
        run.feed(trade(40 * 60, "SNX", BUY, 100, price=0.99))  # the second's miss resolves later ...
        assert (second.confidence, second.confidence_n) == (pytest.approx(100 * 2 / 3), 1)  # ... and changes it not
        assert run.engine.confidence.estimate(STOP_HUNT, 3) == (50.0, 2)

    def test_a_signal_without_a_direction_has_no_confidence(self):
        run = Run()
        run.feed(context(0, "SOL", funding=0.002))
        (extreme,) = run.of_type(FUNDING_EXTREME)
        assert extreme.direction is None and extreme.confidence is None and extreme.confidence_n == 0

    def test_the_counts_are_engine_state(self):
        run = Run()
        self._hunt(run, 0)
        run.feed(trade(16 * 60, "FET", BUY, 100, price=1.004))
        state = run.engine.export_state()
        assert state["confidence"] == {"STOP_HUNT/3": [1, 1]}
        fresh = Run()
        fresh.engine.load_state(state)
        assert self._hunt(fresh, 0, coin="SNX").confidence == pytest.approx(100 * 2 / 3)
        fresh.engine.load_state({"scorer": {"ema": {}, "count": {}}})  # an older version's state: ignored


def _emitted(path: Path) -> dict[str, tuple]:
    """Each signal's confidence as it was when first handed out."""
    from engine.core import Engine
    from engine.pipeline import Pipeline

    pipeline = Pipeline(Engine(settings()))
    seen: dict[str, tuple] = {}
    for r in read_records(path):
        for s in pipeline.feed(r.src, r.kind, r.ch, r.raw, r.t):
            if s.id not in seen:
                seen[s.id] = (s.ts, s.type, s.direction, s.confidence, s.confidence_n, s.priority)
    return seen


def test_no_look_ahead_a_recording_cut_short_gives_every_earlier_signal_the_same_confidence(tmp_path):
    """Truncate the future: the signals before the cut read the same confidence as in the whole
    recording, so a confidence (and a priority by measured class) depends only on outcomes resolved
    before it."""
    records = list(read_records(DEMO))
    whole = _emitted(DEMO)
    assert sum(1 for v in whole.values() if v[4] > 0) > 30  # many signals stand on resolved outcomes
    assert len({v[3] for v in whole.values() if v[3] is not None}) > 5
    for fraction in (0.35, 0.6, 0.85):
        cut = records[: int(len(records) * fraction)]
        path = tmp_path / f"cut{fraction}.jsonl"
        write_recording(path, ["binance"], "cut", cut)
        part = _emitted(path)
        assert part and all(whole[key] == value for key, value in part.items())


def test_backtest_and_the_demo_replay_path_agree(tmp_path):
    """The backtest's signals carry the confidence the replay path gives (same engine, same order)."""
    result = run_backtest([DEMO], settings())
    whole = _emitted(DEMO)
    for signal in result.signals.values():
        if signal.direction in (LONG, SHORT) and signal.type == whole[signal.id][1]:
            assert (signal.confidence, signal.confidence_n) == whole[signal.id][3:5]
