"""Binance live feed against a fake Binance on 127.0.0.1 speaking the real protocol."""

from __future__ import annotations

import json
import math

import pytest

from engine.model import BUY, LONG, SHORT, Context, Liquidation, Trade
from fakes.realdata import binance_force_order_frames, example, live_frame
from fakes.venue_servers import TS, FakeBinance, running, start_feed, wait_for


def all_market_force_order() -> str:
    """The real forceOrder fixture as the all-market stream carries it."""
    return json.dumps(dict(example("btcusdt@forceOrder"), stream="!forceOrder@arr"))


async def test_liquidations_trades_and_context_arrive_with_binance_sides_and_usd(binance):
    feed, got = start_feed(binance, ["BTC", "PEPE"])
    async with running(feed):
        await wait_for(lambda: binance.subscribed() == {"!forceOrder@arr", "btcusdt@aggTrade", "1000pepeusdt@aggTrade"})
        frames = binance_force_order_frames()[:40]
        for raw, _ in frames:
            await binance.push(raw)
        await binance.push(json.dumps(example("btcusdt@aggTrade")))
        await wait_for(lambda: len(got.of(Liquidation)) == 40 and got.of(Trade))
        await wait_for(lambda: len(got.of(Context)) == 5)  # funding of every symbol, OI of the watched
    for liq, (_, row) in zip(got.of(Liquidation), frames):
        assert liq.side == (LONG if row["side"] == "SELL" else SHORT)
        assert math.isclose(liq.usd, float(row["usd_value"]))
    assert got.of(Trade) == [Trade(1568693103463, "Binance", "BTC", BUY, 10223.74, 10223.74 * 0.236)]
    context = {(c.coin, "oi" if c.oi_usd else "funding"): c.oi_usd or c.funding for c in got.of(Context)}
    assert context == {("BTC", "funding"): 0.0001, ("ETH", "funding"): -0.00002,
                       ("PEPE", "funding"): pytest.approx(0.0006),  # a 4-hour symbol, kept per 8 h
                       ("BTC", "oi"): 80000.5 * 61800.10, ("PEPE", "oi"): pytest.approx(9e9 * 0.0081)}
    assert binance.rest_requests[:2] == ["/fapi/v1/fundingInfo", "/fapi/v1/premiumIndex"]
    assert got.pipeline.counters["binance"].rejected == 0


async def test_server_pings_are_answered(binance):
    feed, _ = start_feed(binance, ["BTC"])
    async with running(feed):
        await wait_for(lambda: binance.pongs >= 3)
        assert feed.state().state == "live"


async def test_pongs_keep_a_quiet_connection_alive(binance):
    """Binance sends nothing on a quiet market (a watched coin without trades, no liquidation
    anywhere); the answers to our pings prove the line works, so the watchdog leaves it open."""
    feed, _ = start_feed(binance, ["BTC"], liquidations=False, ping_interval_s=0.05, watchdog_s=0.3)
    async with running(feed):
        await wait_for(lambda: binance.subscribed() == {"btcusdt@aggTrade"})
        await wait_for(lambda: binance.pongs >= 20)  # a second of silence, three watchdog periods
        assert binance.connections == 1 and feed.state().reconnects == 0
        assert feed.state().last_message_age_s < 0.3


def list_on(binance, *coins: str) -> None:
    """Add ``coins`` to the fake's listing (``/fapi/v1/premiumIndex``)."""
    binance.premium += [{"symbol": f"{c}USDT", "markPrice": "1.5", "lastFundingRate": "0.0001", "time": TS}
                        for c in coins]


async def test_reconnect_resubscribes_everything_including_coins_added_at_run_time(binance):
    list_on(binance, "SOL")
    feed, got = start_feed(binance, ["BTC", "ETH"])
    async with running(feed):
        await wait_for(lambda: binance.subscribed() == {"!forceOrder@arr", "btcusdt@aggTrade", "ethusdt@aggTrade"})
        feed.set_coins(["BTC", "SOL"])
        await wait_for(lambda: binance.subscribed() == {"!forceOrder@arr", "btcusdt@aggTrade", "solusdt@aggTrade"})
        await binance.drop()
        await wait_for(lambda: binance.connections == 2 and binance.clients)
        await wait_for(lambda: binance.subscribed() == {"!forceOrder@arr", "btcusdt@aggTrade", "solusdt@aggTrade"})
        await binance.push(all_market_force_order())
        await wait_for(lambda: got.of(Liquidation))
        assert feed.state().reconnects == 1


