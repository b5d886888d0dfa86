"""Signal quality: how often each signal type's direction was right, against a baseline.

Pure functions over signal records; used by ``teleglas backtest --report`` (and ``--json``) and by
the TUI's statistics screen over the live database.

API (stable):

``build_report(signals, covered_minutes=None, tape=None, *, horizons=HORIZONS, seed=0,
baseline_samples=20) -> QualityReport``
    ``signals``: :class:`engine.model.Signal` objects or their ``as_dict()`` form — which is what
    the database's ``signals.data`` column holds (a JSON string there; pass ``orjson.loads`` of it,
    or the string itself).  ``covered_minutes``: the number of distinct minutes that hold events
    (:func:`covered_minutes` counts them from timestamps); without it the per-hour figures are
    None.  ``tape``: a :class:`PriceTape` of the same period for the baseline; without it the
    baseline figures are None (omit the column).  The live database keeps liquidation prices but
    not trades, so a tape built from its ``liquidations`` rows is coarser than a backtest's (which
    sees every trade): say so where it is shown.
``QualityReport.as_dict()``: plain data (the ``quality`` object of ``backtest --json``).  Each
group also counts ``sent`` and ``held``: signals whose alert status (``Signal.alert``, stored in
``signals.data``) says they went to Telegram, or that the alert budget kept them back (rows
written before the status existed count by their old ``held`` flag).
``format_report(report) -> str``: the printed tables.
``hit_rate_chart(report, horizon=900, width=72, height=None, colorless=True) -> str`` and
``calibration_chart(report, width=72, height=14, colorless=True) -> str``: plotext
charts as plain strings (ANSI colours unless ``colorless``); an empty report gives a one-line note.

Definitions.  A record's *directional return* at a horizon is the signal's ``outcome.returns``
entry (already signed: positive when price moved the signal's way); a *hit* is a return > 0, so an
unchanged price is a miss.  Signals without a direction (funding extremes, and volume spikes when
neither side dominated) are counted but have no hit rates.  Rates carry a 95 % Wilson interval
and their ``n``.  Per hour = count / (covered minutes / 60).  The *baseline* answers "would the
same direction on the same coin at a random moment have done as well?": for every directional
signal, ``baseline_samples`` moments drawn from its coin's price points in the tape (a
deterministic ``random.Random(seed)``), each measured like the engine measures outcomes — entry at
the last price at or before the moment, the return at the last price at or before moment +
horizon, only where the tape still has the coin's prices at or after that time.  An edge is the
difference between a type's hit rate and its baseline's.  Calibration: directional signals by
confidence bucket (the stated probability; signals without one are left out) → hit rate at
``horizon`` and WIN share of decided outcomes.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

HORIZONS = (60, 300, 900, 3600)
RESULTS = ("WIN", "LOSS", "FLAT", "UNKNOWN")
CONFIDENCE_BUCKETS = (0, 70, 75, 80, 85, 90, 100)  # edges; the last bucket includes 100
Z95 = 1.959964


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """What the report needs of one signal."""

    ts: int
    coin: str
    tier: int
    type: str
    direction: str | None
    confidence: float | None  # the stated probability (percent); None: no estimate
    result: str
    mfe: float
    mae: float
    returns: dict[int, float]
    alert: str = ""  # what happened on Telegram (engine/alerts/status.py)


def record_of(signal: Any) -> SignalRecord:
    """A :class:`Signal`, its ``as_dict()`` or that dict as JSON text → :class:`SignalRecord`."""
    if isinstance(signal, (str, bytes)):
        signal = orjson.loads(signal)
    if isinstance(signal, dict):
        outcome = signal.get("outcome") or {}
        return SignalRecord(
            ts=int(signal["ts"]), coin=str(signal.get("symbol") or signal.get("coin")),
            tier=int(signal.get("tier") or 3), type=str(signal["type"]), direction=signal.get("direction"),
            confidence=None if signal.get("confidence") is None else float(signal["confidence"]),
            result=str(outcome.get("result") or "PENDING"),
            mfe=float(outcome.get("mfe") or 0.0), mae=float(outcome.get("mae") or 0.0),
            returns={int(k): float(v) for k, v in (outcome.get("returns") or {}).items()},
            alert=str(signal.get("alert") or ("held" if signal.get("held") else "")),
        )
    outcome = signal.outcome
    return SignalRecord(signal.ts, signal.coin, signal.tier, signal.type, signal.direction,
                        signal.confidence, outcome.result, outcome.mfe, outcome.mae,
                        dict(outcome.returns), signal.alert)


def is_hit(directional_return: float) -> bool:
    """The report's hit: price moved the signal's way (an unchanged price is a miss).  The engine's
    confidence estimator counts hits with this same function."""
    return directional_return > 0


def covered_minutes(timestamps: Iterable[int]) -> int:
    """Distinct minutes that hold at least one of ``timestamps`` (ms)."""
    return len({ts // 60_000 for ts in timestamps})


class PriceTape:
    """Every price seen per coin in time order: the baseline's market.

    ``add`` expects roughly increasing times (venues interleave a little); the first read sorts."""

    def __init__(self) -> None:
        self._points: dict[str, tuple[list[int], list[float]]] = {}
        self._sorted = True

    def add(self, coin: str, ts: int, price: float) -> None:
        if price <= 0:
            return
        points = self._points.get(coin)
        if points is None:
            points = self._points[coin] = ([], [])
        times, prices = points
        if times and ts < times[-1]:
            self._sorted = False
        times.append(ts)
        prices.append(price)

    def _ready(self) -> None:
        if self._sorted:
            return
        for coin, (times, prices) in self._points.items():
            pairs = sorted(zip(times, prices), key=lambda p: p[0])
            self._points[coin] = ([p[0] for p in pairs], [p[1] for p in pairs])
        self._sorted = True

    def times(self, coin: str) -> list[int]:
        self._ready()
        points = self._points.get(coin)
        return points[0] if points else []

    def price_at(self, coin: str, ts: int) -> float | None:
        """The last price at or before ``ts``."""
        self._ready()
        points = self._points.get(coin)
        if not points:
            return None
        i = bisect_right(points[0], ts)
        return points[1][i - 1] if i else None

    def covers(self, coin: str, ts: int) -> bool:
        """Whether the coin has a price at or after ``ts`` (the data did not end before it)."""
        times = self.times(coin)
        return bool(times) and bisect_left(times, ts) < len(times)


@dataclass(frozen=True, slots=True)
class Rate:
    hits: int
    n: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """95 % Wilson score interval."""
        if not self.n:
            return None
        p, n = self.hits / self.n, self.n
        centre = (p + Z95 * Z95 / (2 * n)) / (1 + Z95 * Z95 / n)
        half = Z95 * math.sqrt(p * (1 - p) / n + Z95 * Z95 / (4 * n * n)) / (1 + Z95 * Z95 / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def as_dict(self) -> dict:
        interval = self.interval
        return {"hits": self.hits, "n": self.n, "rate": _round(self.rate),
                "low": _round(interval and interval[0]), "high": _round(interval and interval[1])}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class Returns:
    """Directional returns by horizon: hit rate and mean."""

    by_horizon: dict[int, list[float]] = field(default_factory=dict)

    def add(self, horizon: int, r: float) -> None:
        self.by_horizon.setdefault(horizon, []).append(r)

    def hit(self, horizon: int) -> Rate:
        values = self.by_horizon.get(horizon, [])
        return Rate(sum(1 for r in values if is_hit(r)), len(values))

    def mean_bps(self, horizon: int) -> float | None:
        mean = _mean(self.by_horizon.get(horizon, []))
        return None if mean is None else mean * 1e4

    def as_dict(self, horizons: tuple[int, ...]) -> dict:
        return {str(h): {**self.hit(h).as_dict(), "mean_bps": _round(self.mean_bps(h), 2)} for h in horizons}


@dataclass
class Group:
    """One row of the report: a signal type, a tier, or everything."""

    key: str
    count: int = 0
    directional: int = 0
    sent: int = 0
    held: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESULTS, 0))
    mfe: list[float] = field(default_factory=list)
    mae: list[float] = field(default_factory=list)
    returns: Returns = field(default_factory=Returns)
    baseline: Returns | None = None
    per_hour: float | None = None

    def add(self, r: SignalRecord) -> None:
        self.count += 1
        self.sent += r.alert == "sent"
        self.held += r.alert == "held"
        if r.direction is None:
            return
        self.directional += 1
        if r.result in self.outcomes:
            self.outcomes[r.result] += 1
        if r.result in ("WIN", "LOSS", "FLAT"):
            self.mfe.append(r.mfe)
            self.mae.append(r.mae)
        for horizon, value in r.returns.items():
            self.returns.add(horizon, value)

    def as_dict(self, horizons: tuple[int, ...]) -> dict:
        mfe, mae = _mean(self.mfe), _mean(self.mae)
        return {
            "count": self.count, "directional": self.directional, "sent": self.sent, "held": self.held,
            "per_hour": _round(self.per_hour, 2), "outcomes": dict(self.outcomes),
            "mfe_bps": _round(mfe and mfe * 1e4, 1), "mae_bps": _round(mae and mae * 1e4, 1),
            "returns": self.returns.as_dict(horizons),
            "baseline": self.baseline.as_dict(horizons) if self.baseline is not None else None,
        }


@dataclass
class CalibrationRow:
    bucket: str
    hit: Rate
    win: Rate  # WIN among decided outcomes (WIN, LOSS, FLAT)

    def as_dict(self) -> dict:
        return {"bucket": self.bucket, "hit": self.hit.as_dict(), "win": self.win.as_dict()}


@dataclass
class QualityReport:
    horizons: tuple[int, ...]
    calibration_horizon: int
    signals: int
    covered_minutes: int | None
    overall: Group
    by_type: dict[str, Group]
    by_tier: dict[str, Group]
    calibration: list[CalibrationRow]
    baseline_samples: int
    seed: int

    @property
    def covered_hours(self) -> float | None:
        return self.covered_minutes / 60 if self.covered_minutes else None

    @property
    def per_hour(self) -> float | None:
        return self.overall.per_hour

    def edge(self, signal_type: str, horizon: int = 900) -> float | None:
        """Hit rate of ``signal_type`` minus its baseline's at ``horizon`` (None when unknown)."""
        group = self.by_type.get(signal_type)
        if group is None or group.baseline is None:
            return None
        ours, theirs = group.returns.hit(horizon).rate, group.baseline.hit(horizon).rate
        return None if ours is None or theirs is None else ours - theirs

    def as_dict(self) -> dict:
        h = self.horizons
        return {
            "horizons_s": list(h), "calibration_horizon_s": self.calibration_horizon,
            "signals": self.signals, "covered_minutes": self.covered_minutes,
            "per_hour": _round(self.per_hour, 2), "baseline_samples": self.baseline_samples,
            "seed": self.seed, "overall": self.overall.as_dict(h),
            "by_type": {k: g.as_dict(h) for k, g in self.by_type.items()},
            "by_tier": {k: g.as_dict(h) for k, g in self.by_tier.items()},
            "calibration": [row.as_dict() for row in self.calibration],
        }


