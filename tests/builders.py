"""Small builders for engine tests: events at chosen times, settings with overrides, and a run
that collects every signal the engine hands out (by id, final state)."""

from __future__ import annotations

from engine.core import Engine
from engine.read_model import ReadModel
from engine.model import BUY, LONG, SELL, SHORT, Context, Liquidation, Signal, Trade
from engine.settings import Settings, load_settings

T0 = 1_761_125_800_000  # 2025-10-22 09:36:40 UTC


def settings(**sections: dict) -> Settings:
    """The shipped defaults (SPEC.md's numbers) with ``section={"key": value}`` overrides (validated
    like a config file)."""
    s = load_settings(None, environ={})
    from engine.settings import _apply

    _apply(s, sections, "")
    return s


def liq(t_s: float, coin: str, side: str, usd: float, price: float = 100.0, venue: str = "Binance") -> Liquidation:
    assert side in (LONG, SHORT)
    return Liquidation(T0 + int(t_s * 1000), venue, coin, side, price, usd)


def trade(t_s: float, coin: str, side: str, usd: float, price: float = 100.0, venue: str = "Binance") -> Trade:
    assert side in (BUY, SELL)
    return Trade(T0 + int(t_s * 1000), venue, coin, side, price, usd)


def context(t_s: float, coin: str, oi: float | None = None, funding: float | None = None,
            venue: str = "coinglass", price: float | None = None) -> Context:
    return Context(T0 + int(t_s * 1000), venue, coin, oi_usd=oi, funding=funding, price=price)


WARM_UP_COIN = "WARMUP"


class Run:
    """An engine plus every signal it emitted, in order, and every change it reported.

    ``warm``: the engine has seen five minutes of data before ``T0`` (empty context events of
    :data:`WARM_UP_COIN`), so the flow detectors' warm-up is over when a test's events begin."""

    def __init__(self, s: Settings | None = None, warm: bool = True) -> None:
        self.engine = Engine(s or settings())
        self.view = ReadModel(self.engine.settings)  # the screen's views, fed by the same events
        self.engine.path.emit_listeners.append(self.view.on_emitted)
        self.signals: dict[str, Signal] = {}
        self.changes: list[tuple[str, str, int]] = []  # (id, change, revision)
        if warm:
            self.feed(*(context(-300 + 60 * i, WARM_UP_COIN) for i in range(5)))

    def feed(self, *events) -> list[Signal]:
        out: list[Signal] = []
        for event in events:
            self.view.on_event(event)
            for signal in self.engine.process(event):
                self.signals.setdefault(signal.id, signal)
                self.changes.append((signal.id, signal.change, signal.revision))
                out.append(signal)
        return out

    def of_type(self, signal_type: str) -> list[Signal]:
        return [s for s in self.signals.values() if s.type == signal_type]
