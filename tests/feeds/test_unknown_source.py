"""A recording whose lines come from a source no adapter knows (a newer version's venue, a typo in
``src``) is not silently empty: the lines are counted and the source named in the backtest's
output, its ``--json`` and the replay's feed state."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from engine.recording import RecordingWriter
from engine.secrets import Secrets
from engine.service import Service
from fakes.realdata import live_frame
from fakes.venue_servers import fast_settings

T0 = 1_791_565_602_000


def recording(path):
    """Two Binance liquidations and three lines of ``bitfoo``, a venue this version has no adapter for."""
    writer = RecordingWriter(path, ["binance", "bitfoo"])
    frame = live_frame("binance", "forceOrder 2026")
    for i in range(2):
        writer.write(T0 + i, "binance", "ws", "!forceOrder@arr", frame)
    for i in range(3):
        writer.write(T0 + 10 + i, "bitfoo", "ws", "liquidation", '{"side":"sell","px":"1"}')
    writer.close()
    return path


def backtest(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "teleglas_tui.cli", "backtest", "--progress", "off", *args],
                          capture_output=True, text=True, timeout=120)


def test_backtest_counts_and_names_lines_of_an_unknown_source(tmp_path):
    path = recording(tmp_path / "mixed.jsonl")
    summary = json.loads(backtest("--json", str(path)).stdout)
    assert summary["unknown_sources"] == {"bitfoo": 3}
    assert summary["rejected"] == 3 and summary["rejected_by_reason"] == {"unknown source 'bitfoo'": 3}
    assert summary["frames"] == 2  # what a known adapter read
    text = backtest(str(path)).stdout
    assert "3 lines from source 'bitfoo', which no feed of this version reads" in text


async def test_the_replay_feed_state_names_the_unknown_source(tmp_path):
    path = recording(tmp_path / "mixed.jsonl")
    service = Service(fast_settings(), Secrets(), data_dir=None, replay=path, speed=0, sinks=[])
    await asyncio.wait_for(service.run(), 10)
    (state,) = service.feed_states()
    assert "3 lines of unknown source 'bitfoo'" in state.detail
    assert state.reasons["unknown source 'bitfoo'"] == 3 and state.rejected == 3
