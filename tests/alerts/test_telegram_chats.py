"""What the Bot API really answers about chats, and what the alerts do about it: a group upgraded
to a supergroup is followed, a chat that refuses the bot stops costing retries while the others go
on, connection resets are retried, and the wall clock stepping back never stalls a chat."""

from __future__ import annotations

import pytest
from fakes.telegram_kit import CHAT, GROUP, query, until

from engine.alerts.chats import STATE_KEY
from engine.model import LONG, SHORT, STOP_HUNT
from fakes.signals import revise, sample

SUPERGROUP = "-1009876543210"


def sends_to(telegram, chat: str) -> int:
    return sum(1 for c in telegram.of("sendMessage") if str(c.payload["chat_id"]) == chat)


async def test_a_group_upgraded_to_a_supergroup_is_followed_told_and_remembered(telegram, bot, tmp_path):
    db = tmp_path / "teleglas.db"
    telegram.migrate(GROUP, SUPERGROUP)
    svc, sink = await bot(CHAT, GROUP, db=db)
    svc.emit([sample(STOP_HUNT, LONG, "BTC")])
    await until(lambda: sink.outbox.sent == 2)
    texts = [m.text for m in telegram.sent(SUPERGROUP)]
    assert any("became a supergroup" in t and f"TELEGRAM_CHAT_ID to {SUPERGROUP}" in t for t in texts)
    assert any("BTCUSDT" in t for t in texts)
    assert f"chat {GROUP} became {SUPERGROUP}: set TELEGRAM_CHAT_ID to it" in sink.state().detail
    assert f"chat {GROUP} became {SUPERGROUP}: set TELEGRAM_CHAT_ID to it" in sink.poller.commands.status([])
    await until(lambda: query(db, f"SELECT COUNT(*) FROM state WHERE key = '{STATE_KEY}'") == [(1,)])

    svc2, again = await bot(CHAT, GROUP, db=db)  # a restart goes to the new id at once
    asked_old = sends_to(telegram, GROUP)
    svc2.emit([sample(STOP_HUNT, SHORT, "ETH", 3_456.78)])
    await until(lambda: again.outbox.sent == 2)
    assert sends_to(telegram, GROUP) == asked_old
    assert sum("ETHUSDT" in m.text for m in telegram.sent(SUPERGROUP)) == 1


async def test_commands_from_the_supergroup_are_the_groups_commands(telegram, bot):
    svc, sink = await bot(CHAT, GROUP)
    telegram.migrate(GROUP, SUPERGROUP, announced=True)  # the group's last update names its new id
    await until(lambda: sink.chats.target(GROUP) == SUPERGROUP)
    telegram.user_message(SUPERGROUP, "/pause")
    await until(lambda: svc.paused)
    assert sink.poller.foreign == 0


@pytest.mark.parametrize("refuse", ["block", "kick", "forget"])
async def test_a_chat_that_refuses_the_bot_stops_costing_retries_and_the_others_go_on(telegram, bot, refuse):
    getattr(telegram, refuse)(CHAT)
    svc, sink = await bot(CHAT, GROUP)
    for coin, price in (("BTC", 96_200.0), ("ETH", 3_456.78), ("SOL", 182.45)):
        svc.emit([sample(STOP_HUNT, LONG, coin, price)])
    await until(lambda: len(telegram.sent(GROUP)) == 3 and sink.outbox.failed == 3)
    assert sends_to(telegram, CHAT) == 1  # asked once, then no more attempts
    state = sink.state()
    assert state.state == "degraded" and f"chat {CHAT} unreachable: " in state.detail
    assert ("Forbidden" if refuse != "forget" else "chat not found") in state.detail
    assert f"chat {CHAT} unreachable" in sink.poller.commands.status([])

    telegram.welcome(CHAT)  # the trader unblocks the bot and writes to it
    telegram.user_message(CHAT, "/status")
    await until(lambda: CHAT not in sink.chats.unreachable)
    svc.emit([sample(STOP_HUNT, SHORT, "DOGE", 0.1612, tier=2)])
    await until(lambda: any("DOGEUSDT" in m.text for m in telegram.sent(CHAT)))
    assert sink.state().state == "ok"


async def test_a_connection_reset_is_retried_with_backoff(telegram, bot, sleeps):
    telegram.fail_next("sendMessage", -1)
    svc, sink = await bot(per_chat_interval_s=0.001)
    svc.emit([sample()])
    await until(lambda: sink.outbox.sent == 1)
    assert [c.status for c in telegram.of("sendMessage")] == [-1, 200]
    assert [w for w in sleeps.waits if w > 0.001] and len(telegram.sent()) == 1


async def test_the_wall_clock_stepping_back_an_hour_never_stalls_a_chat(telegram, bot, clock, sleeps):
    svc, sink = await bot(CHAT)
    first = sample(STOP_HUNT, LONG, "BTC")
    svc.emit([first])
    await until(lambda: sink.outbox.sent == 1)
    clock.now -= 3600  # NTP corrects a fast clock, or a VM resumes
    svc.emit([sample(STOP_HUNT, SHORT, "ETH", 3_456.78)])
    first.metrics["liquidated_usd"] = 9_000_000.0
    svc.emit([revise(first)])  # an edit due, its last edit "an hour in the future"
    await until(lambda: sink.outbox.sent == 2 and sink.outbox.edits == 1)
    assert max(sleeps.waits) < 3  # the chat's one-a-second slots, nothing like the hour of the step
