"""A one-line question at the bottom of the screen: add a coin, filter the flow table.

Completion comes from ``suggestions`` (for a coin: every coin the market has shown).  Enter
answers with the text, Escape with ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label


class PromptScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PromptScreen {
        align: center bottom;
        background: $background 40%;
    }
    PromptScreen > Vertical {
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $panel;
        border-top: tall $accent;
    }
    PromptScreen Label { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, value: str = "", placeholder: str = "",
                 suggestions: Sequence[str] = ()) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        suggester = SuggestFromList(self._suggestions, case_sensitive=False) if self._suggestions else None
        with Vertical():
            yield Label(self._title)
            yield Input(self._value, placeholder=self._placeholder, suggester=suggester)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
