"""``teleglas doctor``: is this machine ready to run teleglas?  One line per check.

Checks: the configuration loads; which secrets files exist; which secrets are set and where each
came from (the environment, ``./.env``, ``./config/secrets.env``, ``~/.config/teleglas/secrets.env``;
named, never shown; only a chat id that cannot be
one is quoted, it grants nothing); the database opens and takes a write lock; Telegram's host
accepts a connection and answers ``getMe`` with the token; what the service learned about the
chats (a group that became a supergroup, a chat refusing the bot); each enabled feed's WebSocket and
REST hosts accept a TCP connection; what the running (or last) service saw on each feed: its frames
and when the last came (or "no frames" and since when), every rejection reason with its count, and
the symbols a venue refused to stream.  Each line says ``ok``, ``FAIL`` or ``skip`` and why; the
exit code is 2 when the configuration does not load (as for every command), else 1 when any check
failed.

Doctor creates and changes nothing: no data directory, no database, no migration (a database that
does not exist yet is reported as such; an older schema is named, the service migrates it).  It
opens an existing database read-write without creating it, only to prove the write lock can be
taken, and lets go without writing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aiosqlite
import orjson

from engine import format as fmt
from engine.alerts.chats import STATE_KEY as CHATS_KEY
from engine.alerts.chats import Chats
from engine.alerts.telegram import BotApi, TelegramError
from engine.locations import CONFIG_NAME, DEFAULT_CONFIG, config_path, data_dir, secrets_files, user_config_dir
from engine.secrets import Secrets, load_secrets, shown_path
from engine.settings import FeedSettings, Settings, SettingsError, load_settings
from engine.snapshot import FEED_HEALTH_KEY
from engine.store import db_path, schema
from engine.store.claim import holder
from engine.store.queries import rows, summary

OK, FAIL, SKIP = "ok", "FAIL", "skip"
CONNECT_TIMEOUT_S = 5.0  # a host that has not answered by then is down for a live monitor
_QUIET_S = 60.0  # a feed without a watchdog setting: silent longer than this is a failure
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
                        f"built-in defaults (no config file; `teleglas init` writes {user_config_dir() / CONFIG_NAME}, "
                        f"every setting with its comment, as in {DEFAULT_CONFIG})")]
    except SettingsError as exc:
        settings = None
        checks = [Check("config", FAIL, secrets.redact(str(exc)))]
    checks += [secrets_files_check(), *secret_checks(secrets)]
    busy = settings.storage.busy_timeout_s if settings else 5.0
    database = db_path(data_dir(data))
    checks.append(await database_check(database, busy))
    if settings is None:
        return [*checks, Check("telegram", SKIP, "config invalid"), Check("feeds", SKIP, "config invalid")]
    checks.append(await telegram_check(settings, secrets))
    checks += await chat_checks(database, busy, secrets)
    checks += await asyncio.gather(*(feed_check(name, feed, secrets) for name, feed in _feeds(settings)))
    checks += await feed_health_checks(database, busy, settings)
    return checks


def secret_checks(secrets: Secrets) -> list[Check]:
    token, chats = secrets.telegram_bot_token, secrets.telegram_chat_ids
    bad = [c for c in chats if not _CHAT_ID.fullmatch(c)]
    if bad:  # e.g. "42 -1001500": one chat that does not exist, every alert to it refused
        chat = Check("secret TELEGRAM_CHAT_ID", FAIL, f"not a chat id: {', '.join(map(repr, bad))} (a number, "
                     "negative for a group, or @channel; several are separated by commas)")
    elif chats:
        chat = Check("secret TELEGRAM_CHAT_ID", OK, f"set ({len(chats)} chat{'s' if len(chats) > 1 else ''}, "
                     f"from {_source(secrets, 'TELEGRAM_CHAT_ID')})")
    elif token:
        chat = Check("secret TELEGRAM_CHAT_ID", FAIL, "missing: TELEGRAM_BOT_TOKEN is set but no chat gets the alerts")
    else:
        chat = Check("secret TELEGRAM_CHAT_ID", SKIP, "missing (no Telegram alerts)")
    return [
        Check("secret COINGLASS_API_KEY", OK, f"set (from {_source(secrets, 'COINGLASS_API_KEY')})")
        if secrets.coinglass_api_key else
        Check("secret COINGLASS_API_KEY", SKIP, "missing (CoinGlass off; the other venues need no key)"),
        Check("secret TELEGRAM_BOT_TOKEN", OK, f"set (from {_source(secrets, 'TELEGRAM_BOT_TOKEN')})") if token else
        Check("secret TELEGRAM_BOT_TOKEN", SKIP, "missing (no Telegram alerts)"),
        chat,
    ]


def secrets_files_check() -> Check:
    """Which of the secrets files teleglas reads exist here (names only: they hold secrets)."""
    files = secrets_files()
    found = [shown_path(f) for f in files if f.is_file()]
    absent = ", ".join(shown_path(f) for f in files if not f.is_file())
    if not found:
        return Check("secrets files", SKIP, f"none of {absent} (`teleglas init` writes the last one)")
    return Check("secrets files", OK, f"read {', '.join(found)}{f'; none at {absent}' if absent else ''}")


def _source(secrets: Secrets, name: str) -> str:
    return secrets.sources.get(name, "the caller")  # a Secrets built in code, not loaded


async def open_existing(path: Path, busy_timeout_s: float) -> aiosqlite.Connection:
    """The database at ``path`` opened read-write, never created, never migrated (doctor must not
    change what it checks).  Raises ``sqlite3.Error`` when there is none or it cannot be opened."""
    uri = f"{path.absolute().as_uri()}?mode=rw"
    db = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    try:
        await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
    except BaseException:
        await db.close()
        raise
    return db


async def database_check(path: Path, busy_timeout_s: float) -> Check:
    """Open the existing database and take the write lock, then let it go; one that does not
    exist yet is named with where it will be created (nothing is created here)."""
    if not path.exists():
        check = _not_created_yet(path)
        held = holder(path)  # a service that could not create it (yet) still holds its lock
        check.detail += f"; in use by {held}" if held else ""
        return check
    try:
        db = await open_existing(path, busy_timeout_s)
    except (sqlite3.Error, OSError) as exc:
        return Check("database", FAIL, f"{path}: {exc}")
    try:
        await db.execute("BEGIN IMMEDIATE")
        await db.execute("ROLLBACK")
        (version,) = (await rows(db, "PRAGMA user_version"))[0].values()
        if version > schema.VERSION:
            return Check("database", FAIL, f"{path} was written by a newer teleglas (schema v{version}; this one "
                                           f"reads up to v{schema.VERSION}): upgrade teleglas, or use another --data-dir")
        counts = await summary(db) if version else {"version": 0, "signals": 0, "pending": 0}
    except sqlite3.Error as exc:
        return Check("database", FAIL, f"{path}: {exc}")
    finally:
        await db.close()
    held = holder(path)
    older = f"; teleglas migrates it to v{schema.VERSION} when it starts" if version < schema.VERSION else ""
    return Check("database", OK, f"{path} writable (schema v{counts['version']}{older}, {counts['signals']} signals, "
                                 f"{counts['pending']} alerts pending){f'; in use by {held}' if held else ''}")


def _not_created_yet(path: Path) -> Check:
    """Whether teleglas could create the database: the nearest existing folder above it must be a
    writable directory (the folders between are created with it)."""
    base = path.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        return Check("database", FAIL, f"{path} cannot be created: {base} is not a directory")
    if not os.access(base, os.W_OK | os.X_OK):
        return Check("database", FAIL, f"{path} cannot be created: {base} is not writable")
    return Check("database", OK, f"{path} not created yet (teleglas creates it on its first live run; "
                                 f"{base} is writable)")


async def telegram_check(settings: Settings, secrets: Secrets) -> Check:
    if not settings.telegram.enabled:
        return Check("telegram", SKIP, "telegram.enabled is false")
    if not secrets.telegram_bot_token:
        return Check("telegram", SKIP, "no TELEGRAM_BOT_TOKEN")
    ok, where = await reachable(settings.telegram.api_url)
    if not ok:  # the same line as a feed's, not the HTTP client's exception
        return Check("telegram", FAIL, f"getMe not sent: {where}")
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
    return (await saved_at(path, busy_timeout_s, key))[0]


async def saved_at(path: Path, busy_timeout_s: float, key: str) -> tuple[object, int | None]:
    """One value of the saved state and when it was saved (wall clock, ms); ``(None, None)`` when
    there is none (or no database: the database line says why)."""
    if not path.is_file():
        return None, None
    try:
        db = await open_existing(path, busy_timeout_s)
    except (sqlite3.Error, OSError):
        return None, None
    try:
        found = await rows(db, "SELECT value, updated_ms FROM state WHERE key = ?", (key,))
    except sqlite3.Error:  # no state table yet (schema v0), busy, damaged
        return None, None
    finally:
        await db.close()
    if not found:
        return None, None
    try:
        return orjson.loads(found[0]["value"]), found[0]["updated_ms"]
    except orjson.JSONDecodeError:
        return None, None


async def feed_health_checks(path: Path, busy_timeout_s: float, settings: Settings) -> list[Check]:
    """What the service last saved about each feed (it saves every ``storage.state_interval_s``
    and when it stops): frames and when the last came, or that none came and since when; every
    rejection reason with its count; the symbols a venue refused (Bybit: no handler for the topic)."""
    health, saved_ms = await saved_at(path, busy_timeout_s, FEED_HEALTH_KEY)
    if not isinstance(health, dict):
        return []
    checks = []
    for name, feed in sorted(health.items()):
        if isinstance(feed, dict):
            watchdog = getattr(getattr(settings.feeds, name, None), "watchdog_s", _QUIET_S)
            checks.append(feed_seen(name, feed, saved_ms, watchdog))
    return checks


def feed_seen(name: str, feed: dict, saved_ms: int | None, quiet_s: float) -> Check:
    """One feed's line: FAIL when it brought no frames, or none for longer than ``quiet_s`` before
    the service last saved (its watchdog would have reconnected)."""
    label = f"feed {name} seen"
    frames, last, started = feed.get("frames", 0), _ms(feed.get("last_message_ms")), _ms(feed.get("started_ms"))
    why = f" ({feed['detail']})" if isinstance(feed.get("detail"), str) and feed["detail"] else ""
    as_of = fmt.utc_time(saved_ms) if saved_ms else "the last save"
    if not frames:
        since = f"from {fmt.utc_time(started)} to {as_of}" if started else f"as of {as_of}"
        return Check(label, FAIL, f"no frames {since}{why}")
    detail = f"{frames:,} frame{'' if frames == 1 else 's'}, {feed.get('rejected', 0):,} rejected"
    reasons = feed.get("reasons") if isinstance(feed.get("reasons"), dict) else {}
    refused = feed.get("refused") if isinstance(feed.get("refused"), list) else []
    if reasons:
        detail += ": " + ", ".join(f"{reason} {count:,}" for reason, count in
                                   sorted(reasons.items(), key=lambda item: -item[1]))
    if refused:
        detail += f"; venue refused {len(refused)}: {', '.join(map(str, refused[:20]))}"
        detail += " …" if len(refused) > 20 else ""
    if last is None or not saved_ms:
        return Check(label, OK, detail)
    quiet = (saved_ms - last) / 1000
    if quiet > quiet_s:
        return Check(label, FAIL, f"{detail}; nothing since {fmt.utc_time(last)}, {fmt.duration(quiet)} before "
                                  f"{as_of}{why}")
    return Check(label, OK, f"{detail}; the last at {fmt.utc_time(last)}")


def _ms(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


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
