"""The flow pane: one row per coin with 5-minute order flow, 1-minute liquidations, context and
alert state; the keyboard home of coin management.

``flow_rows`` (pure) turns the engine's ``CoinFlow`` list and the coin settings into rows of
cells; ``layout`` picks the columns that fit the pane's width (narrower panes give up the trend,
OI change, the buy bar, funding, then short liquidations, in that order) and ``table_row`` lines
the cells up.  ``FlowTable`` draws the rows as a ``LineView``: a row that did not change is not
drawn again, so a refresh at 4-10 Hz stays cheap.  Watched coins stand first; the most active other
coins fill the table up to ``ui.flow_max_rows``.

The cursor stands for a coin, not a row: the coin the trader chose (``chosen``) keeps the cursor
as the rows re-sort under it, and when it leaves the table the cursor stands on no row until it
comes back or the trader picks another, so ``d``, ``space`` and ``m`` never reach a neighbour.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from textual.binding import Binding, BindingType
from textual.events import Resize

from engine import format as fmt
from engine.snapshot import CoinFlow, CoinSetting
from teleglas_tui import coin_keys
from teleglas_tui.columns import cut, right, usd
from teleglas_tui.line_view import LineView
from teleglas_tui.messages import CoinChosen
from teleglas_tui.palette import Row, Span
from teleglas_tui.prompt_screen import PromptScreen
from teleglas_tui.text_bars import ratio_bar, spark

Cell = tuple[Span, ...]
SORTS = ("activity", "delta", "coin")
# key, header, width (cells).  "buy" is the narrow form of "ratio" (the share without its bar);
# "volume" comes only with width to spare.
COLUMNS = (
    ("coin", "Coin", 7),
    ("price", "Price", 10),
    ("volume", "Vol 5m", 7),
    ("ratio", "Buy% 5m", 11),
    ("buy", "Buy%", 4),
    ("large", "Lg B/S", 9),
    ("delta", "Δ 5m", 7),
    ("liq_long", "LiqL 1m", 7),
    ("liq_short", "LiqS 1m", 7),
    ("funding", "Funding", 8),
    ("oi", "OI Δ", 6),
    ("trend", "Δ/min", 8),
    ("alerts", "Alerts", 8),
)
GAP = 1  # blank cells before each column
WIDE_GAP = 2  # ... when the width is there
TREND_MIN, TREND_MAX = 5, 30  # the sparkline, one cell a minute: at least 5 minutes, at most the 30 the engine keeps
COIN_MAX = 10
# What a narrower pane gives up first, one step at a time (the README lists them).
NARROWING = (("trend",), ("oi",), ("ratio", "buy"), ("funding",), ("liq_short",))
LEFT_ALIGNED = {"coin", "ratio", "trend", "alerts"}
_BASE = {key: width for key, _, width in COLUMNS}


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns a pane shows, each with its width, and the blank cells before each."""

    columns: tuple[tuple[str, int], ...]
    gap: int = GAP

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.columns)

    @property
    def width(self) -> int:
        return sum(width + self.gap for _, width in self.columns)

    def width_of(self, key: str, default: int = 0) -> int:
        return dict(self.columns).get(key, default)


def layout(width: int) -> Layout:
    """The columns that fit in ``width`` cells.  Narrow: the trend shrinks to ``TREND_MIN``
    minutes, then one narrowing step after another goes (the coin, price, delta and alert state
    always stay).  Wide: the width is used, not left blank: the 5-minute volume joins, the trend
    grows to 15 minutes, the coin column to ``COIN_MAX`` (whole names), the trend to its 30
    minutes, then the gaps widen."""
    keys = [key for key, _, _ in COLUMNS if key not in ("buy", "volume")]
    widths = dict(_BASE)

    def used(gap: int = GAP) -> int:
        return sum(widths[k] + gap for k in keys)

    widths["trend"] = max(TREND_MIN, _BASE["trend"] - max(0, used() - width))
    for step in NARROWING:
        if used() <= width:
            break
        if len(step) == 2:
            keys = [step[1] if k == step[0] else k for k in keys]
        else:
            keys.remove(step[0])
    if "trend" in keys:
        for key, most in (("volume", None), ("trend", 15), ("coin", COIN_MAX), ("trend", TREND_MAX)):
            spare = width - used()
            if key == "volume":
                if spare >= widths["volume"] + GAP:
                    keys.insert(keys.index("price") + 1, "volume")
                continue
            widths[key] = max(widths[key], min(most, widths[key] + spare))
    gap = WIDE_GAP if used(WIDE_GAP) <= width else GAP
    return Layout(tuple((k, widths[k]) for k in keys), gap)


