"""Keys and labels at a glance.  The key list is read from the screens' and panes' own bindings,
so it cannot drift from what the keys do; the legend says what every colour, alert status and
outcome on the screen means.

``key_sections`` and ``LEGEND`` (pure) are sections of entries (a key or label, what it means);
``help_view`` lays them out as a two-column grid whose meanings wrap, so nothing is cut at 80
columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from engine.alerts import status as alert
from teleglas_tui.palette import Palette, Row, Span, palette
from teleglas_tui.signal_feed import ALERT_ROLES, ALERT_SHORT

KEY_WIDTH = 13  # "FAV/NEU/UNF" and "not watched": keys and labels in one aligned column
Entry = tuple[Span, Row]  # the key or label, what it does or means
Section = tuple[str, Sequence[Entry]]


def _entry(label: str, role: str, meaning: str) -> Entry:
    return ((label, role), ((meaning, ""),))


# The alert status of a signal (the signals pane's column after the context), with the meanings
# engine/alerts/status.py gives them (README says the same) and the short form a narrow pane shows.
ALERT_STATUSES = tuple(
    (status, ALERT_ROLES.get(status, "dim"),
     meaning + (f" (narrow panes: {ALERT_SHORT[status]})" if status in ALERT_SHORT else ""))
    for status, meaning in alert.MEANINGS.items())
# The outcome, outcomes.horizon_s (15 min) after the signal, of one that has a direction.
OUTCOMES = (
    ("PENDING", "dim", "still open: neither the stop nor half the way to the target yet"),
    ("STOP", "loss", "the stop was touched: a LOSS by the stop-first rule, written at the horizon"),
    ("WIN", "win", "half the way to the target reached before any touch of the stop"),
    ("LOSS", "loss", "the stop was touched first"),
    ("FLAT", "flat", "neither within the 15 minutes"),
    ("UNKNOWN", "dim", "no price to judge it by (the data ended first, or no price came)"),
    ("-", "dim", "no direction (volume spike, funding extreme), so no outcome"),
)
LEGEND: tuple[Section, ...] = (
    ("Colours", (
        _entry("LONG liq", "long", "a long position was liquidated (a forced sell)"),
        _entry("SHORT liq", "short", "a short position was liquidated (a forced buy)"),
        _entry("BUY / SELL", "buy", "the taker side of a large trade"),
        _entry("$500k", "long huge", "large for the coin's tier: bold from 10x its large order, inverse from 50x"),
        _entry("FAV/NEU/UNF", "", "market context: favourable, neutral, unfavourable (funding, OI)"),
    )),
    ("Signals: what Telegram does with each", tuple(_entry(*status) for status in ALERT_STATUSES)),
    ("Outcomes, 15 minutes after the signal", tuple(_entry(*outcome) for outcome in OUTCOMES)),
)


def key_sections(sections: Sequence[tuple[str, Sequence[Binding]]]) -> list[Section]:
    """Each pane's described keys, with what each does (its tooltip when it has one)."""
    found: list[Section] = []
    for title, bindings in sections:
        entries = []
        for binding in bindings:
            if binding.description and binding.show:
                about: Row = ((binding.description, ""),)
                if binding.tooltip:
                    about += ((f" · {binding.tooltip}", "dim"),)
                entries.append(((binding.key_display or binding.key, "accent"), about))
        found.append((title, entries))
    return found


def help_view(sections: Sequence[Section], style: Palette) -> RenderableType:
    parts: list[RenderableType] = []
    for title, entries in sections:
        parts.append(Text(title, style=style.style("bold")))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=KEY_WIDTH, no_wrap=True)
        grid.add_column(ratio=1)
        for (label, role), about in entries:
            meaning = Text()  # wraps: a meaning is never cut at 80 columns
            for words, about_role in about:
                meaning.append(words, style.style(about_role))
            grid.add_row(Text(f" {label}", style=style.style(role)), meaning)
        parts += [grid, Text("")]
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 50%; }
    HelpScreen > VerticalScroll {
        width: 100;
        max-width: 100%;
        height: 90%;
        border: round $accent;
        border-subtitle-color: $text-muted;
        background: $panel;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, sections: Sequence[tuple[str, Sequence[Binding]]]) -> None:
        super().__init__()
        self.sections = [*key_sections(sections), *LEGEND]

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.border_title = "teleglas · keys and labels"
        scroll.border_subtitle = "↑ ↓ scroll · Esc close"
        with scroll:
            yield Static(id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-text", Static).update(help_view(self.sections, palette(self.app)))
