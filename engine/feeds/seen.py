"""Trade ids a venue already sent, so a trade sent twice counts once.

Some venues send recent trades again: Hyperliquid's ``trades`` subscription opens with the coin's
latest trades, dYdX's ``v4_trades`` subscribe reply carries the market's recent trades, and both
do it again on every reconnect.  The adapter notes each trade's id and drops one it has seen.  It
keeps the last ``size`` ids (oldest forgotten first), O(1) a trade; a replay sees the same frames
and drops the same trades.
"""

from __future__ import annotations


class SeenIds:
    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._ids: dict[object, None] = {}  # insertion order: the oldest first

    def first_time(self, key: object) -> bool:
        """True the first time ``key`` is offered (it is noted), False after."""
        ids = self._ids
        if key in ids:
            return False
        ids[key] = None
        if len(ids) > self.size:
            del ids[next(iter(ids))]
        return True

    def __len__(self) -> int:
        return len(self._ids)
