"""What the panes tell the app.  Panes never touch the service: they ask, the app does it.

Market data does not come as messages (one per event would swamp the UI): the monitor screen
pulls ``service.snapshot()`` at ``ui.refresh_hz`` and hands it to the panes.
"""

from __future__ import annotations

from textual.message import Message

from engine.model import Signal


class CoinAction(Message):
    """The user changed a coin's setting: ``add``, ``remove``, ``alerts`` (``on`` says which
    way), ``mute`` (until ``until_ms``, wall clock) or ``unmute``."""

    def __init__(self, action: str, coin: str, *, on: bool = True, until_ms: int | None = None) -> None:
        super().__init__()
        self.action = action
        self.coin = coin
        self.on = on
        self.until_ms = until_ms


class CoinChosen(Message):
    """The user asked for a coin's detail screen."""

    def __init__(self, coin: str) -> None:
        super().__init__()
        self.coin = coin


class SignalChosen(Message):
    """The user asked for a signal's detail (levels, triggering numbers, outcome, copyable text)."""

    def __init__(self, signal: Signal) -> None:
        super().__init__()
        self.signal = signal
