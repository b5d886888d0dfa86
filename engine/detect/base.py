"""The detector's shape: the hooks the engine calls (engine/detect/__init__.py lists them all)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from engine.model import Context, Liquidation, SignalType, Trade

if TYPE_CHECKING:
    from engine.market import Market, WindowPlan
    from engine.signals.path import SignalPath
    from engine.windows import TradeWindow


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


class WindowEpisodes(Detector):
    """A rule over one trade window of ``window_ms`` (asked of the plan; the warm-up is its span):
    one signal per episode — a new one when the rule starts to hold or turns to another of its
    types — and none while it keeps holding.  The episode open on each coin is this detector's."""

    def __init__(self, plan: WindowPlan, path: SignalPath, window_ms: int) -> None:
        self.path = path
        self.warm_ms = window_ms
        self.window = plan.trades(window_ms)
        self.active: dict[str, str] = {}  # coin -> the type of its open episode

    def rule(self, m: Market, w: TradeWindow) -> tuple | None:
        """``(type, direction, ...)`` when the rule holds on the window, else None."""
        raise NotImplementedError

    def figures(self, m: Market, w: TradeWindow, call: tuple) -> tuple[float, dict]:
        """The new episode's strength and metrics."""
        raise NotImplementedError

    def on_trade(self, m: Market, ev: Trade) -> None:
        w = m.trades[self.window]
        call = self.rule(m, w)
        if call is None:
            self.active.pop(m.coin, None)
        elif call[0] != self.active.get(m.coin):
            self.active[m.coin] = call[0]
            self.path.propose(m, call[0], call[1], *self.figures(m, w, call))
