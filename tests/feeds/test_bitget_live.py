"""Bitget live feed against a fake Bitget v3 on 127.0.0.1 speaking the UTA public protocol."""

from __future__ import annotations

import asyncio

import pytest

from engine.model import BUY, LONG, SELL, SHORT, Context, Liquidation, Trade
from fakes.bitget_server import FakeBitget, liquidation, trades
from fakes.venue_servers import TS, running, start_feed, wait_for

EVERY_FAMILY = {"liquidation:usdt-futures", "liquidation:usdc-futures", "liquidation:coin-futures"}


def listed(bitget: FakeBitget, *symbols: str) -> None:
    bitget.tickers += [{"category": "USDT-FUTURES", "symbol": s, "markPrice": "1.5", "openInterest": "1000",
                        "fundingRate": "0.0001", "deliveryTime": ""} for s in symbols]


async def test_liquidations_of_every_family_and_watched_trades_arrive_with_bitget_sides(bitget):
    feed, got = start_feed(bitget, ["BTC", "ETH"])
    async with running(feed):
        await wait_for(lambda: bitget.all_subscribed() == EVERY_FAMILY | {"publicTrade:BTCUSDT", "publicTrade:ETHUSDT"})
        await bitget.push(liquidation("BTCUSDT", "buy", "80000", "160000", TS + 1))  # buy: a long position
        await bitget.push(liquidation("ETHPERP", "sell", "2600", "5200", TS + 2, inst_type="usdc-futures"))
        await bitget.push(trades("BTCUSDT", [("sell", "80810.6", "0.5", TS + 3), ("buy", "80811", "0.25", TS + 4)]))
        await wait_for(lambda: len(got.of(Liquidation)) == 2 and len(got.of(Trade)) == 2 and len(got.of(Context)) >= 4)
    assert [(e.coin, e.side, e.usd) for e in got.of(Liquidation)] == [("BTC", LONG, 160000.0), ("ETH", SHORT, 5200.0)]
    assert [(e.coin, e.side, e.usd) for e in got.of(Trade)] == [("BTC", SELL, 0.5 * 80810.6), ("BTC", BUY, 0.25 * 80811)]
    oi = {c.coin: c.oi_usd for c in got.of(Context) if c.oi_usd}
    funding = {c.coin: c.funding for c in got.of(Context) if c.funding is not None}
    assert oi == {"BTC": pytest.approx(32117.3965 * 80814.7), "ETH": pytest.approx(410000 * 2600.5)}
    assert funding == {"BTC": 0.000051, "ETH": pytest.approx(-0.00004)}  # a 4-hour symbol, kept per 8 h
    assert bitget.rest_requests[:3] == ["/api/v3/market/tickers?category=USDT-FUTURES",
                                        "/api/v3/market/current-fund-rate?symbol=BTCUSDT",
                                        "/api/v3/market/current-fund-rate?symbol=ETHUSDT"]
    assert got.pipeline.counters["bitget"].rejected == 0


async def test_the_trade_history_sent_on_subscribe_is_not_taken_for_new_trades(bitget):
    feed, got = start_feed(bitget, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: bitget.all_subscribed() == {"publicTrade:BTCUSDT"})
        await wait_for(lambda: any('"snapshot"' in f[3] for f in got.frames))  # the fake sent its history
        await bitget.push(trades("BTCUSDT", [("buy", "80811", "1", TS + 10)]))
        await wait_for(lambda: got.of(Trade))
        await bitget.drop()  # after a reconnect the history comes again: still not trades
        await wait_for(lambda: bitget.connections == 2 and "publicTrade:BTCUSDT" in bitget.all_subscribed())
        await wait_for(lambda: sum('"snapshot"' in f[3] for f in got.frames) == 2)
    assert [t.ts for t in got.of(Trade)] == [TS + 10]


async def test_text_pings_keep_the_line_open_before_bitget_cuts_it(bitget):
    bitget.idle_close_s = 0.3  # Bitget: 2 minutes
    feed, _ = start_feed(bitget, ["BTC"], ping_interval_s=0.1)
    async with running(feed):
        await wait_for(lambda: bitget.pings >= 6)
        assert (bitget.connections, bitget.idle_closes) == (1, 0)


async def test_many_coins_go_ten_args_a_frame_paced_under_ten_messages_a_second(bitget):
    coins = [f"C{i}X" for i in range(40)]
    listed(bitget, *(f"{c}USDT" for c in coins))
    feed, _ = start_feed(bitget, coins)
    async with running(feed):
        await wait_for(lambda: len(bitget.all_subscribed()) == 43, timeout=10)
    assert bitget.oversized == 0 and bitget.rate_violations == 0 and bitget.connections == 1


async def test_a_refused_symbol_costs_only_itself_and_is_not_asked_again(bitget):
    listed(bitget, "GHOSTUSDT", "SOLUSDT")
    bitget.without_feed = {"GHOSTUSDT"}  # listed, but its trades refused
    feed, got = start_feed(bitget, ["BTC", "GHOST", "SOL", "NOPE"])  # NOPE: not listed, never asked
    async with running(feed):
        await wait_for(lambda: {"publicTrade:BTCUSDT", "publicTrade:SOLUSDT"} <= bitget.all_subscribed())
        await wait_for(lambda: feed.state().refused == ["GHOSTUSDT"])
        refusals = bitget.refusals
        await bitget.drop()
        await wait_for(lambda: bitget.connections == 2 and {"publicTrade:BTCUSDT", "publicTrade:SOLUSDT"}
                       <= bitget.all_subscribed())
        await asyncio.sleep(0.2)  # a re-ask would have been answered by now
    assert bitget.refusals == refusals == 1
    assert not any("NOPEUSDT" in raw for raw in bitget.received)
    assert got.pipeline.counters["bitget"].reasons == {"venue error": 1}


async def test_reconnect_resubscribes_everything_including_coins_added_at_run_time(bitget):
    feed, _ = start_feed(bitget, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "publicTrade:BTCUSDT" in bitget.all_subscribed())
        feed.set_coins(["BTC", "ETH"])
        await wait_for(lambda: "publicTrade:ETHUSDT" in bitget.all_subscribed())
        await bitget.drop()
        await wait_for(lambda: bitget.connections == 2 and bitget.all_subscribed() == EVERY_FAMILY | {
            "publicTrade:BTCUSDT", "publicTrade:ETHUSDT"})
        assert feed.state().reconnects == 1


async def test_malformed_frames_are_counted_and_the_feed_goes_on(bitget):
    feed, got = start_feed(bitget, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "liquidation:usdt-futures" in bitget.all_subscribed())
        for raw in ("{oops", '{"arg":{"instType":"usdt-futures","topic":"liquidation"},"data":[{"side":"buy"}]}',
                    liquidation("BTCUSDT", "sell", "80000", "1000", TS)):
            await bitget.push(raw)
        await wait_for(lambda: got.of(Liquidation))
        assert got.pipeline.counters["bitget"].reasons == {"not json": 1, "bad price": 1}


async def test_with_coinglass_liquidations_bitget_sends_trades_only(bitget):
    feed, _ = start_feed(bitget, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: bitget.all_subscribed() == {"publicTrade:BTCUSDT"})