def build_report(signals: Iterable[Any], covered_minutes: int | None = None, tape: PriceTape | None = None,
                 *, horizons: tuple[int, ...] = HORIZONS, calibration_horizon: int = 900, seed: int = 0,
                 baseline_samples: int = 20) -> QualityReport:
    records = sorted((record_of(s) for s in signals), key=lambda r: (r.ts, r.coin, r.type))
    overall = Group("all")
    by_type: dict[str, Group] = {}
    by_tier: dict[str, Group] = {}
    for r in records:
        overall.add(r)
        by_type.setdefault(r.type, Group(r.type)).add(r)
        by_tier.setdefault(f"tier {r.tier}", Group(f"tier {r.tier}")).add(r)
    groups = [overall, *by_type.values(), *by_tier.values()]
    if covered_minutes:
        for g in groups:
            g.per_hour = g.count / (covered_minutes / 60)
    if tape is not None:
        for g in groups:
            g.baseline = Returns()
        rng = random.Random(seed)
        for r in records:
            if r.direction is None:
                continue
            sample = _baseline(r, tape, rng, horizons, baseline_samples)
            for g in (overall, by_type[r.type], by_tier[f"tier {r.tier}"]):
                for horizon, value in sample:
                    g.baseline.add(horizon, value)  # type: ignore[union-attr]
    return QualityReport(
        horizons=tuple(horizons), calibration_horizon=calibration_horizon, signals=len(records),
        covered_minutes=covered_minutes, overall=overall,
        by_type=dict(sorted(by_type.items(), key=lambda kv: -kv[1].count)),
        by_tier=dict(sorted(by_tier.items())),
        calibration=_calibration(records, calibration_horizon), baseline_samples=baseline_samples, seed=seed,
    )


