"""The coin detail chart: the last hour as text rows a palette colours, readable without colour.

``detail_chart`` (pure: minute bars and a size in, rows of spans out) draws, on one time axis:

- the price, one braille point per minute close joined into a line, scaled to the hour's own
  range (minutes before the coin's first price are left out, never drawn at 0), with round
  price ticks (``87,500``, ``87,550``: multiples of 1, 2, 2.5 or 5 times a power of ten);
- a mark on each minute that liquidated positions, its shape saying the side whatever the
  colours: ``▼`` longs (a forced sell), ``▲`` shorts (a forced buy), ``◆`` both, the small
  ``▾`` ``▴`` under half of the hour's largest liquidation minute;
- the net taker delta per minute as bars up (buying) and down (selling) from a zero row, an
  eighth of a row exact, on a round scale (``$4.00M``, ``0``, ``-$4.00M``), when the height
  allows it.
  When it does not (80x24), the chart keeps the price and says the delta is in the minute
  table below it, which has a value and a bar for every minute.

Then a time axis with round UTC times.  ``PlotView`` shows a chart drawn as text (the statistics
screen's charts).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from engine import format as fmt
from engine.snapshot import MinuteBar
from teleglas_tui.columns import cut_row
from teleglas_tui.palette import Row, Span

MINUTE_MS = 60_000
MIN_WIDTH = 30
MIN_PRICE_ROWS = 3
DELTA_FROM = 9  # rows for the two panels from which the delta gets its own (else: the table)
LEGEND_ROWS, AXIS_ROWS = 1, 2
LARGE = 0.5  # share of the hour's largest liquidation minute from which a mark is large
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # braille dot of (row, column) in a cell
_TIME_STEPS = (1, 2, 5, 10, 15, 20, 30, 60)  # minutes between time ticks
_LEVELS = " ▁▂▃▄▅▆▇█"  # eighths of a cell, filled from the bottom


def nice_step(span: float, most: int) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) giving at most ``most`` ticks."""
    raw = span / max(1, most)
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def nice_ceiling(value: float) -> float:
    """The round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at or above
    ``value``: a scale that wastes at most a third of the panel."""
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * magnitude >= value * (1 - 1e-9))


def price_ticks(low: float, high: float, most: int) -> tuple[list[float], int]:
    """Round prices inside ``[low, high]`` (at least two, at most about ``most``) and the
    decimals they need."""
    for wanted in range(max(2, most), max(2, most) * 4):
        step = nice_step(high - low, wanted)
        ticks = [k * step for k in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)]
        if len(ticks) >= 2:
            break
    decimals = 0
    while decimals < 12 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-6:
        decimals += 1
    return ticks, decimals


def marker(long_usd: float, short_usd: float, largest: float) -> Span | None:
    """The mark of a minute's liquidations: its shape the side, its size the amount."""
    if long_usd <= 0 and short_usd <= 0:
        return None
    if long_usd > 0 and short_usd > 0:
        return ("◆", "long bold" if long_usd >= short_usd else "short bold")
    usd, side = (long_usd, "long") if long_usd > 0 else (short_usd, "short")
    large = largest > 0 and usd >= LARGE * largest
    glyph = ("▼" if large else "▾") if side == "long" else ("▲" if large else "▴")
    return (glyph, f"{side} bold" if large else side)


