"""Every rejection reason and every symbol a venue refused reach the feed state, and the store
keeps them for ``teleglas doctor``."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from engine.secrets import Secrets
from engine.service import Service
from engine.store import db_path
from fakes.venue_servers import fast_settings, wait_for


async def test_bybit_rejections_and_refused_symbols_show_in_the_state_and_are_saved(bybit, tmp_path):
    bybit.tickers.append({"symbol": "GHOSTUSDT", "openInterestValue": "1000000", "fundingRate": "0.0001"})
    bybit.without_feed = {"GHOSTUSDT"}
    settings = fast_settings(bybit=bybit)
    settings.watchlist.coins = ["BTC"]
    live = Service(settings, Secrets(), data_dir=tmp_path)
    running = asyncio.get_running_loop().create_task(live.run())
    try:
        await wait_for(lambda: live.feeds and live.feeds[0].state().refused == ["GHOSTUSDT"])
        await wait_for(lambda: "publicTrade.BTCUSDT" in bybit.all_subscribed())
        await bybit.push('{"topic":"publicTrade.BTCUSDT","data":[{"S":"Buy","p":"1e300","v":"1e-296","T":1791565603865,'
                         '"s":"BTCUSDT"}]}')
        await wait_for(lambda: "bad price" in live.snapshot().feeds[0].reasons)
        state = live.snapshot().feeds[0]
        assert state.reasons["venue error"] >= 1  # the refused request and its one-topic retry
    finally:
        await live.stop()
        await running
    with sqlite3.connect(db_path(tmp_path)) as db:
        saved = json.loads(db.execute("SELECT value FROM state WHERE key = 'feeds'").fetchone()[0])
    assert saved["bybit"]["refused"] == ["GHOSTUSDT"]
    assert saved["bybit"]["reasons"]["bad price"] == 1
