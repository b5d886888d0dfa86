"""Deribit parser: a liquidation is a trade whose taker (T), maker (M) or both (MT) were under
liquidation; sizes in USD for inverse instruments and in the coin for linear ones; which channel
gives liquidations and which trades; the book summaries as listing, funding and open interest."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings

from engine.feeds.venue import Feed
from engine.feeds.venues.deribit import PING, SUMMARY_PATH, DeribitAdapter, message, reply, streams
from engine.model import LONG, SELL, SHORT, Context, Liquidation, Trade
from engine.secrets import Secrets
from engine.settings import Settings
from fakes.payloads import json_payloads
from fakes.realdata import live_formats


def frame(name: str) -> dict:
    return copy.deepcopy(next(f["frame"] for f in live_formats("deribit")["frames"] if f["name"] == name))


def parse(raw: dict | str, adapter: DeribitAdapter | None = None):
    return (adapter or DeribitAdapter()).parse_ws(raw if isinstance(raw, str) else json.dumps(raw), 0)


def summaries(adapter: DeribitAdapter) -> list:
    events = []
    for currency in ("BTC", "USDC"):
        body = json.dumps(live_formats("deribit")["summaries"][currency])
        got, rejects = adapter.parse_rest(f"{SUMMARY_PATH}?currency={currency}&kind=future", body, 0)
        assert rejects == []
        events += got
    return events


@pytest.mark.parametrize(("direction", "liquidated", "sides"), [
    ("sell", "T", [LONG]),  # the liquidated taker sold its long
    ("buy", "T", [SHORT]),
    ("buy", "M", [LONG]),  # the taker bought from the liquidated maker, who sold its long
    ("sell", "M", [SHORT]),
    ("sell", "MT", [LONG, SHORT]),  # both sides: the taker's long and the maker's short
    ("buy", "MT", [SHORT, LONG]),
])
def test_the_side_rule_for_taker_maker_and_both(direction, liquidated, sides):
    msg = frame("liquidation T (the taker sold: a long)")
    msg["params"]["data"][0].update(direction=direction, liquidation=liquidated)
    events, rejects = parse(msg)
    assert rejects == [] and [e.side for e in events] == sides


def test_inverse_sizes_are_usd_and_linear_ones_are_coins():
    [inverse], _ = parse(frame("liquidation T (the taker sold: a long)"))
    assert inverse == Liquidation(1584058044032, "Deribit", "BTC", LONG, 4469.5, 1120.0)
    [linear], _ = parse(frame("linear liquidation (sized in the coin)"))
    assert (linear.coin, linear.side, linear.usd) == ("SOL", SHORT, pytest.approx(181.42 * 120.5))


def test_currency_channels_give_liquidations_only_and_instrument_channels_trades_only():
    assert parse(frame("currency channel ordinary trade (not read)")) == ([], [])
    assert parse(frame("instrument trade (the taker sold)")) == (
        [Trade(1584058044032, "Deribit", "BTC", SELL, 4469.5, 1120.0)], [])  # its liquidation counts on the currency channel
    assert parse(frame("block trade (not order flow)")) == ([], [])


def test_answers_are_quiet_and_errors_and_garbage_counted():
    adapter = DeribitAdapter()
    assert parse(frame("subscribe answer"), adapter) == ([], [])
    assert parse({"jsonrpc": "2.0", "id": 0, "result": {"version": "1.2.26"}}, adapter) == ([], [])  # public/test
    assert parse(frame("error"), adapter) == ([], ["venue error"])
    assert parse({"jsonrpc": "2.0", "method": "subscription", "params": {"channel": "ticker.BTC-PERPETUAL.100ms",
                                                                          "data": {}}}, adapter) == ([], ["unknown channel"])
    assert parse({"jsonrpc": "2.0", "method": "subscription", "params": {"channel": "trades.future.BTC.100ms",
                                                                          "data": {}}}, adapter) == ([], ["missing data"])
    assert parse({"jsonrpc": "2.0"}, adapter) == ([], ["unknown message"])
    bad = frame("liquidation T (the taker sold: a long)")
    item = bad["params"]["data"][0]
    bad["params"]["data"] = [dict(item, liquidation="X"), dict(item, direction=None), dict(item, amount=0),
                             dict(item, timestamp=1584058044), "x"]
    assert parse(bad, adapter) == ([], ["unknown side", "missing side", "bad usd", "bad time", "item not an object"])


def test_book_summaries_are_the_listing_funding_and_open_interest():
    adapter = DeribitAdapter()
    events = summaries(adapter)
    assert events == [
        Context(1664789279599, "Deribit", "BTC", oi_usd=135540030.0, funding=0.00001469, price=19586.55),
        Context(1664789279601, "Deribit", "SOL", oi_usd=pytest.approx(250000.0 * 33.12), funding=-0.00004, price=33.12),
    ]  # BTC_USDC-PERPETUAL is BTC's second perpetual, the dated BTC-30DEC22 no perpetual
    assert adapter.perpetuals.coins() == ["BTC", "SOL"] and adapter.perpetuals.instrument("SOL") == "SOL_USDC"
    error = '{"jsonrpc":"2.0","error":{"code":10028,"message":"too_many_requests"}}'
    assert adapter.parse_rest(f"{SUMMARY_PATH}?currency=ETH&kind=future", error, 0) == ([], ["rest error"])
    assert adapter.parse_rest("/api/v2/public/get_index_price", "{}", 0) == ([], [])


def test_the_feed_asks_every_currency_and_the_watched_perpetuals_and_reads_the_answers():
    adapter = DeribitAdapter()
    summaries(adapter)
    feed = Feed("deribit", Settings().feeds.deribit, adapter, True, Secrets())
    assert streams(feed, ["BTC", "SOL", "XRP"]) == [
        "trades.future.BTC.100ms", "trades.future.ETH.100ms", "trades.future.USDC.100ms", "trades.future.USDT.100ms",
        "trades.BTC-PERPETUAL.100ms", "trades.SOL_USDC-PERPETUAL.100ms"]  # XRP: not listed, not asked
    feed.liquidations = False
    assert streams(feed, ["BTC"]) == ["trades.BTC-PERPETUAL.100ms"]
    assert json.loads(message("subscribe", ["trades.future.BTC.100ms"], 3)) == {
        "jsonrpc": "2.0", "id": 3, "method": "public/subscribe", "params": {"channels": ["trades.future.BTC.100ms"]}}
    assert reply('{"jsonrpc":"2.0","id":3,"result":["trades.future.BTC.100ms"]}') == ("3", True)
    assert reply('{"jsonrpc":"2.0","id":4,"result":[]}') == ("4", False)  # Deribit leaves out what it does not serve
    assert reply(json.dumps(frame("error"))) == ("7", False)
    assert reply('{"jsonrpc":"2.0","id":0,"result":{"version":"1.2.26"}}') is None  # our ping's answer
    assert json.loads(PING)["method"] == "public/test"


@settings(max_examples=300, deadline=None)
@given(json_payloads(["jsonrpc", "method", "params", "channel", "data", "liquidation", "direction", "price", "amount",
                      "timestamp", "instrument_name", "result", "error", "id", "funding_8h", "mark_price",
                      "open_interest", "creation_timestamp", "block_trade_id"]))
def test_arbitrary_payloads_never_raise(data):
    adapter = DeribitAdapter()
    for channel in ("trades.future.BTC.100ms", "trades.BTC-PERPETUAL.100ms", data):
        for items in (data, [data]):
            raw = json.dumps({"jsonrpc": "2.0", "method": "subscription", "params": {"channel": channel, "data": items}})
            adapter.parse_ws(raw, 0)
            reply(raw)
    adapter.parse_ws(json.dumps(data), 0)
    reply(json.dumps(data))
    for body in (data, {"result": [data]}, {"result": data}):
        adapter.parse_rest(f"{SUMMARY_PATH}?currency=BTC&kind=future", json.dumps(body), 0)
