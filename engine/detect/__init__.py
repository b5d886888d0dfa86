"""The detectors of SPEC.md, one module each, and the one table of signal types.

A detector is a :class:`engine.detect.base.Detector`: it owns its per-coin state (episodes, hysteresis, its own
windows where no other detector shares them), reads the coin's shared market
(:class:`engine.market.Market`: price, the trade windows of the spans the detectors asked for,
context) and proposes candidates to the signal path (:class:`engine.signals.path.SignalPath`),
which merges, gates, scores and tracks them.  It declares the signal types it emits
(:class:`engine.model.SignalType`: name, label, whether it calls a direction, the words for its
metrics, silent by default), so a new detector is its own module plus its settings section, a
line in :data:`DETECTORS` and its type names in ``engine.model.SIGNAL_NAMES`` (the vocabulary the
settings check ``alerts.silent_types`` against; a test keeps it equal to the table).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.detect.base import Detector
from engine.model import SignalType

if TYPE_CHECKING:
    from engine.market import WindowPlan
    from engine.settings import Settings
    from engine.signals.path import SignalPath


def detectors(settings: Settings, plan: WindowPlan, path: SignalPath,
              classes: tuple[type[Detector], ...] | None = None) -> list[Detector]:
    """One of each (of :data:`DETECTORS` unless ``classes``), in the order the engine calls them."""
    return [cls(settings, plan, path) for cls in (DETECTORS if classes is None else classes)]


def _registry() -> tuple[type[Detector], ...]:
    from engine.detect.funding_extreme import FundingExtremeDetector
    from engine.detect.order_flow import OrderFlowDetector
    from engine.detect.stop_hunt import StopHuntDetector
    from engine.detect.volume_spike import VolumeSpikeDetector
    from engine.detect.whale import WhaleDetector

    return (StopHuntDetector, OrderFlowDetector, WhaleDetector, VolumeSpikeDetector, FundingExtremeDetector)


DETECTORS = _registry()
SIGNAL_TYPES: dict[str, SignalType] = {t.name: t for cls in DETECTORS for t in cls.types}


def signal_type(name: str) -> SignalType | None:
    return SIGNAL_TYPES.get(name)
