"""Retry delays for everything that talks to a remote peer (feed sockets, REST pollers, the
Telegram Bot API): initial, 2x, 4x ... capped at a maximum, each scaled by a random 50-100 % so
many clients cut off together (or one client's several chats) do not come back in lockstep."""

from __future__ import annotations

import random


def jittered(initial: float, maximum: float, attempt: int) -> float:
    """The delay before retry number ``attempt`` (0 for the first retry)."""
    base = min(maximum, initial * 2 ** min(max(0, attempt), 30))
    return base * (0.5 + 0.5 * random.random())


class Backoff:
    """Consecutive failures of one peer: :meth:`next` after each, :meth:`reset` once it works."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum
        self.attempt = 0

    def next(self) -> float:
        delay = jittered(self.initial, self.maximum, self.attempt)
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0
