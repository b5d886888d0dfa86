"""Shared fixtures.  This directory is on ``sys.path`` (pytest's rootdir conftest), so tests import
the fake servers as ``fakes.<module>``."""

from __future__ import annotations

import pytest

from fakes.coinglass_server import FakeCoinGlass

FAKE_CG_KEY = "cg-test-key-7f3a91d2e4b8"  # a key-shaped string that must never appear in output


@pytest.fixture
async def coinglass():
    server = FakeCoinGlass(FAKE_CG_KEY)
    await server.start()
    yield server
    await server.stop()
