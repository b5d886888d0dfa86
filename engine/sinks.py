"""Where the service sends what the engine produced: the SQLite store, Telegram, anything else.

A sink sits behind the engine and never in front of it: ``on_signals`` and ``on_events`` are
called synchronously on the event path, so they only queue work (a store batches, the Telegram
outbox sends from its own task).  Live and replay use the same sinks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from engine.alerts.sink import TelegramSink, telegram_wanted
from engine.model import Event, Signal
from engine.snapshot import SinkState
from engine.store import StoreSink, db_path

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
    """The sinks a service gets when the caller names none: the SQLite store when the service
    has a data directory (a replay's own database file for replays and the demo), Telegram when a token and chat are set (live, or ``telegram.in_replay``).

    Telegram comes first so that it stops first: its last deliveries are written back before
    the store's final flush.  (The store plans each signal's alerts itself, in the signal's
    transaction, so the order does not matter on the event path.)
    """
    store = None
    if service.data_dir is not None:
        store = StoreSink(service.settings, db_path(service.data_dir, replay=service.mode == "REPLAY"))
    sinks: list[Sink] = []
    if telegram_wanted(service.settings, service.secrets, service.mode):
        sinks.append(TelegramSink(service.settings, service.secrets, store=store))
    if store is not None:
        sinks.append(store)
    return sinks
