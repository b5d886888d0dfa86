"""Out-of-sample study of the signal defaults (issue "Honest signals", item 3) and of the prior table.

    .venv/bin/python scripts/out_of_sample.py [FILE ...] [--gap-min 30] [--block-min 30] [--json OUT] [--markdown]

Without FILE it reads every ``../shared/realdata/windows/*.gz`` and
``tests/golden/binance_liquidations_20251022.jsonl``; give your own recordings
(``teleglas run --headless --record FILE``) to measure on them.  Takes seconds on the bundled data.

**Windows and blocks.**  Each recording is cut into its windows (event time jumping by
``--gap-min`` minutes or more) and each window runs alone, continuously, through the full engine
(``engine.backtest.run_engines``: one read, one engine per setting).  Windows longer than
``--block-min`` are cut into equal blocks of time for the folds (one 84-minute window holds most
of the signals: left whole, it would be all of one fold).  A signal belongs to the block of its
time; its outcome is measured on the window's prices as the engine measured it.

**Folds.**  Leave-one-block-out: each block is measured with the value chosen on all the others;
walk-forward: each block with the value chosen on the blocks before it (the first block has none
and is left out of both columns).  Training signals whose outcome horizon overlaps the held-out
block's (within ``outcomes.horizon_s`` of it either way) are purged from the training side.

**Choosing.**  For each knob the last tuning moved, alone (the others at SPEC's number): the grid
value with the highest hit rate at ``outcomes.horizon_s`` minus its random-moment baseline over
every directional signal of the training blocks, among values with at least ``MIN_TRAIN_N``
measured signals; a tie or too few signals keep SPEC's number.  "All five together" runs each
knob's choice at once.  Silent types: a type is silent when it had ``MIN_TYPE_N`` measured signals
on the training blocks and did not beat its baseline there; measured is what is left to alert.

**Judging.**  Every "held out" figure is out of sample: the held-out signals (hits, n, 95 % Wilson
interval) beside their baseline (the same coin and direction at random moments of the same block,
drawn as ``teleglas backtest --report`` draws them) and beside SPEC's numbers on the same blocks.
A knob wins beyond noise only when the 95 % interval of (its held-out edge − SPEC's held-out
edge) lies above zero (Newcombe's interval, the two samples taken as independent, the baselines
as known).

**Then, under the defaults that ship:** hit rates per type and tier (SPEC's numbers were not fitted
on these windows, so these figures are out of sample as they stand); signals, alerts and URGENT
per covered hour per window; and the prior table of ``engine/signals/priors.py``, hits and n per
(type, tier), with a leave-one-block-out check of whether the measured table states probabilities
better than 50 % does (Brier score, calibration error).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.backtest import run_engines  # noqa: E402
from engine.recording import Record, read_records, write_recording  # noqa: E402
from engine.settings import GateSettings, Settings, load_settings, with_overrides  # noqa: E402
from engine.signals import quality  # noqa: E402
from engine.signals.confidence import ConfidenceBook  # noqa: E402
from engine.signals.quality import brier, calibration_error, is_hit  # noqa: E402

WINDOWS = REPO.parent / "shared" / "realdata" / "windows"
GOLDEN = REPO / "tests" / "golden" / "binance_liquidations_20251022.jsonl"
MIN_TRAIN_N = 20  # measured signals a value needs on the training blocks to be chosen
MIN_TYPE_N = 10  # measured signals a type needs on the training blocks to be judged for silence

# The gate's threshold is on strength; its key was gate.min_confidence before issue 17.
GATE_KEY = "gate.min_strength" if "min_strength" in {f.name for f in fields(GateSettings)} else "gate.min_confidence"


@dataclass(frozen=True)
class Knob:
    name: str
    spec: Any  # SPEC.md's number
    grid: tuple  # coarse, SPEC's number included
    overrides: Callable[[Any], dict[str, Any]]


def _ratio(v: float) -> dict[str, Any]:
    return {"order_flow.buy_ratio_long": v, "order_flow.buy_ratio_short": round(1.0 - v, 4)}


KNOBS = (
    Knob(GATE_KEY, 70.0, (60.0, 70.0, 80.0, 90.0), lambda v: {GATE_KEY: v}),
    Knob("gate.cooldown_s", 300.0, (300.0, 1800.0, 3600.0), lambda v: {"gate.cooldown_s": v}),
    Knob("order_flow.buy_ratio_long/short", 0.65, (0.65, 0.75, 0.85), _ratio),
    Knob("volume_spike.ratio", 3.0, (3.0, 6.0, 12.0), lambda v: {"volume_spike.ratio": v}),
    Knob("volume_spike.min_cascade_fraction", 0.5, (0.25, 0.5, 1.0),
         lambda v: {"volume_spike.min_cascade_fraction": v}),
)
# The previous version's tuned defaults, fitted on the windows up to 2025-12-27 16:00 UTC (README of that time).
OLD_TUNED = {GATE_KEY: 80.0, "gate.cooldown_s": 3600.0, **_ratio(0.75), "volume_spike.ratio": 12.0,
             "volume_spike.min_cascade_fraction": 1.0, "alerts.silent_types": ["VOLUME_SPIKE", "DISTRIBUTION"]}
OLD_TUNED_UNTIL = "2025-12-27 16:00"


def spec_settings(base: Settings | None = None) -> Settings:
    """``base`` (the built-in defaults) with every studied knob at SPEC.md's number, no silent type."""
    spec: dict[str, Any] = {"alerts.silent_types": []}
    for knob in KNOBS:
        spec.update(knob.overrides(knob.spec))
    return with_overrides(base or load_settings(None, environ={}), spec)


