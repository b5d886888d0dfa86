"""One coin, one view (issue 17, item 6): opposite calls on one coin inside the merge window are
one signal — the stronger, with the other in its ``against`` metrics — never two orders at once."""

from __future__ import annotations

from pathlib import Path

from builders import T0, Run, liq, settings, trade

from engine.backtest import run_backtest
from engine.model import ACCUMULATION, BUY, DISTRIBUTION, LONG, SELL, SHORT, STOP_HUNT, WHALE_DISTRIBUTION
from engine.settings import Settings
from fakes.signals import sample

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo.jsonl.zst"


def _accumulation(run):
    """SOL (tier 2, large order $5k): ACCUMULATION LONG at strength 70 (buy ratio 0.79, 3 large buys:
    too few for whales); a fourth large buy follows."""
    run.feed(*[trade(i * 0.5, "SOL", SELL, 1_000) for i in range(10)])
    run.feed(*[trade(5 + i * 0.5, "SOL", BUY, 1_000) for i in range(20)])
    run.feed(*[trade(15 + i, "SOL", BUY, 6_000) for i in range(4)])
    (signal,) = run.signals.values()
    assert signal.type == ACCUMULATION and signal.base_strength == 70
    return signal


def _whales_sell(run, t0, n, price=99.0):
    """``n`` large sells: with 8 of 12 large orders (0.67) a WHALE_DISTRIBUTION of strength 76.7."""
    run.feed(*[trade(t0 + i, "SOL", SELL, 6_000, price=price) for i in range(n)])


def test_a_stronger_opposite_call_makes_one_signal_that_says_the_flow_is_mixed():
    """The demo's 14:50: ACCUM LONG, then a stronger WHALE DIS SHORT in the same minute."""
    run = Run()
    accumulation = _accumulation(run)
    _whales_sell(run, 30, 8)  # at 6 of 10 large orders: WHALE_DISTRIBUTION 74
    (view,) = run.signals.values()
    assert view is accumulation and view.type == ACCUMULATION and view.direction == LONG
    assert view.metrics["against"] == {WHALE_DISTRIBUTION: {"direction": SHORT, "strength": 74.0}}
    assert view.metrics["mixed"] is True and view.priority == "INFO"
    assert run.changes[-1] == (view.id, "update", view.revision)


def test_a_weaker_opposite_call_is_listed_against_the_view():
    run = Run()
    accumulation = _accumulation(run)
    run.feed(*[trade(30 + i, "SOL", SELL, 6_000) for i in range(5)])  # 5 large sells of 9: no whales
    run.feed(*[trade(35 + i * 0.25, "SOL", SELL, 1_000) for i in range(42)])  # buy ratio 0.35: DISTRIBUTION 68
    (view,) = run.signals.values()
    assert view is accumulation and view.type == ACCUMULATION and view.direction == LONG
    assert view.metrics["against"] == {DISTRIBUTION: {"direction": SHORT, "strength": 68.0}}
    assert view.metrics["mixed"] is False  # what is against it is weaker
    assert run.changes[-1] == (view.id, "update", view.revision)


def test_a_mixed_view_is_info_unless_a_large_stop_hunt():
    path = Run().engine.path
    signal = sample(ACCUMULATION, LONG, "SOL", strength=90.0, tier=2)
    assert path._priority(signal) == "WATCH"
    signal.metrics["mixed"] = True
    assert path._priority(signal) == "INFO"
    hunt = sample(STOP_HUNT, LONG, "SOL", strength=90.0, tier=2)
    hunt.metrics.update(mixed=True, volume_ratio=3.0)
    assert path._priority(hunt) == "URGENT"


def test_a_stop_hunt_is_the_view_over_order_flow_whatever_their_strengths():
    run = Run(settings(gate={"min_strength": 60}))
    accumulation = _accumulation(run)
    strength = accumulation.base_strength
    run.feed(liq(30, "SOL", SHORT, 150_000, price=101), liq(30, "SOL", LONG, 50_000, price=101))  # strength 68
    (view,) = run.signals.values()
    assert view is accumulation and view.type == STOP_HUNT and view.direction == SHORT
    assert view.metrics["against"] == {ACCUMULATION: {"direction": LONG, "strength": strength}}
    assert view.base_strength < strength and view.entry == 101 and view.stop > 101 > view.target
    run.feed(trade(80, "SOL", BUY, 100, price=100.0))  # 63 s after the signal's time
    assert view.outcome.returns[60] > 0  # followed as the SHORT it is now, on the cascade's levels


def test_calls_further_apart_than_the_merge_window_are_two_signals():
    run = Run()
    accumulation = _accumulation(run)
    _whales_sell(run, (accumulation.ts - T0) / 1000 + 61, 8)
    assert [s.type for s in run.signals.values()] == [ACCUMULATION, WHALE_DISTRIBUTION]


def _no_two_opposite_calls_within(signals, window_ms: int) -> list[tuple]:
    found = []
    by_coin: dict[str, list] = {}
    for s in sorted(signals, key=lambda s: s.ts):
        if s.direction is None:
            continue
        for other in by_coin.get(s.coin, []):
            if s.ts - other.ts <= window_ms and other.direction != s.direction:
                found.append((s.coin, other.type, s.type, s.ts - other.ts))
        by_coin.setdefault(s.coin, []).append(s)
    return found


def test_the_demo_never_shows_two_opposite_calls_on_one_coin_in_a_minute():
    result = run_backtest([DEMO], Settings())
    assert _no_two_opposite_calls_within(result.signals.values(), 60_000) == []
    assert any("against" in s.metrics for s in result.signals.values())  # it happened, and is shown
