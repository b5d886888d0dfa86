"""The signal feed: every signal, newest on top, with its context, alert state and outcome as it
resolves (PENDING → WIN / LOSS / FLAT).

``signal_row`` (pure) is also the row of the coin detail screen.  The alert column says what
happens to the signal on Telegram now: ``blocked`` by the context filter, ``silent`` (its type is
in ``alerts.silent_types``: measured not to beat the baseline, so shown but never sent), ``muted``,
``off`` (the coin's alerts are off), ``paused`` (all alerts paused), ``held`` (the hourly alert
budget kept it back) or ``alert``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType

from engine.detect import SIGNAL_TYPES
from engine.model import FAVORABLE, LONG, PENDING, SHORT, UNFAVORABLE, UNKNOWN, Signal
from engine.snapshot import CoinSetting
from teleglas_tui.columns import FULL, TINY, hms, left, width_class
from teleglas_tui.line_view import LineView
from teleglas_tui.messages import SignalChosen
from teleglas_tui.palette import Row, Span

TYPE_LABELS = {name: row.label for name, row in SIGNAL_TYPES.items()}
CONTEXT_LABELS = {FAVORABLE: ("FAV", "buy"), UNFAVORABLE: ("UNF", "sell")}
OUTCOME_ROLES = {"WIN": "win", "LOSS": "loss", "FLAT": "flat", PENDING: "dim", UNKNOWN: "dim"}
PRIORITY_ROLES = {"URGENT": "accent bold", "WATCH": "bold", "INFO": ""}
FULL_WIDTH = 56  # cells of a full row
COMPACT_WIDTH = 50


def alert_state(signal: Signal, setting: CoinSetting | None, paused: bool, now_wall_ms: int,
                silent: Collection[str] = ()) -> tuple[str, str]:
    if signal.blocked:
        return "blocked", "warn"
    if signal.type in silent:
        return "silent", "dim"
    if setting is not None and setting.muted_until_ms and setting.muted_until_ms > now_wall_ms:
        return "muted", "dim"
    if setting is None or not setting.alerts:
        return "off", "dim"
    if paused:
        return "paused", "dim"
    if signal.held:
        return "held", "dim"
    return "alert", "accent"


def signal_row(signal: Signal, setting: CoinSetting | None, paused: bool, now_wall_ms: int,
               fit: str = FULL, silent: Collection[str] = ()) -> Row:
    """One row.  ``fit`` is the pane's width class: ``compact`` shows minutes only and four-letter
    outcomes, ``tiny`` (80 columns) also leaves out the context and the alert state, never the
    confidence and the outcome."""
    label = TYPE_LABELS.get(signal.type, signal.type) + ("+" if signal.merged else "")
    if signal.direction == LONG:
        direction = ("LONG", "buy bold")
    elif signal.direction == SHORT:
        direction = ("SHORT", "sell bold")
    else:
        direction = ("-", "dim")
    context = CONTEXT_LABELS.get(signal.context.assessment, ("NEU", "dim"))
    state = alert_state(signal, setting, paused, now_wall_ms, silent)
    result = signal.outcome.result if signal.direction else "-"
    short = fit != FULL
    row: list[Span] = [
        (hms(signal.ts)[:5] if short else hms(signal.ts), "dim"),
        (" ", ""),
        left(signal.coin, 5 if fit == TINY else 6, "bold"),
        (" ", ""),
        left(label, 10, ""),
        (" ", ""),
        left(direction[0], 5, direction[1]),
        (" ", ""),
        (f"{signal.strength:3.0f}", PRIORITY_ROLES.get(signal.priority, "")),
        (" ", ""),
    ]
    if fit != TINY:
        row += [left(context[0], 3, context[1]), (" ", ""), left(state[0], 7, state[1]), (" ", "")]
    row.append((result[:4] if short else result, OUTCOME_ROLES.get(result, "dim")))
    return tuple(row)


class SignalFeed(LineView):
    DEFAULT_CSS = """
    SignalFeed {
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        &:focus { border: round $accent; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *LineView.CURSOR_BINDINGS,
        Binding("enter", "choose", "Signal detail"),
    ]

    def __init__(self, max_lines: int, *, silent: Collection[str] = (), id: str | None = None) -> None:
        super().__init__(max_lines, cursor=True, id=id)
        self._silent = frozenset(silent)  # alerts.silent_types
        self.shown: list[Signal] = []  # the rows' signals, newest first
        self._built: dict[str, tuple[tuple, Row]] = {}  # signal id -> (what its row showed, the row)

    def on_mount(self) -> None:
        self.border_title = "Signals"

    def show(self, signals: Sequence[Signal], settings: Mapping[str, CoinSetting], paused: bool,
             now_wall_ms: int) -> None:
        selected = self.selected
        fit = width_class(self.scrollable_content_region.width, FULL_WIDTH, COMPACT_WIDTH)
        limit = self.rows.maxlen or 0
        self.shown = list(reversed(signals[-limit:])) if limit else []
        built: dict[str, tuple[tuple, Row]] = {}
        rows = []
        for signal in self.shown:  # a row is built again only when what it shows changed
            setting = settings.get(signal.coin)
            state = alert_state(signal, setting, paused, now_wall_ms, self._silent)
            key = (signal.revision, signal.outcome.result, state, fit)
            known = self._built.get(signal.id)
            row = known[1] if known is not None and known[0] == key else signal_row(
                signal, setting, paused, now_wall_ms, fit, self._silent)
            built[signal.id] = (key, row)
            rows.append(row)
        self._built = built
        self.replace(rows)
        if selected is not None and self.cursor_row and selected in self.shown:  # stay on it as rows arrive
            index = self.shown.index(selected)
            if index != self.cursor_row:
                self.move_cursor(index)
        self.border_title = f"Signals · {len(signals)}"

    @property
    def selected(self) -> Signal | None:
        return self.shown[self.cursor_row] if self.cursor_row < len(self.shown) else None

    def action_choose(self) -> None:
        if self.selected is not None:
            self.post_message(SignalChosen(self.selected))
