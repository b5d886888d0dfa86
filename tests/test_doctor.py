"""``teleglas doctor``: one line per check, ok / FAIL / skip with the reason, secrets never shown."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3

import pytest
from fakes.telegram_kit import TOKEN

from engine.store import db_path
from teleglas_tui.cli import main

CG_KEY = "cg-doctor-key-5e1f0a77c2"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGLAS_CONFIG", "TELEGLAS_DATA_DIR", "COINGLASS_API_KEY", "TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGLAS__STORAGE__BUSY_TIMEOUT_S", "0.05")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
""")
    return str(path)


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
    assert lines["secret TELEGRAM_BOT_TOKEN"] == "ok   set"
    assert lines["secret TELEGRAM_CHAT_ID"] == "ok   set (2 chats)"
    assert lines["database"].startswith(f"ok   {db_path(tmp_path)} writable (schema v1")
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
    assert lines["secret COINGLASS_API_KEY"] == "ok   set"
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
    await doctor(capsys, *args)  # creates the database
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
    await doctor(capsys, *args)  # creates the database
    health = {"bybit": {"state": "live", "frames": 12840, "rejected": 4, "reasons": {"venue error": 3, "bad price": 1},
                        "refused": ["C17XUSDT", "C3XUSDT"]},
              "binance": {"state": "live", "frames": 900, "rejected": 0, "reasons": {}, "refused": []}}
    with sqlite3.connect(db_path(tmp_path)) as db:
        db.execute("INSERT INTO state (key, value, updated_ms) VALUES ('feeds', ?, 0)", (json.dumps(health),))
    _, lines = await doctor(capsys, *args)
    assert lines["feed bybit seen"] == ("ok   12,840 frames, 4 rejected: venue error 3, bad price 1; venue refused 2: "
                                        "C17XUSDT, C3XUSDT")
    assert lines["feed binance seen"] == "ok   900 frames, 0 rejected"
