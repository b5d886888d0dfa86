"""Every bad input, tried as a user would: one line on stderr naming what is wrong, exit status 2
when something the user gave cannot be used and 1 when the work could not be done; never a
traceback.  The table runs the real ``teleglas`` entry point (``main()`` with captured output);
the property tests feed it random bytes as a config file and as a recording."""

from __future__ import annotations

import dataclasses
import gzip
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_type_hints

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from engine.feeds.registry import VENUES
from engine.locations import DEMO_RECORDING
from engine.recording import Record, write_recording
from engine.settings import Settings
from engine.store import db_path
from engine.store.claim import claim_database
from teleglas_tui.cli import main

T0 = 1_761_125_802_000
LIQ = ('{"e":"forceOrder","E":%d,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.5",'
       '"p":"96000","ap":"96000","X":"FILLED","l":"0.5","z":"0.5","T":%d}}')


@dataclass
class Case:
    argv: list[str]
    status: int
    says: str
    env: dict[str, str] = field(default_factory=dict)
    config: str | bytes | None = None  # written to ./teleglas.yaml and passed as --config


def _config(text: str | bytes, *argv: str) -> Case:
    return Case(list(argv or ("backtest", "good.jsonl")), 2, "", config=text)


CASES: dict[str, Case] = {
    # ---------------------------------------------------------------- command line
    "run without --headless": Case(["run"], 2, "run needs --headless"),
    "run --speed nan": Case(["run", "--headless", "--speed", "nan"], 2, "--speed must be 0 (as fast as possible) to 10000, got 'nan'"),
    "run --speed inf": Case(["run", "--headless", "--speed", "inf"], 2, "--speed must be 0 (as fast as possible) to 10000, got 'inf'"),
    "run --speed -1": Case(["run", "--headless", "--speed", "-1"], 2, "got '-1'"),
    "run --speed 1e9": Case(["run", "--headless", "--speed", "1e9"], 2, "got '1e9'"),
    "run --speed fast": Case(["run", "--headless", "--speed", "fast"], 2, "--speed must be 0 (as fast as possible) to 10000, got 'fast'"),
    "run --duration nan": Case(["run", "--headless", "--duration", "nan"], 2, "--duration must be more than 0 seconds"),
    "run --duration inf": Case(["run", "--headless", "--duration", "inf"], 2, "got 'inf'"),
    "run --duration 0": Case(["run", "--headless", "--duration", "0"], 2, "got '0'"),
    "run --duration -5": Case(["run", "--headless", "--duration", "-5"], 2, "got '-5'"),
    "run --duration 1e12": Case(["run", "--headless", "--duration", "1e12"], 2, "at most 31,622,400 (a year)"),
    "run --replay missing": Case(["run", "--headless", "--replay", "missing.jsonl"], 2,
                                 "--replay: cannot read recording missing.jsonl: No such file or directory"),
    "run --replay a directory": Case(["run", "--headless", "--replay", "adir"], 2,
                                     "--replay: cannot read recording adir: Is a directory"),
    "run --replay not a recording": Case(["run", "--headless", "--replay", "notes.txt"], 2,
                                         "notes.txt: not a teleglas recording (no v1 header on line 1)"),
    "run --replay empty file": Case(["run", "--headless", "--replay", "empty.jsonl"], 2, "empty.jsonl: not a teleglas recording"),
    "run --replay damaged gzip": Case(["run", "--headless", "--replay", "damaged.jsonl.gz"], 2,
                                      "damaged.jsonl.gz: not a readable recording (its compressed data is damaged)"),
    "run --replay damaged zstd": Case(["run", "--headless", "--replay", "damaged.jsonl.zst"], 2, "damaged.jsonl.zst: not a readable"),
    "run --replay version 9": Case(["run", "--headless", "--replay", "v9.jsonl"], 2, "recording version 9 is not supported"),
    "run --replay with --record": Case(["run", "--headless", "--replay", "good.jsonl", "--record", "x.jsonl"], 2,
                                       "--record records the live feeds; a replay is already a recording"),
    "run --log-file a directory": Case(["run", "--headless", "--replay", "good.jsonl", "--log-file", "adir"], 2,
                                       "--log-file: adir is a directory; name a file in it"),
    "run --log-file in a missing dir": Case(["run", "--headless", "--replay", "good.jsonl", "--log-file", "no/x.log"], 2,
                                            "--log-file: the directory no does not exist; create it first"),
    "run --log-file the system refuses": Case(["run", "--headless", "--replay", "good.jsonl", "--log-file",
                                               "/proc/nope.log"], 2, "--log-file: cannot write /proc/nope.log"),
    "unknown option": Case(["run", "--headless", "--bogus"], 2, "unrecognized arguments: --bogus (see teleglas --help)"),
    "unknown command": Case(["serve"], 2, "invalid choice: 'serve'"),
    "backtest without files": Case(["backtest"], 2, "the following arguments are required: FILE"),
    "backtest missing file": Case(["backtest", "missing.jsonl"], 2,
                                  "teleglas: cannot read recording missing.jsonl: No such file or directory"),
    "backtest a directory": Case(["backtest", "adir"], 2, "teleglas: cannot read recording adir: Is a directory"),
    "backtest not a recording": Case(["backtest", "good.jsonl", "notes.txt"], 2, "notes.txt: not a teleglas recording"),
    "backtest --signals-out a directory": Case(["backtest", "good.jsonl", "--signals-out", "adir"], 2,
                                               "--signals-out: adir is a directory; name a file in it"),
    "backtest --signals-out in a missing dir": Case(["backtest", "good.jsonl", "--signals-out", "no/s.jsonl"], 2,
                                                    "--signals-out: the directory no does not exist"),
    "backtest --signals-out the system refuses": Case(["backtest", "good.jsonl", "--signals-out", "/proc/nope.jsonl"], 2,
                                                      "--signals-out: cannot write /proc/nope.jsonl"),
    "backtest --progress maybe": Case(["backtest", "good.jsonl", "--progress", "maybe"], 2, "invalid choice: 'maybe'"),
    "backtest --set not YAML": Case(["backtest", "good.jsonl", "--set", "gate.min_strength=70,[1"], 2,
                                    "--set gate.min_strength: '[1' is not a value"),
    "backtest --set nan": Case(["backtest", "good.jsonl", "--set", "gate.min_strength=nan"], 2,
                               "config: gate.min_strength must be a number, got 'nan'"),
    "backtest --set without =": Case(["backtest", "good.jsonl", "--set", "gate.min_strength"], 2,
                                     "expected section.key=value"),
    "backtest --set unknown": Case(["backtest", "good.jsonl", "--set", "gate.nope=1"], 2, "unknown setting gate.nope"),
    "backtest --set huge": Case(["backtest", "good.jsonl", "--set", "storage.retention_days=1e308"], 2,
                                "storage.retention_days must be at most 3650"),
    "export without what": Case(["export"], 2, "the following arguments are required: what, --csv"),
    "export trades": Case(["export", "trades", "--csv", "-"], 2, "invalid choice: 'trades'"),
    "export --csv a directory": Case(["export", "signals", "--csv", "adir"], 2, "--csv: adir is a directory"),
    "export --csv in a missing dir": Case(["export", "signals", "--csv", "no/s.csv"], 2, "--csv: the directory no does not exist"),
    "export --csv the system refuses": Case(["export", "signals", "--csv", "/proc/nope.csv"], 2,
                                            "--csv: cannot write /proc/nope.csv"),
    "export --csv in /nonexistent-dir": Case(["export", "signals", "--csv", "/nonexistent-dir/x.csv"], 2,
                                             "--csv: the directory /nonexistent-dir does not exist"),
    "export without a database": Case(["export", "signals", "--csv", "-", "--data-dir", "nodata"], 1, "no database at nodata/teleglas.db yet"),
    "demo --speed nan": Case(["demo", "--speed", "nan"], 2, "--speed must be 0 (as fast as possible) to 10000, got 'nan'"),
    "tui --replay missing": Case(["--replay", "missing.jsonl"], 2, "--replay: cannot read recording missing.jsonl"),
    "tui --speed -3": Case(["--replay", "good.jsonl", "--speed", "-3"], 2, "got '-3'"),
    "tui on a file as data dir": Case(["--replay", "good.jsonl", "--data-dir", "notes.txt"], 2,
                                      "cannot create the data directory notes.txt: File exists"),
    # ---------------------------------------------------------------- config file
    "config not UTF-8": _config(b"\xff\xfe gate: 1\n"),
    "config not YAML": _config("gate:\n  min_strength: 70\n bad: 1\n"),
    "config a list": _config("[1, 2]\n"),
    "config nested too deep": _config("[" * 5000),
    "config unknown key": _config("gate:\n  min_confidnce: 70\n"),
    "config retention 1e308": _config("storage:\n  retention_days: 1e308\n"),
    "config int 10**30": _config("storage:\n  batch_rows: 1000000000000000000000000000000\n"),
    "config refresh 1000 Hz": _config("ui:\n  refresh_hz: 1000\n"),
    "config .nan": _config("gate:\n  cooldown_s: .nan\n"),
    "config .inf": _config("storage:\n  retention_days: .inf\n"),
    "config bool as number": _config("gate:\n  cooldown_s: yes\n"),
    "config strength 150": _config("alerts:\n  watch_strength: 150\n"),
    "config fraction 2": _config("whale:\n  min_share: 2\n"),
    "config ws_url http": _config("feeds:\n  binance:\n    ws_url: https://fstream.binance.com\n"),
    "config ws_url no scheme": _config("feeds:\n  okx:\n    ws_url: ws.okx.com/ws\n"),
    "config rest_url ftp": _config("feeds:\n  bybit:\n    rest_url: ftp://api.bybit.com\n"),
    "config api_url text": _config("telegram:\n  api_url: telegram please\n"),
    "config ws_url bad port": _config("feeds:\n  okx:\n    ws_url: wss://ws.okx.com:99999/ws\n"),
    "config ws_url empty": _config("feeds:\n  coinglass:\n    ws_url: ''\n"),
    "config time under a millisecond": _config("stop_hunt:\n  window_s: 0.0000001\n"),
    "config cascade of 0": _config("tiers:\n  tier1:\n    cascade_usd: 0\n"),
    "config whole number": _config("order_flow:\n  min_trades: 2.5\n"),
    "config ratios inverted": _config("order_flow:\n  buy_ratio_long: 0.3\n  buy_ratio_short: 0.6\n"),
    "config coin as number": _config("watchlist:\n  coins: [BTC, 1]\n"),
    "config date as number": _config("gate:\n  cooldown_s: 2024-01-01\n"),
    "config in run": _config("gate:\n  cooldown_s: soon\n", "run", "--headless", "--replay", "good.jsonl"),
    "config in export": _config("gate:\n  cooldown_s: soon\n", "export", "signals", "--csv", "-"),
    "config in demo": _config("gate:\n  cooldown_s: soon\n", "demo"),
    "config missing": Case(["--config", "missing.yaml", "backtest", "good.jsonl"], 2,
                           "config: cannot read missing.yaml: No such file or directory"),
    "config a directory": Case(["--config", "adir", "backtest", "good.jsonl"], 2, "config: cannot read adir: Is a directory"),
    # ---------------------------------------------------------------- environment
    "env not YAML": Case(["backtest", "good.jsonl"], 2,
                         "environment variable TELEGLAS__GATE__MIN_STRENGTH is not a valid value ('[1')",
                         env={"TELEGLAS__GATE__MIN_STRENGTH": "[1"}),
    "env not a number": Case(["backtest", "good.jsonl"], 2,
                             "config: gate.min_strength must be a number, got 'high' "
                             "(from environment variable TELEGLAS__GATE__MIN_STRENGTH)",
                             env={"TELEGLAS__GATE__MIN_STRENGTH": "high"}),
    "env unknown section": Case(["backtest", "good.jsonl"], 2, "unknown setting nope (from environment variable TELEGLAS__NOPE__X)",
                                env={"TELEGLAS__NOPE__X": "1"}),
    "env value for a section": Case(["backtest", "good.jsonl"], 2, "config: gate must be a mapping of settings, got 5",
                                    env={"TELEGLAS__GATE": "5"}),
    "env huge float": Case(["backtest", "good.jsonl"], 2, "storage.retention_days must be a number, got '1e999'",
                           env={"TELEGLAS__STORAGE__RETENTION_DAYS": "1e999"}),
    "env bad URL": Case(["backtest", "good.jsonl"], 2, "feeds.binance.ws_url must be a ws/wss URL",
                        env={"TELEGLAS__FEEDS__BINANCE__WS_URL": "fstream.binance.com"}),
    "env bad theme": Case(["backtest", "good.jsonl"], 2, "ui.theme must be one of dark, light, high-contrast, got 'pink'",
                          env={"TELEGLAS__UI__THEME": "pink"}),
    "secrets file not UTF-8": Case(["doctor"], 2,
                                   "secrets: .env is not UTF-8 text (a byte at offset 18 is not); save it as UTF-8",
                                   env={"_DOTENV": "COINGLASS_API_KEY=\udcff\n"}),
    "secrets file not UTF-8, in run": Case(["run", "--headless", "--replay", "good.jsonl"], 2,
                                           "secrets: .env is not UTF-8 text", env={"_DOTENV": "X=\udcff"}),
    "env coins separated by spaces": Case(["backtest", "good.jsonl"], 2,
                                          "config: watchlist.coins[0] must be a coin name like BTC (letters and digits; "
                                          "several are separated by commas), got 'BTC ETH'",
                                          env={"TELEGLAS__WATCHLIST__COINS": "BTC ETH"}),
    "env TELEGLAS_CONFIG missing": Case(["backtest", "good.jsonl"], 2, "config: cannot read gone.yaml",
                                        env={"TELEGLAS_CONFIG": "gone.yaml"}),
}

