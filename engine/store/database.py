"""The SQLite database: one connection, one writer task, batched transactions, self-healing.

Callers queue rows synchronously (``put_*``, never blocking the event path); the writer commits
everything queued in ONE transaction every ``storage.batch_interval_s`` (sooner when
``storage.batch_rows`` rows wait, and at once when Telegram outbox rows wait: an alert is sent only
after its row is committed, see ``outbox_written``).  Rows with a key (signals, outbox, coins, state) are whole rows
kept by key, newest wins, so a signal revised ten times between commits is written once and a
signal and its outbox rows queued together always share a transaction.

When a commit fails (disk full, database locked by another process, I/O error) nothing queued is
lost: the batch goes back into the queue, the state turns ``degraded`` with the reason, and the
writer retries with exponential backoff until the condition clears.  Keyed rows are bounded by
their keys; raw events (liquidations, context) are bounded by ``storage.max_pending_events`` and
any overflow is counted and shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import orjson

from engine.settings import StorageSettings
from engine.snapshot import SinkState
from engine.store import schema

log = logging.getLogger(__name__)
T = TypeVar("T")

_UPSERT_SIGNAL = schema.upsert("signals", schema.SIGNAL_COLUMNS, ("id",))
_UPDATE_ALERT = "UPDATE signals SET alert = ?, data = json_set(data, '$.alert', ?) WHERE id = ?"
_UPSERT_OUTBOX = schema.upsert("outbox", schema.OUTBOX_COLUMNS, ("signal_id", "chat_id"))
_UPSERT_COIN = schema.upsert("coins", schema.COIN_COLUMNS, ("coin",))
_UPSERT_STATE = schema.upsert("state", schema.STATE_COLUMNS, ("key",))
_INSERT_CONTEXT = schema.insert("context", schema.CONTEXT_COLUMNS)
_INSERT_LIQUIDATION = schema.insert("liquidations", schema.LIQUIDATION_COLUMNS)


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


async def connect(path: Path, busy_timeout_s: float = 5.0) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the database at ``path``.

    WAL lets the TUI, ``export`` and ``doctor`` read while the service writes; FULL sync costs
    one fsync per batch and keeps committed alerts through a power cut."""
    path.parent.mkdir(parents=True, exist_ok=True)
    opening = aiosqlite.connect(path, isolation_level=None)
    try:
        db = await opening
    except BaseException:
        # After a failed open aiosqlite stops its worker thread without waiting for it; a thread
        # that reports to a loop already closed (a shutdown right after) prints a traceback.
        await asyncio.to_thread(opening._thread.join, 1.0)
        raise
    try:
        await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = FULL")
        await schema.migrate(db)
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            await db.rollback()
        await db.close()
        raise
    return db


@dataclass
class _Batch:
    signals: dict[str, tuple] = field(default_factory=dict)
    alerts: dict[str, tuple] = field(default_factory=dict)  # signal id -> (status, status, id)
    outbox: dict[tuple[str, str], tuple] = field(default_factory=dict)
    coins: dict[str, tuple] = field(default_factory=dict)
    state: dict[str, tuple] = field(default_factory=dict)
    liquidations: list[tuple] = field(default_factory=list)
    context: list[tuple] = field(default_factory=list)

    def __len__(self) -> int:
        return (len(self.signals) + len(self.alerts) + len(self.outbox) + len(self.coins) + len(self.state)
                + len(self.liquidations) + len(self.context))

    def events(self) -> int:
        return len(self.liquidations) + len(self.context)

    def under(self, newer: _Batch) -> _Batch:
        """This (failed) batch with ``newer`` rows on top: a newer keyed row wins."""
        return _Batch(
            {**self.signals, **newer.signals}, {**self.alerts, **newer.alerts}, {**self.outbox, **newer.outbox},
            {**self.coins, **newer.coins}, {**self.state, **newer.state},
            self.liquidations + newer.liquidations, self.context + newer.context,
        )


