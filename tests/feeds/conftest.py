"""The fake venues on 127.0.0.1, one fixture each (the fake CoinGlass is in ``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from fakes.bitget_server import FakeBitget
from fakes.bitmex_server import FakeBitmex
from fakes.deribit_server import FakeDeribit
from fakes.dydx_server import FakeDydx
from fakes.gate_server import FakeGate
from fakes.htx_server import FakeHtx
from fakes.hyperliquid_server import FakeHyperliquid
from fakes.venue_servers import FakeBinance, FakeBybit, FakeOkx


@pytest.fixture
async def binance():
    async with FakeBinance() as fake:
        yield fake


@pytest.fixture
async def bybit():
    async with FakeBybit() as fake:
        yield fake


@pytest.fixture
async def okx():
    async with FakeOkx() as fake:
        yield fake


@pytest.fixture
async def hyperliquid():
    async with FakeHyperliquid() as fake:
        yield fake


@pytest.fixture
async def dydx():
    async with FakeDydx() as fake:
        yield fake


@pytest.fixture
async def bitget():
    async with FakeBitget() as fake:
        yield fake


@pytest.fixture
async def htx():
    async with FakeHtx() as fake:
        yield fake


@pytest.fixture
async def gate():
    async with FakeGate() as fake:
        yield fake


@pytest.fixture
async def deribit():
    async with FakeDeribit() as fake:
        yield fake


@pytest.fixture
async def bitmex():
    async with FakeBitmex() as fake:
        yield fake
