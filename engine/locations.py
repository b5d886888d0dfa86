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
SECRETS_TEMPLATE = _bundled("config") / "secrets.env.example"  # the secrets' names, each explained
CONFIG_NAME, SECRETS_NAME = "teleglas.yaml", "secrets.env"


def user_config_dir() -> Path:
    """``$XDG_CONFIG_HOME/teleglas``, else ``~/.config/teleglas``: where ``teleglas init`` writes
    the config and the secrets file, read from whatever directory teleglas starts in."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return (Path(base) / "teleglas").expanduser()


def config_path(cli_value: str | None) -> Path | None:
    """``--config`` > ``$TELEGLAS_CONFIG`` > ``./config/teleglas.yaml`` > the user's
    ``~/.config/teleglas/teleglas.yaml`` > built-in defaults (None)."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("TELEGLAS_CONFIG")
    if env:
        return Path(env)
    for found in (Path("config") / CONFIG_NAME, user_config_dir() / CONFIG_NAME):
        if found.is_file():
            return found
    return None


def secrets_files() -> tuple[Path, ...]:
    """Where secrets are read from, the first that sets a name winning (the environment wins over
    them all): ``./.env``, ``./config/secrets.env``, the user's ``~/.config/teleglas/secrets.env``."""
    return Path(".env"), Path("config") / SECRETS_NAME, user_config_dir() / SECRETS_NAME


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
