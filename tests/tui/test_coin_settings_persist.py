"""Coin changes made with the keyboard survive a restart (the store's SQLite file in tmp_path),
and SIGTERM / SIGHUP end the app the way `q` does: service stopped, state saved."""

from __future__ import annotations

import os
import signal

import pytest
from tui_harness import ProbeSink, make_app, until

from teleglas_tui.flow_table import FlowTable

SIZE = (160, 48)



async def test_add_toggle_mute_and_remove_persist_across_a_restart(tmp_path):
    first = make_app(tmp_path, sinks=None, speed=1.0)  # the service (and its store) runs throughout
    async with first.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "IDOL" in first.service.listed_coins())  # a coin may be added once seen
        table = first.screen.query_one(FlowTable)
        coins = first.service.coins
        await pilot.press("a", *"idol", "enter")
        toggled, muted, removed = "BTC", "ETH", "SOL"
        table.move_cursor(row=table.coins.index(toggled))
        await pilot.press("space")
        table.move_cursor(row=table.coins.index(muted))
        await pilot.press("m", *["down"] * 2, "enter")  # 4 hours
        table.move_cursor(row=table.coins.index(removed))
        await pilot.press("d")
        expected = {c: coins.setting(c) for c in ("IDOL", toggled, muted, removed)}
        assert len(set(expected)) == 4
        await pilot.press("q")
        await until(pilot, lambda: not first.is_running)

    second = make_app(tmp_path, sinks=None, speed=1.0)
    async with second.run_test(size=SIZE) as pilot:
        coins = second.service.coins
        await until(pilot, lambda: coins.setting("IDOL").watched)
        assert {c: coins.setting(c) for c in expected} == expected
        assert expected[toggled].alerts is False and expected["IDOL"].watched
        assert expected[muted].muted_until_ms and not expected[removed].watched
        await pilot.press("q")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
async def test_sigterm_and_sighup_stop_the_service_then_exit(signum):
    probe = ProbeSink()
    app = make_app(speed=1.0, sinks=[probe])
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: probe.started)
        os.kill(os.getpid(), signum)
        await until(pilot, lambda: probe.stopped and not app.is_running)
    assert app.return_code == 0
