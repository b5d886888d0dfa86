"""scripts/out_of_sample.py (the study behind README "Signal quality") runs on the demo recording
(real: recordings/README.md) and its folds never let a held-out block's outcomes into training."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

from engine.backtest import run_backtest
from engine.locations import DEMO_RECORDING
from engine.recording import Record, write_recording

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import out_of_sample as study  # noqa: E402

MIN = 60_000


def test_windows_are_cut_at_gaps_and_long_ones_into_blocks(tmp_path):
    path = tmp_path / "two.jsonl"
    records = [Record(t, "coinglass", "ws", "liquidationOrders", "{}") for t in (0, 25 * MIN, 50 * MIN, 200 * MIN, 201 * MIN)]
    write_recording(path, ["coinglass"], "", records)
    windows = study.split_windows([path], 30 * MIN)
    assert [len(w.records) for w in windows] == [3, 2]
    blocks = study.split_blocks(windows, 30 * MIN)
    assert [(b.window, b.start, b.end) for b in blocks] == [
        (0, 0, 25 * MIN), (0, 25 * MIN, 50 * MIN + 1), (1, 200 * MIN, 201 * MIN + 1)]


def test_training_is_purged_around_the_held_out_block_and_walk_forward_looks_back_only():
    block = study.Block(0, 60 * MIN, 90 * MIN)
    keep = study.purged(block, 900)

    class S:
        def __init__(self, minute: float) -> None:
            self.ts = int(minute * MIN)

    assert [keep(S(m)) for m in (44, 45, 60, 104, 105)] == [True, False, False, False, True]
    blocks = [study.Block(0, i * MIN, (i + 1) * MIN) for i in range(4)]
    assert study.folds(blocks, "walk-forward") == [(1, [0]), (2, [0, 1]), (3, [0, 1, 2])]
    assert all(held not in train for held, train in study.folds(blocks, "leave-one-out"))


def test_a_value_needs_enough_signals_and_a_better_edge_to_replace_spec():
    few = study.Tally(9, 10, 50, 100)
    assert study.choose((1, 2), {1: study.Tally(10, 20, 10, 20), 2: few}, 1) == 1  # 2 has too few
    assert study.choose((1, 2), {1: study.Tally(10, 20, 10, 20), 2: study.Tally(10, 20, 10, 20)}, 2) == 2  # tie
    assert study.choose((1, 2), {1: study.Tally(15, 20, 10, 20), 2: study.Tally(10, 20, 10, 20)}, 2) == 1
    low, high = study.difference_interval(study.Tally(60, 100, 500, 1000), study.Tally(50, 100, 500, 1000))
    assert low < 0 < high  # 60 % against 50 % on 100 signals each is not beyond noise


def test_the_study_runs_on_the_demo_recording_and_counts_what_backtest_counts():
    out = io.StringIO()
    result = study.study([DEMO_RECORDING], block_min=30, out=out)
    text = out.getvalue()
    assert "leave-one-block-out" in text and "walk-forward" in text and "prior check" in text
    spec = run_backtest([DEMO_RECORDING], study.spec_settings())
    measured = sum(1 for s in spec.signals.values() if s.direction and 900 in s.outcome.returns)
    loo = [v for v in result["verdicts"] if v["scheme"] == "leave-one-out"]
    assert {v["spec_held_out"]["n"] for v in loo} == {measured}  # every signal held out once
    assert all(isinstance(v["wins"], bool) for v in result["verdicts"])


def test_the_prior_check_states_what_the_engine_states():
    """With the empty table the study's estimator replays the engine's own confidences exactly, so
    the measured table's arm is what the engine would have stated had it shipped that table."""
    with TemporaryDirectory() as tmp:
        window = study.split_windows([DEMO_RECORDING], 30 * MIN)[0]
        run = study.run_window(window, [study.load_settings(None, environ={})], Path(tmp))[0]
    measured = sorted((s for s in run.signals if s.direction and 900 in s.outcome.returns), key=lambda s: s.ts)
    stated = study.stated_probabilities(run, {})
    assert measured and [round(p * 100, 9) for p, _ in stated] == [round(s.confidence, 9) for s in measured]
