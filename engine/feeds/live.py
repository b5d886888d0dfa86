"""The live feeds a service can start: feed name → factory.  A venue adds itself with one line.

A factory is ``live_feed(settings, secrets, coins, deliver, *, liquidations) -> LiveFeed``
(see :mod:`engine.feeds.runner`).  ``liquidations`` is False for the venue feeds while CoinGlass
runs: its ``liquidationOrders`` already carries every venue's liquidations, and taking them twice
would double every cascade.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.feeds import binance, bybit, coinglass, okx
from engine.feeds.runner import LiveFeed

FeedFactory = Callable[..., LiveFeed]

FACTORIES: dict[str, FeedFactory] = {
    "coinglass": coinglass.live_feed,
    "binance": binance.live_feed,
    "bybit": bybit.live_feed,
    "okx": okx.live_feed,
}
