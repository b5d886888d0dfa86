"""Binance USDⓈ-M parser: real frames in, events with the venue's side conventions out."""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import given, settings

from engine.feeds.venues.binance import BinanceAdapter
from engine.model import BUY, LONG, SELL, SHORT, Context, Liquidation, Trade
from fakes.payloads import json_payloads
from fakes.realdata import binance_force_order_frames, binance_trade_frames, example


def parse(frame: dict | str):
    raw = frame if isinstance(frame, str) else json.dumps(frame)
    return BinanceAdapter().parse_ws(raw, 0)


def test_forced_buy_means_a_short_was_liquidated_sized_by_average_price_times_filled_qty():
    events, rejects = parse(example("btcusdt@forceOrder"))
    assert rejects == []
    assert events == [Liquidation(1584059031421, "Binance", "BTC", SHORT, 4706.04, 4706.04 * 0.014)]


def test_forced_sell_means_a_long_was_liquidated():
    msg = copy.deepcopy(example("btcusdt@forceOrder"))
    msg["data"]["o"]["S"] = "SELL"
    [event], _ = parse(msg)
    assert event.side == LONG


def test_every_real_csv_liquidation_keeps_its_usd_value_and_side():
    frames = binance_force_order_frames()
    assert len(frames) == 474
    adapter = BinanceAdapter()
    for raw, row in frames:
        [event], rejects = adapter.parse_ws(raw, 0)
        assert rejects == []
        assert event.side == (LONG if row["side"] == "SELL" else SHORT)
        assert math.isclose(event.usd, float(row["usd_value"]), rel_tol=1e-9)
        assert event.coin and event.coin == event.coin.upper()


def test_unfilled_force_order_falls_back_to_limit_price_times_quantity():
    msg = copy.deepcopy(example("btcusdt@forceOrder"))
    msg["data"]["o"].update(ap="0", z="0")
    [event], _ = parse(msg)
    assert (event.price, event.usd) == (4793.91, 4793.91 * 0.014)


def test_coin_margined_force_order_is_rejected_not_misread():
    assert parse(example("btcusd_200925@forceOrder")) == ([], ["coin-margined contract"])


def test_agg_trade_m_false_means_the_taker_bought():
    events, rejects = parse(example("btcusdt@aggTrade"))
    assert rejects == []
    assert events == [Trade(1568693103463, "Binance", "BTC", BUY, 10223.74, 10223.74 * 0.236)]


def test_real_trade_stream_parses_whole_with_maker_flag_as_taker_sell():
    frames = binance_trade_frames()
    adapter = BinanceAdapter()
    sells = buys = 0
    usd = 0.0
    for raw in frames:
        [event], rejects = adapter.parse_ws(raw, 0)
        assert rejects == []
        data = json.loads(raw)["data"]
        assert event.side == (SELL if data["m"] else BUY)
        assert event.ts == data["T"]
        sells += event.side == SELL
        buys += event.side == BUY
        usd += event.usd
    assert len(frames) == 21_313 and sells and buys
    assert round(usd / 1e6, 1) == 149.8  # the README's figure for this file


def test_multiplier_contract_maps_to_base_coin_with_price_divided():
    msg = copy.deepcopy(example("btcusdt@aggTrade"))
    msg["data"].update(s="1000PEPEUSDT", p="0.011", q="1000000")
    [event], _ = parse(msg)
    assert (event.coin, event.price, event.usd) == ("PEPE", 0.011 / 1000, 11000.0)


def test_non_market_trades_are_not_order_flow():
    msg = copy.deepcopy(example("btcusdt@aggTrade"))
    msg["data"]["X"] = "INSURANCE_FUND"
    assert parse(msg) == ([], [])


def test_subscribe_answers_are_quiet_and_errors_are_counted():
    assert parse({"result": None, "id": 1}) == ([], [])
    assert parse({"error": {"code": 2, "msg": "Invalid request"}, "id": 1}) == ([], ["venue error"])


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda d: d.pop("m"), "missing side"),
    (lambda d: d.update(p="NaN"), "bad price"),
    (lambda d: d.update(p="-1"), "bad price"),
    (lambda d: d.update(q="inf"), "bad usd"),
    (lambda d: d.update(T=1568693103), "bad time"),  # seconds, not ms
    (lambda d: d.update(s=""), "missing symbol"),
    (lambda d: d.update(e="kline"), "unknown event"),
])
def test_bad_trade_fields_are_rejected_with_a_reason(mutate, reason):
    msg = copy.deepcopy(example("btcusdt@aggTrade"))
    mutate(msg["data"])
    assert parse(msg) == ([], [reason])


