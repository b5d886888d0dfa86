"""HTX USDT-margined swaps parser: gzip frames as text, the taker side of trades, the forced
order's side of liquidations, pings answered with their value unchanged, the listing, funding and
open interest."""

from __future__ import annotations

import base64
import copy
import gzip
import json

import pytest
from hypothesis import given, settings

from engine.feeds.venues.htx import (CONTRACTS_PATH, FUNDING_PATH, OI_PATH, HtxAdapter, gunzip, notification_reply,
                                     op_pong, pong, trade_reply)
from engine.model import BUY, LONG, SELL, SHORT, Context, Liquidation, Trade
from fakes.payloads import json_payloads
from fakes.realdata import live_formats

TS = 1_791_565_600_000
CONTRACTS = {"status": "ok", "ts": TS, "data": [
    {"symbol": "BTC", "contract_code": "BTC-USDT", "contract_size": 0.001, "contract_status": 1, "business_type": "swap",
     "contract_type": "swap", "pair": "BTC-USDT"},
    {"symbol": "BTC", "contract_code": "BTC-USDT-250926", "contract_size": 0.001, "contract_status": 1,
     "business_type": "futures", "contract_type": "quarter", "pair": "BTC-USDT"},
    {"symbol": "SATS", "contract_code": "1000SATS-USDT", "contract_size": 1000, "contract_status": 1,
     "business_type": "swap", "contract_type": "swap", "pair": "1000SATS-USDT"},
    {"symbol": "OLD", "contract_code": "OLD-USDT", "contract_size": 1, "contract_status": 0, "business_type": "swap"},
]}


def frame(name: str) -> dict:
    return copy.deepcopy(next(f["frame"] for f in live_formats("htx")["frames"] if f["name"] == name))


def parse(raw: dict | str, adapter: HtxAdapter | None = None):
    return (adapter or HtxAdapter()).parse_ws(raw if isinstance(raw, str) else json.dumps(raw), 0)


def rest(adapter: HtxAdapter, path: str, body: object):
    return adapter.parse_rest(path, json.dumps(body), 0)


def listed() -> HtxAdapter:
    adapter = HtxAdapter()
    assert rest(adapter, f"{CONTRACTS_PATH}?business_type=swap", CONTRACTS) == ([], [])
    return adapter


def test_a_real_gzip_frame_is_recorded_and_parsed_as_its_text():
    capture = live_formats("htx")["gzip"]
    data = base64.b64decode(capture["base64"])
    assert data[:2] == b"\x1f\x8b" and gunzip(data) == capture["text"]
    assert gunzip(b'{"plain":1}') == '{"plain":1}'  # not gzip: kept as it came, the parser says what it is


def test_trade_direction_is_the_taker_and_usd_is_the_turnover():
    [bought], _ = parse(frame("trade.detail GRT (taker bought)"))
    assert bought == Trade(1645289380927, "HTX", "GRT", BUY, 0.41912, 16.7648)  # 40 GRT x 0.41912
    [sold], _ = parse(frame("trade.detail SNX (taker sold)"))
    assert sold.side == SELL


def test_a_forced_sell_closed_a_long_and_a_forced_buy_a_short():
    [long_], _ = parse(frame("liquidation_orders O3 (forced sell: a long)"))
    assert long_ == Liquidation(1639122193172, "HTX", "O3", LONG, 0.7858, 339.4656)
    [short], _ = parse(frame("liquidation_orders forced buy (a short) 2026"))
    assert (short.side, short.coin, short.price) == (SHORT, "SATS", pytest.approx(0.0004012 / 1000))


def test_the_opening_trade_sent_again_after_a_reconnect_counts_once():
    adapter = HtxAdapter()
    grt = frame("trade.detail GRT (taker bought)")
    assert len(parse(grt, adapter)[0]) == 1
    assert parse(grt, adapter) == ([], [])
    other = copy.deepcopy(grt)
    other["ch"] = "market.SNX-USDT.trade.detail"  # trade ids are unique per contract only
    assert len(parse(other, adapter)[0]) == 1


def test_pings_are_answered_with_their_value_unchanged_and_are_not_events():
    assert pong('{"ping":1645289389594}') == ['{"pong":1645289389594}']
    assert op_pong('{"op":"ping","ts":"1492420473058"}') == ['{"op":"pong","ts":"1492420473058"}']
    assert op_pong('{"op":"ping","ts":1492420473058}') == ['{"op":"pong","ts":1492420473058}']
    assert pong('{"op":"ping","ts":"1"}') == [] and op_pong('{"ping":1}') == [] and pong("not json") == []
    for name in ("market ping", "notification ping", "subbed", "notification sub answer"):
        assert parse(frame(name)) == ([], []), name


