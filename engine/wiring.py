"""The composition root of the sinks: which ones a service gets and how they are connected.

The service knows its sinks only as :class:`~engine.sinks.Sink` and hands them its
:class:`~engine.sinks.Controls`; this module is the one place that knows the concrete sinks and
links the Telegram outbox to the store (the store writes each signal's outbox rows in the
signal's own transaction).
"""

from __future__ import annotations

from pathlib import Path

from engine.alerts.sink import TelegramSink, telegram_wanted
from engine.secrets import Secrets
from engine.settings import Settings
from engine.sinks import Sink
from engine.store import StoreSink, db_path


def default_sinks(settings: Settings, secrets: Secrets, data_dir: Path | None, mode: str) -> list[Sink]:
    """The SQLite store when there is a data directory (a replay's own database file for replays
    and the demo), Telegram when a token and chat are set (live, or ``telegram.in_replay``).

    Telegram comes first so that it stops first: its last deliveries are written back before
    the store's final flush.  (The store plans each signal's alerts itself, in the signal's
    transaction, so the order does not matter on the event path.)
    """
    store = None
    if data_dir is not None:
        store = StoreSink(settings, db_path(data_dir, replay=mode == "REPLAY"))
    sinks: list[Sink] = []
    if telegram_wanted(settings, secrets, mode):
        sinks.append(TelegramSink(settings, secrets, store=store))
    if store is not None:
        sinks.append(store)
    return sinks
