"""A watchlist restored from a database that opened after the feeds started is subscribed."""

from __future__ import annotations

import asyncio

from builders import settings as make_settings

from engine.secrets import Secrets
from engine.service import Service
from engine.store import StoreSink, db_path
from fakes.venue_servers import fast_settings, wait_for


async def test_a_watchlist_restored_late_is_subscribed(binance, tmp_path):
    data = tmp_path / "data"
    saved = Service(make_settings(), Secrets(), data_dir=None, sinks=[])
    store = StoreSink(saved.settings, db_path(data))
    await store.start(saved)
    saved.coins.add("ETH")  # the trader watched ETH in an earlier run
    await store.stop()

    settings = fast_settings(binance=binance)
    settings.watchlist.coins = ["BTC"]
    settings.storage.batch_interval_s, settings.storage.retry_max_s = 0.01, 0.05
    aside = tmp_path / "aside"
    data.rename(aside)
    data.write_text("not a directory")  # the database cannot open at start
    live = Service(settings, Secrets(), data_dir=data)
    running = asyncio.get_running_loop().create_task(live.run())
    try:
        await wait_for(lambda: binance.subscribed() == {"!forceOrder@arr", "btcusdt@aggTrade"})
        data.unlink()
        aside.rename(data)  # the trader fixes it: the store opens and restores the watchlist
        await wait_for(lambda: "ethusdt@aggTrade" in binance.subscribed(), timeout=10)
    finally:
        await live.stop()
        await running
