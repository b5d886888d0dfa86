"""The event model: what the venue adapters produce and what the engine emits.

Every amount is USD notional as a float, every time is milliseconds since the epoch (event
time, not wall clock), funding is a fraction per 8 hours (0.0001 = 0.01 %).  Coins are canonical
base assets (``BTC``); ``symbol`` is the canonical instrument (``BTCUSDT``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LONG = "long"  # liquidated position side / signal direction
SHORT = "short"
BUY = "buy"  # taker side of a trade
SELL = "sell"

# Signal types (SPEC.md names): the vocabulary the settings check ``alerts.silent_types`` against.
# Their properties (label, direction, words, silent) are one table, engine.detect.SIGNAL_TYPES,
# declared by the detectors.
STOP_HUNT = "STOP_HUNT"
ACCUMULATION = "ACCUMULATION"
DISTRIBUTION = "DISTRIBUTION"
WHALE_ACCUMULATION = "WHALE_ACCUMULATION"
WHALE_DISTRIBUTION = "WHALE_DISTRIBUTION"
VOLUME_SPIKE = "VOLUME_SPIKE"
FUNDING_EXTREME = "FUNDING_EXTREME"
SIGNAL_NAMES = (STOP_HUNT, ACCUMULATION, DISTRIBUTION, WHALE_ACCUMULATION, WHALE_DISTRIBUTION, VOLUME_SPIKE,
                FUNDING_EXTREME)

@dataclass(frozen=True, slots=True)
class SignalType:
    """One row of the table of signal types (engine.detect.SIGNAL_TYPES), declared by its detector."""

    name: str  # SPEC.md's name, e.g. STOP_HUNT
    label: str  # the signal feed's short label
    directional: bool  # calls a direction (a volume spike only when one side dominates its minute)
    describe: Callable[[dict[str, Any], str | None], list[str]]  # its metrics in words, plain text
    silent: bool = False  # alerts.silent_types by default: shown and stored, never sent


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
    # Event time the stop was first touched before the horizon and before a win: from then on
    # the result is LOSS, whatever comes (shown as it happens, the result only at the horizon).
    stop_ts: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "mfe": self.mfe,
            "mae": self.mae,
            "returns": {str(k): v for k, v in self.returns.items()},
            "stop_ts": self.stop_ts,
        }


@dataclass(slots=True, eq=False)  # identity: the engine hands out the same object on each change
class Signal:
    """One signal episode.  The engine returns the same object again when it changes.

    ``revision`` counts the changes; ``change`` says what the latest one was: ``new`` (first
    emission), ``update`` (the episode grew, absorption arrived, a merge), ``outcome``.

    ``strength`` (0–100) is SPEC.md's score: how big the event is for its tier (``base_strength``
    the detector's own, before the merge bonus and the market-context adjustment).  It is not a
    probability.  ``confidence`` is one: the estimated probability, in percent, that the direction
    is right at ``outcomes.horizon_s`` (engine/signals/confidence.py), from ``confidence_n``
    resolved outcomes of its class; None for a signal without a direction or without an estimate.
    """

    id: str
    ts: int
    coin: str
    tier: int
    type: str
    direction: str | None  # LONG / SHORT, or None (volume spike, funding extreme)
    strength: float
    base_strength: float
    metrics: dict[str, Any]
    entry: float | None = None
    stop: float | None = None
    target: float | None = None
    confidence: float | None = None  # percent: P(direction right at outcomes.horizon_s)
    confidence_n: int = 0  # resolved outcomes behind ``confidence``
    context: MarketContext = field(default_factory=MarketContext)
    blocked: bool = False  # context filter: stored and shown, not sent to Telegram
    # What happened on Telegram: "sent" or why not (engine/alerts/status.py), decided by the alert
    # policy when the signal is emitted and stored with it; "" until then.
    alert: str = ""
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
            "strength": round(self.strength, 2),
            "base_strength": round(self.base_strength, 2),
            "confidence": None if self.confidence is None else round(self.confidence, 2),
            "confidence_n": self.confidence_n,
            "priority": self.priority,
            "metrics": self.metrics,
            "entry": self.entry,
            "stop": self.stop,
            "target": self.target,
            "context": self.context.as_dict(),
            "blocked": self.blocked,
            "alert": self.alert,
            "merged": list(self.merged),
            "outcome": self.outcome.as_dict(),
            "revision": self.revision,
        }


def stored_signal(data: dict[str, Any]) -> dict[str, Any]:
    """A signal's ``as_dict()`` as stored, in today's shape: rows written before ``strength``
    existed kept the score under ``confidence``, and had no probability."""
    if "strength" not in data:
        data["strength"] = data.get("confidence") or 0.0
        data["base_strength"] = data.pop("base_confidence", data["strength"])
        data["confidence"] = None
        data["confidence_n"] = 0
    return data
