"""The flow pane: one row per coin with 5-minute order flow, 1-minute liquidations, context and
alert state; the keyboard home of coin management.

``flow_rows`` (pure) turns the engine's ``CoinFlow`` list and the coin settings into rows of
cells; ``FlowTable`` keeps a DataTable in step with them by updating only the cells that changed
and re-sorting in place, so a refresh at 4-10 Hz stays cheap and the cursor stays on its coin.
Watched coins stand first; the most active other coins fill the table up to ``ui.flow_max_rows``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets import DataTable

from engine import format as fmt
from engine.snapshot import CoinFlow, CoinSetting
from teleglas_tui.choice_screen import ChoiceScreen
from teleglas_tui.columns import price, right, usd
from teleglas_tui.messages import CoinAction, CoinChosen
from teleglas_tui.palette import Span, palette
from teleglas_tui.prompt_screen import PromptScreen
from teleglas_tui.text_bars import ratio_bar, spark

Cell = tuple[Span, ...]
SORTS = ("activity", "delta", "coin")
MUTE_CHOICES = (("15 minutes", 900), ("1 hour", 3600), ("4 hours", 14_400), ("24 hours", 86_400),
                ("Unmute", 0))
# key, header, width; the trend column goes first when the pane is narrow.
COLUMNS = (
    ("coin", "Coin", 7),
    ("price", "Price", 9),
    ("ratio", "Buy% 5m", 10),
    ("large", "Lg B/S", 7),
    ("delta", "Δ 5m", 7),
    ("liq_long", "LiqL 1m", 7),
    ("liq_short", "LiqS 1m", 7),
    ("funding", "Funding", 8),
    ("oi", "OI Δ", 6),
    ("trend", "Δ/min", 8),
    ("alerts", "Alerts", 8),
)
NARROW_DROPS = ("trend",)


@dataclass(frozen=True, slots=True)
class FlowRow:
    coin: str
    cells: tuple[Cell, ...]  # in COLUMNS order


def _delta(value: float, width: int) -> Cell:
    if abs(value) < 0.5:  # window sums drift by float rounding as trades leave them
        return right("0", width, "dim")
    return right(usd(value, width), width, "buy" if value > 0 else "sell")


def _counts(buys: int, sells: int, width: int) -> str:
    """``buys/sells``, counts of a thousand or more in thousands when the exact text does not
    fit: a cut count would be a wrong count."""
    text = f"{buys}/{sells}"
    for decimals in (1, 0):
        if len(text) <= width:
            break
        text = "/".join(f"{n / 1000:.{decimals}f}k" if n >= 1000 else str(n) for n in (buys, sells))
    return text


def alert_cell(setting: CoinSetting | None, now_wall_ms: int) -> Cell:
    if setting is None or not setting.alerts:
        return (("off", "dim"),)
    if setting.muted_until_ms and setting.muted_until_ms > now_wall_ms:
        return ((f"mute {fmt.duration((setting.muted_until_ms - now_wall_ms) / 1000)}", "warn"),)
    return (("on", "accent"),)


def flow_cells(coin: str, flow: CoinFlow | None, setting: CoinSetting | None, now_wall_ms: int,
               funding_extreme: float) -> tuple[Cell, ...]:
    watched = bool(setting and setting.watched)
    name: Cell = ((coin, "accent bold" if watched else ""),)
    if flow is None:
        blank = tuple(right("-", width, "dim") for _, _, width in COLUMNS[1:-1])
        return (name, *blank, alert_cell(setting, now_wall_ms))
    ratio = "" if flow.buy_ratio is None else f"{flow.buy_ratio * 100:3.0f}%"
    large = _counts(flow.large_buys, flow.large_sells, 7)
    funding_role = "warn" if flow.funding is not None and abs(flow.funding) >= funding_extreme else ""
    return (
        name,
        right(price(flow.price, 9) if flow.price > 0 else "-", 9, "" if flow.price > 0 else "dim"),
        (*ratio_bar(flow.buy_ratio, 6), (ratio, "")),
        right(large, 7, "buy" if flow.large_buys > flow.large_sells else
               "sell" if flow.large_sells > flow.large_buys else "dim"),
        _delta(flow.delta_usd, 7),
        right(usd(flow.liq_long_1m, 7) if flow.liq_long_1m else "·", 7, "long" if flow.liq_long_1m else "dim"),
        right(usd(flow.liq_short_1m, 7) if flow.liq_short_1m else "·", 7, "short" if flow.liq_short_1m else "dim"),
        right(fmt.funding(flow.funding), 8, funding_role if flow.funding is not None else "dim"),
        right(fmt.pct(flow.oi_change, 1), 6, "" if flow.oi_change is not None else "dim"),
        spark(flow.spark, 8),
        alert_cell(setting, now_wall_ms),
    )


def _sort_key(sort: str, coin: str, flow: CoinFlow | None) -> tuple:
    if sort == "coin":
        return (coin,)
    if flow is None:
        return (1, 0.0, coin)
    value = flow.delta_usd if sort == "delta" else flow.activity
    return (0, -value, coin)


def flow_rows(flows: Sequence[CoinFlow], settings: Mapping[str, CoinSetting], *, sort: str = "activity",
              text_filter: str = "", limit: int = 40, now_wall_ms: int = 0,
              funding_extreme: float = 0.001) -> list[FlowRow]:
    """Watched coins first (also before their first trade), then the rest, each group sorted;
    at most ``limit`` rows, never fewer than the watched coins that pass the filter."""
    by_coin = {f.coin: f for f in flows}
    needle = text_filter.strip().upper()
    watched = [c for c, s in settings.items() if s.watched]
    others = [c for c in by_coin if c not in settings or not settings[c].watched]
    if needle:
        watched = [c for c in watched if needle in c]
        others = [c for c in others if needle in c]
    watched.sort(key=lambda c: _sort_key(sort, c, by_coin.get(c)))
    others.sort(key=lambda c: _sort_key(sort, c, by_coin.get(c)))
    chosen = watched + others[: max(0, limit - len(watched))]
    return [FlowRow(c, flow_cells(c, by_coin.get(c), settings.get(c), now_wall_ms, funding_extreme))
            for c in chosen]


class FlowTable(DataTable):
    DEFAULT_CSS = """
    FlowTable {
        height: 1fr;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        background: $surface;
        scrollbar-size-vertical: 1;
        &:focus { border: round $accent; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Detail"),
        Binding("a", "add_coin", "Add"),
        Binding("d", "remove_coin", "Remove"),
        Binding("space", "toggle_alerts", "Alerts"),
        Binding("m", "mute", "Mute"),
        Binding("o", "cycle_sort", "Sort"),
        Binding("slash", "filter", "Filter", key_display="/"),
    ]

    def __init__(self, *, limit: int = 40, funding_extreme: float = 0.001, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=1)
        # DataTable keeps up to 10,000 rendered cells and 1,000 rendered rows for tables of any
        # size; ours shows at most ``limit`` rows, redrawn several times a second, so stale
        # entries pile up to ~100k objects that every full garbage collection walks (pauses of
        # ~150 ms, felt as key lag).  Keep what a screenful needs.
        rows = 3 * limit + 50
        self._cell_render_cache.maxsize = rows * 16
        self._row_render_cache.maxsize = self._row_renderable_cache.maxsize = self._line_cache.maxsize = rows
        self.limit = limit
        self.funding_extreme = funding_extreme
        self.sort_by = SORTS[0]
        self.text_filter = ""
        self.settings: dict[str, CoinSetting] = {}
        self._flows: Sequence[CoinFlow] = ()
        self._now = 0
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._order: list[str] = []
        self._columns: tuple[str, ...] = ()

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._repaint_all, init=False)
        self._set_columns(narrow=False)
        self._title()

    # -- data -----------------------------------------------------------------------------

    def show(self, flows: Sequence[CoinFlow], settings: Sequence[CoinSetting], now_wall_ms: int) -> None:
        self._flows = flows
        self.settings = {s.coin: s for s in settings}
        self._now = now_wall_ms
        self._redraw()

    def _redraw(self) -> None:
        rows = flow_rows(self._flows, self.settings, sort=self.sort_by, text_filter=self.text_filter,
                         limit=self.limit, now_wall_ms=self._now, funding_extreme=self.funding_extreme)
        self._sync(rows)

    def _sync(self, rows: list[FlowRow]) -> None:
        selected = self.selected_coin
        wanted = {r.coin for r in rows}
        for coin in [c for c in self._cells if c not in wanted]:
            self.remove_row(coin)
            del self._cells[coin]
        style = palette(self.app)
        keep = [i for i, (key, _, _) in enumerate(COLUMNS) if key in self._columns]
        for row in rows:
            old = self._cells.get(row.coin)
            if old is None:
                self.add_row(*(style.text(row.cells[i]) for i in keep), key=row.coin)
            elif old != row.cells:
                for i in keep:
                    if old[i] != row.cells[i]:
                        self.update_cell(row.coin, COLUMNS[i][0], style.text(row.cells[i]))
            self._cells[row.coin] = row.cells
        order = [r.coin for r in rows]
        if order != self._order:
            at_top = self.cursor_row == 0
            rank = {coin: i for i, coin in enumerate(order)}
            self.sort("coin", key=lambda cell: rank[cell.plain])
            self._order = order
            if selected in rank and not at_top:  # the top row follows the ranking, any other its coin
                self.move_cursor(row=rank[selected], animate=False)

    def _set_columns(self, narrow: bool) -> None:
        columns = tuple(key for key, _, _ in COLUMNS if not (narrow and key in NARROW_DROPS))
        if columns == self._columns:
            return
        self.clear(columns=True)
        for key, label, width in COLUMNS:
            if key in columns:
                self.add_column(label, key=key, width=width)
        self._columns = columns
        self._cells.clear()
        self._order = []
        self._redraw()

    def _repaint_all(self) -> None:
        """Cells hold colours of the old theme: draw every one again."""
        self._cells.clear()
        self.clear()
        self._order = []
        self._redraw()

    def on_resize(self, event: Resize) -> None:
        full = sum(width + 2 for _, _, width in COLUMNS) + 3  # cell padding, border, scrollbar
        self._set_columns(narrow=event.size.width < full)

    @property
    def selected_coin(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def _title(self) -> None:
        title = f"Flow 5m · sort {self.sort_by}"
        if self.text_filter:
            title += f" · filter {self.text_filter}"
        self.border_title = title

    # -- actions ----------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(CoinChosen(event.row_key.value))

    def action_add_coin(self) -> None:
        def add(answer: str | None) -> None:
            coin = (answer or "").strip().upper()
            if coin:
                self.post_message(CoinAction("add", coin))

        self.app.push_screen(PromptScreen("Add a coin to the watchlist (Tab completes)", placeholder="e.g. SOL",
                                          suggestions=sorted(self.settings)), add)

    def action_remove_coin(self) -> None:
        coin = self.selected_coin
        if coin:
            self.post_message(CoinAction("remove", coin))

    def action_toggle_alerts(self) -> None:
        coin = self.selected_coin
        if coin:
            setting = self.settings.get(coin)
            self.post_message(CoinAction("alerts", coin, on=not (setting and setting.alerts)))

    def action_mute(self) -> None:
        coin = self.selected_coin
        if not coin:
            return

        def mute(seconds: int | None) -> None:
            if seconds is None:
                return
            if seconds == 0:
                self.post_message(CoinAction("unmute", coin))
            else:
                self.post_message(CoinAction("mute", coin, until_ms=int(time.time() * 1000) + seconds * 1000))

        self.app.push_screen(ChoiceScreen(f"Mute {coin}", MUTE_CHOICES), mute)

    def action_cycle_sort(self) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self._title()
        self._redraw()

    def action_filter(self) -> None:
        def apply(answer: str | None) -> None:
            if answer is not None:
                self.text_filter = answer.upper()
                self._title()
                self._redraw()

        self.app.push_screen(PromptScreen("Filter coins (empty shows all)", value=self.text_filter), apply)
