"""The settings every feed has (``feeds.<name>.*``).  Each venue module declares its defaults as
one of these (or a subclass with the venue's own keys), and :mod:`engine.settings` builds
``feeds`` from the venue registry, so a new venue needs no line there."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FeedSettings:
    enabled: bool = True
    ws_url: str = ""
    rest_url: str = ""
    ping_interval_s: float = 20.0
    watchdog_s: float = 30.0
    min_trade_usd: float = 10_000.0
    # Reconnect delays grow from initial to max (with jitter); venues cut old connections
    # (Binance at 24 h), so the runner reconnects itself before max_connection_age_s.
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    max_connection_age_s: float = 82_800.0
    # Pace of the context poller's REST calls (well under every venue's public limit).
    requests_per_minute: int = 60
