"""Alerts through a real HTTP Bot API (a fake one on 127.0.0.1): one message per signal per chat,
edits in place, rate limits, retries, stale alerts, and nothing blocked ever sent."""

from __future__ import annotations

import pytest
from fakes.telegram_kit import CHAT, GROUP, TOKEN, until

from engine.alerts.ratelimit import ChatLimiter
from engine.model import FLAT, LONG, SHORT, STOP_HUNT, VOLUME_SPIKE, WIN
from fakes.signals import revise, sample


async def test_an_alert_goes_once_to_every_configured_chat_as_html(telegram, bot):
    svc, sink = await bot(CHAT, GROUP)
    signal = sample(STOP_HUNT, LONG, "BTC")
    svc.emit([signal])
    await until(lambda: sink.outbox.sent == 2)  # both answers read
    calls = telegram.of("sendMessage")
    assert sorted(c.payload["chat_id"] for c in calls) == sorted([CHAT, GROUP])
    assert all(c.payload["parse_mode"] == "HTML" and not c.payload["disable_notification"] for c in calls)
    assert all("<b>BTCUSDT</b>" in m.text for m in telegram.sent())
    assert telegram.bad_token_calls == 0
    state = sink.state()
    assert (state.state, state.queue, state.last_ms is not None) == ("ok", 0, True)


async def test_an_info_alert_arrives_without_a_notification_sound(telegram, bot):
    svc, sink = await bot()
    svc.emit([sample(VOLUME_SPIKE, SHORT, "DOGE", 0.1612, 72.0, tier=2, priority="INFO")])
    await until(lambda: telegram.sent())
    assert telegram.of("sendMessage")[0].payload["disable_notification"] is True


async def test_a_growing_stop_hunt_edits_its_message_in_place_never_a_second_message(telegram, bot):
    svc, sink = await bot()
    signal = sample(STOP_HUNT, SHORT, "ETH", 3_456.78, 86.0)
    svc.emit([signal])
    await until(lambda: telegram.sent())
    signal.metrics.update(absorbed=True, absorption_usd=310_000.0)
    svc.emit([revise(signal)])
    await until(lambda: telegram.sent()[0].edits)
    signal.outcome.result = WIN
    svc.emit([revise(signal, "outcome")])
    await until(lambda: len(telegram.sent()[0].edits) == 2)
    (message,) = telegram.sent()
    assert "Absorption $310k: over its $100k threshold" in message.edits[0] and "WIN" not in message.edits[0]
    assert "Outcome ✅ <b>WIN</b>" in message.edits[1]
    assert len(telegram.of("sendMessage")) == 1
    assert {c.payload["message_id"] for c in telegram.of("editMessageText")} == {message.message_id}


async def test_an_outcome_alone_never_starts_a_message(telegram, bot):
    svc, sink = await bot()
    late = sample(STOP_HUNT, LONG, "SOL", blocked=True)  # refused when new
    late.blocked = False
    late.outcome.result = FLAT
    svc.emit([revise(late, "outcome")])
    marker = sample(STOP_HUNT, LONG, "LINK")
    svc.emit([marker])
    await until(lambda: telegram.sent())
    assert ["LINKUSDT" in m.text for m in telegram.sent()] == [True]


async def test_a_signal_blocked_by_the_context_filter_is_not_sent(telegram, bot):
    svc, sink = await bot()
    svc.emit([sample(STOP_HUNT, LONG, "BTC", blocked=True), sample(STOP_HUNT, LONG, "ETH")])
    await until(lambda: telegram.sent())
    assert ["ETHUSDT" in m.text for m in telegram.sent()] == [True]


async def test_429_retry_after_is_honoured_before_the_second_attempt(telegram, bot, sleeps):
    telegram.fail_next("sendMessage", 429, retry_after=7)
    svc, sink = await bot()
    svc.emit([sample()])
    await until(lambda: telegram.sent())
    assert [c.status for c in telegram.of("sendMessage")] == [429, 200]
    assert any(abs(w - 7) < 0.5 for w in sleeps.waits)  # the chat waited retry_after, then retried
    assert len(telegram.sent()) == 1


