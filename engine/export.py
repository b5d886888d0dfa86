"""``teleglas export signals|baselines --csv FILE [--replay-db]`` (``-`` for stdout).

From the live database, ``teleglas.db``; with ``--replay-db``, from ``teleglas-replay.db``, the one
replays and the demo keep apart (recorded data never mixes with the live history).  When the one
asked for is missing or empty and the other exists, the line on stderr says so and how to read it.

``signals``: one row per signal, oldest first, as last revised: time, symbol, type, direction,
priority, strength, confidence (probability) and its n, context (assessment, funding, OI change),
blocked, what happened on Telegram (``alert``: the status decided when the signal was,
``engine/alerts/status.py``; empty for rows older than it), entry/stop/target, the outcome (result,
best and worst excursion, when the stop was first touched, the return at each
``outcomes.returns_s`` horizon), merged types and the triggering numbers as JSON.

``baselines``: what "normal" looks like, in long form (``scope,key,metric,value``, one number a
row, so a spreadsheet pivot or ``pandas.pivot`` shapes it as wanted):

* ``confidence,<TYPE>/<tier>``: the outcomes the confidence estimator counted for that class
  (``outcomes``: directional signals whose return at ``outcomes.horizon_s`` is known) and how many
  were right (``hits``); engine/signals/confidence.py.
* ``coin,<COIN>``: average USD traded and liquidated per minute over about the last hour of
  data (``trade_usd_per_min``, ``liquidated_usd_per_min``, ``minutes_observed``), liquidations kept
  in the database (last ``storage.retention_days``: ``liquidations``, ``long_liquidated_usd``,
  ``short_liquidated_usd``) and the last funding and open interest seen (``funding``, ``oi_usd``).

Exit codes: 0 written; 1 no database yet, it cannot be read, or the disk failed while writing; 2 a
bad setting or a --csv path that cannot be written (a directory, in a directory that does not
exist, or one the system refuses to open), checked before the database is read.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sqlite3
import sys
from pathlib import Path
from typing import IO, Any

import aiosqlite
import orjson

from engine import format as fmt
from engine.arguments import output_file
from engine.errors import UsageError
from engine.locations import data_dir
from engine.settings import Settings, load_for_command
from engine.store import connect, db_path
from engine.store import queries
from engine.store.schema import SchemaTooNew
from engine.store.sink import BASELINES, ENGINE
from engine.symbols import canonical_symbol

BASELINE_COLUMNS = ("scope", "key", "metric", "value")


def main(args: argparse.Namespace) -> int:
    settings = load_for_command(args)
    output_file("--csv", args.csv)
    data = data_dir(getattr(args, "data_dir", None))
    replay = bool(getattr(args, "replay_db", False))
    path, other = db_path(data, replay=replay), db_path(data, replay=not replay)
    if not path.is_file():
        print(f"teleglas: {_missing(path, other, replay)}", file=sys.stderr)
        return 1
    try:
        header, table = asyncio.run(_read(args.what, path, settings))
    except (sqlite3.Error, SchemaTooNew) as exc:
        print(f"teleglas: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    out = _open(args.csv)
    try:
        count = _write(out, header, table)
    except OSError as exc:  # the path was fine: the disk filled or failed
        print(f"teleglas: cannot write {args.csv}: {exc.strerror}", file=sys.stderr)
        return 1
    hint = ""
    if not count and not replay and other.is_file():  # after the demo: its signals are in the other file
        hint = f" (replays and the demo keep theirs in {other}: add --replay-db to export those)"
    print(f"teleglas: {count} {args.what} rows written to {'stdout' if args.csv == '-' else args.csv}{hint}",
          file=sys.stderr)
    return 0


def _missing(path: Path, other: Path, replay: bool) -> str:
    """Why there is nothing to export, and where the data is if it is in the other database."""
    if replay:
        return f"no replay database at {path} yet (teleglas demo and --replay runs create it; --data-dir picks another)"
    line = f"no database at {path} yet (teleglas creates it on its first live run; --data-dir picks another)"
    if other.is_file():
        line += f"; replays and the demo keep their own, {other}: add --replay-db to export it"
    return line


async def _read(what: str, path: Path, settings: Settings) -> tuple[tuple[str, ...], list[tuple]]:
    db = await connect(path, settings.storage.busy_timeout_s)
    try:
        if what == "signals":
            horizons = settings.outcomes.returns_s
            return signal_columns(horizons), [signal_row(s, horizons) for s in await queries.all_signals(db)]
        return BASELINE_COLUMNS, await _baselines(db)
    finally:
        await db.close()


def _open(target: str) -> IO[str]:
    """The output, opened for writing; a path the system refuses is the user's to fix (exit 2),
    like every output path."""
    if target == "-":
        return sys.stdout
    try:
        return open(target, "w", newline="", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"--csv: cannot write {target}: {exc.strerror or exc}") from None


def _write(out: IO[str], header: tuple[str, ...], table: list[tuple]) -> int:
    try:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(table)
    finally:
        if out is not sys.stdout:
            out.close()
    return len(table)


# ---------------------------------------------------------------------- signals

def signal_columns(horizons: list[int]) -> tuple[str, ...]:
    return ("time_utc", "ts", "id", "symbol", "tier", "type", "direction", "priority", "strength",
            "confidence", "confidence_n", "base_strength", "context", "funding", "oi_change", "blocked", "alert",
            "entry", "stop", "target", "outcome", "mfe", "mae", "stop_touched_utc",
            *(f"return_{s}s" for s in horizons), "merged", "revision", "metrics")


def signal_row(s: dict[str, Any], horizons: list[int]) -> tuple:
    context = s.get("context") or {}
    outcome = s.get("outcome") or {}
    returns = outcome.get("returns") or {}
    return (
        fmt.utc_time(s["ts"]), s["ts"], s["id"], canonical_symbol(s["symbol"]), s["tier"], s["type"],
        s.get("direction") or "", s.get("priority"), s.get("strength"),
        _blank(s.get("confidence")), s.get("confidence_n"), s.get("base_strength"),
        context.get("assessment"), _blank(context.get("funding")), _blank(context.get("oi_change")),
        int(bool(s.get("blocked"))), s.get("alert") or "", _blank(s.get("entry")), _blank(s.get("stop")),
        _blank(s.get("target")), outcome.get("result"), outcome.get("mfe"), outcome.get("mae"),
        fmt.utc_time(outcome["stop_ts"]) if outcome.get("stop_ts") else "",
        *(_blank(returns.get(str(h))) for h in horizons),
        " ".join(s.get("merged") or []), s.get("revision"),
        orjson.dumps(s.get("metrics") or {}, option=orjson.OPT_SORT_KEYS).decode(),
    )


def _blank(value: Any) -> Any:
    return "" if value is None else value


# ---------------------------------------------------------------------- baselines

async def _baselines(db: aiosqlite.Connection) -> list[tuple]:
    state = await _saved_state(db)
    out: list[tuple] = []
    for key, (hits, n) in sorted(((state.get(ENGINE) or {}).get("confidence") or {}).items()):
        out += [("confidence", key, "hits", hits), ("confidence", key, "outcomes", n)]
    coins: dict[str, dict[str, Any]] = {}
    for coin, b in (state.get(BASELINES) or {}).items():
        coins.setdefault(coin, {}).update(trade_usd_per_min=b.get("trade_usd_per_min"),
                                          liquidated_usd_per_min=b.get("liq_usd_per_min"),
                                          minutes_observed=b.get("minutes"))
    for r in await queries.liquidation_totals(db):
        coins.setdefault(r["coin"], {}).update(liquidations=r["n"], long_liquidated_usd=r["long_usd"],
                                               short_liquidated_usd=r["short_usd"])
    for metric in ("funding", "oi_usd"):
        for coin, value in (await queries.last_context(db, metric)).items():
            coins.setdefault(coin, {})[metric] = value
    for coin, metrics in sorted(coins.items()):
        out += [("coin", coin, name, value) for name, value in metrics.items() if value is not None]
    return out


async def _saved_state(db: aiosqlite.Connection) -> dict[str, dict[str, Any]]:
    """The state table by key; a damaged value is named on stderr and left out, not a traceback."""
    saved, damaged = await queries.saved_state(db, (ENGINE, BASELINES))
    state = {key: value for key, value in saved.items() if isinstance(value, dict)}
    damaged = [repr(key) for key in [*damaged, *saved.keys() - state.keys()]]
    if damaged:
        print(f"teleglas: saved state {', '.join(sorted(damaged))} is damaged and left out", file=sys.stderr)
    return state
