"""Shared fixtures.  This directory is on ``sys.path`` (pytest's rootdir conftest), so tests import
the fake servers as ``fakes.<module>``."""

from __future__ import annotations

import pytest

from fakes.coinglass_server import FAKE_CG_KEY, FakeCoinGlass
from fakes.telegram_kit import TOKEN
from fakes.telegram_server import FakeTelegram


@pytest.fixture
async def coinglass():
    server = FakeCoinGlass(FAKE_CG_KEY)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def telegram():
    """A fake Telegram Bot API on 127.0.0.1 that knows the test bot's token."""
    server = FakeTelegram(TOKEN)
    await server.start()
    yield server
    await server.stop()
