"""Numbers as a trader reads them, shared by Telegram messages and the TUI.

Prices keep the precision their scale needs (``96,200`` · ``2.4375`` · ``0.00001182``): five
significant digits from 1 upward, four below 1, thousands separated, never in exponent notation;
``price`` is the one price format of the Telegram messages and every pane.  USD amounts are
compact with three significant digits (``$4.20M``, ``$12.3k``), percentages signed where a direction matters.  Nothing reads as a negative
zero (``-$0``, ``-0.00%``): a value that rounds to zero is shown unsigned.
"""

from __future__ import annotations

import math
import time


def price(value: float | None, width: int | None = None) -> str:
    """A price at the precision its scale needs; ``-`` when unknown.  With ``width``, fewer
    significant digits (at least two) until it fits, so BONK reads ``0.0000150`` in a 9-cell
    column and ``0.00001500`` elsewhere: never ``1.50e-05``, never a cut number."""
    if value is None or not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    significant = 5 if magnitude >= 0 else 4
    for digits in range(significant, 1, -1):
        text = f"{value:,.{max(0, digits - 1 - magnitude)}f}"
        if width is None or len(text) <= width:
            return text
        if digits == 3 and magnitude < -3:  # below three digits a tiny price says more counted
            return _zeros_counted(value, significant, width)
    return text


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _zeros_counted(value: float, significant: int, width: int) -> str:
    """A tiny price with its run of zeros counted, as DEX screens write it: ``0.0₇2957`` for
    0.00000002957 (seven zeros after the point)."""
    zeros = -math.floor(math.log10(abs(value))) - 1
    head = f"{'-' if value < 0 else ''}0.0{str(zeros).translate(_SUBSCRIPTS)}"
    for digits in range(significant, 1, -1):
        text = head + f"{abs(value) * 10 ** (zeros + digits):.0f}"
        if len(text) <= width:
            return text
    return text


def usd(value: float | None) -> str:
    """Compact USD, one rule for every size: whole dollars under $1,000, then three significant
    digits in the largest unit that keeps the number under 1,000 once rounded (``$950``,
    ``$1.23k``, ``$12.3k``, ``$100k``, ``$1.00M``, ``$4.20M``, ``$1.35B``; 99,960 is ``$100k``,
    never ``$100.0k`` beside ``$101k``).  A liquidation of 40 cents is ``<$1``, not ``$0``; under
    a cent (float drift of a window sum) it is ``$0``; neither has a sign."""
    if value is None or not math.isfinite(value):
        return "-"
    magnitude = abs(value)
    if magnitude < 0.01:
        return "$0"
    if magnitude < 1:
        return "<$1"
    sign = "-" if value < 0 else ""
    whole = f"{magnitude:.0f}"
    if len(whole) <= 3:
        return f"{sign}${whole}"
    for scale, unit in ((1e3, "k"), (1e6, "M"), (1e9, "B")):
        scaled = magnitude / scale
        for decimals in (2, 1, 0):
            text = f"{scaled:.{decimals}f}"
            if len(text.replace(".", "")) == 3:
                return f"{sign}${text}{unit}"
    return f"{sign}${magnitude / 1e9:.0f}B"


def pct(fraction: float | None, decimals: int = 2, signed: bool = True) -> str:
    """A fraction as a percentage: ``0.0125`` → ``+1.25%``."""
    if fraction is None or not math.isfinite(fraction):
        return "-"
    percent = round(fraction * 100, decimals)
    if percent == 0:
        return f"{0:.{decimals}f}%"
    return f"{percent:{'+' if signed else ''}.{decimals}f}%"


def funding(rate: float | None) -> str:
    """Funding per 8 h with the precision funding needs: ``0.0001`` → ``+0.0100%``."""
    return pct(rate, decimals=4)


def change(reference: float | None, value: float | None) -> str:
    """Signed percentage from ``reference`` to ``value`` (entry → stop/target)."""
    if reference is None or value is None or not reference:
        return "-"
    return pct((value - reference) / reference)


def utc_time(ms: int) -> str:
    """Wall or event time as ``2025-10-22 09:38:12 UTC``."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ms / 1000))


def duration(seconds: float) -> str:
    """``90`` → ``1m30s``, ``7200`` → ``2h``: for mutes, ages and cooldowns."""
    seconds = max(0, int(round(seconds)))
    parts = []
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            amount, seconds = divmod(seconds, size)
            parts.append(f"{amount}{unit}")
    return "".join(parts[:2])
