"""Commands by long polling: only from the configured chats, acting on the service's own state
(the mute the phone sets is the mute the TUI shows)."""

from __future__ import annotations

import sqlite3

import pytest
from fakes.telegram_kit import CHAT, GROUP, STRANGER, until

from engine.alerts.commands import parse_duration
from engine.model import LONG, STOP_HUNT, WIN
from fakes.signals import sample


def replies(telegram, chat=CHAT):
    return [m.text for m in telegram.sent(chat)]


async def ask(telegram, text, chat=CHAT, date=None):
    before = len(replies(telegram, chat))
    telegram.user_message(chat, text, date)
    await until(lambda: len(replies(telegram, chat)) > before)
    return replies(telegram, chat)[-1]


async def test_mute_from_the_phone_is_the_service_mute_and_expires(telegram, bot, clock):
    svc, sink = await bot()
    reply = await ask(telegram, "/mute eth 30m")
    assert reply.startswith("🔕 ETH muted for 30m (until ")
    now_ms = int(clock() * 1000)
    assert svc.coins.is_muted("ETH", now_ms) and not svc.coins.is_muted("ETH", now_ms + 31 * 60_000)

    svc.emit([sample(STOP_HUNT, LONG, "ETH", 3_456.78)])  # muted: no alert
    clock.now += 31 * 60
    svc.emit([sample(STOP_HUNT, LONG, "ETH", 3_470.10)])  # the mute has expired
    await until(lambda: any("ETHUSDT" in t for t in replies(telegram)))
    alerts = [t for t in replies(telegram) if "ETHUSDT" in t]
    assert len(alerts) == 1 and "3,470.1" in alerts[0]
    assert svc.alerts.refused["muted"] == 1


async def test_unmute_and_a_bare_mute_uses_the_default_duration(telegram, bot, clock):
    svc, _ = await bot()
    assert "muted for 1h" in await ask(telegram, "/mute BTCUSDT")
    assert svc.coins.is_muted("BTC", int(clock() * 1000))
    assert "BTC alerts on again" in await ask(telegram, "/unmute btc")
    assert not svc.coins.is_muted("BTC", int(clock() * 1000))
    assert "Cannot read the duration" in await ask(telegram, "/mute BTC soon")


async def test_pause_and_resume_switch_the_service_alerts(telegram, bot):
    svc, sink = await bot()
    assert "paused" in await ask(telegram, "/pause")
    assert svc.paused
    svc.emit([sample(STOP_HUNT, LONG, "SOL")])
    assert "Alerts on" in await ask(telegram, "/resume")
    assert not svc.paused
    svc.emit([sample(STOP_HUNT, LONG, "LINK")])
    await until(lambda: any("LINKUSDT" in t for t in replies(telegram)))
    assert not any("SOLUSDT" in t for t in replies(telegram))


async def test_commands_from_a_foreign_chat_are_ignored_and_counted(telegram, bot):
    svc, sink = await bot(CHAT, GROUP)
    telegram.user_message(STRANGER, "/pause")
    telegram.user_message(GROUP, "/pause@teleglas_test_bot")  # a configured group, bot-addressed
    await until(lambda: replies(telegram, GROUP))
    assert svc.paused  # by the group, not the stranger
    assert sink.poller.foreign == 1
    assert replies(telegram, STRANGER) == []
    assert "1 messages from other chats ignored" in sink.state().detail


async def test_status_coins_last_stats_and_help_answer(telegram, bot, tmp_path):
    svc, sink = await bot(db=tmp_path / "teleglas.db")
    signal = sample(STOP_HUNT, LONG, "BTC")
    svc.emit([signal])  # the event path: the store plans the alert with the signal
    await until(lambda: sink.outbox.sent == 1)
    signal.outcome.result = WIN
    svc.engine.path.outcome_stats.record(signal)
    svc.coins.set_alerts("DOGE", False)

    status = await ask(telegram, "/status")
    assert "<b>teleglas LIVE</b> · alerts on" in status and "Events/s 0" in status
    assert "Alerts today 1 · queued 0 · stale 0 · failed 0" in status
    assert "Database ok" in status
    coins = await ask(telegram, "/coins")
    assert "BTC 🔔" in coins and "DOGE alerts off" in coins
    assert "BTCUSDT LONG STOP_HUNT 91 URGENT" in await ask(telegram, "/last 3")
    assert "STOP_HUNT: 100% · 1/0/0 of 1" in await ask(telegram, "/stats")
    assert "/mute COIN" in await ask(telegram, "/help")
    assert "Unknown command /buy" in await ask(telegram, "/buy BTC")


