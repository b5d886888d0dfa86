"""``teleglas init`` as a new user (a pipx install, no clone) runs it: real processes, a home of the
test's own.  The README told them to copy `config/secrets.env.example`, a file they do not have."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from engine.locations import DEFAULT_CONFIG, SECRETS_TEMPLATE
from engine.settings import Settings


def teleglas(cwd, home, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGLAS", "COINGLASS", "TELEGRAM", "XDG_"))}
    env.update({"HOME": str(home), **{f"TELEGLAS__FEEDS__{name.upper()}__ENABLED": "false"
                                      for name in Settings().feeds.__dataclass_fields__}})
    return subprocess.run([sys.executable, "-m", "teleglas_tui.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_init_writes_the_config_and_the_secrets_template_where_teleglas_reads_them(tmp_path):
    home, elsewhere = tmp_path / "home", tmp_path / "somewhere"
    home.mkdir()
    elsewhere.mkdir()
    done = teleglas(elsewhere, home, "init")
    assert done.returncode == 0, done.stderr
    folder = home / ".config" / "teleglas"
    config, secrets = folder / "teleglas.yaml", folder / "secrets.env"
    assert done.stdout.splitlines()[:2] == [
        f"teleglas: wrote {config} (every setting at its default, with comments)",
        f"teleglas: wrote {secrets} (the secrets, empty: fill in the ones you have; readable by you alone)"]
    assert config.read_bytes() == DEFAULT_CONFIG.read_bytes()
    assert secrets.read_bytes() == SECRETS_TEMPLATE.read_bytes()
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert list(elsewhere.iterdir()) == []  # nothing in the directory it ran from

    secrets.write_text("TELEGRAM_BOT_TOKEN=123:from-the-user-file\nTELEGRAM_CHAT_ID=42\n")
    done = teleglas(elsewhere, home, "init")
    assert done.returncode == 0
    assert f"teleglas: kept {secrets} (it exists; not overwritten)" in done.stdout.splitlines()
    assert secrets.read_text() == "TELEGRAM_BOT_TOKEN=123:from-the-user-file\nTELEGRAM_CHAT_ID=42\n"

    done = teleglas(elsewhere, home, "doctor", "--data-dir", str(tmp_path / "data"))
    lines = {line[:28].strip(): line[28:].strip() for line in done.stdout.splitlines()}
    assert lines["config"] == f"ok   {config}"
    assert lines["secrets files"] == f"ok   read {secrets}; none at ./.env, ./config/secrets.env"
    assert lines["secret TELEGRAM_BOT_TOKEN"] == f"ok   set (from {secrets})"
    assert "from-the-user-file" not in done.stdout


def test_a_config_in_the_directory_teleglas_starts_from_comes_before_the_users(tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "teleglas").mkdir(parents=True)
    (home / ".config" / "teleglas" / "teleglas.yaml").write_text("gate: {min_confidence: 75}\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "teleglas.yaml").write_text("gate: {min_confidence: 80}\n")
    done = teleglas(tmp_path, home, "doctor", "--data-dir", str(tmp_path / "data"))
    assert done.stdout.splitlines()[0].endswith("ok   config/teleglas.yaml")
