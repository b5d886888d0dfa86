"""Golden test on real data: the 474 real Binance liquidations of 2025-10-22 as CoinGlass frames
(tests/golden/binance_liquidations_20251022.jsonl, made by scripts/realdata.py) through the full
engine; the signals must equal tests/golden/binance_liquidations_20251022.signals.jsonl.

To accept a deliberate change of the rules, regenerate the golden file:
    teleglas backtest tests/golden/binance_liquidations_20251022.jsonl \
        --signals-out tests/golden/binance_liquidations_20251022.signals.jsonl
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
from builders import settings

from engine.backtest import run_backtest, write_signals
from engine.recording import read_records, write_recording

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
RECORDING = GOLDEN / "binance_liquidations_20251022.jsonl"
SIGNALS = GOLDEN / "binance_liquidations_20251022.signals.jsonl"


def _signals(*files: Path) -> list[dict]:
    result = run_backtest(list(files), settings())
    return [s.as_dict() for s in result.signals.values()]


def test_real_liquidations_give_the_golden_signals(tmp_path):
    out = tmp_path / "signals.jsonl"
    write_signals(out, run_backtest([RECORDING], settings()).signals.values())
    assert out.read_text() == SIGNALS.read_text()


def test_the_two_long_liquidation_waves_show_in_the_statistics():
    summary = run_backtest([RECORDING], settings()).summary()
    by_minute = {int(k): v for k, v in summary["liquidations_by_minute"].items()}
    assert summary["events"] == 474 and summary["rejected"] == 0
    longs = sorted(by_minute, key=lambda m: by_minute[m][0], reverse=True)[:2]
    # 09:38 and 09:42 UTC carry the most long liquidations, far above the quiet minutes.
    assert sorted(longs) == [1761125880000, 1761126120000]
    quiet = by_minute[1761125820000][0]  # 09:37
    assert min(by_minute[m][0] for m in longs) > 100 * quiet
    assert summary["by_type"] == {"STOP_HUNT": 1}
    (signal,) = (json.loads(line) for line in SIGNALS.read_text().splitlines())
    assert signal["symbol"] == "FET" and signal["direction"] == "long"


def test_frames_batched_differently_give_the_same_signals(tmp_path):
    """Determinism: the same events, packed several per frame, change nothing."""
    records = list(read_records(RECORDING))
    batched = []
    for i in range(0, len(records), 7):
        group = records[i : i + 7]
        items = [orjson.loads(r.raw)["data"][0] for r in group]
        raw = orjson.dumps({"channel": "liquidationOrders", "data": items}).decode()
        batched.append(group[-1].__class__(group[-1].t, "coinglass", "ws", "liquidationOrders", raw))
    rebatched = tmp_path / "rebatched.jsonl.gz"
    write_recording(rebatched, ["coinglass"], "rebatched", batched)
    assert _signals(rebatched) == _signals(RECORDING)


def test_a_recording_split_in_two_files_gives_the_same_signals(tmp_path):
    records = list(read_records(RECORDING))
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_recording(first, ["coinglass"], "first half", records[:200])
    write_recording(second, ["coinglass"], "second half", records[200:])
    assert _signals(first, second) == _signals(RECORDING)


def test_backtest_json_has_the_documented_fields(tmp_path):
    out = tmp_path / "signals.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "teleglas_tui.cli", "backtest", str(RECORDING), "--json", "--signals-out", str(out)],
        capture_output=True, text=True, check=True,
    )
    summary = json.loads(proc.stdout)
    for key in ("frames", "events", "rejected", "signals", "by_type", "seconds", "events_per_s"):
        assert key in summary
    assert summary["frames"] == 474 and summary["signals"] == 1
    (line,) = out.read_text().splitlines()
    for key in ("ts", "symbol", "type", "direction", "strength", "confidence", "confidence_n", "context", "entry", "stop", "target", "outcome"):
        assert key in json.loads(line)


def test_backtest_summary_is_readable_when_not_a_terminal():
    proc = subprocess.run(
        [sys.executable, "-m", "teleglas_tui.cli", "backtest", str(RECORDING)],
        capture_output=True, text=True, check=True,
    )
    assert "STOP_HUNT long" in proc.stdout
    assert "liquidations per minute" in proc.stdout
    assert proc.stderr == ""