def _baseline(r: SignalRecord, tape: PriceTape, rng: random.Random, horizons: tuple[int, ...],
              samples: int) -> list[tuple[int, float]]:
    times = tape.times(r.coin)
    out: list[tuple[int, float]] = []
    if not times:
        return out
    sign = 1.0 if r.direction == "long" else -1.0
    for _ in range(samples):
        at = times[rng.randrange(len(times))]
        entry = tape.price_at(r.coin, at)
        if not entry:
            continue
        for horizon in horizons:
            when = at + horizon * 1000
            if not tape.covers(r.coin, when):
                break
            price = tape.price_at(r.coin, when)
            out.append((horizon, sign * (price - entry) / entry))  # type: ignore[operator]
    return out


def _calibration(records: list[SignalRecord], horizon: int) -> list[CalibrationRow]:
    rows = []
    edges = CONFIDENCE_BUCKETS
    for low, high in zip(edges, edges[1:]):
        inside = [r for r in records if r.direction is not None and r.confidence is not None
                  and low <= r.confidence < (high if high < edges[-1] else high + 1)]
        if not inside and low == 0:
            continue
        returns = [r.returns[horizon] for r in inside if horizon in r.returns]
        decided = [r for r in inside if r.result in ("WIN", "LOSS", "FLAT")]
        rows.append(CalibrationRow(
            f"<{high}" if low == 0 else f"{low}-{high}",
            Rate(sum(1 for v in returns if is_hit(v)), len(returns)),
            Rate(sum(1 for r in decided if r.result == "WIN"), len(decided)),
        ))
    return rows


