"""``teleglas export``: signal history with outcomes, and baselines, as CSV from the database."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sqlite3
import subprocess
import sys

import pytest
from builders import settings

from engine.locations import DEMO_RECORDING
from engine.model import LONG, SHORT, STOP_HUNT, VOLUME_SPIKE, WIN, Context, Liquidation, Trade
from engine.secrets import Secrets
from engine.service import Service
from engine.store import StoreSink, db_path
from fakes.signals import T0, revise, sample
from teleglas_tui.cli import main


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No config file, no secrets, no data dir from the machine running the tests."""
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGLAS_CONFIG", "TELEGLAS_DATA_DIR", "COINGLASS_API_KEY", "TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"):
        monkeypatch.delenv(name, raising=False)


def fill(data_dir) -> list:
    """A database as a run leaves it: signals (one with an outcome), confidence counts, baselines."""
    async def run():
        s = settings()
        sink = StoreSink(s, db_path(data_dir))
        svc = Service(s, Secrets(), data_dir=None, sinks=[sink])
        await sink.start(svc)
        win = sample(STOP_HUNT, LONG, "BTC", 96_200.0, ts=T0)
        spike = sample(VOLUME_SPIKE, SHORT, "PEPE", 0.00001182, 72.0, tier=3, priority="INFO", ts=T0 + 60_000)
        svc.emit([win, spike])  # decided as a run without Telegram decides them
        win.outcome.result, win.outcome.mfe, win.outcome.mae = WIN, 0.0142, 0.0031
        win.outcome.returns = {60: 0.002, 900: 0.011}
        svc.emit([revise(win, "outcome")])
        svc.engine.confidence.record(win)  # right at +15 min: a hit of STOP_HUNT/1
        sink.on_events([Trade(T0 + i * 1000, "Binance", "BTC", "buy", 96_000.0, 20_000.0) for i in range(130)]
                       + [Liquidation(T0, "Bybit", "BTC", LONG, 95_900.0, 300_000.0),
                          Liquidation(T0 + 1, "OKX", "BTC", SHORT, 96_300.0, 50_000.0),
                          Context(T0, "coinglass", "BTC", oi_usd=3.0e10, funding=0.0001),
                          Context(T0 + 300_000, "coinglass", "BTC", oi_usd=3.1e10, funding=0.0002)])
        await sink.stop()
        return [win, spike]
    return asyncio.run(run())


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_signals_export_has_one_row_per_signal_with_its_outcome(tmp_path):
    win, spike = fill(tmp_path)
    out = tmp_path / "signals.csv"
    assert main(["export", "signals", "--csv", str(out), "--data-dir", str(tmp_path)]) == 0
    rows = read_csv(out.read_text())
    assert [r["id"] for r in rows] == [win.id, spike.id]
    first = rows[0]
    assert (first["time_utc"], first["symbol"], first["type"], first["direction"]) == \
        ("2025-10-22 09:38:12 UTC", "BTCUSDT", "STOP_HUNT", "long")
    assert (first["outcome"], first["mfe"], first["return_60s"], first["return_900s"], first["return_3600s"]) == \
        ("WIN", "0.0142", "0.002", "0.011", "")
    assert (first["context"], first["blocked"], first["revision"]) == ("FAVORABLE", "0", "2")
    assert (first["alert"], rows[1]["alert"], first["stop_touched_utc"]) == ("no telegram", "not watched", "")
    assert '"liquidated_usd":4200000.0' in first["metrics"]
    assert (rows[1]["direction"], rows[1]["entry"], rows[1]["outcome"]) == ("", "", "PENDING")


