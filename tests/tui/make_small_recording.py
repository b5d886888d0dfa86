"""Rebuild ``tests/tui/data/small.jsonl.gz``, the fixed recording of the TUI snapshot tests.

    python tests/tui/make_small_recording.py

It is the demo recording (``scripts/build_demo_recording.py``: real Binance BTC trades and real
Binance liquidations on one timeline) cut to its first ``SECONDS`` seconds: enough for order flow,
whale and stop-hunt signals, small enough to replay in a test.  Commit the result; the snapshots
depend on it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO))

from build_demo_recording import REALDATA, build

from engine.recording import read_records, write_recording

SECONDS = 150
OUT = Path(__file__).resolve().parent / "data" / "small.jsonl.gz"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.jsonl.gz"
        build(REALDATA, demo)
        records = list(read_records(demo))
    end = records[0].t + SECONDS * 1000
    kept = [r for r in records if r.t <= end]
    write_recording(OUT, ["binance", "coinglass"],
                    f"the first {SECONDS} s of the teleglas demo recording (see recordings/README.md)", kept)
    print(f"wrote {OUT}: {len(kept)} records")


if __name__ == "__main__":
    main()
