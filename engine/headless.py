"""``teleglas run --headless``: the service with no UI, for systemd, tmux or scripts.

Logs (stderr, or ``--log-file``) one line per new signal and per outcome (every update too with
``-v``), every feed state change (the service's :mod:`engine.feed_log`: a feed down or stale is a
WARNING, once per outage), and a status line every minute and at exit.  SIGINT, SIGTERM and
SIGHUP stop it cleanly: feeds close, the recording is flushed, the sinks save their state (a
signal the process inherited as ignored, SIGHUP under ``nohup``, stays ignored).
Every log line passes through the secrets' redaction, so a key cannot reach the log.

Exit codes: 0 after a clean stop or the end of a replay; 1 when every live feed gave up (a rejected
key: one line says so), or the database is held by another teleglas or was written by a newer one;
2 when it cannot start as asked (bad option, setting or recording, no feed to run).
Never imports Textual: this module is the proof that the engine runs without the UI.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import time
from collections.abc import Callable
from pathlib import Path

from engine import format as fmt
from engine.arguments import output_file, recording
from engine.errors import RunError, UsageError
from engine.locations import data_dir
from engine.model import Event, Signal
from engine.secrets import load_secrets
from engine.service import Service, ServiceError
from engine.settings import load_for_command
from engine.snapshot import FeedState, ServiceSnapshot, SinkState
from engine.store import db_path
from engine.store.claim import claim_database

log = logging.getLogger("teleglas")

STATUS_EVERY_S = 60.0
WATCH_EVERY_S = 1.0  # start-up notes are logged within this


def main(args: argparse.Namespace) -> int:
    settings = load_for_command(args)
    secrets = load_secrets()
    replay = _check_args(args)
    try:
        _configure_logging(args.log_file, args.verbose, secrets.redact)
    except OSError as exc:
        raise UsageError(f"--log-file: cannot write {args.log_file}: {exc.strerror}") from None
    data = data_dir(getattr(args, "data_dir", None))
    try:
        claim = claim_database(db_path(data, replay=replay is not None), "teleglas run --headless")
        if claim.note:
            log.warning("%s", claim.note)
        try:
            service = Service(settings, secrets, data_dir=data, replay=replay, speed=args.speed, loop=args.loop,
                              record=Path(args.record) if args.record else None)
            service.sinks.append(SignalLog(args.verbose))
            return asyncio.run(_run(service, args.duration))
        finally:
            claim.release()
    except (ServiceError, RunError) as exc:
        if args.log_file:  # the log says why too; stderr gets the line from the command line
            log.error("%s", exc)
        raise


def _check_args(args: argparse.Namespace) -> Path | None:
    """The recording to replay, if any; :class:`UsageError` for a bad combination or file.
    (``--speed`` and ``--duration`` are checked as they are parsed.)"""
    if args.log_file:
        output_file("--log-file", args.log_file)
    if not args.replay:
        return None
    if args.record:
        raise UsageError("--record records the live feeds; a replay is already a recording")
    return recording("--replay", args.replay)


class _RedactingFormatter(logging.Formatter):
    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%d %H:%M:%S")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def _configure_logging(log_file: str | None, verbose: bool, redact: Callable[[str], str]) -> None:
    handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler()
    handler.setFormatter(_RedactingFormatter(redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for ours in ("teleglas", "engine"):  # -v is about teleglas, not the libraries' internals
        logging.getLogger(ours).setLevel(logging.DEBUG if verbose else logging.INFO)
    for library in ("websockets", "aiohttp", "asyncio"):
        logging.getLogger(library).setLevel(logging.WARNING)


class SignalLog:
    """A sink that writes one line per signal to the log."""

    name = "log"

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.lines = 0

    async def start(self, service: Service) -> None:
        pass

    def on_signals(self, signals: list[Signal]) -> None:
        for sig in signals:
            if sig.change == "update" and not self.verbose:
                continue
            self.lines += 1
            log.info("%s", signal_line(sig))

    def on_events(self, events: list[Event]) -> None:
        pass

    def state(self) -> SinkState:
        return SinkState("ok")

    async def stop(self) -> None:
        pass


def signal_line(sig: Signal) -> str:
    """``signal new STOP_HUNT LONG FET strength 80 ctx NEUTRAL entry 0.4412 stop ... at <event time>``."""
    parts = [f"signal {sig.change}", sig.type, sig.direction.upper() if sig.direction else "-", sig.coin,
             f"strength {sig.strength:.0f}", f"ctx {sig.context.assessment}"]
    if sig.entry is not None:
        parts.append(f"entry {fmt.price(sig.entry)} stop {fmt.price(sig.stop)} target {fmt.price(sig.target)}")
    if sig.change == "outcome":
        parts.append(f"outcome {sig.outcome.result}")
    if sig.blocked:
        parts.append("BLOCKED (context: not sent to Telegram)")
    parts.append(f"at {fmt.utc_time(sig.ts)}")
    return " ".join(parts)


def status_line(snap: ServiceSnapshot, events: str, stopped: bool = False) -> str:
    """``status REPLAY x10: events 29 in 20.0 s (1.5/s), signals 0, …``: ``events`` says how many
    over which interval (:class:`EventCount`); a replay names its file and where it is in event
    time (``stopped``: ended by a stop, not by its last line)."""
    speed = "" if snap.speed is None else " (as fast as possible)" if snap.speed == 0 else f" x{snap.speed:g}"
    if snap.mode == "REPLAY":
        where = f"event time {fmt.utc_time(snap.engine.now_ms)}" if snap.engine.now_ms else "no event yet"
        sources = ", ".join(f"replay of {f.detail} {_replay_state(f.state, stopped)} at {where}" for f in snap.feeds)
    else:
        sources = "feeds " + (", ".join(f"{f.name} {f.state}" for f in snap.feeds) or "none")
    return (f"status {snap.mode}{speed}: events {events}, signals {snap.engine.signals_seq}, "
            f"rejected {snap.rejected}, {sources}, database {snap.database.state}, telegram {snap.telegram.state}"
            f"{', alerts paused' if snap.paused else ''}")


def _replay_state(state: str, stopped: bool) -> str:
    if state == "done":
        return "stopped" if stopped else "ended"
    return "playing"


class EventCount:
    """Events so far and the rate over the interval the line names: since the previous status
    line for the periodic ones, the whole run for the last (a rate over the last few seconds,
    printed beside a total, read as the run's: ``4,493 (0/s)`` after a run at full speed)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started = clock()
        self._last = (self.started, 0)

    def since_last(self, feeds: list[FeedState]) -> str:
        now, total = self._clock(), _events(feeds)
        then, before = self._last
        self._last = (now, total)
        return f"{total:,} (+{total - before:,} in the last {_span(now - then)}: {_rate(total - before, now - then)})"

    def whole_run(self, feeds: list[FeedState]) -> str:
        total, seconds = _events(feeds), self._clock() - self.started
        return f"{total:,} in {_span(seconds)} ({_rate(total, seconds)})"


def _events(feeds: list[FeedState]) -> int:
    """Every event the feeds delivered (a looping replay's earlier passes too: the engine's own
    count starts again with each pass)."""
    return sum(f.events for f in feeds)


def _span(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds:.2f} s"
    return f"{seconds:.1f} s" if seconds < 60 else fmt.duration(seconds)


def _rate(events: int, seconds: float) -> str:
    rate = events / seconds if seconds > 0 else 0.0
    return f"{rate:,.1f}/s" if rate < 10 else f"{rate:,.0f}/s"


async def _run(service: Service, duration: float | None) -> int:
    loop = asyncio.get_running_loop()

    stops: list[str] = []

    def request_stop(reason: str) -> None:
        stops.append(reason)
        log.info("%s: stopping", reason)
        loop.create_task(service.stop())

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_IGN:
            continue  # started under nohup (or told to ignore it otherwise): the user's choice stands
        loop.add_signal_handler(signum, request_stop, signal.Signals(signum).name)
    timer = loop.call_later(duration, request_stop, f"--duration {duration:g} s reached") if duration else None
    count = EventCount()
    watcher = loop.create_task(_watch(service, count))
    what = f"replay of {service.replay_path}" if service.replay_path else "live feeds"
    log.info("teleglas headless: %s", what)
    try:
        await service.run()
    finally:
        watcher.cancel()
        if timer is not None:
            timer.cancel()
    snap = service.snapshot()
    log.info("%s", status_line(snap, count.whole_run(snap.feeds), stopped=bool(stops)))
    if service.failure:
        log.error("%s", service.failure)
        return 1
    return 0


async def _watch(service: Service, count: EventCount) -> None:
    """Start-up notes and the periodic status line (the service logs feed state changes)."""
    loop = asyncio.get_running_loop()
    next_status = loop.time() + STATUS_EVERY_S
    noted = 0
    while True:
        await asyncio.sleep(WATCH_EVERY_S)
        for note in service.notes[noted:]:
            log.warning("%s", note)
        noted = len(service.notes)
        if loop.time() >= next_status:
            next_status += STATUS_EVERY_S
            snap = service.snapshot()
            log.info("%s", status_line(snap, count.since_last(snap.feeds)))
