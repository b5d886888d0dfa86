"""``teleglas doctor``: one line per check, ok / FAIL / skip with the reason, secrets never shown."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys

import pytest
from fakes.coinglass_server import FAKE_CG_KEY
from fakes.loopback import closed_port
from fakes.telegram_kit import TOKEN

from engine.feeds.registry import VENUES
from engine.settings import Settings
from engine.store import connect, db_path, schema
from teleglas_tui.cli import main

CG_KEY = "cg-doctor-key-5e1f0a77c2"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGLAS_CONFIG", "TELEGLAS_DATA_DIR", "COINGLASS_API_KEY", "TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGLAS__STORAGE__BUSY_TIMEOUT_S", "0.05")


_NAMED = ("coinglass", "binance", "bybit", "okx")  # the feeds config() sets; every other venue is off


def config(tmp_path, telegram_url: str, open_port: int, okx_port: int | None = None) -> str:
    okx = (f"{{ws_url: 'ws://127.0.0.1:{okx_port}/ws', rest_url: 'http://127.0.0.1:{okx_port}'}}"
           if okx_port else "{enabled: false}")
    path = tmp_path / "teleglas.yaml"
    path.write_text(f"""
telegram:
  api_url: {telegram_url}
feeds:
  coinglass: {{enabled: false}}
  binance: {{ws_url: 'ws://127.0.0.1:{open_port}/market', rest_url: 'http://127.0.0.1:{open_port}'}}
  bybit: {{enabled: false}}
  okx: {okx}