def test_subscription_answers_name_their_request():
    assert trade_reply(json.dumps(frame("subbed"))) == ("1", True)
    assert trade_reply(json.dumps(frame("sub refused"))) == ("9", False)
    assert trade_reply(json.dumps(frame("trade.detail GRT (taker bought)"))) is None
    assert notification_reply(json.dumps(frame("notification sub answer"))) == ("40sG903yz80oDFWr", True)
    refused = dict(frame("notification sub answer"), **{"err-code": 2011, "err-msg": "Contract doesn't exist."})
    assert notification_reply(json.dumps(refused)) == ("40sG903yz80oDFWr", False)
    assert parse(refused) == ([], ["venue error"]) and parse(frame("sub refused")) == ([], ["venue error"])


def test_garbage_and_broken_items_are_counted():
    adapter = HtxAdapter()
    assert parse("\x1f\x8b not json", adapter) == ([], ["not json"])
    assert parse({"ch": "market.BTC-USDT.depth.step0", "tick": {}}, adapter) == ([], ["unknown channel"])
    assert parse({"op": "notify", "topic": "public.BTC-USDT.funding_rate", "data": []}, adapter) == ([], ["unknown topic"])
    assert parse({"op": "close", "ts": TS}, adapter) == ([], ["venue error"])
    assert parse({"hello": 1}, adapter) == ([], ["unknown message"])
    bad = frame("liquidation_orders O3 (forced sell: a long)")
    item = bad["data"][0]
    bad["data"] = [dict(item, direction="both"), dict(item, trade_turnover=None), dict(item, created_at=1639122193), 3]
    assert parse(bad, adapter) == ([], ["unknown side", "bad usd", "bad time", "item not an object"])


def test_the_listing_funding_and_open_interest_of_the_usdt_swaps():
    adapter = listed()
    assert adapter.perpetuals.coins() == ["BTC", "SATS"] and adapter.perpetuals.instrument("SATS") == "1000SATS-USDT"
    funding = {"status": "ok", "ts": TS, "data": [
        {"contract_code": "BTC-USDT", "funding_rate": "0.000100000000000000", "funding_time": "1791576000000"},
        {"contract_code": "BTC-USDT-250926", "funding_rate": "0.0005"},  # a dated future: not the coin's swap
        {"contract_code": "1000SATS-USDT", "funding_rate": "-0.00012"}]}
    assert rest(adapter, FUNDING_PATH, funding) == ([Context(TS, "HTX", "BTC", funding=0.0001),
                                                     Context(TS, "HTX", "SATS", funding=-0.00012)], [])
    oi = {"status": "ok", "ts": TS, "data": [{"contract_code": "BTC-USDT", "volume": 78696, "amount": 78.696,
                                              "value": 3823138.2456, "business_type": "swap"},
                                             {"contract_code": "1000SATS-USDT", "value": "x"}]}
    assert rest(adapter, f"{OI_PATH}?business_type=swap", oi) == ([Context(TS, "HTX", "BTC", oi_usd=3823138.2456)],
                                                                  ["rest bad row"])
    assert rest(adapter, FUNDING_PATH, {"status": "error", "err_code": 1014, "err_msg": "x", "ts": TS}) == (
        [], ["rest error"])
    assert adapter.parse_rest("/linear-swap-api/v1/swap_index", "{}", 0) == ([], [])


@settings(max_examples=300, deadline=None)
@given(json_payloads(["ch", "tick", "data", "op", "topic", "direction", "price", "trade_turnover", "ts", "created_at",
                      "contract_code", "id", "status", "ping", "err-code", "funding_rate", "value", "contract_status"]))
def test_arbitrary_payloads_never_raise(data):
    adapter = listed()
    for frame_ in ({"ch": "market.BTC-USDT.trade.detail", "tick": data}, {"ch": "market.X", "tick": {"data": [data]}},
                   {"op": "notify", "topic": "public.*.liquidation_orders", "data": data}, data):
        raw = json.dumps(frame_)
        adapter.parse_ws(raw, 0)
        pong(raw), op_pong(raw), trade_reply(raw), notification_reply(raw)
        gunzip(gzip.compress(raw.encode()))
    for path in (CONTRACTS_PATH, FUNDING_PATH, OI_PATH):
        adapter.parse_rest(path, json.dumps({"status": "ok", "ts": TS, "data": [data]}), 0)
        adapter.parse_rest(path, json.dumps(data), 0)
