"""dYdX live feed against a fake v4 indexer on 127.0.0.1 speaking its protocol: every market
batched for its liquidations and the watched ones unbatched for trades too, 32 subscriptions a
connection, the subscription's replay counted once after a reconnect, server pings, refusals and
garbage counted."""

from __future__ import annotations

import pytest

from engine.model import BUY, LONG, SHORT, Context, Liquidation, Trade
from fakes.dydx_server import trade
from fakes.realdata import live_frame
from fakes.venue_servers import TS, running, start_feed, wait_for


async def test_every_markets_liquidations_and_the_watched_markets_trades(dydx):
    feed, got = start_feed(dydx, ["BTC", "SOL"])
    async with running(feed):
        # SOL is not listed, LUNA-USD is in final settlement: neither is asked.
        await wait_for(lambda: dydx.subscribed_as(batched=True) == {"ETH-USD", "PEPE-USD"}
                       and dydx.subscribed_as(batched=False) == {"BTC-USD"})
        await dydx.trades("PEPE-USD", trade(1, "SELL", "0.0000091", "1000000000", "LIQUIDATED"),
                          trade(2, "BUY", "0.0000092", "5000000000"))  # an unwatched market's trade: not flow
        await dydx.trades("BTC-USD", trade(3, "BUY", "61800", "2.0"), trade(4, "BUY", "61700", "0.5", "DELEVERAGED"))
        await wait_for(lambda: len(got.of(Liquidation)) == 2 and got.of(Trade))
    assert got.of(Liquidation) == [Liquidation(TS, "dYdX", "PEPE", LONG, pytest.approx(0.0000091), pytest.approx(9100.0)),
                                   Liquidation(TS, "dYdX", "BTC", SHORT, 61700.0, 30850.0)]
    assert got.of(Trade) == [Trade(TS, "dYdX", "BTC", BUY, 61800.0, 123600.0)]  # the ADL fill is no order flow
    context = {c.coin: c for c in got.of(Context)}
    assert set(context) == {"BTC", "ETH", "PEPE"} and context["BTC"].funding == pytest.approx(0.0001)
    assert context["BTC"].oi_usd == pytest.approx(650.5 * 61800)
    assert dydx.rest_requests[0] == "/v4/perpetualMarkets" and dydx.refusals == []
    assert got.pipeline.counters["dydx"].rejected == 0  # connected, subscribed: quiet


async def test_more_markets_than_32_take_more_connections_and_none_is_refused(dydx):
    dydx.add_markets(40)
    feed, _ = start_feed(dydx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: len(dydx.subscribed_as(batched=True)) == 42 and len(dydx.clients) == 2)
        assert max(len(dydx.streams[ws]) for ws in dydx.clients) == 32
        assert dydx.refusals == [] and dydx.rate_closes == 0


async def test_after_a_reconnect_the_replay_counts_each_liquidation_once_and_adds_what_was_missed(dydx):
    feed, got = start_feed(dydx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "BTC-USD" in dydx.subscribed_as(batched=False))
        seen = trade(1, "SELL", "61800", "1.0", "LIQUIDATED")
        await dydx.trades("BTC-USD", seen)
        await wait_for(lambda: len(got.of(Liquidation)) == 1)
        await dydx.drop()
        dydx.recent["BTC-USD"] = [trade(2, "BUY", "61900", "1.0", "LIQUIDATED"), seen, trade(3, "BUY", "61850", "9.0")]
        await wait_for(lambda: dydx.connections == 2 and len(got.of(Liquidation)) == 2)
        assert feed.state().reconnects == 1
    assert [(e.price, e.side) for e in got.of(Liquidation)] == [(61800.0, LONG), (61900.0, SHORT)]
    assert len(got.of(Trade)) == 1  # the live one; a replay's trades are not flow


async def test_a_coin_added_at_run_time_moves_its_market_to_unbatched_and_a_reconnect_keeps_everything(dydx):
    feed, _ = start_feed(dydx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: dydx.subscribed_as(batched=False) == {"BTC-USD"})
        feed.set_coins(["BTC", "ETH"])
        await wait_for(lambda: dydx.subscribed_as(batched=False) == {"BTC-USD", "ETH-USD"}
                       and dydx.subscribed_as(batched=True) == {"PEPE-USD"})
        await dydx.drop()
        await wait_for(lambda: dydx.connections == 2 and dydx.subscribed_as(batched=False) == {"BTC-USD", "ETH-USD"}
                       and dydx.subscribed_as(batched=True) == {"PEPE-USD"})
        assert dydx.refusals == [] and dydx.rate_closes == 0


async def test_the_indexers_pings_are_answered_and_the_line_stays(dydx):
    dydx.ping_every_s, dydx.pong_timeout_s = 0.05, 0.5
    feed, _ = start_feed(dydx, ["BTC"], ping_interval_s=0)
    async with running(feed):
        await wait_for(lambda: dydx.pongs >= 5)
        assert dydx.connections == 1


async def test_malformed_frames_and_refusals_are_counted_and_skipped(dydx):
    feed, got = start_feed(dydx, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "BTC-USD" in dydx.subscribed_as(batched=False))
        for raw in ("not json", '{"type":"channel_data","channel":"v4_trades","id":"BTC-USD","contents":{}}',
                    live_frame("dydx", "error subscription limit")):
            await dydx.push(raw)
        await dydx.trades("BTC-USD", trade(9, "BUY", "61800", "1.0"))
        await wait_for(lambda: got.of(Trade))
    assert got.pipeline.counters["dydx"].reasons == {"not json": 1, "missing data": 1, "venue error": 1}


async def test_with_coinglass_liquidations_dydx_asks_the_watched_markets_only(dydx):
    feed, _ = start_feed(dydx, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: dydx.subscribed_as(batched=False) == {"BTC-USD"})
        assert dydx.subscribed_as(batched=True) == set()