async def test_plain_chat_gets_no_reply(telegram, bot):
    _, sink = await bot()
    telegram.user_message(CHAT, "hello bot")
    telegram.user_message(CHAT, "   ")
    await ask(telegram, "/help")  # processed after the plain message
    assert len(replies(telegram)) == 1
    assert sink.poller.handled == 1


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("2h", 7200), ("1d", 86_400), ("45s", 45),
                                               ("15", 900), ("1.5h", 5400), ("0m", None), ("soon", None),
                                               ("365d", 31_536_000), ("366d", None)])
def test_mute_durations(text, seconds):
    assert parse_duration(text) == seconds


async def test_a_command_sent_while_teleglas_was_down_long_ago_is_not_run(telegram, bot, clock):
    svc, sink = await bot()
    telegram.user_message(CHAT, "/pause", date=int(clock()) - 3600)  # an hour before start
    await ask(telegram, "/help")
    assert not svc.paused and sink.poller.expired == 1
    assert len(replies(telegram)) == 1


async def test_an_absurd_mute_duration_gets_a_clear_answer_and_the_database_keeps_writing(telegram, bot, clock,
                                                                                          tmp_path):
    db = tmp_path / "teleglas.db"
    svc, sink = await bot(db=db)
    reply = await ask(telegram, "/mute BTC 999999999999d")  # past what a timestamp can hold
    assert "Cannot read the duration 999999999999d" in reply
    assert not svc.coins.is_muted("BTC", int(clock() * 1000))
    svc.emit([sample(STOP_HUNT, LONG, "ETH", 3_456.78)])
    await until(lambda: query(db, "SELECT coin FROM signals") == [("ETH",)])
    assert sink.store.state().state == "ok"


def query(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


async def test_a_command_addressed_to_another_bot_in_the_group_is_not_ours(telegram, bot):
    svc, _ = await bot(CHAT, GROUP)
    telegram.user_message(GROUP, "/pause@market_news_bot")  # the group's other bot, not teleglas
    reply = await ask(telegram, "/help@TeleGlas_Test_Bot", chat=GROUP)  # ours (names ignore case)
    assert "/mute COIN" in reply
    assert not svc.paused
    assert len(replies(telegram, GROUP)) == 1


async def test_alerts_today_starts_again_at_utc_midnight_even_before_the_next_alert(telegram, bot, clock):
    svc, sink = await bot()
    svc.emit([sample(STOP_HUNT, LONG, "BTC")])
    await until(lambda: sink.outbox.sent == 1)
    assert "Alerts today 1 ·" in await ask(telegram, "/status")
    clock.now += 86_400  # a quiet next day: no alert yet
    assert "Alerts today 0 ·" in await ask(telegram, "/status", date=int(clock()))


async def test_a_429_on_a_reply_holds_the_chat_for_the_alerts_too(telegram, bot, sleeps):
    telegram.fail_next("sendMessage", 429, retry_after=30)
    svc, sink = await bot()
    telegram.user_message(CHAT, "/help")
    await until(lambda: "Too Many Requests" in sink.poller.error)  # the reply is refused: flood wait 30 s
    svc.emit([sample(STOP_HUNT, LONG, "BTC")])
    await until(lambda: telegram.sent())
    assert [c.status for c in telegram.of("sendMessage")] == [429, 200]
    assert any(abs(w - 30) < 0.5 for w in sleeps.waits)  # the alert waited out the flood wait
