"""The detector's shape: the hooks the engine calls (engine/detect/__init__.py lists them all)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from engine.model import Context, Liquidation, SignalType, Trade

if TYPE_CHECKING:
    from engine.market import Market, WindowPlan


class Detector(Protocol):
    """A detector: the signal types it emits and the hooks the engine calls, each for the events
    of its name.  A detector subclasses this and overrides the hooks it needs; only those are
    called.  It is built with ``(settings, plan, path)``: asks ``plan`` for the trade windows it
    reads and proposes candidates to ``path``.  ``bind`` runs once every detector has asked
    for its windows (a window "at least this long" is chosen among all of them)."""

    types: tuple[SignalType, ...] = ()
    # Warm-up: how long the windows must have filled since the start or a gap (the engine's
    # ``warm_from``) before on_trade is called — a window that began a minute ago holds a minute.
    warm_ms: int = 0

    def bind(self, plan: WindowPlan) -> None:
        pass

    def on_trade(self, market: Market, trade: Trade) -> None:
        pass

    def on_liquidation(self, market: Market, liquidation: Liquidation) -> None:
        pass

    def on_context(self, market: Market, context: Context) -> None:
        """After the market's context took the event in, when it brought a venue's newest funding."""
