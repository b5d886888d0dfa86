"""One coin up close: price over the last hour with net delta and liquidations per minute under
it (one column per minute, so they line up), the minute table, and the coin's signals with
their outcomes.

The pure half (``summary_row``, ``chart_rows``, ``minute_rows``) reads ``CoinDetail``; the screen
pulls a fresh one at ``ui.refresh_hz`` while it is shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from engine import format as fmt
from engine.snapshot import CoinDetail, CoinSetting, MinuteBar
from teleglas_tui.columns import hms, left, right
from teleglas_tui.palette import Row, Span, palette
from teleglas_tui.signal_feed import signal_row
from teleglas_tui.text_bars import column_chart, level_bar, ratio_bar, signed_bar, spark

CHART_HEIGHT = 6
AXIS_WIDTH = 11
MAX_COLUMN = 3  # cells per minute when the hour has few minutes yet
VENUES_SHOWN = 4
DetailSource = Callable[[], tuple[CoinDetail, CoinSetting | None, bool]]


def summary_row(detail: CoinDetail) -> Row:
    spans: list[Span] = [(f" {detail.coin} ", "accent huge"), (f"  tier {detail.tier}", "dim")]
    flow = detail.flow
    if flow is None:
        return (*spans, ("  no trades seen yet", "dim"))
    spans += [("  ", ""), (fmt.price(flow.price), "bold"), ("   5m buys ", "dim")]
    spans += ratio_bar(flow.buy_ratio, 10)
    ratio = "-" if flow.buy_ratio is None else f"{flow.buy_ratio * 100:.0f}%"
    spans += [(f" {ratio}", ""), ("   Δ ", "dim"),
              (fmt.usd(flow.delta_usd), "buy" if flow.delta_usd > 0 else "sell" if flow.delta_usd < 0 else "dim"),
              ("   large ", "dim"), (f"{flow.large_buys}", "buy"), ("/", "dim"), (f"{flow.large_sells}", "sell"),
              ("   funding ", "dim"), (fmt.funding(flow.funding), ""),
              ("   OI Δ ", "dim"), (fmt.pct(flow.oi_change, 1), "")]
    if detail.venues:  # the aggregate's parts: 5-minute USD traded per venue
        spans.append(("   venues ", "dim"))
        for i, (venue, usd) in enumerate(list(detail.venues.items())[:VENUES_SHOWN]):
            spans += [(" · " if i else "", "dim"), (f"{venue} ", ""), (fmt.usd(usd), "")]
    return tuple(spans)


def chart_rows(bars: Sequence[MinuteBar], height: int = CHART_HEIGHT, column: int = 1) -> list[Row]:
    """Price closes as columns, then one sparkline row each for net delta, long and short
    liquidations, then a time axis: minute i is drawn ``column`` cells wide at the same place
    in every row."""
    if not bars:
        return [(("no minute bars yet", "dim"),)]
    closes = [b.close for b in bars]
    rows: list[Row] = []
    for i, line in enumerate(column_chart(closes, height)):
        label = fmt.price(max(closes)) if i == 0 else fmt.price(min(closes)) if i == height - 1 else ""
        rows.append((right(label, AXIS_WIDTH - 2)[0], (" ┤", "dim"), ("".join(c * column for c in line), "accent")))
    width = len(bars) * column
    for label, values, up, down in (
        ("Δ/min", [b.buy_usd - b.sell_usd for b in bars], "buy", "sell"),
        ("liq long", [b.liq_long_usd for b in bars], "long", "long"),
        ("liq short", [b.liq_short_usd for b in bars], "short", "short"),
    ):
        wide = [v for v in values for _ in range(column)]
        rows.append((right(label, AXIS_WIDTH - 2, "dim")[0], (" ┤", "dim"), *spark(wide, width, up, down)))
    first, last = (time.strftime("%H:%M", time.gmtime(b.ts / 1000)) for b in (bars[0], bars[-1]))
    axis = first + last.rjust(width - len(first)) if width > len(first) + len(last) else first
    rows.append(((" " * (AXIS_WIDTH - 2), ""), (" └", "dim"), (axis, "dim")))
    return rows


def minute_rows(bars: Sequence[MinuteBar], limit: int) -> list[Row]:
    """The newest ``limit`` minutes, newest first, bars scaled to the largest in the hour."""
    delta_scale = max((abs(b.buy_usd - b.sell_usd) for b in bars), default=0.0)
    liq_scale = max((max(b.liq_long_usd, b.liq_short_usd) for b in bars), default=0.0)
    rows: list[Row] = [(left("time", 5, "dim"), right("close", 11, "dim")[0], (" ", ""),
                        ("net delta".center(15), "dim"), right("Δ", 8, "dim")[0], ("  ", ""),
                        left("long liqs", 15, "dim"), ("  ", ""), left("short liqs", 15, "dim"))]
    for bar in list(bars)[::-1][:limit]:
        delta = bar.buy_usd - bar.sell_usd
        rows.append((
            (hms(bar.ts)[:5], "dim"),
            right(fmt.price(bar.close), 11)[0],
            (" ", ""),
            *signed_bar(delta, delta_scale, 7),
            right(fmt.usd(delta) if delta else "·", 8, "buy" if delta > 0 else "sell" if delta < 0 else "dim")[0],
            ("  ", ""),
            *level_bar(bar.liq_long_usd, liq_scale, 8, "long"),
            right(fmt.usd(bar.liq_long_usd) if bar.liq_long_usd else "·", 7, "long")[0],
            ("  ", ""),
            *level_bar(bar.liq_short_usd, liq_scale, 8, "short"),
            right(fmt.usd(bar.liq_short_usd) if bar.liq_short_usd else "·", 7, "short")[0],
        ))
    return rows


class CoinDetailScreen(Screen):
    DEFAULT_CSS = """
    CoinDetailScreen { layout: vertical; }
    CoinDetailScreen #detail-summary { height: 1; background: $panel; }
    CoinDetailScreen #detail-chart {
        height: auto;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        background: $surface;
    }
    CoinDetailScreen #detail-body { height: 1fr; }
    CoinDetailScreen #detail-minutes, CoinDetailScreen #detail-signals {
        width: 1fr;
        height: 1fr;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        background: $surface;
        overflow: hidden;
    }
    CoinDetailScreen.-wide #detail-minutes { width: 78; }
    CoinDetailScreen.-narrow #detail-body { layout: vertical; }
    CoinDetailScreen.-narrow #detail-signals { height: auto; max-height: 8; }
    """
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (140, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, coin: str, fetch: DetailSource, refresh_hz: float) -> None:
        super().__init__()
        self.coin = coin
        self._fetch = fetch
        self._interval = 1 / refresh_hz

    def compose(self) -> ComposeResult:
        yield Static(id="detail-summary")
        yield Static(id="detail-chart")
        with Horizontal(id="detail-body"):
            yield Static(id="detail-minutes")
            yield Static(id="detail-signals")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-chart").border_title = "Price · 1-minute closes, last hour (UTC)"
        self.query_one("#detail-minutes").border_title = "Minutes · newest first"
        self.query_one("#detail-signals").border_title = f"{self.coin} signals · newest first"
        self.redraw()
        self.set_interval(self._interval, self.redraw)

    def redraw(self) -> None:
        detail, setting, paused = self._fetch()
        style = palette(self.app)
        minutes = self.query_one("#detail-minutes", Static)
        signals = self.query_one("#detail-signals", Static)
        now_wall_ms = int(time.time() * 1000)
        self.query_one("#detail-summary", Static).update(style.text(summary_row(detail)))
        chart = self.query_one("#detail-chart", Static)
        column = max(1, min(MAX_COLUMN, (chart.content_size.width - AXIS_WIDTH) // max(1, len(detail.bars))))
        chart.update(style.lines(chart_rows(detail.bars, column=column)))
        minutes.update(style.lines(minute_rows(detail.bars, max(1, minutes.size.height - 3))))
        rows = [signal_row(s, setting, paused, now_wall_ms) for s in reversed(detail.signals)]
        signals.update(style.lines(rows) if rows else style.text(((f"no {self.coin} signals yet", "dim"),)))
