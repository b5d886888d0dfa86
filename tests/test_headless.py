"""``teleglas run --headless`` as a user runs it: a real process, real signals, a fake CoinGlass."""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.coinglass_server import FAKE_CG_KEY
from fakes.coinglass_server import liquidation_frame, wait_for

from engine.core import Engine
from engine.feeds.registry import VENUES
from engine.locations import DEMO_RECORDING, user_config_dir
from engine.pipeline import Pipeline
from engine.recording import read_records
from engine.settings import load_settings

T0 = 1_761_125_802_000
ONLY_COINGLASS = {f"TELEGLAS__FEEDS__{v.upper()}__ENABLED": "false" for v in VENUES if v != "coinglass"}
ONLY_BINANCE = {f"TELEGLAS__FEEDS__{name.upper()}__ENABLED": "false" for name in VENUES if name != "binance"}


def environ(**extra: str) -> dict[str, str]:
    """The parent's environment without any secret or config of its own."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGLAS", "COINGLASS", "TELEGRAM"))}
    env.update(extra)
    return env


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "teleglas_tui.cli", "run", "--headless", *args]


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli(*args, "--data-dir", str(tmp_path / "data")), cwd=tmp_path, env=environ(**env),
                          capture_output=True, text=True, timeout=30)


def fake_coinglass_env(server, key: str) -> dict[str, str]:
    return {**ONLY_COINGLASS, "COINGLASS_API_KEY": key,
            "TELEGLAS__FEEDS__COINGLASS__WS_URL": server.ws_url,
            "TELEGLAS__FEEDS__COINGLASS__REST_URL": server.rest_url,
            "TELEGLAS__FEEDS__COINGLASS__REQUESTS_PER_MINUTE": "6000",
            "TELEGLAS__WATCHLIST__COINS": "BTC,FET"}


async def start(tmp_path: Path, *args: str, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *cli(*args, "--data-dir", str(tmp_path / "data")), cwd=tmp_path, env=environ(**env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def read_until(stream: asyncio.StreamReader, text: str, timeout: float = 10) -> str:
    seen = ""
    while text not in seen:
        line = await asyncio.wait_for(stream.readline(), timeout)
        if not line:
            raise AssertionError(f"{text!r} never came; output was:\n{seen}")
        seen += line.decode()
    return seen


def test_the_demo_replays_with_no_key_and_no_network(tmp_path):
    # x2000: the demo's 84 minutes would take 2.5 s; its first signals come within the first 0.6 s.
    done = run(tmp_path, "--replay", str(DEMO_RECORDING), "--speed", "2000", "--duration", "1.5")
    assert done.returncode == 0, done.stderr
    assert "signal new " in done.stderr
    assert "--duration 1.5 s reached: stopping" in done.stderr
    assert "status REPLAY x2000: events" in done.stderr and "Traceback" not in done.stderr


def test_headless_never_imports_the_ui(tmp_path):
    code = (
        "import sys\n"
        "from teleglas_tui.cli import main\n"
        f"rc = main(['run', '--headless', '--replay', {str(DEMO_RECORDING)!r}, '--speed', '0',"
        f" '--data-dir', {str(tmp_path / 'data')!r}])\n"
        "ui = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(rc, ui)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=environ(), capture_output=True,
                          text=True, timeout=30)
    assert done.stdout.strip() == "0 []", done.stderr
    assert "signal new " in done.stderr and "signal outcome " in done.stderr


def test_a_bad_setting_stops_start_up_with_one_line_naming_it(tmp_path):
    done = run(tmp_path, "--replay", str(DEMO_RECORDING), TELEGLAS__GATE__MIN_STRENGTH="high")
    assert done.returncode == 2
    assert done.stderr == ("teleglas: config: gate.min_strength must be a number, got 'high' "
                           "(from environment variable TELEGLAS__GATE__MIN_STRENGTH)\n")


def test_a_file_that_is_not_a_recording_is_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    done = run(tmp_path, "--replay", "notes.txt")
    assert done.returncode == 2
    assert done.stderr == "teleglas: notes.txt: not a teleglas recording (no v1 header on line 1)\n"


def test_coinglass_alone_without_a_key_is_one_clear_line(tmp_path):
    done = run(tmp_path, **ONLY_COINGLASS)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in done.stderr  # the start line, then the reason
    assert lines[1].endswith("no live feed can run: CoinGlass needs COINGLASS_API_KEY (the environment, ./.env, "
                             f"./config/secrets.env, {user_config_dir() / 'secrets.env'}) and no other feed is enabled")


async def test_a_rejected_key_is_one_line_and_the_key_is_never_shown(coinglass, tmp_path):
    wrong = "cg-wrong-key-do-not-print-42"
    proc = await start(tmp_path, "-v", **fake_coinglass_env(coinglass, wrong))
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    text = out.decode() + err.decode()
    assert proc.returncode == 1
    assert text.strip().splitlines()[-1].endswith("ERROR   CoinGlass rejected the API key")
    assert wrong not in text and "Traceback" not in text


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])
async def test_interrupt_and_hangup_stop_cleanly(tmp_path, signum):
    proc = await start(tmp_path, "--replay", str(DEMO_RECORDING), "--loop", "--speed", "2000")
    await read_until(proc.stderr, "signal new")
    proc.send_signal(signum)
    rest = await read_until(proc.stderr, "status REPLAY")
    assert await asyncio.wait_for(proc.wait(), 10) == 0
    assert f"{signal.Signals(signum).name}: stopping" in rest


def test_a_recording_that_cannot_be_written_is_one_line(tmp_path):
    (tmp_path / "a-file").write_text("not a directory\n")
    done = run(tmp_path, "--record", str(tmp_path / "a-file" / "live.jsonl"), "--duration", "5",
               **{"TELEGLAS__FEEDS__BINANCE__WS_URL": "ws://127.0.0.1:9/", "TELEGLAS__FEEDS__BINANCE__REST_URL":
                  "http://127.0.0.1:9", **ONLY_BINANCE})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"cannot record to {tmp_path / 'a-file' / 'live.jsonl'}: " in done.stderr.strip().splitlines()[-1]


async def test_a_hangup_ignored_by_nohup_stays_ignored(tmp_path):
    """`nohup teleglas run --headless &` then logging out: the user asked to survive the hang-up."""
    proc = await asyncio.create_subprocess_exec(
        *cli("--replay", str(DEMO_RECORDING), "--loop", "--speed", "2000", "--data-dir", str(tmp_path / "data")),
        cwd=tmp_path,
        env=environ(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    await read_until(proc.stderr, "signal new")
    proc.send_signal(signal.SIGHUP)
    proc.send_signal(signal.SIGINT)  # handled after the hang-up: the first stop the log names
    rest = await read_until(proc.stderr, "status REPLAY")
    assert await asyncio.wait_for(proc.wait(), 10) == 0
    assert "SIGINT: stopping" in rest and "SIGHUP" not in rest


async def test_live_with_record_then_sigterm_keeps_a_recording_that_replays_to_the_same_signals(coinglass, tmp_path):
    record, log_file = tmp_path / "live.jsonl.gz", tmp_path / "teleglas.log"
    proc = await start(tmp_path, "--record", str(record), "--log-file", str(log_file), "-v",
                       **fake_coinglass_env(coinglass, FAKE_CG_KEY))
    await wait_for(coinglass.streaming, timeout=15)
    for i, (price, usd) in enumerate([(0.2450, 30_000), (0.2431, 30_000), (0.2420, 20_000)]):
        await coinglass.push(liquidation_frame([{"exName": "Binance", "symbol": "FETUSDT", "side": 1,
                                                 "price": price, "volUsd": usd, "time": T0 + i * 1000}]))
    await wait_for(lambda: log_file.is_file() and "signal new STOP_HUNT" in log_file.read_text()
                   and "feed coinglass: live" in log_file.read_text(), timeout=10)
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0 and out == err == b""  # everything went to the log file
    log = log_file.read_text()
    assert "SIGTERM: stopping" in log and "status LIVE" in log
    assert FAKE_CG_KEY not in log and FAKE_CG_KEY not in gzip.decompress(record.read_bytes()).decode()

    logged = [line.split("INFO    ", 1)[1] for line in log.splitlines() if " signal new " in line]
    pipeline = Pipeline(Engine(load_settings(None, environ={})))
    replayed = [s.type for r in read_records(record) for s in pipeline.feed(r.src, r.kind, r.ch, r.raw, r.t)
                if s.change == "new"]
    assert replayed == ["STOP_HUNT"] and len(logged) == 1 and logged[0].startswith("signal new STOP_HUNT LONG FET")


def status_of(stderr: str) -> str:
    (line,) = [line for line in stderr.splitlines() if " status " in line]
    return line.split(" status ", 1)[1]


def test_the_last_status_line_gives_the_runs_true_rate_and_where_the_replay_ended(tmp_path):
    """After a run at full speed it read `events 4,493 (0/s)` (a rate over the last few seconds, when
    nothing was left to play) and `feeds replay replay`."""
    done = run(tmp_path, "--replay", str(DEMO_RECORDING), "--speed", "0")
    assert done.returncode == 0, done.stderr
    status = status_of(done.stderr)
    match = re.match(r"REPLAY \(as fast as possible\): events 4,493 in (\d+\.(\d+)) s \(([\d,]+)/s\), ", status)
    assert match, status
    seconds, rate = float(match[1]), int(match[3].replace(",", ""))
    rounding = 0.5 * 10 ** -len(match[2])  # the seconds are shown rounded
    assert 4493 / (seconds + rounding) - 1 <= rate <= 4493 / (seconds - rounding) + 1, status
    assert "replay of demo.jsonl.zst ended at event time 2025-12-27 15:55:31 UTC" in status


def test_a_replay_stopped_early_says_stopped_and_where(tmp_path):
    done = run(tmp_path, "--replay", str(DEMO_RECORDING), "--speed", "2000", "--duration", "0.5")
    assert done.returncode == 0, done.stderr
    status = status_of(done.stderr)
    assert re.search(r"events [\d,]+ in 0\.\d+ s \([\d,.]+/s\)", status), status
    assert re.search(r"replay of demo\.jsonl\.zst stopped at event time 2025-12-27 1\d:\d\d:\d\d UTC", status), status


def test_the_periodic_rate_is_over_the_minute_it_names():
    from engine.headless import EventCount
    from engine.snapshot import FeedState

    now = [100.0]
    count = EventCount(clock=lambda: now[0])

    def feeds(events: int) -> list[FeedState]:
        return [FeedState("binance", "live", 0.1, 0, events, events, 0)]

    now[0] += 60
    assert count.since_last(feeds(90)) == "90 (+90 in the last 1m: 1.5/s)"
    now[0] += 60
    assert count.since_last(feeds(690)) == "690 (+600 in the last 1m: 10/s)"
    now[0] += 20
    assert count.whole_run(feeds(720)) == "720 in 2m20s (5.1/s)"


def test_the_headless_demo_command_recordings_readme_suggests_shows_a_signal_within_20_s():
    """recordings/README.md suggested `--speed 10 --duration 20`: 29 events and no signal (the
    first is 18 minutes into the episode).  At x60 it is logged within 20 s."""
    from engine.backtest import run_backtest

    readme = (Path(__file__).parents[1] / "recordings" / "README.md").read_text()
    assert "teleglas run --headless --replay recordings/demo.jsonl.zst --speed 60\n" in readme
    first_line = next(iter(read_records(DEMO_RECORDING))).t
    first_signal = min(s.ts for s in run_backtest([DEMO_RECORDING], load_settings(None, environ={})).signals.values())
    assert (first_signal - first_line) / 1000 / 60 < 20


def test_demo_help_names_the_recording_whole_for_an_installed_teleglas():
    """Installed with pipx there is no recordings/ folder: demo --help names the file, on a line
    of its own that can be copied (argparse's wrapping broke the path at site-packages' hyphen)."""
    done = subprocess.run([sys.executable, "-m", "teleglas_tui.cli", "demo", "--help"], env=environ(),
                          capture_output=True, text=True, timeout=30)
    lines = done.stdout.splitlines()
    named = lines[lines.index("The recording (for run --headless --replay and backtest too):") + 1].strip()
    assert Path(named) == DEMO_RECORDING and Path(named).is_file()
