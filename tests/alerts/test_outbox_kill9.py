"""The write-ahead outbox under kill -9: a real teleglas process (the service's own sinks on a data
directory) sends alerts to the fake Bot API and is killed with SIGKILL at several points of the
send path; a new service on the same data directory then finishes the job.

What must hold, counted per alert (chat and coin) on the Bot API's side:

* nothing reaches Telegram before its outbox row is committed (an alert the crash took before its
  commit is never sent, by either process: the database and the phone agree);
* an alert Telegram acknowledged, with the ``message_id`` committed, is never sent again;
* an alert committed but not acknowledged is sent after the restart: once if Telegram never got
  it, a second time if it did but the answer was lost with the process (at least once);
* the database passes ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest
from builders import settings
from fakes.telegram_kit import CHAT, GROUP, query, secrets, until
from fakes.telegram_server import FakeTelegram

from engine.alerts.sink import TelegramSink
from engine.service import Service
from engine.store import db_path

ROOT = Path(__file__).resolve().parents[2]
COINS = ("BTC", "ETH", "SOL")
CHATS = (CHAT, GROUP)

# The batch interval is long on purpose: an alert must not wait for it (its row is committed at
# once), and neither must the answer's write-back.
CHILD = """
import asyncio, sys
from pathlib import Path
sys.path[:0] = [{root!r}, {tests!r}]
from builders import settings
from fakes.signals import sample
from fakes.telegram_kit import secrets
from engine.service import Service

async def main():
    s = settings(telegram={{"api_url": {url!r}, "per_chat_interval_s": 0.01, "request_timeout_s": 60,
                           "retry_base_s": 60}},
                 storage={{"batch_interval_s": 30}})
    svc = Service(s, secrets({chats}), data_dir=Path({data!r}))
    for sink in svc.sinks:
        await sink.start(svc)
    print("started", flush=True)
    for coin in {coins!r}:
        svc.emit([sample(coin=coin)])
    print("queued", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def coin_of(text: str) -> str:
    return next(c for c in COINS if f"{c}USDT" in text)


def delivered(telegram: FakeTelegram) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for m in telegram.sent():
        key = (m.chat_id, coin_of(m.text))
        counts[key] = counts.get(key, 0) + 1
    return counts


def committed(data: Path) -> dict[tuple[str, str], int | None]:
    """Outbox rows on disk, by (chat, coin): Telegram's message_id, or None while unacknowledged."""
    path = db_path(data)
    if not path.exists():
        return {}
    return {(chat, coin): mid for chat, coin, mid in query(path, "SELECT chat_id, coin, message_id FROM outbox")}


async def run_and_kill(data: Path, telegram: FakeTelegram, kill_when) -> None:
    """Start the child, let it queue its alerts, SIGKILL it once ``kill_when()`` holds (a number:
    that many seconds after it queued)."""
    code = CHILD.format(root=str(ROOT), tests=str(ROOT / "tests"), url=telegram.url, data=str(data),
                        chats=", ".join(map(repr, CHATS)), coins=COINS)
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", code, cwd=data,
                                                 stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        for expected in (b"started", b"queued"):
            line = await asyncio.wait_for(child.stdout.readline(), 30)
            assert line.strip() == expected, (line, (await child.stderr.read())[-2000:])
        if callable(kill_when):
            await until(kill_when, timeout=20)
        else:
            await asyncio.sleep(kill_when)
    finally:
        child.kill()  # SIGKILL: no handler, no flush, no goodbye
        await child.wait()
    assert child.returncode == -signal.SIGKILL
    await asyncio.sleep(0.2)  # a request the child had fully written before it died is still read


async def restart(data: Path, telegram: FakeTelegram) -> None:
    """A new service on the same data directory, run until the outbox it found is delivered."""
    s = settings(telegram={"api_url": telegram.url, "per_chat_interval_s": 0.01},
                 storage={"batch_interval_s": 0.01})
    svc = Service(s, secrets(*CHATS), data_dir=data)
    for sink in svc.sinks:
        await sink.start(svc)
    bot = next(s for s in svc.sinks if isinstance(s, TelegramSink))
    await until(lambda: not bot.outbox.queued() and not bot.outbox._delivering)
    for sink in svc.sinks:
        await sink.stop()


def hold_every_send(telegram: FakeTelegram, **fault) -> None:
    """Each chat's worker sends one alert at a time: the first to each chat is held, the rest wait."""
    for _ in CHATS:
        telegram.fail_next("sendMessage", delay=60, **fault)


EVERY_ALERT = {(chat, coin) for chat in CHATS for coin in COINS}


async def test_killed_with_sends_in_flight_and_none_delivered_each_alert_goes_out_once(telegram, tmp_path):
    hold_every_send(telegram, status=0)  # Telegram holds the request and never delivers
    await run_and_kill(tmp_path, telegram, lambda: len(telegram.of("sendMessage")) == len(CHATS))
    assert set(committed(tmp_path)) == EVERY_ALERT and delivered(telegram) == {}
    telegram.faults.clear()
    await restart(tmp_path, telegram)
    assert delivered(telegram) == {key: 1 for key in EVERY_ALERT}
    assert query(db_path(tmp_path), "PRAGMA integrity_check") == [("ok",)]


async def test_killed_after_telegram_delivered_but_before_the_answer_that_alert_goes_out_again(telegram, tmp_path):
    hold_every_send(telegram, status=200, hang=True)  # on the phone, the answer never read
    await run_and_kill(tmp_path, telegram, lambda: len(telegram.sent()) == len(CHATS))
    on_disk = committed(tmp_path)
    assert set(on_disk) == EVERY_ALERT and all(mid is None for mid in on_disk.values())
    in_flight = set(delivered(telegram))
    telegram.faults.clear()
    await restart(tmp_path, telegram)
    # at least once: the alert whose answer died with the process twice, every other once
    assert delivered(telegram) == {key: 2 if key in in_flight else 1 for key in EVERY_ALERT}
    assert query(db_path(tmp_path), "PRAGMA integrity_check") == [("ok",)]


async def test_killed_after_the_answers_were_committed_nothing_is_sent_again(telegram, tmp_path):
    def acknowledged() -> bool:
        rows = committed(tmp_path)
        return set(rows) == EVERY_ALERT and all(mid is not None for mid in rows.values())

    await run_and_kill(tmp_path, telegram, acknowledged)
    before = {(m.chat_id, m.message_id) for m in telegram.sent()}
    assert set(query(db_path(tmp_path), "SELECT chat_id, message_id FROM outbox")) == before
    await restart(tmp_path, telegram)
    assert delivered(telegram) == {key: 1 for key in EVERY_ALERT}
    assert query(db_path(tmp_path), "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.parametrize("after_s", [0.0, 0.003, 0.01, 0.03])
async def test_killed_at_any_instant_no_alert_is_lost_or_sent_before_its_commit(telegram, tmp_path, after_s):
    await run_and_kill(tmp_path, telegram, after_s)
    on_disk = committed(tmp_path)
    before = delivered(telegram)
    assert set(before) <= set(on_disk)  # write-ahead: nothing sent that the database does not hold
    await restart(tmp_path, telegram)
    after = delivered(telegram)
    for key in EVERY_ALERT:
        if key not in on_disk:  # the crash came before the commit: neither process sends it
            expected = 0
        elif on_disk[key] is not None:  # acknowledged and written: never again
            expected = 1
        else:  # committed, unanswered: (again) after the restart
            expected = before.get(key, 0) + 1
        assert after.get(key, 0) == expected, (key, on_disk, before, after)
    assert query(db_path(tmp_path), "PRAGMA integrity_check") == [("ok",)]
