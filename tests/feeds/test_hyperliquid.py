"""Hyperliquid parser: trades with the aggressing side, kilo contracts, trades sent again dropped,
and the metaAndAssetCtxs body as listing, funding (an hour's rate) and open interest."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings

from engine.feeds.venues.hyperliquid import CONTEXTS_PATH, GREETING, HyperliquidAdapter, post_body
from engine.model import BUY, SELL, Context, Trade
from fakes.payloads import json_payloads
from fakes.realdata import live_formats

RECEIVED = 1_791_565_600_000  # the receive time a context body is dated by


def frame(name: str) -> dict:
    return copy.deepcopy(next(f["frame"] for f in live_formats("hyperliquid")["frames"] if f["name"] == name))


def parse(raw: dict | str, adapter: HyperliquidAdapter | None = None):
    return (adapter or HyperliquidAdapter()).parse_ws(raw if isinstance(raw, str) else json.dumps(raw), 0)


def contexts(adapter: HyperliquidAdapter | None = None, body: object = None):
    body = live_formats("hyperliquid")["contexts"] if body is None else body
    return (adapter or HyperliquidAdapter()).parse_rest(CONTEXTS_PATH, json.dumps(body), RECEIVED)


def test_side_is_the_aggressing_side_b_buys_a_sells():
    [sold], _ = parse(frame("trades FXS (taker sold)"))
    assert sold == Trade(1730160015113, "Hyperliquid", "FXS", SELL, 1.9008, 1.9008 * 10.5)
    trades, rejects = parse(frame("trades BTC (three fills of one taker buy)"))
    assert rejects == [] and [t.side for t in trades] == [BUY, BUY, BUY]


def test_a_kilo_contract_is_its_coin_at_a_thousandth_of_the_price_with_usd_unchanged():
    [trade], _ = parse(frame("trades kPEPE 2026"))
    assert (trade.coin, trade.price, trade.usd) == ("PEPE", pytest.approx(0.010512 / 1000), pytest.approx(2628.0))


def test_a_trade_sent_again_counts_once():
    """A subscription opens with the coin's latest trades, again after a reconnect: by ``tid``."""
    adapter = HyperliquidAdapter()
    btc = frame("trades BTC (three fills of one taker buy)")
    assert len(parse(btc, adapter)[0]) == 3
    again = copy.deepcopy(btc)
    again["data"].append(dict(btc["data"][0], tid=1, sz="1.0"))
    assert parse(again, adapter) == ([Trade(1730160006192, "Hyperliquid", "BTC", BUY, 69997.0, 69997.0)], [])


def test_greeting_pong_and_subscription_answers_are_quiet_and_errors_counted():
    adapter = HyperliquidAdapter()
    for quiet in (GREETING, frame("pong"), frame("subscriptionResponse")):
        assert parse(quiet, adapter) == ([], [])
    assert parse(frame("error Already subscribed"), adapter) == ([], ["venue error"])
    assert parse({"channel": "l2Book", "data": {}}, adapter) == ([], ["unknown channel"])
    assert parse("Websocket connection", adapter) == ([], ["not json"])


def test_bad_trades_are_rejected_by_the_shared_validation():
    bad = frame("trades FXS (taker sold)")
    bad["data"] = [dict(bad["data"][0], side="X", tid=1), dict(bad["data"][0], px="0", tid=2),
                   dict(bad["data"][0], time="soon", tid=3), "nope"]
    assert parse(bad) == ([], ["unknown side", "bad price", "bad time", "item not an object"])


def test_contexts_are_the_listing_with_hourly_funding_per_8h_and_oi_in_usd():
    adapter = HyperliquidAdapter()
    events, rejects = contexts(adapter)
    assert rejects == []
    assert events == [
        Context(RECEIVED, "Hyperliquid", "BTC", oi_usd=pytest.approx(0.22168 * 28429.3), funding=pytest.approx(-0.0000886 * 8),
                price=28429.3),
        Context(RECEIVED, "Hyperliquid", "PEPE", oi_usd=pytest.approx(5e9 * 0.010512), funding=pytest.approx(0.0001),
                price=pytest.approx(0.010512 / 1000)),
    ]  # the delisted MATIC is not listed
    assert adapter.perpetuals.coins() == ["BTC", "PEPE"] and adapter.perpetuals.instrument("PEPE") == "kPEPE"


def test_contexts_that_do_not_pair_up_index_for_index_are_refused_whole():
    meta, ctxs = live_formats("hyperliquid")["contexts"]
    assert contexts(body=[meta, ctxs[:2]]) == ([], ["rest bad body"])
    assert contexts(body={"error": "rate limited"}) == ([], ["rest error"])
    assert HyperliquidAdapter().parse_rest(CONTEXTS_PATH, "<html>", RECEIVED) == ([], ["rest bad body"])
    meta["universe"][0] = "BTC"
    ctxs[1] = {"funding": "x", "openInterest": "x"}
    assert contexts(body=[meta, ctxs]) == ([], ["rest bad row"])


def test_other_info_bodies_are_not_read():
    assert HyperliquidAdapter().parse_rest("/info?type=meta", "[]", RECEIVED) == ([], [])


def test_an_info_path_is_posted_with_its_type_as_the_body():
    assert post_body(CONTEXTS_PATH) == '{"type":"metaAndAssetCtxs"}'
    assert post_body("/other") is None


@settings(max_examples=300, deadline=None)
@given(json_payloads(["channel", "data", "coin", "side", "px", "sz", "time", "tid", "universe", "name", "funding",
                      "openInterest", "markPx", "isDelisted"]))
def test_arbitrary_payloads_never_raise(data):
    adapter = HyperliquidAdapter()
    for frame_ in ({"channel": "trades", "data": data}, {"channel": "trades", "data": [data]}, data):
        adapter.parse_ws(json.dumps(frame_), 0)
    for body in (data, [data, data], [{"universe": [data]}, [data]]):
        adapter.parse_rest(CONTEXTS_PATH, json.dumps(body), RECEIVED)
