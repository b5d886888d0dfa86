"""Every read of the database, named for what it answers (the writes are in ``database.py``).

Each takes an open connection, so the service (on the store's connection, through
``Store.read``) and the one-shot commands ``export`` and ``doctor`` (on their own) ask the same
questions the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiosqlite
import orjson

from engine.model import stored_signal


async def rows(db: aiosqlite.Connection, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    async with db.execute(sql, params) as cursor:
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in await cursor.fetchall()]


# ---------------------------------------------------------------------- what a restart restores

async def coin_settings(db: aiosqlite.Connection) -> list[dict[str, Any]]:
    """Watchlist, alert toggles and mutes: ``coin, watched, alerts, muted_until_ms``."""
    return await rows(db, "SELECT coin, watched, alerts, muted_until_ms FROM coins")


async def saved_state(db: aiosqlite.Connection, keys: Iterable[str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The state table by key (all keys, or ``keys``), decoded; and the keys whose value is damaged."""
    wanted = tuple(keys or ())
    where = f" WHERE key IN ({', '.join('?' for _ in wanted)})" if wanted else ""
    state: dict[str, Any] = {}
    damaged: list[str] = []
    for r in await rows(db, f"SELECT key, value FROM state{where}", wanted):
        try:
            state[r["key"]] = orjson.loads(r["value"])
        except orjson.JSONDecodeError:
            damaged.append(r["key"])
    return state, damaged


async def recent_signals(db: aiosqlite.Connection, n: int) -> list[dict[str, Any]]:
    """The newest ``n`` signals as ``Signal.as_dict()``, newest last."""
    found = await rows(db, "SELECT data FROM signals ORDER BY ts DESC, rowid DESC LIMIT ?", (n,))
    return [stored_signal(orjson.loads(r["data"])) for r in reversed(found)]


# ---------------------------------------------------------------------- the Telegram outbox

async def outbox_work(db: aiosqlite.Connection) -> list[dict[str, Any]]:
    """Outbox rows that still need work: never answered (pending), or an edit the chat lacks."""
    return await rows(db, "SELECT * FROM outbox WHERE status = 'pending' "
                          "OR (status = 'sent' AND sent_revision IS NOT revision) ORDER BY created_ms")


async def alerts_planned(db: aiosqlite.Connection, since_ms: int, before_ms: int) -> list[tuple[str, int]]:
    """``(coin, first planned ms)`` of each signal given an alert in ``[since_ms, before_ms)``
    (stale ones left out: they never reached the phone)."""
    found = await rows(db, "SELECT coin, MIN(created_ms) AS ms FROM outbox WHERE created_ms >= ? AND created_ms < ? "
                           "AND status != 'stale' GROUP BY signal_id", (since_ms, before_ms))
    return [(r["coin"], r["ms"]) for r in found]


async def signals_alerted_since(db: aiosqlite.Connection, since_ms: int) -> list[str]:
    """Ids of the signals whose alert Telegram acknowledged since ``since_ms``."""
    found = await rows(db, "SELECT DISTINCT signal_id FROM outbox WHERE status = 'sent' AND sent_ms >= ?",
                       (since_ms,))
    return [r["signal_id"] for r in found]


# ---------------------------------------------------------------------- export and doctor

async def all_signals(db: aiosqlite.Connection) -> list[dict[str, Any]]:
    """Every signal as last revised, oldest first."""
    return [stored_signal(orjson.loads(r["data"])) for r in await rows(db, "SELECT data FROM signals ORDER BY ts, rowid")]


async def liquidation_totals(db: aiosqlite.Connection) -> list[dict[str, Any]]:
    """Per coin: ``n`` liquidations kept, ``long_usd`` and ``short_usd`` liquidated."""
    return await rows(db, "SELECT coin, COUNT(*) AS n, "
                          "SUM(CASE WHEN side = 'long' THEN usd ELSE 0 END) AS long_usd, "
                          "SUM(CASE WHEN side = 'short' THEN usd ELSE 0 END) AS short_usd "
                          "FROM liquidations GROUP BY coin")


async def last_context(db: aiosqlite.Connection, metric: str) -> dict[str, float]:
    """Per coin, the newest non-empty ``funding`` or ``oi_usd``."""
    if metric not in ("funding", "oi_usd"):
        raise ValueError(f"no context metric {metric!r}")
    found = await rows(db, f"SELECT coin, {metric} AS value, MAX(ts) FROM context "
                           f"WHERE {metric} IS NOT NULL GROUP BY coin")
    return {r["coin"]: r["value"] for r in found}


async def summary(db: aiosqlite.Connection) -> dict[str, int]:
    """``version`` (schema), ``signals`` kept and alerts ``pending``, for ``doctor``."""
    (version,) = (await rows(db, "PRAGMA user_version"))[0].values()
    counts = (await rows(db, "SELECT (SELECT COUNT(*) FROM signals) AS signals, "
                             "(SELECT COUNT(*) FROM outbox WHERE status = 'pending') AS pending"))[0]
    return {"version": version, **counts}
