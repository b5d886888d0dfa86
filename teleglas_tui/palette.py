"""Trading colours as Rich styles, taken from the active theme.

View-models describe text as spans ``(text, role)`` and never name a colour: the role says what
the text means (``long``, ``sell``, ``win``...) and the palette of the current theme says how it
looks.  A theme may set ``tg-<role>`` in its variables; otherwise the role falls back to the
theme's own success / error / warning colours, so Textual's built-in themes work as well.
Roles combine with modifiers separated by spaces: ``"long bold"``, ``"sell huge"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from weakref import WeakKeyDictionary

from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.color import Color, ColorParseError

Span = tuple[str, str]  # (text, role)
Row = tuple[Span, ...]

# Liquidated longs are forced sells (price pressure down), hence the colour of selling.
_COLOURS = {
    "long": ("tg-long", "error"),
    "short": ("tg-short", "success"),
    "buy": ("tg-buy", "success"),
    "sell": ("tg-sell", "error"),
    "win": ("tg-win", "success"),
    "loss": ("tg-loss", "error"),
    "flat": ("tg-flat", "warning"),
    "accent": ("tg-accent", "accent"),
    "warn": ("tg-warn", "warning"),
}
_MODIFIERS = {
    "": Style(),
    "plain": Style(),
    "bold": Style(bold=True),
    "dim": Style(dim=True),
    "huge": Style(bold=True, reverse=True),
    "reverse": Style(reverse=True),  # a lower block drawn reversed fills the top of its cell
}


class Palette:
    def __init__(self, variables: Mapping[str, str]) -> None:
        self._variables = variables
        self._styles: dict[str, Style] = {}

    def _colour(self, role: str) -> Style:
        own, fallback = _COLOURS[role]
        value = self._variables.get(own) or self._variables.get(fallback) or ""
        try:
            return Style(color=Color.parse(value).rich_color)
        except ColorParseError:
            return Style()

    def style(self, role: str) -> Style:
        style = self._styles.get(role)
        if style is None:
            style = Style()
            for word in role.split(" "):
                style += self._colour(word) if word in _COLOURS else _MODIFIERS.get(word, Style())
            self._styles[role] = style
        return style

    def text(self, spans: Iterable[Span], end: str = "") -> Text:
        text = Text(end=end, no_wrap=True)
        for value, role in spans:
            text.append(value, self.style(role))
        return text

    def lines(self, rows: Iterable[Row]) -> Text:
        """Several rows as one multi-line Text (for Static panes)."""
        text = Text(no_wrap=True)
        for i, row in enumerate(rows):
            if i:
                text.append("\n")
            text.append_text(self.text(row))
        return text


_palettes: WeakKeyDictionary[App, tuple[dict[str, str], Palette]] = WeakKeyDictionary()


def palette(app: App) -> Palette:
    """The palette of the app's current theme (rebuilt when the theme changes)."""
    variables = app.theme_variables
    cached = _palettes.get(app)
    if cached is None or cached[0] is not variables:
        cached = (variables, Palette(variables))
        _palettes[app] = cached
    return cached[1]
