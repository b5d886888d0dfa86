"""The Telegram sink: alerts through the outbox, commands by long polling.

The service's alert policy has decided each signal's status before this sink sees it; the outbox
turns a ``sent`` one into messages.  With a database the store sink asks this sink's outbox for
the rows of each signal revision and writes them in the signal's own transaction; on start, rows a previous run left unsent (or with
an edit due) are loaded and delivered, and the alert caps of the last hour are restored.
Without a database the outbox works from memory alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from engine.tasks import cancel_all
from engine.alerts.chats import STATE_KEY as CHATS_KEY
from engine.alerts.chats import Chats
from engine.alerts.commands import Commands
from engine.alerts.outbox import Outbox
from engine.alerts.poller import CommandPoller
from engine.alerts.policy import HOUR_MS, AlertPolicy
from engine.alerts.status import STALE
from engine.alerts.telegram import BotApi
from engine.model import Event, Signal
from engine.secrets import Secrets
from engine.settings import Settings
from engine.sinks import Controls
from engine.snapshot import SinkState
from engine.store import queries

if TYPE_CHECKING:
    from engine.store.sink import StoreSink

log = logging.getLogger(__name__)


def telegram_wanted(settings: Settings, secrets: Secrets, mode: str) -> bool:
    """Alerts need a token and a chat; replays and demos send none unless ``telegram.in_replay``."""
    return (settings.telegram.enabled and bool(secrets.telegram_bot_token and secrets.telegram_chat_ids)
            and (mode == "LIVE" or settings.telegram.in_replay))


class TelegramSink:
    name = "telegram"

    def __init__(self, settings: Settings, secrets: Secrets, store: StoreSink | None = None,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.settings = settings
        self.secrets = secrets
        self.store = store
        self._clock = clock
        self._sleep = sleep
        t = settings.telegram
        self.api = BotApi(t.api_url, secrets.telegram_bot_token, t.request_timeout_s, secrets.redact)
        self.chats = Chats(secrets.telegram_chat_ids)
        self.outbox: Outbox | None = None
        self.poller: CommandPoller | None = None
        self._tasks: list[asyncio.Task] = []
        self._started_ms = 0

    async def start(self, controls: Controls) -> None:
        self._started_ms = int(self._clock() * 1000)
        policy = controls.alerts
        persist = self.store.store.put_outbox if self.store is not None else None
        chats = self.chats
        if self.store is not None:
            chats.listeners.append(self._save_chats)
        self.outbox = Outbox(self.settings.telegram, chats, self.api, self._clock, self._sleep, persist,
                             on_stale=self._stale, horizon_s=self.settings.outcomes.horizon_s)
        commands = Commands(self.settings, controls, self.outbox, self.store, self._clock)
        self.poller = CommandPoller(self.settings.telegram, self.api, chats, commands, self.outbox.limiter,
                                    self._clock, self._sleep)
        if self.store is not None:
            self.store.outbox_planner = self.outbox.plan
            self.store.store.outbox_written = self.outbox.release
            if self.store.store.connected.is_set():
                await self._resume_from_store(policy)
            else:
                self._tasks.append(asyncio.create_task(self._resume_when_connected(policy)))
        self.outbox.start()
        self._tasks.append(asyncio.create_task(self.poller.run(), name="telegram-commands"))

    def _stale(self, signal_id: str, signal: Signal | None) -> None:
        """No chat got the alert in time: the stored signal says so (``stale``)."""
        if self.store is not None:
            self.store.store.put_alert_status(signal_id, STALE)

    def _save_chats(self) -> None:
        if self.store is not None:
            self.store.store.put_state(CHATS_KEY, self.chats.export())

    async def _resume_when_connected(self, policy: AlertPolicy) -> None:
        assert self.store is not None
        await self.store.store.connected.wait()
        await self._resume_from_store(policy)

    async def _resume_from_store(self, policy: AlertPolicy) -> None:
        """Deliver what a previous run left (pending alerts, due edits), restore the caps."""
        assert self.store is not None and self.outbox is not None
        db = self.store.store
        now = int(self._clock() * 1000)
        saved, _ = await db.read(queries.saved_state, (CHATS_KEY,)) or ({}, [])
        self.chats.load(saved.get(CHATS_KEY))
        taken = self.outbox.load(await db.read(queries.outbox_work) or [])
        # This run's alerts are in the caps already (a database that answered late has them too).
        policy.restore(await db.read(queries.alerts_planned, now - HOUR_MS, self._started_ms) or [])
        day_start = now - now % 86_400_000
        self.outbox.sent_today.update(await db.read(queries.signals_alerted_since, day_start) or [])
        if taken:
            log.info("telegram: %d alerts or edits left by the last run are being delivered", taken)

    def on_signals(self, signals: list[Signal]) -> None:
        if self.outbox is None or self.store is not None:
            return  # with a database, the store sink plans each signal inside its transaction
        for signal in signals:
            try:
                self.outbox.release(_keys(self.outbox.plan(signal)))
            except Exception:  # a sink never breaks the event path
                log.exception("telegram: could not plan an alert for %s", signal.id)

    def on_events(self, events: list[Event]) -> None:
        pass

    def state(self) -> SinkState:
        ob = self.outbox
        if ob is None:
            return SinkState("off")
        notes = [f"{n} {what}" for n, what in ((ob.stale, "stale"), (ob.failed, "failed")) if n]
        if self.poller is not None and self.poller.foreign:
            notes.append(f"{self.poller.foreign} messages from other chats ignored")
        if self.store is not None and self.store.store.degraded_reason:
            notes.append("alerts go out unsaved until the database is writable again")
        notes += self.chats.notes()
        error = ob.error or (self.poller.error if self.poller else "")
        state = "degraded" if error or self.chats.unreachable else "ok"
        return SinkState(state, ob.queued(), ob.last_ms, "; ".join([error, *notes] if error else notes))

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        self._tasks.clear()
        if self.outbox is not None:
            await self.outbox.stop()
        await self.api.close()


def _keys(rows: list[dict]) -> list[tuple[str, str]]:
    return [(row["signal_id"], row["chat_id"]) for row in rows]