# ---------------------------------------------------------------------- windows and blocks


def _utc(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ms / 1000))


@dataclass
class Window:
    source: str
    records: list[Record]

    @property
    def start(self) -> int:
        return self.records[0].t

    @property
    def end(self) -> int:  # exclusive
        return max(r.t for r in self.records) + 1

    @property
    def name(self) -> str:
        return _utc(self.start)


@dataclass(frozen=True)
class Block:
    window: int  # index into the windows
    start: int
    end: int  # exclusive

    @property
    def name(self) -> str:
        return f"{_utc(self.start)}-{_utc(self.end - 1)[-5:]}"


def split_windows(files: Iterable[Path], gap_ms: int) -> list[Window]:
    """Each file's records, cut where event time jumps by ``gap_ms`` or more; in time order."""
    out: list[Window] = []
    for path in files:
        current: list[Record] = []
        last = None
        for record in read_records(path):
            if last is not None and record.t - last >= gap_ms:
                out.append(Window(Path(path).name, current))
                current = []
            current.append(record)
            last = record.t if last is None else max(last, record.t)
        if current:
            out.append(Window(Path(path).name, current))
    return sorted(out, key=lambda w: w.start)


def split_blocks(windows: list[Window], block_ms: int) -> list[Block]:
    blocks = []
    for i, w in enumerate(windows):
        parts = max(1, math.ceil((w.end - w.start) / block_ms))
        edges = [w.start + (w.end - w.start) * k // parts for k in range(parts)] + [w.end]
        blocks += [Block(i, a, b) for a, b in zip(edges, edges[1:])]
    return blocks


class BlockTape:
    """A window's price tape whose random moments are drawn from one block only (the returns
    still see the window's later prices): the baseline of the same market as the block's signals."""

    def __init__(self, tape: quality.PriceTape, start: int, end: int) -> None:
        self.tape, self.start, self.end = tape, start, end
        self._times: dict[str, list[int]] = {}

    def times(self, coin: str) -> list[int]:
        got = self._times.get(coin)
        if got is None:
            times = self.tape.times(coin)
            got = self._times[coin] = times[bisect_left(times, self.start):bisect_left(times, self.end)]
        return got

    def price_at(self, coin: str, ts: int) -> float | None:
        return self.tape.price_at(coin, ts)

    def covers(self, coin: str, ts: int) -> bool:
        return self.tape.covers(coin, ts)


# ---------------------------------------------------------------------- measurement


@dataclass
class Tally:
    """Hits at the horizon and their random-moment baseline, poolable across blocks."""

    hits: int = 0
    n: int = 0
    base_hits: int = 0
    base_n: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        self.hits += other.hits
        self.n += other.n
        self.base_hits += other.base_hits
        self.base_n += other.base_n
        return self

    @property
    def rate(self) -> float | None:
        return self.hits / self.n if self.n else None

    @property
    def base(self) -> float | None:
        return self.base_hits / self.base_n if self.base_n else None

    @property
    def edge(self) -> float | None:
        return None if self.rate is None or self.base is None else self.rate - self.base

    @property
    def interval(self) -> tuple[float, float] | None:
        return quality.Rate(self.hits, self.n).interval

    def as_dict(self) -> dict[str, Any]:
        low, high = self.interval or (None, None)
        return {"hits": self.hits, "n": self.n, "rate": _r(self.rate), "low": _r(low), "high": _r(high),
                "baseline": _r(self.base), "baseline_draws": self.base_n}


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


Keep = Callable[[Any], bool]


def _everything(_: Any) -> bool:
    return True


@dataclass
class WindowRun:
    """One window under one setting: its signals in their final state, what would have alerted."""

    signals: list
    minutes: set[int]  # covered minutes (ms of each minute's start)
    tape: quality.PriceTape
    alerted: set[str]  # ids a live run would have sent (watchlist coins alertable)
    horizon: int

    def piece(self, block: Block) -> Piece:
        return Piece(self, block)


@dataclass
class Piece:
    """One block of a window run: what the quality report measures there."""

    run: WindowRun
    block: Block

    @property
    def signals(self) -> list:
        b = self.block
        return [s for s in self.run.signals if b.start <= s.ts < b.end]

    @property
    def minutes(self) -> int:
        return sum(1 for m in self.run.minutes if self.block.start <= m + 59_999 and m < self.block.end)

    def tally(self, keep: Keep = _everything) -> Tally:
        chosen = [s for s in self.signals if keep(s)]
        if not any(s.direction is not None for s in chosen):
            return Tally()
        tape = BlockTape(self.run.tape, self.block.start, self.block.end)
        report = quality.build_report(chosen, None, tape)  # type: ignore[arg-type]
        group = report.overall
        hit = group.returns.hit(self.run.horizon)
        base = group.baseline.hit(self.run.horizon)  # type: ignore[union-attr]
        return Tally(hit.hits, hit.n, base.hits, base.n)

    def by_class(self, keep: Keep = _everything) -> dict[tuple[str, int], Tally]:
        classes = sorted({(s.type, s.tier) for s in self.signals if s.direction is not None and keep(s)})
        return {c: self.tally(lambda s, c=c: (s.type, s.tier) == c and keep(s)) for c in classes}


def run_window(window: Window, settings: list[Settings], scratch: Path) -> list[WindowRun]:
    path = scratch / f"{window.start}.jsonl"
    if not path.exists():
        write_recording(path, ["coinglass"], f"window {window.name} of {window.source}", window.records)
    results = run_engines([path], settings)
    return [WindowRun(list(r.signals.values()), set(r.minutes), r.tape,
                      set(r.alerts.sent) if r.alerts else set(), int(s.outcomes.horizon_s))
            for r, s in zip(results, settings)]


# ---------------------------------------------------------------------- folds, choosing, judging


def folds(blocks: list[Block], scheme: str) -> list[tuple[int, list[int]]]:
    """(held-out block, training blocks) per fold."""
    idx = list(range(len(blocks)))
    if scheme == "leave-one-out":
        return [(i, [j for j in idx if j != i]) for i in idx]
    return [(i, idx[:i]) for i in idx[1:]]


def purged(held: Block, horizon_s: int) -> Keep:
    """Training signals whose outcome horizon does not overlap the held-out block's."""
    low, high = held.start - horizon_s * 1000, held.end + horizon_s * 1000
    return lambda s: not (low <= s.ts < high)


def pool(pieces: list[Piece], among: Iterable[int], keep: Keep = _everything) -> Tally:
    total = Tally()
    for i in among:
        total += pieces[i].tally(keep)
    return total


def choose(grid: tuple, tallies: dict[Any, Tally], spec: Any) -> Any:
    """The value with the best edge over its baseline on the training blocks (SPEC's on a tie or
    when no value has ``MIN_TRAIN_N`` measured signals)."""
    best, best_edge = spec, tallies[spec].edge if tallies[spec].n >= MIN_TRAIN_N else None
    for value in grid:
        t = tallies[value]
        if t.n < MIN_TRAIN_N or t.edge is None:
            continue
        if best_edge is None or t.edge > best_edge + 1e-12:
            best, best_edge = value, t.edge
    return best


def silent_types(pieces: list[Piece], train: list[int], keep: Keep) -> set[str]:
    """Types that did not beat their baseline on the training blocks (too few: not silent)."""
    by_type: dict[str, Tally] = {}
    for i in train:
        for t in sorted({s.type for s in pieces[i].signals if s.direction is not None}):
            by_type.setdefault(t, Tally())
            by_type[t] += pieces[i].tally(lambda s, t=t: s.type == t and keep(s))
    return {t for t, x in by_type.items() if x.n >= MIN_TYPE_N and x.edge is not None and x.edge <= 0}


def difference_interval(a: Tally, b: Tally) -> tuple[float, float] | None:
    """95 % interval of (a's edge − b's edge): Newcombe's hybrid score interval of the hit-rate
    difference, shifted by the baselines' difference (taken as known: 20 draws per signal)."""
    if not a.n or not b.n or a.base is None or b.base is None:
        return None
    la, ua = a.interval  # type: ignore[misc]
    lb, ub = b.interval  # type: ignore[misc]
    pa, pb = a.hits / a.n, b.hits / b.n
    d = pa - pb
    low = d - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = d + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    shift = a.base - b.base
    return low - shift, high - shift


@dataclass
class Verdict:
    knob: str
    spec: Any
    scheme: str  # "leave-one-out" or "walk-forward"
    chosen: Counter = field(default_factory=Counter)  # value -> folds that chose it
    tuned: Tally = field(default_factory=Tally)
    spec_tally: Tally = field(default_factory=Tally)
    folds: int = 0

    def add(self, choice: Any, tuned: Tally, spec: Tally) -> None:
        self.chosen[choice] += 1
        self.tuned += tuned
        self.spec_tally += spec
        self.folds += 1

    @property
    def difference(self) -> tuple[float, float] | None:
        return difference_interval(self.tuned, self.spec_tally)

    @property
    def wins(self) -> bool:
        d = self.difference
        return d is not None and d[0] > 0

    def as_dict(self) -> dict[str, Any]:
        d = self.difference
        return {"knob": self.knob, "spec": self.spec, "scheme": self.scheme, "folds": self.folds,
                "chosen": {fmt_value(k): v for k, v in self.chosen.items()}, "held_out": self.tuned.as_dict(),
                "spec_held_out": self.spec_tally.as_dict(),
                "edge_difference_95": [_r(d[0]), _r(d[1])] if d else None, "wins": self.wins}


# ---------------------------------------------------------------------- the prior table


def prior_table(signals: Iterable[Any], horizon: int) -> dict[tuple[str, int], tuple[int, int]]:
    """(type, tier) -> (hits, n) at the horizon: the form of ``engine.signals.priors.PRIORS``."""
    table: dict[tuple[str, int], list[int]] = {}
    for s in signals:
        r = s.outcome.returns.get(horizon)
        if s.direction is None or r is None:
            continue
        cell = table.setdefault((s.type, s.tier), [0, 0])
        cell[0] += is_hit(r)
        cell[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(table.items())}


def stated_probabilities(run: WindowRun, prior: dict[tuple[str, int], tuple[int, int]]) -> list[tuple[float, int]]:
    """(stated probability, hit) for each measured directional signal of ``run``, in time order,
    from the engine's own estimator (``ConfidenceBook``) over ``prior``, fed the window's outcomes
    as the engine resolves them (at signal time + horizon): what the engine would have stated had
    it shipped ``prior``.  With an empty table it is what the engine did state."""
    h = run.horizon
    book = ConfidenceBook(h, prior)
    signals = sorted((s for s in run.signals if s.direction is not None and h in s.outcome.returns),
                     key=lambda s: s.ts)
    done = 0  # signals[:done] have resolved (they resolve in the order they came)
    out: list[tuple[float, int]] = []
    for s in signals:
        while signals[done].ts + h * 1000 <= s.ts:
            book.record(signals[done])
            done += 1
        out.append((book.estimate(s.type, s.tier)[0] / 100, int(is_hit(s.outcome.returns[h]))))
    return out


def bootstrap_difference(a: list[tuple[float, int]], b: list[tuple[float, int]],
                         metric: Callable[[list[tuple[float, int]]], float | None],
                         draws: int = 2000, seed: int = 0) -> tuple[float, float] | None:
    """95 % interval of metric(b) − metric(a) over the same signals, resampled in pairs."""
    if not a or len(a) != len(b):
        return None
    rng = random.Random(seed)
    diffs = []
    for _ in range(draws):
        idx = [rng.randrange(len(a)) for _ in a]
        diffs.append(metric([b[i] for i in idx]) - metric([a[i] for i in idx]))  # type: ignore[operator]
    diffs.sort()
    return diffs[int(0.025 * draws)], diffs[int(0.975 * draws) - 1]


# ---------------------------------------------------------------------- text


def pct(t: Tally) -> str:
    if not t.n:
        return "- (n 0)"
    low, high = t.interval  # type: ignore[misc]
    return f"{t.rate:.0%} [{low:.0%}-{high:.0%}] n={t.n}"


def base(t: Tally) -> str:
    return f"{t.base:.0%}" if t.base is not None else "-"


def edge(t: Tally) -> str:
    return f"{100 * t.edge:+.0f}" if t.edge is not None else "-"


def span(d: tuple[float, float] | None) -> str:
    return f"{100 * d[0]:+.0f} to {100 * d[1]:+.0f}" if d else "-"


def fmt_value(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(head)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [head, *rows]]
    return "\n".join("  " + line for line in lines)


# ---------------------------------------------------------------------- the study


def study(files: list[Path], gap_min: float = 30.0, block_min: float = 30.0, out=sys.stdout) -> dict[str, Any]:
    started = time.perf_counter()
    shipped = load_settings(None, environ={})
    horizon = int(shipped.outcomes.horizon_s)
    windows = split_windows(files, int(gap_min * 60_000))
    blocks = split_blocks(windows, int(block_min * 60_000))
    spec = spec_settings(shipped)

    # One engine per setting: SPEC's numbers, each knob's other values, the shipped defaults and
    # the previous version's tuned ones.
    variants: list[tuple[str, Any, Settings]] = [("spec", None, spec)]
    for knob in KNOBS:
        variants += [(knob.name, v, with_overrides(spec, knob.overrides(v))) for v in knob.grid if v != knob.spec]
    variants += [("shipped", None, shipped), ("old tuned", None, with_overrides(shipped, OLD_TUNED))]

    with tempfile.TemporaryDirectory(prefix="teleglas-study-") as tmp:
        scratch = Path(tmp)
        by_window = [run_window(w, [s for _, _, s in variants], scratch) for w in windows]

        def pieces(k: int) -> list[Piece]:
            return [by_window[b.window][k].piece(b) for b in blocks]

        index = {(name, value): k for k, (name, value, _) in enumerate(variants)}
        spec_pieces = pieces(0)
        per_value = {knob.name: {v: pieces(index.get((knob.name, v), 0)) for v in knob.grid} for knob in KNOBS}

        verdicts: list[Verdict] = []
        for scheme in ("leave-one-out", "walk-forward"):
            plan = folds(blocks, scheme)
            combined: dict[int, dict[str, Any]] = {held: {} for held, _ in plan}
            for knob in KNOBS:
                verdict = Verdict(knob.name, knob.spec, scheme)
                for held, train in plan:
                    keep = purged(blocks[held], horizon)
                    value = choose(knob.grid, {v: pool(per_value[knob.name][v], train, keep) for v in knob.grid},
                                   knob.spec)
                    verdict.add(value, per_value[knob.name][value][held].tally(), spec_pieces[held].tally())
                    combined[held].update(knob.overrides(value))
                verdicts.append(verdict)
            verdict = Verdict("all five together", "SPEC", scheme)
            for held, overrides in combined.items():
                label = ", ".join(f"{fmt_value(v)}" for k, v in overrides.items() if not k.endswith("_short"))
                run = run_window(windows[blocks[held].window], [with_overrides(spec, overrides)], scratch)[0]
                verdict.add(label, run.piece(blocks[held]).tally(), spec_pieces[held].tally())
            verdicts.append(verdict)
            verdict = Verdict("alerts.silent_types", "none", scheme)
            for held, train in plan:
                silent = silent_types(spec_pieces, train, purged(blocks[held], horizon))
                verdict.add(",".join(sorted(silent)) or "none",
                            spec_pieces[held].tally(lambda s, silent=silent: s.type not in silent),
                            spec_pieces[held].tally())
            verdicts.append(verdict)

    result = report(windows, blocks, by_window, spec_pieces, pieces(index[("shipped", None)]),
                    pieces(index[("old tuned", None)]), verdicts, index[("shipped", None)], horizon, out)
    result["seconds"] = round(time.perf_counter() - started, 2)
    print(f"\n(study took {result['seconds']:.1f} s)", file=out)
    return result


def report(windows: list[Window], blocks: list[Block], by_window: list[list[WindowRun]], spec_pieces: list[Piece],
           shipped_pieces: list[Piece], old_pieces: list[Piece], verdicts: list[Verdict], shipped: int,
           horizon: int, out) -> dict[str, Any]:
    h = f"+{horizon // 60} min"

    def p(*text: str) -> None:
        print(*text, file=out)

    events = sum(len(w.records) for w in windows)
    covered = sum(len(runs[0].minutes) for runs in by_window)
    p(f"out-of-sample study: {len(windows)} windows, {len(blocks)} blocks, {events:,} events, {covered} covered "
      f"minutes. Hit = the signal's direction right at {h} (return > 0); base = the same coin and direction "
      f"at random moments of the same block; n = signals with a {h} return.")
    p("")
    p("blocks, SPEC's numbers:")
    rows = []
    for b, piece in zip(blocks, spec_pieces):
        w = windows[b.window]
        trades = sum(1 for r in w.records if "trades" in r.ch and b.start <= r.t < b.end)
        t = piece.tally()
        rows.append([b.name, w.source.split(".")[0].removeprefix("binance_"), str(trades), str(piece.minutes),
                     str(len(piece.signals)), pct(t), base(t)])
    p(table(["block (UTC)", "source", "trades", "minutes", "signals", f"hit {h}", "base"], rows))

    for scheme in ("leave-one-out", "walk-forward"):
        p("")
        p("leave-one-block-out: each block measured with the value chosen on the others (purged)"
          if scheme == "leave-one-out" else
          "walk-forward: each block measured with the value chosen on the blocks before it (first left out)")
        rows = []
        for v in (v for v in verdicts if v.scheme == scheme):
            chosen = ", ".join(f"{fmt_value(k)} x{n}" for k, n in v.chosen.most_common())
            rows.append([v.knob, fmt_value(v.spec), chosen if len(chosen) <= 48 else chosen[:45] + "...",
                         pct(v.tuned), base(v.tuned), pct(v.spec_tally), base(v.spec_tally), span(v.difference),
                         "yes" if v.wins else "no"])
        p(table(["knob", "SPEC", "chosen (folds)", "held out, tuned", "base", "held out, SPEC", "base",
                 "edge diff 95%", "wins"], rows))
    md = ["| knob (SPEC) | grid | leave-one-block-out: chosen, held out | walk-forward: chosen, held out | beats SPEC |",
          "|---|---|---|---|---|"]
    for loo, wf in zip(*([v for v in verdicts if v.scheme == s] for s in ("leave-one-out", "walk-forward"))):
        knob = next((k for k in KNOBS if k.name == loo.knob), None)
        grid = " ".join(fmt_value(v) for v in knob.grid) if knob else ""
        name = f"`{loo.knob}`" if "." in loo.knob else loo.knob
        md.append(f"| {name} ({fmt_value(loo.spec)}) | {grid} | {_md_verdict(loo)} | {_md_verdict(wf)} | "
                  f"{'**yes**' if loo.wins or wf.wins else 'no'} ({_md_span(loo.difference)} / "
                  f"{_md_span(wf.difference)}) |")
    first = next(v for v in verdicts if v.scheme == "leave-one-out")
    md[:0] = [f"Held out, the specification's numbers: {_md_pct(first.spec_tally)}, baseline "
              f"{_md_rate(first.spec_tally.base)}.", ""]

    # Under the shipped defaults: every signal of every block (nothing was fitted on them).
    by_type: dict[str, Tally] = {}
    by_class: dict[tuple[str, int], Tally] = {}
    by_tier: dict[int, Tally] = {}
    overall = Tally()
    counts: Counter = Counter()
    for piece in shipped_pieces:
        counts.update(s.type for s in piece.signals)
        for (t, tier), x in piece.by_class().items():
            for table_, key in ((by_class, (t, tier)), (by_type, t), (by_tier, tier)):
                table_.setdefault(key, Tally())
                table_[key] += x
            overall += x
    hours = covered / 60
    rows = []
    for t in sorted(counts, key=lambda t: -counts[t]):
        x = by_type.get(t, Tally())
        rows.append([t, "all", str(counts[t]), f"{counts[t] / hours:.1f}", pct(x), base(x), edge(x)])
        tiers = sorted((tier, y) for (ct, tier), y in by_class.items() if ct == t)
        if len(tiers) > 1:
            rows += [["", f"tier {tier}", "", "", pct(y), base(y), edge(y)] for tier, y in tiers]
    rows += [["all types", f"tier {tier}", "", "", pct(x), base(x), edge(x)] for tier, x in sorted(by_tier.items())]
    total = sum(counts.values())
    rows.append(["all", "all", str(total), f"{total / hours:.1f}", pct(overall), base(overall), edge(overall)])
    md += ["", "| type | tier | signals | per covered hour | hit +15 min (95 %, n) | baseline |",
           "|---|---|---|---|---|---|"]
    for t in sorted(counts, key=lambda t: -counts[t]):
        tiers = sorted((tier, y) for (ct, tier), y in by_class.items() if ct == t)
        x = by_type.get(t, Tally())
        md.append(f"| `{t}` | all | {counts[t]} | {counts[t] / hours:.1f} | {_md_pct(x)} | {_md_rate(x.base)} |")
        if len(tiers) > 1:
            md += [f"| | {tier} | | | {_md_pct(y)} | {_md_rate(y.base)} |" for tier, y in tiers]
    md += [f"| all | {tier} | | | {_md_pct(x)} | {_md_rate(x.base)} |" for tier, x in sorted(by_tier.items())]
    md.append(f"| all | all | {total} | {total / hours:.1f} | {_md_pct(overall)} | {_md_rate(overall.base)} |")
    p("")
    p("the shipped defaults, every block:")
    p(table(["type", "tier", "signals", "/h", f"hit {h} [95%] n", "base", "edge pts"], rows))

    p("")
    p("rates under the shipped defaults (alerts: the watchlist's coins alertable, as backtest counts them;"
      " most in 60 min: by signal time):")
    rows = []
    md += ["", "| window | covered minutes | signals per covered hour | alerts (per covered hour) | "
           "URGENT (per covered hour) | most alerts in 60 min |", "|---|---|---|---|---|---|"]
    sums = {"all": [0, 0, 0, 0], "windows with trades": [0, 0, 0, 0]}  # minutes, signals, alerts, URGENT
    for w, runs in zip(windows, by_window):
        run = runs[shipped]
        sent = sorted(s.ts for s in run.signals if s.id in run.alerted)
        hot = sum(1 for s in run.signals if s.id in run.alerted and s.priority == "URGENT")
        most = max((bisect_left(sent, t + 3_600_000) - i for i, t in enumerate(sent)), default=0)
        figures = [len(run.minutes), len(run.signals), len(sent), hot]
        rows.append([w.name, *_rates(figures), str(most)])
        if figures[1]:
            md.append(_md_rates(w.name, figures, str(most)))
        for key in list(sums) if any("trades" in r.ch for r in w.records) else ["all"]:
            sums[key] = [a + b for a, b in zip(sums[key], figures)]
    rows += [[key, *_rates(figures), ""] for key, figures in sums.items()]
    md += [_md_rates(key, figures, "") for key, figures in sums.items()]
    p(table(["window", "minutes", "signals/h", "alerts/h", "URGENT/h", "alerts", "URGENT", "most in 60 min"], rows))
    alerts, urgent = sums["all"][2], sums["all"][3]

    after = [i for i, b in enumerate(blocks) if _utc(b.start) >= OLD_TUNED_UNTIL]
    old = pool(old_pieces, after, lambda s: s.type not in OLD_TUNED["alerts.silent_types"])
    ref = pool(spec_pieces, after)
    p("")
    p(f"the previous version's tuned defaults on the blocks after {OLD_TUNED_UNTIL} (not fitted on them), alerting types:")
    p(table(["settings", f"hit {h} [95%] n", "base", "edge diff 95% vs SPEC"],
            [["old tuned", pct(old), base(old), span(difference_interval(old, ref))], ["SPEC", pct(ref), base(ref), ""]]))

    md += ["", f"Old tuned defaults after {OLD_TUNED_UNTIL}: {_md_pct(old)}, baseline {_md_rate(old.base)}; "
           f"SPEC's there: {_md_pct(ref)}, baseline {_md_rate(ref.base)}."]
    priors = prior_section([runs[shipped] for runs in by_window], windows, p)
    md += ["", f"Prior check (n {priors['n']}): Brier {priors['brier_prior']} measured against {priors['brier_flat']} "
           f"empty ({priors['brier_constant']} for a constant 50 %), difference {priors['brier_difference_95']}; "
           f"calibration error {priors['calibration_error_prior']} against {priors['calibration_error_flat']} "
           f"({priors['calibration_error_constant']}), difference {priors['calibration_error_difference_95']}."]
    return {"windows": [{"name": w.name, "source": w.source, "events": len(w.records),
                         "minutes": len(runs[0].minutes)} for w, runs in zip(windows, by_window)],
            "blocks": [b.name for b in blocks],
            "verdicts": [v.as_dict() for v in verdicts],
            "shipped": {"by_type": {t: x.as_dict() for t, x in by_type.items()},
                        "by_class": {f"{t} tier {tier}": x.as_dict() for (t, tier), x in by_class.items()},
                        "by_tier": {f"tier {tier}": x.as_dict() for tier, x in by_tier.items()},
                        "overall": overall.as_dict(), "signals_per_hour": _r(total / hours),
                        "alerts_per_hour": _r(alerts / hours), "urgent_per_hour": _r(urgent / hours)},
            "old_tuned_held_out": old.as_dict(), "spec_on_same": ref.as_dict(), "priors": priors,
            "markdown": "\n".join(md)}


def _md_rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}".replace("%", " %")


