"""``teleglas backtest FILE... [--json] [--report] [--signals-out FILE]``: recordings through the
full engine, as fast as possible, on the same pipeline as live and replay.

Prints throughput and signal/outcome statistics: a readable summary, or with ``--json`` one object
with at least ``frames``, ``events``, ``rejected``, ``signals``, ``by_type``, ``seconds`` and
``events_per_s``, plus ``by_venue`` (per feed: liquidations' count and USD of longs and shorts,
trades' count and USD), ``quality`` (the signal-quality report of :mod:`engine.signals.quality`,
baseline included), ``alerts`` (what a live run would have sent: the alert policy replayed in event
time with the watchlist's coins alertable), ``held`` (signals the alert budget held back) and
``by_alert`` (signals by alert status, ``engine/alerts/status.py``).
``--report`` prints the quality report's tables and charts after the summary.  ``--signals-out``
writes one JSON object per emitted signal in its final state (``Signal.as_dict()``: its ``alert``
status as that run would have decided it, the outcome with ``stop_ts``).  Outcomes still
open when the last recording ends are resolved with what was seen: WIN or LOSS when already
decided, otherwise UNKNOWN.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import orjson

from engine.arguments import output_file, recording
from engine.errors import UsageError
from engine.alerts.policy import AlertReplay
from engine.alerts.status import HELD
from engine.core import Engine
from engine.detect import SIGNAL_TYPES
from engine.model import Liquidation, Signal, Trade
from engine.pipeline import Pipeline
from engine.recording import ReadStats, read_records
from engine.settings import Settings, load_for_command
from engine.signals import quality

PROGRESS_EVERY = 20_000  # records between progress redraws


@dataclass
class BacktestResult:
    files: list[str]
    seconds: float
    pipeline: Pipeline
    read: ReadStats
    engine: Engine
    signals: dict[str, Signal] = field(default_factory=dict)  # emitted, by id, in emission order
    # Shared by every engine of a sweep: what the data held, whatever the settings.
    liquidations_by_minute: dict[int, list[float]] = field(default_factory=dict)  # minute -> [long, short]
    minutes: set[int] = field(default_factory=set)  # minutes that hold events: the covered time
    tape: quality.PriceTape = field(default_factory=quality.PriceTape)  # every price, for the baseline
    alerts: AlertReplay | None = None  # what a live run would have sent to Telegram

    def take(self, signal: Signal) -> None:
        self.signals.setdefault(signal.id, signal)
        if self.alerts is not None:
            self.alerts.on_signal(signal)

    def quality(self) -> quality.QualityReport:
        return quality.build_report(self.signals.values(), len(self.minutes), self.tape)

    def summary(self) -> dict:
        counters = self.pipeline.counters.values()
        frames = sum(c.frames for c in counters)
        rejected = sum(c.rejected for c in counters)
        reasons: Counter[str] = Counter()
        for c in counters:
            reasons.update(c.reasons)
        reasons.update({f"line: {k}": v for k, v in self.read.reasons.items()})
        unknown = self.pipeline.unknown_sources
        reasons.update({f"unknown source {src!r}": n for src, n in unknown.items()})
        events = self.engine.events
        signals = list(self.signals.values())
        outcomes = Counter(s.outcome.result for s in signals if s.direction is not None)
        decided = outcomes["WIN"] + outcomes["LOSS"]  # the win rate's n: FLAT and UNKNOWN reached neither
        return {
            "files": self.files,
            "frames": frames,
            "events": events,
            "rejected": rejected + self.read.skipped + sum(unknown.values()),
            "rejected_by_reason": dict(reasons.most_common()),
            "unknown_sources": dict(unknown),  # src -> lines no adapter reads (a newer version's venue, a typo)
            "signals": len(signals),
            "by_type": dict(Counter(s.type for s in signals).most_common()),
            "by_direction": dict(Counter(f"{s.type} {s.direction or '-'}" for s in signals).most_common()),
            "blocked": sum(1 for s in signals if s.blocked),
            "alerts": len(self.alerts.sent) if self.alerts is not None else None,
            "held": sum(1 for s in signals if s.alert == HELD),
            "by_alert": dict(Counter(s.alert for s in signals).most_common()),
            "merged": sum(1 for s in signals if s.merged),
            "gate_drops": dict(self.engine.gate.drops),
            "outcomes": dict(outcomes),
            "win_rate": round(outcomes["WIN"] / decided, 4) if decided else None,
            "stats": self.engine.stats(),
            "coins": len(self.engine.markets),
            # Per feed (the recording's src): liquidations (count, USD of longs, of shorts), trades (count, USD).
            "by_venue": {name: c.worth() for name, c in self.pipeline.counters.items() if c.frames},
            "liquidations_by_minute": {
                str(minute): [round(v[0], 2), round(v[1], 2)]
                for minute, v in sorted(self.liquidations_by_minute.items())
            },
            "seconds": round(self.seconds, 4),
            "events_per_s": round(events / self.seconds) if self.seconds > 0 else None,
            "quality": self.quality().as_dict(),
        }


def run_backtest(files: list[Path], settings: Settings, progress: IO[str] | None = None) -> BacktestResult:
    """Replay ``files`` in order through one engine as fast as possible."""
    return run_engines(files, [settings], progress)[0]


def run_engines(files: list[Path], settings: list[Settings], progress: IO[str] | None = None) -> list[BacktestResult]:
    """Replay ``files`` once through one engine per entry of ``settings`` (a sweep): each message is
    read and decoded once, and every engine sees the same events in the same order.  The feed
    filters (``feeds.*``) are the first entry's."""
    engines = [Engine(s) for s in settings]
    pipeline = Pipeline(engines[0])
    read = ReadStats()
    first = BacktestResult([str(f) for f in files], 0.0, pipeline, read, engines[0], alerts=AlertReplay(settings[0]))
    results = [first] + [
        BacktestResult(first.files, 0.0, pipeline, read, engine, liquidations_by_minute=first.liquidations_by_minute,
                       minutes=first.minutes, tape=first.tape, alerts=AlertReplay(s))
        for engine, s in zip(engines[1:], settings[1:])
    ]
    pipeline.event_listeners.append(lambda events: _observe(events, first))
    if len(results) > 1:
        pipeline.event_listeners.append(lambda events: _feed_others(events, results[1:]))
    take = first.take
    feed = pipeline.feed
    started = time.perf_counter()
    for path in files:
        for n, record in enumerate(read_records(path, read), 1):
            for signal in feed(record.src, record.kind, record.ch, record.raw, record.t):
                take(signal)
            if progress is not None and n % PROGRESS_EVERY == 0:
                _draw_progress(progress, path, read, first.engine.events, time.perf_counter() - started)
    for result in results:
        for signal in result.engine.end_of_data():  # the data ended: open outcomes resolve with what was seen
            result.take(signal)
    seconds = time.perf_counter() - started
    for result in results:
        result.seconds = seconds
    if progress is not None:
        progress.write("\r\x1b[2K")
        progress.flush()
    return results


