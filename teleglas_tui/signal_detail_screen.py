"""One signal up close: what triggered it, entry, stop, target and the sweep zone, the market
context and the outcome so far, as the Telegram message words it (the same ``render``), so what
the screen shows is what a copy pastes.  ``c`` copies the text (OSC 52: works over SSH and in
tmux with ``set-clipboard on``); the text can also be selected with the mouse.
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
from engine.alerts.message import render
from engine.model import PENDING, Signal

_TAG = re.compile(r"<[^>]+>")


def signal_text(signal: Signal) -> str:
    """The alert's words as plain text, with the outcome so far while it is still open."""
    text = html.unescape(_TAG.sub("", render(signal.as_dict())))
    outcome = signal.outcome
    if signal.direction and outcome.result == PENDING:
        text += (f"\nOutcome so far: PENDING · best {fmt.pct(outcome.mfe)} · "
                 f"worst {fmt.pct(-abs(outcome.mae))}")
    return text


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

    def __init__(self, signal: Signal) -> None:
        super().__init__()
        self.signal = signal

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.border_title = f"{self.signal.coin} · {self.signal.type.replace('_', ' ')}"
        scroll.border_subtitle = "c copy · Esc close"
        with scroll:
            yield Static(signal_text(self.signal), markup=False, id="signal-text")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(signal_text(self.signal))
        # OSC 52 has no answer: a terminal (or tmux without set-clipboard on) may drop it unseen
        self.notify("signal text sent to the terminal's clipboard (in tmux: set-clipboard on)", timeout=4)
