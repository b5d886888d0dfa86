"""The prior of each signal class's hit rate: what the confidence estimator starts from.

``PRIORS`` maps ``(type, tier)`` to ``(hits, n)``: ``n`` directional signals of that class whose
return at ``outcomes.horizon_s`` was known, ``hits`` of them right (the quality report's hit: a
return > 0).  An entry is a prior of exactly that weight: it counts as ``n`` outcomes already seen,
on top of the uniform Beta(1, 1) every class starts from, and it is part of the ``confidence_n``
a signal shows.  A class without an entry starts at 50 % with n 0.

How strong a prior may be: it was measured elsewhere (other coins, another market), so it should
weigh no more than the outcomes a class gathers by itself in a few days, and the estimator caps
it at :data:`MAX_PRIOR_N` (keeping its rate): after that many outcomes of its own a class is half
its own measurement, and after ten times that it is all its own.  An entry must have
``0 <= hits <= n``.

Where it was measured: nowhere yet.  This is the uniform table: every class starts at 50 %
(n 0).  The study (``scripts/``) fills measured entries with the windows they come from.
"""

from __future__ import annotations

MAX_PRIOR_N = 100

# (type, tier) -> (hits, n): the uniform table, no class measured yet.
PRIORS: dict[tuple[str, int], tuple[int, int]] = {}
