"""Shared fixtures.  This directory is on ``sys.path`` (pytest's rootdir conftest), so tests import
the fake servers as ``fakes.<module>``."""

from __future__ import annotations

import pytest

from fakes.coinglass_server import FAKE_CG_KEY, FakeCoinGlass


@pytest.fixture
async def coinglass():
    server = FakeCoinGlass(FAKE_CG_KEY)
    await server.start()
    yield server
    await server.stop()
