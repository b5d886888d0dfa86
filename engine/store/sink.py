"""The database sink: everything the UI and Telegram need to survive a restart.

On start it restores the coin settings (watchlist, alert toggles, mutes), the engine's adaptive
state, the alert pause and the volume baselines; while running it queues every signal revision
(with the Telegram outbox rows the alert planner creates for it, in the same transaction),
liquidations, context snapshots and every coin change.  If the database cannot be opened at
start the service runs anyway: the store stays degraded, keeps everything in memory and restores
once the database answers (never overwriting what changed in memory meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.tasks import cancel_all
from engine.model import Context, Event, Liquidation, Signal, Trade
from engine.settings import Settings
from engine.sinks import Controls
from engine.snapshot import FEED_HEALTH_KEY, SinkState, feed_health
from engine.store.baselines import VolumeBaselines
from engine.store import queries
from engine.store.database import Store

log = logging.getLogger(__name__)

DB_NAME = "teleglas.db"
# Replays and the demo keep their own database: recorded (often looping) data must not train the
# live scorer, fill /last and the exports, or overwrite a running live service's state.
REPLAY_DB_NAME = "teleglas-replay.db"
RECENT_SIGNALS = 50  # what /last can show
# Keys of the state table.
ENGINE, PAUSED, BASELINES = "engine", "paused", "baselines"

OutboxPlanner = Callable[[Signal], list[dict[str, Any]]]


def db_path(data_dir: Path, replay: bool = False) -> Path:
    return data_dir / (REPLAY_DB_NAME if replay else DB_NAME)


class StoreSink:
    name = "database"

    def __init__(self, settings: Settings, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.store = Store(path, settings.storage, clock)
        # Set by the Telegram sink: the outbox rows a signal revision creates or changes.
        self.outbox_planner: OutboxPlanner | None = None
        self.baselines = VolumeBaselines()
        self.recent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.errors = 0
        self._controls: Controls | None = None
        self._paused_saved: bool | None = None
        self._restored = False  # until then, saving fresh state would overwrite the saved one
        self._tasks: list[asyncio.Task] = []
        self._clock = clock
        self._started_ms: int | None = None  # wall clock, for the feed health doctor reads

    # ------------------------------------------------------------------ lifecycle

    async def start(self, controls: Controls) -> None:
        self._controls = controls
        self._started_ms = int(self._clock() * 1000)
        controls.coins.listeners.append(self._coin_changed)
        if await self.store.open():
            await self._restore()
        else:
            self._tasks.append(asyncio.create_task(self._restore_when_connected(), name="store-restore"))
        self.store.start()
        self._tasks.append(asyncio.create_task(self._save_state_periodically(), name="store-state"))

    async def _restore_when_connected(self) -> None:
        await self.store.connected.wait()
        async with self.store.writer_held():  # the batch the writer just took in is read as written
            await self._restore()

    async def _restore(self) -> None:
        controls = self._controls
        assert controls is not None
        coins = [r for r in await self.store.read(queries.coin_settings) or []
                 if not self.store.pending("coins", r["coin"])]
        for row in coins:
            controls.coins.restore(row["coin"], bool(row["watched"]), bool(row["alerts"]), row["muted_until_ms"])
        state = await self._saved_state()
        if ENGINE in state:
            try:
                controls.load_engine_state(state[ENGINE])
            except (AttributeError, KeyError, TypeError, ValueError):
                log.error("store: the saved engine state (confidence counts) is damaged and was not (fully) loaded")
        if state.get(PAUSED) and not controls.paused:
            controls.pause_alerts()
        self._paused_saved = bool(state.get(PAUSED))
        self.baselines.load(state.get(BASELINES) or {})
        saved = await self.store.read(queries.recent_signals, RECENT_SIGNALS) or []
        recent = OrderedDict((d["id"], d) for d in saved)
        recent.update(self.recent)  # signals of this run (a late restore) stay the newest
        self.recent = recent
        self._trim_recent()
        self._restored = True
        log.info("store: restored %d coin settings, state %s from %s", len(coins), sorted(state), self.store.path)

    async def _saved_state(self) -> dict[str, Any]:
        """The state table by key, minus keys changed in memory since (and damaged values)."""
        state, damaged = await self.store.read(queries.saved_state) or ({}, [])
        for key in damaged:
            log.error("store: saved state %r is damaged and ignored", key)
        return {key: value for key, value in state.items() if not self.store.pending("state", key)}

    async def _save_state_periodically(self) -> None:
        """The pause flag is checked every batch (it may change from the TUI or Telegram); the
        scorer and baselines are saved every ``storage.state_interval_s``."""
        s = self.settings.storage
        last_full = self._clock()
        while True:
            await asyncio.sleep(s.batch_interval_s)
            if self._clock() - last_full >= s.state_interval_s:
                self.save_state()
                last_full = self._clock()
            else:
                self._save_paused()

    def save_state(self) -> None:
        controls = self._controls
        if controls is None or not self._restored:
            return
        self._save_paused()
        self.store.put_state(ENGINE, controls.export_engine_state())
        self.store.put_state(BASELINES, self.baselines.export())
        self.store.put_state(FEED_HEALTH_KEY, feed_health(controls.snapshot().feeds, int(self._clock() * 1000),
                                                          self._started_ms))  # for teleglas doctor

    def _save_paused(self) -> None:
        if not self._restored:
            return
        paused = bool(self._controls and self._controls.paused)
        if paused != self._paused_saved:
            self.store.put_state(PAUSED, paused)
            self._paused_saved = paused

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        self._tasks.clear()
        self.save_state()
        await self.store.close()

    # ------------------------------------------------------------------ event path (sync)

    def on_signals(self, signals: list[Signal]) -> None:
        for signal in signals:
            rows = self._plan(signal)  # first: the alert budget may mark the signal held
            try:
                data = signal.as_dict()
                self.store.put_signal(data, rows)
            except Exception:  # a sink never breaks the event path
                self.errors += 1
                log.exception("store: could not queue signal %s", getattr(signal, "id", "?"))
                self.store.put_alerts(rows)  # its alert still goes out, and is still kept
                continue
            self.recent[data["id"]] = data
        self._trim_recent()

    def _plan(self, signal: Signal) -> list[dict[str, Any]]:
        """The signal's outbox rows; an alert that fails to render must not cost the signal its row."""
        if self.outbox_planner is None:
            return []
        try:
            return self.outbox_planner(signal)
        except Exception:
            self.errors += 1
            log.exception("store: could not plan the alert for signal %s", signal.id)
            return []

    def on_events(self, events: list[Event]) -> None:
        for ev in events:
            cls = ev.__class__
            if cls is Trade:
                self.baselines.trade(ev.coin, ev.ts, ev.usd)
            elif cls is Liquidation:
                self.baselines.liquidation(ev.coin, ev.ts, ev.usd)
                self.store.put_liquidation((ev.ts, ev.venue, ev.coin, ev.side, ev.price, ev.usd))
            elif cls is Context:
                self.store.put_context((ev.ts, ev.venue, ev.coin, ev.oi_usd, ev.funding))

    def _coin_changed(self, coin: str) -> None:
        if self._controls is None:
            return
        s = self._controls.coins.setting(coin)
        self.store.put_coin(s.coin, s.watched, s.alerts, s.muted_until_ms)

    def _trim_recent(self) -> None:
        while len(self.recent) > RECENT_SIGNALS:
            self.recent.popitem(last=False)

    # ------------------------------------------------------------------ reading

    def recent_signals(self, n: int) -> list[dict[str, Any]]:
        """The newest ``n`` signals, newest last, as stored (they survive restarts)."""
        return list(self.recent.values())[-n:] if n > 0 else []

    async def signal_history(self, n: int) -> list[dict[str, Any]] | None:
        """The newest ``n`` signals in the database (the quality report's input), newest last;
        None while the database is unavailable."""
        return await self.store.read(queries.recent_signals, n)

    def state(self) -> SinkState:
        return self.store.state()
