"""One coin up close: the last hour as a chart (price with liquidation marks, net delta per
minute under it when the height allows, see ``detail_chart``), the minute table, and the coin's
signals with their outcomes.

The pure half (``summary_rows``, ``minute_rows``, ``detail_chart``) reads ``CoinDetail``; the
screen pulls a fresh one at ``ui.refresh_hz`` while it is shown, and draws the chart again only
when its minutes or its size changed, at most once a second.  The coin keys (``a`` ``d``
``space`` ``m``) act on this screen's coin.
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
from teleglas_tui import coin_keys
from teleglas_tui.columns import hms, left, right
from teleglas_tui.detail_chart import detail_chart
from teleglas_tui.messages import CoinAction
from teleglas_tui.palette import Row, Span, palette
from teleglas_tui.signal_feed import signal_row
from teleglas_tui.text_bars import level_bar, ratio_bar, signed_bar

DetailSource = Callable[[], tuple[CoinDetail, CoinSetting]]  # the coin's detail and its setting now
SUMMARY_FULL = 110  # cells from which the summary has the buy bar and funding and OI on its first line


def summary_rows(detail: CoinDetail, width: int = 200) -> list[Row]:
    """The coin's figures on one line, the venues' share of its flow on the next (never cut).
    Under ``SUMMARY_FULL`` cells the buy bar goes and funding and OI join the venues' line, so
    an 80-column line loses no figure."""
    spans: list[Span] = [(f" {detail.coin} ", "accent huge"), (f"  tier {detail.tier}", "dim")]
    flow = detail.flow
    if flow is None:
        return [(*spans, ("  no trades seen yet", "dim"))]
    narrow = width < SUMMARY_FULL
    gap = "  " if narrow else "   "
    spans += [("  ", ""), (fmt.price(flow.price), "bold"), (f"{gap}5m buys ", "dim")]
    if not narrow:
        spans += [*ratio_bar(flow.buy_ratio, 10), (" ", "")]
    ratio = "-" if flow.buy_ratio is None else f"{flow.buy_ratio * 100:.0f}%"
    spans += [(ratio, ""), (f"{gap}Δ ", "dim"),
              (fmt.usd(flow.delta_usd), "buy" if flow.delta_usd > 0 else "sell" if flow.delta_usd < 0 else "dim"),
              (f"{gap}large ", "dim"), (f"{flow.large_buys}", "buy"), ("/", "dim"), (f"{flow.large_sells}", "sell")]
    context: list[Span] = [(f"{gap}funding ", "dim"), (fmt.funding(flow.funding), ""),
                           (f"{gap}OI Δ ", "dim"), (fmt.pct(flow.oi_change, 1), "")]
    venues: list[Span] = [(" funding ", "dim"), context[1], *context[2:], ("  · ", "dim")] if narrow else []
    venues.append(("5m by venue " if narrow else " 5m traded by venue ", "dim"))
    for i, (venue, usd) in enumerate(detail.venues.items()):
        venues += [(" · " if i else "", "dim"), (f"{venue} ", ""), (fmt.usd(usd), "")]
    if not detail.venues:
        venues.append(("no trades in the window", "dim"))
    return [tuple(spans) if narrow else (*spans, *context), tuple(venues)]


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
    CoinDetailScreen #detail-summary { height: 2; background: $panel; text-wrap: nowrap; text-overflow: ellipsis; }
    CoinDetailScreen #detail-chart {
        height: 45%;
        min-height: 10;
        text-wrap: nowrap;
        text-overflow: clip;
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
    CoinDetailScreen.-narrow #detail-signals { height: auto; max-height: 5; }
    """
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (140, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", key_display="Esc"), *coin_keys.BINDINGS]

    def __init__(self, coin: str, fetch: DetailSource, refresh_hz: float) -> None:
        super().__init__()
        self.coin = coin
        self._fetch = fetch
        self._interval = 1 / refresh_hz
        self._chart_frame: tuple | None = None  # the chart's size and theme
        self._chart_data: tuple | None = None  # its newest minute and how many
        self._chart_at = 0.0

    def compose(self) -> ComposeResult:
        yield Static(id="detail-summary")
        yield Static(id="detail-chart")
        with Horizontal(id="detail-body"):
            yield Static(id="detail-minutes")
            yield Static(id="detail-signals")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-chart").border_title = "Last hour UTC · price, liquidations, net delta"
        self.query_one("#detail-minutes").border_title = "Minutes · newest first"
        self.query_one("#detail-signals").border_title = f"{self.coin} signals · newest first"
        self.redraw()
        self.call_after_refresh(self.redraw)  # the charts' size is known once laid out
        self.set_interval(self._interval, self.redraw)

    def action_add_coin(self) -> None:
        self.post_message(CoinAction("add", self.coin))

    def action_remove_coin(self) -> None:
        coin_keys.remove(self, self.coin)

    def action_toggle_alerts(self) -> None:
        coin_keys.toggle_alerts(self, self.coin, self._fetch()[1])

    def action_mute(self) -> None:
        coin_keys.ask_to_mute(self, self.coin)

    def redraw(self) -> None:
        detail = self._fetch()[0]
        style = palette(self.app)
        minutes = self.query_one("#detail-minutes", Static)
        signals = self.query_one("#detail-signals", Static)
        summary = self.query_one("#detail-summary", Static)
        summary.update(style.lines(summary_rows(detail, summary.size.width or 200)))
        self._redraw_chart(detail.bars)
        minutes.update(style.lines(minute_rows(detail.bars, max(1, minutes.content_size.height - 1))))
        rows = [signal_row(s) for s in reversed(detail.signals)]
        signals.update(style.lines(rows) if rows else style.text(((f"no {self.coin} signals yet", "dim"),)))

    def _redraw_chart(self, bars: Sequence[MinuteBar]) -> None:
        chart = self.query_one("#detail-chart", Static)
        size = chart.content_size
        frame, data, now = (size, self.app.theme), (bars[-1] if bars else None, len(bars)), time.monotonic()
        if frame == self._chart_frame and (data == self._chart_data or now - self._chart_at < 1):
            return
        self._chart_frame, self._chart_data, self._chart_at = frame, data, now
        chart.update(palette(self.app).lines(detail_chart(bars, size.width, size.height)))
