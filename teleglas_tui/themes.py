"""The colour themes in ``themes/*.yaml``, as Textual themes.

A theme file holds Textual theme fields plus ``variables`` for the trading colours (see
``palette.py``).  The setting ``ui.theme`` names a file (``dark``, ``light``, ``high-contrast``);
the registered Textual theme is called ``teleglas-<name>``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml
from textual.theme import Theme

from engine.locations import THEMES

ORDER = ("dark", "light", "high-contrast")  # the cycle of the `t` key; other files follow
_FIELDS = {f.name for f in dataclasses.fields(Theme)}


class ThemeError(ValueError):
    """A theme file that cannot be used (one line for the user)."""


def theme_name(setting: str) -> str:
    return f"teleglas-{setting}"


def load_theme(path: Path) -> Theme:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ThemeError(f"theme {path.name}: cannot read it ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or "primary" not in data:
        raise ThemeError(f"theme {path.name}: needs a mapping with at least `primary`")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ThemeError(f"theme {path.name}: unknown field {unknown[0]}")
    data["name"] = theme_name(path.name.removesuffix(".yaml"))
    data["variables"] = {str(k): str(v) for k, v in (data.get("variables") or {}).items()}
    return Theme(**data)


def load_themes(folder: Path = THEMES) -> list[Theme]:
    """Every theme in ``folder``, the built-in cycle first."""
    paths = sorted(folder.glob("*.yaml"))
    rank = {name: i for i, name in enumerate(ORDER)}
    paths.sort(key=lambda p: (rank.get(p.name.removesuffix(".yaml"), len(ORDER)), p.name))
    return [load_theme(p) for p in paths]
