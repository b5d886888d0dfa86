"""Bybit live feed against a fake Bybit on 127.0.0.1 speaking the real v5 protocol."""

from __future__ import annotations

import copy
import json

from engine.model import BUY, LONG, SHORT, Context, Liquidation, Trade
from fakes.realdata import example
from fakes.venue_servers import running, start_feed, wait_for

EVERY_SYMBOL = {"allLiquidation.BTCUSDT", "allLiquidation.PIPPINUSDT", "allLiquidation.1000PEPEUSDT"}


async def test_liquidations_of_every_listed_symbol_and_watched_trades_arrive_with_bybit_sides(bybit):
    feed, got = start_feed(bybit, ["BTC", "PEPE", "LTC"])
    async with running(feed):
        await wait_for(lambda: bybit.all_subscribed() == EVERY_SYMBOL | {
            "publicTrade.BTCUSDT", "publicTrade.1000PEPEUSDT", "publicTrade.LTCUSDT"})
        short_liq = example("allLiquidation.PIPPINUSDT")  # S=Sell: a short position
        long_liq = copy.deepcopy(short_liq)
        long_liq["data"][0].update(S="Buy", T=short_liq["data"][0]["T"] + 1)
        for frame in (short_liq, long_liq, example("publicTrade.LTCUSDT")):
            await bybit.push(json.dumps(frame))
        await wait_for(lambda: len(got.of(Liquidation)) == 2 and got.of(Trade) and len(got.of(Context)) == 3)
    assert [(e.coin, e.side, e.usd) for e in got.of(Liquidation)] == [("PIPPIN", SHORT, 2846 * 0.02456),
                                                                      ("PIPPIN", LONG, 2846 * 0.02456)]
    assert got.of(Trade) == [Trade(1680688979983, "Bybit", "LTC", BUY, 94.53, 0.4 * 94.53)]
    assert {c.coin: (c.oi_usd, c.funding) for c in got.of(Context)} == {
        "BTC": (3399055000.0, 0.0001), "PIPPIN": (12000000.0, -0.0006), "PEPE": (120000000.0, 0.00005)}
    assert got.pipeline.counters["bybit"].rejected == 0


async def test_subscriptions_keep_to_ten_args_per_message(bybit):
    bybit.tickers += [{"symbol": f"C{i}XUSDT", "openInterestValue": "1000000", "fundingRate": "0.0001"}
                      for i in range(40)]
    feed, got = start_feed(bybit, ["BTC"])
    async with running(feed):
        await wait_for(lambda: len(bybit.all_subscribed()) == 44)
    answers = [json.loads(raw) for _, _, _, raw, _ in got.frames if '"op"' in raw]
    assert answers and all(a["success"] for a in answers)


async def test_application_pings_are_answered_with_pong(bybit):
    feed, got = start_feed(bybit, ["BTC"], ping_interval_s=0.05)
    async with running(feed):
        await wait_for(lambda: bybit.pings >= 3)
        await wait_for(lambda: sum('"ret_msg":"pong"' in f[3].replace(" ", "") for f in got.frames) >= 3)
        assert got.pipeline.counters["bybit"].rejected == 0


async def test_reconnect_resubscribes_everything_including_coins_added_at_run_time(bybit):
    feed, got = start_feed(bybit, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "publicTrade.BTCUSDT" in bybit.all_subscribed())
        feed.set_coins(["BTC", "PIPPIN"])
        await wait_for(lambda: "publicTrade.PIPPINUSDT" in bybit.all_subscribed())
        await bybit.drop()
        await wait_for(lambda: bybit.connections == 4 and len(bybit.clients) == 2)
        await wait_for(lambda: bybit.all_subscribed() == EVERY_SYMBOL | {"publicTrade.BTCUSDT",
                                                                        "publicTrade.PIPPINUSDT"})
        assert feed.state().reconnects == 2


async def test_malformed_frames_are_counted_and_the_feed_goes_on(bybit):
    feed, got = start_feed(bybit, ["LTC"])
    async with running(feed):
        await wait_for(lambda: "publicTrade.LTCUSDT" in bybit.all_subscribed())
        for raw in ("{oops", '{"topic":"publicTrade.LTCUSDT","data":[{"S":"Buy","p":"1"}]}',
                    json.dumps(example("publicTrade.LTCUSDT"))):
            await bybit.push(raw)
        counters = got.pipeline.counters["bybit"]
        await wait_for(lambda: got.of(Trade) and counters.rejected == 3)
        assert counters.reasons == {"not json": 2, "missing symbol": 1}  # garbage reached both sockets


async def test_with_coinglass_liquidations_bybit_sends_trades_only(bybit):
    feed, _ = start_feed(bybit, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: bybit.all_subscribed() == {"publicTrade.BTCUSDT"})
        assert len(bybit.clients) == 1
