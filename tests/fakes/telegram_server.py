"""A Telegram Bot API stand-in on 127.0.0.1: sendMessage, editMessageText, getUpdates, getMe.

It checks the token in the path like the real API (a wrong one gets 404, as Telegram answers a
malformed token), answers in the real envelope (``{"ok": true, "result": ...}`` or ``{"ok": false,
"error_code": ..., "description": ...}``), holds ``getUpdates`` open up to its ``timeout`` (long
polling), and records every request it received, in order.  It misbehaves on demand: the next
call of a method can answer 429 with ``retry_after``, a 5xx, arrive too late (slow), succeed
late (the request held a while, then handled), or hang (handled at once, so the message is on
the phone, but the answer held back: what a client killed mid-request never reads), or reset the
connection without an answer.  Chats can refuse the bot as the real API does: a group upgraded
to a supergroup (400 with ``parameters.migrate_to_chat_id``), a user who blocked the bot or a group
that kicked it (403), a chat that does not exist (400 chat not found).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    payload: dict[str, Any]
    status: int = 200


@dataclass
class Fault:
    status: int = 500  # 429, 5xx, -1 for a reset (connection closed, no answer),
    # 0 for "slow" (an answer after `delay` s, nothing delivered),
    # 200 for "late" (delivered, answered after `delay` s)
    retry_after: float = 1
    delay: float = 0.0
    hang: bool = False  # with 200: delivered at once, the answer held `delay` s


@dataclass
class Message:
    chat_id: str
    message_id: int
    text: str
    edits: list[str] = field(default_factory=list)


class FakeTelegram:
    def __init__(self, token: str, port: int = 0) -> None:
        self.token = token
        self.port = port
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, int], Message] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.bad_token_calls = 0
        self.refusing: dict[str, tuple[int, str, dict[str, Any] | None]] = {}  # chat -> the error it gets
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._stopping = asyncio.Event()  # ends held requests at once (a killed client never reads them)
        self._next_message_id = 100
        self._next_update_id = 1_000
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        self._new_update.set()
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # test controls ---------------------------------------------------------------------
    def fail_next(self, method: str, status: int = 500, retry_after: float = 1, delay: float = 0.0,
                  hang: bool = False) -> None:
        self.faults.setdefault(method, []).append(Fault(status, retry_after, delay, hang))

    def migrate(self, chat_id: str, new_id: str, announced: bool = False) -> None:
        """The group became a supergroup: the old id is answered with where it went.  ``announced``:
        the bot also gets the group's last update, a service message naming the new id."""
        self.refusing[str(chat_id)] = (400, "Bad Request: group chat was upgraded to a supergroup chat",
                                       {"migrate_to_chat_id": int(new_id)})
        if announced:
            self._update({"chat": {"id": int(chat_id), "type": "group"}, "migrate_to_chat_id": int(new_id)})

    def block(self, chat_id: str) -> None:
        self.refusing[str(chat_id)] = (403, "Forbidden: bot was blocked by the user", None)

    def kick(self, chat_id: str) -> None:
        self.refusing[str(chat_id)] = (403, "Forbidden: bot was kicked from the supergroup chat", None)

    def forget(self, chat_id: str) -> None:
        self.refusing[str(chat_id)] = (400, "Bad Request: chat not found", None)

    def welcome(self, chat_id: str) -> None:
        """The chat takes the bot's messages again (unblocked, added back)."""
        self.refusing.pop(str(chat_id), None)

    def user_message(self, chat_id: int | str, text: str, date: int | None = None) -> None:
        """A message someone sends to the bot (what getUpdates will return); ``date`` in unix
        seconds, default now."""
        self._update({"date": int(time.time()) if date is None else date, "text": text,
                      "chat": {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "group"}})

    def _update(self, message: dict[str, Any]) -> None:
        self._next_update_id += 1
        message = {"message_id": self._next_update_id, "date": int(time.time()), **message}
        self._updates.append({"update_id": self._next_update_id, "message": message})
        self._new_update.set()

    def sent(self, chat_id: str | None = None) -> list[Message]:
        """Messages delivered, in order (optionally to one chat)."""
        return [m for m in self.messages.values() if chat_id is None or m.chat_id == str(chat_id)]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # protocol --------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self.bad_token_calls += 1
            return _error(404, "Not Found")
        try:
            payload = await request.json() if request.can_read_body else {}
        except json.JSONDecodeError:
            return _error(400, "Bad Request: invalid JSON")
        call = Call(method, payload)
        self.calls.append(call)
        faults = self.faults.get(method)
        fault = faults.pop(0) if faults else None
        if fault is not None and fault.status == 200 and not fault.hang:
            await self._hold(fault.delay)
        elif fault is not None and not fault.hang:
            if fault.status == -1:
                call.status = -1
                assert request.transport is not None
                request.transport.close()  # what the client sees as a connection reset
                return web.Response()
            if fault.status == 0:
                await self._hold(fault.delay)  # the client has given up by now
                call.status = 504
                return _error(504, "Gateway Timeout")  # and nothing was delivered
            call.status = fault.status
            if fault.status == 429:
                return _error(429, f"Too Many Requests: retry after {fault.retry_after}",
                              {"retry_after": fault.retry_after})
            return _error(fault.status, "Internal Server Error")
        refusal = self.refusing.get(str(payload.get("chat_id")))
        if refusal is not None and method in ("sendMessage", "editMessageText"):
            call.status = refusal[0]
            return _error(*refusal)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            call.status = 404
            return _error(404, "Not Found: method not found")
        response = await handler(payload)
        call.status = response.status
        if fault is not None and fault.hang:
            await self._hold(fault.delay)
        return response

    async def _hold(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _getMe(self, payload: dict[str, Any]) -> web.Response:  # noqa: N802 - Bot API name
        return _ok({"id": 7001, "is_bot": True, "first_name": "teleglas", "username": "teleglas_test_bot"})

    async def _sendMessage(self, payload: dict[str, Any]) -> web.Response:  # noqa: N802
        text = payload.get("text")
        if not text or "chat_id" not in payload:
            return _error(400, "Bad Request: message text is empty")
        self._next_message_id += 1
        message = Message(str(payload["chat_id"]), self._next_message_id, text)
        self.messages[(message.chat_id, message.message_id)] = message
        return _ok({"message_id": message.message_id, "chat": {"id": int(payload["chat_id"])}, "text": text})

    async def _editMessageText(self, payload: dict[str, Any]) -> web.Response:  # noqa: N802
        message = self.messages.get((str(payload.get("chat_id")), payload.get("message_id")))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        current = message.edits[-1] if message.edits else message.text
        if payload.get("text") == current:
            return _error(400, "Bad Request: message is not modified")
        message.edits.append(payload["text"])
        return _ok({"message_id": message.message_id, "text": payload["text"]})

    async def _getUpdates(self, payload: dict[str, Any]) -> web.Response:  # noqa: N802
        offset = payload.get("offset")
        if offset is not None:  # confirming: Telegram forgets everything before the offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), float(payload.get("timeout", 0)))
            except TimeoutError:
                pass
        return _ok(list(self._updates))


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)
