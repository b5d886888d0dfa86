"""OKX live feed against a fake OKX on 127.0.0.1 speaking the real v5 protocol."""

from __future__ import annotations

import copy
import json

import pytest

from engine.model import BUY, LONG, SHORT, Context, Liquidation, Trade
from fakes.realdata import example, live_frame
from fakes.venue_servers import okx_arg, running, start_feed, wait_for

LIQUIDATIONS = okx_arg("liquidation-orders", instType="SWAP")


def swap_liquidations() -> list[dict]:
    """The real liquidation-orders fixture as the SWAP subscription carries it: one inverse swap
    item (forced buy = short) and one linear swap item (forced sell = long)."""
    msg = example("liquidation-orders (instType FUTURES)")
    inverse = copy.deepcopy(msg)
    inverse["arg"]["instType"] = "SWAP"
    inverse["data"][0].update(instId="XRP-USD-SWAP", instType="SWAP")
    linear = copy.deepcopy(inverse)
    linear["data"][0].update(instId="BTC-USDT-SWAP", instFamily="BTC-USDT", uly="BTC-USDT")
    linear["data"][0]["details"][0].update(side="sell", posSide="long", bkPx="60000", sz="12")
    return [inverse, linear]


async def test_contract_sizes_become_usd_with_okx_sides_from_the_first_frame(okx):
    feed, got = start_feed(okx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: okx.subscribed() == {LIQUIDATIONS, okx_arg("trades", instId="BTC-USDT-SWAP")})
        for frame in [*swap_liquidations(), example("trades BTC-USDT-SWAP")]:
            await okx.push(json.dumps(frame))
        await wait_for(lambda: len(got.of(Liquidation)) == 2 and got.of(Trade) and len(got.of(Context)) == 2)
    assert [(e.coin, e.side, e.usd) for e in got.of(Liquidation)] == [("XRP", SHORT, 39 * 10.0),
                                                                      ("BTC", LONG, 12 * 0.01 * 60000)]
    assert got.of(Trade) == [Trade(1640131236050, "OKX", "BTC", BUY, 48938.5, 5 * 0.01 * 48938.5)]
    assert [(c.coin, c.oi_usd, c.funding) for c in got.of(Context)] == [
        ("BTC", 1730400000.0, None), ("BTC", None, pytest.approx(0.00032))]  # a 3-hour interval, per 8 h
    assert okx.rest_requests[0] == "/api/v5/public/instruments?instType=SWAP"
    assert got.pipeline.counters["okx"].rejected == 0  # the socket waited for the contract values


async def test_text_ping_when_idle_is_answered_with_pong(okx):
    feed, got = start_feed(okx, ["BTC"], ping_interval_s=0.05)
    async with running(feed):
        await wait_for(lambda: okx.pings >= 3)
        await wait_for(lambda: sum(f[3] == "pong" for f in got.frames) >= 3)
        assert got.pipeline.counters["okx"].rejected == 0


async def test_a_quiet_line_pings_before_okx_cuts_it(okx):
    """OKX closes a connection that sent nothing for 30 s; the feed pings by ``ping_interval_s``
    (20 s by default) of quiet.  Here in miniature: cut after 0.3 s, ping by 0.15 s."""
    okx.idle_close_s = 0.3
    feed, _ = start_feed(okx, ["BTC"], ping_interval_s=0.15)
    async with running(feed):
        await wait_for(lambda: okx.pings >= 6)
        assert (okx.connections, okx.idle_closes) == (1, 0)


async def test_without_pings_okx_cuts_the_line(okx):
    okx.idle_close_s = 0.3
    feed, _ = start_feed(okx, ["BTC"], ping_interval_s=0)
    async with running(feed):
        await wait_for(lambda: okx.idle_closes >= 1 and okx.connections >= 2)


async def test_reconnect_resubscribes_everything_including_coins_added_at_run_time(okx):
    feed, got = start_feed(okx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: okx_arg("trades", instId="BTC-USDT-SWAP") in okx.subscribed())
        feed.set_coins(["ETH"])
        expected = {LIQUIDATIONS, okx_arg("trades", instId="ETH-USDT-SWAP")}
        await wait_for(lambda: okx.subscribed() == expected)
        await okx.drop()
        await wait_for(lambda: okx.connections == 2 and okx.clients)
        await wait_for(lambda: okx.subscribed() == expected)
        assert feed.state().reconnects == 1


async def test_malformed_frames_and_venue_errors_are_counted(okx):
    feed, got = start_feed(okx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: LIQUIDATIONS in okx.subscribed())
        for raw in ("not json", '{"event":"error","code":"60012","msg":"Invalid request"}',
                    json.dumps(swap_liquidations()[1])):
            await okx.push(raw)
        await wait_for(lambda: got.of(Liquidation))
        assert got.pipeline.counters["okx"].reasons == {"not json": 1, "venue error": 1}


async def test_with_coinglass_liquidations_okx_sends_trades_only(okx):
    feed, _ = start_feed(okx, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: okx.subscribed() == {okx_arg("trades", instId="BTC-USDT-SWAP")})


async def test_current_format_frames_arrive(okx):
    """Today's frames (``count``, ``source`` and ``seqId`` in trades; ``instFamily`` and ``uly`` in
    liquidation items) through the fake OKX, with the fake's instruments list."""
    okx.instruments.append({"instType": "SWAP", "instId": "IOST-USDT-SWAP", "ctVal": "1000", "ctMult": "1",
                            "ctValCcy": "IOST", "ctType": "linear", "settleCcy": "USDT", "state": "live"})
    feed, got = start_feed(okx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: okx.subscribed() == {LIQUIDATIONS, okx_arg("trades", instId="BTC-USDT-SWAP")})
        await okx.push(live_frame("okx", "liquidation-orders 2026"))
        await okx.push(live_frame("okx", "trades 2026"))
        await wait_for(lambda: got.of(Liquidation) and got.of(Trade))
    assert [(e.coin, e.side, e.usd) for e in got.of(Liquidation)] == [("IOST", SHORT, pytest.approx(13 * 1000 * 0.007831))]
    assert [(e.coin, e.side, e.usd) for e in got.of(Trade)] == [("BTC", "sell", pytest.approx(12 * 0.01 * 82345.6))]
    assert got.pipeline.counters["okx"].rejected == 0
