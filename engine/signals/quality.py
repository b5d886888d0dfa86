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
``format_report(report) -> str``: the printed tables, within 80 columns.
``hit_rate_chart(report, horizon=900, width=80, height=None, labels=None) -> str`` and
``calibration_chart(report, width=80, height=None) -> str``: text bar charts (``bar_chart``: one
labelled row per bar with its figures, the reference as a ``│`` mark on the same row, a round
0-100 % axis), readable without colour and fitted to ``width`` x ``height``; an empty report
gives a one-line note.

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
difference between a type's hit rate and its baseline's.  A *win rate* is WIN of WIN + LOSS
(FLAT, UNKNOWN and pending are counted, not divided by).  Calibration: the directional signals
with a confidence (the stated probability) and a return at the calibration horizon, per 10-point
bucket of confidence → the mean stated against the hit rate realized; :class:`Scores` has the
calibration error and the Brier score against a reference (see there).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

HORIZONS = (60, 300, 900, 3600)
RESULTS = ("WIN", "LOSS", "FLAT", "UNKNOWN")
CALIBRATION_STEP = 10  # points of stated probability per calibration bucket
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

    @property
    def win(self) -> Rate:
        """WIN of WIN + LOSS: the outcomes that reached half the target or the stop first.  FLAT
        (neither within the horizon), UNKNOWN and pending signals are not divided by."""
        o = self.outcomes
        return Rate(o["WIN"], o["WIN"] + o["LOSS"])

    def as_dict(self, horizons: tuple[int, ...]) -> dict:
        mfe, mae = _mean(self.mfe), _mean(self.mae)
        return {
            "count": self.count, "directional": self.directional, "sent": self.sent, "held": self.held,
            "per_hour": _round(self.per_hour, 2), "outcomes": dict(self.outcomes), "win": self.win.as_dict(),
            "mfe_bps": _round(mfe and mfe * 1e4, 1), "mae_bps": _round(mae and mae * 1e4, 1),
            "returns": self.returns.as_dict(horizons),
            "baseline": self.baseline.as_dict(horizons) if self.baseline is not None else None,
        }


@dataclass
class CalibrationRow:
    """One bucket of stated probability: what the signals in it said, and how often they were right."""

    bucket: str  # "50-60": stated confidence from 50 up to (not including) 60 percent
    stated: float | None  # the mean stated probability (fraction) of the bucket's measured signals
    hit: Rate  # realized: right at the calibration horizon, of those with a price then

    def as_dict(self) -> dict:
        return {"bucket": self.bucket, "stated": _round(self.stated), "hit": self.hit.as_dict()}


