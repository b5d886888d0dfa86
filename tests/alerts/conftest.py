"""Fixtures for the Telegram tests: a fake Bot API on 127.0.0.1 and a sink wired to it, with a
clock and a sleep the tests control (backoff and retry_after are checked as requested waits,
never as elapsed time)."""

from __future__ import annotations

import asyncio

import pytest
from builders import settings

from engine.alerts.sink import TelegramSink
from engine.secrets import Secrets
from engine.service import Service
from engine.store import StoreSink
from fakes.telegram_server import FakeTelegram

TOKEN = "7001234567:AAFakeTokenForTestsOnly_abcdefghijkl"
CHAT, GROUP, STRANGER = "42", "-1001500", "666"


class Clock:
    def __init__(self, start: float = 1_761_125_892.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """Records every wait the code asks for and returns at once (advancing the test clock)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.now += max(0.0, seconds)
        await asyncio.sleep(0)


def telegram_settings(url: str, **telegram):
    return settings(
        telegram={"api_url": url, "request_timeout_s": 0.3, "poll_timeout_s": 1, "retry_base_s": 0.5,
                  "retry_max_s": 8, "edit_interval_s": 0.01, **telegram},
        storage={"batch_interval_s": 0.01, "busy_timeout_s": 0.05, "retry_max_s": 0.05},
    )


def secrets(*chats: str) -> Secrets:
    return Secrets(telegram_bot_token=TOKEN, telegram_chat_ids=chats or (CHAT,))


async def until(condition, timeout: float = 3.0) -> None:
    for _ in range(int(timeout / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


@pytest.fixture
async def telegram():
    server = FakeTelegram(TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sleeps(clock):
    return Sleeps(clock)


@pytest.fixture
async def bot(telegram, clock, sleeps):
    """A started Telegram sink on a real, not running, Service; with ``db=path`` a store sink
    too (started first, stopped last, as default_sinks orders them)."""
    made = []

    async def make(*chats: str, db=None, **telegram_overrides):
        s = telegram_settings(telegram.url, **telegram_overrides)
        store = StoreSink(s, db, clock=clock) if db is not None else None
        sink = TelegramSink(s, secrets(*chats), store=store, clock=clock, sleep=sleeps)
        svc = Service(s, secrets(*chats), data_dir=None, sinks=[x for x in (sink, store) if x is not None])
        if store is not None:
            await store.start(svc)
        await sink.start(svc)
        made.append((sink, store))
        return svc, sink

    yield make
    for sink, store in made:
        await sink.stop()
        if store is not None:
            await store.stop()
