"""``teleglas backtest FILE... --set section.key=v1,v2,... [--set ...]``: parameter sweeps.

Every combination of the given values (in the order given, the last ``--set`` varying fastest)
runs through its own full engine over one read and decode of the recordings
(``engine.backtest.run_engines``); each prints one row of the quality report's headline
figures.  Settings the pipeline reads before the engine (``feeds.*``) and lists cannot be swept.
"""

from __future__ import annotations

import itertools
from typing import Any

import yaml

from engine.settings import Settings, SettingsError, with_overrides
from engine.signals.quality import QualityReport

MAX_COMBINATIONS = 500


def parse_sets(specs: list[str], base: Settings) -> list[tuple[dict[str, Any], Settings]]:
    """``["gate.min_strength=70,75"]`` → one ``(overrides, settings)`` per combination.
    A bad key or value raises :class:`SettingsError` with one line naming it."""
    axes: list[tuple[str, list[Any]]] = []
    for spec in specs:
        path, sep, values = spec.partition("=")
        path = path.strip()
        if not sep or not path or not values.strip():
            raise SettingsError(f"--set {spec!r}: expected section.key=value[,value...]")
        if path.startswith("feeds."):
            raise SettingsError(f"--set {path}: feed settings filter before the engine; run them separately")
        parsed = [_value(path, v.strip()) for v in values.split(",") if v.strip()]
        for value in parsed:
            if isinstance(value, (list, dict)) or value is None:
                raise SettingsError(f"--set {path}: {value!r} is not a single value")
        axes.append((path, parsed))
    combos = list(itertools.product(*(values for _, values in axes)))
    if len(combos) > MAX_COMBINATIONS:
        raise SettingsError(f"--set: {len(combos)} combinations, at most {MAX_COMBINATIONS}")
    out = []
    for combo in combos:
        overrides = {path: value for (path, _), value in zip(axes, combo)}
        out.append((overrides, with_overrides(base, overrides)))
    return out


def _value(path: str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise SettingsError(f"--set {path}: {text!r} is not a value (a number, true/false or text)") from None


def headline(overrides: dict[str, Any], report: QualityReport, alerts: int) -> dict[str, Any]:
    """One sweep row: the combination and the report's headline figures."""
    overall = report.overall
    hit = overall.returns.hit(report.calibration_horizon)
    base = overall.baseline.hit(report.calibration_horizon) if overall.baseline is not None else None
    interval = hit.interval
    return {
        "set": overrides,
        "signals": report.signals,
        "per_hour": round(report.per_hour, 2) if report.per_hour is not None else None,
        "alerts": alerts,
        "held": overall.held,
        "hit_15m": round(hit.rate, 4) if hit.rate is not None else None,
        "hit_15m_low": round(interval[0], 4) if interval else None,
        "hit_15m_high": round(interval[1], 4) if interval else None,
        "n_15m": hit.n,
        "baseline_15m": round(base.rate, 4) if base is not None and base.rate is not None else None,
        "mean_bps_15m": round(overall.returns.mean_bps(report.calibration_horizon) or 0.0, 2) if hit.n else None,
        "outcomes": dict(overall.outcomes),
        "by_type": {k: g.count for k, g in report.by_type.items()},
    }


def format_rows(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0]["set"]) if rows else []
    widths = {k: max(len(k), *(len(str(row["set"][k])) for row in rows)) for k in keys}
    head = "  ".join(f"{k:>{widths[k]}}" for k in keys)
    lines = [f"{head}  {'signals':>7} {'/h':>6} {'alerts':>6} {'held':>5}  {'hit+15m [95% CI] n':<24} "
             f"{'base':>5} {'bps':>7}  WIN/LOSS/FLAT/UNK"]
    for row in rows:
        cells = "  ".join(f"{str(row['set'][k]):>{widths[k]}}" for k in keys)
        hit = (f"{row['hit_15m']:.0%} [{row['hit_15m_low']:.0%}-{row['hit_15m_high']:.0%}] n={row['n_15m']}"
               if row["hit_15m"] is not None else "-")
        base = f"{row['baseline_15m']:.0%}" if row["baseline_15m"] is not None else "-"
        bps = f"{row['mean_bps_15m']:+.1f}" if row["mean_bps_15m"] is not None else "-"
        o = row["outcomes"]
        per_hour = f"{row['per_hour']:.1f}" if row["per_hour"] is not None else "-"
        lines.append(f"{cells}  {row['signals']:>7} {per_hour:>6} {row['alerts']:>6} {row['held']:>5}  "
                     f"{hit:<24} {base:>5} {bps:>7}  {o['WIN']}/{o['LOSS']}/{o['FLAT']}/{o['UNKNOWN']}")
    return "\n".join(lines)