async def test_a_5xx_is_retried_with_exponential_backoff(telegram, bot, sleeps):
    telegram.fail_next("sendMessage", 500)
    telegram.fail_next("sendMessage", 502)
    svc, sink = await bot(per_chat_interval_s=0.001)
    svc.emit([sample()])
    await until(lambda: sink.outbox.sent == 1)
    assert [c.status for c in telegram.of("sendMessage")] == [500, 502, 200]
    first, second = [w for w in sleeps.waits if w > 0.001]  # retry_base_s, then doubled, with jitter
    assert 0.25 <= first <= 0.5 and 0.5 <= second <= 1.0
    assert len(telegram.sent()) == 1 and sink.state().state == "ok"


async def test_a_timeout_is_retried(telegram, bot):
    telegram.fail_next("sendMessage", status=0, delay=0.3)  # answers after request_timeout_s
    svc, sink = await bot(request_timeout_s=0.1)
    svc.emit([sample()])
    await until(lambda: telegram.sent())
    assert len(telegram.of("sendMessage")) == 2
    assert len(telegram.sent()) == 1


async def test_an_alert_that_cannot_go_out_in_time_is_marked_stale_not_sent_late(telegram, bot, clock):
    for _ in range(12):
        telegram.fail_next("sendMessage", 503)
    svc, sink = await bot(max_alert_age_s=20)  # backoff 0.5, 1, 2, 4, 8, 8 s... passes 20 s
    signal = sample()
    svc.emit([signal])
    assert signal.alert == "sent"  # decided: it goes to Telegram
    await until(lambda: sink.outbox.stale == 1)
    assert telegram.sent() == []
    assert "1 stale" in sink.state().detail
    assert signal.alert == "stale"  # and it says so afterwards: the phone never got it


async def test_a_wrong_token_is_a_clear_state_and_never_shown(telegram, bot):
    telegram.token = "999:other"
    svc, sink = await bot()
    svc.emit([sample()])
    await until(lambda: sink.outbox.failed == 1)
    state = sink.state()
    assert state.state == "degraded" and "token rejected" in state.detail
    assert TOKEN not in state.detail and TOKEN.split(":")[1] not in state.detail


async def test_unreachable_api_errors_are_redacted(bot, clock):
    svc, sink = await bot(api_url="http://127.0.0.1:9")  # discard port: connection refused
    svc.emit([sample()])
    await until(lambda: sink.outbox.error)
    assert TOKEN not in sink.state().detail


def test_one_message_per_second_per_chat_and_twenty_a_minute_per_group():
    limiter = ChatLimiter(1.0, 20, sleep=None, ticks=lambda: 5.0)
    assert [limiter.reserve("42", 0.0) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert limiter.reserve("43", 0.0) == 0.0  # another chat has its own budget
    group = [limiter.reserve(GROUP, 0.0) for _ in range(21)]
    assert group[:20] == [float(i) for i in range(20)]
    assert group[20] == 60.0  # the 21st waits for the minute of the first to pass
    limiter.block("42", 30.0)
    assert limiter.reserve("42", 5.0) == pytest.approx(30.0)


async def test_an_alert_that_a_429_holds_past_its_age_is_marked_stale_not_sent_late(telegram, bot):
    telegram.fail_next("sendMessage", 429, retry_after=400)  # Telegram's flood wait: nearly 7 minutes
    svc, sink = await bot(max_alert_age_s=300)
    svc.emit([sample()])
    await until(lambda: sink.outbox.stale == 1)
    assert [c.status for c in telegram.of("sendMessage")] == [429]
    assert telegram.sent() == []


async def test_a_chat_listed_twice_still_gets_each_alert_once(telegram, bot):
    telegram.fail_next("sendMessage", 200, delay=0.2)  # delivered, but the answer comes late
    svc, sink = await bot(CHAT, CHAT, request_timeout_s=2)  # TELEGRAM_CHAT_ID=42,42
    signal = sample(STOP_HUNT, LONG, "BTC")
    svc.emit([signal])
    await until(lambda: telegram.of("sendMessage"))  # the first send is under way
    signal.metrics["liquidated_usd"] = 6_000_000.0
    svc.emit([revise(signal)])  # the cascade grows meanwhile
    await until(lambda: sink.outbox.edits == 1)
    assert len(telegram.of("sendMessage")) == 1
    assert "$6.00M" in telegram.sent()[0].edits[-1]
