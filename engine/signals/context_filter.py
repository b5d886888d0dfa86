"""Market-context assessment and filter modes (SPEC.md, Signal path 4).

Funding, for a LONG: |rate| < ``funding_neutral`` is neutral; rate > ``funding_crowded`` (longs
crowded) is CAUTION; rate < 0 is favourable; anything else is mild.  SHORT mirrors it.
OI change over ``oi_window_s``: > ``oi_squeeze`` squeeze risk, > ``oi_confirming`` confirming,
< ``oi_weak`` weak, else neutral.
Assessment: CAUTION funding → UNFAVORABLE; favourable funding with confirming or neutral OI →
FAVORABLE; otherwise NEUTRAL.  Adjustment: FAVORABLE +5, UNFAVORABLE −10, NEUTRAL +2 when OI
confirms, −3 on squeeze risk, else 0.
Modes: ``strict`` alerts FAVORABLE only, ``normal`` blocks UNFAVORABLE, ``permissive`` blocks
nothing.  No context yet → NEUTRAL and never blocked.  A signal without a direction (volume spike,
funding extreme) is assessed on OI alone: NEUTRAL with the OI adjustment.
"""

from __future__ import annotations

from engine.model import FAVORABLE, LONG, NEUTRAL, UNFAVORABLE, MarketContext
from engine.settings import ContextSettings


def funding_view(rate: float | None, direction: str | None, s: ContextSettings) -> str:
    if rate is None or direction is None:
        return "none"
    if abs(rate) < s.funding_neutral:
        return "neutral"
    lean = rate if direction == LONG else -rate  # positive: the signal's side is the crowded one
    if lean > s.funding_crowded:
        return "caution"
    if lean < 0:
        return "favorable"
    return "mild"


def oi_view(change: float | None, s: ContextSettings) -> str:
    if change is None:
        return "none"
    if change > s.oi_squeeze:
        return "squeeze"
    if change > s.oi_confirming:
        return "confirming"
    if change < s.oi_weak:
        return "weak"
    return "neutral"


def assess(rate: float | None, change: float | None, direction: str | None,
           s: ContextSettings) -> MarketContext:
    fview = funding_view(rate, direction, s)
    oview = oi_view(change, s)
    if fview == "caution":
        assessment, adjustment = UNFAVORABLE, -10.0
    elif fview == "favorable" and oview in ("confirming", "neutral", "none"):
        assessment, adjustment = FAVORABLE, 5.0
    else:
        assessment = NEUTRAL
        adjustment = 2.0 if oview == "confirming" else -3.0 if oview == "squeeze" else 0.0
    return MarketContext(assessment, rate, fview, change, oview, adjustment)


def blocked(context: MarketContext, mode: str) -> bool:
    """Whether the filter keeps this signal from Telegram."""
    if context.funding_view == "none" and context.oi_view == "none":
        return False  # no context yet
    if mode == "strict":
        return context.assessment != FAVORABLE
    if mode == "normal":
        return context.assessment == UNFAVORABLE
    return False
