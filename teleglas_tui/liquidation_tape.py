"""The tape: every liquidation and large trade, newest on top.

``tape_row`` (pure) turns one event into a row.  Size emphasis is tier-relative, like the
signals: bold from 10 x the coin tier's large-order size (BTC $100k, a tier-3 coin $20k),
inverse from 50 x (BTC $500k, tier 3 $100k).  ``LiquidationTape`` appends only what is new
since the last refresh (``EngineSnapshot.tape_seq``), keeps at most ``ui.tape_max_lines`` rows,
and can pause, show liquidations only, or hide rows under a minimum size.  Each row is built
when first drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType

from engine import format as fmt
from engine.model import LONG, Liquidation, Trade
from engine.snapshot import EngineSnapshot
from engine.tiers import Tiers
from teleglas_tui.columns import FULL, TINY, hms, left, width_class
from teleglas_tui.line_view import LineView
from teleglas_tui.palette import Row

MIN_USD_STEPS = (0.0, 10_000.0, 50_000.0, 100_000.0, 250_000.0, 1_000_000.0)
BOLD_FACTOR = 10
HUGE_FACTOR = 50
FULL_WIDTH = 47  # cells of a full row; narrower panes drop the venue
COMPACT_WIDTH = 43


def emphasis(usd: float, large_order_usd: float) -> str:
    if usd >= HUGE_FACTOR * large_order_usd:
        return "huge"
    if usd >= BOLD_FACTOR * large_order_usd:
        return "bold"
    return ""


def tape_row(item: Liquidation | Trade, tiers: Tiers, fit: str = FULL) -> Row:
    """One row; ``fit`` is the pane's width class: ``compact`` leaves out the venue, ``tiny`` (80
    columns) also shortens the coin and the liquidation labels (``L liq``, ``S liq``)."""
    tiny = fit == TINY
    if isinstance(item, Liquidation):
        long = item.side == LONG
        label = ("L liq" if long else "S liq") if tiny else ("LONG liq" if long else "SHORT liq")
        role = "long" if long else "short"
    else:
        label, role = item.side.upper(), item.side
    weight = emphasis(item.usd, tiers.of(tiers.tier(item.coin)).large_order_usd)
    venue = (left(item.venue[:3].upper(), 3, "dim"), (" ", "")) if fit == FULL else ()
    return (
        (hms(item.ts), "dim"),
        (" ", ""),
        *venue,
        left(item.coin, 5 if tiny else 6, "bold"),
        (" ", ""),
        left(label, 5 if tiny else 9, role),
        (fmt.usd(item.usd).rjust(7), f"{role} {weight}" if weight else role),
        (fmt.price(item.price, 9 if tiny else 10).rjust(10 if tiny else 11), ""),
    )


def filtered_rows(min_usd: float, liquidations_only: bool) -> tuple[Row, ...]:
    """What an empty tape says when its filter hides everything so far."""
    what = "liquidation" if liquidations_only else "liquidation or large trade"
    size = f" of {fmt.usd(min_usd)} or more" if min_usd else ""
    keys = ["f: minimum size"] if min_usd else []
    keys += ["l: large trades too"] if liquidations_only else []
    return ((f"no {what}{size} yet", "dim"),), ((" · ".join(keys), "dim"),)


def keep(item: Liquidation | Trade, min_usd: float, liquidations_only: bool) -> bool:
    return item.usd >= min_usd and (not liquidations_only or isinstance(item, Liquidation))


class LiquidationTape(LineView):
    DEFAULT_CSS = """
    LiquidationTape {
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        &:focus { border: round $accent; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause tape", tooltip="hold the tape still (again: resume)"),
        Binding("l", "toggle_liquidations_only", "Liqs only", tooltip="the tape without large trades (again: with)"),
        Binding("f", "cycle_min_usd", "Min size", tooltip="hide tape rows under $10k, $50k, $100k, $250k, $1M"),
    ]

    def __init__(self, tiers: Tiers, *, max_lines: int = 400, min_usd: float = 0.0,
                 id: str | None = None) -> None:
        super().__init__(max_lines, id=id)
        self.tiers = tiers
        self.min_usd = min_usd
        self.liquidations_only = False
        self.paused = False
        self.fit = FULL
        self._seq = 0
        self._tape: list[Liquidation | Trade] = []
        self._tape_seq = 0
        self._waiting = 0  # items that arrived while paused

    def on_mount(self) -> None:
        self._title()

    def show(self, snap: EngineSnapshot, waiting: Sequence[Row] = ()) -> None:
        """The new items of ``snap``; ``waiting`` is what the tape says while nothing has come."""
        self._tape, self._tape_seq = snap.tape, snap.tape_seq
        new = snap.tape_seq - self._seq
        if self.paused:  # keep _seq: the first refresh after the pause appends what came
            if new != self._waiting:
                self._waiting = new
                self._title()
            return
        fit = width_class(self.scrollable_content_region.width, FULL_WIDTH, COMPACT_WIDTH)
        if fit != self.fit or new < 0:  # resized across a threshold, or a new engine
            self.fit = fit
            self._rebuild()
        elif new:
            self._append(snap.tape[-new:] if new < len(snap.tape) else snap.tape)
            self._seq = snap.tape_seq
        if not self.rows:
            self.set_empty(filtered_rows(self.min_usd, self.liquidations_only) if snap.tape
                           else waiting or ((("no liquidation or large trade yet", "dim"),),))

    def _append(self, items: Iterable[Liquidation | Trade]) -> None:
        # Rows are built when first drawn: at x25 a refresh brings hundreds, a screen shows ~40.
        self.push([i, None] for i in items if keep(i, self.min_usd, self.liquidations_only))

    def row_at(self, index: int) -> Row:
        entry = self.rows[index]
        if entry[1] is None:
            entry[1] = tape_row(entry[0], self.tiers, self.fit)
        return entry[1]

    def _rebuild(self) -> None:
        self.clear_rows()
        self._append(self._tape)
        self._seq = self._tape_seq

    def _title(self) -> None:
        what = "liquidations" if self.liquidations_only else "liquidations + large trades"
        # PAUSED leads: a narrow pane cuts the end of its title
        title = f"PAUSED +{self._waiting} · " if self.paused else ""
        title += f"Tape · {what}"
        if self.min_usd:
            title += f" ≥ {fmt.usd(self.min_usd)}"
        self.border_title = title

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self._waiting = 0
        self._title()

    def action_toggle_liquidations_only(self) -> None:
        self.liquidations_only = not self.liquidations_only
        self._rebuild()
        self._title()

    def action_cycle_min_usd(self) -> None:
        larger = [s for s in MIN_USD_STEPS if s > self.min_usd]
        self.min_usd = larger[0] if larger else MIN_USD_STEPS[0]
        self._rebuild()
        self._title()
