"""Sockets whose subscriptions depend on the venue's listing.

What a socket subscribes depends on the listing the feed learns from its first REST bodies: the
venue's name for a coin's contract (``1000PEPEUSDT``), and on OKX what a contract is worth (a trade
that arrives before that can only be rejected).  A :class:`WaitingRunner` opens once ``ready()``
says the listing is in, at most ``wait_s`` later (a venue whose REST is down still streams, under
the usual names); reconnects do not wait.

Where a venue has no all-market liquidation stream (Bybit's ``allLiquidation`` is per symbol),
seeing every coin means one subscription per listed contract: a :class:`ListingRunner` covers the
listing the feed learns instead of the watched coins, and changes to the watch list do not touch it.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from typing import Any

from engine.feeds.runner import WsRunner

LISTING_WAIT_S = 10.0
_POLL_S = 0.05


def in_socket(coin: str, index: int, count: int) -> bool:
    """A stable spread of coins over ``count`` sockets (a coin never moves between them)."""
    return zlib.crc32(coin.encode()) % count == index


class WaitingRunner(WsRunner):
    def __init__(self, ready: Callable[[], bool], *args: Any, wait_s: float = LISTING_WAIT_S, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ready = ready
        self.wait_s = wait_s

    async def run(self) -> None:
        deadline = time.monotonic() + self.wait_s
        while not self.ready() and time.monotonic() < deadline:
            if await self.pause(_POLL_S):
                self.status = "down"
                return
        await super().run()


class ListingRunner(WaitingRunner):
    def set_coins(self, coins: list[str]) -> None:
        """The watch list changed: not this socket's business."""

    def cover(self, coins: list[str]) -> None:
        """Subscribe every coin of the listing (an empty listing is a failed fetch: keep what we have)."""
        if coins:
            WsRunner.set_coins(self, coins)