def _feed_others(events: list, results: list[BacktestResult]) -> None:
    for result in results:
        process = result.engine.process
        take = result.take
        for event in events:
            for signal in process(event):
                take(signal)


def _observe(events: list, result: BacktestResult) -> None:
    """Covered minutes, the price tape and liquidations per minute: what the report measures by."""
    by_minute, minutes, tape = result.liquidations_by_minute, result.minutes, result.tape
    for event in events:
        minute = event.ts - event.ts % 60_000
        minutes.add(minute)
        cls = event.__class__
        if cls is Liquidation:
            bucket = by_minute.setdefault(minute, [0.0, 0.0])
            bucket[0 if event.side == "long" else 1] += event.usd
        if cls is Liquidation or cls is Trade:
            tape.add(event.coin, event.ts, event.price)


def _draw_progress(out: IO[str], path: Path, read: ReadStats, events: int, elapsed: float) -> None:
    done = read.fraction
    width = 30
    filled = int(done * width)
    rate = events / elapsed if elapsed > 0 else 0.0
    out.write(f"\r\x1b[2K{Path(path).name} [{'#' * filled}{'.' * (width - filled)}] "
              f"{done:4.0%}  {events:,} events  {rate:,.0f} ev/s")
    out.flush()


def _usd(value: float) -> str:
    if value >= 1e6:
        return f"${value / 1e6:,.2f}M"
    if value >= 1e3:
        return f"${value / 1e3:,.1f}k"
    return f"${value:,.0f}"


