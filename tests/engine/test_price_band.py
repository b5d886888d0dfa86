"""Absurd prices are refused at the pipeline's edge as "bad price", before the engine keeps them."""

from __future__ import annotations

import json

from builders import settings

from engine.core import Engine
from engine.pipeline import Pipeline

T = 1_761_125_802_306


def liquidation(price: object, ts: int = T, coin: str = "BTC") -> str:
    item = {"baseAsset": coin, "exName": "Binance", "price": price, "side": 1, "symbol": f"{coin}USDT",
            "time": ts, "volUsd": 250000.0}
    return json.dumps({"channel": "liquidationOrders", "data": [item]})


def fed(*frames: str) -> Pipeline:
    pipeline = Pipeline(Engine(settings()))
    for raw in frames:
        pipeline.feed("coinglass", "ws", "liquidationOrders", raw, T)
    return pipeline


def test_a_price_of_1e300_as_number_or_text_is_a_bad_price():
    pipeline = fed(liquidation(1e300), liquidation("1e300"))
    counters = pipeline.counters["coinglass"]
    assert (counters.events, counters.reasons) == (0, {"bad price": 2})


def test_non_finite_prices_are_bad_prices():
    counters = fed(liquidation("NaN"), liquidation("Infinity"), liquidation("-1")).counters["coinglass"]
    assert counters.events == 0 and counters.reasons == {"bad price": 3}


def test_a_price_far_from_the_coins_last_accepted_one_is_refused_and_does_not_move_it():
    pipeline = fed(liquidation(96_000.0), liquidation(96_000_000.0, T + 1), liquidation(9.6, T + 2),
                   liquidation(97_000.0, T + 3))
    counters = pipeline.counters["coinglass"]
    assert (counters.events, counters.reasons) == (2, {"bad price": 2})


def test_the_band_is_per_coin_and_lapses_once_the_reference_is_old():
    pipeline = fed(liquidation(96_000.0), liquidation(0.5, T + 1, coin="DOGE"),
                   liquidation(9_600.0, T + 16 * 60_000))  # a quarter of an hour later: a new reference
    assert pipeline.counters["coinglass"].events == 3


def test_a_multi_event_frame_keeps_its_sane_events():
    frame = json.loads(liquidation(96_000.0))
    frame["data"].append(dict(frame["data"][0], price=1e300))
    pipeline = Pipeline(Engine(settings()))
    pipeline.event_listeners.append(lambda events: None)  # the store's hook: the many-event path
    pipeline.feed("coinglass", "ws", "liquidationOrders", json.dumps(frame), T)
    counters = pipeline.counters["coinglass"]
    assert (counters.events, counters.reasons) == (1, {"bad price": 1})



def test_an_absurd_mark_price_is_dropped_but_its_funding_kept():
    premium = json.dumps([{"symbol": "BTCUSDT", "markPrice": "96100.5", "lastFundingRate": "0.0001", "time": T},
                          {"symbol": "ETHUSDT", "markPrice": "3.4e10", "lastFundingRate": "0.0002", "time": T}])
    pipeline = Pipeline(Engine(settings()))
    seen: list = []
    pipeline.event_listeners.append(seen.extend)
    pipeline.feed("binance", "rest", "/fapi/v1/premiumIndex", premium, T)
    assert [(c.coin, c.funding, c.price) for c in seen] == [("BTC", 0.0001, 96100.5), ("ETH", 0.0002, None)]
    assert pipeline.counters["binance"].reasons == {"bad price": 1}
