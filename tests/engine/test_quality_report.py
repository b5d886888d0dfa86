"""The signal-quality report (engine/signals/quality.py): hit rates with Wilson intervals, a
deterministic random-time baseline, win rates that divide by WIN + LOSS only, calibration (stated
against realized, calibration error, Brier score against its reference) and the text charts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
from builders import T0

from engine.model import Outcome, Signal
from engine.signals import quality
from engine.signals.quality import PriceTape, Rate, build_report, covered_minutes, record_of

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "binance_liquidations_20251022.jsonl"


def _signal(i: int, signal_type: str, direction: str | None, confidence: float, r15: float | None,
            result: str = "FLAT", coin: str = "BTC") -> Signal:
    returns = {900: r15} if r15 is not None else {}
    return Signal(id=str(i), ts=T0 + i * 60_000, coin=coin, tier=1, type=signal_type, direction=direction,
                  strength=confidence, confidence=confidence, base_strength=confidence, metrics={},
                  outcome=Outcome(result=result, mfe=0.002, mae=0.001, returns=returns))


def test_wilson_interval_matches_the_textbook_values():
    low, high = Rate(8, 10).interval
    assert round(low, 3) == 0.490 and round(high, 3) == 0.943
    assert Rate(0, 0).interval is None and Rate(0, 0).rate is None


def test_a_database_row_and_a_signal_give_the_same_record():
    signal = _signal(1, "ACCUMULATION", "long", 80.0, 0.003, "WIN")
    from_db = record_of(orjson.dumps(signal.as_dict()).decode())  # the signals.data column
    assert from_db == record_of(signal)


def test_hit_rate_counts_a_return_above_zero_and_nondirectional_signals_have_none():
    signals = [_signal(0, "DISTRIBUTION", "short", 72, 0.001), _signal(1, "DISTRIBUTION", "short", 72, 0.0),
               _signal(2, "DISTRIBUTION", "short", 72, -0.002), _signal(3, "FUNDING_EXTREME", None, 80, None)]
    report = build_report(signals, covered_minutes=30)
    row = report.by_type["DISTRIBUTION"]
    assert (row.returns.hit(900).hits, row.returns.hit(900).n) == (1, 3)  # an unchanged price is a miss
    assert round(row.returns.mean_bps(900), 2) == round((10 + 0 - 20) / 3, 2)
    assert report.by_type["FUNDING_EXTREME"].directional == 0
    assert report.per_hour == 8.0  # 4 signals in half an hour of data
    assert report.by_type["DISTRIBUTION"].baseline is None  # no tape: no baseline column


def test_covered_minutes_are_minutes_that_hold_events():
    assert covered_minutes([T0, T0 + 1_000, T0 + 60_000, T0 + 3_600_000]) == 3


def test_baseline_takes_the_signal_direction_at_random_moments_of_the_same_coin_deterministically():
    tape = PriceTape()
    for minute in range(120):  # BTC rises steadily: a long at any moment gains
        tape.add("BTC", T0 + minute * 60_000, 100.0 + minute)
    tape.add("ETH", T0, 50.0)
    signals = [_signal(0, "ACCUMULATION", "long", 80, 0.001), _signal(1, "DISTRIBUTION", "short", 80, -0.001)]
    report = build_report(signals, 120, tape, seed=7)
    assert report.by_type["ACCUMULATION"].baseline.hit(900).rate == 1.0
    assert report.by_type["DISTRIBUTION"].baseline.hit(900).rate == 0.0
    assert report.edge("ACCUMULATION") == 0.0 and report.edge("DISTRIBUTION") == 0.0
    again = build_report(signals, 120, tape, seed=7)
    assert again.as_dict() == report.as_dict()
    # Horizons past the coin's last price are not measured (the data ended first).
    assert report.by_type["ACCUMULATION"].baseline.hit(3600).n < report.by_type["ACCUMULATION"].baseline.hit(60).n


def test_calibration_sets_what_each_bucket_stated_against_how_often_it_was_right():
    signals = [_signal(0, "ACCUMULATION", "long", 52, 0.001, "WIN"), _signal(1, "ACCUMULATION", "long", 58, -0.001),
               _signal(2, "ACCUMULATION", "long", 99, 0.002, "WIN"), _signal(3, "ACCUMULATION", "long", 100, 0.0),
               _signal(4, "ACCUMULATION", "long", 55, None)]  # no price at +15m yet: not scored
    report = build_report(signals)
    rows = {row.bucket: row for row in report.calibration}
    assert list(rows) == ["50-60", "90-100"]  # only buckets that hold a measured signal
    assert (rows["50-60"].hit.hits, rows["50-60"].hit.n, rows["50-60"].stated) == (1, 2, 0.55)
    assert (rows["90-100"].hit.hits, rows["90-100"].hit.n) == (1, 2)  # 100 % is in the top bucket
    sc = report.scores
    assert (sc.n, sc.unscored) == (4, 1)
    assert round(sc.brier, 4) == round(((0.52 - 1) ** 2 + 0.58 ** 2 + (0.99 - 1) ** 2 + 1.0) / 4, 4)
    assert round(sc.calibration_error, 4) == round((abs(1.10 - 1) + abs(1.99 - 1)) / 4, 4)
    assert (sc.reference, sc.reference_rate, sc.reference_brier) == ("a constant", 0.5, 0.25)


def test_the_brier_reference_is_the_random_moment_rate_when_the_report_has_a_tape():
    tape = PriceTape()
    for minute in range(120):  # BTC rises: a long at a random moment is right
        tape.add("BTC", T0 + minute * 60_000, 100.0 + minute)
    report = build_report([_signal(0, "ACCUMULATION", "long", 60, -0.001)], 120, tape)
    sc = report.scores
    assert (sc.reference, sc.reference_rate, sc.reference_brier) == ("the random-moment rate", 1.0, 1.0)
    assert report.as_dict()["scores"]["brier"] == 0.36


def test_a_win_rate_divides_by_win_and_loss_only_and_reads_a_dash_without_them():
    """`ACCUM 8 0 0 0%`: eight FLAT or UNKNOWN signals are no 0 % win rate."""
    flat = build_report([_signal(i, "ACCUMULATION", "long", 60, 0.001, r) for i, r in enumerate(["FLAT"] * 5 + ["UNKNOWN"] * 3)])
    assert flat.by_type["ACCUMULATION"].win.n == 0 and flat.by_type["ACCUMULATION"].win.rate is None
    line = next(line for line in quality.format_report(flat).splitlines() if line.strip().startswith("ACCUMULATION"))
    assert line.split()[-1] == "-" and "0/0/5/3" in line
    mixed = build_report([_signal(0, "ACCUMULATION", "long", 60, 0.001, "WIN"), _signal(1, "ACCUMULATION", "long", 60, 0.0, "LOSS"),
                          _signal(2, "ACCUMULATION", "long", 60, 0.0, "FLAT")])
    assert mixed.by_type["ACCUMULATION"].win.rate == 0.5  # 1 of WIN + LOSS, the FLAT not divided by


def test_the_statistics_tables_win_rate_divides_by_win_and_loss_too():
    """`NEUTRAL 31 1 1 3%` divided one WIN by 31 resolved signals, 29 of them FLAT or UNKNOWN."""
    from engine.signals.stats import OutcomeStats

    stats = OutcomeStats()
    for i, result in enumerate(["WIN", "LOSS"] + ["FLAT"] * 20 + ["UNKNOWN"] * 9):
        stats.record(_signal(i, "ACCUMULATION", "long", 60, 0.0, result))
    for i in range(8):
        stats.record(_signal(40 + i, "DISTRIBUTION", "short", 60, 0.0, "FLAT"))
    table = stats.summary()["by_type"]
    assert (table["ACCUMULATION"]["n"], table["ACCUMULATION"]["win_rate"]) == (31, 0.5)
    assert (table["DISTRIBUTION"]["n"], table["DISTRIBUTION"]["win_rate"]) == (8, None)  # shown as -, not 0 %


def _report_with_tape():
    tape = PriceTape()
    for minute in range(60):
        tape.add("BTC", T0 + minute * 60_000, 100.0)
    signals = [_signal(i, t, "long" if i % 2 else "short", 45 + 5 * (i % 9), 0.001 if i % 3 else -0.001)
               for i, t in enumerate(["ACCUMULATION", "WHALE_DISTRIBUTION", "STOP_HUNT", "VOLUME_SPIKE"] * 6)]
    return build_report(signals, 60, tape)


def test_each_chart_row_is_one_labelled_bar_with_its_figures_and_round_ticks_within_80_columns():
    """Bars ran over 2-3 rows, one had no label, signal and baseline looked alike without colour,
    and the ticks read 0.0 16.7 33.3."""
    report = _report_with_tape()
    for chart in (quality.hit_rate_chart(report), quality.calibration_chart(report)):
        lines = chart.splitlines()
        assert all(len(line) <= 80 for line in lines) and "\x1b[" not in chart
        axis = next(line for line in lines if line.split()[:1] == ["0%"])
        assert axis.split() == ["0%", "25%", "50%", "75%", "100%"]
        bars = lines[1:lines.index(axis)]
        assert bars and all(re.search(r" n\d+ .*%( vs \d+%)?$", line) for line in bars)
    hit = quality.hit_rate_chart(report).splitlines()
    accum = next(line for line in hit if line.startswith("ACCUMULATION "))
    assert "│" in accum  # the random-moment baseline, as a mark on the same row
    assert "│ random moments" in hit[0]
    calibration = quality.calibration_chart(report)
    assert "50-60%" in calibration and "calibration error" in calibration and "Brier" in calibration.splitlines()[-1]


def test_a_chart_fits_the_rows_and_columns_it_is_given_or_becomes_a_table():
    report = _report_with_tape()
    small = quality.calibration_chart(report, width=38, height=8)
    assert len(small.splitlines()) <= 8 and all(len(line) <= 38 for line in small.splitlines())
    assert "more" in small or "Brier" in small
    narrow = quality.hit_rate_chart(report, width=26, labels={"ACCUMULATION": "ACCUM", "STOP_HUNT": "STOP HUNT",
                                                              "WHALE_DISTRIBUTION": "WHALE DIS",
                                                              "VOLUME_SPIKE": "VOL SPIKE"}).splitlines()
    assert all("█" not in line for line in narrow[1:])  # no room for a bar: label, n and figures
    assert any(line.startswith("ACCUM") and "%" in line for line in narrow)


def test_the_printed_report_fits_80_columns_and_says_what_each_rate_divides_by():
    text = quality.format_report(_report_with_tape())
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "win: WIN of WIN+LOSS" in text and "of the directional signals" in text
    assert "calibration error" in text and "Brier" in text and "in-sample" in text


def test_empty_reports_say_so():
    empty = build_report([])
    assert "no directional signal with a price at +15m yet" in quality.hit_rate_chart(empty)
    assert "no signal with a confidence and a price at +15m yet" in quality.calibration_chart(empty)
    assert quality.hit_rate_chart(empty, width=38) == "no signal with a +15m price yet"  # fits its pane
    assert "signal quality: 0 signals" in quality.format_report(empty)


def test_backtest_report_prints_the_tables_and_json_carries_the_report():
    cmd = [sys.executable, "-m", "teleglas_tui.cli", "backtest", str(GOLDEN), "--progress", "off"]
    text = subprocess.run([*cmd, "--report"], capture_output=True, text=True, check=True, env={**os.environ, "NO_COLOR": "1"}).stdout
    assert "signal quality:" in text and "per covered hour" in text and "calibration" in text
    assert all(len(line) <= 80 for line in text.splitlines()[1:])  # the first names the files
    data = orjson.loads(subprocess.run([*cmd, "--json"], capture_output=True, check=True).stdout)
    q = data["quality"]
    assert q["covered_minutes"] > 0 and q["signals"] == data["signals"]
    assert set(q["overall"]) >= {"count", "per_hour", "outcomes", "returns", "baseline", "mfe_bps", "mae_bps"}


def test_each_engine_of_a_sweep_gives_what_a_run_of_its_own_gives():
    from builders import settings

    from engine.backtest import run_backtest, run_engines

    strict = settings(gate={"min_strength": 80}, stop_hunt={"window_s": 20})
    results = run_engines([GOLDEN], [settings(), strict])
    alone = run_backtest([GOLDEN], strict)
    assert [s.as_dict() for s in results[1].signals.values()] == [s.as_dict() for s in alone.signals.values()]
    assert results[0].minutes is results[1].minutes  # what the data held is shared, not recounted


def test_sweep_combinations_and_bad_keys():
    import pytest

    from engine.settings import Settings, SettingsError
    from engine.sweep import parse_sets

    combos = parse_sets(["gate.min_strength=70,75", "tiers.tier3.cascade_usd=50000,80000"], Settings())
    assert [o for o, _ in combos][1] == {"gate.min_strength": 70, "tiers.tier3.cascade_usd": 80000}
    assert combos[3][1].gate.min_strength == 75 and combos[3][1].tiers.tier3.cascade_usd == 80000
    for bad, words in (("gate.nope=1", "unknown setting gate.nope"), ("gate.min_strength=abc", "must be a number"),
                       ("feeds.binance.min_trade_usd=1", "feed settings"), ("gate.min_strength", "expected")):
        with pytest.raises(SettingsError, match=words):
            parse_sets([bad], Settings())


def test_backtest_set_prints_one_row_per_combination():
    cmd = [sys.executable, "-m", "teleglas_tui.cli", "backtest", str(GOLDEN), "--progress", "off",
           "--set", "gate.min_strength=70,80", "--set", "stop_hunt.window_s=20,30"]
    lines = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()
    assert "4 combinations" in lines[0] and len(lines) == 2 + 4
    data = orjson.loads(subprocess.run([*cmd, "--json"], capture_output=True, check=True).stdout)
    assert [row["set"] for row in data["sweep"]][-1] == {"gate.min_strength": 80, "stop_hunt.window_s": 30}
    bad = subprocess.run([*cmd[:7], "--set", "gate.min_strength=x"], capture_output=True, text=True)
    assert bad.returncode == 2 and "gate.min_strength must be a number" in bad.stderr
