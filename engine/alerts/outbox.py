"""The Telegram outbox: one message per signal per chat, delivered once, edited in place.

``plan`` runs on the event path (sync): for a signal the alert policy decided ``sent`` and that
has no message yet it creates one entry per configured chat; for a signal that has one it
re-renders the text, and a changed text becomes an edit.  The returned rows are written by the store in the
same transaction as the signal row, and the entries wait until :meth:`release`: the store calls
it once that transaction is committed (write-ahead, so a crash at any instant after a send began
finds the alert in the database).  One worker per chat delivers: ``sendMessage`` for a pending
entry, ``editMessageText`` when the chat shows an older revision.  Each answer is written back
(status, Telegram's ``message_id``) and committed at once, so after a crash a pending row is sent
on restart and an acknowledged one is not sent again.  A send whose answer never came (killed
while in flight) is sent again: delivery is at least once.

When the database cannot be written (disk full, locked, gone) the store releases the entries
anyway: a full disk must not silence the trader's alerts; the rows reach the database, already
marked sent, when it recovers.  Rate limits are honoured per chat, 429 ``retry_after`` blocks the
chat, 5xx/timeouts/connection resets back off exponentially (with jitter); an alert older than
``telegram.max_alert_age_s`` is marked stale instead of being sent late (and when no chat got it,
so is the signal: ``Signal.alert`` becomes ``stale``, through ``on_stale``).  A group that became a
supergroup is followed to its new id (the chat is told once); a chat that refuses the bot (blocked,
kicked, not found) has its alerts marked failed without trying, until it is reachable again
(``chats.py``); the other chats never wait for it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from engine.tasks import cancel_all
from engine.alerts.chats import Chats
from engine.alerts.message import render
from engine.alerts import status as alert
from engine.alerts.ratelimit import ChatLimiter
from engine.alerts.telegram import (
    MIGRATED, RATE_LIMITED, TRANSIENT, UNAUTHORIZED, UNREACHABLE, BotApi, TelegramError,
)
from engine.backoff import jittered
from engine.model import Signal
from engine.settings import TelegramSettings

log = logging.getLogger(__name__)

PENDING, SENT, STALE, FAILED = "pending", "sent", "stale", "failed"
# Signals stop changing within the outcome horizons (an hour); after RETIRE_MS an entry leaves
# memory and only its id is remembered (the last RETIRED_KEPT), so no revision ever starts a
# second conversation.
RETIRE_MS = 3 * 3_600_000
STOP_GRACE_S = 3.0
RETIRED_KEPT = 10_000
MOVED_NOTICE = ("ℹ️ This group became a supergroup; teleglas now sends its alerts here (chat id {new}). "
                "Set TELEGRAM_CHAT_ID to {new} where teleglas is configured.")


@dataclass
class OutboxEntry:
    signal_id: str
    chat_id: str
    coin: str
    priority: str
    text: str
    revision: int
    created_ms: int
    status: str = PENDING
    message_id: int | None = None
    sent_revision: int | None = None
    sent_ms: int | None = None
    attempts: int = 0
    detail: str = ""

    @property
    def needs_send(self) -> bool:
        return self.status == PENDING

    @property
    def needs_edit(self) -> bool:
        return self.status == SENT and self.sent_revision != self.revision

    def row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class _ChatQueue:
    """Signal ids waiting for delivery to one chat, in order, each at most once."""

    def __init__(self) -> None:
        self._keys: dict[str, None] = {}
        self._ready = asyncio.Event()

    def push(self, key: str) -> None:
        self._keys[key] = None
        self._ready.set()

    async def pop(self) -> str:
        while not self._keys:
            self._ready.clear()
            await self._ready.wait()
        key = next(iter(self._keys))
        del self._keys[key]
        return key

    def __len__(self) -> int:
        return len(self._keys)


class Outbox:
    def __init__(self, settings: TelegramSettings, chats: Chats, api: BotApi,
                 clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]],
                 persist: Callable[[dict[str, Any]], None] | None = None,
                 on_stale: Callable[[str, Signal | None], None] | None = None, horizon_s: float = 900.0) -> None:
        self.s = settings
        self.book = chats
        self.chats = chats.configured  # one worker per chat, even if it is listed twice
        self.api = api
        self.persist = persist  # writes a changed row back to the store
        self.on_stale = on_stale  # told a signal id (and the signal, while kept) no chat got in time
        self.horizon_s = horizon_s  # outcomes.horizon_s: what "this kind: 47% right at +15m" is about
        self._clock = clock
        self._sleep = sleep
        self.limiter = ChatLimiter(settings.per_chat_interval_s, settings.group_per_minute, sleep)
        self._entries: dict[tuple[str, str], OutboxEntry] = {}
        self._signals: dict[str, Signal] = {}  # the signals of the entries, for a stale status
        self._retired: dict[str, None] = {}
        self._queues = {chat: _ChatQueue() for chat in self.chats}
        self._held: set[tuple[str, str]] = set()  # planned, waiting for their commit (release)
        self._edited_ms: dict[tuple[str, str], int] = {}
        self._later: set[asyncio.Task] = set()  # edits waiting for edit_interval_s
        self._waited: set[tuple[str, str]] = set()  # edits that have waited their interval
        self._workers: list[asyncio.Task] = []
        self._delivering = 0
        self.sent = self.edits = self.stale = self.failed = 0
        self.last_ms: int | None = None
        self.error = ""  # the last delivery error, one line, redacted; "" after a success
        self.sent_today: set[str] = set()  # signal ids delivered since UTC midnight
        self._today = self._day(self._now_ms())

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # ------------------------------------------------------------------ planning (sync)

    def plan(self, signal: Signal) -> list[dict[str, Any]]:
        """Create or update this signal's messages; the rows to store with the signal."""
        first = self._entries.get((signal.id, self.chats[0])) if self.chats else None
        if first is None:
            return self._create(signal)
        if signal.change == "new":
            return []
        text = render(signal.as_dict(), self.horizon_s)
        rows = []
        for chat in self.chats:
            entry = self._entries.get((signal.id, chat))
            if entry is None or entry.text == text or entry.status in (STALE, FAILED):
                continue
            entry.text, entry.revision, entry.priority = text, signal.revision, signal.priority
            rows.append(entry.row())
            self._held.add((signal.id, chat))
        return rows

    def _create(self, signal: Signal) -> list[dict[str, Any]]:
        if signal.alert != alert.SENT or signal.change == "outcome" or not self.chats or signal.id in self._retired:
            return []  # the policy decided it is not sent; an outcome never starts a conversation
        now = self._now_ms()
        text = render(signal.as_dict(), self.horizon_s)
        self._retire(now)
        self._signals[signal.id] = signal
        rows = []
        for chat in self.chats:
            entry = OutboxEntry(signal.id, chat, signal.coin, signal.priority, text, signal.revision, now)
            self._entries[(signal.id, chat)] = entry
            rows.append(entry.row())
            self._held.add((signal.id, chat))
        return rows

    def release(self, keys: Iterable[tuple[str, str]]) -> None:
        """Planned rows (``(signal_id, chat_id)``) are committed, or cannot be: deliver them."""
        for key in keys:
            if key in self._held:
                self._held.discard(key)
                self._queues[key[1]].push(key[0])

    def _retire(self, now: int) -> None:
        old = [key for key, e in self._entries.items()
               if now - e.created_ms > RETIRE_MS and not (e.needs_send or e.needs_edit)]
        for key in old:
            del self._entries[key]
            self._edited_ms.pop(key, None)
            self._waited.discard(key)
            self._signals.pop(key[0], None)
            self._retired[key[0]] = None
        while len(self._retired) > RETIRED_KEPT:
            del self._retired[next(iter(self._retired))]

    def load(self, rows: Iterable[dict[str, Any]]) -> int:
        """Rows from the database that still need work (restart); returns how many were taken."""
        taken = 0
        for row in rows:
            key = (row["signal_id"], row["chat_id"])
            if row["chat_id"] not in self._queues or key in self._entries:
                continue
            entry = OutboxEntry(**{f.name: row[f.name] for f in dataclasses.fields(OutboxEntry)})
            self._entries[key] = entry
            self._queues[entry.chat_id].push(entry.signal_id)
            taken += 1
        return taken

    # ------------------------------------------------------------------ delivery

    def start(self) -> None:
        self._workers = [asyncio.create_task(self._work(chat), name=f"telegram-{chat}") for chat in self.chats]

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Let what is queued go out for up to ``grace_s`` (the last alerts of a replay or a
        ``--duration`` run), then stop; whatever is left stays pending for the next start."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while (self.queued() or self._delivering) and self._workers and loop.time() < deadline:
            await asyncio.sleep(0.02)
        await cancel_all([*self._later, *self._workers])
        self._workers = []

    def queued(self) -> int:
        return sum(len(q) for q in self._queues.values()) + len(self._held)

    async def _work(self, chat: str) -> None:
        queue = self._queues[chat]
        while True:
            key = await queue.pop()
            entry = self._entries.get((key, chat))
            if entry is None:
                continue
            self._delivering += 1
            try:
                await self._deliver(entry)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not stop the chat's alerts
                log.exception("telegram: delivery of %s failed unexpectedly", key)
            finally:
                self._delivering -= 1

    async def _deliver(self, entry: OutboxEntry) -> None:
        edit_failures = 0
        while entry.needs_send or entry.needs_edit:
            if entry.needs_send and self._too_old(entry):
                self.stale += 1
                self._finish(entry, STALE, f"older than {self.s.max_alert_age_s:g}s, not sent late")
                self._stale(entry.signal_id)
                return
            if entry.needs_edit and self._edit_later(entry):
                return
            gone = self.book.unreachable.get(entry.chat_id)
            if gone is not None:
                self._give_up(entry, TelegramError("sendMessage", UNREACHABLE, gone["reason"]), entry.needs_edit,
                              entry.revision)
                return
            target = self.book.target(entry.chat_id)
            await self.limiter.wait(target)
            if entry.needs_send and self._too_old(entry):
                continue  # the wait (a 429's retry_after, a full group minute) outlived the alert
            revision, text, editing = entry.revision, entry.text, entry.needs_edit
            entry.attempts += 1
            try:
                if editing:
                    await self.api.edit_message_text(target, entry.message_id, text)
                    self.edits += 1
                    self._edited_ms[(entry.signal_id, entry.chat_id)] = self._now_ms()
                    self._waited.discard((entry.signal_id, entry.chat_id))
                else:
                    entry.message_id = await self.api.send_message(target, text, silent=entry.priority == "INFO")
                    self._delivered(entry)
            except TelegramError as exc:
                if editing and "not modified" in exc.description:
                    entry.sent_revision = revision
                    self._write(entry)
                    continue
                self.error = str(exc)
                if exc.kind == RATE_LIMITED:
                    self.limiter.block(target, exc.retry_after or 1.0)
                    continue
                if exc.kind == MIGRATED and exc.migrate_to and exc.migrate_to != target:
                    await self._follow(entry.chat_id, exc.migrate_to)
                    continue
                if exc.kind == UNREACHABLE:
                    self._unreachable(entry.chat_id, exc)
                if exc.kind == TRANSIENT:
                    edit_failures += editing
                    if not editing or edit_failures < self.s.max_edit_attempts:
                        await self._sleep(jittered(self.s.retry_base_s, self.s.retry_max_s, entry.attempts - 1))
                        continue
                self._give_up(entry, exc, editing, revision)
                return
            entry.sent_revision = revision
            self.error = ""
            self.book.heard(entry.chat_id)
            self._write(entry)

    async def _follow(self, chat: str, new_id: str) -> None:
        """The group is a supergroup now: send there from now on, and say so there once."""
        log.warning("telegram: chat %s became supergroup %s; alerts follow it (set TELEGRAM_CHAT_ID to %s)",
                    chat, new_id, new_id)
        self.book.move(chat, new_id)
        await self.limiter.wait(new_id)
        try:
            await self.api.send_message(new_id, MOVED_NOTICE.format(new=new_id), silent=True)
        except TelegramError as exc:  # the alert itself matters more: it goes on
            log.warning("telegram: could not tell chat %s it moved: %s", new_id, exc)

    def _unreachable(self, chat: str, exc: TelegramError) -> None:
        if chat not in self.book.unreachable:
            log.error("telegram: chat %s refuses the bot (%s); its alerts stop until it writes to the bot "
                      "or teleglas restarts, the other chats go on", chat, exc.description)
        self.book.lose(chat, exc.description, self._now_ms())

    def _delivered(self, entry: OutboxEntry) -> None:
        now = self._now_ms()
        entry.status, entry.sent_ms, entry.detail = SENT, now, ""
        self.sent += 1
        self.last_ms = now
        self._roll_day(now)
        self.sent_today.add(entry.signal_id)

    def alerts_today(self) -> int:
        """Alerts delivered since UTC midnight."""
        self._roll_day(self._now_ms())
        return len(self.sent_today)

    def _roll_day(self, now_ms: int) -> None:
        day = self._day(now_ms)
        if day != self._today:
            self._today, self.sent_today = day, set()

    def _give_up(self, entry: OutboxEntry, exc: TelegramError, editing: bool, revision: int) -> None:
        log.warning("telegram: %s to chat %s for %s: %s", "edit" if editing else "alert",
                    entry.chat_id, entry.signal_id, exc)
        if editing:  # the chat keeps the older text; the next revision may try again
            entry.sent_revision = revision
            entry.detail = f"edit failed: {exc.description}"
            self._write(entry)
        else:
            self.failed += 1
            self._finish(entry, FAILED, exc.description)
        if exc.kind == UNAUTHORIZED:
            self.error = str(exc)

    def _stale(self, signal_id: str) -> None:
        """One chat's entry went stale: when every chat's did, the signal never reached a phone."""
        entries = [self._entries.get((signal_id, chat)) for chat in self.chats]
        if all(e is None or e.status == STALE for e in entries):
            signal = self._signals.get(signal_id)
            if signal is not None:
                signal.alert = alert.STALE
            if self.on_stale is not None:
                self.on_stale(signal_id, signal)

    def _too_old(self, entry: OutboxEntry) -> bool:
        return self._now_ms() - entry.created_ms > self.s.max_alert_age_s * 1000

    def _edit_later(self, entry: OutboxEntry) -> bool:
        """A growing episode edits its message at most every ``telegram.edit_interval_s``."""
        key = (entry.signal_id, entry.chat_id)
        if key in self._waited:  # waited once already: a wall clock stepped back must not defer it again
            return False
        last = self._edited_ms.get(key, entry.sent_ms or 0)
        wait = min(self.s.edit_interval_s, (last + self.s.edit_interval_s * 1000 - self._now_ms()) / 1000)
        if wait <= 0:
            return False
        task = asyncio.create_task(self._push_later(entry.chat_id, entry.signal_id, wait))
        self._later.add(task)
        task.add_done_callback(self._later.discard)
        return True

    async def _push_later(self, chat: str, key: str, seconds: float) -> None:
        await self._sleep(seconds)
        self._waited.add((key, chat))
        self._queues[chat].push(key)

    def _finish(self, entry: OutboxEntry, status: str, detail: str) -> None:
        entry.status, entry.detail = status, detail
        self._write(entry)

    def _write(self, entry: OutboxEntry) -> None:
        if self.persist is not None:
            self.persist(entry.row())

    @staticmethod
    def _day(ms: int) -> int:
        return ms // 86_400_000
