"""One path from a raw message to signals, shared by live feeds, replay and backtest.

``Pipeline.feed`` parses with the feed's adapter, counts frames and rejections, runs every event
through the engine and returns the signals that are new or changed.  Nothing below it knows
whether the message came from a socket or a recording.
"""

from __future__ import annotations

from engine.core import Engine
from engine.feeds.adapter import Adapter, FeedCounters
from engine.feeds.registry import make_adapters
from engine.model import Event, Signal

_NO_SIGNALS: list[Signal] = []


class Pipeline:
    def __init__(self, engine: Engine, adapters: dict[str, Adapter] | None = None) -> None:
        self.engine = engine
        self.adapters = adapters if adapters is not None else make_adapters()
        self.counters: dict[str, FeedCounters] = {name: FeedCounters() for name in self.adapters}
        self.unknown_sources = 0
        # Optional hook for sinks that keep raw events (the store keeps liquidations and context).
        self.event_listeners: list = []

    def feed(self, src: str, kind: str, ch: str, raw: str, t: int) -> list[Signal]:
        adapter = self.adapters.get(src)
        if adapter is None:
            self.unknown_sources += 1
            return _NO_SIGNALS
        if kind == "ws":
            parsed = adapter.parse_ws(raw, t)
        else:
            parsed = adapter.parse_rest(ch, raw, t)
        self.counters[src].count(parsed)
        events = parsed[0]
        if not events:
            return _NO_SIGNALS
        return self.process(events)

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