def table_row(cells: Sequence[Cell], columns: Layout) -> Row:
    """The cells of the layout's columns side by side, each padded (or cut) to its width."""
    index = {key: i for i, (key, _, _) in enumerate(COLUMNS)}
    spans: list[Span] = []
    gap = (" " * columns.gap, "")
    for key, width in columns.columns:
        spans.append(gap)
        spans += fit(cells[index[key]], width, key in LEFT_ALIGNED)
    return tuple(spans)


def header_row(columns: Layout) -> Row:
    labels = {key: label for key, label, _ in COLUMNS}
    trend = columns.width_of("trend")
    if trend >= 10:
        labels["trend"] = f"Δ/min, last {trend}m"
    elif trend >= 8:
        labels["trend"] = f"Δ/min {trend}m"
    return table_row([((labels[k], "dim"),) for k, _, _ in COLUMNS], columns)


def fit(cell: Cell, width: int, left_aligned: bool) -> list[Span]:
    size = sum(cell_len(text) for text, _ in cell)
    if size > width:  # a long coin name, or a blank "-" padded for a wider column
        text = "".join(t for t, _ in cell).strip(" ")
        cell = ((cut(text, width), cell[0][1] if cell else ""),)
        size = cell_len(cell[0][0])
    pad = (" " * (width - size), "")
    return [*cell, pad] if left_aligned else [pad, *cell]


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
               funding_extreme: float, trend_width: int = _BASE["trend"]) -> tuple[Cell, ...]:
    watched = bool(setting and setting.watched)
    name: Cell = ((coin, "accent bold" if watched else ""),)
    if flow is None:
        blank = tuple((("-", "dim"),) for _ in COLUMNS[1:-1])  # aligned as the column is
        return (name, *blank, alert_cell(setting, now_wall_ms))
    ratio = "" if flow.buy_ratio is None else f"{flow.buy_ratio * 100:3.0f}%"
    large = _counts(flow.large_buys, flow.large_sells, 9)
    funding_role = "warn" if flow.funding is not None and abs(flow.funding) >= funding_extreme else ""
    return (
        name,
        right(fmt.price(flow.price, 10) if flow.price > 0 else "-", 10, "" if flow.price > 0 else "dim"),
        right(usd(flow.buy_usd + flow.sell_usd, 7) if flow.trades else "·", 7, "" if flow.trades else "dim"),
        (*ratio_bar(flow.buy_ratio, 6), (" ", ""), (ratio, "")),
        right(ratio or "-", 4, "" if ratio else "dim"),
        right(large, 9, "buy" if flow.large_buys > flow.large_sells else
               "sell" if flow.large_sells > flow.large_buys else "dim"),
        _delta(flow.delta_usd, 7),
        right(usd(flow.liq_long_1m, 7) if flow.liq_long_1m else "·", 7, "long" if flow.liq_long_1m else "dim"),
        right(usd(flow.liq_short_1m, 7) if flow.liq_short_1m else "·", 7, "short" if flow.liq_short_1m else "dim"),
        right(fmt.funding(flow.funding), 8, funding_role if flow.funding is not None else "dim"),
        right(fmt.pct(flow.oi_change, 1), 6, "" if flow.oi_change is not None else "dim"),
        spark(flow.spark, trend_width),
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
              funding_extreme: float = 0.001, trend_width: int = _BASE["trend"]) -> list[FlowRow]:
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
    return [FlowRow(c, flow_cells(c, by_coin.get(c), settings.get(c), now_wall_ms, funding_extreme, trend_width))
            for c in chosen]