""" + "".join(f"  {name}: {{enabled: false}}\n" for name in VENUES if name not in _NAMED))

    return str(path)


async def make_database(data) -> None:
    """The database as a service leaves it (created and migrated by the store)."""
    db = await connect(db_path(data))
    await db.close()


async def doctor(capsys, *args: str) -> tuple[int, dict[str, str]]:
    """Run the real command (its own event loop, in a thread, while the fakes serve on this one)."""
    code = await asyncio.to_thread(main, ["doctor", *args])
    out = capsys.readouterr().out
    assert TOKEN not in out and TOKEN.split(":")[1] not in out and CG_KEY not in out
    lines = {line[:28].strip(): line[28:].strip() for line in out.splitlines()}
    return code, lines


async def test_a_ready_machine_passes_every_check(tmp_path, capsys, monkeypatch, telegram):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "42,-1001500")
    port = int(telegram.url.rsplit(":", 1)[1])
    code, lines = await doctor(capsys, "--config", config(tmp_path, telegram.url, port), "--data-dir", str(tmp_path))
    assert code == 0
    assert lines["config"] == f"ok   {tmp_path / 'teleglas.yaml'}"
    assert lines["secret COINGLASS_API_KEY"].startswith("skip missing")
    assert lines["secret TELEGRAM_BOT_TOKEN"] == "ok   set (from the environment)"
    assert lines["secret TELEGRAM_CHAT_ID"] == "ok   set (2 chats, from the environment)"
    assert lines["database"] == (f"ok   {db_path(tmp_path)} not created yet (teleglas creates it on its first live "
                                 f"run; {tmp_path} is writable)")
    assert not db_path(tmp_path).exists()
    assert lines["telegram"] == "ok   getMe: @teleglas_test_bot"
    assert lines["feed binance"] == f"ok   127.0.0.1:{port} reachable · 127.0.0.1:{port} reachable"
    assert lines["feed coinglass"] == "skip feeds.coinglass.enabled is false"
    assert [c.method for c in telegram.calls] == ["getMe"]


async def test_each_problem_is_one_failing_line_and_a_non_zero_exit(tmp_path, capsys, monkeypatch, telegram):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)  # but no chat id
    monkeypatch.setenv("COINGLASS_API_KEY", CG_KEY)
    telegram.token = "1:another-bot"  # the token is refused
    port, dead = int(telegram.url.rsplit(":", 1)[1]), closed_port()
    data = tmp_path / "data"
    data.mkdir()
    holder = sqlite3.connect(db_path(data), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the database
    try:
        code, lines = await doctor(capsys, "--config", config(tmp_path, telegram.url, port, okx_port=dead),
                                   "--data-dir", str(data))
    finally:
        holder.close()
    assert code == 1
    assert lines["secret COINGLASS_API_KEY"] == "ok   set (from the environment)"
    assert lines["secret TELEGRAM_CHAT_ID"].startswith("FAIL missing: TELEGRAM_BOT_TOKEN is set")
    assert lines["database"].startswith("FAIL") and "locked" in lines["database"]
    assert lines["telegram"].startswith("FAIL getMe: token rejected")
    assert lines["feed okx"].startswith(f"FAIL 127.0.0.1:{dead} unreachable")
    assert lines["feed binance"].startswith("ok")


async def test_a_bad_config_fails_naming_the_key_and_skips_what_depends_on_it(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("telegram:\n  per_chat_interval_s: fast\n")
    code, lines = await doctor(capsys, "--config", str(bad), "--data-dir", str(tmp_path))
    assert code == 2  # a bad config is a usage error, as in every command
    assert lines["config"].startswith("FAIL") and "telegram.per_chat_interval_s" in lines["config"]
    assert lines["database"].startswith("ok")
    assert lines["telegram"] == "skip config invalid" and lines["feeds"] == "skip config invalid"


async def test_without_a_token_telegram_is_skipped_not_failed(tmp_path, capsys, telegram):
    port = int(telegram.url.rsplit(":", 1)[1])
    code, lines = await doctor(capsys, "--config", config(tmp_path, telegram.url, port), "--data-dir", str(tmp_path))
    assert code == 0
    assert lines["telegram"] == "skip no TELEGRAM_BOT_TOKEN"
    assert telegram.calls == []


async def test_chat_ids_separated_by_spaces_instead_of_commas_fail_with_the_fix(tmp_path, capsys, telegram):
    port = int(telegram.url.rsplit(":", 1)[1])
    (tmp_path / ".env").write_text("TELEGRAM_CHAT_ID=42 -1001500, @trading_desk\n")
    code, lines = await doctor(capsys, "--config", config(tmp_path, telegram.url, port), "--data-dir", str(tmp_path))
    assert code == 1
    assert lines["secret TELEGRAM_CHAT_ID"] == ("FAIL not a chat id: '42 -1001500' (a number, negative for a "
                                                "group, or @channel; several are separated by commas)")


async def test_chats_the_service_found_moved_or_refusing_are_named_with_the_fix(tmp_path, capsys, monkeypatch,
                                                                                  telegram):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "42,-1001500")
    args = ("--config", config(tmp_path, telegram.url, int(telegram.url.rsplit(":", 1)[1])), "--data-dir", str(tmp_path))
    await make_database(tmp_path)
    chats = {"moved": {"-1001500": "-1009876543210"},
             "unreachable": {"42": {"reason": "Forbidden: bot was blocked by the user", "since_ms": 1_761_125_892_000}}}
    with sqlite3.connect(db_path(tmp_path)) as db:
        db.execute("INSERT INTO state (key, value, updated_ms) VALUES ('telegram_chats', ?, 0)", (json.dumps(chats),))
    code, lines = await doctor(capsys, *args)
    assert code == 1
    assert lines["telegram chat 42"] == ("FAIL refuses the bot: Forbidden: bot was blocked by the user (since "
                                         "2025-10-22 09:38:12 UTC); its alerts stop until it writes to the bot or "
                                         "teleglas restarts")
    assert lines["telegram chat -1001500"] == ("ok   became supergroup -1009876543210 (alerts follow it); set "
                                               "TELEGRAM_CHAT_ID to -1009876543210")


async def test_every_rejection_reason_and_the_refused_symbols_the_service_saw_are_shown(tmp_path, capsys, telegram):
    args = ("--config", config(tmp_path, telegram.url, int(telegram.url.rsplit(":", 1)[1])), "--data-dir", str(tmp_path))
    await make_database(tmp_path)
    health = {"bybit": {"state": "live", "frames": 12840, "rejected": 4, "reasons": {"venue error": 3, "bad price": 1},
                        "refused": ["C17XUSDT", "C3XUSDT"]},
              "binance": {"state": "live", "frames": 900, "rejected": 0, "reasons": {}, "refused": []}}
    with sqlite3.connect(db_path(tmp_path)) as db:
        db.execute("INSERT INTO state (key, value, updated_ms) VALUES ('feeds', ?, 0)", (json.dumps(health),))
    _, lines = await doctor(capsys, *args)
    assert lines["feed bybit seen"] == ("ok   12,840 frames, 4 rejected: venue error 3, bad price 1; venue refused 2: "
                                        "C17XUSDT, C3XUSDT")
    assert lines["feed binance seen"] == "ok   900 frames, 0 rejected"


# ---------------------------------------------------------------------- what a new user meets

def every_feed_off() -> dict[str, str]:
    return {f"TELEGLAS__FEEDS__{name.upper()}__ENABLED": "false" for name in Settings().feeds.__dataclass_fields__}


def real_doctor(cwd, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``teleglas doctor`` as a separate process, with only ``env`` on top of a clean environment."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("TELEGLAS", "COINGLASS", "TELEGRAM", "XDG_DATA_HOME"))}
    return subprocess.run([sys.executable, "-m", "teleglas_tui.cli", "doctor", *args], cwd=cwd,
                          env={**base, **every_feed_off(), **env}, capture_output=True, text=True, timeout=60)


def tree(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"") for p in sorted(root.rglob("*"))}


def test_doctor_creates_no_data_directory_and_no_database(tmp_path):
    """It created ~/.local/share/teleglas/teleglas.db while checking."""
    home = tmp_path / "home"
    home.mkdir()
    done = real_doctor(tmp_path, {"HOME": str(home)})
    assert done.returncode == 0, done.stdout + done.stderr
    database = home / ".local" / "share" / "teleglas" / "teleglas.db"
    assert (f"database                     ok   {database} not created yet (teleglas creates it on its first live run; "
            f"{home} is writable)") in done.stdout.splitlines()
    assert tree(home) == {}


@pytest.mark.parametrize("made", ["by a service", "by an older teleglas"])
async def test_doctor_leaves_an_existing_database_byte_for_byte(tmp_path, made):
    data = tmp_path / "data"
    data.mkdir()
    if made == "by a service":
        await make_database(data)
    else:  # schema v0: a service would migrate it; doctor only says so
        with sqlite3.connect(db_path(data)) as db:
            db.execute("CREATE TABLE notes (a)")
        db.close()
    before = tree(data)
    done = real_doctor(tmp_path, {}, "--data-dir", str(data))
    assert done.returncode == 0, done.stdout + done.stderr
    assert tree(data) == before
    line = next(line for line in done.stdout.splitlines() if line.startswith("database "))
    if made == "by a service":
        assert f"ok   {db_path(data)} writable (schema v{schema.VERSION}, 0 signals, 0 alerts pending)" in line
    else:
        assert f"writable (schema v0; teleglas migrates it to v{schema.VERSION} when it starts, 0 signals" in line


async def test_each_secret_is_named_with_where_it_came_from_never_its_value(tmp_path, capsys, monkeypatch):
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "secrets.env").write_text(f"TELEGRAM_CHAT_ID=42\nTELEGRAM_BOT_TOKEN=1:shadowed-by-dotenv\n")
    monkeypatch.setenv("COINGLASS_API_KEY", CG_KEY)
    for key, value in {**every_feed_off(), "TELEGLAS__TELEGRAM__ENABLED": "false"}.items():
        monkeypatch.setenv(key, value)
    _, lines = await doctor(capsys, "--data-dir", str(tmp_path))
    assert lines["secret COINGLASS_API_KEY"] == "ok   set (from the environment)"
    assert lines["secret TELEGRAM_BOT_TOKEN"] == "ok   set (from ./.env)"
    assert lines["secret TELEGRAM_CHAT_ID"] == "ok   set (1 chat, from ./config/secrets.env)"


async def test_telegram_unreachable_reads_like_a_feed_unreachable(tmp_path, capsys, monkeypatch):
    """It printed the HTTP client's `ClientConnectorDNSError: Cannot connect to host …`."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "42")
    dead = closed_port()
    code, lines = await doctor(capsys, "--config", config(tmp_path, f"http://127.0.0.1:{dead}", dead, okx_port=dead),
                               "--data-dir", str(tmp_path))
    assert code == 1
    okx_socket = lines["feed okx"].removeprefix("FAIL ").split(" · ")[0]
    assert okx_socket.startswith(f"127.0.0.1:{dead} unreachable (")
    assert lines["telegram"] == f"FAIL getMe not sent: {okx_socket}"


