"""The database schema and its forward migrations.

The schema version lives in ``PRAGMA user_version``.  ``MIGRATIONS[n]`` takes a database from
version ``n`` to ``n + 1``; a step is never edited once released, a change is a new step.  Each
step runs in its own transaction together with the version bump, so a crash mid-migration leaves
the previous version intact.
"""

from __future__ import annotations

import aiosqlite

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1
    """
    CREATE TABLE signals (
        id TEXT PRIMARY KEY,
        ts INTEGER NOT NULL,
        coin TEXT NOT NULL,
        tier INTEGER NOT NULL,
        type TEXT NOT NULL,
        direction TEXT,
        confidence REAL NOT NULL,
        priority TEXT NOT NULL,
        entry REAL,
        stop REAL,
        target REAL,
        blocked INTEGER NOT NULL,
        assessment TEXT NOT NULL,
        outcome TEXT NOT NULL,
        revision INTEGER NOT NULL,
        data TEXT NOT NULL  -- Signal.as_dict() as JSON: metrics, context, outcome, merged
    );
    CREATE INDEX signals_ts ON signals (ts);
    CREATE TABLE outbox (
        signal_id TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        coin TEXT NOT NULL,
        priority TEXT NOT NULL,
        text TEXT NOT NULL,            -- the newest text for this message
        revision INTEGER NOT NULL,     -- signal revision that text renders
        created_ms INTEGER NOT NULL,   -- wall clock
        status TEXT NOT NULL,          -- pending / sent / stale / failed
        message_id INTEGER,            -- Telegram's, once sent
        sent_revision INTEGER,         -- revision the chat shows (behind revision: edit due)
        sent_ms INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        detail TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (signal_id, chat_id)
    );
    CREATE INDEX outbox_status ON outbox (status);
    CREATE TABLE coins (
        coin TEXT PRIMARY KEY,
        watched INTEGER NOT NULL,
        alerts INTEGER NOT NULL,
        muted_until_ms INTEGER
    );
    CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,  -- JSON
        updated_ms INTEGER NOT NULL
    );
    CREATE TABLE context (
        ts INTEGER NOT NULL,
        venue TEXT NOT NULL,
        coin TEXT NOT NULL,
        oi_usd REAL,
        funding REAL
    );
    CREATE INDEX context_ts ON context (ts);
    CREATE TABLE liquidations (
        ts INTEGER NOT NULL,
        venue TEXT NOT NULL,
        coin TEXT NOT NULL,
        side TEXT NOT NULL,
        price REAL NOT NULL,
        usd REAL NOT NULL
    );
    CREATE INDEX liquidations_ts ON liquidations (ts);
    """,
    # 1 -> 2: what happened on Telegram, decided once when the signal was (engine/alerts/status.py).
    # Rows written before it existed get what the database can still tell: sent or stale from
    # their outbox rows, blocked, held (the budget flag of the time); '' where it cannot tell.
    """
    ALTER TABLE signals ADD COLUMN alert TEXT NOT NULL DEFAULT '';
    UPDATE signals SET alert = CASE
        WHEN EXISTS (SELECT 1 FROM outbox WHERE signal_id = signals.id AND status = 'sent') THEN 'sent'
        WHEN EXISTS (SELECT 1 FROM outbox WHERE signal_id = signals.id AND status = 'stale') THEN 'stale'
        WHEN blocked THEN 'blocked'
        WHEN json_extract(data, '$.held') THEN 'held'
        ELSE '' END;
    UPDATE signals SET data = json_set(data, '$.alert', alert);
    """,
)
VERSION = len(MIGRATIONS)

# The signals table's ``confidence`` column holds the strength (SPEC's score, what it always
# held); the probability and its n are in ``data``.
SIGNAL_COLUMNS = ("id", "ts", "coin", "tier", "type", "direction", "confidence", "priority", "entry",
                  "stop", "target", "blocked", "assessment", "outcome", "revision", "data", "alert")
OUTBOX_COLUMNS = ("signal_id", "chat_id", "coin", "priority", "text", "revision", "created_ms",
                  "status", "message_id", "sent_revision", "sent_ms", "attempts", "detail")
COIN_COLUMNS = ("coin", "watched", "alerts", "muted_until_ms")
STATE_COLUMNS = ("key", "value", "updated_ms")
CONTEXT_COLUMNS = ("ts", "venue", "coin", "oi_usd", "funding")
LIQUIDATION_COLUMNS = ("ts", "venue", "coin", "side", "price", "usd")


def upsert(table: str, columns: tuple[str, ...], keys: tuple[str, ...]) -> str:
    """``INSERT ... ON CONFLICT DO UPDATE`` writing every column: rows are whole, newest wins."""
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    return (f"INSERT INTO {table} ({names}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}")


def insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


class SchemaTooNew(RuntimeError):
    """The database was written by a newer teleglas; refusing to guess at its layout."""


async def migrate(db: aiosqlite.Connection) -> int:
    """Bring the schema to :data:`VERSION`; returns the version found before."""
    async with db.execute("PRAGMA user_version") as cursor:
        (found,) = await cursor.fetchone()
    if found > VERSION:
        raise SchemaTooNew(f"database schema v{found} is newer than this teleglas (v{VERSION})")
    for version in range(found, VERSION):
        await db.executescript(
            f"BEGIN IMMEDIATE; {MIGRATIONS[version]}; PRAGMA user_version = {version + 1}; COMMIT;"
        )
    return found
