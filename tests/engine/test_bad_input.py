"""Bad input gets counted, never raised: random and mutated frames through the whole pipeline."""

from __future__ import annotations

import json

from builders import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from engine.core import Engine
from engine.feeds.venues.coinglass import parse_rest, parse_ws
from engine.pipeline import Pipeline

GOOD_LIQ = {"baseAsset": "BTC", "exName": "Binance", "price": 96200.5, "side": 1, "symbol": "BTCUSDT",
            "time": 1761125802306, "volUsd": 250000.0}
GOOD_TRADE = {"baseAsset": "ETH", "exName": "OKX", "price": "3400.03", "side": 2, "symbol": "ETHUSDT",
              "time": 1761125802306, "volUsd": "64626.95"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _frame(channel: str, item: dict) -> str:
    return json.dumps({"channel": channel, "data": [item]})


def _pipeline() -> Pipeline:
    # No minimum trade size: every parsed trade must reach the counters.
    return Pipeline(Engine(settings(feeds={"coinglass": {"min_trade_usd": 0}})))


@hsettings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=200))
def test_random_text_never_raises_and_is_counted(raw):
    pipeline = _pipeline()
    pipeline.feed("coinglass", "ws", "liquidationOrders", raw, 1761125802306)
    counters = pipeline.counters["coinglass"]
    assert counters.frames == 1
    assert counters.events + counters.rejected <= max(1, raw.count("{"))


@hsettings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    channel=st.sampled_from(["liquidationOrders", "futures_trades@Binance_BTCUSDT@10000"]),
    base=st.sampled_from([GOOD_LIQ, GOOD_TRADE]),
    key=st.sampled_from(sorted(GOOD_LIQ)),
    value=json_values,
    drop=st.booleans(),
)
def test_mutated_real_frames_are_parsed_or_rejected_with_a_reason(channel, base, key, value, drop):
    item = dict(base)
    if drop:
        item.pop(key)
    else:
        item[key] = value
    pipeline = _pipeline()
    pipeline.feed("coinglass", "ws", channel, _frame(channel, item), 1761125802306)
    counters = pipeline.counters["coinglass"]
    assert counters.events + counters.rejected == 1
    if counters.rejected:
        assert sum(counters.reasons.values()) == 1
    else:
        event = parse_ws(_frame(channel, item), 0)[0][0]
        assert event.price > 0 and event.usd > 0 and event.coin


@hsettings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(json_values, max_size=5))
def test_random_data_lists_never_raise(items):
    raw = json.dumps({"channel": "liquidationOrders", "data": items})  # NaN/huge ints: invalid for orjson, fine
    pipeline = _pipeline()
    pipeline.feed("coinglass", "ws", "liquidationOrders", raw, 0)
    counters = pipeline.counters["coinglass"]
    assert counters.events + counters.rejected <= max(len(items), 1)


@hsettings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=100), json_values)
def test_rest_bodies_never_raise(path_tail, body):
    raw = json.dumps({"code": "0", "data": body})
    for path in ("/api/futures/open-interest/aggregated-history?symbol=BTC&interval=5m&limit=7",
                 "/api/futures/funding-rate/oi-weight-history?symbol=BTC&interval=5m&limit=7",
                 "/api/futures/" + path_tail):
        parse_rest(path, raw, 0)


def test_each_malformed_frame_has_a_named_reason():
    cases = {
        "not json": "{nope",
        "missing side": _frame("liquidationOrders", {k: v for k, v in GOOD_LIQ.items() if k != "side"}),
        "unknown side": _frame("liquidationOrders", {**GOOD_LIQ, "side": 3}),
        "bad price": _frame("liquidationOrders", {**GOOD_LIQ, "price": "NaN"}),
        "bad usd": _frame("liquidationOrders", {**GOOD_LIQ, "volUsd": -5}),
        "bad time": _frame("liquidationOrders", {**GOOD_LIQ, "time": "yesterday"}),
        "missing symbol": _frame("liquidationOrders", {k: v for k, v in GOOD_LIQ.items()
                                                       if k not in ("symbol", "baseAsset")}),
        "unknown channel": _frame("spot_trades", GOOD_LIQ),
    }
    for reason, raw in cases.items():
        assert parse_ws(raw, 0) == ([], [reason]), reason


def test_absurd_sizes_are_rejected():
    assert parse_ws(_frame("liquidationOrders", {**GOOD_LIQ, "volUsd": 1e12}), 0) == ([], ["bad usd"])


def test_pong_and_acks_are_not_rejections():
    assert parse_ws("pong", 0) == ([], [])
    assert parse_ws('{"event":"subscribe","success":true}', 0) == ([], [])


def test_field_variants_and_string_numbers():
    item = {"base_asset": "SOL", "exchange": "Bybit", "price": "180.5", "side": "2", "symbol": "SOLUSDT",
            "time": "1761125802306", "volume_usd": "1000"}
    (event,), rejects = parse_ws(_frame("futures_trades@Bybit_SOLUSDT@0", item), 0)
    assert rejects == []
    assert (event.coin, event.venue, event.side, event.price, event.usd, event.ts) == (
        "SOL", "Bybit", "buy", 180.5, 1000.0, 1761125802306)


def test_non_ascii_symbols_are_valid_coins():
    item = {**GOOD_LIQ, "symbol": "币安人生USDT", "baseAsset": "币安人生"}
    (event,), _ = parse_ws(_frame("liquidationOrders", item), 0)
    assert event.coin == "币安人生"


def test_multiplier_contracts_divide_the_price_not_the_size():
    item = {**GOOD_LIQ, "symbol": "1000PEPEUSDT", "baseAsset": "1000PEPE", "price": 0.0118}
    (event,), _ = parse_ws(_frame("liquidationOrders", item), 0)
    assert event.coin == "PEPE"
    assert event.price == 0.0118 / 1000 and event.usd == GOOD_LIQ["volUsd"]


def test_funding_percent_becomes_a_fraction():
    body = '{"code":"0","data":[{"time":1761125700000,"open":"0.01","high":"0.02","low":"0.0","close":"0.015"}]}'
    (event,), _ = parse_rest("/api/futures/funding-rate/oi-weight-history?symbol=ETH&interval=5m&limit=7", body, 0)
    assert event.coin == "ETH" and event.funding == 0.00015


def test_an_event_dated_far_after_its_receive_time_is_refused():
    """The engine's clock is the newest event time: one date years ahead would empty every window."""
    pipeline = _pipeline()
    received = GOOD_LIQ["time"]
    pipeline.feed("coinglass", "ws", "liquidationOrders",
                  _frame("liquidationOrders", {**GOOD_LIQ, "time": received + 86_400_000 * 365}), received)
    pipeline.feed("coinglass", "ws", "liquidationOrders", _frame("liquidationOrders", GOOD_LIQ), received)
    counters = pipeline.counters["coinglass"]
    assert counters.reasons == {"time in future": 1}
    assert pipeline.engine.now_ms == received
