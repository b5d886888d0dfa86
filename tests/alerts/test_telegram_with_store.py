"""Telegram and the database together: what is stored, what is sent, what survives."""

from __future__ import annotations

import sqlite3

import orjson
from fakes.telegram_kit import until

from engine.model import LONG, SHORT, STOP_HUNT
from fakes.signals import revise, sample


def query(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


async def test_a_blocked_signal_is_stored_but_not_sent(telegram, bot, tmp_path):
    db = tmp_path / "teleglas.db"
    svc, sink = await bot(db=db)
    blocked = sample(STOP_HUNT, SHORT, "BTC", blocked=True)
    allowed = sample(STOP_HUNT, LONG, "ETH", 3_456.78)
    svc.emit([blocked, allowed])
    await until(lambda: telegram.sent())
    await sink.store.store.flush()
    assert sorted(query(db, "SELECT coin, blocked, assessment FROM signals")) == [
        ("BTC", 1, "UNFAVORABLE"), ("ETH", 0, "FAVORABLE")]
    assert query(db, "SELECT signal_id FROM outbox") == [(allowed.id,)]
    assert ["ETHUSDT" in m.text for m in telegram.sent()] == [True]


async def test_deliveries_and_edits_are_written_back_to_the_outbox(telegram, bot, tmp_path):
    db = tmp_path / "teleglas.db"
    svc, sink = await bot(db=db)
    signal = sample(STOP_HUNT, LONG, "SOL", 182.45, tier=2)
    svc.emit([signal])
    await until(lambda: telegram.sent())
    signal.metrics["liquidated_usd"] = 9_000_000.0
    svc.emit([revise(signal)])
    await until(lambda: sink.outbox.edits == 1)  # the answer was read and written back
    await sink.store.store.flush()
    (message,) = telegram.sent()
    assert query(db, "SELECT status, message_id, revision, sent_revision, text FROM outbox") == [
        ("sent", message.message_id, 2, 2, message.edits[-1])]
    assert "$9.00M" in message.edits[-1]


async def test_alerts_still_go_out_while_the_disk_is_full(telegram, bot, tmp_path):
    db = tmp_path / "teleglas.db"
    svc, sink = await bot(db=db)
    conn = sink.store.store.connection
    (pages,) = await (await conn.execute("PRAGMA page_count")).fetchone()
    await conn.execute(f"PRAGMA max_page_count = {pages}")
    svc.emit([sample(STOP_HUNT, LONG, "BTC", tier=1)] +
                          [sample(STOP_HUNT, SHORT, "ETH", 3_456.78, signal_id=f"big-{i}") for i in range(50)])
    await until(lambda: len(telegram.sent()) == 2 and sink.store.state().state == "degraded")
    assert "full" in sink.store.state().detail
    await conn.execute("PRAGMA max_page_count = 1073741823")
    await until(lambda: sink.store.state().state == "ok" and sink.store.state().queue == 0)
    assert query(db, "SELECT COUNT(*) FROM signals") == [(51,)]
    # BTC and the first ETH went out (the other ETH ones fell in the coin's cooldown)
    assert query(db, "SELECT status FROM outbox") == [("sent",), ("sent",)]


async def test_a_pause_from_telegram_survives_a_restart(telegram, bot, tmp_path):
    db = tmp_path / "teleglas.db"
    svc, _ = await bot(db=db)
    telegram.user_message("42", "/pause")
    await until(lambda: svc.paused)
    await until(lambda: query(db, "SELECT value FROM state WHERE key = 'paused'") == [("true",)])
    svc2, _ = await bot(db=db)
    assert svc2.paused


async def test_alerts_sent_while_the_database_was_away_count_once_against_the_hourly_cap(telegram, bot, tmp_path):
    data = tmp_path / "data"
    data.write_text("not a directory")  # the database cannot open at start
    svc, sink = await bot(db=data / "teleglas.db")
    svc.settings.alerts.max_per_hour = 2
    svc.emit([sample(STOP_HUNT, LONG, "BTC", priority="WATCH")])  # URGENT is never held
    await until(lambda: len(telegram.sent()) == 1)  # delivery does not wait for the database
    data.unlink()
    await until(lambda: sink.store.state().state == "ok" and sink.store.state().queue == 0)
    resume = sink._tasks[0]  # the sink's catch-up with the database, once it answers
    await until(resume.done)
    svc.emit([sample(STOP_HUNT, SHORT, "ETH", 3_456.78, priority="WATCH")])  # the second of two an hour
    assert svc.alerts.refused["held"] == 0
    await until(lambda: len(telegram.sent()) == 2)


async def test_each_signal_is_stored_with_its_alert_status_as_decided(telegram, bot, tmp_path):
    db = tmp_path / "teleglas.db"
    svc, sink = await bot(db=db)
    svc.settings.alerts.max_per_hour = 1
    svc.emit([sample(STOP_HUNT, LONG, "BTC", priority="WATCH"),
              sample(STOP_HUNT, SHORT, "ETH", 3_456.78, priority="WATCH")])
    await until(lambda: len(telegram.sent()) == 1)
    await sink.store.store.flush()
    stored = {coin: (alert, orjson.loads(data)["alert"]) for coin, alert, data in
              query(db, "SELECT coin, alert, data FROM signals")}
    assert stored == {"BTC": ("sent", "sent"), "ETH": ("held", "held")}


async def test_a_signal_the_alert_cannot_render_is_still_stored(telegram, bot, tmp_path):
    db = tmp_path / "teleglas.db"
    svc, sink = await bot(db=db)
    odd = sample(STOP_HUNT, LONG, "BTC")
    odd.metrics["long_liquidated_usd"] = None  # a shape the message does not expect
    svc.emit([odd, sample(STOP_HUNT, SHORT, "ETH", 3_456.78)])
    await until(lambda: telegram.sent())
    await sink.store.store.flush()
    assert sorted(query(db, "SELECT coin FROM signals")) == [("BTC",), ("ETH",)]
    assert ["ETHUSDT" in m.text for m in telegram.sent()] == [True]


async def test_a_locked_database_delays_no_alert_shows_in_status_and_catches_up(telegram, bot, tmp_path):
    db = tmp_path / "teleglas.db"
    svc, sink = await bot(db=db)
    other = sqlite3.connect(db, isolation_level=None)  # another process holding the write lock
    other.execute("BEGIN EXCLUSIVE")
    try:
        svc.emit([sample(STOP_HUNT, LONG, "BTC")])
        await until(lambda: len(telegram.sent()) == 1 and sink.outbox.sent == 1)
        assert sink.store.state().state == "degraded" and "locked" in sink.store.state().detail
        assert "unsaved" in sink.state().detail
        status = sink.poller.commands.status([])
        assert "Database degraded" in status and "alerts still go out" in status
    finally:
        other.execute("ROLLBACK")
        other.close()
    await until(lambda: sink.store.state().state == "ok" and sink.store.state().queue == 0)
    (message,) = telegram.sent()
    assert query(db, "SELECT status, message_id FROM outbox") == [("sent", message.message_id)]
