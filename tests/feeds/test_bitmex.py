"""BitMEX parser: contract terms, the liquidation table's actions and the instruments list (the
current frames with their sources are in tests/data/live_formats/bitmex.json)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from engine.feeds.venues.bitmex import INSTRUMENTS_PATH, BitmexAdapter, iso_ms
from fakes.payloads import json_payloads

XBTUSD = {"symbol": "XBTUSD", "typ": "FFWCSX", "state": "Open", "underlying": "XBT", "quoteCurrency": "USD",
          "multiplier": -100000000, "settlCurrency": "XBt", "isInverse": True, "markPrice": 80000,
          "openInterest": 1000, "fundingRate": 0.0001, "fundingInterval": "2000-01-01T08:00:00.000Z",
          "timestamp": "2026-12-07T10:00:00.000Z"}


def adapter(*rows: dict) -> BitmexAdapter:
    bitmex = BitmexAdapter()
    bitmex.parse_rest(INSTRUMENTS_PATH, json.dumps(list(rows) or [XBTUSD]), 0)
    return bitmex


def test_only_an_insert_is_a_new_liquidation():
    bitmex = adapter()
    row = {"orderID": "o", "symbol": "XBTUSD", "side": "Sell", "price": 80000, "leavesQty": 100}
    for action in ("partial", "update", "delete"):
        assert bitmex.parse_ws(json.dumps({"table": "liquidation", "action": action, "data": [row]}), 5) == ([], [])
    [event], _ = bitmex.parse_ws(json.dumps({"table": "liquidation", "action": "insert", "data": [row]}), 1791565600123)
    assert (event.ts, event.side, event.usd) == (1791565600123, "long", 100.0)  # dated on receipt


def test_a_bitcoin_settled_quanto_needs_the_bitcoin_price():
    eth = dict(XBTUSD, symbol="ETHUSD", underlying="ETH", multiplier=100, isInverse=False, isQuanto=True,
               markPrice=2600)
    row = json.dumps({"table": "trade", "action": "insert", "data": [
        {"timestamp": "2026-12-07T10:00:00.000Z", "symbol": "ETHUSD", "side": "Buy", "size": 10, "price": 2600}]})
    assert adapter(eth).parse_ws(row, 0) == ([], ["unknown contract value"])  # no XBTUSD mark yet
    [trade], _ = adapter(XBTUSD, eth).parse_ws(row, 0)
    assert trade.usd == pytest.approx(10 * 100 * 2600 / 1e8 * 80000)


def test_funding_interval_and_iso_times():
    [context], _ = BitmexAdapter().parse_rest(INSTRUMENTS_PATH, json.dumps(
        [dict(XBTUSD, fundingInterval="2000-01-01T02:00:00.000Z")]), 0)
    assert context.funding == pytest.approx(0.0004) and context.ts == iso_ms("2026-12-07T10:00:00.000Z")
    assert iso_ms("garbage") == iso_ms(7) == -1


@pytest.mark.parametrize(("raw", "reason"), [
    ('{"error":{"message":"Rate limit exceeded","name":"RateLimitError"}}', "rest error"),
    ("<html>", "rest bad body"),
])
def test_rest_errors_are_counted(raw, reason):
    assert BitmexAdapter().parse_rest(INSTRUMENTS_PATH, raw, 0) == ([], [reason])


@settings(max_examples=300, deadline=None)
@given(json_payloads(["table", "action", "data", "symbol", "side", "price", "leavesQty", "size", "timestamp",
                      "typ", "state", "multiplier", "settlCurrency", "isInverse", "markPrice", "openInterest",
                      "fundingRate", "fundingInterval", "underlying", "quoteCurrency", "error", "success"]))
def test_arbitrary_payloads_never_raise(data):
    bitmex = adapter()
    for frame in ({"table": "liquidation", "action": "insert", "data": [data]},
                  {"table": "trade", "action": "insert", "data": [data]}, data):
        _, rejects = bitmex.parse_ws(json.dumps(frame), 1791565600000)
        assert all(isinstance(r, str) for r in rejects)
    bitmex.parse_rest(INSTRUMENTS_PATH, json.dumps(data), 0)
    bitmex.parse_rest(INSTRUMENTS_PATH, json.dumps([data]), 0)
