"""Hyperliquid live feed against a fake Hyperliquid on 127.0.0.1 speaking its protocol: one
subscription a message, the kilo contracts by the listing's names, context by POST, pings,
opening trades sent again after a reconnect, refusals and garbage counted."""

from __future__ import annotations

import json

import pytest

from engine.model import BUY, SELL, Context, Trade
from fakes.hyperliquid_server import trade
from fakes.realdata import live_frame
from fakes.venue_servers import TS, running, start_feed, wait_for


def trades(*items: dict) -> str:
    return json.dumps({"channel": "trades", "data": list(items)})


async def test_watched_coins_trade_under_the_listings_names_with_context_by_post(hyperliquid):
    feed, got = start_feed(hyperliquid, ["BTC", "PEPE", "SOL"])
    async with running(feed):
        # SOL is not listed: not asked; PEPE is kPEPE on Hyperliquid; one subscription a message.
        await wait_for(lambda: hyperliquid.subscribed() == {"trades:BTC", "trades:kPEPE"})
        await hyperliquid.push(trades(trade("BTC", 1, "A", "61800.0", "2.0")))
        await hyperliquid.push(trades(trade("kPEPE", 2, "B", "0.0081", "1000000")))
        await wait_for(lambda: len(got.of(Trade)) == 2)
    assert got.of(Trade) == [Trade(TS, "Hyperliquid", "BTC", SELL, 61800.0, 123600.0),
                             Trade(TS, "Hyperliquid", "PEPE", BUY, pytest.approx(0.0081 / 1000), pytest.approx(8100.0))]
    assert hyperliquid.rest_requests[0] == "POST /info" and hyperliquid.info_types[0] == "metaAndAssetCtxs"
    subscribes = [json.loads(raw) for raw in hyperliquid.received if '"subscribe"' in raw]
    assert all(set(m["subscription"]) == {"type", "coin"} for m in subscribes) and len(subscribes) == 2
    context = {c.coin: c for c in got.of(Context)}
    assert set(context) == {"BTC", "ETH", "PEPE"}  # every listed asset, the delisted MATIC left out
    assert context["BTC"].funding == pytest.approx(0.0001)  # an hour's 0.00125 %, per 8 h
    assert context["PEPE"].oi_usd == pytest.approx(5e9 * 0.0081)
    assert got.pipeline.counters["hyperliquid"].rejected == 0  # the greeting and the answers are quiet


async def test_the_opening_trades_sent_again_after_a_reconnect_count_once(hyperliquid):
    hyperliquid.recent["BTC"] = [trade("BTC", 7, "B", "61800.0", "1.0"), trade("BTC", 8, "A", "61801.0", "1.0")]
    feed, got = start_feed(hyperliquid, ["BTC"])
    async with running(feed):
        await wait_for(lambda: len(got.of(Trade)) == 2)
        await hyperliquid.drop()
        await wait_for(lambda: hyperliquid.connections == 2 and hyperliquid.subscribed() == {"trades:BTC"})
        await hyperliquid.push(trades(trade("BTC", 9, "B", "61802.0", "1.0")))
        await wait_for(lambda: len(got.of(Trade)) == 3)
        assert feed.state().reconnects == 1
    assert [t.price for t in got.of(Trade)] == [61800.0, 61801.0, 61802.0]


async def test_reconnect_resubscribes_everything_including_coins_added_at_run_time(hyperliquid):
    feed, _ = start_feed(hyperliquid, ["BTC"])
    async with running(feed):
        await wait_for(lambda: hyperliquid.subscribed() == {"trades:BTC"})
        feed.set_coins(["ETH", "PEPE"])
        expected = {"trades:ETH", "trades:kPEPE"}
        await wait_for(lambda: hyperliquid.subscribed() == expected)
        await hyperliquid.drop()
        await wait_for(lambda: hyperliquid.connections == 2 and hyperliquid.subscribed() == expected)
        assert hyperliquid.refusals == []  # BTC was unsubscribed, nothing asked twice


async def test_pings_are_answered_and_keep_a_quiet_line_open(hyperliquid):
    """Hyperliquid closes a connection it sent nothing to for 60 s; the pongs to the feed's pings
    (every 20 s by default) keep a quiet one.  Here in miniature: cut after 0.3 s, ping by 0.1 s."""
    hyperliquid.idle_close_s = 0.3
    feed, got = start_feed(hyperliquid, ["BTC"], ping_interval_s=0.1)
    async with running(feed):
        await wait_for(lambda: hyperliquid.pings >= 6)
        assert (hyperliquid.connections, hyperliquid.idle_closes) == (1, 0)
        assert sum(f[2] == "pong" for f in got.frames) >= 5 and got.pipeline.counters["hyperliquid"].rejected == 0


async def test_without_pings_hyperliquid_cuts_the_line_and_the_feed_redials(hyperliquid):
    hyperliquid.idle_close_s = 0.3
    feed, _ = start_feed(hyperliquid, ["BTC"], ping_interval_s=0)
    async with running(feed):
        await wait_for(lambda: hyperliquid.idle_closes >= 1 and hyperliquid.connections >= 2)


async def test_malformed_frames_and_refusals_are_counted_and_skipped(hyperliquid):
    feed, got = start_feed(hyperliquid, ["BTC"])
    async with running(feed):
        await wait_for(lambda: hyperliquid.subscribed() == {"trades:BTC"})
        for raw in ("not json", '{"channel":"trades","data":[{"coin":"BTC","side":"X","px":"1","sz":"1","time":1}]}',
                    live_frame("hyperliquid", "error Already subscribed"), live_frame("hyperliquid", "trades BTC (three fills of one taker buy)")):
            await hyperliquid.push(raw)
        await wait_for(lambda: len(got.of(Trade)) == 3)
    assert got.pipeline.counters["hyperliquid"].reasons == {"not json": 1, "unknown side": 1, "venue error": 1}


async def test_a_listing_that_never_comes_still_streams_under_the_coins_names(hyperliquid):
    hyperliquid.contexts = hyperliquid.contexts[:1]  # meta and contexts no longer pair up: refused whole
    feed, got = start_feed(hyperliquid, ["BTC", "PEPE"])
    feed.links[0].wait_s = 0.2
    async with running(feed):
        await wait_for(lambda: hyperliquid.subscribed() == {"trades:BTC"})
        await wait_for(lambda: any("Invalid subscription" in r for r in hyperliquid.refusals))
        await wait_for(lambda: got.pipeline.counters["hyperliquid"].reasons.get("venue error") == 1)
    assert got.pipeline.counters["hyperliquid"].reasons["rest bad body"] >= 1
