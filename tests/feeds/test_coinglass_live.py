"""The live CoinGlass feed (socket + OI/funding poller) against a fake CoinGlass on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from engine.feeds.venues.coinglass import FUNDING_PATH, OI_PATH, PAIRS_PATH
from engine.feeds.runner import LiveFeed
from engine.model import Context, Liquidation, Trade
from engine.secrets import Secrets
from fakes.coinglass_server import FAKE_CG_KEY, FakeCoinGlass, liquidation_frame, trade_frame, wait_for
from fakes.realdata import live_frame
from fakes.venue_servers import Collector, running, start_feed


def start(server: FakeCoinGlass, coins: list[str], *, key: str = FAKE_CG_KEY, liquidations: bool = True,
          **coinglass: object) -> tuple[LiveFeed, Collector]:
    """The CoinGlass feed with API key ``key``, watching trades on two exchanges."""
    return start_feed(server, coins, liquidations=liquidations, secrets=Secrets(coinglass_api_key=key),
                      exchanges=["Binance", "OKX"], **coinglass)


async def test_subscribes_liquidations_and_each_watched_coin_on_each_exchange(coinglass):
    feed, _ = start(coinglass, ["BTC", "SOL"], min_trade_usd=50_000.0)
    async with running(feed):
        await wait_for(lambda: coinglass.subscribed() == {
            "liquidationOrders",  # each exchange's own instrument names, from the supported pairs
            "futures_trades@Binance_BTCUSDT@50000", "futures_trades@OKX_BTC-USDT-SWAP@50000",
            "futures_trades@Binance_SOLUSDT@50000", "futures_trades@OKX_SOL-USDT-SWAP@50000",
        })
        assert all(len(message) == 1 for message in coinglass.subscriptions)  # one channel a message


async def test_without_the_liquidation_role_only_trades_are_subscribed(coinglass):
    feed, _ = start(coinglass, ["ETH"], liquidations=False)
    async with running(feed):
        await wait_for(lambda: len(coinglass.subscriptions) == 2)
        assert "liquidationOrders" not in coinglass.subscribed()


async def test_frames_in_both_numeric_styles_become_events_and_garbage_is_counted(coinglass):
    feed, got = start(coinglass, ["BTC"])
    async with running(feed):
        await wait_for(lambda: coinglass.streaming(("BTC",)))
        await coinglass.push(liquidation_frame([
            {"exName": "Binance", "symbol": "BTCUSDT", "side": 1, "price": 60000.5, "volUsd": 120000.0,
             "time": 1761125802306},
            {"exName": "OKX", "baseAsset": "ETH", "side": "2", "price": "2400.1", "volUsd": "51000.5",
             "time": "1761125802400"},
        ]))
        await coinglass.push(trade_frame("Binance", "BTCUSDT", 10000, [
            {"exName": "Binance", "symbol": "BTCUSDT", "side": "2", "price": "60010", "volUsd": "25000",
             "time": "1761125802500"},
        ]))
        await coinglass.push("{not json")
        await coinglass.push('{"channel":"liquidationOrders","data":[{"side":9}]}')
        await wait_for(lambda: got.pipeline.counters["coinglass"].rejected >= 2)
        liqs = [e for e in got.events if isinstance(e, Liquidation)]
        trades = [e for e in got.events if isinstance(e, Trade)]
        assert [(e.coin, e.side, e.usd) for e in liqs] == [("BTC", "long", 120000.0), ("ETH", "short", 51000.5)]
        assert [(e.coin, e.side, e.price) for e in trades] == [("BTC", "buy", 60010.0)]
        state = feed.state(got.pipeline.counters["coinglass"])
        assert state.state == "live" and state.events >= 3 and state.rejected == 2


async def test_polls_oi_and_funding_with_the_key_header_and_turns_them_into_context(coinglass):
    coinglass.funding["BTC"] = 0.02  # percent
    feed, got = start(coinglass, ["BTC", "ETH"])
    async with running(feed):
        await wait_for(lambda: len(coinglass.rest_requests) >= 5)
        assert coinglass.rest_requests[:5] == [PAIRS_PATH,
            f"{OI_PATH}?symbol=BTC&interval=5m&limit=7", f"{FUNDING_PATH}?symbol=BTC&interval=5m&limit=7",
            f"{OI_PATH}?symbol=ETH&interval=5m&limit=7", f"{FUNDING_PATH}?symbol=ETH&interval=5m&limit=7",
        ]
        rest = [frame for frame in got.frames if frame[1] == "rest"][1:]
        assert rest[0][2] == f"{OI_PATH}?symbol=BTC&interval=5m&limit=7" and '"code": "0"' in rest[0][3]
        context = [e for e in got.events if isinstance(e, Context)]
        assert any(e.coin == "BTC" and e.funding == 0.0002 for e in context)
        assert any(e.coin == "ETH" and e.oi_usd for e in context)
        feed.set_coins(["BTC", "ETH", "DOGE"])  # polled at once, not at the next 5-minute round
        await wait_for(lambda: any("symbol=DOGE" in r for r in coinglass.rest_requests))


async def test_http_429_waits_for_retry_after_and_retries_the_same_request(coinglass):
    coinglass.rate_limit_next, coinglass.retry_after = 2, "0.05"
    feed, _ = start(coinglass, ["BTC"])
    async with running(feed):
        await wait_for(lambda: len(coinglass.rest_requests) >= 2)
        assert coinglass.rest_requests[:2] == [PAIRS_PATH, f"{OI_PATH}?symbol=BTC&interval=5m&limit=7"]
        poller = feed.links[1]
        assert poller.sent >= 4 and "HTTP 429" in poller.detail  # the pairs refused twice, then asked again
        await wait_for(lambda: feed.state().state == "live")  # a REST hiccup does not make the stream look down


async def test_a_429_in_the_body_of_the_pairs_at_start_is_retried_with_the_backoff(coinglass):
    """CoinGlass's error codes are body codes: a rate limit can come as HTTP 200 with ``"code":
    "429"``.  Taken as a failed listing, it left no trade channels until the next 5-minute round."""
    coinglass.rate_limit_next, coinglass.rate_limit_status = 2, 200
    feed, got = start(coinglass, ["BTC"])
    async with running(feed):
        await wait_for(lambda: coinglass.streaming(("BTC",)))
        assert coinglass.rest_requests[0] == PAIRS_PATH  # the same request, asked again
        assert "code 429" in feed.links[1].detail
    assert got.pipeline.counters["coinglass"].rejected == 0  # the refusals were not bodies to parse


async def test_a_rejected_key_shows_down_with_one_line_and_never_the_key(coinglass):
    wrong = "wrong-cg-key-5e5e5e5e5e"
    feed, _ = start(coinglass, ["BTC"], key=wrong)
    await asyncio.wait_for(feed.run(), 5)  # both the socket and the poller give up
    state = feed.state()
    assert feed.fatal and state.state == "down" and state.detail == "CoinGlass rejected the API key"
    assert wrong not in repr(state) and coinglass.rest_requests == []


async def test_channels_use_each_exchanges_instrument_names_and_a_refused_one_silences_no_other(coinglass):
    coinglass.without_feed = {"futures_trades@OKX_SOL-USDT-SWAP@10000"}
    feed, got = start(coinglass, ["BTC", "SOL", "PEPE", "NOTLISTED"])
    async with running(feed):
        await wait_for(lambda: {"futures_trades@Binance_1000PEPEUSDT@10000", "futures_trades@OKX_PEPE-USDT-SWAP@10000",
                                "futures_trades@OKX_BTC-USDT-SWAP@10000", "futures_trades@Binance_SOLUSDT@10000"}
                       <= coinglass.subscribed())
        assert not any("NOTLISTED" in channel for channel in coinglass.subscribed())
        await coinglass.push(live_frame("coinglass", "futures_trades, OKX instrument name"))
        await coinglass.push(live_frame("coinglass", "futures_trades, Binance multiplier contract"))
        await wait_for(lambda: len(got.of(Trade)) == 2)
    assert [(t.venue, t.coin) for t in got.of(Trade)] == [("OKX", "BTC"), ("Binance", "PEPE")]
    assert got.of(Trade)[1].price == pytest.approx(0.01118 / 1000)
