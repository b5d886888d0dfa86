"""One signal up close: what triggered it, entry, stop, target and the sweep zone, the market
context and the outcome so far, as the Telegram message words it (the same ``render``), so what
the screen shows is what a copy pastes; then what happened on Telegram (the stored alert status
and what it means).  The text follows the signal while the screen is open: a stop touched shows
at once ("stop touched at 14:58:03"), not when the outcome resolves.  ``c`` copies the text (OSC
52: works over SSH and in tmux with ``set-clipboard on``); it can also be selected with the mouse.
"""

from __future__ import annotations

import html
import re
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from engine import format as fmt
from engine.alerts import status as alert
from engine.alerts.message import render
from engine.model import PENDING, Signal

_TAG = re.compile(r"<[^>]+>")
REFRESH_S = 1.0  # how often the open detail follows its signal


def signal_text(signal: Signal, horizon_s: float) -> str:
    """The alert's words as plain text (``horizon_s``: ``outcomes.horizon_s``), with the outcome so
    far while it is still open and what happened on Telegram."""
    text = html.unescape(_TAG.sub("", render(signal.as_dict(), horizon_s)))
    outcome = signal.outcome
    if signal.direction and outcome.result == PENDING:
        so_far = "stop touched (see above)" if outcome.stop_ts is not None else "PENDING"
        text += f"\nOutcome so far: {so_far} · best {fmt.pct(outcome.mfe)} · worst {fmt.pct(-abs(outcome.mae))}"
    return f"{text}\n{telegram_line(signal.alert)}"


def telegram_line(status: str) -> str:
    """What happened on Telegram, in words: the stored status and its meaning."""
    if status == alert.SENT:
        return f"Telegram: sent ({alert.MEANINGS[status].partition('; ')[2]})"
    meaning = alert.MEANINGS.get(status)
    return f"Telegram: not sent · {status}: {meaning}" if meaning else "Telegram: not recorded"


class SignalDetailScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    SignalDetailScreen { align: center middle; background: $background 50%; }
    SignalDetailScreen > VerticalScroll {
        width: 84;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        border-subtitle-color: $text-muted;
        background: $panel;
        padding: 0 1;
    }
    SignalDetailScreen Static { width: 100%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy text"),
        Binding("escape,enter,q", "dismiss", "Close", key_display="Esc"),
    ]

    def __init__(self, signal: Signal, horizon_s: float) -> None:
        super().__init__()
        self.signal = signal
        self.horizon_s = horizon_s  # outcomes.horizon_s
        self._shown = ""  # the text on screen

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.border_title = f"{self.signal.coin} · {self.signal.type.replace('_', ' ')}"
        scroll.border_subtitle = "c copy · Esc close"
        self._shown = signal_text(self.signal, self.horizon_s)
        with scroll:
            yield Static(self._shown, markup=False, id="signal-text")

    def on_mount(self) -> None:
        self.set_interval(REFRESH_S, self._follow)

    def _follow(self) -> None:
        text = signal_text(self.signal, self.horizon_s)
        if text != self._shown:
            self._shown = text
            self.query_one("#signal-text", Static).update(text)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(signal_text(self.signal, self.horizon_s))
        # OSC 52 has no answer: a terminal (or tmux without set-clipboard on) may drop it unseen
        self.notify("signal text sent to the terminal's clipboard (in tmux: set-clipboard on)", timeout=4)
