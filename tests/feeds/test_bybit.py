"""Bybit v5 linear parser: real frames in, events with Bybit's side conventions out."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings

from engine.feeds.venues.bybit import BybitAdapter
from engine.model import BUY, LONG, SELL, SHORT, Context, Liquidation, Trade
from fakes.payloads import json_payloads
from fakes.realdata import example


def parse(frame: dict | str):
    raw = frame if isinstance(frame, str) else json.dumps(frame)
    return BybitAdapter().parse_ws(raw, 0)


def test_all_liquidation_sell_is_the_position_side_so_a_short_was_liquidated():
    events, rejects = parse(example("allLiquidation.PIPPINUSDT"))
    assert rejects == []
    assert events == [Liquidation(1740480207110, "Bybit", "PIPPIN", SHORT, 0.02456, 2846 * 0.02456)]


def test_all_liquidation_buy_means_a_long_was_liquidated():
    msg = copy.deepcopy(example("allLiquidation.PIPPINUSDT"))
    msg["data"][0]["S"] = "Buy"
    [event], _ = parse(msg)
    assert event.side == LONG


def test_public_trade_side_is_the_taker_side():
    events, rejects = parse(example("publicTrade.LTCUSDT"))
    assert rejects == []
    assert events == [Trade(1680688979983, "Bybit", "LTC", BUY, 94.53, 0.4 * 94.53)]
    msg = copy.deepcopy(example("publicTrade.LTCUSDT"))
    msg["data"][0]["S"] = "Sell"
    assert parse(msg)[0][0].side == SELL


def test_legacy_inverse_liquidation_counts_contracts_as_usd():
    events, rejects = parse(example("liquidation.XRPUSD"))
    assert rejects == []
    assert events == [Liquidation(1680673944093, "Bybit", "XRP", SHORT, 0.5149, 6949.0)]


def test_every_item_of_a_batch_is_read():
    msg = copy.deepcopy(example("allLiquidation.PIPPINUSDT"))
    msg["data"].append(dict(msg["data"][0], S="Buy", v="1000", T=1740480207200))
    events, rejects = parse(msg)
    assert [e.side for e in events] == [SHORT, LONG] and rejects == []


def test_multiplier_contract_maps_to_base_coin():
    msg = copy.deepcopy(example("publicTrade.LTCUSDT"))
    msg["topic"] = "publicTrade.1000PEPEUSDT"
    msg["data"][0].update(s="1000PEPEUSDT", p="0.011", v="1000000")
    [event], _ = parse(msg)
    assert (event.coin, event.price, event.usd) == ("PEPE", 0.011 / 1000, 11000.0)


def test_pong_and_subscribe_answers_are_quiet_and_failures_counted():
    assert parse({"success": True, "ret_msg": "pong", "conn_id": "abc", "op": "ping"}) == ([], [])
    assert parse({"success": True, "ret_msg": "", "conn_id": "abc", "op": "subscribe"}) == ([], [])
    assert parse({"success": False, "ret_msg": "error:handler not found", "op": "subscribe"}) == ([], ["venue error"])


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda d: d.update(S="Long"), "unknown side"),
    (lambda d: d.update(S=["Buy"]), "unknown side"),
    (lambda d: d.pop("S"), "missing side"),
    (lambda d: d.update(p="0"), "bad price"),
    (lambda d: d.update(v="abc"), "bad usd"),
    (lambda d: d.update(T="soon"), "bad time"),
    (lambda d: d.update(s=None), "missing symbol"),
])
def test_bad_fields_are_rejected_with_a_reason(mutate, reason):
    msg = copy.deepcopy(example("allLiquidation.PIPPINUSDT"))
    mutate(msg["data"][0])
    assert parse(msg) == ([], [reason])


@pytest.mark.parametrize(("raw", "reason"), [
    ("garbage", "not json"), ("3", "not an object"), ('{"foo": 1}', "unknown message"),
    ('{"topic": "orderbook.50.BTCUSDT", "data": {}}', "unknown topic"),
    ('{"topic": "publicTrade.BTCUSDT", "data": "x"}', "missing data"),
])
def test_malformed_frames_are_rejected(raw, reason):
    assert parse(raw) == ([], [reason])


@settings(max_examples=300, deadline=None)
@given(json_payloads(["topic", "data", "S", "s", "p", "v", "T", "result", "list", "retCode", "time", "symbol",
                      "fundingRate", "openInterestValue"]))
def test_arbitrary_payloads_never_raise(data):
    adapter = BybitAdapter()
    for frame in ({"topic": "allLiquidation.BTCUSDT", "data": data}, {"topic": "publicTrade.X", "data": [data]},
                  {"topic": "liquidation.XRPUSD", "data": data}, data):
        adapter.parse_ws(json.dumps(frame), 0)
    adapter.parse_rest("/v5/market/tickers?category=linear", json.dumps(data), 0)
    adapter.parse_rest("/v5/market/tickers?category=linear",
                       json.dumps({"retCode": 0, "time": 1723161256000, "result": {"list": [data]}}), 0)


# REST context

def tickers(rows: list[dict]) -> str:
    return json.dumps({"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": rows},
                       "retExtInfo": {}, "time": 1723161256123})


ROWS = [
    {"symbol": "BTCUSDT", "lastPrice": "61800", "markPrice": "61801", "openInterest": "55000",
     "openInterestValue": "3399000000.5", "fundingRate": "0.0001", "fundingIntervalHour": "8",
     "nextFundingTime": "1723190400000"},
    {"symbol": "1000PEPEUSDT", "openInterestValue": "120000000", "fundingRate": "-0.00005",
     "fundingIntervalHour": "4"},
    {"symbol": "BTCPERP", "openInterestValue": "10000000", "fundingRate": "0.0001"},
    {"symbol": "BTCUSDT-26DEC25", "openInterestValue": "5000000", "fundingRate": ""},
]


def test_tickers_give_oi_in_usd_and_funding_per_eight_hours_from_usdt_perpetuals():
    adapter = BybitAdapter()
    events, rejects = adapter.parse_rest("/v5/market/tickers?category=linear", tickers(ROWS), 0)
    assert rejects == []
    assert events == [Context(1723161256123, "Bybit", "BTC", oi_usd=3399000000.5, funding=0.0001),
                      Context(1723161256123, "Bybit", "PEPE", oi_usd=120000000.0, funding=-0.0001)]
    assert adapter.perpetuals.instrument("PEPE") == "1000PEPEUSDT"
    assert adapter.perpetuals.instrument("DOGE") == "DOGEUSDT"


def test_tickers_errors_are_counted():
    adapter = BybitAdapter()
    error = json.dumps({"retCode": 10001, "retMsg": "params error", "result": {}, "time": 1723161256123})
    assert adapter.parse_rest("/v5/market/tickers?category=linear", error, 0) == ([], ["rest error"])
    assert adapter.parse_rest("/v5/market/tickers?category=linear", "{", 0) == ([], ["rest bad body"])
    bad = tickers([{"symbol": "ETHUSDT", "fundingRate": "x", "openInterestValue": "-3"}])
    assert adapter.parse_rest("/v5/market/tickers", bad, 0) == ([], ["rest bad row"])


# Bybit's curPreListingPhase values (v5 enums, "curAuctionPhase"): NotStarted, CallAuction,
# CallAuctionNoCancel, CrossMatching and ContinuousTrading are the pre-market phases (its public
# trades start at ContinuousTrading, but the contract is still a pre-market one whose topics Bybit
# refused); Finished is pre-market over; a listed contract has none.
@pytest.mark.parametrize(("phase", "listed"), [
    (None, True), ("", True), ("Finished", True), ("NotStarted", False), ("CallAuction", False),
    ("CallAuctionNoCancel", False), ("CrossMatching", False), ("ContinuousTrading", False)])
def test_a_contract_in_a_pre_listing_phase_is_left_out_of_the_listing(phase, listed):
    row = {"symbol": "NEWUSDT", "openInterestValue": "1000", "fundingRate": "0.0001", "preOpenPrice": "0.05"}
    if phase is not None:
        row["curPreListingPhase"] = phase
    body = {"retCode": 0, "retMsg": "OK", "time": 1791565602000, "result": {"category": "linear", "list": [row]}}
    adapter = BybitAdapter()
    events, rejects = adapter.parse_rest("/v5/market/tickers?category=linear", json.dumps(body), 0)
    assert rejects == [] and adapter.perpetuals.coins() == (["NEW"] if listed else [])
    assert [e.coin for e in events] == (["NEW"] if listed else [])
