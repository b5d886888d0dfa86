"""Fixed-width cells shared by the panes, so columns line up and a refresh never shifts them."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size

from engine import format as fmt
from teleglas_tui.palette import Span

FULL, COMPACT, TINY = "full", "compact", "tiny"  # how much of a row a pane's width holds


def width_class(width: int, full: int, compact: int) -> str:
    """``full`` rows need ``full`` cells, ``compact`` ones ``compact``; narrower is ``tiny``."""
    return FULL if width >= full else COMPACT if width >= compact else TINY


def right(text: str, width: int, role: str = "") -> tuple[Span, ...]:
    return ((" " * (width - cell_len(text)) + text if cell_len(text) < width else text, role),)


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending with ``…`` when it had to be cut (``MELANIA``
    in five is ``MELA…``): a name cut silently reads as another name."""
    if cell_len(text) <= width:
        return text
    kept = ""
    for char in text:  # whole characters: a wide one that does not fit is left out, not halved
        if cell_len(kept + char) > width - 1:
            break
        kept += char
    return kept + "…" if width > 0 else ""


def cut_row(row: Sequence[Span], width: int) -> tuple[Span, ...]:
    """A row in at most ``width`` cells, its last span ending with ``…`` when it had to be cut."""
    spans: list[Span] = []
    room = width
    for text, role in row:
        size = cell_len(text)
        if size > room:
            spans.append((cut(text + "…", room), role))  # the … says so even when text fits room exactly
            break
        spans.append((text, role))
        room -= size
    return tuple(spans)


def left(text: str, width: int, role: str = "") -> Span:
    """Cut (with ``…``) or pad to ``width`` terminal cells (coin names may be wide characters)."""
    return (set_cell_size(cut(text, width), width), role)


def usd(value: float, width: int) -> str:
    """The shared USD format, with fewer decimals when it would not fit (``-$10.6M``): a cut
    number would be a wrong number ("-$10.60")."""
    text = fmt.usd(value)
    magnitude = abs(value)
    for scale, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if len(text) <= width or magnitude < scale:
            continue
        for decimals in (1, 0):
            text = f"{'-' if value < 0 else ''}${magnitude / scale:.{decimals}f}{unit}"
            if len(text) <= width:
                break
        break
    return text


def hms(ms: int) -> str:
    """Event time of day, UTC (venues and recordings are UTC; the header says so)."""
    return time.strftime("%H:%M:%S", time.gmtime(ms / 1000))