class FlowTable(LineView):
    DEFAULT_CSS = """
    FlowTable {
        height: 1fr;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        &:focus { border: round $accent; background-tint: $foreground 0%; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *LineView.CURSOR_BINDINGS,
        Binding("enter", "choose", "Detail", tooltip="the coin's last hour, its minutes and signals"),
    ]

    def __init__(self, *, limit: int = 40, funding_extreme: float = 0.001,
                 listed: Callable[[], Collection[str]] = set, id: str | None = None) -> None:
        super().__init__(limit + 1000, cursor=True, id=id)  # watched coins may outnumber the limit
        self.limit = limit
        self.funding_extreme = funding_extreme
        self.sort_by = SORTS[0]
        self.text_filter = ""
        self.settings: dict[str, CoinSetting] = {}
        self.coins: list[str] = []  # the rows' coins, top first
        self.chosen: str | None = None  # the coin the cursor stands for (the top row's at first)
        self.listed = listed  # every coin a venue lists or the market showed
        self._flows: Sequence[CoinFlow] = ()
        self._now = 0
        self._columns: Layout = layout(sum(_BASE[k] + GAP for k in _BASE if k not in ("buy", "volume")))

    def on_mount(self) -> None:
        self._title()
        self.set_header(header_row(self._columns))

    # -- data -----------------------------------------------------------------------------

    def show(self, flows: Sequence[CoinFlow], settings: Sequence[CoinSetting], now_wall_ms: int) -> None:
        self._flows = flows
        self.settings = {s.coin: s for s in settings}
        self._now = now_wall_ms
        self._redraw()

    def _redraw(self) -> None:
        rows = flow_rows(self._flows, self.settings, sort=self.sort_by, text_filter=self.text_filter,
                         limit=self.limit, now_wall_ms=self._now, funding_extreme=self.funding_extreme,
                         trend_width=self._columns.width_of("trend", _BASE["trend"]))
        self.coins = [r.coin for r in rows]
        self.replace([table_row(r.cells, self._columns) for r in rows])
        if self.chosen is None and self.coins:
            self.chosen = self.coins[0]  # the first rows: the cursor starts on the top one
        if self.chosen in self.coins:
            index = self.coins.index(self.chosen)
            if index != self.cursor_row:
                super().move_cursor(index)
        else:
            self.clear_cursor()

    def move_cursor(self, row: int) -> None:
        """The trader's choice: the coin of ``row`` from now on."""
        super().move_cursor(row)
        if self.coins:
            self.chosen = self.coins[self.cursor_row]

    def on_resize(self, event: Resize) -> None:
        columns = layout(self.content_region.width - 1)  # the scrollbar's cell, whether it shows or not
        if columns != self._columns:
            self._columns = columns
            self.set_header(header_row(columns))
            self.rows.clear()
            self._redraw()

    @property
    def selected_coin(self) -> str | None:
        """The chosen coin while its row is in the table, else None."""
        return self.chosen if self.chosen in self.coins else None

    def coin_for(self, key: str) -> str | None:
        """The coin ``key`` acts on, or None after saying why there is none."""
        coin = self.selected_coin
        if coin is None:
            gone = f"{self.chosen} is no longer in the table" if self.chosen else "no coin in the table"
            self.notify(f"{key}: {gone}; ↑ ↓ choose a coin", title="no coin", severity="warning", timeout=4)
        return coin

    @property
    def row_count(self) -> int:
        return len(self.coins)

    def _title(self) -> None:
        title = f"Flow 5m · sort {self.sort_by}"
        if self.text_filter:
            title += f" · filter {self.text_filter}"
        self.border_title = title

    # -- actions (the coin keys are the monitor screen's: they work from any pane) -----------

    def action_choose(self) -> None:
        coin = self.coin_for("Enter")
        if coin:
            self.post_message(CoinChosen(coin))

    def action_add_coin(self) -> None:
        coin_keys.ask_to_add(self, self.listed())

    def action_remove_coin(self) -> None:
        coin = self.coin_for("d")
        if coin:
            coin_keys.remove(self, coin)

    def action_toggle_alerts(self) -> None:
        coin = self.coin_for("space")
        if coin:
            coin_keys.toggle_alerts(self, coin, self.settings.get(coin))

    def action_mute(self) -> None:
        coin = self.coin_for("m")
        if coin:
            coin_keys.ask_to_mute(self, coin)

    def action_cycle_sort(self) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self._title()
        self._redraw()

    def action_filter(self) -> None:
        """The filter prompt: the table follows as the trader types (so what the letters do is
        in sight), Enter keeps the filter, Escape puts the one before back."""
        before = self.text_filter

        def apply(text: str | None) -> None:
            text = (before if text is None else text).strip().upper()
            if text != self.text_filter:
                self.text_filter = text
                self._title()
                self._redraw()

        self.app.push_screen(PromptScreen("Filter by name: the table follows as you type · Enter keeps it · Esc goes back",
                                          value=self.text_filter, placeholder="part of a name, e.g. PEPE (empty: all)",
                                          on_change=apply), apply)
