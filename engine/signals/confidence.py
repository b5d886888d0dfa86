"""Confidence: the probability that a signal's direction is right (SPEC.md, "Strength and
confidence"; issue 17).

A signal's ``confidence`` is the estimated probability, in percent, that its direction is right at
``outcomes.horizon_s``, with the quality report's definition of a hit
(:func:`engine.signals.quality.is_hit` on the signal's directional return at that horizon).  It is
estimated per class — signal type × tier; no finer, because no class has the outcomes yet to split
it by context or size — as the mean of a Beta-binomial posterior: the uniform Beta(1, 1), plus the
class's prior from :mod:`engine.signals.priors` (``(hits, n)``, a prior of weight ``n``, capped at
``MAX_PRIOR_N``), plus every outcome of that class the engine resolved, in event order.
``confidence_n`` is the number of outcomes behind it: the class's own plus its prior's measured n.

No look-ahead: a signal's confidence is read when it is emitted (and again when a merge makes it
another class), from the outcomes resolved before that moment, and not revised later.  Outcomes
resolve in event time (at the horizon, when the engine's clock passes it), so live, replay and
backtest give the same numbers for the same events; the counts are engine state, saved by the
store and carried across a looping replay.  A signal without a direction has no confidence, and
one whose return at the horizon never came (the data ended, no price) teaches nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from engine.model import Signal
from engine.signals.priors import MAX_PRIOR_N, PRIORS
from engine.signals.quality import is_hit


def class_key(signal_type: str, tier: int) -> str:
    return f"{signal_type}/{tier}"


class ConfidenceBook:
    """Per class: the outcomes resolved so far (``[hits, n]``) over the class's prior."""

    def __init__(self, horizon_s: float, priors: Mapping[tuple[str, int], tuple[int, int]] = PRIORS) -> None:
        self.horizon = int(horizon_s)
        self.priors: dict[str, tuple[float, float]] = {}
        for (signal_type, tier), (hits, n) in priors.items():
            if not 0 <= hits <= n:
                raise ValueError(f"prior for {signal_type}/{tier}: hits {hits} not within 0..{n}")
            scale = min(1.0, MAX_PRIOR_N / n) if n else 0.0
            self.priors[class_key(signal_type, tier)] = (hits * scale, n * scale)
        self.counts: dict[str, list[int]] = {}

    def posterior(self, signal_type: str, tier: int) -> tuple[float, float, int]:
        """``(alpha, beta, n)``: the class's Beta posterior and the outcomes behind it."""
        key = class_key(signal_type, tier)
        prior_hits, prior_n = self.priors.get(key, (0.0, 0.0))
        hits, n = self.counts.get(key, (0, 0))
        return 1.0 + prior_hits + hits, 1.0 + (prior_n - prior_hits) + (n - hits), n + round(prior_n)

    def estimate(self, signal_type: str, tier: int) -> tuple[float, int]:
        """The class's probability of a hit, in percent, and its n."""
        alpha, beta, n = self.posterior(signal_type, tier)
        return 100.0 * alpha / (alpha + beta), n

    def lower(self, signal_type: str, tier: int, q: float = 0.05) -> float:
        """The posterior's ``q`` quantile of the hit rate, in percent."""
        alpha, beta, _ = self.posterior(signal_type, tier)
        return 100.0 * beta_quantile(q, alpha, beta)

    def record(self, signal: Signal) -> bool:
        """Count a resolved directional signal; False when its horizon's return is unknown."""
        r = signal.outcome.returns.get(self.horizon)
        if signal.direction is None or r is None:
            return False
        row = self.counts.setdefault(class_key(signal.type, signal.tier), [0, 0])
        row[0] += is_hit(r)
        row[1] += 1
        return True

    def export_state(self) -> dict:
        return {key: list(row) for key, row in self.counts.items()}

    def load_state(self, state: Mapping) -> None:
        counts = {}
        for key, (hits, n) in state.items():
            hits, n = int(hits), int(n)
            if not 0 <= hits <= n:
                raise ValueError(f"confidence state {key}: {hits} hits of {n}")
            counts[str(key)] = [hits, n]
        self.counts = counts


def beta_quantile(q: float, a: float, b: float) -> float:
    """The ``q`` quantile of Beta(a, b), by bisection on the regularized incomplete beta."""
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if _incomplete_beta(mid, a, b) < q:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _incomplete_beta(x: float, a: float, b: float) -> float:
    """Regularized incomplete beta I_x(a, b) (continued fraction, modified Lentz)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast only on this side
        return 1.0 - _incomplete_beta(1.0 - x, b, a)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    f = d
    for m in range(1, 300):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            f *= c * d
        if abs(c * d - 1.0) < 1e-12:
            break
    return front * f / a
