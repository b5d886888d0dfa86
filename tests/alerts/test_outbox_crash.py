"""Crash safety: a process killed (SIGKILL) after committing its alerts, before Telegram answered,
loses none of them and sends none twice once it starts again."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from fakes.telegram_kit import CHAT, GROUP, TOKEN, free_port, query, secrets, telegram_settings, until

from engine.alerts.sink import TelegramSink
from engine.service import Service
from engine.store import db_path
from fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import asyncio, os, signal, sys, time
from pathlib import Path
sys.path[:0] = [{here!r}, {root!r}, {tests!r}]
from fakes.telegram_kit import secrets, telegram_settings
from engine.alerts.sink import TelegramSink
from engine.service import Service
from engine.store import StoreSink
from fakes.signals import sample

async def main():
    s = telegram_settings({url!r}, retry_base_s=30)
    lag = [600.0]  # the first alert is planned ten minutes "ago": stale by restart time
    clock = lambda: time.time() - lag[0]
    store = StoreSink(s, Path({db!r}), clock=clock)
    bot = TelegramSink(s, secrets({chat!r}, {group!r}), store=store, clock=clock)
    svc = Service(s, secrets({chat!r}, {group!r}), data_dir=None, sinks=[bot, store], clock=clock)
    for sink in svc.sinks:
        await sink.start(svc)
    svc.emit([sample(coin="DOGE", price=0.1612, tier=2)])
    lag[0] = 0.0
    svc.emit([sample(coin=c) for c in ("BTC", "ETH", "SOL")])
    assert await store.store.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # crash right after the commit, before any answer

asyncio.run(main())
"""


def crash_child(data_dir: Path, url: str) -> None:
    code = CHILD.format(here=str(Path(__file__).parent), root=str(ROOT), tests=str(ROOT / "tests"), url=url,
                        db=str(db_path(data_dir)), chat=CHAT, group=GROUP)
    child = subprocess.run([sys.executable, "-c", code], cwd=data_dir, capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]


async def start_again(data_dir: Path, url: str) -> Service:
    """A new process's service with its default sinks (Telegram, then the store)."""
    svc = Service(telegram_settings(url, per_chat_interval_s=0.01), secrets(CHAT, GROUP), data_dir=data_dir)
    for sink in svc.sinks:
        await sink.start(svc)
    return svc


async def stop(svc: Service) -> None:
    for sink in svc.sinks:
        await sink.stop()


async def test_alerts_committed_before_a_crash_are_delivered_exactly_once_after_restart(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"  # nothing answers there while the child runs
    crash_child(tmp_path, url)
    db = db_path(tmp_path)
    assert query(db, "SELECT COUNT(*) FROM signals") == [(4,)]
    assert query(db, "SELECT status, COUNT(*) FROM outbox GROUP BY status") == [("pending", 8)]

    telegram = FakeTelegram(TOKEN, port=port)
    await telegram.start()
    try:
        svc = await start_again(tmp_path, url)
        bot = next(s for s in svc.sinks if isinstance(s, TelegramSink))
        await until(lambda: len(telegram.sent()) == 6 and bot.outbox.stale == 2)
        assert "2 stale" in bot.state().detail
        await stop(svc)

        delivered = {(m.chat_id, m.text.split("\n")[1]) for m in telegram.sent()}
        assert len(delivered) == 6 and len(telegram.of("sendMessage")) == 6
        assert not any("DOGEUSDT" in m.text for m in telegram.sent())  # too old: stale, not late
        rows = query(db, "SELECT chat_id, status, message_id FROM outbox WHERE status = 'sent'")
        assert sorted((c, mid) for c, _, mid in rows) == sorted((m.chat_id, m.message_id) for m in telegram.sent())
        assert query(db, "SELECT COUNT(*) FROM outbox WHERE status = 'stale'") == [(2,)]
        assert query(db, "SELECT coin, alert FROM signals ORDER BY coin") == [  # what reached a phone
            ("BTC", "sent"), ("DOGE", "stale"), ("ETH", "sent"), ("SOL", "sent")]

        again = await start_again(tmp_path, url)  # a second restart finds nothing left to send
        bot = next(s for s in again.sinks if isinstance(s, TelegramSink))
        assert bot.outbox.queued() == 0
        await stop(again)
        assert len(telegram.of("sendMessage")) == 6
    finally:
        await telegram.stop()
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
