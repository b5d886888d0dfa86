"""The SQLite store: schema version, one transaction per batch, degraded and back again."""

from __future__ import annotations

import asyncio
import sqlite3

import orjson
import pytest
from fakes.loopback import wait_for as until
from builders import settings

from engine.model import LONG
from engine.store import Store, connect
from engine.store.schema import MIGRATIONS, VERSION
from fakes.signals import revise, sample


def quick(**storage):
    return settings(storage={"batch_interval_s": 0.01, "busy_timeout_s": 0.05, "retry_max_s": 0.05,
                             **storage}).storage


def outbox_row(signal, chat="42", status="pending"):
    return {"signal_id": signal.id, "chat_id": chat, "coin": signal.coin, "priority": signal.priority,
            "text": "alert", "revision": signal.revision, "created_ms": 1, "status": status,
            "message_id": None, "sent_revision": None, "sent_ms": None, "attempts": 0, "detail": ""}


def query(path, sql, params=()):
    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()


async def test_a_new_database_gets_the_current_schema_in_wal_mode(tmp_path):
    path = tmp_path / "data" / "teleglas.db"
    for _ in range(2):  # the second open finds it current and changes nothing
        db = await connect(path)
        await db.close()
    assert query(path, "PRAGMA user_version") == [(VERSION,)]
    assert query(path, "PRAGMA journal_mode") == [("wal",)]
    tables = {r[0] for r in query(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"signals", "outbox", "coins", "state", "context", "liquidations"} <= tables


async def test_a_version_1_database_gets_each_old_signals_alert_status_from_what_it_kept(tmp_path):
    """Rows from before the alert status: sent or stale from their outbox rows, blocked, held by
    the old flag; '' where the database cannot tell (nothing was recorded then)."""
    path = tmp_path / "teleglas.db"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
        for name, blocked, held in (("sent", 0, False), ("stale", 0, False), ("blocked", 1, False),
                                    ("held", 0, True), ("quiet", 0, False)):
            data = orjson.dumps({"id": name, "held": held}).decode()
            db.execute("INSERT INTO signals VALUES (?, 1, 'BTC', 1, 'STOP_HUNT', 'long', 80, 'WATCH', "
                       "NULL, NULL, NULL, ?, 'NEUTRAL', 'PENDING', 1, ?)", (name, blocked, data))
        for name in ("sent", "stale"):
            db.execute("INSERT INTO outbox VALUES (?, '42', 'BTC', 'WATCH', 'x', 1, 1, ?, NULL, NULL, NULL, 0, '')",
                       (name, name))
    db = await connect(path)
    await db.close()
    assert query(path, "PRAGMA user_version") == [(VERSION,)]
    found = {i: (alert, orjson.loads(data)["alert"]) for i, alert, data in query(path, "SELECT id, alert, data FROM signals")}
    assert found == {"sent": ("sent", "sent"), "stale": ("stale", "stale"), "blocked": ("blocked", "blocked"),
                     "held": ("held", "held"), "quiet": ("", "")}


async def test_a_database_from_a_newer_teleglas_is_refused_not_rewritten(tmp_path):
    path = tmp_path / "teleglas.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    store = Store(path, quick())
    assert not await store.open()
    assert "newer than this teleglas" in store.state().detail
    assert query(path, "PRAGMA user_version") == [(VERSION + 1,)]


async def test_a_signal_and_its_outbox_rows_commit_in_one_transaction(tmp_path):
    path = tmp_path / "teleglas.db"
    store = Store(path, quick())
    assert await store.open()
    signal = sample()
    store.put_signal(signal.as_dict(), [outbox_row(signal, "1"), outbox_row(signal, "-100200")])
    assert await store.flush()
    assert store.commits == 1
    assert query(path, "SELECT id, coin, type, blocked FROM signals") == [(signal.id, "BTC", "STOP_HUNT", 0)]
    assert sorted(query(path, "SELECT chat_id FROM outbox")) == [("-100200",), ("1",)]
    await store.close()


async def test_every_revision_upserts_the_one_signal_row(tmp_path):
    path = tmp_path / "teleglas.db"
    store = Store(path, quick())
    await store.open()
    signal = sample(direction=LONG)
    store.put_signal(signal.as_dict())
    await store.flush()
    revise(signal, strength=95.0)
    store.put_signal(signal.as_dict())
    revise(signal, "outcome")
    signal.outcome.result = "WIN"
    store.put_signal(signal.as_dict())
    await store.flush()
    assert query(path, "SELECT revision, outcome, confidence FROM signals") == [(3, "WIN", 95.0)]
    await store.close()


async def test_a_full_disk_degrades_the_store_and_it_recovers_by_itself_losing_nothing(tmp_path):
    path = tmp_path / "teleglas.db"
    store = Store(path, quick())
    await store.open()
    store.start()
    db = store.connection
    (pages,) = await (await db.execute("PRAGMA page_count")).fetchone()
    await db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full: the file cannot grow
    signals = [sample(coin=f"C{i}", tier=3) for i in range(300)]
    for s in signals:
        store.put_signal(s.as_dict(), [outbox_row(s)])
    for i in range(2000):
        store.put_liquidation((1_000 + i, "Binance", "BTC", LONG, 96_000.0, 10_000.0))

    await until(lambda: store.state().state == "degraded")
    state = store.state()
    assert "full" in state.detail
    assert state.queue == 300 + 300 + 2000  # everything still in memory

    await db.execute("PRAGMA max_page_count = 1073741823")  # space freed
    await until(lambda: store.state().state == "ok" and store.state().queue == 0)
    assert query(path, "SELECT COUNT(*) FROM signals") == [(300,)]
    assert query(path, "SELECT COUNT(*) FROM outbox") == [(300,)]
    assert query(path, "SELECT COUNT(*) FROM liquidations") == [(2000,)]
    await store.close()
    assert query(path, "PRAGMA integrity_check") == [("ok",)]


async def test_a_database_locked_by_another_process_degrades_then_recovers(tmp_path):
    path = tmp_path / "teleglas.db"
    store = Store(path, quick())
    await store.open()
    store.start()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # e.g. a backup tool or a second teleglas writing
    signal = sample()
    store.put_signal(signal.as_dict(), [outbox_row(signal)])
    await until(lambda: store.state().state == "degraded")
    assert "locked" in store.state().detail
    revise(signal, strength=97.0)  # keeps changing while the database is away
    store.put_signal(signal.as_dict())

    other.execute("ROLLBACK")
    other.close()
    await until(lambda: store.state().state == "ok" and store.state().queue == 0)
    assert query(path, "SELECT revision, confidence FROM signals") == [(2, 97.0)]
    assert query(path, "SELECT signal_id FROM outbox") == [(signal.id,)]
    await store.close()


async def test_raw_events_beyond_the_memory_bound_are_counted_not_silently_lost(tmp_path):
    path = tmp_path / "teleglas.db"
    store = Store(path, quick(max_pending_events=100))
    for i in range(130):  # never opened: the database is "away"
        store.put_context((i, "coinglass", "BTC", 1e9, 0.0001))
    state = store.state()
    assert state.queue == 100
    assert "30 events dropped" in state.detail
    await store.close()


async def test_retention_keeps_seven_days_of_liquidations_and_context(tmp_path):
    path = tmp_path / "teleglas.db"
    store = Store(path, quick(retention_interval_s=0.001))
    await store.open()
    day = 86_400_000
    newest = 1_761_125_892_000
    for age_days in (0, 3, 6.9, 7.1, 30):
        ts = newest - int(age_days * day)
        store.put_liquidation((ts, "Bybit", "ETH", "short", 3900.0, 50_000.0))
        store.put_context((ts, "coinglass", "ETH", 2e10, 0.0001))
    await store.flush()
    await asyncio.sleep(0.002)
    await store.flush()  # the retention job runs after the rows are in
    kept = [newest - r[0] for r in query(path, "SELECT ts FROM liquidations ORDER BY ts DESC")]
    assert kept == [0, 3 * day, int(6.9 * day)]
    assert query(path, "SELECT COUNT(*) FROM context") == [(3,)]
    await store.close()


@pytest.mark.parametrize("bad", [{"id": "x"}, {"id": "y", "ts": 1, "symbol": "BTC"}])
async def test_a_malformed_signal_row_is_counted_and_does_not_raise(tmp_path, bad):
    store = Store(tmp_path / "teleglas.db", quick())
    store.put_signal(bad)
    assert store.bad_rows == 1
    assert "1 bad rows" in store.state().detail
    await store.close()


async def test_a_retention_job_that_fails_after_the_commit_does_not_write_the_batch_twice(tmp_path):
    path = tmp_path / "teleglas.db"
    store = Store(path, quick())
    await store.open()
    with sqlite3.connect(path) as other:  # the delete fails, as on a lock or a full disk
        other.execute("CREATE TRIGGER refuse BEFORE DELETE ON liquidations BEGIN SELECT RAISE(ABORT, 'refused'); END")
    newest, week = 1_761_125_892_000, 7 * 86_400_000
    store.put_liquidation((newest - 2 * week, "Bybit", "ETH", "short", 3900.0, 50_000.0))
    store.put_liquidation((newest, "Bybit", "ETH", "short", 3900.0, 60_000.0))
    assert not await store.flush()  # the rows committed, the retention after them failed
    with sqlite3.connect(path) as other:
        other.execute("DROP TRIGGER refuse")
    assert await store.flush()
    assert query(path, "SELECT ts, usd FROM liquidations") == [(newest, 60_000.0)]
    await store.close()
