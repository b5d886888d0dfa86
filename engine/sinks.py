"""The port between the service and what it feeds: a :class:`Sink` receives the engine's output,
:class:`Controls` are the few service controls a sink (or a Telegram command) may use.

A sink sits behind the engine and never in front of it: ``on_signals`` and ``on_events`` are
called synchronously on the event path, so they only queue work (a store batches, the Telegram
outbox sends from its own task).  Live and replay use the same sinks.  Sinks know the service only
through :class:`Controls`, so nothing below the service imports it (``engine/wiring.py`` builds and
connects the sinks).
"""

from __future__ import annotations

from typing import Any, Protocol

from engine.alerts.policy import AlertPolicy
from engine.coins import CoinRegistry
from engine.model import Event, Signal
from engine.snapshot import ServiceSnapshot, SinkState


class Controls(Protocol):
    """What sinks and commands may read and change in the running service."""

    coins: CoinRegistry  # watchlist, alert toggles, mutes (the TUI's and Telegram's one state)
    alerts: AlertPolicy  # decides each signal's alert status; keeps the cooldowns and the budget

    @property
    def paused(self) -> bool: ...

    def pause_alerts(self) -> None: ...

    def resume_alerts(self) -> None: ...

    def export_engine_state(self) -> dict[str, Any]:
        """The engine's state (the confidence estimator's counts, outcome statistics), to save."""

    def load_engine_state(self, state: dict[str, Any]) -> None:
        """Restore saved engine state; raises on a damaged one."""

    def snapshot(self) -> ServiceSnapshot: ...

    def stats(self) -> dict: ...


class Sink(Protocol):
    name: str

    async def start(self, controls: Controls) -> None:
        """Restore what the sink keeps (coin settings, scorer state) before any event flows."""

    def on_signals(self, signals: list[Signal]) -> None:
        """New or changed signals.  Never blocks, never raises.  The engine mutates a Signal
        after returning it: copy what you keep (``sig.as_dict()``)."""

    def on_events(self, events: list[Event]) -> None:
        """Raw events of one message (the store keeps liquidations and context)."""

    def state(self) -> SinkState: ...

    async def stop(self) -> None:
        """Flush and save state; called once on shutdown."""
