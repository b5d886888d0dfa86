"""The whole path on the real Service: a replayed real recording → engine → store + Telegram
(the default sinks), then a restart that delivers whatever the first run left pending."""

from __future__ import annotations

import sqlite3

from fakes.telegram_kit import CHAT, TOKEN, secrets, telegram_settings, until

from engine.alerts.sink import TelegramSink
from engine.locations import DEMO_RECORDING
from engine.service import Service
from engine.store import db_path


def query(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


async def test_a_replay_stores_every_signal_and_alerts_once_per_alertable_signal(telegram, tmp_path):
    s = telegram_settings(telegram.url, in_replay=True, per_chat_interval_s=0.01)
    svc = Service(s, secrets(CHAT), data_dir=tmp_path, replay=DEMO_RECORDING, speed=0)
    await svc.run()
    emitted = {sig.id: sig for sig in svc.view.signals}
    db = db_path(tmp_path, replay=True)
    assert emitted and sorted(r[0] for r in query(db, "SELECT id FROM signals")) == sorted(emitted)
    assert query(db, "SELECT COUNT(*) FROM liquidations")[0][0] > 0

    # Alerts left pending by the end of the replay go out on the next start, never twice.
    again = Service(s, secrets(CHAT), data_dir=tmp_path, replay=DEMO_RECORDING)
    for sink in again.sinks:
        await sink.start(again)
    bot = next(x for x in again.sinks if isinstance(x, TelegramSink))
    outbox = query(db, "SELECT signal_id FROM outbox")
    await until(lambda: bot.outbox.queued() == 0 and len(telegram.sent()) == len(outbox))
    for sink in again.sinks:
        await sink.stop()
    rows = query(db, "SELECT status, message_id FROM outbox")
    assert {status for status, _ in rows} == {"sent"}
    assert sorted(mid for _, mid in rows) == sorted(m.message_id for m in telegram.sent())
    assert len(telegram.of("sendMessage")) == len(rows)
    alerted = {r[0] for r in outbox}
    assert all(not emitted[i].blocked and svc.coins.setting(emitted[i].coin).alerts for i in alerted)
    assert telegram.bad_token_calls == 0 and TOKEN not in str(svc.snapshot())
