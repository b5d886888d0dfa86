"""A UI holds the service open after a replay ends: the picture stays and coin settings changed
afterwards are still saved (the store is not closed under the user's feet)."""

from __future__ import annotations

import asyncio
import sqlite3

from builders import settings
from fakes.loopback import wait_for

from engine.locations import DEMO_RECORDING
from engine.secrets import Secrets
from engine.service import Service
from engine.store import db_path


async def test_a_held_service_saves_settings_changed_after_the_replay_ended(tmp_path):
    svc = Service(settings(), Secrets(), data_dir=tmp_path, replay=DEMO_RECORDING, speed=0, hold=True)
    task = asyncio.create_task(svc.run())
    await asyncio.wait_for(svc.ended.wait(), 30)
    assert not task.done()
    svc.coins.add("WIF")
    svc.coins.mute("BTC", 4_102_444_800_000)
    await svc.stop()
    await asyncio.wait_for(task, 10)
    with sqlite3.connect(db_path(tmp_path, replay=True)) as db:
        rows = dict(db.execute("SELECT coin, watched FROM coins").fetchall())
        muted = db.execute("SELECT muted_until_ms FROM coins WHERE coin = 'BTC'").fetchone()
    assert rows["WIF"] == 1 and muted == (4_102_444_800_000,)


async def test_without_hold_the_service_ends_with_the_replay(tmp_path):
    svc = Service(settings(), Secrets(), data_dir=None, replay=DEMO_RECORDING, speed=0, sinks=[])
    await asyncio.wait_for(svc.run(), 30)
    await wait_for(lambda: svc.ended.is_set())


async def test_a_replay_keeps_its_own_database_apart_from_the_live_one(tmp_path):
    """Recorded data never trains the live scorer nor fills the live history."""
    svc = Service(settings(), Secrets(), data_dir=tmp_path, replay=DEMO_RECORDING, speed=0)
    await asyncio.wait_for(svc.run(), 30)
    assert db_path(tmp_path, replay=True).is_file()
    assert not db_path(tmp_path).exists()

