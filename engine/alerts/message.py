"""The Telegram message for a signal (SPEC.md, Alerts), rendered from ``Signal.as_dict()``.

One message per signal: priority, direction label and type; coin, tier and strength; the
numbers that triggered it; entry/stop/target with signed distances; the market-context line;
the signal's time in UTC.  The same text is re-rendered on every revision, so an edit shows the
grown cascade, the absorption upgrade or the outcome.  Every value that is not ours is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from engine import format as fmt
from engine.model import (
    ACCUMULATION, DISTRIBUTION, FUNDING_EXTREME, LONG, PENDING, STOP_HUNT, VOLUME_SPIKE,
    WHALE_ACCUMULATION, WHALE_DISTRIBUTION, WIN, LOSS,
)
from engine.symbols import canonical_symbol

PRIORITY_MARK = {"URGENT": "🚨", "WATCH": "👀", "INFO": "ℹ️"}
DIRECTION_LABEL = {LONG: "🟢 LONG", "short": "🔴 SHORT"}
OUTCOME_MARK = {WIN: "✅", LOSS: "❌"}


def render(signal: dict[str, Any]) -> str:
    metrics = signal.get("metrics") or {}
    lines = [
        f"{PRIORITY_MARK.get(signal['priority'], '')} <b>{escape(signal['priority'])} · "
        f"{_label(signal)} · {escape(signal['type'].replace('_', ' '))}</b>",
        f"<b>{escape(canonical_symbol(signal['symbol']))}</b> · tier {signal['tier']} · "
        f"strength <b>{signal['strength']:.0f}</b>",
    ]
    lines += _METRICS.get(signal["type"], _generic)(metrics, signal)
    if signal["type"] != STOP_HUNT and isinstance(metrics.get("stop_hunt"), dict):
        lines += _stop_hunt(metrics["stop_hunt"], signal)
    if signal.get("merged"):
        lines.append("Merged with " + ", ".join(escape(t.replace("_", " ")) for t in signal["merged"]))
    if signal.get("entry") is not None:
        lines.append(_levels(signal))
    lines.append(_context(signal.get("context") or {}))
    outcome = signal.get("outcome") or {}
    if outcome.get("result", PENDING) != PENDING:
        lines.append(_outcome(outcome))
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


def _stop_hunt(m: dict[str, Any], signal: dict[str, Any]) -> list[str]:
    longs = m.get("long_liquidated_usd", 0) >= m.get("short_liquidated_usd", 0)
    lines = [
        f"{'Longs' if longs else 'Shorts'} liquidated {fmt.usd(m.get('liquidated_usd'))} "
        f"({_ratio(m.get('volume_ratio'))} threshold, {fmt.pct(m.get('directional_share'), 0, False)} "
        f"{'long' if longs else 'short'}, {m.get('liquidations', 0)} liquidations)",
    ]
    absorbed = m.get("absorption_usd") or 0
    if m.get("absorbed"):
        lines.append(f"Absorption {fmt.usd(absorbed)} ✅ safe entry")
    elif absorbed:
        lines.append(f"Absorption {fmt.usd(absorbed)} of {fmt.usd(m.get('absorption_threshold_usd'))} needed")
    if m.get("zone_low") is not None:
        lines.append(f"Sweep zone {fmt.price(m.get('zone_low'))} – {fmt.price(m.get('zone_high'))}")
    return lines


def _order_flow(m: dict[str, Any], signal: dict[str, Any]) -> list[str]:
    return [
        f"Buy ratio {fmt.pct(m.get('buy_ratio'), 0, False)} (5m) · taker buys {fmt.usd(m.get('buy_usd'))}"
        f" / sells {fmt.usd(m.get('sell_usd'))}",
        f"Large orders {m.get('large_buys', 0)} buys vs {m.get('large_sells', 0)} sells · "
        f"{m.get('trades', 0)} trades",
    ]


def _whale(m: dict[str, Any], signal: dict[str, Any]) -> list[str]:
    return [
        f"Large buys {m.get('large_buys', 0)} ({fmt.usd(m.get('large_buy_usd'))}) vs sells "
        f"{m.get('large_sells', 0)} ({fmt.usd(m.get('large_sell_usd'))}) in 5m",
        f"{fmt.pct(m.get('share'), 0, False)} of large orders are "
        f"{'buys' if signal.get('direction') == LONG else 'sells'}",
    ]


def _volume_spike(m: dict[str, Any], signal: dict[str, Any]) -> list[str]:
    buyers = m.get("dominant_side") == "buy"
    share = m.get("buy_share")
    side_share = share if buyers or share is None else 1 - share
    return [
        f"Volume {fmt.usd(m.get('recent_usd'))} in the last minute = {_ratio(m.get('ratio'))} the per-minute "
        f"average {fmt.usd(m.get('baseline_usd_per_window'))}",
        f"{'Buyers' if buyers else 'Sellers'} dominate ({fmt.pct(side_share, 0, False)} of volume)",
    ]


def _funding_extreme(m: dict[str, Any], signal: dict[str, Any]) -> list[str]:
    oi = m.get("oi_change")
    return [
        f"Funding {fmt.funding(m.get('funding'))} per 8h: {escape(str(m.get('payer', '?')))} pay",
        f"OI change {fmt.pct(oi) if oi is not None else 'unknown'}",
    ]


def _generic(m: dict[str, Any], signal: dict[str, Any]) -> list[str]:
    shown = [f"{escape(str(k))} {escape(str(v))}" for k, v in m.items() if not isinstance(v, dict)]
    return [" · ".join(shown)] if shown else []


_METRICS: dict[str, Callable[[dict[str, Any], dict[str, Any]], list[str]]] = {
    STOP_HUNT: _stop_hunt,
    ACCUMULATION: _order_flow,
    DISTRIBUTION: _order_flow,
    WHALE_ACCUMULATION: _whale,
    WHALE_DISTRIBUTION: _whale,
    VOLUME_SPIKE: _volume_spike,
    FUNDING_EXTREME: _funding_extreme,
}


def _levels(signal: dict[str, Any]) -> str:
    entry = signal["entry"]
    return (f"Entry {fmt.price(entry)} · Stop {fmt.price(signal.get('stop'))} "
            f"({fmt.change(entry, signal.get('stop'))}) · Target {fmt.price(signal.get('target'))} "
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
    line = (f"Outcome {OUTCOME_MARK.get(result, '➖')} <b>{escape(result)}</b> · best {fmt.pct(o.get('mfe'))}"
            f" · worst {fmt.pct(-abs(o.get('mae') or 0))}")
    return f"{line}\n{shown}" if shown else line


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}×"
