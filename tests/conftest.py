"""Shared fixtures.  This directory is on ``sys.path`` (pytest's rootdir conftest), so tests import
the fake servers as ``fakes.<module>``."""

from __future__ import annotations

import pytest

from fakes.coinglass_server import FAKE_CG_KEY, FakeCoinGlass
from fakes.telegram_kit import TOKEN
from fakes.telegram_server import FakeTelegram


@pytest.fixture(autouse=True)
def no_user_config(tmp_path_factory, monkeypatch):
    """No test reads the config or secrets of the user running the suite (~/.config/teleglas, where
    `teleglas init` writes them): the user config directory is an empty one of the test's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("user-config")))


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