CONFIG_SAYS = {
    "config not UTF-8": "config: teleglas.yaml is not UTF-8 text (byte 0xff at offset 0); save it as UTF-8",
    "config not YAML": "config: teleglas.yaml is not valid YAML at line 3",
    "config a list": "config: the file must be a mapping of settings, got [1, 2]",
    "config nested too deep": "config: teleglas.yaml is nested too deeply to be a settings file",
    "config unknown key": "config: unknown setting gate.min_confidnce",
    "config retention 1e308": "config: storage.retention_days must be at most 3650, got '1e308'",
    "config int 10**30": "config: storage.batch_rows must be at most 1e+09, got 1000000000000000000000000000000",
    "config refresh 1000 Hz": "config: ui.refresh_hz must be at most 30, got 1000",
    "config .nan": "config: gate.cooldown_s must be a number, got nan",
    "config .inf": "config: storage.retention_days must be a number, got inf",
    "config bool as number": "config: gate.cooldown_s must be a number, got True",
    "config strength 150": "config: alerts.watch_strength must be at most 100, got 150",
    "config fraction 2": "config: whale.min_share must be at most 1, got 2",
    "config ws_url http": "config: feeds.binance.ws_url must be a ws/wss URL like wss://host[:port]/path, "
                          "got 'https://fstream.binance.com'",
    "config ws_url no scheme": "config: feeds.okx.ws_url must be a ws/wss URL",
    "config rest_url ftp": "config: feeds.bybit.rest_url must be a http/https URL like https://host[:port]/path",
    "config api_url text": "config: telegram.api_url must be a http/https URL",
    "config ws_url bad port": "config: feeds.okx.ws_url must be a ws/wss URL",
    "config ws_url empty": "config: feeds.coinglass.ws_url must be a ws/wss URL like wss://host[:port]/path, got ''",
    "config time under a millisecond": "config: stop_hunt.window_s must be at least 0.001 (seconds), got 1e-07",
    "config cascade of 0": "config: tiers.tier1.cascade_usd must be greater than 0, got 0",
    "config whole number": "config: order_flow.min_trades must be a whole number, got 2.5",
    "config ratios inverted": "config: order_flow.buy_ratio_short must be below order_flow.buy_ratio_long",
    "config coin as number": "config: watchlist.coins[1] must be text, got 1",
    "config date as number": "config: gate.cooldown_s must be a number, got datetime.date(2024, 1, 1)",
    "config in run": "config: gate.cooldown_s must be a number, got 'soon'",
    "config in export": "config: gate.cooldown_s must be a number, got 'soon'",
    "config in demo": "config: gate.cooldown_s must be a number, got 'soon'",
}


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh directory as the current one, holding the files the cases name, with no setting,
    secret or data directory inherited from the environment."""
    for name in list(os.environ):
        if name.startswith(("TELEGLAS", "COINGLASS", "TELEGRAM", "XDG_DATA_HOME")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGLAS_DATA_DIR", str(tmp_path / "data"))
    records = [Record(T0 + i, "binance", "ws", "forceOrder", LIQ % (T0 + i, T0 + i)) for i in range(3)]
    write_recording(tmp_path / "good.jsonl", ["binance"], "three liquidations", records)
    (tmp_path / "v9.jsonl").write_text('{"format": "teleglas-recording", "version": 9}\n')
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "damaged.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "damaged.jsonl.zst").write_bytes(b"\x28\xb5\x2f\xfdgarbage")
    (tmp_path / "adir").mkdir()
    return tmp_path


def one_line(err: str) -> str:
    assert "Traceback" not in err and "unexpected" not in err, err
    assert err.count("\n") == 1 and err.endswith("\n"), f"not one line: {err!r}"
    return err.rstrip("\n")


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_input_is_one_line_and_the_right_exit_status(name, workdir, monkeypatch, capsys):
    case = CASES[name]
    for key, value in case.env.items():
        if key == "_DOTENV":  # a ./.env file, not a variable
            (workdir / ".env").write_bytes(value.encode("utf-8", "surrogateescape"))
        else:
            monkeypatch.setenv(key, value)
    argv = case.argv
    if case.config is not None:
        path = workdir / "teleglas.yaml"
        if isinstance(case.config, bytes):
            path.write_bytes(case.config)
        else:
            path.write_text(case.config)
        argv = ["--config", "teleglas.yaml", *argv]
    assert main(argv) == case.status
    line = one_line(capsys.readouterr().err)
    assert line.startswith("teleglas")
    assert (case.says or CONFIG_SAYS[name]) in line


@pytest.mark.parametrize("argv", [
    ["export", "signals", "--csv", "/proc/nope.csv"],
    ["export", "signals", "--csv", "/nonexistent-dir/x.csv"],
    ["export", "signals", "--csv", "adir"],
    ["backtest", "good.jsonl", "--signals-out", "/proc/nope.jsonl"],
    ["backtest", "good.jsonl", "--signals-out", "no/s.jsonl"],
    ["run", "--headless", "--replay", "good.jsonl", "--log-file", "/proc/nope.log"],
], ids=lambda argv: " ".join(argv))
def test_an_output_path_that_cannot_be_written_exits_2_from_the_real_command(argv, workdir):
    """One rule for every output path, in a real process: what the user named cannot be written,
    exit status 2, before any work (the data directory is not even created)."""
    done = subprocess.run([sys.executable, "-m", "teleglas_tui.cli", *argv], cwd=workdir, env=_clean_env(workdir),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr).startswith("teleglas")
    assert not (workdir / "data").exists()


def test_the_writability_check_leaves_nothing_behind_and_changes_no_file(workdir):
    """The output path is tried before the work; when the work then cannot be done (no database:
    exit 1), a new file is not left behind and an existing one keeps its bytes."""
    env = _clean_env(workdir)
    command = [sys.executable, "-m", "teleglas_tui.cli", "export", "signals", "--csv"]
    done = subprocess.run([*command, "new.csv"], cwd=workdir, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "no database at" in done.stderr
    assert not (workdir / "new.csv").exists()
    (workdir / "kept.csv").write_text("yesterday's export\n")
    done = subprocess.run([*command, "kept.csv"], cwd=workdir, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert (workdir / "kept.csv").read_text() == "yesterday's export\n"


def test_the_table_covers_at_least_fifty_cases():
    assert len(CASES) >= 50
    assert {n for n, c in CASES.items() if not c.says} == set(CONFIG_SAYS)


def test_the_traceback_is_shown_with_v_only(workdir, monkeypatch, capsys):
    monkeypatch.setattr("engine.backtest.run_backtest", _explode)
    assert main(["backtest", "good.jsonl"]) == 1
    assert capsys.readouterr().err == ("teleglas: unexpected ZeroDivisionError: boom (a bug: run again with -v and report the "
                    "traceback)\n")
    assert main(["backtest", "good.jsonl", "-v"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.endswith("report the traceback)\n")


def _explode(*args, **kwargs):
    raise ZeroDivisionError("boom")


# ---------------------------------------------------------------------- random bytes

quick = hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
yaml_like = st.lists(st.sampled_from(["gate:", "\n", "  ", "min_strength: ", "storage:", "retention_days: ",
                                      "1e308", "-", "[", "]", "{", "}", ":", "&a ", "*a", "!!binary ", "'",
                                      '"', "#", "\t", "\x00", "\xff", ".nan", "ws_url: ", "feeds:"]),
                     max_size=30).map("".join)


@quick
@given(data=st.binary(max_size=400) | yaml_like.map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_random_bytes_as_config_never_give_a_traceback(data, workdir, capsys):
    (workdir / "random.yaml").write_bytes(data)
    status = main(["--config", "random.yaml", "export", "signals", "--csv", "-"])
    err = capsys.readouterr().err
    assert status in (1, 2)  # a bad setting (2), else there is no database yet (1)
    one_line(err)


@quick
@given(data=st.binary(max_size=600), wrap=st.sampled_from(["plain", "gzip", "header", "gzip header"]))
def test_random_bytes_as_recording_never_give_a_traceback(data, wrap, workdir, capsys):
    if "header" in wrap:
        data = b'{"format": "teleglas-recording", "version": 1}\n' + data
    if "gzip" in wrap:
        data = gzip.compress(data)[: len(data) // 2 + 20]  # often cut short, as by a killed writer
    path: Path = workdir / "random.jsonl"
    path.write_bytes(data)
    status = main(["backtest", "random.jsonl", "--json", "--progress", "off"])
    out, err = capsys.readouterr()
    if status == 0:
        assert '"frames"' in out and "Traceback" not in err
    else:
        assert status == 2
        one_line(err)


# ---------------------------------------------------------------------- database states
# A service (`run --headless`, in its own process: it owns the process's logging) on a database
# in each state; the recording is the bundled demo, so signals are there to keep or lose.

def _not_a_database(db: Path) -> None:
    db.write_bytes(b"these are not the pages you are looking for\n" * 200)


def _malformed(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (a)")
        conn.executemany("INSERT INTO t VALUES (?)", [(str(i) * 40,) for i in range(4000)])
        conn.execute("CREATE INDEX t_a ON t (a)")
    image = bytearray(db.read_bytes())
    image[8192:12288] = b"\x55" * 4096  # pages 3 and 4 overwritten: the b-tree no longer adds up
    db.write_bytes(bytes(image))


def _newer(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")


def _directory(db: Path) -> None:
    db.mkdir()


@dataclass
class DbCase:
    make: Callable[[Path], None] | None
    status: int
    says: str
    held: bool = False  # another teleglas holds the database


DATABASE_CASES = {
    "held by another teleglas": DbCase(None, 1, "is in use by another teleglas (pid {pid}, the test", held=True),
    "written by a newer teleglas": DbCase(_newer, 1, "was written by a newer teleglas (schema v99; this one reads up to v"),
    "not a database": DbCase(_not_a_database, 0, "is damaged (file is not a database): set aside as teleglas-replay.db.corrupt-"),
    "malformed": DbCase(_malformed, 0, "is damaged ("),
    "a directory in its place": DbCase(_directory, 0, "store: database unavailable"),
}


@pytest.mark.parametrize("name", list(DATABASE_CASES))
def test_a_database_fault_is_one_line_or_degrades_visibly(name, tmp_path):
    case = DATABASE_CASES[name]
    data = tmp_path / "data"
    data.mkdir()
    db = db_path(data, replay=True)
    if case.make is not None:
        case.make(db)
    before = db.read_bytes() if db.is_file() else None
    other = claim_database(db, "the test") if case.held else None
    try:
        done = subprocess.run([sys.executable, "-m", "teleglas_tui.cli", "run", "--headless", "--replay",
                               str(DEMO_RECORDING), "--speed", "0", "--data-dir", str(data)],
                              cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60)
    finally:
        if other is not None:
            other.release()
    assert "Traceback" not in done.stderr
    assert done.returncode == case.status, done.stderr
    says = case.says.format(pid=os.getpid())
    if case.status:
        assert done.stderr.startswith(f"teleglas: {db} {says}") and done.stderr.count("\n") == 1
        if before is not None:
            assert db.read_bytes() == before  # refused: left exactly as it was
        return
    assert says in done.stderr
    assert "signal new " in done.stderr  # the signals went on
    if before is not None:  # set aside byte for byte, and a new database holds this run
        (aside,) = data.glob("teleglas-replay.db.corrupt-*[0-9]Z")
        assert aside.read_bytes() == before
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM signals").fetchone()[0] > 0


def test_doctor_names_who_holds_the_database(tmp_path, monkeypatch, capsys):
    for feed in VENUES:  # no network: the database is the point
        monkeypatch.setenv(f"TELEGLAS__FEEDS__{feed.upper()}__ENABLED", "false")
    db = db_path(tmp_path)
    held = claim_database(db, "teleglas run --headless")
    try:
        assert main(["doctor", "--data-dir", str(tmp_path)]) == 0
    finally:
        held.release()
    out = capsys.readouterr().out
    assert f"in use by pid {os.getpid()}, teleglas run --headless, since " in out


def test_doctor_and_export_fail_in_one_line_on_a_damaged_database(tmp_path, capsys):
    _not_a_database(db_path(tmp_path))
    assert main(["export", "signals", "--csv", "-", "--data-dir", str(tmp_path)]) == 1
    assert one_line(capsys.readouterr().err).endswith("teleglas.db: file is not a database")
    assert main(["doctor", "--data-dir", str(tmp_path)]) == 1
    assert "FAIL " + str(db_path(tmp_path)) + ": file is not a database" in capsys.readouterr().out


def _clean_env(workdir: Path | None = None) -> dict[str, str]:
    """The parent's environment without settings or secrets; with ``workdir``, its ``data`` as the
    data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGLAS", "COINGLASS", "TELEGRAM"))}
    if workdir is not None:
        env["TELEGLAS_DATA_DIR"] = str(workdir / "data")
    return env


