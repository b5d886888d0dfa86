"""What is wrong before the monitor opens is one line on stderr and exit code 2, never a
traceback under a full-screen UI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from engine.feeds.registry import VENUES
from engine.locations import user_config_dir
from teleglas_tui.cli import main


@pytest.mark.parametrize(("argv", "says"), [
    (["--replay", "missing.jsonl"], "cannot read recording missing.jsonl"),
    (["--replay", "not-a-recording.txt"], "not a teleglas recording"),
    (["--replay", "damaged.jsonl.gz"], "damaged.jsonl.gz: not a readable recording"),
    (["--replay", "damaged.jsonl.zst"], "damaged.jsonl.zst: not a readable recording"),
    (["demo", "--speed", "-1"], "--speed must be 0 (as fast as possible) to 10000, got '-1'"),
    (["demo", "--speed", "nan"], "--speed must be 0 (as fast as possible) to 10000, got 'nan'"),
])
def test_bad_start_is_one_line_and_exit_2(argv, says, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-a-recording.txt").write_text("hello\n")
    (tmp_path / "damaged.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "damaged.jsonl.zst").write_bytes(b"\x28\xb5\x2f\xfdgarbage")
    assert main(["--data-dir", str(tmp_path / "data"), *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1


def test_a_bad_setting_names_the_key(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGLAS__UI__THEME", "pink")
    assert main(["--data-dir", str(tmp_path / "data"), "demo"]) == 2
    assert "ui.theme" in capsys.readouterr().err


def test_no_live_feed_to_run_is_one_line_before_the_screen_opens(tmp_path):
    """Every venue switched off and no CoinGlass key: the monitor would open on nothing and say
    so in a toast; it is a start-up error like any other."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGLAS", "COINGLASS", "TELEGRAM"))}
    env.update({f"TELEGLAS__FEEDS__{venue.upper()}__ENABLED": "false" for venue in VENUES if venue != "coinglass"})
    done = subprocess.run([sys.executable, "-m", "teleglas_tui.cli", "--data-dir", str(tmp_path / "data")],
                          cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    assert done.returncode == 2
    assert done.stderr == ("teleglas: no live feed can run: CoinGlass needs COINGLASS_API_KEY (the environment, "
                           f"./.env, ./config/secrets.env, {user_config_dir() / 'secrets.env'}) and no other feed is "
                           "enabled\n")
