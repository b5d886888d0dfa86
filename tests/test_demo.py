"""What `teleglas demo` promises a newcomer (recordings/README.md): within its first 10 seconds on
screen, liquidations, large-trade flow and a signal; and a loop that starts over cleanly."""

from __future__ import annotations

import asyncio

from builders import settings
from test_service import Capture

from engine.core import Engine
from engine.locations import DEMO_FAST_FORWARD_S, DEMO_RECORDING, DEMO_SPEED
from engine.model import Liquidation, Signal, Trade
from engine.pipeline import Pipeline
from engine.recording import read_records
from engine.secrets import Secrets
from engine.service import Service

FIRST_SECONDS = 10


def test_the_first_ten_seconds_show_liquidations_flow_and_a_new_signal():
    """The demo opens after its fast-forward and plays at DEMO_SPEED: its first 10 s on screen are
    the next FIRST_SECONDS x DEMO_SPEED seconds of recording."""
    pipeline = Pipeline(Engine(settings()))
    records = list(read_records(DEMO_RECORDING))
    opens = records[0].t + DEMO_FAST_FORWARD_S * 1000
    first_seconds_end = opens + FIRST_SECONDS * DEMO_SPEED * 1000
    at_open: list = []
    pipeline.event_listeners.append(at_open.extend)
    for r in (r for r in records if r.t < opens):
        pipeline.feed(r.src, r.kind, r.ch, r.raw, r.t)
    seen: list = []
    pipeline.event_listeners[:] = [seen.extend]
    new_signals = []
    for r in (r for r in records if opens <= r.t <= first_seconds_end):
        new_signals += [s for s in pipeline.feed(r.src, r.kind, r.ch, r.raw, r.t) if s.change == "new"]
    assert any(isinstance(e, Trade) for e in at_open)  # the flow table is full when the screen opens
    assert any(isinstance(e, Liquidation) for e in seen) and any(isinstance(e, Trade) for e in seen)
    assert new_signals, "no new signal in the demo's first 10 s: move DEMO_FAST_FORWARD_S"


class Passes(Capture):
    def __init__(self) -> None:
        super().__init__()
        self.signals: list[Signal] = []

    def on_signals(self, signals: list[Signal]) -> None:
        self.signals += [s for s in signals if s.change == "new"]


async def test_the_loop_starts_over_cleanly():
    """Event time goes back to the first line at each pass: a fresh engine gives the same signals
    again (new ids, nothing taken for a late duplicate), and every directional signal of a pass
    has its final outcome by the time the next pass starts."""
    capture = Passes()
    svc = Service(settings(), Secrets(), data_dir=None, replay=DEMO_RECORDING, speed=0, loop=True,
                  fast_forward_s=DEMO_FAST_FORWARD_S, sinks=[capture])
    task = asyncio.create_task(svc.run())

    async def two_passes() -> None:
        while svc.replay is None or svc.replay.passes < 2:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(two_passes(), 60)
    await svc.stop()
    await asyncio.wait_for(task, 10)
    first = [s for s in capture.signals if not s.id.startswith("p")]
    second = [s for s in capture.signals if s.id.startswith("p1-")]
    assert first and sorted(s.id for s in first) == sorted(s.id.removeprefix("p1-") for s in second)
    assert all(s.outcome.result != "PENDING" for s in first if s.direction)
