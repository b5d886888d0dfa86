"""HTX live feed against a fake HTX on 127.0.0.1 speaking its protocol: two endpoints, gzip
frames recorded as text, both kinds of ping answered with their value unchanged, the wildcard
liquidation topic, the opening trade sent again after a reconnect counted once, refusals and
garbage counted."""

from __future__ import annotations

import gzip

import pytest

from engine.model import BUY, LONG, SHORT, Context, Liquidation, Trade
from fakes.htx_server import LIQUIDATIONS, MARKET, NOTIFICATION, liquidation_frame, trade, trades_frame
from fakes.venue_servers import TS, running, start_feed, wait_for


async def test_every_swaps_liquidations_and_the_watched_coins_trades_from_gzip_frames(htx):
    feed, got = start_feed(htx, ["BTC", "SATS", "SOL"])
    async with running(feed):
        # SOL is not listed; SATS trades as 1000SATS-USDT.
        await wait_for(lambda: htx.subscribed_on(MARKET) == {"market.BTC-USDT.trade.detail",
                                                             "market.1000SATS-USDT.trade.detail"}
                       and htx.subscribed_on(NOTIFICATION) == {LIQUIDATIONS})
        await htx.push(trades_frame("BTC-USDT", trade(1, "buy", 61800.0, 2.0)))
        await htx.push(liquidation_frame("ETH-USDT", "sell", 2600.0, 52000.0))
        await htx.push(liquidation_frame("1000SATS-USDT", "buy", 0.0004, 4000.0))
        await wait_for(lambda: got.of(Trade) and len(got.of(Liquidation)) == 2 and len(got.of(Context)) >= 6)
    assert got.of(Trade) == [Trade(TS, "HTX", "BTC", BUY, 61800.0, 123600.0)]
    assert got.of(Liquidation) == [Liquidation(TS, "HTX", "ETH", LONG, 2600.0, 52000.0),
                                   Liquidation(TS, "HTX", "SATS", SHORT, pytest.approx(0.0004 / 1000), 4000.0)]
    assert {(c.coin, c.funding, c.oi_usd) for c in got.of(Context)} >= {("BTC", 0.0001, None), ("BTC", None, 61800.0)}
    recorded = [raw for src, kind, ch, raw, t in got.frames if kind == "ws"]
    assert all(raw.startswith("{") for raw in recorded)  # decompressed text, never the gzip bytes
    assert htx.rest_requests[0] == "/linear-swap-api/v1/swap_contract_info?business_type=swap"
    assert htx.refusals == [] and got.pipeline.counters["htx"].rejected == 0


async def test_both_kinds_of_ping_are_answered_with_their_value_unchanged(htx):
    htx.ping_every_s, htx.max_missed = 0.1, 2  # pongs ride the 20-a-second pacing
    feed, _ = start_feed(htx, ["BTC"], ping_interval_s=0)
    async with running(feed):
        await wait_for(lambda: htx.pongs[MARKET] >= 5 and htx.pongs[NOTIFICATION] >= 5)
        assert (htx.bad_pongs, htx.ping_closes, htx.connections) == (0, 0, 2)


async def test_a_numeric_ts_comes_back_a_number(htx):
    htx.ping_every_s, htx.ts_as_number = 0.1, True
    feed, _ = start_feed(htx, ["BTC"], ping_interval_s=0)
    async with running(feed):
        await wait_for(lambda: htx.pongs[NOTIFICATION] >= 3)
        assert htx.bad_pongs == 0


async def test_after_a_reconnect_the_opening_trade_counts_once_and_everything_is_asked_again(htx):
    htx.last_trade["BTC-USDT"] = trade(7, "sell", 61750.0, 1.0)
    feed, got = start_feed(htx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: len(got.of(Trade)) == 1)
        feed.set_coins(["BTC", "ETH"])
        await wait_for(lambda: "market.ETH-USDT.trade.detail" in htx.subscribed_on(MARKET))
        await htx.drop()
        await wait_for(lambda: htx.connections == 4 and htx.subscribed_on(MARKET) == {
            "market.BTC-USDT.trade.detail", "market.ETH-USDT.trade.detail"} and htx.subscribed_on(NOTIFICATION) == {
            LIQUIDATIONS})
        await htx.push(trades_frame("BTC-USDT", trade(8, "buy", 61800.0, 1.0)))
        await wait_for(lambda: len(got.of(Trade)) == 2)
        assert feed.state().reconnects == 1
    assert [t.price for t in got.of(Trade)] == [61750.0, 61800.0]


async def test_a_contract_htx_refuses_costs_only_itself_and_garbage_is_counted(htx):
    htx.contracts_down = True  # no listing: the coins are asked under their usual names
    feed, got = start_feed(htx, ["BTC", "NOPE"])
    for pool in feed.links[:2]:
        pool.wait_s = 0.1
    async with running(feed):
        await wait_for(lambda: "market.BTC-USDT.trade.detail" in htx.subscribed_on(MARKET) and feed.refused())
        for market in htx.on(MARKET):
            await htx.gz(market, "not json")
        await htx.push(trades_frame("BTC-USDT", {"id": 1, "direction": "up", "price": 1, "trade_turnover": 1, "ts": TS}))
        await htx.push(trades_frame("BTC-USDT", trade(2)))
        await wait_for(lambda: got.of(Trade))
        assert feed.refused() == ["NOPE-USDT"] and htx.refusals == ["market.NOPE-USDT.trade.detail"]
    assert got.pipeline.counters["htx"].reasons == {"not json": 1, "unknown side": 1, "venue error": 1}  # the refusal too


async def test_a_market_frame_that_is_not_gzip_is_recorded_as_it_came(htx):
    feed, got = start_feed(htx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: htx.subscribed_on(MARKET))
        for market in htx.on(MARKET):
            await market.send(b"\x00\x01 binary, not gzip")
        await wait_for(lambda: got.pipeline.counters["htx"].reasons.get("not json") == 1)
    assert gzip.compress(b"x")[:2] == b"\x1f\x8b"


async def test_with_coinglass_liquidations_htx_sends_trades_only(htx):
    feed, _ = start_feed(htx, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: htx.subscribed_on(MARKET) == {"market.BTC-USDT.trade.detail"})
        assert htx.subscribed_on(NOTIFICATION) == set()
