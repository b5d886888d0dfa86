"""Win rates of resolved signals by type, tier, coin and market context (``Engine.stats()``).

A win rate counts WIN out of WIN + LOSS + FLAT; UNKNOWN (no price data after the signal) is
shown but not counted, as in the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Static

from teleglas_tui.columns import left, right
from teleglas_tui.palette import Row
from teleglas_tui.palette import palette as palette_of
from teleglas_tui.signal_feed import TYPE_LABELS
from teleglas_tui.text_bars import level_bar

TABLES = (("by_type", "by signal type"), ("by_tier", "by tier"), ("by_context", "by market context"),
          ("by_coin", "by coin"))
NAME_WIDTH = 12


def _rate_role(rate: float | None) -> str:
    if rate is None:
        return "dim"
    return "win" if rate >= 0.6 else "loss" if rate < 0.4 else "flat"


def stats_rows(table: Mapping[str, Mapping[str, float | int | None]], limit: int = 30,
               labels: Mapping[str, str] | None = None) -> list[Row]:
    """One row per key (shown by its label, if any), the most resolved first (then by name)."""
    header: Row = (left("", NAME_WIDTH), ("    n  win loss flat  unk  rate", "dim"))
    if not table:
        return [header, (("no resolved signals yet", "dim"),)]
    rows = [header]
    for key, row in sorted(table.items(), key=lambda kv: (-int(kv[1].get("n") or 0), kv[0]))[:limit]:
        rate = row.get("win_rate")
        rows.append((
            left((labels or {}).get(key, key), NAME_WIDTH, "bold"),
            right(str(row.get("n", 0)), 5)[0],
            right(str(row.get("win", 0)), 5, "win")[0],
            right(str(row.get("loss", 0)), 5, "loss")[0],
            right(str(row.get("flat", 0)), 5, "flat")[0],
            right(str(row.get("unknown", 0)), 5, "dim")[0],
            right("-" if rate is None else f"{rate * 100:.0f}%", 6, _rate_role(rate))[0],
            (" ", ""),
            *level_bar(rate or 0.0, 1.0, 10, _rate_role(rate)),
        ))
    return rows


class StatisticsScreen(Screen):
    DEFAULT_CSS = """
    StatisticsScreen Grid {
        grid-size: 2;
        grid-gutter: 0 1;
    }
    StatisticsScreen Static {
        height: 1fr;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        background: $surface;
        overflow: hidden;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, fetch: Callable[[], dict], refresh_s: float = 1.0) -> None:
        super().__init__()
        self._fetch = fetch
        self._refresh_s = refresh_s

    def compose(self) -> ComposeResult:
        with Grid():
            for key, _ in TABLES:
                yield Static(id=key.replace("_", "-"))
        yield Footer()

    def on_mount(self) -> None:
        for key, title in TABLES:
            self.query_one(f"#{key.replace('_', '-')}").border_title = f"Win rate · {title}"
        self.redraw()
        self.set_interval(self._refresh_s, self.redraw)

    def redraw(self) -> None:
        stats = self._fetch()
        style = palette_of(self.app)
        for key, _ in TABLES:
            pane = self.query_one(f"#{key.replace('_', '-')}", Static)
            labels = TYPE_LABELS if key == "by_type" else None
            pane.update(style.lines(stats_rows(stats.get(key) or {}, labels=labels)))
