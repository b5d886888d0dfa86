"""The signal-quality report (engine/signals/quality.py): hit rates with Wilson intervals, a
deterministic random-time baseline, calibration, and the plotext charts as plain strings."""

from __future__ import annotations

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


def test_calibration_puts_each_directional_signal_in_its_confidence_bucket():
    signals = [_signal(0, "ACCUMULATION", "long", 72, 0.001, "WIN"), _signal(1, "ACCUMULATION", "long", 91, -0.001),
               _signal(2, "ACCUMULATION", "long", 99, 0.002, "WIN")]
    rows = {row.bucket: row for row in build_report(signals).calibration}
    assert (rows["70-75"].hit.hits, rows["70-75"].hit.n) == (1, 1)
    assert (rows["90-100"].hit.hits, rows["90-100"].hit.n, rows["90-100"].win.hits) == (1, 2, 1)
    assert "<70" not in rows


def test_charts_are_plain_strings_naming_the_types_and_buckets():
    tape = PriceTape()
    for minute in range(60):
        tape.add("BTC", T0 + minute * 60_000, 100.0)
    signals = [_signal(0, "ACCUMULATION", "long", 80, 0.001), _signal(1, "WHALE_DISTRIBUTION", "short", 86, 0.002)]
    report = build_report(signals, 60, tape)
    chart = quality.hit_rate_chart(report, width=70)
    assert "ACCUMULATION" in chart and "whale_distribution baseline" in chart and "\x1b[" not in chart
    assert "80-85" in quality.calibration_chart(report)
    empty = build_report([])
    assert "no directional signal" in quality.hit_rate_chart(empty)
    assert "no directional signal" in quality.calibration_chart(empty)
    assert "signal quality: 0 signals" in quality.format_report(empty)


def test_backtest_report_prints_the_tables_and_json_carries_the_report():
    cmd = [sys.executable, "-m", "teleglas_tui.cli", "backtest", str(GOLDEN), "--progress", "off"]
    text = subprocess.run([*cmd, "--report"], capture_output=True, text=True, check=True).stdout
    assert "signal quality:" in text and "per covered hour" in text and "calibration" in text
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
