"""The coin detail chart: the last hour as a plotext figure (the design card's plotting library).

``detail_chart`` (pure: minute bars, size and colours in, a string with ANSI colours out) draws
two panels on one time axis:

- the price, one point per minute close, scaled to the hour's own range (minutes before the
  coin's first price are left out, never drawn at 0), with a marker on each minute that
  liquidated longs or shorts, sized by the USD liquidated (``·`` under 15 % of the hour's largest
  minute, ``•`` under half, ``●`` above) in the long and short colours;
- the net taker delta per minute as bars up (buying) or down (selling).

Tick labels use the shared formats (``fmt.price``, ``fmt.usd``, UTC times).  ``PlotView``
shows such a string in a Textual widget.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.widgets import Static

from engine import format as fmt
from engine.snapshot import MinuteBar

RGB = tuple[int, int, int]
_BACKGROUND = re.compile(r"\x1b\[48;[0-9;]*m")
MINUTE_MS = 60_000
MARKERS = ((0.5, "●"), (0.15, "•"), (0.0, "·"))  # share of the hour's largest liquidation minute
MIN_HEIGHT = 9
COLOURS = ("price", "long", "short", "buy", "sell", "axis", "label")


def marker_for(usd: float, largest: float) -> str:
    share = usd / largest if largest > 0 else 0.0
    return next(mark for floor, mark in MARKERS if share >= floor)


def detail_chart(bars: Sequence[MinuteBar], width: int, height: int, colours: Mapping[str, RGB]) -> str:
    """The price panel over the delta panel, ``width`` x ``height`` cells."""
    import plotext  # imported on use, like the quality charts: only these screens need it

    priced = [b for b in bars if b.close > 0]
    if not priced or width < 20 or height < MIN_HEIGHT:
        return "no prices in the last hour yet" if not priced else "too small for a chart"
    start = priced[0].ts

    def minute(bar: MinuteBar) -> float:
        return (bar.ts - start) / MINUTE_MS

    figure = plotext.figure
    figure.clear()
    plotext.terminal.limit(False, False)  # the size is the widget's, not the terminal's
    figure.plot_size(width, height)
    figure.subplots(2, 1)
    price, delta = figure.subplot(1, 1), figure.subplot(2, 1)
    # an odd number of rows inside the delta frame, so zero has a row of its own to grow from
    delta_height = 3 + max(3, (height * 2 // 5 - 3) | 1)
    price.plot_size(None, height - delta_height)
    delta.plot_size(None, delta_height)
    for panel in (price, delta):
        panel.axes(pixel=plotext.pixel(colours["axis"]))
        panel.ruler("both").pixel(plotext.pixel(colours["label"]))
    price.axes(False, axis="x", side="lower")  # the panels share one frame line

    xs = [minute(b) for b in priced]
    closes = [b.close for b in priced]
    price.draw(price.signal(xs, closes, marker=plotext.marker("braille", plotext.pixel(colours["price"]))).lines())
    largest = max((max(b.liq_long_usd, b.liq_short_usd) for b in priced), default=0.0)
    for side in ("long", "short"):
        hit = [b for b in priced if getattr(b, f"liq_{side}_usd") > 0]
        if hit:
            marks = [plotext.marker(marker_for(getattr(b, f"liq_{side}_usd"), largest),
                                    plotext.pixel(colours[side])) for b in hit]
            price.draw(price.signal([minute(b) for b in hit], [b.close for b in hit], marker=marks))
    low, high = min(closes), max(closes)
    if high - low < high * 1e-6:  # a flat hour: a small band around the price, not a zero range
        low, high = low * 0.999, high * 1.001
    nets = [b.buy_usd - b.sell_usd for b in priced]
    top = max((abs(v) for v in nets), default=0.0) or 1.0
    price_ticks = [low, (low + high) / 2, high]
    labels = [fmt.price(v) for v in price_ticks] + [fmt.usd(-top), fmt.usd(top)]
    label_width = max(len(label) for label in labels)  # equal on both panels: their minutes line up
    labels = [label.rjust(label_width) for label in labels]
    price.ruler("y").lim(low, high).ticks(price_ticks, labels[:3])
    span = max(1.0, xs[-1])
    price.ruler("x").lim(0, span).ticks([])

    for sign, role in ((1, "buy"), (-1, "sell")):
        side = [(x, v) for x, v in zip(xs, nets) if v * sign > 0]
        if side:  # floating bars from zero: plain bars would rise from the panel's floor
            marker = plotext.marker("hd", plotext.pixel(colours[role]))  # half cells: finer heights
            delta.draw(delta.bar([x for x, _ in side], [0.0] * len(side), [v for _, v in side], width=0.6,
                                 marker=marker))
    delta.ruler("y").lim(-top, top).ticks([-top, top], labels[3:])
    ticks = [0.0, span / 2, span]
    delta.ruler("x").lim(0, span).ticks(ticks, [time.strftime("%H:%M", time.gmtime((start + t * MINUTE_MS) / 1000))
                                                for t in ticks])
    # plotext paints a white background under the axes whatever the theme: the pane's own shows
    return _BACKGROUND.sub("", figure.build().string())


class PlotView(Static):
    """A plotext string shown as it was drawn (its colours kept, never wrapped)."""

    DEFAULT_CSS = """
    PlotView { text-wrap: nowrap; text-overflow: clip; }
    """

    def show(self, drawn: str) -> None:
        self.update(Text.from_ansi(drawn, no_wrap=True))
