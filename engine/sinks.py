"""Where the service sends what the engine produced: the SQLite store, Telegram, anything else.

A sink sits behind the engine and never in front of it: ``on_signals`` and ``on_events`` are
called synchronously on the event path, so they only queue work (a store batches, the Telegram
outbox sends from its own task).  Live and replay use the same sinks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from engine.model import Event, Signal
from engine.snapshot import SinkState

if TYPE_CHECKING:
    from engine.service import Service


class Sink(Protocol):
    name: str

    async def start(self, service: Service) -> None:
        """Restore what the sink keeps (coin settings, scorer state) before any event flows."""

    def on_signals(self, signals: list[Signal]) -> None:
        """New or changed signals.  Never blocks, never raises.  The engine mutates a Signal
        after returning it: copy what you keep (``sig.as_dict()``)."""

    def on_events(self, events: list[Event]) -> None:
        """Raw events of one message (the store keeps liquidations and context)."""

    def state(self) -> SinkState: ...

    async def stop(self) -> None:
        """Flush and save state; called once on shutdown."""


def default_sinks(service: Service) -> list[Sink]:
    """The sinks a service gets when the caller names none."""
    return []
