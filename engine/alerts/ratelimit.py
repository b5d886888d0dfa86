"""Telegram's sending limits, per chat: one message per ``telegram.per_chat_interval_s`` and, in a
group (negative chat id), at most ``telegram.group_per_minute`` per minute.  A 429 answer blocks
the chat for its ``retry_after``.

Slots are reserved before sleeping, so concurrent senders to one chat (alerts and command
replies) queue behind each other instead of bursting together.  Time is monotonic: the wall clock
stepping back (NTP, a VM resumed) must not hold a chat for the length of the step.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable

GROUP_WINDOW_S = 60.0


def is_group(chat_id: str) -> bool:
    return chat_id.startswith("-")


class ChatLimiter:
    def __init__(self, per_chat_interval_s: float, group_per_minute: int,
                 sleep: Callable[[float], Awaitable[None]], ticks: Callable[[], float] = time.monotonic) -> None:
        self.interval = per_chat_interval_s
        self.group_per_minute = group_per_minute
        self._ticks = ticks
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._group_slots: dict[str, deque[float]] = {}

    def reserve(self, chat_id: str, now: float) -> float:
        """Take the chat's next free slot; returns how long to wait for it."""
        slot = max(now, self._next.get(chat_id, now))
        if is_group(chat_id):
            slots = self._group_slots.setdefault(chat_id, deque(maxlen=self.group_per_minute))
            if len(slots) == self.group_per_minute:
                slot = max(slot, slots[0] + GROUP_WINDOW_S)
            slots.append(slot)
        self._next[chat_id] = slot + self.interval
        return slot - now

    def block(self, chat_id: str, seconds: float) -> None:
        """Telegram said 429: nothing goes to this chat for ``seconds``."""
        now = self._ticks()
        self._next[chat_id] = max(self._next.get(chat_id, now), now + seconds)

    async def wait(self, chat_id: str) -> None:
        delay = self.reserve(chat_id, self._ticks())
        if delay > 0:
            await self._sleep(delay)
