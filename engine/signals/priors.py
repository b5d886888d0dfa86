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

Where it was measured: on the bundled real windows (Binance USD-M, ``../shared/realdata/windows``:
2024-08-17/18, 2025-06-23, 2025-12-18, 2025-12-27 and 2025-12-28, and the 2025-10-22 liquidations
of ``tests/golden``) with the shipped defaults, ``scripts/out_of_sample.py`` measures 11 classes,
n 2 to 17 each (91 outcomes).  Leave-one-window-out, this estimator stated the held-out windows'
hits no better with the table measured on the other windows than with none: Brier 0.274 against
0.286, calibration error 0.162 against 0.148, neither difference beyond noise (paired bootstrap,
95 %: Brier −0.041 to +0.022, calibration error −0.103 to +0.107).  So the table ships empty:
every class starts at 50 % (n 0) and learns from its own outcomes.  Re-run the study on longer
recordings to fill it (README "Signal quality").
"""

from __future__ import annotations

MAX_PRIOR_N = 100

# (type, tier) -> (hits, n): empty, a measured table did not beat it out of sample (above).
PRIORS: dict[tuple[str, int], tuple[int, int]] = {}
