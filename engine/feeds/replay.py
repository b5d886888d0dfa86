"""Replay: a recording fed through the same path as the live sockets.

Each record goes to the service's ``deliver(src, kind, ch, raw, t)``, exactly like a frame off a
socket: same pipeline, same adapters, same sinks.  Nothing below this module knows it is a replay.

Pacing follows the recorded receive times ``t``: at ``speed`` 2 a minute of recording plays in 30
seconds; ``speed`` 0 plays as fast as possible, yielding to the event loop every few hundred
records so the UI and the sinks keep running.  The speed may change while playing.
``fast_forward_s``: each pass plays its first seconds of recording as fast as possible, then at
``speed`` (the demo opens on a market whose 5-minute windows, tape and charts are already full).

At the end of each pass ``on_end`` is called (the service resolves the outcomes still open: the
data ended).  ``loop``: at the end the recording starts again, and ``on_restart`` is called first.  The service
then builds a fresh engine and fresh adapters (keeping the confidence estimator's counts), because the
recording's event times start again from the beginning: an engine that had seen the end of the
recording would treat the whole next pass as late events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from engine.feeds.adapter import FeedCounters
from engine.feeds.runner import Deliver
from engine.recording import ReadStats, read_records
from engine.snapshot import FeedState

_BATCH = 500  # records between yields when there is no waiting to do
_MIN_SLEEP_S = 0.002  # shorter waits are not worth a trip through the event loop


class Replay:
    name = "replay"

    def __init__(self, path: Path, deliver: Deliver, *, speed: float = 1.0, loop: bool = False,
                 fast_forward_s: float = 0.0, on_restart: Callable[[], None] | None = None,
                 on_end: Callable[[], None] | None = None) -> None:
        self.path = Path(path)
        self.deliver = deliver
        self._speed = speed
        self.loop = loop
        self.fast_forward_ms = fast_forward_s * 1000
        self.on_restart = on_restart
        self.on_end = on_end
        self.passes = 0  # completed passes through the file
        self.records = 0  # records delivered, all passes
        self.stats = ReadStats()  # the current pass
        self.done = False
        self._stopped = False
        self._wake = asyncio.Event()  # a stop or a speed change interrupts a wait

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed = value
        self._wake.set()

    async def run(self) -> None:
        while not self._stopped:
            if self.passes and self.on_restart is not None:
                self.on_restart()
            self.stats = ReadStats()
            await self._play()
            if not self._stopped and self.on_end is not None:
                self.on_end()
            await asyncio.sleep(0)  # a short file looping at full speed must not starve the loop
            if self._stopped or not self.loop:
                break
            self.passes += 1
        self.done = True

    async def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def _play(self) -> None:
        deliver = self.deliver
        clock: tuple[float, float, float] | None = None  # (recording ms, monotonic s, speed) in step
        pending = 0
        paced_from: float | None = None  # recording ms where pacing starts (after the fast-forward)
        for record in read_records(self.path, self.stats):
            if paced_from is None:
                paced_from = record.t + self.fast_forward_ms
            while not self._stopped:
                speed = self._speed if record.t >= paced_from else 0.0
                if speed <= 0:
                    clock = None
                    break
                now = time.monotonic()
                if clock is None:
                    clock = (record.t, now, speed)
                elif clock[2] != speed:  # keep the position, change the pace
                    clock = (clock[0] + (now - clock[1]) * 1000 * clock[2], now, speed)
                wait = (record.t - clock[0]) / 1000 / speed - (now - clock[1])
                if wait <= _MIN_SLEEP_S:
                    break
                pending = 0
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), wait)
                except TimeoutError:
                    pass
            pending += 1
            if pending >= _BATCH:
                pending = 0
                await asyncio.sleep(0)
            if self._stopped:
                return
            deliver(record.src, record.kind, record.ch, record.raw, record.t)
            self.records += 1

    def state(self, counters: FeedCounters, unknown: dict[str, int] | None = None) -> FeedState:
        """One row for the whole recording; ``counters`` are the pipeline's, all sources summed,
        ``unknown`` the lines whose source no adapter reads, by source (named in the detail)."""
        unknown = unknown or {}
        loop = f", pass {self.passes + 1}" if self.loop else ""
        skipped = f", {self.stats.skipped} unreadable lines" if self.stats.skipped else ""
        for src, n in sorted(unknown.items(), key=lambda item: -item[1])[:3]:
            skipped += f", {n:,} lines of unknown source {src!r}"
        return FeedState(
            name=self.name,
            state="done" if self.done else "replay",
            last_message_age_s=None,
            reconnects=self.passes,
            frames=counters.frames,
            events=counters.events,
            rejected=counters.rejected + sum(unknown.values()),
            detail=f"{self.path.name}{loop}{skipped}",
            reasons=dict(counters.reasons) | {f"unknown source {src!r}": n for src, n in unknown.items()},
        )
