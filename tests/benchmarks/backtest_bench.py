"""Cost-per-event benchmark (not a test: nothing here asserts a time).

    python tests/benchmarks/backtest_bench.py [RECORDING] [--repeat N]

Replays a recording through the full pipeline (reading and decoding included) ``N`` times and
prints, per slice of 10,000 market frames, the best CPU time per frame over the runs: the first
and last slices show whether the cost stays flat as the windows fill.  The first slice also
carries the REST lines that come before the market data (the benchmark file starts with twelve
minutes of context polls), so compare the second slice with the last.  Then peak RSS.
Default recording: ../shared/bench/synthetic_200sym_110k.jsonl.gz.  The headline throughput is
``teleglas backtest --json FILE``, as a user runs it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.core import Engine  # noqa: E402
from engine.pipeline import Pipeline  # noqa: E402
from engine.recording import read_records  # noqa: E402
from engine.settings import Settings  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "bench" / "synthetic_200sym_110k.jsonl.gz"
SLICE = 10_000


def one_run(path: Path) -> list[float]:
    """CPU µs per market frame for each full slice of SLICE market frames."""
    pipeline = Pipeline(Engine(Settings()))
    feed = pipeline.feed
    slices: list[float] = []
    frames, mark = 0, time.process_time()
    for record in read_records(path):
        feed(record.src, record.kind, record.ch, record.raw, record.t)
        if record.kind == "ws":
            frames += 1
            if frames % SLICE == 0:
                now = time.process_time()
                slices.append((now - mark) / SLICE * 1e6)
                mark = now
    return slices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recording", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    best: list[float] = []
    for _ in range(args.repeat):
        run = one_run(args.recording)
        best = run if not best else [min(a, b) for a, b in zip(best, run, strict=True)]
    print(f"{args.recording.name}: best CPU µs per market frame, per {SLICE:,}-frame slice:")
    print("  " + " ".join(f"{s:.2f}" for s in best))
    if len(best) >= 3:
        print(f"  second slice {best[1]:.2f}, last {best[-1]:.2f} ({best[-1] / best[1] - 1:+.0%})")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