def detail_chart(bars: Sequence[MinuteBar], width: int, height: int) -> list[Row]:
    """``height`` rows of ``width`` cells: the legend, the price (and delta) panels, the time axis."""
    priced = [b for b in bars if b.close > 0]
    if not priced:
        return [(("no prices in the last hour yet", "dim"),)]
    panels = height - LEGEND_ROWS - AXIS_ROWS
    if width < MIN_WIDTH or panels < MIN_PRICE_ROWS:
        return [(("too small for a chart: the minutes are below", "dim"),)]
    delta_rows = max(3, (panels * 2 // 5) | 1) if panels >= DELTA_FROM else 0  # odd: zero has its own row
    price_rows = panels - delta_rows

    start = priced[0].ts
    minutes = [(b.ts - start) // MINUTE_MS for b in priced]
    span = max(minutes) + 1  # minutes on the axis
    closes = [b.close for b in priced]
    low, high = min(closes), max(closes)
    if high - low < high * 1e-6:  # a flat hour: a small band around the price, not a zero range
        low, high = low * 0.999, high * 1.001
    ticks, decimals = price_ticks(low, high, max(2, price_rows // 2))
    nets = [b.buy_usd - b.sell_usd for b in priced]
    scale = nice_ceiling(max(abs(v) for v in nets)) if any(nets) else 1.0
    labels = [f"{t:,.{decimals}f}" for t in ticks]
    if delta_rows:
        labels += [fmt.usd(scale), fmt.usd(-scale)]
    label_width = max(len(label) for label in labels)
    plot = width - label_width - 1  # the axis line takes a cell

    def columns(minute: int) -> tuple[int, int]:  # the cells of one minute: its bar, its point
        first = minute * plot // span
        last = max(first, (minute + 1) * plot // span - 1)
        return first, last if last - first < 2 else last - 1  # a gap between wide bars

    legend = _legend(delta_rows > 0)
    rows = [cut_row(legend, width)]
    rows += _price_panel(priced, minutes, columns, price_rows, plot, low, high, ticks, labels, label_width)
    if delta_rows:
        rows += _delta_panel(minutes, nets, columns, delta_rows, plot, scale, label_width)
    rows += _time_axis(start, span, columns, plot, label_width)
    return rows


def _legend(with_delta: bool) -> Row:
    delta = "net delta a minute: up buying, down selling" if with_delta else "net delta: the Minutes table"
    return (("▼", "long bold"), (" longs ", "dim"), ("▲", "short bold"), (" shorts liquidated (", "dim"),
            ("▾▴", "dim"), (" smaller) · ", "dim"), (delta, "dim"))


def _price_panel(priced, minutes, columns, rows_n, plot, low, high, ticks, labels, label_width) -> list[Row]:
    dots = [[0] * plot for _ in range(rows_n)]
    pixel_rows = rows_n * 4

    def y_of(price: float) -> int:
        return min(pixel_rows - 1, max(0, round((high - price) / (high - low) * (pixel_rows - 1))))

    points = []
    for minute, bar in zip(minutes, priced):
        first, last = columns(minute)
        points.append((first + last, y_of(bar.close)))  # x in half cells: the middle of the minute's cells
    for (x0, y0), (x1, y1) in zip(points, points[1:] or points):
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(steps + 1):
            x, y = x0 + (x1 - x0) * i // steps, y0 + (y1 - y0) * i // steps
            if 0 <= x < plot * 2:
                dots[y // 4][x // 2] |= _DOTS[y % 4][x % 2]
    largest = max(max(b.liq_long_usd, b.liq_short_usd) for b in priced)
    marks: dict[tuple[int, int], Span] = {}
    for minute, bar in zip(minutes, priced):
        mark = marker(bar.liq_long_usd, bar.liq_short_usd, largest)
        if mark:
            first, last = columns(minute)
            marks[(y_of(bar.close) // 4, (first + last) // 2)] = mark
    tick_rows = {min(rows_n - 1, y_of(t) // 4): label for t, label in zip(ticks, labels)}
    out = []
    for r in range(rows_n):
        label = tick_rows.get(r)
        spans: list[Span] = [((label or "").rjust(label_width), "dim"), ("┤" if label else "│", "dim")]
        run = ""
        for c in range(plot):
            mark = marks.get((r, c))
            if mark:
                spans += [(run, "accent"), mark]
                run = ""
            else:
                run += chr(0x2800 + dots[r][c]) if dots[r][c] else " "
        spans.append((run, "accent"))
        out.append(tuple(s for s in spans if s[0]))
    return out


def _delta_panel(minutes, nets, columns, rows_n, plot, scale, label_width) -> list[Row]:
    """Bars from the zero row, an eighth of a row exact: up in lower blocks, down in the same
    blocks reversed (which fill a cell from its top)."""
    half = rows_n // 2  # rows on each side of the zero row
    cells = [0.0] * plot
    for minute, net in zip(minutes, nets):  # minutes that share a cell add up
        first, last = columns(minute)
        for c in range(first, last + 1):
            cells[c] += net
    eighths = [round(min(1.0, abs(v) / scale) * half * 8) for v in cells]
    out = []
    for r in range(rows_n):
        if r == half:
            out.append((("0".rjust(label_width), "dim"), ("┼" + "─" * plot, "dim")))
            continue
        label = fmt.usd(scale) if r == 0 else fmt.usd(-scale) if r == rows_n - 1 else ""
        spans: list[Span] = [(label.rjust(label_width), "dim"), ("┤" if label else "│", "dim")]
        depth = half - r if r < half else r - half  # rows away from zero, 1 = next to it
        for value, n in zip(cells, eighths):
            filled = min(8, n - 8 * (depth - 1))  # eighths of this bar in this row
            if not value or (value > 0) != (r < half) or filled <= 0:
                spans.append((" ", ""))
            elif value > 0:
                spans.append((_LEVELS[filled], "buy"))
            else:
                spans.append(("█" if filled == 8 else _LEVELS[8 - filled], "sell" if filled == 8 else "sell reverse"))
        out.append(_merge(spans))
    return out


def _time_axis(start: int, span: int, columns, plot: int, label_width: int) -> list[Row]:
    per_minute = plot / span
    step = next((s for s in _TIME_STEPS if s * per_minute >= 7), _TIME_STEPS[-1])
    axis = [" " * label_width + "└"] + ["─"] * plot
    labels = [" "] * (label_width + 1 + plot)
    for minute in range(span):
        ts = start + minute * MINUTE_MS
        if (ts // MINUTE_MS) % step:
            continue
        first, last = columns(minute)
        at = (first + last) // 2
        axis[1 + at] = "┬"
        text = time.strftime("%H:%M", time.gmtime(ts / 1000))
        left = max(0, label_width + 1 + at - 2)
        if left + 5 <= len(labels) and all(c == " " for c in labels[max(0, left - 1):left + 5]):
            labels[left:left + 5] = list(text)
    return [(("".join(axis), "dim"),), (("".join(labels), "dim"),)]


def _merge(spans: list[Span]) -> Row:
    merged: list[Span] = []
    for text, role in spans:
        if merged and merged[-1][1] == role:
            merged[-1] = (merged[-1][0] + text, role)
        else:
            merged.append((text, role))
    return tuple(merged)


class PlotView(Static):
    """A chart drawn as text, shown as it was drawn (its colours kept, never wrapped)."""

    DEFAULT_CSS = """
    PlotView { text-wrap: nowrap; text-overflow: clip; }
    """

    def show(self, drawn: str) -> None:
        self.update(Text.from_ansi(drawn, no_wrap=True))