@dataclass
class Scores:
    """How good the stated probabilities were, over the directional signals with a confidence and
    a return at the calibration horizon (``n``).  ``brier``: the mean of (stated − outcome)², 0 is
    perfect, 0.25 is a constant 50 % on a fair coin.  ``calibration_error``: |Σ stated − Σ hits|
    per 10-point bucket of stated probability, over n (0: as often right as stated).  The
    reference is the Brier score of always stating ``reference_rate``: the random-moment
    baseline's hit rate at the horizon when the report has a tape, else 50 %."""

    n: int = 0
    unscored: int = 0  # directional signals with a confidence but no price at the horizon yet
    brier: float | None = None
    calibration_error: float | None = None
    reference: str = "a constant"  # what the reference states: "the random-moment rate" or "a constant"
    reference_rate: float = 0.5
    reference_brier: float | None = None

    def as_dict(self) -> dict:
        return {"n": self.n, "unscored": self.unscored, "brier": _round(self.brier),
                "calibration_error": _round(self.calibration_error), "reference": self.reference,
                "reference_rate": _round(self.reference_rate), "reference_brier": _round(self.reference_brier)}


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
    scores: Scores
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
            "scores": self.scores.as_dict(),
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
    scored = [(r.confidence / 100, int(is_hit(r.returns[calibration_horizon]))) for r in records
              if r.direction is not None and r.confidence is not None and calibration_horizon in r.returns]
    base = overall.baseline.hit(calibration_horizon) if overall.baseline is not None else None
    return QualityReport(
        horizons=tuple(horizons), calibration_horizon=calibration_horizon, signals=len(records),
        covered_minutes=covered_minutes, overall=overall,
        by_type=dict(sorted(by_type.items(), key=lambda kv: -kv[1].count)),
        by_tier=dict(sorted(by_tier.items())),
        calibration=_calibration(scored),
        scores=_scores(scored, base, sum(1 for r in records if r.direction is not None and r.confidence is not None)),
        baseline_samples=baseline_samples, seed=seed,
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


def _bucket(p: float) -> int:
    """The 10-point bucket of a stated probability (100 % in the top one)."""
    return min(int(p * 100) // CALIBRATION_STEP, 100 // CALIBRATION_STEP - 1)


def _calibration(scored: list[tuple[float, int]]) -> list[CalibrationRow]:
    """Stated against realized per 10-point bucket of stated probability, lowest first; only
    buckets that hold a measured signal."""
    buckets: dict[int, list[tuple[float, int]]] = {}
    for p, y in scored:
        buckets.setdefault(_bucket(p), []).append((p, y))
    rows = []
    for b, pairs in sorted(buckets.items()):
        low = b * CALIBRATION_STEP
        rows.append(CalibrationRow(f"{low}-{low + CALIBRATION_STEP}", sum(p for p, _ in pairs) / len(pairs),
                                   Rate(sum(y for _, y in pairs), len(pairs))))
    return rows


def calibration_error(scored: list[tuple[float, int]]) -> float | None:
    """|Σ stated − Σ hits| per 10-point bucket, over all (0: each bucket as often right as stated)."""
    if not scored:
        return None
    buckets: dict[int, list[float]] = {}
    for p, y in scored:
        sums = buckets.setdefault(_bucket(p), [0.0, 0.0])
        sums[0] += p
        sums[1] += y
    return sum(abs(stated - hits) for stated, hits in buckets.values()) / len(scored)


def brier(scored: list[tuple[float, int]]) -> float | None:
    """The mean of (stated − outcome)²."""
    return sum((p - y) ** 2 for p, y in scored) / len(scored) if scored else None


def _scores(scored: list[tuple[float, int]], base: Rate | None, with_confidence: int) -> Scores:
    if base is not None and base.rate is not None:
        reference, rate = "the random-moment rate", base.rate
    else:
        reference, rate = "a constant", 0.5
    return Scores(len(scored), with_confidence - len(scored), brier(scored), calibration_error(scored),
                  reference, rate, brier([(rate, y) for _, y in scored]))


# ---------------------------------------------------------------------- text

WIDTH = 80  # the report and its charts fit an 80-column terminal


def _horizon(seconds: int) -> str:
    return f"+{seconds // 60}m" if seconds >= 60 else f"+{seconds}s"


def _rate(rate: Rate | None) -> str:
    """``64%``, or ``-`` when nothing was measured (never 0 % of nothing)."""
    return f"{rate.rate:.0%}" if rate is not None and rate.n else "-"


def _ci(rate: Rate) -> str:
    if not rate.n:
        return "-"
    low, high = rate.interval  # type: ignore[misc]
    return f"{rate.rate:.0%} [{low:.0%}-{high:.0%}]"


def _bps(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}"


def format_report(report: QualityReport) -> str:
    """The report as text tables, each within :data:`WIDTH` columns: counts, hit rates with
    their 95 % intervals and n beside the random-moment baseline, hit rate by horizon, the
    calibration (stated against realized per bucket), the calibration error and Brier score."""
    hours = report.covered_hours
    key = report.calibration_horizon
    h = _horizon(key)
    lines = [f"signal quality: {report.signals} signals"
             + (f" over {report.covered_minutes} covered min ({hours:.2f} h): "
                f"{report.per_hour:.1f} per covered hour" if hours else ""),
             f"  hit: the price moved the signal's way at {h}, of the directional signals",
             "  with a price then (n); base: the same direction at random moments of the",
             "  same coins; win: WIN of WIN+LOSS (FLAT: neither half the target nor the stop",
             "  in time; UNK: no price; pending: not yet): no WIN or LOSS, no win rate"]
    for title, groups in (("by type", report.by_type), ("by tier", report.by_tier)):
        rows = [*groups.values(), report.overall]
        lines.append(f"  {title:<20} {'n':>5} {'/h':>6} {'sent':>5} {'held':>5}  {'WIN/LOSS/FLAT/UNK':<17} {'win':>5}")
        for g in rows:
            o = g.outcomes
            per_hour = f"{g.per_hour:.1f}" if g.per_hour is not None else "-"
            counts = f"{o['WIN']}/{o['LOSS']}/{o['FLAT']}/{o['UNKNOWN']}"
            lines.append(f"  {g.key:<20} {g.count:>5} {per_hour:>6} {g.sent:>5} {g.held:>5}  {counts:<17} "
                         f"{_rate(g.win):>5}")
        lines.append(f"  {title:<20} {'hit ' + h + ' [95% CI]':<19} {'n':>5} {'base':>5} {'bps ' + h:>9}  MFE/MAE bps")
        for g in rows:
            hit = g.returns.hit(key)
            base = g.baseline.hit(key) if g.baseline is not None else None
            mfe, mae = _mean(g.mfe), _mean(g.mae)
            excursion = f"{mfe * 1e4:.0f}/{mae * 1e4:.0f}" if mfe is not None and mae is not None else "-"
            lines.append(f"  {g.key:<20} {_ci(hit):<19} {hit.n:>5} {_rate(base):>5} "
                         f"{_bps(g.returns.mean_bps(key)):>9}  {excursion}")
    lines.append(f"  {'hit % signals|base':<20} " + " ".join(f"{_horizon(x):<12}" for x in report.horizons).rstrip())
    for g in [*report.by_type.values(), report.overall]:
        if not g.directional:
            continue
        cells = []
        for x in report.horizons:
            ours = g.returns.hit(x)
            base = g.baseline.hit(x) if g.baseline is not None else None
            cells.append(f"{_rate(ours).rstrip('%')}|{_rate(base).rstrip('%')} n{ours.n}".ljust(12))
        lines.append(f"  {g.key:<20} " + " ".join(cells).rstrip())
    lines += _calibration_lines(report)
    return "\n".join(lines)


def _calibration_lines(report: QualityReport) -> list[str]:
    h = _horizon(report.calibration_horizon)
    sc = report.scores
    lines = [f"  calibration at {h}: stated = the mean confidence of a bucket's signals,",
             f"  realized = how many were right at {h} (n: with a confidence and a price then)",
             f"  {'stated':>8} {'n':>5} {'stated':>7}  realized [95% CI]"]
    for row in report.calibration:
        stated = "-" if row.stated is None else f"{row.stated:.0%}"
        lines.append(f"  {row.bucket:>8} {row.hit.n:>5} {stated:>7}  {_ci(row.hit)}")
    if not report.calibration:
        lines.append("  no directional signal with a confidence and a price at the horizon yet")
    if sc.unscored:
        lines.append(f"  ({sc.unscored} signals with a confidence have no price at {h} yet)")
    if sc.n:
        lines.append(f"  calibration error {sc.calibration_error:.3f} (0 is perfect: |stated - realized|, "
                     "weighted by n)")
        lines.append(f"  Brier {sc.brier:.3f} (n {sc.n}); always stating {sc.reference} "
                     f"{sc.reference_rate:.0%}: {sc.reference_brier:.3f}")
        lines.append("  (lower is better; each confidence came from outcomes before its signal, the")
        lines.append("  reference rate from this whole data: in-sample)")
    return lines


# ---------------------------------------------------------------------- charts

BAR_CELL, REFERENCE_MARK = "█", "│"  # told apart without colour
_EIGHTHS = " ▏▎▍▌▋▊▉█"
MIN_BAR = 10  # cells: narrower than this, a chart is a table


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    n: int
    value: float  # fraction, the bar
    reference: float | None = None  # fraction, the mark


def bar_chart(title: str | tuple[str, ...], bars: list[Bar], width: int = WIDTH, height: int | None = None,
              footer: tuple[str | tuple[str, ...], ...] = ()) -> str:
    """One row per bar: label, n, the bar (eighth-cell exact, 0-100 %), its reference as a mark
    on the same row, and both values written out; a round 0-100 % axis under the bars.  Every bar
    is one row and carries its figures, so it reads without colour.  With less than ``height``
    rows the axis goes first, then the title, then the footer's lines, then the last bars (a line
    says how many); narrower than :data:`MIN_BAR` cells of bar, the bars are a table.  ``title``
    and each footer line may be a few wordings, longest first: the first that fits ``width``."""
    title = _fit(title, width)
    notes = [_fit(line, width) for line in footer]
    label_w = max(len(b.label) for b in bars)
    n_w = max(len(f"n{b.n}") for b in bars)
    with_ref = any(b.reference is not None for b in bars)
    value_w = 11 if with_ref else 4
    bar_w = width - label_w - n_w - value_w - 3
    rows = []
    for b in bars:
        value = f"{b.value:.0%}" + (f" vs {b.reference:.0%}" if b.reference is not None else "")
        cells = "" if bar_w < MIN_BAR else _bar(b.value, b.reference, bar_w) + " "
        rows.append(f"{b.label:<{label_w}} {f'n{b.n}':>{n_w}} {cells}{value}".rstrip())
    axis = " " * (label_w + n_w + 2) + _axis(bar_w) if bar_w >= MIN_BAR else ""
    head, tail = [title], [axis, *notes] if axis else notes
    if height is not None:
        for drop in ((tail, axis), (head, title), *((tail, note) for note in notes)):
            if len(head) + len(rows) + len(tail) > height and drop[1] in drop[0]:
                drop[0].remove(drop[1])
        if len(head) + len(rows) + len(tail) > height:
            keep = max(0, height - len(head) - len(tail) - 1)
            rows = [*rows[:keep], f"... {len(rows) - keep} more (teleglas backtest --report)"]
    return "\n".join([*head, *rows, *tail])


def _fit(wordings: str | tuple[str, ...], width: int) -> str:
    """The first wording that fits ``width`` columns, else the last one cut with an ellipsis."""
    options = (wordings,) if isinstance(wordings, str) else wordings
    for text in options:
        if len(text) <= width:
            return text
    return options[-1][:max(0, width - 1)] + "…"


def _bar(value: float, reference: float | None, width: int) -> str:
    eighths = round(max(0.0, min(1.0, value)) * width * 8)
    full, part = divmod(eighths, 8)
    cells = list((BAR_CELL * full + (_EIGHTHS[part] if part else "")).ljust(width))
    if reference is not None:
        cells[min(width - 1, round(max(0.0, min(1.0, reference)) * width))] = REFERENCE_MARK
    return "".join(cells)


def _axis(width: int) -> str:
    """0 % to 100 % under a bar ``width`` cells wide, at round ticks (quarters, or halves when narrow)."""
    ticks = (0, 25, 50, 75, 100) if width >= 24 else (0, 50, 100)
    cells = [" "] * (width + 4)
    for tick in ticks:
        text = f"{tick}%"
        at = round(tick / 100 * width)
        at = min(max(0, at - len(text) // 2), len(cells) - len(text)) if tick else 0
        cells[at:at + len(text)] = text
    return "".join(cells).rstrip()


def hit_rate_chart(report: QualityReport, horizon: int = 900, width: int = WIDTH, height: int | None = None,
                   labels: Mapping[str, str] | None = None) -> str:
    """Per signal type (shown by its label in ``labels``, if any), the hit rate at ``horizon``
    (bar) and its random-moment baseline (mark)."""
    rows = [g for g in report.by_type.values() if g.returns.hit(horizon).n]
    if not rows:
        return _fit((f"hit rate {_horizon(horizon)}: no directional signal with a price at {_horizon(horizon)} yet",
                     f"no signal with a {_horizon(horizon)} price yet"), width)
    bars = []
    for g in rows:
        hit = g.returns.hit(horizon)
        base = g.baseline.hit(horizon) if g.baseline is not None else None
        bars.append(Bar((labels or {}).get(g.key, g.key), hit.n, hit.rate or 0.0, base.rate if base is not None and base.n else None))
    h = _horizon(horizon)
    if any(b.reference is not None for b in bars):
        title = (f"hit rate {h} by type: {BAR_CELL} right (n with a price then), {REFERENCE_MARK} random moments",
                 f"hit {h}: {BAR_CELL} right, {REFERENCE_MARK} random moments")
    else:
        title = (f"hit rate {h} by type: {BAR_CELL} right, of n with a price then", f"hit {h}: {BAR_CELL} right, of n")
    return bar_chart(title, bars, width, height)


def calibration_chart(report: QualityReport, width: int = WIDTH, height: int | None = None) -> str:
    """Per bucket of stated probability, how often it was right (bar) against what it stated
    (mark); the calibration error and Brier score under it."""
    if not report.calibration:
        h = _horizon(report.calibration_horizon)
        return _fit((f"calibration: no signal with a confidence and a price at {h} yet",
                     f"no confidence with a {h} price yet"), width)
    sc = report.scores
    bars = [Bar(f"{row.bucket}%", row.hit.n, row.hit.rate or 0.0, row.stated) for row in report.calibration]
    footer = ((f"calibration error {sc.calibration_error:.3f} (0: as often right as stated)",
               f"calibration error {sc.calibration_error:.3f}", f"error {sc.calibration_error:.3f}"),
              (f"Brier {sc.brier:.3f} (n {sc.n}) vs {sc.reference_brier:.3f} for {sc.reference} {sc.reference_rate:.0%}",
               f"Brier {sc.brier:.3f} vs {sc.reference_brier:.3f} ({sc.reference_rate:.0%})",
               f"Brier {sc.brier:.3f} vs {sc.reference_brier:.3f}"))
    h = _horizon(report.calibration_horizon)
    return bar_chart((f"calibration {h}: {BAR_CELL} right, {REFERENCE_MARK} stated (mean confidence)",
                      f"calibration {h}: {BAR_CELL} right, {REFERENCE_MARK} stated"), bars, width, height, footer)