def _md_pct(t: Tally) -> str:
    if not t.n:
        return "– (n 0)"
    low, high = t.interval  # type: ignore[misc]
    return f"{t.rate:.0%} [{low:.0%}–{high:.0%}] n {t.n}".replace("%", " %").replace(" %–", "–")


def _md_span(d: tuple[float, float] | None) -> str:
    return "–" if d is None else f"{100 * d[0]:+.0f} to {100 * d[1]:+.0f}".replace("-", "−")


def _md_verdict(v: Verdict) -> str:
    top, n = v.chosen.most_common(1)[0]
    return f"{fmt_value(top)} in {n} of {v.folds}; {_md_pct(v.tuned)}, base {_md_rate(v.tuned.base)}"


def _md_rates(name: str, figures: list[int], most: str) -> str:
    minutes, signals, alerts, urgent = figures
    hours = minutes / 60
    return (f"| {name} | {minutes} | {signals / hours:.1f} | {alerts} ({alerts / hours:.1f}) | "
            f"{urgent} ({urgent / hours:.1f}) | {most} |")


def _rates(figures: list[int]) -> list[str]:
    minutes, signals, alerts, urgent = figures
    hours = minutes / 60
    return [str(minutes), f"{signals / hours:.1f}", f"{alerts / hours:.1f}", f"{urgent / hours:.1f}", str(alerts),
            str(urgent)]


