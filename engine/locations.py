"""Where teleglas finds its files: config, secrets, data directory, bundled recordings."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path


def _bundled(package: str) -> Path:
    """A folder shipped with teleglas: ``themes/``, ``recordings/`` or ``config/`` of the checkout,
    which pyproject.toml installs as ``teleglas_assets.<name>`` (an editable install maps the
    name back to the checkout).  Installed wheels are unpacked, so it is a real directory."""
    return Path(str(files(f"teleglas_assets.{package}")))


RECORDINGS = _bundled("recordings")
THEMES = _bundled("themes")
DEMO_RECORDING = RECORDINGS / "demo.jsonl.zst"
# How `teleglas demo` plays it (recordings/README.md says why): the episode's first minutes at
# full speed, so it opens with warm 5-minute windows and a full tape, then ten times real time.
DEMO_FAST_FORWARD_S = 24 * 60
DEMO_SPEED = 10.0
DEFAULT_CONFIG = _bundled("config") / "teleglas.yaml"  # every setting at its default, with comments


def config_path(cli_value: str | None) -> Path | None:
    """``--config`` > ``$TELEGLAS_CONFIG`` > ``./config/teleglas.yaml`` > built-in defaults (None)."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("TELEGLAS_CONFIG")
    if env:
        return Path(env)
    local = Path("config/teleglas.yaml")
    return local if local.is_file() else None


def data_dir(cli_value: str | None) -> Path:
    """``--data-dir`` > ``$TELEGLAS_DATA_DIR`` > ``$XDG_DATA_HOME/teleglas`` > ``~/.local/share/teleglas``."""
    if cli_value:
        path = Path(cli_value)
    elif os.environ.get("TELEGLAS_DATA_DIR"):
        path = Path(os.environ["TELEGLAS_DATA_DIR"])
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "teleglas"
    return path.expanduser()