class Store:
    def __init__(self, path: Path, settings: StorageSettings, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.s = settings
        self._clock = clock
        self._db: aiosqlite.Connection | None = None
        self._pending = _Batch()
        self._lock = asyncio.Lock()  # one writer: the loop, stop() and tests never interleave
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closing = False
        self.connected = asyncio.Event()
        # Told the (signal_id, chat_id) keys of new outbox rows once their commit is done, or at
        # once when it cannot be (the alerts go out anyway; the rows wait in memory).
        self.outbox_written: Callable[[Iterable[tuple[str, str]]], None] | None = None
        self._unwritten: list[tuple[str, str]] = []  # planned outbox rows not yet committed
        self.degraded_reason = ""
        self.overflow = 0  # raw events refused while the queue was full
        self.bad_rows = 0  # rows that could not be encoded (never expected; counted, not raised)
        self.commits = 0
        self.last_commit_ms: int | None = None
        self._last_retention = 0.0
        self._written_since_retention = 0  # rows inserted or revised since retention last ran

    # ------------------------------------------------------------------ queueing (sync)

    def put_signal(self, data: dict[str, Any], outbox: Iterable[dict[str, Any]] = ()) -> None:
        """A signal as ``Signal.as_dict()`` and the outbox rows created with it (same commit)."""
        try:
            row = (data["id"], data["ts"], data["symbol"], data["tier"], data["type"],
                   data["direction"], data["strength"], data["priority"], data["entry"],
                   data["stop"], data["target"], int(bool(data["blocked"])),
                   data["context"]["assessment"], data["outcome"]["result"], data["revision"],
                   dumps(data), data.get("alert") or "")
        except (KeyError, TypeError) as exc:
            self._bad(f"signal row: {exc!r}")
            self.put_alerts(outbox)  # the alerts still go, and are still kept
            return
        self._pending.signals[row[0]] = row
        self.put_alerts(outbox)
        self._nudge()

    def put_alert_status(self, signal_id: str, status: str) -> None:
        """A stored signal's alert status changed after its decision (``stale``: never delivered)."""
        self._pending.alerts[signal_id] = (status, status, signal_id)
        self._nudge()

    def put_outbox(self, row: dict[str, Any]) -> None:
        try:
            values = tuple(row[c] for c in schema.OUTBOX_COLUMNS)
        except KeyError as exc:
            self._bad(f"outbox row: missing {exc}")
            return
        self._pending.outbox[(row["signal_id"], row["chat_id"])] = values
        if not self.degraded_reason:
            self._wake.set()  # a planned alert waits for this commit, a delivery's answer must not be lost

    def put_alerts(self, rows: Iterable[dict[str, Any]]) -> None:
        """Outbox rows a signal revision planned: announced (``outbox_written``) once committed."""
        keys = []
        for row in rows:
            self.put_outbox(row)
            keys.append((row["signal_id"], row["chat_id"]))
        if not keys:
            return
        if self._db is None or self.degraded_reason:
            self._announce(keys)  # no commit to wait for: send now, store when it recovers
        else:
            self._unwritten += keys

    def _announce(self, keys: list[tuple[str, str]]) -> None:
        if keys and self.outbox_written is not None:
            self.outbox_written(keys)

    def put_coin(self, coin: str, watched: bool, alerts: bool, muted_until_ms: int | None) -> None:
        self._pending.coins[coin] = (coin, int(watched), int(alerts), muted_until_ms)
        self._nudge()

    def put_state(self, key: str, value: Any) -> None:
        self._pending.state[key] = (key, dumps(value), int(self._clock() * 1000))
        self._nudge()

    def put_liquidation(self, row: tuple) -> None:
        if self._room():
            self._pending.liquidations.append(row)
            self._nudge()

    def put_context(self, row: tuple) -> None:
        if self._room():
            self._pending.context.append(row)
            self._nudge()

    def pending(self, kind: str, key: Any) -> bool:
        """Whether a keyed row (``coins``, ``state``, ``outbox``, ``signals``) waits for a commit:
        a restore must not overwrite what changed in memory since."""
        return key in getattr(self._pending, kind)

    def _room(self) -> bool:
        if self._pending.events() < self.s.max_pending_events:
            return True
        self.overflow += 1
        return False

    def _bad(self, reason: str) -> None:
        self.bad_rows += 1
        log.error("store: dropped a row that cannot be written (%s)", reason)

    def _nudge(self) -> None:
        if len(self._pending) >= self.s.batch_rows and not self.degraded_reason:
            self._wake.set()

    # ------------------------------------------------------------------ writer

    async def open(self) -> bool:
        """Try to connect now; False leaves the store degraded (the writer keeps trying)."""
        async with self._lock:
            return await self._connect()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="store-writer")

    async def _run(self) -> None:
        delay = self.s.batch_interval_s
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()
            if self._closing:
                break
            ok = await self.flush()
            delay = self.s.batch_interval_s if ok else min(max(delay, self.s.batch_interval_s) * 2,
                                                           self.s.retry_max_s)

    @contextlib.asynccontextmanager
    async def writer_held(self) -> AsyncIterator[None]:
        """No commit while inside: a restore that reads the database and then asks :meth:`pending`
        cannot read a row as it was just before a batch already taken from the queue lands."""
        async with self._lock:
            yield

    async def flush(self) -> bool:
        """Commit everything queued now; False when the database is unavailable (kept queued).
        Planned outbox rows are announced right after the commit, or after it failed."""
        async with self._lock:
            planned, self._unwritten = self._unwritten, []
            try:
                ok = await self._commit()
            finally:
                self._announce(planned)
            if ok:
                ok = await self._guarded(self._retention())
            if ok and self.degraded_reason:
                log.warning("store: database writable again (%s)", self.path)
                self.degraded_reason = ""
            return ok

    async def _commit(self) -> bool:
        if not await self._connect():
            return False
        batch, self._pending = self._pending, _Batch()
        if not batch:
            return True
        ok = await self._guarded(self._write(batch))
        if not ok:
            self._pending = batch.under(self._pending)
            self._trim()
        return ok

    async def _guarded(self, work: Awaitable[None]) -> bool:
        try:
            await work
        except sqlite3.Error as exc:
            self._degrade(exc)
            return False
        return True

    async def _connect(self) -> bool:
        if self._db is not None:
            return True
        try:
            self._db = await connect(self.path, self.s.busy_timeout_s)
        except (sqlite3.Error, OSError, schema.SchemaTooNew) as exc:
            self._degrade(exc)
            return False
        self.connected.set()
        return True

    async def _write(self, batch: _Batch) -> None:
        db = self._db
        assert db is not None
        await db.execute("BEGIN IMMEDIATE")
        try:
            for sql, rows in (
                (_UPSERT_SIGNAL, batch.signals.values()),
                (_UPDATE_ALERT, batch.alerts.values()),
                (_UPSERT_OUTBOX, batch.outbox.values()),
                (_UPSERT_COIN, batch.coins.values()),
                (_UPSERT_STATE, batch.state.values()),
                (_INSERT_LIQUIDATION, batch.liquidations),
                (_INSERT_CONTEXT, batch.context),
            ):
                if rows:
                    await db.executemany(sql, list(rows))
            await db.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise
        self.commits += 1
        self.last_commit_ms = int(self._clock() * 1000)
        self._written_since_retention += len(batch)

    async def _rollback(self) -> None:
        db = self._db
        if db is not None and db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await db.execute("ROLLBACK")

    async def _retention(self) -> None:
        """Drop liquidations and context older than ``storage.retention_days`` before the newest
        row (event time, so a replayed old recording is not wiped at once), signals older than
        ``storage.signal_retention_days``, and finished outbox rows older than ``retention_days``
        by wall clock.  Then the row caps, oldest first: ``storage.max_event_rows`` per event
        table and ``storage.max_signals`` bound the file when event time cannot (a looping replay
        repeats the same times; a flood outruns the days).  Hourly, or sooner once a tenth of a
        cap was written since: deletes are cheap but not free."""
        now = self._clock()
        if (now - self._last_retention < self.s.retention_interval_s
                and self._written_since_retention < self.s.max_event_rows // 10):
            return
        db = self._db
        assert db is not None
        keep_ms = int(self.s.retention_days * 86_400_000)
        await db.execute("BEGIN IMMEDIATE")
        try:
            for table, days, cap in (("liquidations", self.s.retention_days, self.s.max_event_rows),
                                     ("context", self.s.retention_days, self.s.max_event_rows),
                                     ("signals", self.s.signal_retention_days, self.s.max_signals)):
                await db.execute(f"DELETE FROM {table} WHERE ts < (SELECT MAX(ts) FROM {table}) - ?",
                                 (int(days * 86_400_000),))
                # rowids grow with each insert (an upsert keeps its row's): the oldest go first
                await db.execute(f"DELETE FROM {table} WHERE rowid <= (SELECT MAX(rowid) FROM {table}) - ?",
                                 (cap,))
            await db.execute("DELETE FROM outbox WHERE status != 'pending' AND created_ms < ?",
                             (int(now * 1000) - keep_ms,))
            await db.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise
        self._last_retention = now
        self._written_since_retention = 0

    def _trim(self) -> None:
        """Keep the raw-event queue bounded after a failed batch came back (oldest kept)."""
        excess = self._pending.events() - self.s.max_pending_events
        if excess <= 0:
            return
        self.overflow += excess
        cut = min(excess, len(self._pending.context))
        if cut:
            del self._pending.context[-cut:]
        if excess - cut:
            del self._pending.liquidations[-(excess - cut):]

    def _degrade(self, exc: BaseException) -> None:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if reason != self.degraded_reason:
            log.warning("store: database unavailable, keeping %d rows in memory: %s", len(self._pending), reason)
        self.degraded_reason = reason

    async def close(self) -> None:
        """Stop the writer after a last flush (one attempt: shutdown must not hang)."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.flush()
        if self._pending:
            log.error("store: %d rows could not be written before shutdown: %s",
                      len(self._pending), self.degraded_reason)
        async with self._lock:
            if self._db is not None:
                await self._db.close()
                self._db = None

    # ------------------------------------------------------------------ reading

    async def read(self, query: Callable[..., Awaitable[T]], *args: Any) -> T | None:
        """``query(connection, *args)`` (one of ``engine.store.queries``) on the writer's
        connection; None while the database is unavailable."""
        db = self._db
        if db is None:
            return None
        try:
            return await query(db, *args)
        except sqlite3.Error as exc:
            self._degrade(exc)
            return None

    @property
    def connection(self) -> aiosqlite.Connection | None:
        return self._db

    # ------------------------------------------------------------------ health

    def state(self) -> SinkState:
        queue = len(self._pending)
        notes = []
        if self.overflow:
            notes.append(f"{self.overflow} events dropped while the queue was full")
        if self.bad_rows:
            notes.append(f"{self.bad_rows} bad rows")
        if self.degraded_reason:
            return SinkState("degraded", queue, self.last_commit_ms,
                             "; ".join([self.degraded_reason, *notes]))
        if self._db is None:  # not opened yet, or closed cleanly after its last commit
            closed = self._closing and self.connected.is_set()
            return SinkState("ok" if closed else "off", queue, self.last_commit_ms,
                             "; ".join(["closed", *notes] if closed else notes))
        return SinkState("ok", queue, self.last_commit_ms, "; ".join(notes))
