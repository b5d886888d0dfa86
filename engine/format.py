"""Numbers as a trader reads them, shared by Telegram messages and the TUI.

Prices keep the precision their scale needs (``96,200`` · ``2.4375`` · ``0.00001182``): five
significant digits from 1 upward, four below 1, thousands separated.  USD amounts are compact
(``$4.20M``), percentages signed where a direction matters.
"""

from __future__ import annotations

import math
import time


def price(value: float | None) -> str:
    """A price at the precision its scale needs; ``-`` when unknown."""
    if value is None or not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    significant = 5 if magnitude >= 0 else 4
    decimals = max(0, significant - 1 - magnitude)
    return f"{value:,.{decimals}f}"


def usd(value: float | None) -> str:
    """Compact USD: ``$950``, ``$12.3k``, ``$4.20M``, ``$1.35B``."""
    if value is None or not math.isfinite(value):
        return "-"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e9:
        return f"{sign}${value / 1e9:.2f}B"
    if value >= 1e6:
        return f"{sign}${value / 1e6:.2f}M"
    if value >= 1e5:
        return f"{sign}${value / 1e3:.0f}k"
    if value >= 1e3:
        return f"{sign}${value / 1e3:.1f}k"
    return f"{sign}${value:.0f}"


def pct(fraction: float | None, decimals: int = 2, signed: bool = True) -> str:
    """A fraction as a percentage: ``0.0125`` → ``+1.25%``."""
    if fraction is None or not math.isfinite(fraction):
        return "-"
    return f"{fraction * 100:{'+' if signed else ''}.{decimals}f}%"


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