def test_the_monitor_says_who_holds_the_database_before_the_screen_opens(workdir, capsys):
    held = claim_database(db_path(workdir / "data", replay=True), "teleglas demo")
    try:
        assert main(["--replay", "good.jsonl"]) == 1
    finally:
        held.release()
    line = one_line(capsys.readouterr().err)
    assert f"teleglas-replay.db is in use by another teleglas (pid {os.getpid()}, teleglas demo, since " in line


# ---------------------------------------------------------------------- the edges of the ranges

def _edge_environment(edge: str) -> dict[str, str]:
    """Every number at the end of its accepted range (consistency rules respected)."""
    from engine import settings as rules

    env: dict[str, str] = {}

    def walk(obj, prefix: str) -> None:
        for name, hint in get_type_hints(type(obj)).items():
            value, path = getattr(obj, name), prefix + name
            if dataclasses.is_dataclass(value):
                walk(value, path + ".")
            elif hint in (int, float):
                low, high = rules._limits(path, name, hint)
                if edge == "high":
                    chosen = high
                elif low < 0 or name in rules._ZERO_OK:
                    chosen = low
                else:
                    chosen = 1 if hint is int else (rules._MIN_TIME_S if name.endswith("_s") else 1e-9)
                env[f"TELEGLAS__{path.upper().replace('.', '__')}"] = repr(chosen)

    walk(Settings(), "")
    flow_s = max(float(env["TELEGLAS__ORDER_FLOW__WINDOW_S"]), 2 * rules._MIN_TIME_S)
    env.update(TELEGLAS__GATE__MIN_STRENGTH="99" if edge == "high" else env["TELEGLAS__GATE__MIN_STRENGTH"],
               TELEGLAS__ORDER_FLOW__BUY_RATIO_LONG="0.99", TELEGLAS__ORDER_FLOW__BUY_RATIO_SHORT="0.01",
               TELEGLAS__FUNDING__REARM_FRACTION="0.5",
               TELEGLAS__ORDER_FLOW__WINDOW_S=str(flow_s), TELEGLAS__VOLUME_SPIKE__WINDOW_S=str(flow_s / 2))
    return env