def format_summary(summary: dict) -> str:
    lines = [
        f"backtest of {', '.join(summary['files'])}",
        f"  {summary['frames']:,} frames, {summary['events']:,} events, {summary['coins']} coins, "
        f"{summary['rejected']:,} rejected, in {summary['seconds']:.2f} s "
        f"({summary['events_per_s'] or 0:,} events/s)",
    ]
    if summary["rejected_by_reason"]:
        lines.append("  rejected: " + ", ".join(f"{k} {v}" for k, v in summary["rejected_by_reason"].items()))
    for src, n in summary["unknown_sources"].items():
        lines.append(f"  {n:,} lines from source {src!r}, which no feed of this version reads (a newer version's "
                     "venue, or a typo): not replayed")
    lines.append(f"  signals: {summary['signals']} ({summary['blocked']} blocked by context, "
                 f"{summary['merged']} merged)")
    lines.append(f"  alerts: {summary['alerts']} would be sent, {summary['held']} held by the budget "
                 "(watchlist coins alertable)")
    for key, n in summary["by_direction"].items():
        lines.append(f"    {key:<28} {n:>5}")
    drops = {k: v for k, v in summary["gate_drops"].items() if v}
    if drops:
        lines.append("  gate dropped: " + ", ".join(f"{k} {v}" for k, v in drops.items()))
    outcomes = summary["outcomes"]
    if outcomes:
        rate = summary["win_rate"]
        decided = outcomes.get("WIN", 0) + outcomes.get("LOSS", 0)
        lines.append("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
        lines.append(f"  win rate (WIN of WIN+LOSS): {'-' if rate is None else f'{rate:.0%}'} of {decided}")
        for signal_type, row in summary["stats"]["by_type"].items():
            rate = row["win_rate"]
            lines.append(f"    {signal_type:<28} {'-' if rate is None else f'{rate:.0%}':>4} of "
                         f"{row['win'] + row['loss']} ({row['n']} resolved)")
    minutes = summary["liquidations_by_minute"]
    if minutes:
        lines.append("  liquidations per minute (UTC, long / short liquidated;")
        lines.append(f"  bar: {LONG_CELL} long then {SHORT_CELL} short, the largest minute {BAR_WIDTH} cells):")
        peak = max(sum(v) for v in minutes.values()) or 1.0
        for minute, (long_usd, short_usd) in minutes.items():
            stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(int(minute) / 1000))
            lines.append(f"    {stamp}  {_usd(long_usd):>9} / {_usd(short_usd):>9}  "
                         f"{liquidation_bar(long_usd, short_usd, peak)}".rstrip())
    return "\n".join(lines)


BAR_WIDTH = 24  # cells of the largest minute: with the figures, 69 columns
LONG_CELL, SHORT_CELL = "█", "░"  # told apart without colour


def liquidation_bar(long_usd: float, short_usd: float, peak: float) -> str:
    """Both sides of a minute in one bar, long then short, scaled so ``peak`` (the largest
    minute's total) fills :data:`BAR_WIDTH`; the short part is what the total adds to the long."""
    longs = round(BAR_WIDTH * long_usd / peak)
    total = round(BAR_WIDTH * (long_usd + short_usd) / peak)
    return LONG_CELL * longs + SHORT_CELL * (total - longs)


def main(args: argparse.Namespace) -> int:
    settings = load_for_command(args)
    files = [recording(None, f) for f in args.files]
    if args.signals_out:
        output_file("--signals-out", args.signals_out)
    show = args.progress == "on" or (args.progress == "auto" and sys.stderr.isatty())
    if args.set:
        return _sweep(args, files, settings, sys.stderr if show else None)
    result = run_backtest(files, settings, sys.stderr if show else None)
    summary = result.summary()
    if args.signals_out:
        write_signals(Path(args.signals_out), result.signals.values())
    if args.json:
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
        return 0
    print(format_summary(summary))
    if args.report:
        report = result.quality()
        print(quality.format_report(report))
        print(quality.hit_rate_chart(report, labels={name: t.label for name, t in SIGNAL_TYPES.items()}))
        print(quality.calibration_chart(report))
    return 0


def write_signals(path: Path, signals) -> None:
    try:
        out = open(path, "wb")  # noqa: SIM115
    except OSError as exc:  # checked before the run, so only if it changed since: still the path's fault
        raise UsageError(f"--signals-out: cannot write {path}: {exc.strerror or exc}") from None
    with out:
        for signal in signals:
            out.write(orjson.dumps(signal.as_dict(), option=orjson.OPT_SORT_KEYS) + b"\n")


def _sweep(args: argparse.Namespace, files: list[Path], settings: Settings, progress: IO[str] | None) -> int:
    from engine import sweep

    if args.signals_out:
        print("teleglas: --signals-out writes one run's signals; it cannot be combined with --set", file=sys.stderr)
        return 2
    combos = sweep.parse_sets(args.set, settings)
    results = run_engines(files, [s for _, s in combos], progress)
    rows = [sweep.headline(overrides, result.quality(), len(result.alerts.sent) if result.alerts else 0)
            for (overrides, _), result in zip(combos, results)]
    first = results[0]
    if args.json:
        out = {"files": first.files, "events": first.engine.events, "combinations": len(rows),
               "seconds": round(first.seconds, 4), "sweep": rows}
        sys.stdout.write(orjson.dumps(out).decode() + "\n")
        return 0
    print(f"sweep of {', '.join(first.files)}: {len(rows)} combinations over {first.engine.events:,} events "
          f"in {first.seconds:.2f} s (one read and decode)")
    print(sweep.format_rows(rows))
    return 0
