"""Determinism across replay speeds: the demo recording replayed by the service as fast as
possible and at a finite speed hands out the same signal changes as the backtest engine."""

from __future__ import annotations

import asyncio

from builders import settings
from test_service import Capture

from engine.core import Engine
from engine.locations import DEMO_RECORDING
from engine.pipeline import Pipeline
from engine.recording import read_records
from engine.secrets import Secrets
from engine.service import Service


def _backtest_changes() -> list[tuple]:
    """What a backtest of the demo hands out, in Capture's terms (the data's end included)."""
    pipeline = Pipeline(Engine(settings()))
    changes: list[tuple] = []

    def keep(signals) -> None:  # as handed over: the engine mutates the objects later
        changes.extend((s.change, s.id, s.revision, round(s.confidence, 2)) for s in signals)

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
    # The demo spans about 413 s of recorded time; at x2000 that is a fifth of a second of pacing.
    expected = _backtest_changes()
    assert expected, "the demo recording must produce signals"
    assert await _replay(0) == expected
    assert await _replay(2000) == expected