async def test_a_feed_that_brought_nothing_says_no_frames_and_since_when(tmp_path, capsys, telegram):
    """It read `feed binance seen ok 0 frames, 0 rejected` after two minutes of nothing."""
    args = ("--config", config(tmp_path, telegram.url, int(telegram.url.rsplit(":", 1)[1])), "--data-dir", str(tmp_path))
    await make_database(tmp_path)
    saved = 1_765_000_000_000  # 2025-12-06 05:46:40 UTC
    health = {"binance": {"frames": 0, "rejected": 0, "detail": "host name not found (DNS)",
                          "last_message_ms": None, "started_ms": saved - 130_000},
              "okx": {"frames": 5000, "rejected": 0, "detail": "no message for 30 s: reconnecting",
                      "last_message_ms": saved - 125_000, "started_ms": saved - 600_000},
              "bybit": {"frames": 70, "rejected": 1, "reasons": {"bad price": 1}, "detail": "",
                        "last_message_ms": saved - 2_000, "started_ms": saved - 600_000}}
    with sqlite3.connect(db_path(tmp_path)) as db:
        db.execute("INSERT INTO state (key, value, updated_ms) VALUES ('feeds', ?, ?)", (json.dumps(health), saved))
    db.close()
    code, lines = await doctor(capsys, *args)
    assert code == 1
    assert lines["feed binance seen"] == ("FAIL no frames from 2025-12-06 05:44:30 UTC to 2025-12-06 05:46:40 UTC "
                                          "(host name not found (DNS))")
    assert lines["feed okx seen"] == ("FAIL 5,000 frames, 0 rejected; nothing since 2025-12-06 05:44:35 UTC, 2m5s "
                                      "before 2025-12-06 05:46:40 UTC (no message for 30 s: reconnecting)")
    assert lines["feed bybit seen"] == "ok   70 frames, 1 rejected: bad price 1; the last at 2025-12-06 05:46:38 UTC"


