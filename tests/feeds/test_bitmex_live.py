"""BitMEX live feed against a fake BitMEX on 127.0.0.1 speaking its realtime protocol."""

from __future__ import annotations

import pytest

from engine.model import BUY, LONG, SELL, SHORT, Context, Liquidation, Trade
from fakes.bitmex_server import instrument, liquidation, trades
from fakes.venue_servers import running, start_feed, wait_for


async def test_liquidation_inserts_and_watched_trades_arrive_in_usd_with_bitmex_sides(bitmex):
    feed, got = start_feed(bitmex, ["BTC", "ETH"])
    async with running(feed):
        await wait_for(lambda: bitmex.all_subscribed() == {"liquidation", "trade:XBTUSD", "trade:XBTUSDT",
                                                           "trade:ETHUSD"})
        await bitmex.push(liquidation("insert", [{"orderID": "n1", "symbol": "XBTUSD", "side": "Buy", "price": 80000,
                                                  "leavesQty": 9214},
                                                 {"orderID": "n2", "symbol": "ETHUSD", "side": "Sell", "price": 2600,
                                                  "leavesQty": 1000}]))
        await bitmex.push(liquidation("update", [{"orderID": "n1", "symbol": "XBTUSD", "leavesQty": 4000}]))
        await bitmex.push(liquidation("delete", [{"orderID": "n1", "symbol": "XBTUSD"}]))
        await bitmex.push(trades([{"timestamp": "2026-12-07T10:00:01.250Z", "symbol": "XBTUSDT", "side": "Buy",
                                   "size": 250000, "price": 80010}]))
        await wait_for(lambda: len(got.of(Liquidation)) == 2 and got.of(Trade) and got.of(Context))
    assert [(e.coin, e.side, e.usd) for e in got.of(Liquidation)] == [
        ("BTC", SHORT, pytest.approx(9214.0)), ("ETH", LONG, pytest.approx(1000 * 100 * 2600 / 1e8 * 80000))]
    assert [(t.coin, t.side, t.ts, t.usd) for t in got.of(Trade)] == [
        ("BTC", BUY, 1796637601250, pytest.approx(250000 / 1e6 * 80010))]
    context = {c.coin: (c.oi_usd, c.funding) for c in got.of(Context)}
    assert context == {"BTC": (pytest.approx(500_000_000 + 2000 * 80010), 0.0001),  # XBTUSD, the larger, its funding
                       "ETH": (pytest.approx(1e6 * 100 * 2600 / 1e8 * 80000), pytest.approx(0.0002))}
    # The partials (open liquidations, past trades) sent on subscribing are not new events.
    assert got.pipeline.counters["bitmex"].rejected == 0 and len(got.of(Trade)) == 1


async def test_a_refused_topic_costs_only_itself_and_is_not_asked_again(bitmex):
    bitmex.instruments.append(instrument("GHOSTUSD", multiplier=-100000000, settlCurrency="XBt", isInverse=True,
                                         markPrice=1, openInterest=1))
    feed, got = start_feed(bitmex, ["BTC", "GHOST"])
    async with running(feed):
        await wait_for(lambda: "trade:XBTUSD" in bitmex.all_subscribed())
        bitmex.instruments.pop()  # delisted after the listing named it: the topic is refused
        await bitmex.drop()
        await wait_for(lambda: feed.state().refused == ["GHOSTUSD"])
        refusals = bitmex.refusals
        await bitmex.drop()
        await wait_for(lambda: bitmex.connections == 3 and "trade:XBTUSD" in bitmex.all_subscribed())
    assert bitmex.refusals == refusals == 1


async def test_a_quiet_line_is_pinged_and_answered(bitmex):
    feed, got = start_feed(bitmex, ["BTC"], liquidations=False, ping_interval_s=0.05, watchdog_s=0.3)
    async with running(feed):
        await wait_for(lambda: bitmex.pings >= 10)
        assert bitmex.connections == 1 and feed.state().reconnects == 0
    assert got.pipeline.counters["bitmex"].rejected == 0  # pongs are quiet


async def test_reconnect_resubscribes_coins_added_at_run_time(bitmex):
    feed, _ = start_feed(bitmex, ["ETH"])
    async with running(feed):
        await wait_for(lambda: "trade:ETHUSD" in bitmex.all_subscribed())
        feed.set_coins(["ETH", "BTC"])
        await wait_for(lambda: {"trade:XBTUSD", "trade:XBTUSDT"} <= bitmex.all_subscribed())
        await bitmex.drop()
        await wait_for(lambda: bitmex.connections == 2 and bitmex.all_subscribed() == {
            "liquidation", "trade:ETHUSD", "trade:XBTUSD", "trade:XBTUSDT"})
        assert feed.state().reconnects == 1


async def test_malformed_frames_are_counted_and_the_feed_goes_on(bitmex):
    feed, got = start_feed(bitmex, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "liquidation" in bitmex.all_subscribed())
        for raw in ("nope", liquidation("insert", [{"symbol": "XBTUSD", "side": "Buy", "leavesQty": 5}]),
                    liquidation("insert", [{"symbol": "NEWUSD", "side": "Buy", "price": 1, "leavesQty": 5}]),
                    liquidation("insert", [{"symbol": "XBTUSD", "side": "Sell", "price": 80000, "leavesQty": 5}])):
            await bitmex.push(raw)
        await wait_for(lambda: got.of(Liquidation))
        assert got.pipeline.counters["bitmex"].reasons == {"not json": 1, "bad price": 1, "unknown contract value": 1}


async def test_with_coinglass_liquidations_bitmex_sends_trades_only(bitmex):
    feed, _ = start_feed(bitmex, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: bitmex.all_subscribed() == {"trade:XBTUSD", "trade:XBTUSDT"})
