"""Rolling windows against a naive recomputation (hypothesis): after any sequence of entries —
quiet gaps, bursts, times out of order, entries older than the window — every count and sum a
window exposes equals the one recomputed from every entry with a time after ``now - span``."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.windows import LiquidationWindow, TradeWindow

SPAN = 300_000
RECENT = 60_000

# (time step, how far back this entry is dated, usd, side, large); a step may be a quiet gap.
steps = st.lists(
    st.tuples(
        st.one_of(st.integers(0, 3_000), st.integers(0, 900_000)),
        st.one_of(st.just(0), st.integers(0, 20_000), st.integers(0, 400_000)),
        st.one_of(st.floats(0.01, 1e7, allow_nan=False), st.sampled_from([0.1, 0.2, 0.3, 0.7])),
        st.booleans(),
        st.booleans(),
    ),
    max_size=300,
)


def _same(got: float, want: float) -> None:
    assert got == pytest.approx(want, rel=1e-9, abs=1e-6)
    assert got >= 0.0 and math.copysign(1.0, got) == 1.0  # never negative, never -0.0
    if want == 0.0:
        assert got == 0.0


def _live(entries, now, span):
    return [e for e in entries if e[0] > now - span]


@settings(max_examples=150, deadline=None)
@given(steps)
def test_trade_window_and_its_recent_tail_equal_a_naive_recomputation(script):
    w = TradeWindow(SPAN, RECENT)
    entries, now = [], 0
    for step, back, usd, side, large in script:
        now += step
        ts = now - back
        if w.add(ts, usd, side, large, "V", now):
            entries.append((ts, usd, side, large))
        else:
            assert ts <= now - SPAN  # only an entry already out of the window is refused
        live = _live(entries, now, SPAN)
        recent = _live(entries, now, RECENT)
        assert w.count == len(live)
        assert w.recent_count == len(recent)
        _same(w.buy_usd, sum(e[1] for e in live if e[2]))
        _same(w.sell_usd, sum(e[1] for e in live if not e[2]))
        assert w.large_buys == sum(1 for e in live if e[2] and e[3])
        assert w.large_sells == sum(1 for e in live if not e[2] and e[3])
        _same(w.large_buy_usd, sum(e[1] for e in live if e[2] and e[3]))
        _same(w.large_sell_usd, sum(e[1] for e in live if not e[2] and e[3]))
        _same(w.recent_usd, sum(e[1] for e in recent))
        _same(w.recent_buy_usd, sum(e[1] for e in recent if e[2]))
        _same(w.older_usd, sum(e[1] for e in live if e[0] <= now - RECENT))
        since = now - 30_000
        assert sorted(w.since(since)) == sorted((e[0], e[1], e[2]) for e in live if e[0] > since)
    now += 200_000  # a quiet gap with no trade of this coin: the reader advances the window
    w.advance(now)
    live = _live(entries, now, SPAN)
    assert w.count == len(live)
    _same(w.buy_usd, sum(e[1] for e in live if e[2]))
    _same(w.recent_usd, sum(e[1] for e in _live(entries, now, RECENT)))
    assert sum(w.by_venue().values()) == pytest.approx(sum(e[1] for e in live), rel=1e-9, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_liquidation_window_equals_a_naive_recomputation(script):
    span = 30_000
    w = LiquidationWindow(span)
    entries, now = [], 0
    for step, back, usd, side, large in script:
        now += step // 10
        ts = now - back // 10
        price = 100.0 + (usd % 7)
        if w.add(ts, usd, side, price, now):
            entries.append((ts, usd, side, price))
        live = _live(entries, now, span)
        assert w.count == len(live)
        _same(w.long_usd, sum(e[1] for e in live if e[2]))
        _same(w.short_usd, sum(e[1] for e in live if not e[2]))
        if live:
            assert w.price_range() == (min(e[3] for e in live), max(e[3] for e in live))
        if large:  # sometimes the clock moves on without a liquidation of this coin
            now += back
            w.advance(now)
            live = _live(entries, now, span)
            assert w.count == len(live)
            _same(w.total, sum(e[1] for e in live))


def test_nothing_outside_the_windows_module_touches_their_storage():
    """Windows expose counts, sums and ``since``; their entries are private."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\.(_items|_head|_recent_head)\b")
    for path in [*root.glob("engine/**/*.py"), *root.glob("teleglas_tui/**/*.py")]:
        if path.name != "windows.py":
            assert not pattern.search(path.read_text()), path
