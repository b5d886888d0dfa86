"""The Telegram message for a signal (SPEC.md, Alerts), rendered from ``Signal.as_dict()``.

One message per signal, in words that are true: priority, direction label and type; coin, tier
and strength (SPEC's score: how big the event is for its tier, not a probability); how often this
kind of signal was right, as measured ("This kind: 47% right at +15m (n 212)", or that it is not
measured yet); the numbers that triggered it, in each type's own words (the table of signal types,
``engine.detect.SIGNAL_TYPES``: each detector's ``describe``: USD, venues, zone, absorption); the
levels the outcome is measured against, as levels with signed distances; the market-context line;
the outcome once known (with when the stop was touched); the signal's time in UTC.  No advice
("safe entry") and no bare confidence.  The same text is re-rendered on every revision, so an
edit shows the grown cascade, the absorption or the outcome.  Every value that is not ours is
escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from engine import format as fmt
from engine.detect import SIGNAL_TYPES
from engine.model import LONG, LOSS, PENDING, STOP_HUNT, VOLUME_SPIKE, WIN
from engine.symbols import canonical_symbol

PRIORITY_MARK = {"URGENT": "🚨", "WATCH": "👀", "INFO": "ℹ️"}
DIRECTION_LABEL = {LONG: "🟢 LONG", "short": "🔴 SHORT"}
OUTCOME_MARK = {WIN: "✅", LOSS: "❌"}


def render(signal: dict[str, Any], horizon_s: float) -> str:
    """The message; ``horizon_s`` is ``outcomes.horizon_s``, the horizon a confidence is about."""
    metrics = signal.get("metrics") or {}
    lines = [
        f"{PRIORITY_MARK.get(signal['priority'], '')} <b>{escape(signal['priority'])} · "
        f"{_label(signal)} · {escape(signal['type'].replace('_', ' '))}</b>",
        f"<b>{escape(canonical_symbol(signal['symbol']))}</b> · tier {signal['tier']} · "
        f"strength <b>{signal['strength']:.0f}</b>/100",
    ]
    if signal.get("direction"):
        lines.append(this_kind(signal.get("confidence"), signal.get("confidence_n") or 0, horizon_s))
    lines += _metrics(signal["type"], metrics, signal)
    if signal["type"] != STOP_HUNT and isinstance(metrics.get("stop_hunt"), dict):
        lines += _metrics(STOP_HUNT, metrics["stop_hunt"], signal)
    if signal.get("merged"):
        lines.append("Merged with " + ", ".join(escape(t.replace("_", " ")) for t in signal["merged"]))
    if signal.get("entry") is not None:
        lines.append(_levels(signal))
    lines.append(_context(signal.get("context") or {}))
    outcome = signal.get("outcome") or {}
    if outcome.get("result", PENDING) != PENDING:
        lines.append(_outcome(outcome))
    elif outcome.get("stop_ts"):
        lines.append(f"Stop touched at {fmt.utc_time(outcome['stop_ts'])[11:]}: a LOSS at the horizon")
    if signal.get("blocked"):
        lines.append("⛔ blocked by the market-context filter")
    lines.append(f"🕒 {fmt.utc_time(signal['ts'])}")
    return "\n".join(lines)


def _label(signal: dict[str, Any]) -> str:
    if signal["direction"] in DIRECTION_LABEL:
        return DIRECTION_LABEL[signal["direction"]]
    if signal["type"] == VOLUME_SPIKE:
        return "📊"
    return "⚠️"


def _metrics(signal_type: str, m: dict[str, Any], signal: dict[str, Any]) -> list[str]:
    """The type's own words for its metrics (the table of signal types), escaped."""
    row = SIGNAL_TYPES.get(signal_type)
    if row is None:
        shown = [f"{k} {v}" for k, v in m.items() if not isinstance(v, dict)]
        lines = [" · ".join(shown)] if shown else []
    else:
        lines = row.describe(m, signal.get("direction"))
    return [escape(line) for line in lines]


def this_kind(confidence: float | None, n: int, horizon_s: float) -> str:
    """How often signals of this class (type × tier) were right at the horizon, as measured:
    the stated probability with the outcomes behind it, never a bare number."""
    if confidence is None:
        return "This kind: no estimate"
    if not n:
        return "This kind: not measured yet (n 0)"
    return f"This kind: {confidence:.0f}% right at +{fmt.duration(horizon_s)} (n {n})"


def _levels(signal: dict[str, Any]) -> str:
    """The levels the outcome is measured against (SPEC's entry, stop and target), as levels."""
    entry = signal["entry"]
    return (f"Levels: from {fmt.price(entry)} · stop {fmt.price(signal.get('stop'))} "
            f"({fmt.change(entry, signal.get('stop'))}) · target {fmt.price(signal.get('target'))} "
            f"({fmt.change(entry, signal.get('target'))})")


def _context(c: dict[str, Any]) -> str:
    parts = []
    if c.get("funding") is not None:
        parts.append(f"funding {fmt.funding(c['funding'])} ({escape(str(c.get('funding_view')))})")
    if c.get("oi_change") is not None:
        parts.append(f"OI {fmt.pct(c['oi_change'])} ({escape(str(c.get('oi_view')))})")
    detail = " · ".join(parts) if parts else "no funding/OI data yet"
    return f"Context <b>{escape(str(c.get('assessment', 'NEUTRAL')))}</b>: {detail}"


def _outcome(o: dict[str, Any]) -> str:
    result = o["result"]
    returns = o.get("returns") or {}
    shown = " · ".join(f"{fmt.duration(int(k))} {fmt.pct(v)}" for k, v in sorted(returns.items(), key=lambda kv: int(kv[0])))
    touched = f" · stop touched at {fmt.utc_time(o['stop_ts'])[11:]}" if o.get("stop_ts") else ""
    line = (f"Outcome {OUTCOME_MARK.get(result, '➖')} <b>{escape(result)}</b>{touched} · best {fmt.pct(o.get('mfe'))}"
            f" · worst {fmt.pct(-abs(o.get('mae') or 0))}")
    return f"{line}\n{shown}" if shown else line