def prior_section(runs: list[WindowRun], windows: list[Window], p: Callable[..., None]) -> dict[str, Any]:
    """The prior table measured on every window, and leave-one-window-out: each window stated by
    the engine's estimator from a table measured on the other windows, against the empty table."""
    horizon = runs[0].horizon
    measured = prior_table((s for run in runs for s in run.signals), horizon)
    flat: list[tuple[float, int]] = []
    prior: list[tuple[float, int]] = []
    for held, run in enumerate(runs):
        others = prior_table((s for i, r in enumerate(runs) if i != held for s in r.signals), horizon)
        flat += stated_probabilities(run, {})
        prior += stated_probabilities(run, others)
    p("")
    p(f"prior table, the shipped defaults, every window: hits / n at +{horizon // 60} min per (type, tier)")
    p(table(["type", "tier", "hits", "n", "rate"],
            [[t, str(tier), str(hn[0]), str(hn[1]), f"{hn[0] / hn[1]:.0%}"] for (t, tier), hn in measured.items()]))
    constant = [(0.5, y) for _, y in flat]
    b_flat, b_prior = brier(flat), brier(prior)
    e_flat, e_prior = calibration_error(flat), calibration_error(prior)
    b_diff = bootstrap_difference(flat, prior, brier)  # type: ignore[arg-type]
    e_diff = bootstrap_difference(flat, prior, calibration_error)  # type: ignore[arg-type]
    # The measured table ships only if it states better beyond noise and calibrates no worse beyond it.
    wins = b_diff is not None and e_diff is not None and b_diff[1] < 0 and e_diff[0] <= 0
    p("prior check, leave-one-window-out (the engine's estimator: Beta(1,1) + the table measured on the other "
      "windows + the window's own outcomes as they resolve):")
    p(table(["stated by", "n", "Brier", "calibration error"],
            [["the empty table (50 % at first)", str(len(flat)), _f(b_flat, 4), _f(e_flat, 3)],
             ["the measured table", str(len(prior)), _f(b_prior, 4), _f(e_prior, 3)],
             ["a constant 50 % (no learning)", str(len(constant)), _f(brier(constant), 4),
              _f(calibration_error(constant), 3)]]))
    p(f"  measured - empty, 95 % (paired bootstrap): Brier {_f(b_diff and b_diff[0], 4)} to {_f(b_diff and b_diff[1], 4)}, "
      f"calibration error {_f(e_diff and e_diff[0], 3)} to {_f(e_diff and e_diff[1], 3)}")
    p(f"  -> ship {'the measured table' if wins else 'the empty table: the measured one is not better beyond noise'}")
    return {"table": {f"{t} tier {tier}": list(hn) for (t, tier), hn in measured.items()},
            "windows": [w.name for w in windows],
            "brier_flat": _r(b_flat), "brier_prior": _r(b_prior), "calibration_error_flat": _r(e_flat),
            "calibration_error_prior": _r(e_prior), "brier_constant": _r(brier(constant)),
            "calibration_error_constant": _r(calibration_error(constant)),
            "brier_difference_95": [_r(v) for v in b_diff] if b_diff else None,
            "calibration_error_difference_95": [_r(v) for v in e_diff] if e_diff else None,
            "n": len(flat), "measured_wins": wins}


