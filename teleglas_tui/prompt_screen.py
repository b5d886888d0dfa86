"""A one-line question at the bottom of the screen: add a coin, filter the flow table.

Completion comes from ``suggestions`` (for a coin: every coin a venue lists or the market has
shown); Tab or → takes the suggestion.  ``check`` turns the text into the answer or says what is
wrong with it, and the question stays open until the answer is right or Escape gives up.  Enter
answers, Escape answers ``None``; ``on_change`` hears the text as it is typed (the flow filter
shows its effect at once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label

Check = Callable[[str], tuple[str | None, str]]  # text -> (answer, why it is refused)


def _as_typed(text: str) -> tuple[str | None, str]:
    return text.strip(), ""


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
    PromptScreen Label.-refused { color: $warning; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("tab", "complete", "Complete", priority=True),
    ]

    def __init__(self, title: str, *, value: str = "", placeholder: str = "",
                 suggestions: Sequence[str] = (), check: Check = _as_typed,
                 on_change: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._suggestions = list(suggestions)
        self._check = check
        self._on_change = on_change

    def compose(self) -> ComposeResult:
        suggester = SuggestFromList(self._suggestions, case_sensitive=False) if self._suggestions else None
        with Vertical():
            yield Label(self._title)
            yield Input(self._value, placeholder=self._placeholder, suggester=suggester)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer, refused = self._check(event.value)
        if refused:
            label = self.query_one(Label)
            label.update(f"{refused} · Esc cancels")
            label.add_class("-refused")
            return
        self.dismiss(answer)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._on_change is not None:
            self._on_change(event.value)
        label = self.query_one(Label)
        if label.has_class("-refused"):
            label.update(self._title)
            label.remove_class("-refused")

    def action_complete(self) -> None:
        """Take the suggestion shown after the text, as → does at the end of the line."""
        field = self.query_one(Input)
        field.cursor_position = len(field.value)
        field.action_cursor_right()

    def action_cancel(self) -> None:
        self.dismiss(None)
