"""A small Telegram Bot API client over plain aiohttp.

Every failure becomes a :class:`TelegramError` whose ``kind`` tells the caller what to do:
``rate_limited`` (wait ``retry_after``), ``transient`` (5xx, timeout, connection reset or refused:
retry with backoff), ``unauthorized`` (the token is wrong: retrying will not help), ``migrated`` (a
group became a supergroup: the same chat is now ``migrate_to``), ``unreachable`` (403: the bot was
blocked or kicked; 400 chat not found: nothing to this chat can succeed until someone acts) or
``rejected`` (any other 4xx: this request is wrong).  The token is part of every URL, so no URL and no exception
text leaves this module without passing through ``redact``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

RATE_LIMITED, TRANSIENT, UNAUTHORIZED, REJECTED = "rate_limited", "transient", "unauthorized", "rejected"
MIGRATED, UNREACHABLE = "migrated", "unreachable"
MAX_TEXT = 4096  # Telegram's limit for one message


class TelegramError(Exception):
    def __init__(self, method: str, kind: str, description: str, retry_after: float | None = None,
                 migrate_to: str | None = None) -> None:
        super().__init__(f"{method}: {description}")
        self.method = method
        self.kind = kind
        self.description = description
        self.retry_after = retry_after
        self.migrate_to = migrate_to


class BotApi:
    def __init__(self, api_url: str, token: str, request_timeout_s: float,
                 redact: Callable[[str], str]) -> None:
        self._base = f"{api_url.rstrip('/')}/bot{token}/"
        self._timeout = request_timeout_s
        self._redact = redact
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, payload: dict[str, Any] | None = None,
                   timeout_s: float | None = None) -> Any:
        """``result`` of one Bot API call, or :class:`TelegramError`."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=timeout_s or self._timeout)
        try:
            async with self._session.post(self._base + method, json=payload or {}, timeout=timeout) as resp:
                status = resp.status
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = None
        except TimeoutError:
            raise TelegramError(method, TRANSIENT, "timeout") from None
        except (aiohttp.ClientError, OSError) as exc:  # reset, refused, DNS: the network, not the request
            raise TelegramError(method, TRANSIENT, self._redact(f"{type(exc).__name__}: {exc}")) from None
        if not isinstance(body, dict):
            raise TelegramError(method, TRANSIENT if status >= 500 or status == 200 else REJECTED,
                                f"HTTP {status} without a Bot API answer")
        if status == 200 and body.get("ok"):
            return body.get("result")
        raise _error(method, status, body, self._redact)

    async def send_message(self, chat_id: str, text: str, silent: bool = False) -> int:
        result = await self.call("sendMessage", {
            "chat_id": chat_id, "text": text[:MAX_TEXT], "parse_mode": "HTML",
            "disable_web_page_preview": True, "disable_notification": silent,
        })
        return int(result["message_id"])

    async def edit_message_text(self, chat_id: str, message_id: int, text: str) -> None:
        await self.call("editMessageText", {
            "chat_id": chat_id, "message_id": message_id, "text": text[:MAX_TEXT],
            "parse_mode": "HTML", "disable_web_page_preview": True,
        })

    async def get_updates(self, offset: int | None, timeout_s: int) -> list[dict[str, Any]]:
        """Long polling: the server holds the request up to ``timeout_s`` when nothing is new."""
        payload: dict[str, Any] = {"timeout": timeout_s, "allowed_updates": ["message"]}
        if offset is not None:
            payload["offset"] = offset
        result = await self.call("getUpdates", payload, timeout_s=timeout_s + self._timeout)
        return result if isinstance(result, list) else []

    async def get_me(self) -> dict[str, Any]:
        return await self.call("getMe")


def _error(method: str, status: int, body: dict[str, Any], redact: Callable[[str], str]) -> TelegramError:
    description = redact(str(body.get("description") or f"HTTP {status}"))
    code = body.get("error_code") or status
    params = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    if code == 400 and params.get("migrate_to_chat_id") is not None:
        return TelegramError(method, MIGRATED, description, migrate_to=str(params["migrate_to_chat_id"]))
    if code == 403 or (code == 400 and "chat not found" in description.lower()):
        return TelegramError(method, UNREACHABLE, description)
    if code == 429:
        try:
            retry_after = float(params.get("retry_after", 1))
        except (TypeError, ValueError):
            retry_after = 1.0
        return TelegramError(method, RATE_LIMITED, description, retry_after)
    if code >= 500:
        return TelegramError(method, TRANSIENT, description)
    if code in (401, 404):  # Telegram answers 404 for a malformed token, 401 for a revoked one
        return TelegramError(method, UNAUTHORIZED, f"token rejected ({description})")
    return TelegramError(method, REJECTED, description)


__all__ = ["BotApi", "TelegramError", "RATE_LIMITED", "TRANSIENT", "UNAUTHORIZED", "REJECTED", "MIGRATED",
           "UNREACHABLE"]