async def test_after_a_live_run_doctor_says_when_the_last_frame_came(coinglass, tmp_path):
    """The whole path in real processes: a headless live run whose CoinGlass socket is refused (its
    REST listing is the one frame it gets), stopped by SIGTERM, then `teleglas doctor`."""
    env = {**every_feed_off(), "TELEGLAS__FEEDS__COINGLASS__ENABLED": "true", "COINGLASS_API_KEY": FAKE_CG_KEY,
           "TELEGLAS__FEEDS__COINGLASS__WS_URL": f"ws://127.0.0.1:{closed_port()}/ws",
           "TELEGLAS__FEEDS__COINGLASS__REST_URL": coinglass.rest_url,
           "TELEGLAS__FEEDS__COINGLASS__BACKOFF_INITIAL_S": "0.05"}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGLAS", "COINGLASS", "TELEGRAM"))}
    data = tmp_path / "data"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "teleglas_tui.cli", "run", "--headless", "--data-dir", str(data), cwd=tmp_path,
        env={**base, **env}, stderr=asyncio.subprocess.PIPE)
    seen = ""
    while "WARNING feed coinglass: down (" not in seen:
        line = await asyncio.wait_for(proc.stderr.readline(), 20)
        assert line, seen
        seen += line.decode()
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(proc.communicate(), 10)
    done = await asyncio.to_thread(real_doctor, tmp_path, env, "--data-dir", str(data))
    line = next(line for line in done.stdout.splitlines() if line.startswith("feed coinglass seen"))
    assert re.fullmatch(r"feed coinglass seen +ok   1 frame, 0 rejected; the last at "
                        r"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC", line), line
    with sqlite3.connect(db_path(data)) as db:
        (saved, at), = db.execute("SELECT value, updated_ms FROM state WHERE key = 'feeds'").fetchall()
    db.close()
    coinglass_health = json.loads(saved)["coinglass"]
    assert coinglass_health["started_ms"] <= coinglass_health["last_message_ms"] <= at
    assert coinglass_health["detail"]  # why the socket failed, for the line when no frame came