@pytest.mark.parametrize("edge", ["low", "high"])
def test_every_setting_at_the_edge_of_its_range_runs(edge, workdir, monkeypatch, capsys):
    """What validation accepts, the engine survives: the demo through the backtest with every
    number at its smallest, then at its largest accepted value."""
    for key, value in _edge_environment(edge).items():
        monkeypatch.setenv(key, value)
    assert main(["backtest", str(DEMO_RECORDING), "--json", "--progress", "off"]) == 0, capsys.readouterr().err
    assert '"events"' in capsys.readouterr().out


def test_a_reader_that_goes_away_ends_the_command_quietly(workdir):
    """`teleglas backtest … | head -1`: the pipe closes before the summary is written."""
    proc = subprocess.Popen([sys.executable, "-m", "teleglas_tui.cli", "backtest", "good.jsonl"],
                            cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (141, b"")  # as if killed by SIGPIPE, like any Unix filter


def _setting_paths() -> list[str]:
    paths: list[str] = []

    def walk(obj, prefix: str) -> None:
        for name in get_type_hints(type(obj)):
            value = getattr(obj, name)
            if dataclasses.is_dataclass(value):
                walk(value, prefix + name + ".")
            else:
                paths.append(prefix + name)

    walk(Settings(), "")
    return paths


@quick
@given(path=st.sampled_from(_setting_paths()), text=st.text(max_size=40)
       | st.sampled_from(["1e308", "-1e308", "nan", ".inf", "1" * 40, "[", "{a: 1}", "~", "0x10", "1_000", "true"]))
def test_any_text_in_an_environment_override_is_a_setting_or_one_line(path, text):
    from engine.settings import SettingsError, load_settings

    variable = "TELEGLAS__" + path.upper().replace(".", "__")
    try:
        load_settings(None, environ={variable: text})
    except SettingsError as exc:
        assert "\n" not in str(exc) and (variable in str(exc) or path in str(exc))
