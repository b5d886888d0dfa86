"""dYdX v4 parser: a liquidation is a trade whose taker was liquidated (LIQUIDATED) or deleveraged
(DELEVERAGED); which frames give trades; the subscription's replay counted once; the markets body
as listing, funding (an hour's rate) and open interest."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings

from engine.feeds.adapter import event_ms
from engine.feeds.venue import Feed
from engine.feeds.venues.dydx import MARKETS_PATH, DydxAdapter, message, streams
from engine.model import BUY, LONG, SELL, SHORT, Context, Liquidation, Trade
from engine.secrets import Secrets
from engine.settings import Settings
from fakes.payloads import json_payloads
from fakes.realdata import live_formats

RECEIVED = 1_791_565_600_000


def frame(name: str) -> dict:
    return copy.deepcopy(next(f["frame"] for f in live_formats("dydx")["frames"] if f["name"] == name))


def parse(raw: dict | str, adapter: DydxAdapter | None = None):
    return (adapter or DydxAdapter()).parse_ws(raw if isinstance(raw, str) else json.dumps(raw), 0)


def markets(adapter: DydxAdapter | None = None, body: object = None):
    body = live_formats("dydx")["markets"] if body is None else body
    return (adapter or DydxAdapter()).parse_rest(MARKETS_PATH, json.dumps(body), RECEIVED)


def test_a_liquidated_taker_that_sold_was_a_long_and_its_order_is_a_trade_too():
    events, rejects = parse(frame("v4_trades LIQUIDATED (taker sold: a long)"))
    assert rejects == []
    ts = event_ms("2024-08-04T07:34:50.628Z")
    assert events == [Liquidation(ts, "dYdX", "AVAX", LONG, 22.87, pytest.approx(22.87 * 3.9)),
                      Trade(ts, "dYdX", "AVAX", SELL, 22.87, pytest.approx(22.87 * 3.9))]


def test_a_deleveraged_taker_that_bought_was_a_short_and_is_no_order_flow():
    [event], rejects = parse(frame("v4_trades DELEVERAGED (taker bought: a short)"))
    assert rejects == [] and (event.__class__, event.side, event.coin) == (Liquidation, SHORT, "ETH")


def test_an_ordinary_trade_carries_the_taker_side():
    [trade], _ = parse(frame("v4_trades LIMIT (taker bought)"))
    assert (trade.side, trade.usd, trade.ts) == (BUY, pytest.approx(25.22 * 79.2), event_ms("2024-08-22T23:59:58.855Z"))
    sold = frame("v4_trades LIMIT (taker bought)")
    sold["contents"]["trades"][0]["side"] = "SELL"
    assert parse(sold)[0][0].side == SELL


def test_batched_markets_and_subscription_replays_give_liquidations_only():
    """A market nobody watches is subscribed batched for its liquidations; a replay's trades are
    old: neither adds trades to the flow."""
    for name in ("channel_batch_data (liquidations only)", "subscribed replay (liquidations only)"):
        events, rejects = parse(frame(name))
        assert rejects == [] and [type(e) for e in events] == [Liquidation], name


def test_the_replay_after_a_reconnect_counts_a_liquidation_once():
    adapter = DydxAdapter()
    live = frame("v4_trades LIQUIDATED (taker sold: a long)")
    assert len(parse(live, adapter)[0]) == 2
    replay = frame("subscribed replay (liquidations only)")
    replay["id"] = "AVAX-USD"
    replay["contents"]["trades"].append(live["contents"]["trades"][0])  # seen live: not again
    assert [e.price for e in parse(replay, adapter)[0]] == [62110.0]
    assert parse(replay, adapter) == ([], [])


def test_the_1x_liquidation_flag_reads_as_liquidated():
    events, _ = parse(frame("v4_trades 1.x liquidation flag"))
    assert [(type(e), e.side) for e in events] == [(Liquidation, LONG), (Trade, SELL)]


def test_answers_are_quiet_and_errors_and_garbage_counted():
    adapter = DydxAdapter()
    assert parse(frame("connected"), adapter) == ([], [])
    assert parse({"type": "unsubscribed", "channel": "v4_trades", "id": "BTC-USD"}, adapter) == ([], [])
    assert parse(frame("error subscription limit"), adapter) == ([], ["venue error"])
    assert parse({"type": "channel_data", "channel": "v4_orderbook", "id": "BTC-USD"}, adapter) == ([], ["unknown channel"])
    assert parse({"type": "pong"}, adapter) == ([], ["unknown message"])
    assert parse({"type": "channel_data", "channel": "v4_trades", "id": "BTC-USD", "contents": []}, adapter) == (
        [], ["missing data"])
    bad = frame("v4_trades LIMIT (taker bought)")
    item = bad["contents"]["trades"][0]
    bad["contents"]["trades"] = [dict(item, side="X"), dict(item, createdAt="2024-08-22 23:59"),
                                 dict(item, type="LIQUIDATED", id="L1", price="0"), 7]
    assert parse(bad, adapter) == ([], ["unknown side", "bad time", "bad price", "item not an object"])


def test_markets_are_the_listing_with_hourly_funding_per_8h_and_oi_in_usd():
    adapter = DydxAdapter()
    events, rejects = markets(adapter)
    assert rejects == []
    assert events == [
        Context(RECEIVED, "dYdX", "BTC", oi_usd=pytest.approx(648.2389 * 60387.51779),
                funding=pytest.approx(0.00001351666666666667 * 8), price=60387.51779),
        Context(RECEIVED, "dYdX", "ETH", oi_usd=pytest.approx(15395.279 * 2623.2521),
                funding=pytest.approx(0.00001051666666666667 * 8), price=2623.2521),
    ]  # LUNA-USD in final settlement is no longer listed
    assert adapter.perpetuals.coins() == ["BTC", "ETH"]
    assert markets(body={"errors": [{"msg": "Too many requests"}]}) == ([], ["rest error"])
    assert DydxAdapter().parse_rest(MARKETS_PATH, "<html>", RECEIVED) == ([], ["rest bad body"])
    assert DydxAdapter().parse_rest("/v4/height", "{}", RECEIVED) == ([], [])


def feed(adapter: DydxAdapter, liquidations: bool = True) -> Feed:
    return Feed("dydx", Settings().feeds.dydx, adapter, liquidations, Secrets())


def test_every_other_market_is_asked_batched_for_its_liquidations_and_watched_ones_unbatched():
    adapter = DydxAdapter()
    markets(adapter)
    assert streams(feed(adapter), ["ETH", "SOL"]) == ["liquidations:BTC-USD", "trades:ETH-USD"]
    assert streams(feed(adapter, liquidations=False), ["ETH"]) == ["trades:ETH-USD"]
    assert json.loads(message("subscribe", ["liquidations:BTC-USD"], 1)) == {
        "type": "subscribe", "channel": "v4_trades", "id": "BTC-USD", "batched": True}
    assert json.loads(message("subscribe", ["trades:ETH-USD"], 2))["batched"] is False
    assert json.loads(message("unsubscribe", ["trades:ETH-USD"], 3)) == {
        "type": "unsubscribe", "channel": "v4_trades", "id": "ETH-USD"}


@settings(max_examples=300, deadline=None)
@given(json_payloads(["type", "channel", "id", "contents", "trades", "side", "size", "price", "createdAt",
                      "liquidation", "markets", "status", "oraclePrice", "nextFundingRate", "openInterest"]))
def test_arbitrary_payloads_never_raise(data):
    adapter = DydxAdapter()
    for kind in ("channel_data", "channel_batch_data", "subscribed"):
        for contents in (data, {"trades": data}, {"trades": [data]}, [data], [{"trades": [data]}]):
            adapter.parse_ws(json.dumps({"type": kind, "channel": "v4_trades", "id": data, "contents": contents}), 0)
    adapter.parse_ws(json.dumps(data), 0)
    for body in (data, {"markets": data}, {"markets": {"BTC-USD": data}}):
        adapter.parse_rest(MARKETS_PATH, json.dumps(body), RECEIVED)


@pytest.mark.parametrize(("text", "ms"), [
    ("2024-08-22T23:59:58.855Z", 1724371198855),
    ("2024-08-22T23:59:58Z", 1724371198000),
    ("2024-08-23T01:59:58.855+02:00", 1724371198855),
    ("2024-08-22T23:59:58.855", -1),  # no zone: a guess, refused
    ("2024-08-22 23:59:58.855Z", -1),
    ("0001-01-01T00:00:00Z", -1),  # a time, but not a market's
    ("soon", -1),
])
def test_event_times_are_read_from_iso_8601_with_a_zone(text, ms):
    assert event_ms(text) == ms
