"""A bounded list of styled rows, newest on top, drawn line by line.

The light way to show a fast tape: no widget per row, rows are plain tuples of spans, only the
visible lines are rendered, and the whole list is repainted at most once per UI refresh.
``Log`` would be as light but cannot colour a row; ``RichLog`` colours but weighs ~3.6 KB a line.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from teleglas_tui.palette import Row, palette


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

    def __init__(self, max_lines: int, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: deque[Row] = deque(maxlen=max_lines)

    def push(self, rows: Iterable[Row]) -> None:
        """Add rows given oldest first; the newest ends on top."""
        rows = list(rows)
        if rows:
            self.rows.extendleft(rows)
            self._changed()

    def replace(self, rows: Sequence[Row]) -> None:
        """Show exactly ``rows`` (newest first), repainting only when something differs."""
        if len(rows) == len(self.rows) and all(a == b for a, b in zip(rows, self.rows)):
            return
        self.rows.clear()
        self.rows.extend(rows[: self.rows.maxlen])
        self._changed()

    def clear_rows(self) -> None:
        self.rows.clear()
        self._changed()

    def _changed(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = int(self.scroll_offset.y) + y
        base = self.rich_style
        if index >= len(self.rows):
            return Strip.blank(width, base)
        style = palette(self.app).style
        segments = [Segment(text, base + style(role)) for text, role in self.rows[index]]
        return Strip(segments).crop_extend(0, width, base)
