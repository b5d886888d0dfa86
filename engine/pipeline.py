"""One path from a raw message to signals, shared by live feeds, replay and backtest.

``Pipeline.feed`` parses with the feed's adapter, counts frames and rejections, runs every event
through the engine and returns the signals that are new or changed.  Nothing below it knows
whether the message came from a socket or a recording.
"""

from __future__ import annotations

from engine.core import Engine
from engine.feeds.adapter import Adapter, FeedCounters
from engine.feeds.price_band import PriceBand
from engine.feeds.registry import make_adapters
from engine.model import Context, Event, Signal, Trade

_NO_SIGNALS: list[Signal] = []
# An event dated more than this after its receive time is refused (clock skew of an hour passes).
FUTURE_TOLERANCE_MS = 3_600_000


class Pipeline:
    def __init__(self, engine: Engine, adapters: dict[str, Adapter] | None = None) -> None:
        self.engine = engine
        self.adapters = adapters if adapters is not None else make_adapters()
        self.counters: dict[str, FeedCounters] = {name: FeedCounters() for name in self.adapters}
        # feeds.<name>.min_trade_usd: trades below it are dropped before the engine (the venues
        # stream every trade; CoinGlass already filters server-side by the same number).
        feeds = engine.settings.feeds
        self.min_trade_usd = {name: getattr(feeds, name).min_trade_usd for name in self.adapters
                              if getattr(getattr(feeds, name, None), "min_trade_usd", 0) > 0}
        # Lines whose ``src`` no adapter knows (a newer version's venue, a typo), by that src.
        self.unknown_sources: dict[str, int] = {}
        self.prices = PriceBand()  # absurd prices are refused here, before the engine keeps them
        # Optional hook for sinks that keep raw events (the store keeps liquidations and context).
        self.event_listeners: list = []

    def feed(self, src: str, kind: str, ch: str, raw: str, t: int) -> list[Signal]:
        adapter = self.adapters.get(src)
        if adapter is None:
            unknown = self.unknown_sources
            if len(unknown) < 100 or src in unknown:  # a recording of garbage names cannot grow it for ever
                unknown[src] = unknown.get(src, 0) + 1
            return _NO_SIGNALS
        if kind == "ws":
            events, rejects = adapter.parse_ws(raw, t)
        else:
            events, rejects = adapter.parse_rest(ch, raw, t)
        counters = self.counters[src]
        counters.frames += 1
        if rejects:
            counters.reject(rejects)
        if not events:
            return _NO_SIGNALS
        latest = t + FUTURE_TOLERANCE_MS
        floor = self.min_trade_usd.get(src, 0.0)
        if len(events) == 1:  # the common case, kept cheap
            event = events[0]
            if (event.ts > latest or (event.__class__ is Trade and event.usd < floor)  # type: ignore[union-attr]
                    or not self.prices.accept(event)):
                events = self._screen(events, latest, floor, counters)
                if not events:
                    return _NO_SIGNALS
            counters.take(event)
            out = self.engine.process(event)
            for listener in self.event_listeners:
                listener(events)
            return out
        events = self._screen(events, latest, floor, counters)
        take = counters.take
        for event in events:
            take(event)
        return self.process(events) if events else _NO_SIGNALS

    def _screen(self, events: list[Event], latest: int, floor: float, counters: FeedCounters) -> list[Event]:
        """Drop trades under the feed's minimum size, refuse events dated after ``latest`` (the
        engine's clock is the newest event time, so one garbage date years ahead would empty every
        window) and absurd prices (:class:`PriceBand`; asking it twice about a refused price gives
        the same answer)."""
        kept = []
        for event in events:
            if event.ts > latest:
                counters.reject(["time in future"])
            elif not self.prices.accept(event):
                counters.reject(["bad price"])
                if event.__class__ is Context:  # its OI and funding stand without the mark price
                    event.price = None  # type: ignore[union-attr]
                    kept.append(event)
            elif event.__class__ is not Trade or event.usd >= floor:  # type: ignore[union-attr]
                kept.append(event)
        return kept

    def process(self, events: list[Event]) -> list[Signal]:
        process = self.engine.process
        out: list[Signal] = []
        for event in events:
            signals = process(event)
            if signals:
                out.extend(signals)
        for listener in self.event_listeners:
            listener(events)
        return out
