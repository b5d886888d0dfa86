"""Bars and sparklines drawn with block characters, as spans a palette colours.

The compact charts that live in table cells and rows (the detail screen's chart is plotext's, see
``detail_chart``): a buy/sell ratio bar, a signed sparkline (net delta per minute, buying up in
the buy colour, selling in the sell colour), and bars for the minute table of the detail screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from teleglas_tui.palette import Span

_LEVELS = " ▁▂▃▄▅▆▇█"
_EIGHTHS = " ▏▎▍▌▋▊▉█"


def ratio_bar(ratio: float | None, width: int) -> tuple[Span, ...]:
    """Buy share as a two-colour bar: ``███████░░░`` is 70 % buys."""
    if ratio is None:
        return (("·" * width, "dim"),)
    buys = round(max(0.0, min(1.0, ratio)) * width)
    return (("█" * buys, "buy"), ("█" * (width - buys), "sell dim"))


def spark(values: Sequence[float], width: int, up: str = "buy", down: str = "sell") -> tuple[Span, ...]:
    """The last ``width`` values as a signed sparkline scaled to the largest magnitude (zero is
    a dot; ``up`` and ``down`` are the roles of positive and negative values)."""
    tail = list(values[-width:])
    tail = [0.0] * (width - len(tail)) + tail
    top = max((abs(v) for v in tail), default=0.0)
    spans: list[Span] = []
    for value in tail:
        if top == 0 or value == 0:
            spans.append(("·", "dim"))
            continue
        level = max(1, round(abs(value) / top * (len(_LEVELS) - 1)))
        spans.append((_LEVELS[level], up if value > 0 else down))
    return _merge(spans)


def level_bar(value: float, scale: float, width: int, role: str) -> tuple[Span, ...]:
    """``value`` against ``scale`` as a left-aligned bar ``width`` cells long, eighth-cell exact."""
    eighths = 0 if scale <= 0 else round(max(0.0, min(1.0, value / scale)) * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[part] if part else "")
    return ((bar, role), (" " * (width - len(bar)), ""))


def signed_bar(value: float, scale: float, half: int) -> tuple[Span, ...]:
    """A bar growing left (negative, sell colour) or right (positive, buy colour) of a centre."""
    cells = 0 if scale <= 0 else round(min(1.0, abs(value) / scale) * half)
    if value < 0:
        return ((" " * (half - cells), ""), ("█" * cells, "sell"), ("│", "dim"), (" " * half, ""))
    return ((" " * half, ""), ("│", "dim"), ("█" * cells, "buy"), (" " * (half - cells), ""))


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    """Join neighbours of the same role (fewer segments to draw)."""
    merged: list[Span] = []
    for text, role in spans:
        if merged and merged[-1][1] == role:
            merged[-1] = (merged[-1][0] + text, role)
        else:
            merged.append((text, role))
    return tuple(merged)
