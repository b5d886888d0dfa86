"""Fixtures for the Telegram tests: a fake Bot API on 127.0.0.1 and a sink wired to it, with a
clock and a sleep the tests control (backoff and retry_after are checked as requested waits,
never as elapsed time)."""

from __future__ import annotations

import pytest

from engine.alerts.sink import TelegramSink
from engine.service import Service
from engine.store import StoreSink
from fakes.telegram_kit import Clock, Sleeps, secrets, telegram_settings

@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sleeps(clock):
    return Sleeps(clock)


@pytest.fixture
async def bot(telegram, clock, sleeps):
    """A started Telegram sink on a real, not running, Service; with ``db=path`` a store sink
    too (started first, stopped last, as default_sinks orders them).  Tests hand signals to
    ``svc.emit``: the service's alert policy decides, then the sinks act."""
    made = []

    async def make(*chats: str, db=None, **telegram_overrides):
        s = telegram_settings(telegram.url, **telegram_overrides)
        store = StoreSink(s, db, clock=clock) if db is not None else None
        sink = TelegramSink(s, secrets(*chats), store=store, clock=clock, sleep=sleeps)
        svc = Service(s, secrets(*chats), data_dir=None, sinks=[x for x in (sink, store) if x is not None],
                      clock=clock)
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
