"""The alert text (SPEC.md, Alerts): every type, both directions, prices at every scale."""

from __future__ import annotations

import pytest

from engine import format as fmt
from engine.alerts.message import render
from engine.model import (
    ACCUMULATION, DISTRIBUTION, FUNDING_EXTREME, LONG, SHORT, STOP_HUNT, VOLUME_SPIKE,
    WHALE_ACCUMULATION, WHALE_DISTRIBUTION,
)
from fakes.signals import sample


@pytest.mark.parametrize(("value", "shown"), [
    (96_200.0, "96,200"), (96_215.37, "96,215"), (3_456.78, "3,456.8"), (182.456, "182.46"),
    (14.2351, "14.235"), (2.4375, "2.4375"), (0.51234, "0.5123"), (0.00001182, "0.00001182"),
    (0.0, "0"), (None, "-"), (float("nan"), "-"),
])
def test_prices_keep_the_precision_their_scale_needs(value, shown):
    assert fmt.price(value) == shown


def test_amounts_percentages_and_durations_read_like_a_trader_writes_them():
    assert [fmt.usd(v) for v in (950, 12_345, 250_000, 4_200_000, 1.35e9)] == \
        ["$950", "$12.3k", "$250k", "$4.20M", "$1.35B"]
    assert fmt.change(100.0, 101.5) == "+1.50%" and fmt.change(100.0, 99.25) == "-0.75%"
    assert fmt.funding(0.0001) == "+0.0100%"
    assert [fmt.duration(s) for s in (45, 90, 1800, 7200, 86_400 + 3600)] == ["45s", "1m30s", "30m", "2h", "1d1h"]
    assert fmt.utc_time(1_761_125_892_000) == "2025-10-22 09:38:12 UTC"


def lines(text: str) -> list[str]:
    return text.splitlines()


@pytest.mark.parametrize("direction", [LONG, SHORT])
def test_a_stop_hunt_alert_carries_the_sweep_levels_and_context(direction):
    signal = sample(STOP_HUNT, direction, "BTC", 96_200.0, 91.0)
    text = render(signal.as_dict())
    head, coin, sweep, absorption, zone, levels, context, when = lines(text)
    label = "🟢 LONG" if direction == LONG else "🔴 SHORT"
    assert head == f"🚨 <b>URGENT · {label} · STOP HUNT</b>"
    assert coin == "<b>BTCUSDT</b> · tier 1 · strength <b>91</b>"
    flushed = "Longs" if direction == LONG else "Shorts"
    assert sweep == f"{flushed} liquidated $4.20M (2.1× threshold, 87% {flushed.lower()[:-1]}, 142 liquidations)"
    assert absorption == "Absorption $40.0k of $100k needed"
    assert zone == "Sweep zone 95,719 – 96,200"
    if direction == LONG:
        assert levels == "Entry 96,200 · Stop 95,575 (-0.65%) · Target 97,451 (+1.30%)"
    else:
        assert levels == "Entry 96,200 · Stop 96,825 (+0.65%) · Target 94,949 (-1.30%)"
    assert context == "Context <b>FAVORABLE</b>: funding -0.0050% (favorable) · OI +2.40% (confirming)"
    assert when == "🕒 2025-10-22 09:38:12 UTC"


def test_absorption_upgrade_shows_the_safe_entry():
    signal = sample(STOP_HUNT, LONG)
    signal.metrics.update(absorbed=True, absorption_usd=310_000.0)
    assert "Absorption $310k ✅ safe entry" in lines(render(signal.as_dict()))


@pytest.mark.parametrize(("signal_type", "direction", "numbers"), [
    (ACCUMULATION, LONG, ["Buy ratio 78% (5m) · taker buys $3.20M / sells $900k",
                          "Large orders 7 buys vs 2 sells · 143 trades"]),
    (DISTRIBUTION, SHORT, ["Buy ratio 22% (5m) · taker buys $900k / sells $3.20M",
                           "Large orders 2 buys vs 7 sells · 143 trades"]),
    (WHALE_ACCUMULATION, LONG, ["Large buys 9 ($2.10M) vs sells 2 ($300k) in 5m", "82% of large orders are buys"]),
    (WHALE_DISTRIBUTION, SHORT, ["Large buys 2 ($300k) vs sells 9 ($2.10M) in 5m",
                                 "82% of large orders are sells"]),
])
def test_order_flow_and_whale_alerts_show_their_numbers_and_levels(signal_type, direction, numbers):
    signal = sample(signal_type, direction, "SOL", 182.456, 78.0, tier=2, priority="WATCH")
    text = lines(render(signal.as_dict()))
    label = "🟢 LONG" if direction == LONG else "🔴 SHORT"
    assert text[0] == f"👀 <b>WATCH · {label} · {signal_type.replace('_', ' ')}</b>"
    assert text[1] == "<b>SOLUSDT</b> · tier 2 · strength <b>78</b>"
    assert text[2:4] == numbers
    sign_stop, sign_target = ("-", "+") if direction == LONG else ("+", "-")
    assert text[4].startswith("Entry 182.46 · Stop ")
    assert f"({sign_stop}0.65%)" in text[4] and f"({sign_target}1.30%)" in text[4]


@pytest.mark.parametrize(("side", "dominant"), [(LONG, "Buyers dominate (64% of volume)"),
                                                (SHORT, "Sellers dominate (64% of volume)")])
def test_a_volume_spike_has_no_direction_but_names_the_dominant_side(side, dominant):
    signal = sample(VOLUME_SPIKE, side, "PEPE", 0.00001182, 72.0, tier=3, priority="INFO")
    text = lines(render(signal.as_dict()))
    assert text[0] == "ℹ️ <b>INFO · 📊 · VOLUME SPIKE</b>"
    assert text[1] == "<b>PEPEUSDT</b> · tier 3 · strength <b>72</b>"
    assert text[2] == "Volume $12.3M in the last minute = 4.2× the per-minute average $2.93M"
    assert text[3] == dominant
    assert not any(line.startswith("Entry") for line in text)


@pytest.mark.parametrize(("funding", "payer", "shown"), [(0.0012, "longs", "+0.1200% per 8h: longs pay"),
                                                         (-0.0015, "shorts", "-0.1500% per 8h: shorts pay")])
def test_a_funding_extreme_shows_who_pays_and_the_oi_change(funding, payer, shown):
    signal = sample(FUNDING_EXTREME, None, "XRP", 2.4375, 80.0, tier=2, priority="WATCH")
    signal.metrics.update(funding=funding, payer=payer, oi_change=-0.012)
    text = lines(render(signal.as_dict()))
    assert text[0] == "👀 <b>WATCH · ⚠️ · FUNDING EXTREME</b>"
    assert text[2:4] == [f"Funding {shown}", "OI change -1.20%"]


def test_merges_outcomes_and_blocks_are_shown_and_foreign_text_is_escaped():
    signal = sample(ACCUMULATION, LONG, "BTC")
    signal.merged = ["VOLUME_SPIKE"]
    signal.outcome.result = "WIN"
    signal.outcome.mfe, signal.outcome.mae = 0.0142, 0.0031
    signal.outcome.returns = {60: 0.002, 300: 0.008}
    signal.blocked = True
    signal.context.funding_view = "<script>"
    text = render(signal.as_dict())
    assert "Merged with VOLUME SPIKE" in text
    assert "Outcome ✅ <b>WIN</b> · best +1.42% · worst -0.31%\n1m +0.20% · 5m +0.80%" in text
    assert "⛔ blocked by the market-context filter" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
