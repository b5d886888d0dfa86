"""What the UI (and ``/status``) read: plain data copied out of the engine and the service.

The UI never receives one message per market event: it pulls a snapshot at a fixed rate and
redraws from it.  Everything here is a copy or an immutable event, safe to hold across redraws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.model import Liquidation, Signal, Trade


@dataclass(slots=True)
class CoinFlow:
    """One coin's row in the flow pane (windows are the SPEC.md order-flow windows)."""

    coin: str
    tier: int
    price: float
    buy_usd: float  # taker buys, last 5 minutes
    sell_usd: float
    buy_ratio: float | None  # None when no trades in the window
    large_buys: int
    large_sells: int
    delta_usd: float  # buy_usd - sell_usd
    trades: int
    liq_long_1m: float  # USD of longs liquidated in the last minute
    liq_short_1m: float
    funding: float | None
    oi_change: float | None
    activity: float  # USD traded + liquidated in the last 5 minutes, for sorting
    spark: list[float]  # net delta per minute, oldest first, last 30 minutes
    last_ts: int


@dataclass(slots=True)
class MinuteBar:
    ts: int  # start of the minute, ms
    close: float
    buy_usd: float
    sell_usd: float
    liq_long_usd: float
    liq_short_usd: float


@dataclass(slots=True)
class CoinDetail:
    coin: str
    tier: int
    bars: list[MinuteBar]  # oldest first, up to the last 60 minutes
    flow: CoinFlow | None
    signals: list[Signal]  # this coin's recent signals, newest last
    venues: dict[str, float]  # USD traded per venue in the flow window, largest first


@dataclass(slots=True)
class EngineSnapshot:
    now_ms: int
    events: int
    coins: list[CoinFlow]
    tape: list[Liquidation | Trade]  # newest last; liquidations and large trades
    tape_seq: int  # how many items were ever appended: the UI appends only the new ones
    signals: list[Signal]  # newest last
    signals_seq: int
    gate_drops: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class FeedState:
    name: str
    state: str  # connecting / live / stale / down / replay / done
    last_message_age_s: float | None
    reconnects: int
    frames: int
    events: int
    rejected: int
    detail: str = ""  # last error, one line, secrets redacted
    reasons: dict[str, int] = field(default_factory=dict)  # rejection reason -> count
    refused: list[str] = field(default_factory=list)  # streams the venue refused to subscribe


FEED_HEALTH_KEY = "feeds"  # the store's state row ``teleglas doctor`` reads


def feed_health(feeds: list[FeedState], now_ms: int | None = None, started_ms: int | None = None) -> dict[str, dict]:
    """What the store keeps of each feed for ``teleglas doctor``: its frames, its rejections by
    reason, the streams the venue refused, its last error, and (wall clock, ms) when its last
    message came and when the service started: enough to say "no frames since …"."""
    def last_ms(f: FeedState) -> int | None:
        age = f.last_message_age_s
        return None if age is None or now_ms is None else now_ms - round(age * 1000)

    return {f.name: {"state": f.state, "frames": f.frames, "rejected": f.rejected, "reasons": dict(f.reasons),
                     "refused": list(f.refused), "detail": f.detail, "last_message_ms": last_ms(f),
                     "started_ms": started_ms} for f in feeds}


@dataclass(slots=True)
class SinkState:
    """Telegram or database health for the header."""

    state: str  # ok / degraded / off / down
    queue: int = 0
    last_ms: int | None = None  # wall-clock ms of the last delivery or commit
    detail: str = ""


@dataclass(slots=True)
class CoinSetting:
    coin: str
    watched: bool
    alerts: bool
    muted_until_ms: int | None  # wall clock


@dataclass(slots=True)
class ServiceSnapshot:
    mode: str  # "LIVE" or "REPLAY"
    speed: float | None
    engine: EngineSnapshot
    feeds: list[FeedState]
    events_per_s: float
    rejected: int
    telegram: SinkState
    database: SinkState
    paused: bool  # alerts paused (Telegram /pause or the UI)
    coins: list[CoinSetting]