def test_export_to_stdout_with_a_dash(tmp_path, capsys):
    fill(tmp_path)
    assert main(["export", "signals", "--csv", "-", "--data-dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert len(read_csv(captured.out)) == 2
    assert "2 signals rows written to stdout" in captured.err


def test_baselines_export_confidence_counts_and_coin_norms_in_long_form(tmp_path):
    fill(tmp_path)
    out = tmp_path / "baselines.csv"
    assert main(["export", "baselines", "--csv", str(out), "--data-dir", str(tmp_path)]) == 0
    rows = {(r["scope"], r["key"], r["metric"]): float(r["value"]) for r in read_csv(out.read_text())}
    assert rows[("confidence", "STOP_HUNT/1", "outcomes")] == 1
    assert rows[("confidence", "STOP_HUNT/1", "hits")] == 1
    assert 900_000 < rows[("coin", "BTC", "trade_usd_per_min")] < 1_200_000  # ~$20k a second
    assert rows[("coin", "BTC", "liquidations")] == 2
    assert rows[("coin", "BTC", "long_liquidated_usd")] == 300_000.0
    assert rows[("coin", "BTC", "short_liquidated_usd")] == 50_000.0
    assert rows[("coin", "BTC", "funding")] == 0.0002  # the latest snapshot
    assert rows[("coin", "BTC", "oi_usd")] == 3.1e10


def test_no_database_yet_is_one_clear_line(tmp_path, capsys):
    assert main(["export", "signals", "--csv", "-", "--data-dir", str(tmp_path / "empty")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no database at" in err[0]


def test_a_bad_setting_stops_the_export_naming_the_key(tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text("storage:\n  batch_rows: -3\n")
    assert main(["export", "signals", "--csv", "-", "--config", str(tmp_path / "bad.yaml")]) == 2
    assert "storage.batch_rows" in capsys.readouterr().err


def test_a_damaged_saved_state_is_named_and_the_rest_of_the_baselines_exported(tmp_path, capsys):
    fill(tmp_path)
    with sqlite3.connect(db_path(tmp_path)) as db:
        db.execute("UPDATE state SET value = '{not json' WHERE key = 'engine'")
        db.execute("UPDATE state SET value = '[1, 2]' WHERE key = 'baselines'")
    assert main(["export", "baselines", "--csv", "-", "--data-dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    rows = {(r["scope"], r["key"], r["metric"]) for r in read_csv(captured.out)}
    assert ("coin", "BTC", "liquidations") in rows and not any(r[0] == "confidence" for r in rows)
    assert "saved state 'baselines', 'engine' is damaged and left out" in captured.err


def teleglas(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGLAS", "COINGLASS", "TELEGRAM"))}
    return subprocess.run([sys.executable, "-m", "teleglas_tui.cli", *args, "--data-dir", str(tmp_path / "data")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def test_after_a_replay_export_says_where_its_signals_are_and_replay_db_exports_them(tmp_path):
    """After the demo the export wrote a header only ('0 signals rows written'), and on a data
    directory holding only the replay database said 'no database … yet'."""
    assert teleglas(tmp_path, "run", "--headless", "--replay", str(DEMO_RECORDING), "--speed", "0").returncode == 0
    replay_db = db_path(tmp_path / "data", replay=True)

    done = teleglas(tmp_path, "export", "signals", "--csv", "live.csv")
    assert done.returncode == 1 and not (tmp_path / "live.csv").exists()
    assert done.stderr == (f"teleglas: no database at {db_path(tmp_path / 'data')} yet (teleglas creates it on its "
                           f"first live run; --data-dir picks another); replays and the demo keep their own, "
                           f"{replay_db}: add --replay-db to export it\n")

    done = teleglas(tmp_path, "export", "signals", "--csv", "replay.csv", "--replay-db")
    assert done.returncode == 0, done.stderr
    rows = read_csv((tmp_path / "replay.csv").read_text())
    assert len(rows) > 10 and done.stderr == f"teleglas: {len(rows)} signals rows written to replay.csv\n"
    assert {r["symbol"] for r in rows if r["type"] == STOP_HUNT} >= {"ZECUSDT"}


def test_an_empty_live_export_beside_a_replay_database_names_it(tmp_path):
    fill(tmp_path / "data")
    with sqlite3.connect(db_path(tmp_path / "data")) as db:
        db.execute("DELETE FROM signals")
    fill_replay = db_path(tmp_path / "data", replay=True)
    fill_replay.write_bytes(db_path(tmp_path / "data").read_bytes())
    done = teleglas(tmp_path, "export", "signals", "--csv", "-")
    assert done.returncode == 0
    assert done.stderr == (f"teleglas: 0 signals rows written to stdout (replays and the demo keep theirs in "
                           f"{fill_replay}: add --replay-db to export those)\n")


def test_replay_db_without_a_replay_database_says_what_creates_it(tmp_path):
    done = teleglas(tmp_path, "export", "signals", "--csv", "-", "--replay-db")
    assert done.returncode == 1
    assert done.stderr.startswith(f"teleglas: no replay database at {db_path(tmp_path / 'data', replay=True)} yet "
                                  "(teleglas demo and --replay runs create it")
