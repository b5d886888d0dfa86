"""Where teleglas finds its files: config, secrets, data directory, bundled recordings."""

from __future__ import annotations

import os
from pathlib import Path

# The repository (or installed tree) root: engine/ sits directly below it.
ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "recordings"
THEMES = ROOT / "themes"
DEMO_RECORDING = RECORDINGS / "demo.jsonl.gz"


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
