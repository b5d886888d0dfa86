"""OKX v5 parser: real frames in; contract sizes turned into USD with the instruments' values."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings

from engine.feeds.venues.okx import OkxAdapter
from engine.model import BUY, LONG, SELL, SHORT, Context, Liquidation, Trade
from fakes.payloads import json_payloads
from fakes.realdata import example

# The contract specs OKX lists for these instruments (shape of /api/v5/public/instruments).
INSTRUMENTS = {
    "code": "0", "msg": "",
    "data": [
        {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "ctVal": "0.01", "ctMult": "1", "ctValCcy": "BTC",
         "ctType": "linear", "settleCcy": "USDT", "state": "live"},
        {"instType": "SWAP", "instId": "BTC-USD-SWAP", "ctVal": "100", "ctMult": "1", "ctValCcy": "USD",
         "ctType": "inverse", "settleCcy": "BTC", "state": "live"},
        {"instType": "FUTURES", "instId": "XRP-USD-230929", "ctVal": "10", "ctMult": "1", "ctValCcy": "USD",
         "ctType": "inverse", "settleCcy": "XRP", "state": "live"},
    ],
}
INSTRUMENTS_PATH = "/api/v5/public/instruments?instType=SWAP"


def adapter_with_instruments() -> OkxAdapter:
    adapter = OkxAdapter()
    assert adapter.parse_rest(INSTRUMENTS_PATH, json.dumps(INSTRUMENTS), 0) == ([], [])
    return adapter


def parse(frame: dict | str, adapter: OkxAdapter | None = None):
    raw = frame if isinstance(frame, str) else json.dumps(frame)
    return (adapter or adapter_with_instruments()).parse_ws(raw, 0)


def test_sizes_are_rejected_until_the_contract_value_is_known():
    assert parse(example("trades BTC-USDT-SWAP"), OkxAdapter()) == ([], ["unknown contract value"])


def test_linear_trade_usd_is_contracts_times_value_times_price_and_side_is_the_taker():
    events, rejects = parse(example("trades BTC-USDT-SWAP"))
    assert rejects == []
    assert events == [Trade(1640131236050, "OKX", "BTC", BUY, 48938.5, 5 * 0.01 * 48938.5)]
    msg = copy.deepcopy(example("trades BTC-USDT-SWAP"))
    msg["data"][0]["side"] = "sell"
    assert parse(msg)[0][0].side == SELL


def test_forced_buy_closes_a_short_and_inverse_contracts_are_usd_sized():
    events, rejects = parse(example("liquidation-orders (instType FUTURES)"))
    assert rejects == []
    assert events == [Liquidation(1680173247614, "OKX", "XRP", SHORT, 0.55205, 39 * 10.0)]


def test_forced_sell_closes_a_long_on_a_linear_swap():
    msg = copy.deepcopy(example("liquidation-orders (instType FUTURES)"))
    item = msg["data"][0]
    item.update(instId="BTC-USDT-SWAP", instType="SWAP", instFamily="BTC-USDT", uly="BTC-USDT")
    item["details"][0].update(side="sell", posSide="long", bkPx="60000", sz="12")
    [event], _ = parse(msg)
    assert (event.side, event.coin, event.usd) == (LONG, "BTC", 12 * 0.01 * 60000)


def test_every_detail_of_every_item_is_read():
    msg = copy.deepcopy(example("liquidation-orders (instType FUTURES)"))
    details = msg["data"][0]["details"]
    details.append(dict(details[0], side="sell", posSide="long", sz="2"))
    msg["data"].append(copy.deepcopy(msg["data"][0]))
    events, rejects = parse(msg)
    assert [e.side for e in events] == [SHORT, LONG, SHORT, LONG] and rejects == []


def test_pong_and_subscribe_answers_are_quiet_and_errors_counted():
    assert parse("pong") == ([], [])
    assert parse({"event": "subscribe", "arg": {"channel": "trades", "instId": "BTC-USDT-SWAP"},
                  "connId": "a4d3ae55"}) == ([], [])
    assert parse({"event": "error", "code": "60012", "msg": "Invalid request", "connId": "a4d3ae55"}) \
        == ([], ["venue error"])


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda d: d.update(side="long"), "unknown side"),
    (lambda d: d.pop("side"), "missing side"),
    (lambda d: d.update(px="-5"), "bad price"),
    (lambda d: d.update(sz="0"), "bad usd"),
    (lambda d: d.update(ts="1640131236"), "bad time"),
    (lambda d: d.update(instId=7), "missing symbol"),
    (lambda d: d.update(instId="ETH-USDT-SWAP"), "unknown contract value"),
])
def test_bad_trade_fields_are_rejected_with_a_reason(mutate, reason):
    msg = copy.deepcopy(example("trades BTC-USDT-SWAP"))
    mutate(msg["data"][0])
    assert parse(msg) == ([], [reason])


@pytest.mark.parametrize(("raw", "reason"), [
    ("ping?", "not json"), ('"x"', "not an object"),
    ('{"arg": {"channel": "books"}, "data": []}', "unknown channel"),
    ('{"arg": {"channel": "trades"}, "data": {}}', "missing data"),
])
def test_malformed_frames_are_rejected(raw, reason):
    assert parse(raw) == ([], [reason])


@settings(max_examples=300, deadline=None)
@given(json_payloads(["arg", "data", "details", "instId", "side", "sz", "px", "bkPx", "ts", "ctVal", "ctMult",
                      "ctType", "code", "fundingRate", "oiUsd"]))
def test_arbitrary_payloads_never_raise(data):
    adapter = adapter_with_instruments()
    for frame in ({"arg": {"channel": "liquidation-orders"}, "data": [data]},
                  {"arg": {"channel": "trades"}, "data": [data]}, data):
        adapter.parse_ws(json.dumps(frame), 0)
    for path in (INSTRUMENTS_PATH, "/api/v5/public/funding-rate?instId=BTC-USDT-SWAP",
                 "/api/v5/public/open-interest?instType=SWAP"):
        adapter.parse_rest(path, json.dumps(data), 0)
        adapter.parse_rest(path, json.dumps({"code": "0", "data": [data]}), 0)


# REST context

def body(rows: list[dict]) -> str:
    return json.dumps({"code": "0", "msg": "", "data": rows})


def test_funding_is_kept_per_eight_hours_from_the_stated_interval():
    adapter = adapter_with_instruments()
    row = {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "fundingRate": "0.00012", "nextFundingRate": "",
           "fundingTime": "1723190400000", "nextFundingTime": "1723219200000", "ts": "1723161256000"}
    assert adapter.parse_rest("/api/v5/public/funding-rate?instId=BTC-USDT-SWAP", body([row]), 0) \
        == ([Context(1723161256000, "OKX", "BTC", funding=0.00012)], [])
    four_hours = dict(row, nextFundingTime="1723204800000")
    [event], _ = adapter.parse_rest("/api/v5/public/funding-rate?instId=BTC-USDT-SWAP", body([four_hours]), 0)
    assert event.funding == pytest.approx(0.00024)


def test_open_interest_in_usd_from_usdt_swaps_only():
    adapter = adapter_with_instruments()
    rows = [{"instType": "SWAP", "instId": "BTC-USDT-SWAP", "oi": "2800000", "oiCcy": "28000",
             "oiUsd": "1730400000", "ts": "1723161256000"},
            {"instType": "SWAP", "instId": "BTC-USD-SWAP", "oi": "9000000", "oiCcy": "14500",
             "oiUsd": "900000000", "ts": "1723161256000"}]
    assert adapter.parse_rest("/api/v5/public/open-interest?instType=SWAP", body(rows), 0) \
        == ([Context(1723161256000, "OKX", "BTC", oi_usd=1730400000.0)], [])


def test_rest_errors_are_counted():
    adapter = OkxAdapter()
    error = json.dumps({"code": "51001", "msg": "Instrument ID does not exist", "data": []})
    assert adapter.parse_rest("/api/v5/public/funding-rate?instId=NOPE-USDT-SWAP", error, 0) == ([], ["rest error"])
    assert adapter.parse_rest(INSTRUMENTS_PATH, body([{"instId": "A-USDT-SWAP", "ctVal": ""}]), 0) \
        == ([], ["rest bad row"])
    assert adapter.parse_rest("/api/v5/public/time", body([]), 0) == ([], [])
