"""A bounded list of styled rows, newest on top, drawn line by line; optionally with a fixed
header line and a row cursor.

The light way to show a fast tape or a table redrawn several times a second: no widget per row,
rows are plain tuples of spans, only the visible lines are rendered, and each row's line is
drawn once and reused (keyed by the row itself) while it stays on screen, however often the
rows move.  ``Log`` would be as light but cannot colour a row; ``RichLog`` colours but weighs
~3.6 KB a line; ``DataTable`` renders every cell again after any cell changes (measured: half a
core for the 40-row flow table at 5 Hz).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.events import Click
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from teleglas_tui.columns import cut_row
from teleglas_tui.palette import Row, palette

_CACHE_SCREENS = 4  # drawn lines kept, in screenfuls: enough for a tape scrolling between redraws
NO_ROW = -1  # the cursor's row when it stands on none; a cursor key puts it back on the list


class LineView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    LineView {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        &:focus { background-tint: $foreground 4%; }
    }
    """
    CURSOR_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
    ]

    def __init__(self, max_lines: int, *, cursor: bool = False, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: deque[Row] = deque(maxlen=max_lines)
        self.header: Row | None = None
        self.empty: tuple[Row, ...] = ()  # what the pane says while it has no rows
        self.has_cursor = cursor
        self.cursor_row = 0  # NO_ROW when the cursor stands on no row
        self._drawn: dict[tuple[Row, bool], Strip] = {}
        self._drawn_for: tuple[object, int, bool, Style] | None = None
        self._base = Style()

    # -- rows -----------------------------------------------------------------------------

    def push(self, rows: Iterable[Row]) -> None:
        """Add rows given oldest first; the newest ends on top."""
        rows = list(rows)
        if rows:
            self.rows.extendleft(rows)
            self._changed()

    def replace(self, rows: Sequence[Row]) -> None:
        """Show exactly ``rows`` (newest first), repainting only the lines that differ."""
        rows = rows[: self.rows.maxlen]
        if len(rows) != len(self.rows):
            self.rows.clear()
            self.rows.extend(rows)
            self._changed()
            return
        changed = [i for i, (a, b) in enumerate(zip(rows, self.rows)) if a != b]
        if not changed:
            return
        self.rows.clear()
        self.rows.extend(rows)
        top = int(self.scroll_offset.y) - self._header_lines
        width = self.size.width
        self.refresh(*(Region(0, i - top, width, 1) for i in changed if 0 <= i - top < self.size.height))

    def clear_rows(self) -> None:
        self.rows.clear()
        self._changed()

    def set_header(self, header: Row | None) -> None:
        if header != self.header:
            self.header = header
            self._changed()

    def set_empty(self, rows: Sequence[Row]) -> None:
        """The lines shown while there are no rows (what the pane waits for)."""
        rows = tuple(rows)
        if rows != self.empty:
            self.empty = rows
            if not self.rows:
                self.refresh()

    def _changed(self) -> None:
        if self.cursor_row >= len(self.rows):
            self.cursor_row = max(0, len(self.rows) - 1)
        self.virtual_size = Size(self.size.width, len(self.rows) + self._header_lines)
        self.refresh()

    @property
    def _header_lines(self) -> int:
        return 0 if self.header is None else 1

    # -- cursor ---------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        if not self.rows:
            return
        self.cursor_row = max(0, min(len(self.rows) - 1, row))
        view = self.scrollable_content_region.height - self._header_lines
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif view > 0 and self.cursor_row >= top + view:
            self.scroll_to(y=self.cursor_row - view + 1, animate=False, immediate=True)
        self.refresh()

    def clear_cursor(self) -> None:
        """The cursor on no row (the row it stood for has gone): no neighbour takes its place."""
        if self.cursor_row != NO_ROW:
            self.cursor_row = NO_ROW
            self.refresh()

    def action_cursor(self, step: int) -> None:
        self.move_cursor(0 if self.cursor_row == NO_ROW else self.cursor_row + step)  # from nowhere: the top

    def action_cursor_page(self, direction: int) -> None:
        if self.cursor_row == NO_ROW:
            self.move_cursor(0)
            return
        self.move_cursor(self.cursor_row + direction * max(1, self.scrollable_content_region.height - 1))

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self.rows) - 1)

    def action_choose(self) -> None:
        """Enter or a double click on the row under the cursor: the panes say what it opens."""

    def on_click(self, event: Click) -> None:
        if not self.has_cursor:
            return
        index = int(self.scroll_offset.y) + event.y - self._header_lines
        if 0 <= index < len(self.rows):
            chosen_again = index == self.cursor_row
            self.move_cursor(index)
            if chosen_again and event.chain == 2:
                self.action_choose()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing --------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base = self.rich_style  # one look-up per repaint, not one per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base
        style = palette(self.app)
        drawn_for = (style, width, self.has_focus, base)
        if drawn_for != self._drawn_for or len(self._drawn) > _CACHE_SCREENS * max(8, self.size.height):
            self._drawn.clear()
            self._drawn_for = drawn_for
        if self.header is not None and y == 0:
            return self._draw(self.header, False, base, width)
        index = int(self.scroll_offset.y) + y - self._header_lines
        if not self.rows and 0 <= index < len(self.empty):
            return self._draw(cut_row(self.empty[index], width), False, base, width)
        if index >= len(self.rows):
            return Strip.blank(width, base)
        return self._draw(self.row_at(index), self.has_cursor and index == self.cursor_row, base, width)

    def row_at(self, index: int) -> Row:
        """The row shown at ``index`` (a pane that keeps its items unbuilt builds it here)."""
        return self.rows[index]

    def _draw(self, row: Row, under_cursor: bool, base: Style, width: int) -> Strip:
        key = (row, under_cursor)
        strip = self._drawn.get(key)
        if strip is None:
            style = palette(self.app).style
            if under_cursor:
                base = base + self._cursor_style()
            segments = [Segment(text, base + style(role)) for text, role in row]
            strip = self._drawn[key] = Strip(segments).crop_extend(0, width, base)
        return strip

    def _cursor_style(self) -> Style:
        variables = self.app.theme_variables
        prefix = "block-cursor" if self.has_focus else "block-cursor-blurred"
        background = variables.get(f"{prefix}-background", "")
        try:
            return Style(bgcolor=Color.parse(background).rich_color, bold=self.has_focus)
        except ColorParseError:
            return Style(reverse=True)
