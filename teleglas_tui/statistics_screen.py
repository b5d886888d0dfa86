"""Signal quality at a glance: two text charts of the quality report (``engine.signals.quality``)
over the signals the database keeps (the newest ``HISTORY_SIGNALS``, earlier runs' included): the
hit rate by signal type, and the calibration (per bucket of stated confidence, how often it was
right against what it stated, with the calibration error and the Brier score against a constant
50 %); under them the win rates of resolved signals by type, tier, coin and market context
(``Engine.stats()``, kept across restarts).

Each rate says what it divides by.  A hit is a signal whose price moved its way 15 minutes later
(the report's definition), of the signals with a price then (n).  A win rate is WIN of WIN + LOSS
(half the target or the stop reached first): FLAT and UNKNOWN are shown but not divided by, so a
row with neither reads ``-``, never 0 %.  Every bar is one labelled row with its figures, so the
charts read at 80x24 and without colour.  Without a database (or while it is unavailable) the
charts cover the signals the engine keeps for the feed (the last ``ui.feed_max_lines``); the
tables always cover every resolved signal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from engine.model import Signal
from engine.signals.quality import build_report, calibration_chart, hit_rate_chart
from teleglas_tui.columns import left, right
from teleglas_tui.detail_chart import PlotView
from teleglas_tui.palette import Row
from teleglas_tui.palette import palette as palette_of
from teleglas_tui.signal_feed import TYPE_LABELS
from teleglas_tui.text_bars import level_bar

TABLES = (("by_type", "by signal type"), ("by_tier", "by tier"), ("by_context", "by market context"),
          ("by_coin", "by coin"))
NAME_WIDTH = 12
COMPACT_BELOW = 54  # cells of a full row
HISTORY_SIGNALS = 5000  # the newest stored signals the charts cover
HISTORY_EVERY_S = 10.0  # how often the stored signals are read again while the screen is open
History = Callable[[int], Awaitable[Sequence[dict] | None]]


def _rate_role(rate: float | None) -> str:
    if rate is None:
        return "dim"
    return "win" if rate >= 0.6 else "loss" if rate < 0.4 else "flat"


def stats_rows(table: Mapping[str, Mapping[str, float | int | None]], limit: int = 30,
               labels: Mapping[str, str] | None = None, compact: bool = False) -> list[Row]:
    """One row per key (shown by its label, if any), the most resolved first (then by name);
    ``compact`` (80 columns) leaves out the flat and unknown counts, never the rate."""
    name = NAME_WIDTH - 2 if compact else NAME_WIDTH
    counts = (("n", ""), ("win", "win"), ("loss", "loss")) + (() if compact else (("flat", "flat"), ("unknown", "dim")))
    header: Row = (left("", name), ("    n  win loss" + ("" if compact else " flat  unk") + "  rate", "dim"))
    if not table:
        return [header, (("no resolved signals yet", "dim"),)]
    rows = [header]
    for key, row in sorted(table.items(), key=lambda kv: (-int(kv[1].get("n") or 0), kv[0]))[:limit]:
        rate = row.get("win_rate")
        rows.append((
            left((labels or {}).get(key, key), name, "bold"),
            *(right(str(row.get(field, 0)), 5, role)[0] for field, role in counts),
            right("-" if rate is None else f"{rate * 100:.0f}%", 6, _rate_role(rate))[0],
            (" ", ""),
            *level_bar(rate or 0.0, 1.0, 5 if compact else 10, _rate_role(rate)),
        ))
    return rows


def quality_charts(signals: Sequence[Signal | dict], width: int, height: int) -> tuple[str, str]:
    """The hit-rate and calibration charts (plain text) of ``signals``, each ``width`` x ``height``
    at most (the report has no price tape here: no random-moment baseline)."""
    report = build_report(signals)
    return (hit_rate_chart(report, width=width, height=height, labels=TYPE_LABELS),
            calibration_chart(report, width=width, height=height))


class StatisticsScreen(Screen):
    DEFAULT_CSS = """
    StatisticsScreen #stats-charts { height: 45%; min-height: 10; }
    StatisticsScreen PlotView {
        width: 1fr;
        height: 1fr;
        color: $accent;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        background: $surface;
    }
    StatisticsScreen Grid {
        grid-size: 2;
        grid-gutter: 0 1;
    }
    StatisticsScreen Grid Static {
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

    def __init__(self, fetch: Callable[[], dict], signals: Callable[[], Sequence[Signal]] = list,
                 history: History | None = None, refresh_s: float = 1.0) -> None:
        super().__init__()
        self._fetch = fetch
        self._signals = signals
        self._history = history
        self._stored: Sequence[dict] | None = None  # the database's signals, once read
        self._reads = 0  # how many times they were read: the charts redraw after each
        self._refresh_s = refresh_s
        self._charted: tuple | None = None  # signals, outcomes and size the charts show

    def compose(self) -> ComposeResult:
        with Horizontal(id="stats-charts"):
            yield PlotView(id="hit-rate")
            yield PlotView(id="calibration")
        with Grid():
            for key, _ in TABLES:
                yield Static(id=key.replace("_", "-"))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#hit-rate").border_title = "Hit rate 15m · this session"  # until the database answers
        self.query_one("#calibration").border_title = "Calibration 15m · right vs stated"
        for key, title in TABLES:
            pane = self.query_one(f"#{key.replace('_', '-')}")
            pane.border_title = f"Win rate · {title}"
            pane.border_subtitle = "WIN of WIN+LOSS"
        self.redraw()
        self.call_after_refresh(self.redraw)  # the charts' size is known once laid out
        self.set_interval(self._refresh_s, self.redraw)
        if self._history is not None:
            self._read_history()
            self.set_interval(HISTORY_EVERY_S, self._read_history)

    def _read_history(self) -> None:
        self.run_worker(self._load_history(), group="history", exclusive=True)

    async def _load_history(self) -> None:
        stored = await self._history(HISTORY_SIGNALS)  # type: ignore[misc]
        if stored is None:
            return
        self._stored, self._reads = stored, self._reads + 1
        self.query_one("#hit-rate").border_title = f"Hit rate 15m · {len(stored):,} stored signals"
        self._redraw_charts()

    def redraw(self) -> None:
        stats = self._fetch()
        style = palette_of(self.app)
        for key, _ in TABLES:
            pane = self.query_one(f"#{key.replace('_', '-')}", Static)
            labels = TYPE_LABELS if key == "by_type" else None
            compact = pane.content_size.width < COMPACT_BELOW
            pane.update(style.lines(stats_rows(stats.get(key) or {}, labels=labels, compact=compact)))
        self._redraw_charts()

    def _redraw_charts(self) -> None:
        hit_rate, calibration = self.query_one("#hit-rate", PlotView), self.query_one("#calibration", PlotView)
        size = hit_rate.content_size
        signals: Sequence[Signal | dict]
        if self._stored is not None:
            signals, charted = self._stored, ("stored", self._reads, size)
        else:
            live = self._signals()
            signals, charted = live, (len(live), sum(len(s.outcome.returns) for s in live), size)
        if charted == self._charted or size.width < 20 or size.height < 5:
            return
        self._charted = charted
        for view, chart in zip((hit_rate, calibration), quality_charts(signals, size.width, size.height)):
            view.show(chart)
