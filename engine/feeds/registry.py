"""Adapter per feed name: the ``src`` of a recording line picks its parser."""

from __future__ import annotations

from engine.feeds.adapter import Adapter
from engine.feeds.binance import BinanceAdapter
from engine.feeds.bybit import BybitAdapter
from engine.feeds.coinglass import CoinGlassAdapter
from engine.feeds.okx import OkxAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    "coinglass": CoinGlassAdapter,
    "binance": BinanceAdapter,
    "bybit": BybitAdapter,
    "okx": OkxAdapter,
}


def make_adapters() -> dict[str, Adapter]:
    """Fresh adapters (some keep state learned from REST bodies, so one set per run)."""
    return {name: cls() for name, cls in ADAPTERS.items()}
