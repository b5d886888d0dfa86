"""Shutdown housekeeping: a background task that died of an error does not stop the others'
cancellation (the store's final flush comes after it)."""

from __future__ import annotations

import asyncio

from engine.tasks import cancel_all


async def test_cancel_all_goes_on_past_a_task_that_had_failed(caplog):
    async def boom():
        raise RuntimeError("damaged row")

    async def forever():
        await asyncio.Event().wait()

    failed, waiting = asyncio.create_task(boom(), name="restore"), asyncio.create_task(forever())
    await asyncio.sleep(0)
    await cancel_all([failed, waiting])
    assert waiting.cancelled()
    assert "background task restore had failed" in caplog.text
