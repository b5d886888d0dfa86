"""Helpers for the Telegram tests: the fake bot's token and chats, a clock and a sleep the tests
control (backoff and retry_after are checked as requested waits, never as elapsed time), settings
pointing at the fake Bot API, and polling for a condition."""

from __future__ import annotations

import asyncio
import socket
import sqlite3

from builders import settings

from fakes.loopback import wait_for as until  # noqa: F401 - the Telegram tests say "await until(...)"

from engine.secrets import Secrets

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


def free_port() -> int:
    """A port nothing listens on yet (for a Bot API that starts after its client)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()