@pytest.mark.parametrize(("raw", "reason"), [("{not json", "not json"), ("[1, 2]", "not an object"),
                                             ('{"stream": "x", "data": 5}', "item not an object")])
def test_malformed_frames_are_rejected(raw, reason):
    assert parse(raw) == ([], [reason])


@settings(max_examples=300, deadline=None)
@given(json_payloads(["e", "o", "s", "S", "p", "q", "ap", "z", "T", "m", "X", "ps"], nan=True))
def test_arbitrary_payloads_never_raise(data):
    adapter = BinanceAdapter()
    for frame in ({"stream": "!forceOrder@arr", "data": {"e": "forceOrder", "o": data}},
                  {"stream": "btcusdt@aggTrade", "data": data}, data):
        adapter.parse_ws(json.dumps(frame), 0)
    adapter.parse_rest("/fapi/v1/premiumIndex", json.dumps(data), 0)
    adapter.parse_rest("/fapi/v1/openInterest?symbol=BTCUSDT", json.dumps(data), 0)
    adapter.parse_rest("/fapi/v1/fundingInfo", json.dumps(data), 0)


# REST context

PREMIUM = [
    {"symbol": "BTCUSDT", "markPrice": "61800.10", "indexPrice": "61790.0", "lastFundingRate": "0.00010000",
     "interestRate": "0.00010000", "nextFundingTime": 1723190400000, "time": 1723161256000},
    {"symbol": "1000PEPEUSDT", "markPrice": "0.0081", "lastFundingRate": "-0.00020000", "time": 1723161256000},
    {"symbol": "BTCUSDT_241227", "markPrice": "63000", "lastFundingRate": "", "time": 1723161256000},
    {"symbol": "BTCUSDC", "markPrice": "61801", "lastFundingRate": "0.0001", "time": 1723161256000},
]


def test_premium_index_gives_funding_per_coin_from_its_usdt_perpetual_only():
    adapter = BinanceAdapter()
    events, rejects = adapter.parse_rest("/fapi/v1/premiumIndex", json.dumps(PREMIUM), 1)
    assert rejects == []
    assert events == [Context(1723161256000, "Binance", "BTC", funding=0.0001, price=61800.1),
                      Context(1723161256000, "Binance", "PEPE", funding=-0.0002, price=pytest.approx(0.0000081))]
    assert adapter.perpetuals.instrument("PEPE") == "1000PEPEUSDT"


def test_funding_of_a_four_hour_symbol_is_kept_per_eight_hours():
    adapter = BinanceAdapter()
    adapter.parse_rest("/fapi/v1/fundingInfo", json.dumps(
        [{"symbol": "1000PEPEUSDT", "adjustedFundingRateCap": "0.02", "adjustedFundingRateFloor": "-0.02",
          "fundingIntervalHours": 4, "disclaimer": False}]), 0)
    events, _ = adapter.parse_rest("/fapi/v1/premiumIndex", json.dumps(PREMIUM), 1)
    assert events[1].funding == pytest.approx(-0.0004)


def test_open_interest_in_contracts_is_priced_at_the_mark():
    adapter = BinanceAdapter()
    body = json.dumps({"openInterest": "80000.5", "symbol": "BTCUSDT", "time": 1723161257000})
    assert adapter.parse_rest("/fapi/v1/openInterest?symbol=BTCUSDT", body, 1) == ([], ["unknown mark price"])
    adapter.parse_rest("/fapi/v1/premiumIndex", json.dumps(PREMIUM), 1)
    [event], _ = adapter.parse_rest("/fapi/v1/openInterest?symbol=BTCUSDT", body, 1)
    assert event == Context(1723161257000, "Binance", "BTC", oi_usd=80000.5 * 61800.10)


def test_rest_errors_are_counted_and_other_endpoints_ignored():
    adapter = BinanceAdapter()
    assert adapter.parse_rest("/fapi/v1/openInterest?symbol=X", '{"code":-1121,"msg":"Invalid symbol."}', 0) \
        == ([], ["rest error"])
    assert adapter.parse_rest("/fapi/v1/premiumIndex", "<html>", 0) == ([], ["rest bad body"])
    assert adapter.parse_rest("/fapi/v1/time", '{"serverTime":1}', 0) == ([], [])