# ---------------------------------------------------------------------- text


def _horizon(seconds: int) -> str:
    return f"+{seconds // 60}m" if seconds >= 60 else f"+{seconds}s"


def _pct(rate: Rate) -> str:
    if not rate.n:
        return "-"
    low, high = rate.interval  # type: ignore[misc]
    return f"{rate.rate:.0%} [{low:.0%}-{high:.0%}] n={rate.n}"


def _bps(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}"


def format_report(report: QualityReport) -> str:
    """The report as text tables (hit rates with 95 % intervals and n)."""
    hours = report.covered_hours
    lines = [f"signal quality: {report.signals} signals"
             + (f" over {report.covered_minutes} covered minutes ({hours:.2f} h): "
                f"{report.per_hour:.1f} per covered hour" if hours else "")]
    key = report.calibration_horizon
    for title, groups in (("by type", report.by_type), ("by tier", report.by_tier)):
        lines.append(f"  {title:<20} {'n':>5} {'/h':>6} {'held':>5}  WIN/LOSS/FLAT/UNK   "
                     f"hit {_horizon(key)} (95% CI)        base {_horizon(key)}    bps {_horizon(key)}  MFE/MAE bps")
        for g in [*groups.values(), report.overall]:
            o = g.outcomes
            base = g.baseline.hit(key) if g.baseline is not None else None
            mfe, mae = _mean(g.mfe), _mean(g.mae)
            lines.append(
                f"  {g.key:<20} {g.count:>5} {(f'{g.per_hour:.1f}' if g.per_hour is not None else '-'):>6} "
                f"{g.held:>5}  {o['WIN']}/{o['LOSS']}/{o['FLAT']}/{o['UNKNOWN']:<8}".ljust(60)
                + f" {_pct(g.returns.hit(key)):<26} {(f'{base.rate:.0%}' if base and base.n else '-'):>6}"
                f" {_bps(g.returns.mean_bps(key)):>9}  "
                + (f"{mfe * 1e4:.0f}/{mae * 1e4:.0f}" if mfe is not None and mae is not None else "-"))
    lines.append("  hit rate by horizon (signals | baseline):")
    for g in [*report.by_type.values(), report.overall]:
        if not g.directional:
            continue
        cells = []
        for h in report.horizons:
            ours = g.returns.hit(h)
            base = g.baseline.hit(h) if g.baseline is not None else None
            cells.append(f"{_horizon(h)} {(f'{ours.rate:.0%}' if ours.n else '-'):>4}"
                         f"|{(f'{base.rate:.0%}' if base and base.n else '-'):<4} n={ours.n:<4}")
        lines.append(f"    {g.key:<20} " + "  ".join(cells))
    lines.append(f"  calibration (confidence -> hit rate {_horizon(key)}, WIN of decided):")
    for row in report.calibration:
        lines.append(f"    {row.bucket:>7}  hit {_pct(row.hit):<26}  win {_pct(row.win)}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- charts


def _figure(width: int, height: int, title: str):
    import plotext  # imported on use: the engine's hot path never needs it

    figure = plotext.figure
    figure.clear()
    figure.plot_size(width, height)
    figure.title(title)
    return figure


def _render(figure, colorless: bool) -> str:
    return figure.build().string(colorless=colorless)


def hit_rate_chart(report: QualityReport, horizon: int = 900, width: int = 72, height: int | None = None,
                   colorless: bool = True) -> str:
    """Horizontal bars: hit rate at ``horizon`` per signal type, beside its baseline when known."""
    rows = [g for g in report.by_type.values() if g.returns.hit(horizon).n]
    if not rows:
        return f"hit rate {_horizon(horizon)}: no directional signal with a return yet"
    labels: list[str] = []
    values: list[float] = []
    with_baseline = all(g.baseline is not None and g.baseline.hit(horizon).n for g in rows)
    for g in rows:  # the baseline bar right under its type's: readable without colours
        labels.append(g.key)
        values.append(round(100 * (g.returns.hit(horizon).rate or 0.0), 1))
        if with_baseline:
            labels.append(f"{g.key.lower()} baseline")
            values.append(round(100 * (g.baseline.hit(horizon).rate or 0.0), 1))  # type: ignore[union-attr]
    figure = _figure(width, height or max(8, 2 * len(labels) + 4), f"hit rate {_horizon(horizon)} (%)")
    figure.draw(figure.bar(labels, values, orientation="h", labeled=True))
    figure.ruler("x").lim(0, 100)
    return _render(figure, colorless)


def calibration_chart(report: QualityReport, width: int = 72, height: int = 14, colorless: bool = True) -> str:
    """Vertical bars: hit rate at the report's calibration horizon per confidence bucket."""
    rows = [row for row in report.calibration if row.hit.n]
    if not rows:
        return "calibration: no directional signal with a return yet"
    figure = _figure(width, height, f"hit rate {_horizon(report.calibration_horizon)} by confidence (%)")
    figure.draw(figure.bar([f"{row.bucket} n={row.hit.n}" for row in rows],
                           [round(100 * (row.hit.rate or 0.0), 1) for row in rows], labeled=True))
    figure.ruler("y").lim(0, 100)
    return _render(figure, colorless)
