"""Golden tests: every venue's frames in the formats sent today (``tests/data/live_formats``, each
frame citing where it came from) parse into the events they stand for; the older captures keep
their own tests beside these."""

from __future__ import annotations

import json
import math

import pytest

from engine.feeds.registry import VENUES as REGISTRY
from engine.feeds.registry import make_adapters
from engine.feeds.venues.okx import INSTRUMENTS_PATH
from engine.model import Liquidation, Trade
from fakes.realdata import LIVE_FORMATS, live_formats

KINDS = {"Liquidation": Liquidation, "Trade": Trade}
RECEIVED = 1_791_565_600_000  # the frames' receive time (BitMEX's liquidations carry none: dated on receipt)
VENUES = sorted(path.stem for path in LIVE_FORMATS.glob("*.json"))
CASES = [(venue, case) for venue in VENUES for case in live_formats(venue)["frames"]]


def test_every_venue_has_its_current_frames():
    assert set(VENUES) == set(REGISTRY), "each venue's golden frames are in tests/data/live_formats/<venue>.json"


def adapter_for(venue: str):
    adapter = make_adapters()[venue]
    if venue == "okx":  # sizes are in contracts: the instruments body comes first, as live
        body = json.dumps(live_formats("okx")["instruments"])
        assert adapter.parse_rest(f"{INSTRUMENTS_PATH}?instType=SWAP", body, 0) == ([], [])
    listing = live_formats(venue).get("listing")  # a venue whose sizes need its listing (Gate's multipliers)
    if listing is not None:
        adapter.parse_rest(listing["path"], json.dumps(listing["body"]), 0)
    return adapter


@pytest.mark.parametrize(("venue", "case"), CASES, ids=[f"{v}: {c['name']}" for v, c in CASES])
def test_current_frame_gives_its_events(venue, case):
    assert case["source"], "every frame names where it came from"
    raw = json.dumps(case["frame"], ensure_ascii=False, separators=(",", ":"))
    events, rejects = adapter_for(venue).parse_ws(raw, RECEIVED)
    assert rejects == case.get("rejects", [])
    assert len(events) == len(case["events"])
    for event, (kind, ts, exchange, coin, side, price, usd) in zip(events, case["events"]):
        assert type(event) is KINDS[kind]
        assert (event.ts, event.venue, event.coin, event.side) == (ts, exchange, coin, side)
        assert math.isclose(event.price, price, rel_tol=1e-9)
        assert math.isclose(event.usd, usd, rel_tol=1e-9)


def test_extra_fields_anywhere_are_ignored():
    """Venues add fields without notice: a new field in the frame, the payload or an item changes
    nothing."""
    for venue, case in CASES:
        if not case["events"]:
            continue
        frame = dict(case["frame"], zz_new=1)
        data = frame.get("data")
        if isinstance(data, dict):
            frame["data"] = dict(data, zz_new={"x": [1]})
        elif isinstance(data, list):
            frame["data"] = [dict(item, zz_new="?") for item in data]
        events, rejects = adapter_for(venue).parse_ws(json.dumps(frame), RECEIVED)
        assert (len(events), rejects) == (len(case["events"]), case.get("rejects", [])), (venue, case["name"])
