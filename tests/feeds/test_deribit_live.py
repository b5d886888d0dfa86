"""Deribit live feed against a fake Deribit on 127.0.0.1 speaking JSON-RPC 2.0: every currency's
futures for their liquidations, the watched perpetuals for their trades, one liquidation counted
once though Deribit sends it on both channels, public/test pings, refusals and garbage counted."""

from __future__ import annotations

import pytest

from engine.model import BUY, LONG, SHORT, Context, Liquidation, Trade
from fakes.deribit_server import trade
from fakes.venue_servers import TS, running, start_feed, wait_for

EVERY = {f"trades.future.{c}.100ms" for c in ("BTC", "ETH", "USDC", "USDT")}


async def test_every_currencys_liquidations_and_the_watched_perpetuals_trades(deribit):
    feed, got = start_feed(deribit, ["BTC", "SOL", "XRP"])
    async with running(feed):
        # XRP has no perpetual there: not asked; SOL's perpetual is the linear SOL_USDC one.
        await wait_for(lambda: deribit.subscribed() == EVERY | {"trades.BTC-PERPETUAL.100ms",
                                                                "trades.SOL_USDC-PERPETUAL.100ms"})
        await deribit.trades(trade(1, "BTC-PERPETUAL", "sell", 61700.0, 50000.0, liquidation="T"),  # both channels
                             trade(2, "ETH-PERPETUAL", "buy", 2600.0, 26000.0, liquidation="M"),  # ETH not watched
                             trade(3, "SOL_USDC-PERPETUAL", "buy", 150.0, 40.0))
        await wait_for(lambda: len(got.of(Liquidation)) == 2 and len(got.of(Trade)) == 2)
    assert got.of(Liquidation) == [Liquidation(TS, "Deribit", "BTC", LONG, 61700.0, 50000.0),
                                   Liquidation(TS, "Deribit", "ETH", LONG, 2600.0, 26000.0)]
    assert [(t.coin, t.side, t.usd) for t in got.of(Trade)] == [("BTC", "sell", 50000.0), ("SOL", BUY, 6000.0)]
    context = {c.coin: c for c in got.of(Context)}
    assert set(context) == {"BTC", "ETH", "SOL"} and context["SOL"].oi_usd == pytest.approx(200_000 * 150.0)
    assert deribit.rest_requests[0] == "/api/v2/public/get_book_summary_by_currency?currency=BTC&kind=future"
    assert deribit.refused == [] and got.pipeline.counters["deribit"].rejected == 0


async def test_public_test_every_ping_interval_keeps_a_quiet_line_showing_messages(deribit):
    feed, got = start_feed(deribit, ["BTC"], ping_interval_s=0.05)
    async with running(feed):
        await wait_for(lambda: deribit.tests >= 5)
        assert deribit.connections == 1 and got.pipeline.counters["deribit"].rejected == 0


async def test_reconnect_resubscribes_everything_including_coins_added_at_run_time(deribit):
    feed, _ = start_feed(deribit, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "trades.BTC-PERPETUAL.100ms" in deribit.subscribed())
        feed.set_coins(["ETH"])
        expected = EVERY | {"trades.ETH-PERPETUAL.100ms"}
        await wait_for(lambda: deribit.subscribed() == expected)
        await deribit.drop()
        await wait_for(lambda: deribit.connections == 2 and deribit.subscribed() == expected)
        assert feed.state().reconnects == 1 and deribit.rate_violations == 0


async def test_a_channel_deribit_does_not_serve_is_refused_alone_and_not_asked_again(deribit):
    deribit.summaries["USDC"].append({"instrument_name": "GONE_USDC-PERPETUAL", "creation_timestamp": TS,
                                      "mark_price": 1.0, "funding_8h": 0.0, "open_interest": 1.0})
    deribit.unserved.add("trades.GONE_USDC-PERPETUAL.100ms")  # listed, but its channel gives an empty result
    feed, _ = start_feed(deribit, ["BTC", "GONE"])
    async with running(feed):
        await wait_for(lambda: feed.refused() == ["GONE_USDC-PERPETUAL"] and "trades.BTC-PERPETUAL.100ms"
                       in deribit.subscribed())
        await deribit.drop()
        await wait_for(lambda: deribit.connections == 2 and deribit.subscribed() == EVERY | {"trades.BTC-PERPETUAL.100ms"})
    assert deribit.refused == ["trades.GONE_USDC-PERPETUAL.100ms"]  # asked once


async def test_malformed_frames_and_errors_are_counted_and_skipped(deribit):
    feed, got = start_feed(deribit, ["BTC"])
    async with running(feed):
        await wait_for(lambda: "trades.BTC-PERPETUAL.100ms" in deribit.subscribed())
        for raw in ("not json", '{"jsonrpc":"2.0","id":99,"error":{"code":-32602,"message":"Invalid params"}}',
                    '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.future.BTC.100ms","data":{}}}'):
            await deribit.push(raw)
        await deribit.trades(trade(5, "BTC-PERPETUAL", "buy", 61800.0, 1000.0, liquidation="MT"))
        await wait_for(lambda: len(got.of(Liquidation)) == 2)
    assert [e.side for e in got.of(Liquidation)] == [SHORT, LONG]  # the taker's short, the maker's long
    assert got.pipeline.counters["deribit"].reasons == {"not json": 1, "venue error": 1, "missing data": 1}


async def test_with_coinglass_liquidations_deribit_asks_the_watched_perpetuals_only(deribit):
    feed, got = start_feed(deribit, ["BTC"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: deribit.subscribed() == {"trades.BTC-PERPETUAL.100ms"})
        await deribit.trades(trade(6, "BTC-PERPETUAL", "sell", 61700.0, 5000.0, liquidation="T"))
        await wait_for(lambda: got.of(Trade))
    assert got.of(Liquidation) == []  # the instrument channel gives the trade, CoinGlass the liquidation