def _f(v: float | None, digits: int) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def default_files() -> list[Path]:
    return sorted(WINDOWS.glob("*.gz")) + [GOLDEN]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Out-of-sample study of teleglas's signal defaults.")
    parser.add_argument("files", nargs="*", type=Path, help="recordings (default: the bundled real windows)")
    parser.add_argument("--gap-min", type=float, default=30.0,
                        help="a jump in event time this long starts a new window (default 30)")
    parser.add_argument("--block-min", type=float, default=30.0,
                        help="windows longer than this are cut into equal blocks for the folds (default 30)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--markdown", action="store_true", help="also print the README's tables (Markdown)")
    args = parser.parse_args(argv)
    if not args.files and not WINDOWS.is_dir():
        print(f"out_of_sample: no recordings given and no {WINDOWS}: give FILE...", file=sys.stderr)
        return 2
    files = args.files or default_files()
    missing = [f for f in files if not Path(f).exists()]
    if missing:
        print(f"out_of_sample: no such file: {missing[0]}", file=sys.stderr)
        return 2
    try:
        result = study(files, args.gap_min, args.block_min)
    except BrokenPipeError:  # the reader went away (`| head`): quietly, as teleglas does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    if args.markdown:
        print("\n" + result["markdown"])
    if args.json:
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
