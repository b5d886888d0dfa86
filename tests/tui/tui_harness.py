"""The TUI under test: the real app on a real Service replaying a real recording (imported by
the TUI tests as ``tui_harness``).

Nondeterminism is removed the way harlequin's conftest does it: the wall-clock parts of the
header (events per second, ages of the last Telegram delivery and database commit) are frozen,
the wall clock the panes see is fixed, the replay runs to its end at speed 0 before a picture is
taken, and the flow table's cursor is put back on the first row.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual.pilot import Pilot

from engine.feeds.registry import VENUES
from engine.model import Event, Signal
from engine.secrets import Secrets
from engine.service import Service
from engine.settings import Settings
from engine.snapshot import ServiceSnapshot, SinkState
from teleglas_tui.app import TeleglasApp
from teleglas_tui.flow_table import FlowTable
from teleglas_tui.monitor_screen import MonitorScreen

SMALL = Path(__file__).resolve().parent / "data" / "small.jsonl.gz"
FROZEN_WALL_MS = 1_723_161_500_000  # 2024-08-08 23:58:20 UTC, inside the recording


class FrozenApp(TeleglasApp):
    """The app with the wall clock stopped (see the module docstring)."""

    def read_snapshot(self) -> ServiceSnapshot:
        snap = super().read_snapshot()
        return dataclasses.replace(
            snap, events_per_s=0.0,
            telegram=dataclasses.replace(snap.telegram, last_ms=None),
            database=dataclasses.replace(snap.database, last_ms=None),
        )

    def wall_ms(self) -> int:
        return FROZEN_WALL_MS


class ProbeSink:
    """A sink that only notes that the service started and stopped it."""

    name = "probe"

    def __init__(self) -> None:
        self.started = self.stopped = False

    async def start(self, service: Service) -> None:
        self.started = True

    def on_signals(self, signals: list[Signal]) -> None:
        pass

    def on_events(self, events: list[Event]) -> None:
        pass

    def state(self) -> SinkState:
        return SinkState("ok")

    async def stop(self) -> None:
        self.stopped = True


def make_app(data_dir: Path | None = None, *, recording: Path = SMALL, settings: Settings | None = None,
             sinks: list | None = (), speed: float = 0.0, loop: bool = False) -> FrozenApp:
    """An app replaying ``recording``; ``sinks=None`` gives the default sinks (SQLite in
    ``data_dir``), the default none, so pictures do not depend on a database."""
    settings = settings or Settings()
    service = Service(settings, Secrets(), data_dir=data_dir, replay=recording, speed=speed, loop=loop,
                      sinks=None if sinks is None else list(sinks))
    return FrozenApp(service, settings)


async def replayed(pilot: Pilot) -> None:
    """Wait for the replay to finish, draw the final state, cursor on the first row."""
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, MonitorScreen)
    screen.refresh_panes()
    screen.query_one(FlowTable).move_cursor(row=0)
    await pilot.pause()


async def until(pilot, condition, tries: int = 100) -> None:
    """Let the app run in short pauses until ``condition`` holds (fails the test after ``tries``)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met")


class FrozenFeedsApp(FrozenApp):
    """The frozen app with the feeds' retry counts and last errors fixed too (how many retries
    a picture catches, and whether the REST or the WebSocket refusal came last, is timing)."""

    def read_snapshot(self) -> ServiceSnapshot:
        snap = super().read_snapshot()
        feeds = [dataclasses.replace(f, reconnects=2, last_message_age_s=None, detail="connection refused")
                 for f in snap.feeds]
        return dataclasses.replace(snap, feeds=feeds)


def no_network_app(*, frozen_feeds: bool = False, watchlist: list[str] | None = None) -> tuple[FrozenApp, ProbeSink]:
    """Live mode on a machine with no network: every free venue points at a closed port of
    127.0.0.1, no database; ``watchlist`` replaces the default one."""
    settings = Settings()
    if watchlist is not None:
        settings.watchlist.coins = watchlist
    for name in (name for name, venue in VENUES.items() if not venue.key):
        feed = getattr(settings.feeds, name)
        feed.ws_url, feed.rest_url = "ws://127.0.0.1:9/", "http://127.0.0.1:9"  # nothing listens
    probe = ProbeSink()
    kind = FrozenFeedsApp if frozen_feeds else FrozenApp
    return kind(Service(settings, Secrets(), data_dir=None, sinks=[probe]), settings), probe


async def feeds_down(pilot: Pilot) -> None:
    """Wait until every feed has failed once (and said why), then draw."""
    app = pilot.app
    await until(pilot, lambda: all(f.state == "down" and f.detail for f in app.service.snapshot().feeds), tries=400)
    app.screen.refresh_panes()
    await pilot.pause()
