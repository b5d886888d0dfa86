"""The service: feeds → pipeline → engine → sinks, on one asyncio loop, with or without a UI.

Every signal gets its alert status (``Signal.alert``: sent to Telegram, or why not) from the one
alert policy before any sink sees it, in every mode; a run without Telegram decides too (``no
telegram``), so the UI, the database and the bell read the same answer.

Live mode starts the feeds enabled in the settings (CoinGlass only with a key; with CoinGlass
running, its ``liquidationOrders`` replaces the venues' own liquidation streams).  Replay mode
plays a recording through exactly the same frame path.  Every frame goes, in this order, to the
recorder (``record=``, live only), ``Pipeline.feed``, and the sinks.

The UI and ``/status`` pull :meth:`Service.snapshot` at a fixed rate; nothing is pushed per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from engine.alerts.policy import AlertPolicy
from engine.coins import CoinRegistry
from engine.core import Engine
from engine.feed_log import FeedLog
from engine.feeds import live
from engine.feeds.adapter import FeedCounters
from engine.feeds.registry import VENUES
from engine.feeds.replay import Replay
from engine.feeds.runner import LiveFeed
from engine.feeds.venue import Feed, Venue
from engine.model import Event, Signal
from engine.pipeline import Pipeline
from engine.read_model import ReadModel
from engine.recording import RecordingWriter
from engine.locations import secrets_files
from engine.secrets import Secrets, shown_path
from engine.settings import Settings
from engine.sinks import Sink
from engine.snapshot import CoinDetail, FeedState, ServiceSnapshot, SinkState
from engine.store import StoreSink
from engine.wiring import default_sinks

log = logging.getLogger("teleglas.service")

_RATE_WINDOW_S = 5.0  # events_per_s is the rate over the last few seconds
_FLUSH_EVERY_S = 1.0  # recording lines reach the disk at least this often
_STOP_GRACE_S = 3.0  # how long feeds get to close their sockets before they are cancelled
_FEED_LOG_EVERY_S = 1.0  # feed state changes reach the log within this
_OFF = SinkState("off")


class ServiceError(RuntimeError):
    """The service cannot start; the message is one line for the user."""


class Service:
    def __init__(self, settings: Settings, secrets: Secrets, *, data_dir: Path | None,
                 replay: Path | None = None, speed: float = 1.0, loop: bool = False, fast_forward_s: float = 0.0,
                 record: Path | None = None, sinks: list[Sink] | None = None, hold: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.secrets = secrets
        self.data_dir = data_dir
        self.mode = "REPLAY" if replay is not None else "LIVE"
        self.replay_path = Path(replay) if replay is not None else None
        self.loop = loop
        self.fast_forward_s = fast_forward_s  # each replay pass plays this much at full speed first (see Replay)
        # A UI holds the service open when the data ends (a replay's last record, every feed
        # down): the picture stays, and coin settings changed afterwards are still saved.
        self.hold = hold
        self.record_path = Path(record) if record is not None else None
        self.coins = CoinRegistry(settings.watchlist.coins, settings.alerts.new_coins)
        self.feeds: list[LiveFeed] = []
        self.replay: Replay | None = None
        self.recorder: RecordingWriter | None = None
        self._flusher: asyncio.Task | None = None
        self._feed_log: asyncio.Task | None = None
        self.notes: list[str] = []  # start-up remarks for the log (a feed left off, and why)
        self.failure = ""  # why the service ended by itself, if it did
        self._speed = speed
        self._passes = 0
        self._carried = FeedCounters()  # counts of earlier replay passes
        self._rate: deque[tuple[float, int]] = deque()
        self._sink_errors: dict[str, int] = {}
        self._stop = asyncio.Event()
        self.ended = asyncio.Event()  # the data ended by itself (see ``hold``)
        self._finished = asyncio.Event()
        self._running = False
        self.engine = Engine(settings)
        self.view = ReadModel(settings)  # what the screen reads, fed by the same events
        self.pipeline = self._new_pipeline()
        self.sinks: list[Sink] = (sinks if sinks is not None
                                  else default_sinks(settings, secrets, data_dir, self.mode))
        self._clock = clock  # wall clock: the alert policy's cooldowns and mutes
        self.alerts = AlertPolicy(settings.alerts, self.coins, lambda: self.coins.paused,
                                  telegram=any(sink.name == "telegram" for sink in self.sinks), gate=settings.gate)

    # -------------------------------------------------------------------------- public API

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed = value
        if self.replay is not None:
            self.replay.speed = value

    @property
    def paused(self) -> bool:
        return self.coins.paused

    def pause_alerts(self) -> None:
        self.coins.paused = True

    def resume_alerts(self) -> None:
        self.coins.paused = False

    def export_engine_state(self) -> dict:
        return self.engine.export_state()

    def load_engine_state(self, state: dict) -> None:
        self.engine.load_state(state)

    async def run(self) -> None:
        """Run until :meth:`stop`, or (unless ``hold``) the end of a replay without ``loop`` or
        every live feed giving up (``failure`` says why).  Raises :class:`ServiceError` if nothing can start."""
        self._running = True
        tasks: list[asyncio.Task] = []
        try:
            plan = self._feed_plan() if self.replay_path is None else []  # fail before opening anything
            for sink in self.sinks:
                await sink.start(self)  # may restore the watchlist the feeds subscribe
            self.coins.listeners.append(self._coins_changed)
            self.coins.restore_listeners.append(self._coins_changed)  # a database that opened late
            if self.replay_path is not None:
                self.replay = Replay(self.replay_path, self._deliver, speed=self._speed, loop=self.loop,
                                     fast_forward_s=self.fast_forward_s,
                                     on_restart=self._restart, on_end=self._end_of_data)
                tasks.append(asyncio.create_task(self.replay.run(), name="replay"))
            else:
                watched = self.coins.watched()
                self.feeds = [self._start_feed(venue, liquidations, watched) for venue, liquidations in plan]
                if self.record_path is not None:
                    try:
                        self.recorder = RecordingWriter(self.record_path, [f.name for f in self.feeds],
                                                        note="teleglas live recording")
                    except OSError as exc:
                        raise ServiceError(f"cannot record to {self.record_path}: {exc.strerror or exc}") from None
                    self._flusher = asyncio.create_task(self._flush_recording(), name="recorder")
                tasks += [asyncio.create_task(f.run(), name=f"feed {f.name}") for f in self.feeds]
            self._feed_log = asyncio.create_task(self._log_feeds(), name="feed log")
            await self._wait(tasks)
            self.ended.set()
            if self.hold:
                await self._stop.wait()
        finally:
            await self._shutdown(tasks)

    def check(self) -> None:
        """Raise :class:`ServiceError` now if :meth:`run` could not start (no live feed can run),
        so a UI says it in one line before it takes the screen."""
        if self.replay_path is None:
            self._feed_plan()

    async def stop(self) -> None:
        """Close the feeds, flush the recording, stop the sinks (they save state).  Returns when
        done; safe to call more than once."""
        self._stop.set()
        if self._running:
            await self._finished.wait()

    def feed_states(self) -> list[FeedState]:
        """Each feed's state now (the replay is one feed)."""
        if self.replay is not None:
            return [self.replay.state(self._totals(), self.pipeline.unknown_sources)]
        counters = self.pipeline.counters
        return [f.state(counters.get(f.name)) for f in self.feeds]

    def snapshot(self) -> ServiceSnapshot:
        totals = self._totals()
        return ServiceSnapshot(
            mode=self.mode,
            speed=self._speed if self.mode == "REPLAY" else None,
            engine=self.view.snapshot(self.engine.gate.drops),
            feeds=self.feed_states(),
            events_per_s=self._events_per_s(totals.events),
            rejected=totals.rejected,
            telegram=self._sink_state("telegram"),
            database=self._sink_state("database"),
            paused=self.coins.paused,
            coins=self.coins.settings(),
        )

    def listed_coins(self) -> set[str]:
        """Every coin a venue's listing named or the market showed: what a user may add."""
        listed = set(self.coins.known())
        for adapter in self.pipeline.adapters.values():
            perpetuals = getattr(adapter, "perpetuals", None)
            if perpetuals is not None:
                listed.update(perpetuals.coins())
        return listed

    def coin_detail(self, coin: str) -> CoinDetail:
        return self.view.coin_detail(coin)

    def stats(self) -> dict:
        return self.engine.stats()

    async def signal_history(self, n: int) -> list[dict] | None:
        """The newest ``n`` signals the database keeps (earlier runs' too), newest last; None
        when there is no database or it is unavailable."""
        for sink in self.sinks:
            if isinstance(sink, StoreSink):
                return await sink.signal_history(n)
        return None

    # -------------------------------------------------------------------------- frame path

    def _deliver(self, src: str, kind: str, ch: str, raw: str, t: int) -> None:
        """Every frame and REST body, live or replayed: record, parse, process, fan out."""
        if self.recorder is not None:
            try:
                self.recorder.write(t, src, kind, ch, raw)
            except OSError as exc:
                self._recording_failed(exc)
        signals = self.pipeline.feed(src, kind, ch, raw, t)
        if signals:
            self.emit(signals)

    def _end_of_data(self) -> None:
        """A replay pass ended: open outcomes resolve with what the recording showed."""
        signals = self.engine.end_of_data()
        if signals:
            self.emit(signals)

    def emit(self, signals: list[Signal]) -> None:
        """New or changed signals: each gets its alert status, then every sink gets them all."""
        now = int(self._clock() * 1000)
        decide = self.alerts.decide
        for signal in signals:
            try:
                decide(signal, now)
            except Exception:  # a bug in the decision must not stop the market data
                log.exception("alert policy: could not decide signal %s", signal.id)
        self._fan_out("on_signals", signals)

    def _on_events(self, events: list[Event]) -> None:
        self._fan_out("on_events", events)

    def _fan_out(self, method: str, items: list[Signal] | list[Event]) -> None:
        for sink in self.sinks:
            try:
                getattr(sink, method)(items)
            except Exception:  # a sink's bug must not stop the market data
                errors = self._sink_errors[sink.name] = self._sink_errors.get(sink.name, 0) + 1
                if errors == 1:
                    log.exception("sink %s failed in %s (further failures are counted, not logged)",
                                  sink.name, method)

    def _new_pipeline(self) -> Pipeline:
        self.engine.new_coin_listeners.append(self.coins.discover)
        self.engine.path.emit_listeners.append(self.view.on_emitted)
        pipeline = Pipeline(self.engine)
        pipeline.event_listeners.append(self.view.on_events)
        pipeline.event_listeners.append(self._on_events)
        return pipeline

    def _restart(self) -> None:
        """A looping replay starts over: fresh engine and adapters, same scorer state.

        The sequence numbers carry on so a UI that appends ``tape``/``signals`` by sequence sees
        the new pass as new items rather than as a clock going backwards.
        """
        self._passes += 1
        old = self.engine
        totals = self._totals()
        self._carried = totals
        engine = Engine(self.settings, run_id=f"p{self._passes}-")
        engine.load_state(old.export_state())
        self.view = ReadModel(self.settings, self.view.tape_seq, self.view.signals_seq)
        self.engine = engine
        self.pipeline = self._new_pipeline()

    def _totals(self) -> FeedCounters:
        total = FeedCounters(self._carried.frames, self._carried.events, self._carried.rejected)
        for c in self.pipeline.counters.values():
            total.frames += c.frames
            total.events += c.events
            total.rejected += c.rejected
        return total

    # -------------------------------------------------------------------------- live feeds

    def _feed_plan(self) -> list[tuple[Venue, bool]]:
        """The live feeds to start, each with its ``liquidations`` role."""
        cfg = self.settings.feeds
        keyed = [v for v in VENUES.values() if getattr(cfg, v.name).enabled and v.key]
        missing = [v for v in keyed if not getattr(self.secrets, v.key)]
        for venue in missing:  # check() may have said it already
            off = f"{venue.title} is off: {venue.key.upper()} is not set"
            if off not in self.notes:
                self.notes.append(off)
        runnable = [v for v in VENUES.values() if getattr(cfg, v.name).enabled and v not in missing]
        # With an aggregating feed (CoinGlass), its liquidations cover every venue: taking the
        # venues' own streams as well would count every liquidation twice.
        aggregated = any(v.aggregate for v in runnable)
        plan = [(venue, venue.aggregate or not aggregated) for venue in runnable]
        if not plan:
            if missing:
                venue = missing[0]
                raise ServiceError(f"no live feed can run: {venue.title} needs {venue.key.upper()} (the environment, "
                                   f"{', '.join(shown_path(p) for p in secrets_files())}) and no other feed is enabled")
            raise ServiceError("no live feed can run: every feed is disabled (feeds.<name>.enabled)")
        return plan

    def _start_feed(self, venue: Venue, liquidations: bool, coins: list[str]) -> LiveFeed:
        """``venue``'s live feed, learning its listing through the pipeline's own adapter."""
        feed = Feed(venue.name, getattr(self.settings.feeds, venue.name), self.pipeline.adapters[venue.name],
                    liquidations, self.secrets)
        return live.start(venue, feed, coins, self._deliver, self.settings.context.poll_interval_s)

    def _coins_changed(self, coin: str) -> None:
        watched = self.coins.watched()
        for feed in self.feeds:
            feed.set_coins(watched)

    async def _log_feeds(self) -> None:
        """Feed state changes into the log, headless and under the monitor alike (feed_log)."""
        feed_log = FeedLog()
        while True:
            feed_log.note(self.feed_states())
            await asyncio.sleep(_FEED_LOG_EVERY_S)

    async def _flush_recording(self) -> None:
        while True:
            await asyncio.sleep(_FLUSH_EVERY_S)
            if self.recorder is not None:
                try:
                    self.recorder.flush()
                except OSError as exc:
                    self._recording_failed(exc)

    def _recording_failed(self, exc: OSError) -> None:
        """The disk is full or gone: the recording stops, the market data goes on (an error
        raised on the frame path would read as a broken socket and reconnect for ever)."""
        recorder, self.recorder = self.recorder, None
        log.error("recording stopped: cannot write %s: %s", self.record_path, exc.strerror or exc)
        with contextlib.suppress(OSError):
            recorder.close()  # type: ignore[union-attr]

    # -------------------------------------------------------------------------- lifecycle

    async def _wait(self, tasks: list[asyncio.Task]) -> None:
        """Until stop(), or the work ends by itself: the replay finished, or every feed gave up."""
        stop = asyncio.create_task(self._stop.wait())
        try:
            pending = set(tasks)
            while pending and not self._stop.is_set():
                _, pending = await asyncio.wait([stop, *pending], return_when=asyncio.FIRST_COMPLETED)
                pending.discard(stop)
        finally:
            stop.cancel()
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        dead = [f for f in self.feeds if f.fatal]
        if dead and len(dead) == len(self.feeds):
            self.failure = "; ".join(f.state().detail for f in dead)

    async def _shutdown(self, tasks: list[asyncio.Task]) -> None:
        try:
            if self._feed_log is not None:  # first: stopping feeds is not an outage
                self._feed_log.cancel()
            # All at once: a dead peer holds each close for its timeout.
            await asyncio.gather(*(feed.stop() for feed in self.feeds))
            if self.replay is not None:
                await self.replay.stop()
            work = [t for t in tasks if not t.done()]
            if work:
                _, late = await asyncio.wait(work, timeout=_STOP_GRACE_S)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            if self._flusher is not None:
                self._flusher.cancel()
            if self.recorder is not None:
                try:
                    self.recorder.close()
                except OSError as exc:
                    self._recording_failed(exc)
                self.recorder = None
            for sink in self.sinks:
                try:
                    await sink.stop()
                except Exception:
                    log.exception("sink %s failed to stop cleanly", sink.name)
        finally:
            self._running = False
            self._finished.set()

    # -------------------------------------------------------------------------- helpers

    def _events_per_s(self, events: int) -> float:
        now = time.monotonic()
        rate = self._rate
        rate.append((now, events))
        while len(rate) > 2 and now - rate[0][0] > _RATE_WINDOW_S:
            rate.popleft()
        then, before = rate[0]
        return (events - before) / (now - then) if now > then else 0.0

    def _sink_state(self, name: str) -> SinkState:
        for sink in self.sinks:
            if sink.name == name:
                try:
                    return sink.state()
                except Exception:
                    return SinkState("degraded", detail="state unavailable")
        return _OFF
