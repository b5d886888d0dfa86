"""The structure of the signal path (issue 17, item 9): detectors behind one protocol, each with
its own per-coin state, one table of signal types, the engine a dispatcher."""

from __future__ import annotations

from builders import Run, settings, trade

from engine.core import Engine
from engine.detect import DETECTORS, SIGNAL_TYPES
from engine.detect.base import Detector
from engine.model import BUY, SIGNAL_NAMES, WHALE_ACCUMULATION, Trade
from engine.settings import Settings
from fakes.signals import metrics_for


def test_the_table_of_signal_types_is_the_model_vocabulary_and_the_default_silent_list():
    assert list(SIGNAL_TYPES) == list(SIGNAL_NAMES)
    silent = [name for name, row in SIGNAL_TYPES.items() if row.silent]
    assert Settings().alerts.silent_types == silent
    for name, row in SIGNAL_TYPES.items():
        assert row.name == name and 0 < len(row.label) <= 10  # the feed's type column
        lines = row.describe(metrics_for(name, "long", 100.0), "long" if row.directional else None)
        assert lines and all(isinstance(line, str) and line for line in lines)


def test_every_detector_declares_its_own_types():
    seen = set()
    for cls in DETECTORS:
        assert cls.types and Detector in cls.__mro__
        assert not seen & {t.name for t in cls.types}
        seen |= {t.name for t in cls.types}


class Counter(Detector):
    """A detector of our own: a signal for every tenth trade of a coin (its own state)."""

    types = ()

    def __init__(self, settings, plan, path):
        self.path, self.seen = path, {}

    def on_trade(self, market, ev: Trade):
        n = self.seen[market.coin] = self.seen.get(market.coin, 0) + 1
        if n % 10 == 0:
            self.path.propose(market, "COUNT", None, 80.0, {"trades": n})


def test_a_new_detector_is_its_own_class_plugged_into_the_dispatcher():
    engine = Engine(settings(), detector_classes=(Counter,))
    out = [s for i in range(25) for s in engine.process(trade(i * 80, "ARB", BUY, 100.0))]
    assert [(s.type, s.metrics["trades"]) for s in out] == [("COUNT", 10), ("COUNT", 20)]


def test_whale_window_s_is_read():
    """whale.window_s shorter than the order-flow window: only the large buys of its last minute count."""
    run = Run(settings(whale={"window_s": 60}))
    run.feed(*[trade(i * 30, "SOL", BUY, 5_000) for i in range(6)])  # six large buys over 2.5 minutes
    assert run.of_type(WHALE_ACCUMULATION) == []
    run.feed(*[trade(200 + i, "SOL", BUY, 5_000) for i in range(4)])  # five in the last minute
    (signal,) = run.of_type(WHALE_ACCUMULATION)
    assert signal.metrics["large_buys"] == 5 and signal.metrics["window_s"] == 60
    default = Run()
    default.feed(*[trade(i * 30, "SOL", BUY, 5_000) for i in range(6)])
    assert len(default.of_type(WHALE_ACCUMULATION)) == 1  # the 5-minute window sees them all


def test_detectors_of_equal_span_share_one_trade_window():
    engine = Engine(settings())
    assert len(engine.plan.spans) == 1  # order flow, whales, volume spike and absorption: 300 s
    engine = Engine(settings(whale={"window_s": 60}))
    assert sorted(span for span, _ in engine.plan.spans) == [60_000, 300_000]
