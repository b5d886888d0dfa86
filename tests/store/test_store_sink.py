"""The database sink on a real Service: what the UI and Telegram need survives a restart."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from builders import settings

from engine.alerts.sink import TelegramSink
from engine.model import BUY, LONG, SHORT, Context, Liquidation, Trade
from engine.secrets import Secrets
from engine.service import Service
from engine.wiring import default_sinks
from engine.store import StoreSink, db_path
from fakes.loopback import wait_for
from fakes.signals import T0, sample

MIN = 60_000


def config():
    return settings(storage={"batch_interval_s": 0.01, "busy_timeout_s": 0.05, "retry_max_s": 0.05})


def service(s=None, **kw) -> Service:
    return Service(s or config(), Secrets(), data_dir=None, sinks=[], **kw)


async def started(path: Path, s=None) -> tuple[Service, StoreSink]:
    svc = service(s)
    sink = StoreSink(svc.settings, path)
    await sink.start(svc)
    return svc, sink


def query(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


async def test_coins_mutes_pause_and_confidence_counts_survive_a_restart(tmp_path):
    path = db_path(tmp_path)
    svc, sink = await started(path)
    svc.coins.add("PEPE")
    svc.coins.remove("DOGE")
    svc.coins.set_alerts("ETH", False)
    svc.coins.mute("SOL", 1_900_000_000_000)
    svc.pause_alerts()
    svc.engine.load_state({"confidence": {"STOP_HUNT/1": [1, 1]}})
    scorer = svc.engine.export_state()
    before = svc.coins.settings()
    await sink.stop()

    svc2, sink2 = await started(path)
    assert svc2.coins.settings() == before
    assert svc2.paused
    assert svc2.engine.export_state() == scorer
    assert not svc2.coins.alertable("SOL", 1_800_000_000_000)
    await sink2.stop()


async def test_liquidations_and_context_are_stored_and_trades_feed_the_baselines(tmp_path):
    path = db_path(tmp_path)
    svc, sink = await started(path)
    events = [Trade(T0 + i * 1000, "Binance", "BTC", BUY, 96_000.0, 50_000.0) for i in range(180)]
    events += [Liquidation(T0 + 5_000, "Bybit", "BTC", LONG, 95_900.0, 250_000.0),
               Context(T0, "coinglass", "BTC", oi_usd=3.1e10, funding=0.0001)]
    sink.on_events(events)
    await sink.stop()
    assert query(path, "SELECT venue, coin, side, usd FROM liquidations") == [("Bybit", "BTC", LONG, 250_000.0)]
    assert query(path, "SELECT coin, oi_usd, funding FROM context") == [("BTC", 3.1e10, 0.0001)]
    baseline = sink.baselines.export()["BTC"]
    assert baseline["minutes"] >= 2
    assert baseline["trade_usd_per_min"] > 1_000_000  # 60 trades of $50k a minute
    _, sink2 = await started(path)
    assert sink2.baselines.export()["BTC"] == baseline
    await sink2.stop()


async def test_the_last_signals_survive_a_restart_for_slash_last(tmp_path):
    path = db_path(tmp_path)
    _, sink = await started(path)
    signals = [sample(coin=c, direction=SHORT, ts=T0 + i * MIN) for i, c in enumerate(["BTC", "ETH", "SOL"])]
    sink.on_signals(signals)
    await sink.stop()
    _, sink2 = await started(path)
    assert [s["symbol"] for s in sink2.recent_signals(2)] == ["ETH", "SOL"]
    await sink2.stop()


async def test_a_database_that_cannot_open_at_start_is_restored_once_it_can(tmp_path):
    data = tmp_path / "data"
    data.write_text("not a directory")  # the data dir is unusable at start
    path = db_path(data)
    svc, sink = await started(path)
    assert sink.state().state == "degraded"
    svc.coins.add("WIF")  # changed in memory while the database is away
    sink.on_signals([sample()])
    data.unlink()  # the trader fixes it; the store finds it by itself
    for _ in range(600):
        if sink.state().state == "ok" and sink.state().queue == 0:
            break
        await asyncio.sleep(0.005)
    assert sink.state().state == "ok"
    assert "WIF" in svc.coins.watched()
    await sink.stop()
    assert query(path, "SELECT coin, watched FROM coins") == [("WIF", 1)]
    assert query(path, "SELECT COUNT(*) FROM signals") == [(1,)]


def test_default_sinks_store_with_a_data_dir_and_telegram_only_live_with_a_token(tmp_path):
    secrets = Secrets(telegram_bot_token="123456:ABCdefGhIJKlmnoPQRstuvWXyz12345678", telegram_chat_ids=("42",))
    live = Service(config(), secrets, data_dir=tmp_path)
    assert [type(s) for s in live.sinks] == [TelegramSink, StoreSink]
    replay = Service(config(), secrets, data_dir=tmp_path, replay=tmp_path / "x.jsonl")
    assert [s.name for s in replay.sinks] == ["database"]
    assert default_sinks(config(), Secrets(), None, "LIVE") == []
    in_replay = settings(telegram={"in_replay": True})
    assert [s.name for s in Service(in_replay, secrets, data_dir=None, replay=tmp_path / "x.jsonl").sinks] == ["telegram"]


async def test_damaged_saved_state_is_skipped_and_the_rest_restored(tmp_path):
    path = db_path(tmp_path)
    svc, sink = await started(path)
    svc.coins.add("WIF")
    await sink.stop()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE state SET value = '{not json' WHERE key = 'engine'")
        db.execute("UPDATE state SET value = '[1, 2]' WHERE key = 'baselines'")
    svc2, sink2 = await started(path)
    assert "WIF" in svc2.coins.watched()
    assert sink2.state().state == "ok"
    await sink2.stop()


def unmount(data: Path) -> Path:
    """The data directory is away at start (a disk not mounted yet): a file stands in its place."""
    away = data.with_name("away")
    data.rename(away)
    data.write_text("not a directory")
    return away


def mount(data: Path, away: Path) -> None:
    data.unlink()
    away.rename(data)


async def test_a_database_back_after_start_restores_the_saved_pause_and_scorer_not_fresh_ones(tmp_path):
    data = tmp_path / "data"
    path = db_path(data)
    s = settings(storage={"batch_interval_s": 0.01, "busy_timeout_s": 0.05, "retry_max_s": 0.05,
                          "state_interval_s": 0.01})
    svc, sink = await started(path, s)
    svc.pause_alerts()
    svc.engine.load_state({"confidence": {"STOP_HUNT/1": [1, 1]}})
    scorer = svc.engine.export_state()
    await sink.stop()

    away = unmount(data)
    _, sink2 = await started(path, s)
    assert sink2.state().state == "degraded"
    await asyncio.sleep(0.1)  # the state saver comes round many times while the database is away
    mount(data, away)
    # not "and the queue empty": the state saver refills it every batch here (state_interval_s)
    await wait_for(lambda: sink2.state().state == "ok")
    await sink2.stop()  # the last flush
    assert sink2.state().queue == 0
    svc3, sink3 = await started(path, s)
    assert svc3.paused
    assert svc3.engine.export_state() == scorer
    await sink3.stop()


async def test_a_database_back_after_start_keeps_a_mute_set_and_signals_seen_while_it_was_away(tmp_path):
    data = tmp_path / "data"
    path = db_path(data)
    svc, sink = await started(path)
    svc.coins.add("SOL")
    sink.on_signals([sample()])
    await sink.stop()

    away = unmount(data)
    svc2, sink2 = await started(path)
    svc2.coins.mute("SOL", 1_900_000_000_000)  # from the phone, while the database is away
    sink2.on_signals([sample(coin="ETH", ts=T0 + MIN)])
    mount(data, away)
    await wait_for(lambda: len(sink2.recent_signals(5)) == 2)  # restored
    assert svc2.coins.is_muted("SOL", 1_800_000_000_000)
    assert [s["symbol"] for s in sink2.recent_signals(2)] == ["BTC", "ETH"]  # /last: newest last
    await sink2.stop()
    assert query(path, "SELECT coin, muted_until_ms FROM coins") == [("SOL", 1_900_000_000_000)]


async def test_the_quality_report_reads_every_stored_signal_earlier_runs_included(tmp_path):
    """The statistics screen's charts come from the database, not only this run's memory."""
    path = db_path(tmp_path)
    svc, sink = await started(path)
    sink.on_signals([sample(coin="BTC"), sample(coin="ETH", ts=T0 + MIN)])
    await sink.stop()

    svc2 = Service(config(), Secrets(), data_dir=None, sinks=[StoreSink(config(), path)])
    await svc2.sinks[0].start(svc2)
    history = await svc2.signal_history(10)
    assert [s["symbol"] for s in history] == ["BTC", "ETH"]  # newest last
    assert await svc2.signal_history(1) == history[-1:]
    await svc2.sinks[0].stop()
    assert await service().signal_history(10) is None  # no database: the screen uses memory
