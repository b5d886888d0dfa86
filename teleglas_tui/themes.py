"""The colour themes in ``themes/*.yaml``, as Textual themes.

A theme file holds Textual theme fields plus ``variables`` for the trading colours (see
``palette.py``).  The setting ``ui.theme`` names a file (``dark``, ``light``, ``high-contrast``);
the registered Textual theme is called ``teleglas-<name>``.

A theme never stops the app: a missing folder, a file that cannot be used or a setting that no file
answers leaves the app in Textual's built-in dark theme, with a notice saying why.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml
from textual.app import App
from textual.theme import Theme

from engine.locations import THEMES

ORDER = ("dark", "light", "high-contrast")  # the cycle of the `t` key; other files follow
BUILT_IN = "textual-dark"  # Textual's own theme, always registered (palette.py reads its colours)
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


def load_themes(folder: Path = THEMES, problems: list[str] | None = None) -> list[Theme]:
    """Every usable theme in ``folder``, the built-in cycle first.  A file that cannot be used is
    left out, its one-line reason added to ``problems`` (when given) instead of raised."""
    paths = sorted(folder.glob("*.yaml"))
    rank = {name: i for i, name in enumerate(ORDER)}
    paths.sort(key=lambda p: (rank.get(p.name.removesuffix(".yaml"), len(ORDER)), p.name))
    themes = []
    for path in paths:
        try:
            themes.append(load_theme(path))
        except ThemeError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    return themes


def apply_themes(app: App, setting: str, folder: Path = THEMES) -> tuple[list[Theme], list[str]]:
    """Register the theme files on ``app`` and switch to the one ``setting`` names.  Returns the
    cycle of the `t` key and the notices to show once the app runs (empty when all is well)."""
    problems: list[str] = []
    themes = load_themes(folder, problems)
    for theme in themes:
        app.register_theme(theme)
    wanted = theme_name(setting)
    if wanted in {t.name for t in themes}:
        app.theme = wanted
        return themes, problems
    problems.append(f"theme {setting}: no usable {setting}.yaml in {folder}")
    app.theme = BUILT_IN
    notices = [f"{problem}; using Textual's built-in dark theme" for problem in problems]
    return [*themes, app.get_theme(BUILT_IN)], notices