async def test_malformed_frames_are_counted_and_the_feed_goes_on(binance):
    feed, got = start_feed(binance, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "!forceOrder@arr" in binance.subscribed())
        for raw in ("garbage", '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","o":{"S":"SELL"}}}',
                    all_market_force_order()):
            await binance.push(raw)
        await wait_for(lambda: got.of(Liquidation))
        counters = got.pipeline.counters["binance"]
        assert counters.rejected == 2 and counters.reasons == {"not json": 1, "bad price": 1}
        assert feed.state().state == "live"


async def test_many_coins_spread_over_sockets_of_at_most_200_streams_at_a_polite_rate(binance):
    coins = [f"C{i}X" for i in range(320)]
    list_on(binance, *coins)
    feed, _ = start_feed(binance, coins)
    async with running(feed):
        await wait_for(lambda: len(binance.all_subscribed()) == 321)
        assert len(binance.clients) == 2  # the fewest connections that hold them
        assert all(len(binance.subscribed(i)) <= FakeBinance.MAX_STREAMS for i in range(2))
        list_on(binance, *(f"D{i}X" for i in range(100)))
        feed.set_coins(coins + [f"D{i}X" for i in range(100)])  # added at run time: room is found or made
        await wait_for(lambda: len(binance.all_subscribed()) == 421 and len(binance.clients) == 3)
        assert all(len(binance.subscribed(i)) <= FakeBinance.MAX_STREAMS for i in range(3))
        assert binance.rate_violations == 0


async def test_with_coinglass_liquidations_binance_sends_trades_only(binance):
    feed, _ = start_feed(binance, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: binance.subscribed() == {"btcusdt@aggTrade"})


async def test_a_coin_is_subscribed_only_under_the_name_the_listing_gives_even_when_the_listing_is_late(binance):
    """``pepeusdt@aggTrade`` is acknowledged and never sends: a watched coin waits for the listing,
    and a listing that arrives later subscribes it under the venue's name."""
    pepe = next(row for row in binance.premium if row["symbol"] == "1000PEPEUSDT")
    binance.premium.remove(pepe)
    feed, got = start_feed(binance, ["BTC", "PEPE"])
    async with running(feed):
        await wait_for(lambda: binance.subscribed() == {"!forceOrder@arr", "btcusdt@aggTrade"})
        binance.premium.append(pepe)
        feed.set_coins(["BTC", "PEPE", "ETH"])  # a new coin: the poller fetches the listing again now
        await wait_for(lambda: binance.subscribed() == {"!forceOrder@arr", "btcusdt@aggTrade", "ethusdt@aggTrade",
                                                        "1000pepeusdt@aggTrade"})
        trade = json.loads(live_frame("binance", "aggTrade 2026"))
        trade["stream"], trade["data"]["s"] = "1000pepeusdt@aggTrade", "1000PEPEUSDT"
        trade["data"]["p"] = "0.0112"
        await binance.push(json.dumps(trade))
        await wait_for(lambda: got.of(Trade))
    assert not any("pepeusdt@aggTrade" in raw and "1000pepeusdt" not in raw for raw in binance.received)
    assert got.of(Trade)[0].coin == "PEPE"


async def test_current_format_liquidations_arrive(binance):
    """The 2026 frame (``ps`` and ``st`` in ``o``) gives a liquidation: the default no-key mode."""
    feed, got = start_feed(binance, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "!forceOrder@arr" in binance.subscribed())
        await binance.push(live_frame("binance", "forceOrder 2026"))
        await wait_for(lambda: got.of(Liquidation))
    assert got.of(Liquidation)[0].usd == pytest.approx(82651.90 * 0.190)
    assert got.pipeline.counters["binance"].rejected == 0
