"""Replay speeds: the demo recording replayed by the service as fast as possible and at a finite
speed hands out the same signal changes as the backtest engine; a fast-forward, then pacing."""

from __future__ import annotations

import asyncio

from builders import settings
from test_service import Capture

from engine.core import Engine
from engine.feeds.replay import Replay
from engine.locations import DEMO_RECORDING
from engine.pipeline import Pipeline
from engine.recording import Record, read_records, write_recording
from engine.secrets import Secrets
from engine.service import Service


def _backtest_changes() -> list[tuple]:
    """What a backtest of the demo hands out, in Capture's terms (the data's end included)."""
    pipeline = Pipeline(Engine(settings()))
    changes: list[tuple] = []

    def keep(signals) -> None:  # as handed over: the engine mutates the objects later
        changes.extend((s.change, s.id, s.revision, round(s.strength, 2)) for s in signals)

    for r in read_records(DEMO_RECORDING):
        keep(pipeline.feed(r.src, r.kind, r.ch, r.raw, r.t))
    keep(pipeline.engine.end_of_data())
    return changes


async def _replay(speed: float) -> list[tuple]:
    capture = Capture()
    svc = Service(settings(), Secrets(), data_dir=None, replay=DEMO_RECORDING, speed=speed, sinks=[capture])
    await asyncio.wait_for(svc.run(), 60)
    return capture.changes


async def test_any_replay_speed_gives_the_same_signals_as_the_backtest():
    # The demo spans 5,048 s of recorded time; at x20000 that is a quarter of a second of pacing.
    expected = _backtest_changes()
    assert expected, "the demo recording must produce signals"
    assert await _replay(0) == expected
    assert await _replay(20000) == expected


async def test_fast_forward_plays_the_first_seconds_at_once_then_paces(tmp_path):
    """The demo opens minutes into its episode: records up to ``fast_forward_s`` go out without
    waiting, the rest at ``speed`` (so slow here that the next one would take hours)."""
    path = tmp_path / "r.jsonl"
    write_recording(path, ["binance"], "", [Record(t, "binance", "ws", "x", "{}") for t in range(0, 20_000, 1000)])
    delivered: list[int] = []
    replay = Replay(path, lambda src, kind, ch, raw, t: delivered.append(t), speed=0.001, fast_forward_s=10)
    task = asyncio.create_task(replay.run())

    async def eleven_delivered() -> None:
        while len(delivered) < 11:
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(eleven_delivered(), 5)
        await asyncio.sleep(0.05)
        assert delivered == list(range(0, 11_000, 1000))  # 0-9 s at once; 10 s starts the paced clock
    finally:
        await replay.stop()
        await asyncio.wait_for(task, 5)
