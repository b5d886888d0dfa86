"""The random-moment baseline, live: would the same direction on the same coin at a random moment
have done as well?  (The quality report asks it of a finished recording; the engine needs it as
it goes, for URGENT: a class measured credibly above its baseline.)

Every coin gets random moments: pseudo-random gaps averaging ``EVERY_S`` between them, drawn from
a hash of the coin and the moment's number, so they depend on nothing but the coin's own prices
(the same in live, replay and backtest, whatever the batching).  A moment takes the coin's price
there and its price at the first priced event at or after ``outcomes.horizon_s`` later, and counts
whether a LONG and whether a SHORT would have been right (the quality report's hit: a directional
return above zero).  The coin's baseline for a direction is the share of its resolved moments
that were right that way.

A class's baseline (type × tier) is matched to its own signals: when one of its signals resolves,
the baseline of that signal's coin and direction at that moment is added in, and the class's
baseline is their mean.  Everything counted was resolved before it is read: no look-ahead.  The
counts are engine state, saved with it.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Mapping

from engine.model import LONG, Signal
from engine.signals.confidence import class_key
from engine.signals.quality import is_hit

EVERY_S = 300  # mean gap between a coin's random moments


class CoinMoments:
    """One coin's random moments: the next one, those waiting for their horizon, the tallies."""

    __slots__ = ("coin", "k", "next_moment", "pending", "next_check", "n", "up", "down")

    def __init__(self, coin: str) -> None:
        self.coin = coin
        self.k = 0
        self.next_moment = -1  # at the coin's first price
        self.pending: deque[tuple[int, float]] = deque()  # (due, price at the moment)
        self.next_check = -1  # the engine calls check() at the first price at or after this
        self.n = self.up = self.down = 0


class BaselineBook:
    def __init__(self, horizon_s: float) -> None:
        self.horizon_ms = int(horizon_s * 1000)
        self.coins: dict[str, CoinMoments] = {}
        self.classes: dict[str, list[float]] = {}  # class -> [sum of matched baselines, count]

    def coin(self, coin: str) -> CoinMoments:
        moments = self.coins.get(coin)
        if moments is None:
            moments = self.coins[coin] = CoinMoments(coin)
        return moments

    def check(self, cm: CoinMoments, ts: int, price: float) -> None:
        """A price of the coin at or after ``cm.next_check``: resolve what is due, take a moment."""
        pending = cm.pending
        while pending and ts >= pending[0][0]:
            _, entry = pending.popleft()
            r = (price - entry) / entry
            cm.n += 1
            cm.up += is_hit(r)
            cm.down += is_hit(-r)
        if ts >= cm.next_moment:
            pending.append((ts + self.horizon_ms, price))
            cm.k += 1
            gap = 2 * EVERY_S * 1000 * (zlib.crc32(f"{cm.coin}:{cm.k}".encode()) / 0x1_0000_0000)
            cm.next_moment = ts + max(1000, int(gap))
        cm.next_check = min(cm.next_moment, pending[0][0]) if pending else cm.next_moment

    def rate(self, coin: str, direction: str) -> float | None:
        """The share of the coin's resolved moments where ``direction`` was right."""
        cm = self.coins.get(coin)
        if cm is None or not cm.n:
            return None
        return (cm.up if direction == LONG else cm.down) / cm.n

    def record(self, signal: Signal) -> None:
        """A signal of the class resolved: its coin's baseline for its direction joins the class's."""
        rate = self.rate(signal.coin, signal.direction or "")
        if rate is None:
            return
        row = self.classes.setdefault(class_key(signal.type, signal.tier), [0.0, 0])
        row[0] += rate
        row[1] += 1

    def of_class(self, signal_type: str, tier: int) -> tuple[float | None, int]:
        """The class's baseline (a share) and how many of its signals it is matched to."""
        total, n = self.classes.get(class_key(signal_type, tier), (0.0, 0))
        return (total / n if n else None), int(n)

    def export_state(self) -> dict:
        return {"coins": {c: [m.n, m.up, m.down] for c, m in self.coins.items() if m.n},
                "classes": {k: list(v) for k, v in self.classes.items()}}

    def load_state(self, state: Mapping) -> None:
        coins = {}
        for coin, (n, up, down) in (state.get("coins") or {}).items():
            cm = CoinMoments(str(coin))
            cm.n, cm.up, cm.down = int(n), int(up), int(down)
            if not (0 <= cm.up <= cm.n and 0 <= cm.down <= cm.n):
                raise ValueError(f"baseline state {coin}: {up}/{down} of {n}")
            coins[cm.coin] = cm
        classes = {}
        for key, (total, n) in (state.get("classes") or {}).items():
            if not 0 <= float(total) <= int(n):
                raise ValueError(f"baseline state {key}: {total} of {n}")
            classes[str(key)] = [float(total), int(n)]
        self.coins, self.classes = coins, classes
