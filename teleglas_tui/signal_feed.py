"""The signal feed: every signal, newest on top, with its context, alert state and outcome as it
resolves (PENDING → WIN / LOSS / FLAT).

``signal_row`` (pure) is also the row of the coin detail screen.  The alert column says what
happens to the signal on Telegram now: ``blocked`` by the context filter, ``muted``, ``off``
(the coin's alerts are off), ``paused`` (all alerts paused) or ``alert``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.model import FAVORABLE, LONG, PENDING, SHORT, UNFAVORABLE, UNKNOWN, Signal
from engine.snapshot import CoinSetting
from teleglas_tui.columns import hms, left
from teleglas_tui.line_view import LineView
from teleglas_tui.palette import Row

TYPE_LABELS = {
    "STOP_HUNT": "STOP HUNT",
    "ACCUMULATION": "ACCUM",
    "DISTRIBUTION": "DISTRIB",
    "WHALE_ACCUMULATION": "WHALE ACC",
    "WHALE_DISTRIBUTION": "WHALE DIS",
    "VOLUME_SPIKE": "VOL SPIKE",
    "FUNDING_EXTREME": "FUNDING",
}
CONTEXT_LABELS = {FAVORABLE: ("FAV", "buy"), UNFAVORABLE: ("UNF", "sell")}
OUTCOME_ROLES = {"WIN": "win", "LOSS": "loss", "FLAT": "flat", PENDING: "dim", UNKNOWN: "dim"}
PRIORITY_ROLES = {"URGENT": "accent bold", "WATCH": "bold", "INFO": ""}
FULL_WIDTH = 56  # cells of a full row


def alert_state(signal: Signal, setting: CoinSetting | None, paused: bool, now_wall_ms: int) -> tuple[str, str]:
    if signal.blocked:
        return "blocked", "warn"
    if setting is not None and setting.muted_until_ms and setting.muted_until_ms > now_wall_ms:
        return "muted", "dim"
    if setting is None or not setting.alerts:
        return "off", "dim"
    if paused:
        return "paused", "dim"
    return "alert", "accent"


def signal_row(signal: Signal, setting: CoinSetting | None, paused: bool, now_wall_ms: int,
               compact: bool = False) -> Row:
    """One row; ``compact`` (a narrow pane) shows minutes only and four-letter outcomes."""
    label = TYPE_LABELS.get(signal.type, signal.type) + ("+" if signal.merged else "")
    if signal.direction == LONG:
        direction = ("LONG", "buy bold")
    elif signal.direction == SHORT:
        direction = ("SHORT", "sell bold")
    else:
        direction = ("-", "dim")
    context = CONTEXT_LABELS.get(signal.context.assessment, ("NEU", "dim"))
    state = alert_state(signal, setting, paused, now_wall_ms)
    result = signal.outcome.result if signal.direction else "-"
    return (
        (hms(signal.ts)[:5] if compact else hms(signal.ts), "dim"),
        (" ", ""),
        left(signal.coin, 6, "bold"),
        (" ", ""),
        left(label, 10, ""),
        left(direction[0], 6, direction[1]),
        (f"{signal.confidence:3.0f}", PRIORITY_ROLES.get(signal.priority, "")),
        (" ", ""),
        left(context[0], 4, context[1]),
        left(state[0], 8, state[1]),
        (result[:4] if compact else result, OUTCOME_ROLES.get(result, "dim")),
    )


def feed_rows(signals: Sequence[Signal], settings: Mapping[str, CoinSetting], paused: bool,
              now_wall_ms: int, limit: int, compact: bool = False) -> list[Row]:
    """The newest ``limit`` signals, newest first."""
    newest = signals[-limit:] if limit else ()
    return [signal_row(s, settings.get(s.coin), paused, now_wall_ms, compact) for s in reversed(newest)]


class SignalFeed(LineView):
    DEFAULT_CSS = """
    SignalFeed {
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        &:focus { border: round $accent; }
    }
    """

    def on_mount(self) -> None:
        self.border_title = "Signals"

    def show(self, signals: Sequence[Signal], settings: Mapping[str, CoinSetting], paused: bool,
             now_wall_ms: int) -> None:
        compact = self.scrollable_content_region.width < FULL_WIDTH
        self.replace(feed_rows(signals, settings, paused, now_wall_ms, self.rows.maxlen or 0, compact))
        self.border_title = f"Signals · {len(signals)}"
