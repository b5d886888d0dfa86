"""Gate live feed against a fake Gate USDT-futures v4 on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from engine.model import BUY, LONG, SELL, SHORT, Context, Liquidation, Trade
from fakes.gate_server import liquidations, trades
from fakes.venue_servers import TS, running, start_feed, wait_for

ALL = "futures.public_liquidates:!all"


def listed(gate, *names: str) -> None:
    gate.contracts += [{"name": n, "quanto_multiplier": "1", "mark_price": "2", "funding_rate": "0.0001",
                        "funding_interval": 28800, "position_size": 100, "in_delisting": False} for n in names]


async def test_every_liquidation_and_watched_trades_arrive_in_usd_with_gate_signs(gate):
    feed, got = start_feed(gate, ["BTC", "PEPE"])
    async with running(feed):
        await wait_for(lambda: gate.all_subscribed() == {ALL, "futures.trades:BTC_USDT", "futures.trades:PEPE_USDT"})
        await gate.push(liquidations([("BTC_USDT", "80000", "-124.5", TS + 1), ("BTC_USDT", "80010", 40, TS + 2),
                                      ("PEPE_USDT", "0.0000112", -3, TS + 3)]))
        await gate.push(trades("BTC_USDT", [(-108, "80000.5", TS + 4), (25, "80001", TS + 5)]))
        await wait_for(lambda: len(got.of(Liquidation)) == 3 and len(got.of(Trade)) == 2)
    assert [(e.coin, e.side, e.usd) for e in got.of(Liquidation)] == [
        ("BTC", LONG, pytest.approx(124.5 * 0.0001 * 80000)), ("BTC", SHORT, pytest.approx(40 * 0.0001 * 80010)),
        ("PEPE", LONG, pytest.approx(3 * 10_000_000 * 0.0000112))]
    assert [(e.side, e.usd) for e in got.of(Trade)] == [(SELL, pytest.approx(108 * 0.0001 * 80000.5)),
                                                       (BUY, pytest.approx(25 * 0.0001 * 80001))]
    context = {c.coin: (c.oi_usd, c.funding) for c in got.of(Context)}
    assert context == {"BTC": (pytest.approx(5223816 * 0.0001 * 80000), 0.0001),
                       "PEPE": (pytest.approx(880000 * 10_000_000 * 0.0000112), pytest.approx(-0.0004))}
    assert gate.rest_requests[0] == "/api/v4/futures/usdt/contracts"
    assert got.pipeline.counters["gate"].rejected == 0  # the socket waited for the multipliers


async def test_one_channel_a_message_and_a_refused_contract_costs_only_itself(gate):
    listed(gate, *(f"C{i}X_USDT" for i in range(30)), "GHOST_USDT")
    gate.without_feed = {"GHOST_USDT"}  # listed, but its trades refused (the whole message with it)
    coins = [f"C{i}X" for i in range(30)] + ["GHOST", "OLD"]  # OLD is being delisted: never asked
    feed, got = start_feed(gate, coins)
    async with running(feed):
        wanted = {ALL} | {f"futures.trades:C{i}X_USDT" for i in range(30)}
        await wait_for(lambda: gate.all_subscribed() == wanted)
        await wait_for(lambda: feed.state().refused == ["GHOST_USDT"])
        refusals = gate.refusals
        await gate.drop()
        await wait_for(lambda: gate.connections == 2 and gate.all_subscribed() == wanted)
    assert gate.refusals == refusals  # not asked again after the reconnect
    sent = [json.loads(raw) for raw in gate.received]
    assert all(len({m["channel"]}) == 1 and len(m.get("payload", [])) <= 20 for m in sent)
    assert not any("OLD_USDT" in raw for raw in gate.received)


async def test_gates_pings_are_answered_and_a_quiet_line_stays_open(gate):
    feed, _ = start_feed(gate, ["BTC"], liquidations=False, ping_interval_s=0.05, watchdog_s=0.3)
    async with running(feed):
        await wait_for(lambda: gate.pongs >= 20)  # a second of silence, three watchdog periods
        assert gate.connections == 1 and feed.state().reconnects == 0


async def test_reconnect_resubscribes_coins_added_at_run_time(gate):
    feed, _ = start_feed(gate, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "futures.trades:BTC_USDT" in gate.all_subscribed())
        feed.set_coins(["BTC", "PEPE"])
        await wait_for(lambda: "futures.trades:PEPE_USDT" in gate.all_subscribed())
        await gate.drop()
        await wait_for(lambda: gate.connections == 2 and gate.all_subscribed() == {
            ALL, "futures.trades:BTC_USDT", "futures.trades:PEPE_USDT"})
        assert feed.state().reconnects == 1


async def test_malformed_frames_are_counted_and_the_feed_goes_on(gate):
    feed, got = start_feed(gate, ["BTC"])
    async with running(feed):
        await wait_for(lambda: ALL in gate.all_subscribed())
        for raw in ("nope", liquidations([("BTC_USDT", "80000", "x", TS)]), liquidations([("NEW_USDT", "1", -5, TS)]),
                    liquidations([("BTC_USDT", "80000", -1, TS)])):
            await gate.push(raw)
        await wait_for(lambda: got.of(Liquidation))
        assert got.pipeline.counters["gate"].reasons == {"not json": 1, "missing side": 1,
                                                         "unknown contract value": 1}


async def test_with_coinglass_liquidations_gate_sends_trades_only(gate):
    feed, _ = start_feed(gate, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: gate.all_subscribed() == {"futures.trades:BTC_USDT"})
