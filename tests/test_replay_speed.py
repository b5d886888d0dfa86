"""Determinism across replay speeds: the demo recording replayed by the service as fast as
possible and at a finite speed hands out the same signal changes as the backtest engine."""

from __future__ import annotations

import asyncio

from builders import settings
from test_service import Capture, replay_offline

from engine.locations import DEMO_RECORDING
from engine.secrets import Secrets
from engine.service import Service


async def _replay(speed: float) -> list[tuple]:
    capture = Capture()
    svc = Service(settings(), Secrets(), data_dir=None, replay=DEMO_RECORDING, speed=speed, sinks=[capture])
    await asyncio.wait_for(svc.run(), 60)
    return capture.changes


async def test_any_replay_speed_gives_the_same_signals_as_the_backtest():
    # The demo spans about 413 s of recorded time; at x2000 that is a fifth of a second of pacing.
    expected = replay_offline(DEMO_RECORDING, settings())
    assert expected, "the demo recording must produce signals"
    assert await _replay(0) == expected
    assert await _replay(2000) == expected
