"""``teleglas doctor``: is this machine ready to run teleglas?  One line per check.

Checks: the configuration loads; which secrets are set (named, never shown; only a chat id that
cannot be one is quoted, it grants nothing); the database opens,
migrates and takes a write lock; Telegram answers ``getMe`` with the token; what the service
learned about the chats (a group that became a supergroup, a chat refusing the bot); each enabled
feed's WebSocket and REST hosts accept a TCP connection; what the running (or last) service saw on
each feed: every rejection reason with its count, and the symbols a venue refused to stream.  Each line says ``ok``, ``FAIL`` or ``skip`` and
why; the exit code is 2 when the configuration does not load (as for every command), else 1 when
any check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from engine import format as fmt
from engine.alerts.chats import STATE_KEY as CHATS_KEY
from engine.alerts.chats import Chats
from engine.alerts.telegram import BotApi, TelegramError
from engine.locations import DEFAULT_CONFIG, config_path, data_dir
from engine.secrets import Secrets, load_secrets
from engine.settings import FeedSettings, Settings, SettingsError, load_settings
from engine.snapshot import FEED_HEALTH_KEY
from engine.store import connect, db_path
from engine.store.queries import saved_state, summary
from engine.store.claim import holder
from engine.store.schema import SchemaTooNew

OK, FAIL, SKIP = "ok", "FAIL", "skip"
CONNECT_TIMEOUT_S = 5.0  # a host that has not answered by then is down for a live monitor
_DEFAULT_PORTS = {"wss": 443, "https": 443, "ws": 80, "http": 80}
# What Telegram takes as chat_id: a number (negative for groups and channels) or @channelname.
_CHAT_ID = re.compile(r"-?\d+|@[A-Za-z]\w{3,31}")


@dataclass
class Check:
    name: str
    status: str
    detail: str

    def line(self) -> str:
        return f"{self.name:<28} {self.status:<4} {self.detail}"


def main(args: argparse.Namespace) -> int:
    checks = asyncio.run(run_checks(getattr(args, "config", None), getattr(args, "data_dir", None)))
    for check in checks:
        print(check.line())
    if checks[0].status == FAIL:  # the configuration: a usage error like in every other command
        return 2
    return 1 if any(c.status == FAIL for c in checks) else 0


async def run_checks(config: str | None, data: str | None) -> list[Check]:
    secrets = load_secrets()
    path = config_path(config)
    try:
        settings: Settings | None = load_settings(path)
        checks = [Check("config", OK, str(path) if path else
                        f"built-in defaults (no config file; every setting with its comment: {DEFAULT_CONFIG})")]
    except SettingsError as exc:
        settings = None
        checks = [Check("config", FAIL, secrets.redact(str(exc)))]
    checks += secret_checks(secrets)
    busy = settings.storage.busy_timeout_s if settings else 5.0
    checks.append(await database_check(db_path(data_dir(data)), busy))
    if settings is None:
        return [*checks, Check("telegram", SKIP, "config invalid"), Check("feeds", SKIP, "config invalid")]
    checks.append(await telegram_check(settings, secrets))
    checks += await chat_checks(db_path(data_dir(data)), busy, secrets)
    checks += await asyncio.gather(*(feed_check(name, feed, secrets) for name, feed in _feeds(settings)))
    checks += await feed_health_checks(db_path(data_dir(data)), busy)
    return checks


def secret_checks(secrets: Secrets) -> list[Check]:
    token, chats = secrets.telegram_bot_token, secrets.telegram_chat_ids
    bad = [c for c in chats if not _CHAT_ID.fullmatch(c)]
    if bad:  # e.g. "42 -1001500": one chat that does not exist, every alert to it refused
        chat = Check("secret TELEGRAM_CHAT_ID", FAIL, f"not a chat id: {', '.join(map(repr, bad))} (a number, "
                     "negative for a group, or @channel; several are separated by commas)")
    elif chats:
        chat = Check("secret TELEGRAM_CHAT_ID", OK, f"set ({len(chats)} chat{'s' if len(chats) > 1 else ''})")
    elif token:
        chat = Check("secret TELEGRAM_CHAT_ID", FAIL, "missing: TELEGRAM_BOT_TOKEN is set but no chat gets the alerts")
    else:
        chat = Check("secret TELEGRAM_CHAT_ID", SKIP, "missing (no Telegram alerts)")
    return [
        Check("secret COINGLASS_API_KEY", OK, "set") if secrets.coinglass_api_key else
        Check("secret COINGLASS_API_KEY", SKIP, "missing (CoinGlass off; Binance, Bybit and OKX need no key)"),
        Check("secret TELEGRAM_BOT_TOKEN", OK, "set") if token else
        Check("secret TELEGRAM_BOT_TOKEN", SKIP, "missing (no Telegram alerts)"),
        chat,
    ]


async def database_check(path: Path, busy_timeout_s: float) -> Check:
    """Open (creating and migrating if needed) and take the write lock, then let it go."""
    try:
        db = await connect(path, busy_timeout_s)
    except (sqlite3.Error, OSError, SchemaTooNew) as exc:
        return Check("database", FAIL, f"{path}: {exc}")
    try:
        await db.execute("BEGIN IMMEDIATE")
        await db.execute("ROLLBACK")
        counts = await summary(db)
    except sqlite3.Error as exc:
        return Check("database", FAIL, f"{path}: {exc}")
    finally:
        await db.close()
    held = holder(path)
    return Check("database", OK, f"{path} writable (schema v{counts['version']}, {counts['signals']} signals, "
                                 f"{counts['pending']} alerts pending){f'; in use by {held}' if held else ''}")


async def telegram_check(settings: Settings, secrets: Secrets) -> Check:
    if not settings.telegram.enabled:
        return Check("telegram", SKIP, "telegram.enabled is false")
    if not secrets.telegram_bot_token:
        return Check("telegram", SKIP, "no TELEGRAM_BOT_TOKEN")
    api = BotApi(settings.telegram.api_url, secrets.telegram_bot_token, settings.telegram.request_timeout_s,
                 secrets.redact)
    try:
        me = await api.get_me()
    except TelegramError as exc:
        return Check("telegram", FAIL, f"getMe: {exc.description}")
    finally:
        await api.close()
    return Check("telegram", OK, f"getMe: @{me.get('username', '?')}")


async def chat_checks(path: Path, busy_timeout_s: float, secrets: Secrets) -> list[Check]:
    """What the running (or last) service learned about the chats: a group that became a
    supergroup, a chat that refuses the bot.  Nothing when all is well or nothing is known."""
    if not secrets.telegram_chat_ids:
        return []
    chats = await saved(path, busy_timeout_s, CHATS_KEY)
    book = Chats(secrets.telegram_chat_ids)
    book.load(chats)
    checks = [Check(f"telegram chat {old}", OK, f"became supergroup {new} (alerts follow it); set "
                    f"TELEGRAM_CHAT_ID to {new}") for old, new in book.moved.items()]
    unreachable = (chats if isinstance(chats, dict) else {}).get("unreachable") or {}
    for chat in book.configured:
        gone = unreachable.get(chat)
        if isinstance(gone, dict):
            since = gone.get("since_ms")
            when = f" (since {fmt.utc_time(since)})" if isinstance(since, int) else ""
            checks.append(Check(f"telegram chat {chat}", FAIL,
                                f"refuses the bot: {secrets.redact(str(gone.get('reason')))}{when}; its alerts "
                                "stop until it writes to the bot or teleglas restarts"))
    return checks


async def saved(path: Path, busy_timeout_s: float, key: str) -> object:
    """One value of the state the running (or last) service saved, None when there is none."""
    if not path.is_file():
        return None
    try:
        db = await connect(path, busy_timeout_s)
    except (sqlite3.Error, OSError, SchemaTooNew):
        return None  # the database line says why
    try:
        state, _ = await saved_state(db, (key,))
    except sqlite3.Error:
        return None
    finally:
        await db.close()
    return state.get(key)


async def feed_health_checks(path: Path, busy_timeout_s: float) -> list[Check]:
    """What the service last saved about each feed: frames, every rejection reason with its count,
    the symbols a venue refused (Bybit: no handler for the topic)."""
    health = await saved(path, busy_timeout_s, FEED_HEALTH_KEY)
    if not isinstance(health, dict):
        return []
    checks = []
    for name, feed in sorted(health.items()):
        if not isinstance(feed, dict):
            continue
        reasons = feed.get("reasons") if isinstance(feed.get("reasons"), dict) else {}
        refused = feed.get("refused") if isinstance(feed.get("refused"), list) else []
        detail = f"{feed.get('frames', 0):,} frames, {feed.get('rejected', 0):,} rejected"
        if reasons:
            detail += ": " + ", ".join(f"{reason} {count:,}" for reason, count in
                                       sorted(reasons.items(), key=lambda item: -item[1]))
        if refused:
            detail += f"; venue refused {len(refused)}: {', '.join(map(str, refused[:20]))}"
            detail += " …" if len(refused) > 20 else ""
        checks.append(Check(f"feed {name} seen", OK, detail))
    return checks


def _feeds(settings: Settings) -> list[tuple[str, FeedSettings]]:
    feeds = settings.feeds
    return [(name, getattr(feeds, name)) for name in feeds.__dataclass_fields__]


async def feed_check(name: str, feed: FeedSettings, secrets: Secrets) -> Check:
    label = f"feed {name}"
    if not feed.enabled:
        return Check(label, SKIP, f"feeds.{name}.enabled is false")
    if name == "coinglass" and not secrets.coinglass_api_key:
        return Check(label, SKIP, "no COINGLASS_API_KEY")
    results = await asyncio.gather(*(reachable(url) for url in (feed.ws_url, feed.rest_url) if url))
    failed = [r for ok, r in results if not ok]
    shown = " · ".join(r for _, r in results)
    return Check(label, FAIL if failed else OK, shown or "no endpoint configured")


async def reachable(url: str) -> tuple[bool, str]:
    """Whether the URL's host accepts a TCP connection on its port (no request is made)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 443)
    except ValueError:
        return False, f"{host}: bad port in URL"
    where = f"{host}:{port}"
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT_S)
    except TimeoutError:
        return False, f"{where} no answer in {CONNECT_TIMEOUT_S:g}s"
    except OSError as exc:
        return False, f"{where} unreachable ({exc.strerror or type(exc).__name__})"
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return True, f"{where} reachable"


__all__ = ["main", "run_checks", "Check", "reachable"]
