"""Gate USDT-futures parser: contract sizes, signs and the contracts list (the current frames with
their sources are in tests/data/live_formats/gate.json)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from engine.feeds.venues.gate import CONTRACTS_PATH, GateAdapter
from engine.model import LONG, Context
from fakes.payloads import json_payloads

ROW = {"name": "BTC_USDT", "quanto_multiplier": "0.0001", "mark_price": "80000", "funding_rate": "0.0003",
       "funding_interval": 3600, "position_size": 1000, "in_delisting": False}


def adapter(*rows: dict) -> GateAdapter:
    gate = GateAdapter()
    gate.parse_rest(CONTRACTS_PATH, json.dumps(list(rows) or [ROW]), 1791565600000)
    return gate


def frame(channel: str, *items: dict) -> str:
    return json.dumps({"channel": channel, "event": "update", "time": 1791565600, "result": list(items)})


def test_the_contracts_list_gives_funding_per_8h_oi_in_usd_and_the_mark_price_dated_on_receipt():
    gate = GateAdapter()
    events, rejects = gate.parse_rest(CONTRACTS_PATH, json.dumps([ROW, dict(ROW, name="OLD_USDT", in_delisting=True)]),
                                      1791565600000)
    assert rejects == [] and gate.perpetuals.coins() == ["BTC"]
    assert events == [Context(1791565600000, "Gate", "BTC", oi_usd=pytest.approx(1000 * 0.0001 * 80000),
                              funding=pytest.approx(0.0024), price=80000.0)]  # an hourly rate, kept per 8 h


def test_sizes_wait_for_the_contracts_multiplier():
    item = {"price": "80000", "size": -2, "time": 1791565600123, "contract": "BTC_USDT"}
    assert GateAdapter().parse_ws(frame("futures.public_liquidates", item), 0) == ([], ["unknown contract value"])
    [event], _ = adapter().parse_ws(frame("futures.public_liquidates", item), 0)
    assert (event.side, event.usd) == (LONG, pytest.approx(2 * 0.0001 * 80000))


def test_an_older_liquidation_time_in_seconds_is_read_in_ms():
    item = {"price": "80000", "size": -2, "time": 1791565600, "contract": "BTC_USDT"}
    [event], _ = adapter().parse_ws(frame("futures.public_liquidates", item), 0)
    assert event.ts == 1791565600000


@pytest.mark.parametrize(("raw", "reason"), [
    ('{"label":"INVALID_PARAM_VALUE","message":"settle"}', "rest error"),
    ("<html>", "rest bad body"),
    ('{"data":[]}', "rest bad body"),
])
def test_rest_errors_are_counted(raw, reason):
    assert GateAdapter().parse_rest(CONTRACTS_PATH, raw, 0) == ([], [reason])


@settings(max_examples=300, deadline=None)
@given(json_payloads(["channel", "event", "result", "price", "size", "time", "time_ms", "contract", "create_time_ms",
                      "is_internal", "name", "quanto_multiplier", "mark_price", "funding_rate", "funding_interval",
                      "position_size", "in_delisting", "error", "id"]))
def test_arbitrary_payloads_never_raise(data):
    gate = adapter()
    for raw in (frame("futures.public_liquidates", data), frame("futures.trades", data), json.dumps(data)):
        _, rejects = gate.parse_ws(raw, 0)
        assert all(isinstance(r, str) for r in rejects)
    gate.parse_rest(CONTRACTS_PATH, json.dumps(data), 0)
    gate.parse_rest(CONTRACTS_PATH, json.dumps([data]), 0)
