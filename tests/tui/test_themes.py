"""A theme never stops the monitor: with its files missing or damaged it opens in Textual's
built-in dark theme and says why (a wheel installed without its data used to crash at start)."""

from __future__ import annotations

import shutil

from textual.app import App

from engine.locations import THEMES
from teleglas_tui.themes import BUILT_IN, apply_themes


def test_the_setting_picks_its_theme_and_the_cycle_keeps_the_order():
    app = App()
    themes, notices = apply_themes(app, "light")
    assert app.theme == "teleglas-light" and notices == []
    assert [t.name for t in themes][:3] == ["teleglas-dark", "teleglas-light", "teleglas-high-contrast"]


def test_no_theme_folder_falls_back_to_the_built_in_theme_with_a_notice(tmp_path):
    app = App()
    themes, notices = apply_themes(app, "dark", tmp_path / "gone")
    assert app.theme == BUILT_IN and [t.name for t in themes] == [BUILT_IN]
    assert notices == [f"theme dark: no usable dark.yaml in {tmp_path / 'gone'}; using Textual's built-in dark theme"]


def test_a_damaged_theme_file_is_named_and_the_others_still_load(tmp_path):
    for name in ("dark.yaml", "light.yaml"):
        shutil.copy(THEMES / name, tmp_path / name)
    (tmp_path / "dark.yaml").write_text("primary: [not, a, colour\n", encoding="utf-8")
    app = App()
    themes, notices = apply_themes(app, "dark", tmp_path)
    assert app.theme == BUILT_IN
    assert [t.name for t in themes] == ["teleglas-light", BUILT_IN]
    assert notices[0] == "theme dark.yaml: cannot read it (ParserError); using Textual's built-in dark theme"
    assert len(notices) == 2
