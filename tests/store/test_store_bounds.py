"""The database file stops growing once retention is full, whatever the event times: a looping
replay repeats the same times, so the row caps bound it where the days cannot."""

from __future__ import annotations

import sqlite3

from builders import settings
from fakes.signals import sample

from engine.store import Store

T0 = 1_761_125_892_000
YEAR_MS = 365 * 86_400_000


def query(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def capped(**storage):
    # retention_interval_s of a day: only the rows written since last time may start it early
    return settings(storage={"batch_interval_s": 0.01, "retention_interval_s": 86_400.0, **storage}).storage


async def test_a_loop_of_the_same_times_is_capped_oldest_first(tmp_path):
    path = tmp_path / "teleglas-replay.db"
    store = Store(path, capped(max_event_rows=100))
    await store.open()
    for loop_pass in range(5):  # the same ten seconds of event time, five times over
        for i in range(60):
            store.put_liquidation((T0 + i, "Binance", "BTC", "long", 96_000.0, 1_000.0 * loop_pass + i))
            store.put_context((T0 + i, "binance", "BTC", 1e9, 0.0001))
        await store.flush()
    # the first flush ran retention (never ran before); then every 10 rows written start it again
    assert query(path, "SELECT COUNT(*) FROM liquidations") == [(100,)]
    assert query(path, "SELECT COUNT(*) FROM context") == [(100,)]
    assert query(path, "SELECT MIN(usd), MAX(usd) FROM liquidations") == [(3_020.0, 4_059.0)]  # the newest kept
    await store.close()


async def test_signals_are_kept_a_year_and_at_most_max_signals(tmp_path):
    path = tmp_path / "teleglas.db"
    store = Store(path, capped(max_signals=3, max_event_rows=10))
    await store.open()
    old = sample(ts=T0 - YEAR_MS - 1, signal_id="old")
    store.put_signal(old.as_dict())
    for n in range(5):
        store.put_signal(sample(ts=T0 + n, signal_id=f"s{n}").as_dict())
    await store.flush()  # the first flush runs retention: "old" by age, s0 and s1 by the cap
    assert [r[0] for r in query(path, "SELECT id FROM signals ORDER BY rowid")] == ["s2", "s3", "s4"]
    for n in (5, 6):
        store.put_signal(sample(ts=T0 + n, signal_id=f"s{n}").as_dict())
    await store.flush()
    assert [r[0] for r in query(path, "SELECT id FROM signals ORDER BY rowid")] == ["s4", "s5", "s6"]
    await store.close()


def test_the_defaults_are_what_the_readme_states():
    s = settings().storage
    assert (s.retention_days, s.signal_retention_days, s.max_event_rows, s.max_signals) == (7, 365, 1_000_000, 100_000)
