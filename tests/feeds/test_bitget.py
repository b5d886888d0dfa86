"""Bitget v3 (UTA) parser: frames and REST bodies in, events with Bitget's conventions out (the
current frames with their sources are in tests/data/live_formats/bitget.json)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from engine.feeds.venues.bitget import FUNDING_PATH, TICKERS_PATH, BitgetAdapter
from engine.model import Context
from fakes.payloads import json_payloads

TICKERS = f"{TICKERS_PATH}?category=USDT-FUTURES"


def body(rows, **more) -> str:
    return json.dumps({"code": "00000", "msg": "success", "requestTime": 1791565600000, "data": rows, **more})


def test_tickers_are_the_listing_with_open_interest_in_usd_and_the_mark_price():
    adapter = BitgetAdapter()
    events, rejects = adapter.parse_rest(TICKERS, body([
        {"symbol": "BTCUSDT", "markPrice": "80000", "openInterest": "100", "deliveryTime": ""},
        {"symbol": "BTCUSDT0327", "markPrice": "81000", "openInterest": "5", "deliveryTime": "1774598400000"},
        {"symbol": "1000BONKUSDT", "markPrice": "0.02", "openInterest": "1000000", "deliveryTime": ""},
    ]), 0)
    assert rejects == [] and adapter.perpetuals.coins() == ["BONK", "BTC"]
    assert events == [Context(1791565600000, "Bitget", "BTC", oi_usd=8_000_000.0, price=80000.0),
                      Context(1791565600000, "Bitget", "BONK", oi_usd=20_000.0, price=0.02 / 1000)]


def test_funding_is_kept_per_eight_hours_from_its_interval():
    adapter = BitgetAdapter()
    adapter.parse_rest(TICKERS, body([{"symbol": "ETHUSDT", "markPrice": "2600", "deliveryTime": ""}]), 0)
    events, _ = adapter.parse_rest(f"{FUNDING_PATH}?symbol=ETHUSDT", body([
        {"symbol": "ETHUSDT", "fundingRate": "0.0001", "fundingRateInterval": "2"}]), 0)
    assert [(e.coin, e.funding) for e in events] == [("ETH", pytest.approx(0.0004))]


@pytest.mark.parametrize(("raw", "reason"), [
    ('{"code":"40034","msg":"Parameter does not exist","data":null}', "rest error"),
    ("<html>", "rest bad body"),
    ('{"code":"00000","data":{"list":[]}}', "rest bad body"),
])
def test_rest_errors_are_counted(raw, reason):
    assert BitgetAdapter().parse_rest(TICKERS, raw, 0) == ([], [reason])


@settings(max_examples=300, deadline=None)
@given(json_payloads(["arg", "data", "action", "topic", "instType", "symbol", "side", "price", "amount", "ts", "S",
                      "p", "v", "T", "code", "markPrice", "openInterest", "fundingRate", "fundingRateInterval"]))
def test_arbitrary_payloads_never_raise(data):
    adapter = BitgetAdapter()
    for frame in ({"arg": {"instType": "usdt-futures", "topic": "liquidation"}, "data": [data]},
                  {"arg": {"topic": "publicTrade", "symbol": "BTCUSDT"}, "action": "update", "data": [data]}, data):
        events, rejects = adapter.parse_ws(json.dumps(frame), 0)
        assert all(isinstance(r, str) for r in rejects)
    for path in (TICKERS, f"{FUNDING_PATH}?symbol=BTCUSDT"):
        adapter.parse_rest(path, json.dumps(data), 0)
        adapter.parse_rest(path, body([data]), 0)
