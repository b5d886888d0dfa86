"""The coin keys (``a`` add, ``d`` remove, ``space`` alerts, ``m`` mute): what each asks and the
``CoinAction`` it posts, for any screen that knows which coin a key is for (the monitor's flow
table selection, the coin of a detail screen).  The app applies the action and says what changed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from engine.snapshot import CoinSetting
from engine.symbols import canonical
from teleglas_tui.choice_screen import ChoiceScreen
from teleglas_tui.messages import CoinAction
from teleglas_tui.prompt_screen import PromptScreen

_COIN_TEXT = re.compile(r"[A-Z0-9._/-]{1,20}")
MUTE_CHOICES = (("15 minutes", 900), ("1 hour", 3600), ("4 hours", 14_400), ("24 hours", 86_400),
                ("Unmute", 0))
BINDINGS: ClassVar[list[BindingType]] = [
    Binding("a", "add_coin", "Add", tooltip="add a coin to the watchlist"),
    Binding("d", "remove_coin", "Remove", tooltip="remove the coin from the watchlist"),
    Binding("space", "toggle_alerts", "Alerts", tooltip="the coin's alerts on or off"),
    Binding("m", "mute", "Mute", tooltip="mute the coin for 15 min, 1 h, 4 h or 24 h, or unmute"),
]


def coin_answer(text: str, listed: Collection[str]) -> tuple[str | None, str]:
    """The coin a user typed (``btc usdt``, ``BTC-USDT-SWAP`` and ``1000pepe`` name BTC and PEPE),
    or why it is refused: not a coin name, or a coin no venue lists and the market has not shown
    (unless no listing arrived yet).  Empty text is no answer."""
    typed = "".join(text.split()).upper()
    if not typed:
        return None, ""
    if not _COIN_TEXT.fullmatch(typed):
        return None, "letters and digits only, at most 20"
    coin = canonical(typed)[0]
    if not coin:
        return None, f"{typed} names no coin"
    if listed and coin not in listed:
        return None, f"{coin}: no venue lists it and the market has not shown it"
    return coin, ""


def ask_to_add(node: DOMNode, listed: Collection[str]) -> None:
    """The add prompt (Tab completes from ``listed``, ``coin_answer`` checks); its answer goes
    out as ``add``."""
    def add(answer: str | None) -> None:
        if answer:
            node.post_message(CoinAction("add", answer))

    node.app.push_screen(PromptScreen("Add a coin to the watchlist (Tab completes)", placeholder="e.g. SOL",
                                      suggestions=sorted(listed), check=lambda t: coin_answer(t, listed)), add)


def remove(node: DOMNode, coin: str) -> None:
    node.post_message(CoinAction("remove", coin))


def toggle_alerts(node: DOMNode, coin: str, setting: CoinSetting | None) -> None:
    node.post_message(CoinAction("alerts", coin, on=not (setting and setting.alerts)))


def ask_to_mute(node: DOMNode, coin: str) -> None:
    """The mute durations for ``coin`` (its name in the title: the key's coin is never a guess)."""
    def mute(seconds: int | None) -> None:
        if seconds is None:
            return
        if seconds == 0:
            node.post_message(CoinAction("unmute", coin))
        else:
            node.post_message(CoinAction("mute", coin, until_ms=int(time.time() * 1000) + seconds * 1000))

    node.app.push_screen(ChoiceScreen(f"Mute {coin}", MUTE_CHOICES), mute)
