"""The alert text (SPEC.md, Alerts; issue 17 "words that are true"): every type, both directions,
prices at every scale, the measured numbers, the levels as levels, how often the kind was right."""

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


H = 900  # outcomes.horizon_s


@pytest.mark.parametrize("direction", [LONG, SHORT])
def test_a_stop_hunt_alert_gives_the_measured_numbers_and_the_levels_as_levels(direction):
    signal = sample(STOP_HUNT, direction, "BTC", 96_200.0, 91.0)
    signal.metrics["venues"] = {"Binance": 2_900_000.0, "Bybit": 1_300_000.0}
    signal.confidence, signal.confidence_n = 47.2, 212
    text = render(signal.as_dict(), H)
    head, coin, kind, sweep, venues, absorption, zone, levels, context, when = lines(text)
    label = "🟢 LONG" if direction == LONG else "🔴 SHORT"
    assert head == f"🚨 <b>URGENT · {label} · STOP HUNT</b>"
    assert coin == "<b>BTCUSDT</b> · tier 1 · strength <b>91</b>/100"
    assert kind == "This kind: 47% right at +15m (n 212)"
    flushed = "Longs" if direction == LONG else "Shorts"
    assert sweep == (f"{flushed} liquidated $4.20M (2.1× the $2.00M threshold, 87% {flushed.lower()[:-1]}, "
                     "142 liquidations)")
    assert venues == "On Binance $2.90M, Bybit $1.30M"
    assert absorption == "Absorption $40.0k of the $100k threshold"
    assert zone == "Sweep zone 95,719 – 96,200"
    if direction == LONG:
        assert levels == "Levels: from 96,200 · stop 95,575 (-0.65%) · target 97,451 (+1.30%)"
    else:
        assert levels == "Levels: from 96,200 · stop 96,825 (+0.65%) · target 94,949 (-1.30%)"
    assert context == "Context <b>FAVORABLE</b>: funding -0.0050% (favorable) · OI +2.40% (confirming)"
    assert when == "🕒 2025-10-22 09:38:12 UTC"


def test_no_advice_and_no_bare_confidence():
    """"safe entry" and "confidence 99" said more than was measured."""
    signal = sample(STOP_HUNT, LONG)
    signal.metrics.update(absorbed=True, absorption_usd=310_000.0)
    signal.confidence, signal.confidence_n = 50.0, 0  # the class has no outcome yet
    text = lines(render(signal.as_dict(), H))
    assert "Absorption $310k: over its $100k threshold" in text
    assert "This kind: not measured yet (n 0)" in text
    assert not any("safe" in line.lower() or "confidence" in line.lower() for line in text)
    spike = lines(render(sample(VOLUME_SPIKE, None, "PEPE", 0.00001182, 72.0, tier=3).as_dict(), H))
    assert not any(line.startswith("This kind") for line in spike)  # no direction, no confidence


def test_a_stop_touched_shows_in_the_message_before_and_after_the_horizon():
    signal = sample(STOP_HUNT, LONG)
    signal.outcome.stop_ts = signal.ts + 140_000
    assert "Stop touched at 09:40:32 UTC: a LOSS at the horizon" in lines(render(signal.as_dict(), H))
    signal.outcome.result = "LOSS"
    assert any(line.startswith("Outcome ❌ <b>LOSS</b> · stop touched at 09:40:32 UTC")
               for line in lines(render(signal.as_dict(), H)))


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
    text = lines(render(signal.as_dict(), H))
    label = "🟢 LONG" if direction == LONG else "🔴 SHORT"
    assert text[0] == f"👀 <b>WATCH · {label} · {signal_type.replace('_', ' ')}</b>"
    assert text[1] == "<b>SOLUSDT</b> · tier 2 · strength <b>78</b>/100"
    assert text[2] == "This kind: no estimate"
    assert text[3:5] == numbers
    sign_stop, sign_target = ("-", "+") if direction == LONG else ("+", "-")
    assert text[5].startswith("Levels: from 182.46 · stop ")
    assert f"({sign_stop}0.65%)" in text[5] and f"({sign_target}1.30%)" in text[5]


@pytest.mark.parametrize(("side", "dominant"), [(LONG, "Buyers dominate (64% of volume)"),
                                                (SHORT, "Sellers dominate (64% of volume)")])
def test_a_volume_spike_has_no_direction_but_names_the_dominant_side(side, dominant):
    signal = sample(VOLUME_SPIKE, side, "PEPE", 0.00001182, 72.0, tier=3, priority="INFO")
    text = lines(render(signal.as_dict(), H))
    assert text[0] == "ℹ️ <b>INFO · 📊 · VOLUME SPIKE</b>"
    assert text[1] == "<b>PEPEUSDT</b> · tier 3 · strength <b>72</b>/100"
    assert text[2] == "Volume $12.3M in the last minute = 4.2× the per-minute average $2.93M"
    assert text[3] == dominant
    assert not any(line.startswith("Levels") for line in text)


@pytest.mark.parametrize(("funding", "payer", "shown"), [(0.0012, "longs", "+0.1200% per 8h: longs pay"),
                                                         (-0.0015, "shorts", "-0.1500% per 8h: shorts pay")])
def test_a_funding_extreme_shows_who_pays_and_the_oi_change(funding, payer, shown):
    signal = sample(FUNDING_EXTREME, None, "XRP", 2.4375, 80.0, tier=2, priority="WATCH")
    signal.metrics.update(funding=funding, payer=payer, oi_change=-0.012)
    text = lines(render(signal.as_dict(), H))
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
    text = render(signal.as_dict(), H)
    assert "Merged with VOLUME SPIKE" in text
    assert "Outcome ✅ <b>WIN</b> · best +1.42% · worst -0.31%\n1m +0.20% · 5m +0.80%" in text
    assert "⛔ blocked by the market-context filter" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
