"""The event model: what the venue adapters produce and what the engine emits.

Every amount is USD notional as a float, every time is milliseconds since the epoch (event
time, not wall clock), funding is a fraction per 8 hours (0.0001 = 0.01 %).  Coins are canonical
base assets (``BTC``); ``symbol`` is the canonical instrument (``BTCUSDT``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LONG = "long"  # liquidated position side / signal direction
SHORT = "short"
BUY = "buy"  # taker side of a trade
SELL = "sell"

# Signal types (SPEC.md names).
STOP_HUNT = "STOP_HUNT"
ACCUMULATION = "ACCUMULATION"
DISTRIBUTION = "DISTRIBUTION"
WHALE_ACCUMULATION = "WHALE_ACCUMULATION"
WHALE_DISTRIBUTION = "WHALE_DISTRIBUTION"
VOLUME_SPIKE = "VOLUME_SPIKE"
FUNDING_EXTREME = "FUNDING_EXTREME"
SIGNAL_TYPES = (
    STOP_HUNT,
    ACCUMULATION,
    DISTRIBUTION,
    WHALE_ACCUMULATION,
    WHALE_DISTRIBUTION,
    VOLUME_SPIKE,
    FUNDING_EXTREME,
)

# Market-context assessments.
FAVORABLE = "FAVORABLE"
NEUTRAL = "NEUTRAL"
UNFAVORABLE = "UNFAVORABLE"

# Outcomes.
PENDING = "PENDING"
WIN = "WIN"
LOSS = "LOSS"
FLAT = "FLAT"
UNKNOWN = "UNKNOWN"


@dataclass(slots=True)
class Liquidation:
    ts: int
    venue: str
    coin: str
    side: str  # LONG or SHORT: the position that was liquidated
    price: float
    usd: float


@dataclass(slots=True)
class Trade:
    ts: int
    venue: str
    coin: str
    side: str  # BUY or SELL: the taker's side
    price: float
    usd: float


@dataclass(slots=True)
class Context:
    """One open-interest and/or funding observation for a coin (aggregated across venues), with the
    venue's mark price when it sends one."""

    ts: int
    venue: str
    coin: str
    oi_usd: float | None = None
    funding: float | None = None
    price: float | None = None  # mark price: a market price for the flow table and outcomes


Event = Liquidation | Trade | Context


@dataclass(slots=True)
class Rejection:
    """A frame or part of one that an adapter could not use, with the reason."""

    reason: str
    src: str = ""


@dataclass(slots=True)
class MarketContext:
    """The context a signal was weighed against (SPEC.md, Market context)."""

    assessment: str = NEUTRAL
    funding: float | None = None
    funding_view: str = "none"  # neutral / mild / favorable / caution / none
    oi_change: float | None = None  # fraction over the OI window
    oi_view: str = "none"  # squeeze / confirming / weak / neutral / none
    adjustment: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "assessment": self.assessment,
            "funding": self.funding,
            "funding_view": self.funding_view,
            "oi_change": self.oi_change,
            "oi_view": self.oi_view,
            "adjustment": self.adjustment,
        }


@dataclass(slots=True)
class Outcome:
    """How the market moved after a directional signal (SPEC.md, Outcomes)."""

    result: str = PENDING
    mfe: float = 0.0  # maximum favourable excursion, fraction of entry
    mae: float = 0.0  # maximum adverse excursion, fraction of entry (>= 0)
    returns: dict[int, float] = field(default_factory=dict)  # seconds after -> return
    done: bool = False  # every return horizon has been seen

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "mfe": self.mfe,
            "mae": self.mae,
            "returns": {str(k): v for k, v in self.returns.items()},
        }


@dataclass(slots=True, eq=False)  # identity: the engine hands out the same object on each change
class Signal:
    """One signal episode.  The engine returns the same object again when it changes.

    ``revision`` counts the changes; ``change`` says what the latest one was: ``new`` (first
    emission), ``update`` (the episode grew, absorption arrived, a merge), ``outcome``.
    """

    id: str
    ts: int
    coin: str
    tier: int
    type: str
    direction: str | None  # LONG / SHORT, or None (volume spike, funding extreme)
    confidence: float
    base_confidence: float
    metrics: dict[str, Any]
    entry: float | None = None
    stop: float | None = None
    target: float | None = None
    context: MarketContext = field(default_factory=MarketContext)
    blocked: bool = False  # context filter: stored and shown, not sent to Telegram
    held: bool = False  # the alert budget kept it from Telegram: stored and shown all the same
    merged: list[str] = field(default_factory=list)  # types merged into this one
    outcome: Outcome = field(default_factory=Outcome)
    priority: str = "INFO"
    revision: int = 0
    change: str = "new"
    updated_ts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ts": self.ts,
            "symbol": self.coin,
            "tier": self.tier,
            "type": self.type,
            "direction": self.direction,
            "confidence": round(self.confidence, 2),
            "base_confidence": round(self.base_confidence, 2),
            "priority": self.priority,
            "metrics": self.metrics,
            "entry": self.entry,
            "stop": self.stop,
            "target": self.target,
            "context": self.context.as_dict(),
            "blocked": self.blocked,
            "held": self.held,
            "merged": list(self.merged),
            "outcome": self.outcome.as_dict(),
            "revision": self.revision,
        }
