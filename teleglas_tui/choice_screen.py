"""Pick one of a few choices (a mute duration) from a small centred list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

T = TypeVar("T")


class ChoiceScreen(ModalScreen[T | None], Generic[T]):
    DEFAULT_CSS = """
    ChoiceScreen {
        align: center middle;
        background: $background 40%;
    }
    ChoiceScreen > OptionList {
        width: 32;
        height: auto;
        max-height: 14;
        border: tall $accent;
        background: $panel;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str, T]]) -> None:
        super().__init__()
        self._title = title
        self._values = [value for _, value in choices]
        self._labels = [label for label, _ in choices]

    def compose(self) -> ComposeResult:
        options = OptionList(*(Option(label) for label in self._labels))
        options.border_title = self._title
        yield options

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._values[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
