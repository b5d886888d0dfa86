"""Keys and colours at a glance.  The key list is read from the panes' own bindings, so it
cannot drift from what the keys do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from teleglas_tui.columns import left
from teleglas_tui.palette import Row, palette

KEY_WIDTH = 15  # "  FAV/NEU/UNF" and a space: keys and legend labels in one aligned column
LEGEND: tuple[Row, ...] = (
    (("Colours", "bold"),),
    (left("  LONG liq", KEY_WIDTH, "long"), ("a long position was liquidated (forced sell)", ""),),
    (left("  SHORT liq", KEY_WIDTH, "short"), ("a short position was liquidated (forced buy)", ""),),
    (left("  BUY / SELL", KEY_WIDTH, "buy"), ("taker side of a large trade", ""),),
    (left("  $500k", KEY_WIDTH, "long huge"), ("size large for the coin's tier (bold: 10x, inverse: 50x its large order)", ""),),
    (left("  FAV/NEU/UNF", KEY_WIDTH, ""), ("market context: favourable, neutral, unfavourable (funding, OI)", ""),),
    (left("  blocked", KEY_WIDTH, "warn"), ("context filter kept it off Telegram (still stored and shown)", ""),),
    (left("  WIN", KEY_WIDTH, "win"), ("outcome after 15 min: target half reached before the stop; LOSS: stop first", ""),),
)


def key_rows(sections: Sequence[tuple[str, Sequence[Binding]]]) -> list[Row]:
    rows: list[Row] = []
    for title, bindings in sections:
        rows.append(((title, "bold"),))
        for binding in bindings:
            if binding.description and binding.show:
                key = binding.key_display or binding.key
                about = (f" · {binding.tooltip}", "dim") if binding.tooltip else ("", "")
                rows.append((left(f"  {key}", KEY_WIDTH, "accent"), (binding.description, ""), about))
        rows.append(())
    return rows


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 50%; }
    HelpScreen > VerticalScroll {
        width: 90;
        max-width: 100%;
        height: 90%;
        border: round $accent;
        background: $panel;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, sections: Sequence[tuple[str, Sequence[Binding]]]) -> None:
        super().__init__()
        self._rows = [*key_rows(sections), *LEGEND]

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.border_title = "teleglas · keys"
        with scroll:
            yield Static(id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-text", Static).update(palette(self.app).lines(self._rows))
