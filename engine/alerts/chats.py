"""The configured chats as Telegram knows them now.

A group upgraded to a supergroup gets a new id (Telegram answers the old one with 400 and
``migrate_to_chat_id``): alerts follow it, the move is saved (the state table), and the trader is
told to update ``TELEGRAM_CHAT_ID``.  A chat that refuses the bot (403: blocked, kicked; 400: chat
not found) is *unreachable*: its alerts stop at once, instead of each one being retried, and the
other chats go on.  It is reachable again when a message from it arrives (the trader unblocked
the bot and wrote to it) or at the next start.  A chat keeps its configured id as its name
everywhere (outbox rows, logs); only the requests use :meth:`Chats.target`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

STATE_KEY = "telegram_chats"  # in the state table: {"moved": {old: new}, "unreachable": {chat: {...}}}


class Chats:
    def __init__(self, configured: Iterable[str]) -> None:
        self.configured = tuple(dict.fromkeys(configured))
        self.moved: dict[str, str] = {}  # configured id -> the id Telegram uses now
        self.unreachable: dict[str, dict[str, Any]] = {}  # configured id -> {"reason", "since_ms"}
        self.listeners: list[Callable[[], None]] = []  # told of every change (the store saves it)

    def target(self, chat: str) -> str:
        return self.moved.get(chat, chat)

    def named(self, chat_id: str) -> str | None:
        """The configured chat a message from ``chat_id`` comes from, or None for a stranger."""
        if chat_id in self.configured:
            return chat_id
        return next((old for old, new in self.moved.items() if new == chat_id), None)

    def move(self, chat: str, new_id: str) -> None:
        self.moved[chat] = new_id
        self._changed()

    def lose(self, chat: str, reason: str, now_ms: int) -> None:
        self.unreachable[chat] = {"reason": reason, "since_ms": now_ms}
        self._changed()

    def heard(self, chat: str) -> None:
        """Telegram delivered to ``chat``, or it wrote to us: it is reachable."""
        if self.unreachable.pop(chat, None) is not None:
            self._changed()

    def export(self) -> dict[str, Any]:
        return {"moved": dict(self.moved), "unreachable": dict(self.unreachable)}

    def load(self, saved: Any) -> None:
        """A previous run's moves (its unreachable chats get a new try: someone may have acted)."""
        moved = saved.get("moved") if isinstance(saved, dict) else None
        if isinstance(moved, dict):
            self.moved.update({str(k): str(v) for k, v in moved.items() if str(k) in self.configured})

    def notes(self) -> list[str]:
        """One line per chat that is not simply reachable at its configured id."""
        out = [f"chat {chat} unreachable: {u['reason']} (its alerts stopped, others go on)"
               for chat, u in self.unreachable.items()]
        return out + self.moves()

    def moves(self) -> list[str]:
        return [f"chat {old} became {new}: set TELEGRAM_CHAT_ID to it" for old, new in self.moved.items()]

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()
