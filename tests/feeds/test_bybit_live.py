"""Bybit live feed against a fake Bybit on 127.0.0.1 speaking the real v5 protocol."""

from __future__ import annotations

import asyncio
import copy
import json

import pytest

from engine.model import BUY, LONG, SHORT, Context, Liquidation, Trade
from engine.symbols import canonical
from fakes.realdata import example, live_frame
from fakes.venue_servers import FakeBybit, running, start_feed, wait_for

EVERY_SYMBOL = {"allLiquidation.BTCUSDT", "allLiquidation.PIPPINUSDT", "allLiquidation.1000PEPEUSDT",
                "allLiquidation.LTCUSDT"}
LTC = {"symbol": "LTCUSDT", "openInterestValue": "90000000", "fundingRate": "0.0001", "fundingIntervalHour": "8"}


@pytest.fixture(autouse=True)
def ltc_listed(bybit):
    bybit.tickers.append(dict(LTC))


def listed(bybit, names: list[str], **fields: str) -> None:
    bybit.tickers += [{"symbol": name, "openInterestValue": "1000000", "fundingRate": "0.0001", **fields}
                      for name in names]


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
        await wait_for(lambda: len(got.of(Liquidation)) == 2 and got.of(Trade) and len(got.of(Context)) == 4)
    assert [(e.coin, e.side, e.usd) for e in got.of(Liquidation)] == [("PIPPIN", SHORT, 2846 * 0.02456),
                                                                      ("PIPPIN", LONG, 2846 * 0.02456)]
    assert got.of(Trade) == [Trade(1680688979983, "Bybit", "LTC", BUY, 94.53, 0.4 * 94.53)]
    assert {c.coin: (c.oi_usd, c.funding) for c in got.of(Context)} == {
        "BTC": (3399055000.0, 0.0001), "PIPPIN": (12000000.0, -0.0006), "PEPE": (120000000.0, 0.00005),
        "LTC": (90000000.0, 0.0001)}
    assert got.pipeline.counters["bybit"].rejected == 0


async def test_subscriptions_keep_to_ten_args_per_message(bybit):
    listed(bybit, [f"C{i}XUSDT" for i in range(40)])
    feed, got = start_feed(bybit, ["BTC"])
    async with running(feed):
        await wait_for(lambda: len(bybit.all_subscribed()) == 45)
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
        # Trades and every symbol's liquidations fit one connection's 21,000 characters.
        await wait_for(lambda: bybit.connections == 2 and len(bybit.clients) == 1)
        await wait_for(lambda: bybit.all_subscribed() == EVERY_SYMBOL | {"publicTrade.BTCUSDT",
                                                                        "publicTrade.PIPPINUSDT"})
        assert feed.state().reconnects == 1


async def test_malformed_frames_are_counted_and_the_feed_goes_on(bybit):
    feed, got = start_feed(bybit, ["LTC"])
    async with running(feed):
        await wait_for(lambda: "publicTrade.LTCUSDT" in bybit.all_subscribed())
        for raw in ("{oops", '{"topic":"publicTrade.LTCUSDT","data":[{"S":"Buy","p":"1"}]}',
                    json.dumps(example("publicTrade.LTCUSDT"))):
            await bybit.push(raw)
        counters = got.pipeline.counters["bybit"]
        await wait_for(lambda: got.of(Trade))
        # One socket carries it all; an item without size or symbol fails at its size (side, price, USD, time, coin).
        await wait_for(lambda: counters.reasons == {"not json": 1, "bad usd": 1})


async def test_with_coinglass_liquidations_bybit_sends_trades_only(bybit):
    feed, _ = start_feed(bybit, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: bybit.all_subscribed() == {"publicTrade.BTCUSDT"})
        assert len(bybit.clients) == 1


def liquidation(symbol: str, ts: int) -> str:
    """A current-format ``allLiquidation`` frame (tests/data/live_formats/bybit.json) for ``symbol``."""
    frame = json.loads(live_frame("bybit", "allLiquidation 2026"))
    frame["topic"] = f"allLiquidation.{symbol}"
    frame["data"][0].update(s=symbol, T=ts)
    return json.dumps(frame)


async def test_one_bad_topic_costs_only_itself_and_every_valid_symbol_still_gets_data(bybit):
    """Bybit fails a whole subscribe request on one topic without a handler; the feed asks that
    request's topics again one by one, remembers the refused ones and shows them in its state."""
    names = [f"C{i}XUSDT" for i in range(40)]
    listed(bybit, names)
    bybit.without_feed = {"C3XUSDT", "C17XUSDT", "C31XUSDT"}
    listed(bybit, ["NEWUSDT"], **FakeBybit.PRE_LISTING)  # pre-listing: never asked at all
    feed, got = start_feed(bybit, ["BTC", "NOPE"])
    valid = [n for n in names if n not in bybit.without_feed] + ["BTCUSDT", "PIPPINUSDT", "1000PEPEUSDT", "LTCUSDT"]
    async with running(feed):
        await wait_for(lambda: {f"allLiquidation.{n}" for n in valid} <= bybit.all_subscribed())
        await wait_for(lambda: feed.state().refused == sorted(bybit.without_feed))
        for i, name in enumerate(valid):
            await bybit.push(liquidation(name, 1791565602929 + i))
        await wait_for(lambda: len(got.of(Liquidation)) == len(valid))
        refusals = bybit.refusals
        await bybit.drop()  # after a reconnect the refused topics are not asked again
        await wait_for(lambda: bybit.connections == 2 and {f"allLiquidation.{n}" for n in valid} <= bybit.all_subscribed())
    assert bybit.refusals == refusals
    assert "publicTrade.NOPEUSDT" not in bybit.received_topics() and "allLiquidation.NEWUSDT" not in bybit.received_topics()
    assert {e.coin for e in got.of(Liquidation)} == {canonical(n)[0] for n in valid}


async def test_each_connection_keeps_its_args_under_21000_characters(bybit):
    listed(bybit, [f"LONGNAMEDCOIN{i:04d}USDT" for i in range(1500)])
    feed, got = start_feed(bybit, ["BTC"])
    async with running(feed):
        await wait_for(lambda: len(bybit.all_subscribed()) > 1000)
        await asyncio.sleep(0.3)
        for index in range(len(bybit.clients)):
            assert sum(len(t) + 3 for t in bybit.subscribed(index)) <= FakeBybit.MAX_ARGS_CHARS
        assert len(bybit.clients) == 3  # 1,505 topics of ~30 characters: the fewest connections under the cap
        await bybit.drop()  # one outage of three sockets is one reconnect of the feed
        await wait_for(lambda: bybit.connections == 6 and len(bybit.all_subscribed()) > 1000)
        assert feed.state().reconnects == 1
    assert not any("exceeds" in raw for _, _, _, raw, _ in got.frames)
