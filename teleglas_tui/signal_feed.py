"""The signal feed: every signal, newest on top, with its context, alert status and outcome as it
resolves (PENDING → WIN / LOSS / FLAT; ``STOP`` in the loss colour as soon as the stop is touched).

``signal_row`` (pure) is also the row of the coin detail screen.  The alert column shows what
happened on Telegram as the alert policy decided it when the signal was emitted
(``Signal.alert``, see ``engine/alerts/status.py``): ``sent``, or why not.  It is never worked
out again from today's settings, so pausing, muting or unmuting later changes no old row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType

from engine.alerts import status as alert
from engine.detect import SIGNAL_TYPES
from engine.model import FAVORABLE, LONG, PENDING, SHORT, UNFAVORABLE, UNKNOWN, Signal
from teleglas_tui.columns import FULL, TINY, hms, left, width_class
from teleglas_tui.line_view import LineView
from teleglas_tui.messages import SignalChosen
from teleglas_tui.palette import Row, Span

TYPE_LABELS = {name: row.label for name, row in SIGNAL_TYPES.items()}
CONTEXT_LABELS = {FAVORABLE: ("FAV", "buy"), UNFAVORABLE: ("UNF", "sell")}
OUTCOME_ROLES = {"WIN": "win", "LOSS": "loss", "FLAT": "flat", PENDING: "dim", UNKNOWN: "dim"}
PRIORITY_ROLES = {"URGENT": "accent bold", "WATCH": "bold", "INFO": ""}
FULL_WIDTH = 60  # cells of a full row
COMPACT_WIDTH = 50
ALERT_ROLES = {alert.SENT: "accent", alert.BLOCKED: "warn", alert.STALE: "warn"}
# Compact rows (minutes only) give the alert status 7 cells: the long ones are shortened.
ALERT_SHORT = {alert.NOT_WATCHED: "unwatch", alert.NO_TELEGRAM: "no tg", alert.COOLDOWN: "cooldn"}


def alert_label(signal: Signal, short: bool = False) -> tuple[str, str]:
    """The alert column: the stored status and its role (``?`` for a signal not decided, which
    only rows older than the status can be)."""
    status = signal.alert or "?"
    return (ALERT_SHORT.get(status, status) if short else status), ALERT_ROLES.get(status, "dim")


def outcome_label(signal: Signal, short: bool = False) -> tuple[str, str]:
    """The outcome column: the result, or ``STOP`` once the stop was touched while it is pending
    (a LOSS by then, whatever comes: SPEC's stop-first rule)."""
    if not signal.direction:
        return "-", "dim"
    result = signal.outcome.result
    if result == PENDING and signal.outcome.stop_ts is not None:
        return "STOP", "loss"
    return (result[:4] if short else result), OUTCOME_ROLES.get(result, "dim")


def signal_row(signal: Signal, fit: str = FULL) -> Row:
    """One row.  ``fit`` is the pane's width class: ``compact`` shows minutes only and four-letter
    outcomes, ``tiny`` (80 columns) also leaves out the context and the alert status, never the
    confidence and the outcome."""
    label = TYPE_LABELS.get(signal.type, signal.type) + ("+" if signal.merged else "")
    if signal.direction == LONG:
        direction = ("LONG", "buy bold")
    elif signal.direction == SHORT:
        direction = ("SHORT", "sell bold")
    else:
        direction = ("-", "dim")
    context = CONTEXT_LABELS.get(signal.context.assessment, ("NEU", "dim"))
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
        state = alert_label(signal, short)
        row += [left(context[0], 3, context[1]), (" ", ""), left(state[0], 7 if short else 11, state[1]), (" ", "")]
    row.append(outcome_label(signal, short))
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

    def __init__(self, max_lines: int, *, id: str | None = None) -> None:
        super().__init__(max_lines, cursor=True, id=id)
        self.shown: list[Signal] = []  # the rows' signals, newest first
        self._built: dict[str, tuple[tuple, Row]] = {}  # signal id -> (what its row showed, the row)

    def on_mount(self) -> None:
        self.border_title = "Signals"

    def show(self, signals: Sequence[Signal]) -> None:
        selected = self.selected
        fit = width_class(self.scrollable_content_region.width, FULL_WIDTH, COMPACT_WIDTH)
        limit = self.rows.maxlen or 0
        self.shown = list(reversed(signals[-limit:])) if limit else []
        built: dict[str, tuple[tuple, Row]] = {}
        rows = []
        for signal in self.shown:  # a row is built again only when what it shows changed
            key = (signal.revision, signal.outcome.result, signal.outcome.stop_ts, signal.alert, fit)
            known = self._built.get(signal.id)
            row = known[1] if known is not None and known[0] == key else signal_row(signal, fit)
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
