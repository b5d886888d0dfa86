"""Commands by ``getUpdates`` long polling, accepted only from the configured chats.

The offset moves past every update seen (also foreign and non-command ones), which confirms
them to Telegram.  Commands older than ``telegram.max_alert_age_s`` (sent while the service was
down) are confirmed but not run: a ``/pause`` from yesterday must not silence today.  A message from any other chat is ignored and counted: the bot may be found
by anyone, its controls must not be.  In a group, ``/pause@other_bot`` is another bot's command, not
ours.  Errors back off exponentially; a rejected token stops
polling (it cannot succeed until the trader fixes it and restarts).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from engine.alerts.chats import Chats
from engine.alerts.commands import Commands
from engine.alerts.ratelimit import ChatLimiter
from engine.alerts.telegram import RATE_LIMITED, UNAUTHORIZED, BotApi, TelegramError
from engine.backoff import Backoff
from engine.settings import TelegramSettings

log = logging.getLogger(__name__)


class CommandPoller:
    def __init__(self, settings: TelegramSettings, api: BotApi, chats: Chats, commands: Commands,
                 limiter: ChatLimiter, clock: Callable[[], float],
                 sleep: Callable[[float], Awaitable[None]]) -> None:
        self.s = settings
        self.api = api
        self.chats = chats
        self.commands = commands
        self.limiter = limiter
        self._clock = clock
        self._sleep = sleep
        self.offset: int | None = None
        self.username: str | None = None  # the bot's (getMe), asked when a command names a bot
        self.handled = 0
        self.foreign = 0
        self.expired = 0
        self.error = ""

    async def run(self) -> None:
        backoff = Backoff(self.s.retry_base_s, self.s.retry_max_s)
        while True:
            try:
                updates = await self.api.get_updates(self.offset, self.s.poll_timeout_s)
            except TelegramError as exc:
                self.error = str(exc)
                if exc.kind == UNAUTHORIZED:
                    log.error("telegram: %s; commands are off until restart", exc)
                    return
                wait = exc.retry_after if exc.kind == RATE_LIMITED else backoff.next()
                await self._sleep(wait or self.s.retry_base_s)
                continue
            backoff.reset()
            self.error = ""
            for update in updates:
                await self._take(update)

    async def _take(self, update: dict) -> None:
        update_id = update.get("update_id")
        if isinstance(update_id, int):
            self.offset = max(self.offset or 0, update_id + 1)
        message = update.get("message") or {}
        chat = str((message.get("chat") or {}).get("id", ""))
        ours = self.chats.named(chat)
        moved = message.get("migrate_to_chat_id")
        if ours is not None and moved is not None:  # the group's last word before it became a supergroup
            log.warning("telegram: chat %s became supergroup %s; alerts follow it (set TELEGRAM_CHAT_ID to %s)",
                        ours, moved, moved)
            self.chats.move(ours, str(moved))
        text = message.get("text")
        if not chat or not isinstance(text, str):
            return
        if ours is None:
            self.foreign += 1
            log.info("telegram: ignored a message from chat %s (not configured)", chat)
            return
        self.chats.heard(ours)  # whoever writes to the bot has not blocked it
        sent = message.get("date")
        if isinstance(sent, int) and self._clock() - sent > self.s.max_alert_age_s:
            self.expired += 1
            log.info("telegram: skipped %r, sent %ds ago while teleglas was not running",
                     text[:40], self._clock() - sent)
            return
        first = text.split(maxsplit=1)[:1]
        bot = await self._username() if first and "@" in first[0] else None
        try:
            reply = self.commands.handle(text, bot)
        except Exception:  # a broken command must not stop the polling
            log.exception("telegram: command %r failed", text[:40])
            reply = "That command failed; see the service log."
        if reply is None:
            return
        self.handled += 1
        await self.limiter.wait(chat)
        try:
            await self.api.send_message(chat, reply)
        except TelegramError as exc:  # a late reply is useless: log it and move on
            self.error = str(exc)
            log.warning("telegram: reply to %s not sent: %s", chat, exc)
            if exc.kind == RATE_LIMITED:  # the flood wait holds for the chat's alerts as well
                self.limiter.block(chat, exc.retry_after or 1.0)

    async def _username(self) -> str | None:
        """Our username, to tell ``/pause@teleglas_bot`` from another bot's ``/pause@x_bot`` in a
        group; None while ``getMe`` fails (the command is then taken as ours)."""
        if self.username is None:
            try:
                me = await self.api.get_me()
            except TelegramError as exc:
                log.warning("telegram: getMe failed, cannot tell which bot a command names: %s", exc)
                return None
            self.username = str(me.get("username") or "")
        return self.username or None
