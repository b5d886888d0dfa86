"""Throughput benchmark (not a test: nothing here asserts a time).

    python tests/benchmarks/backtest_bench.py [RECORDING]

Replays a recording through the full pipeline in one process and prints events/s, the cost per
event of each 10k-event slice (first vs last shows whether cost stays flat as windows fill), and
peak RSS.  Default recording: ../shared/bench/synthetic_200sym_110k.jsonl.gz.  For the headline
figure use ``teleglas backtest --json FILE`` (reading and decoding included, as a user runs it).
"""

from __future__ import annotations

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


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    pipeline = Pipeline(Engine(Settings()))
    engine = pipeline.engine
    slices: list[float] = []
    mark, next_mark = time.perf_counter(), SLICE
    started = mark
    for record in read_records(path):
        pipeline.feed(record.src, record.kind, record.ch, record.raw, record.t)
        if engine.events >= next_mark:
            now = time.perf_counter()
            slices.append((now - mark) / SLICE * 1e6)
            mark, next_mark = now, next_mark + SLICE
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{path.name}: {engine.events:,} events in {seconds:.2f} s = {engine.events / seconds:,.0f} events/s")
    print("µs/event per 10k slice: " + " ".join(f"{s:.1f}" for s in slices))
    if len(slices) >= 2:
        print(f"first 10k {slices[0]:.2f} µs/event, last full 10k {slices[-1]:.2f} µs/event "
              f"({slices[-1] / slices[0] - 1:+.0%})")
    print(f"peak RSS {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
