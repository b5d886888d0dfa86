"""Build ``recordings/demo.jsonl.zst`` (what ``teleglas demo`` plays) from ``../shared/realdata``.

    python scripts/build_demo_recording.py [--realdata DIR] [--out FILE]

One real episode, unchanged: the 84 minutes of 2025-12-27 14:31-15:55 UTC of
``windows/binance_usdm_riftfern_2025-12.coinglass-framed.jsonl.gz``: every Binance USD-M
liquidation (228 symbols in this episode) and the aggTrades over $14,999 of 5 coins from 14:49 on,
framed as CoinGlass messages (see that folder's README).  Every line is kept as it is, ``t`` and ``raw``
included; nothing is shifted, added or stitched.  The other windows of that file (hours and days
later) are left out.  A ``.zst`` output is compressed at level 19 (the smallest file the reader
knows); other names as ``write_recording`` writes them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import zstandard

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.recording import read_header, read_records, write_recording  # noqa: E402

REALDATA = REPO.parent / "shared" / "realdata"
SOURCE = Path("windows") / "binance_usdm_riftfern_2025-12.coinglass-framed.jsonl.gz"
# The episode lies between two gaps of hours: these bounds hold it whole and nothing else.
EPISODE = (datetime(2025, 12, 27, 14, 0, tzinfo=UTC), datetime(2025, 12, 27, 16, 0, tzinfo=UTC))
OUT = REPO / "recordings" / "demo.jsonl.zst"
NOTE = ("teleglas demo: one real episode, 2025-12-27 14:31-15:55 UTC: every Binance USD-M liquidation "
        "and the aggTrades over $14,999, from riftfern/data-streams@ce9e4d3805c5 binance.csv and "
        "binance_trades.csv, framed as CoinGlass messages (../shared/realdata/windows); lines unchanged. "
        "See recordings/README.md.")


def build(realdata: Path, out: Path) -> dict:
    source = realdata / SOURCE
    start, end = (int(moment.timestamp() * 1000) for moment in EPISODE)
    records = [r for r in read_records(source) if start <= r.t < end]
    sources = read_header(source)["sources"]
    if out.name.endswith(".zst"):  # the writer's live level is 3; a file shipped once gets 19
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "demo.jsonl"
            write_recording(plain, sources, NOTE, records)
            out.write_bytes(zstandard.ZstdCompressor(level=19).compress(plain.read_bytes()))
    else:
        write_recording(out, sources, NOTE, records)
    kinds = {ch.split("@")[0] for ch in (r.ch for r in records)}
    return {"records": len(records), "channels": sorted(kinds), "first_t": records[0].t, "last_t": records[-1].t,
            "bytes": out.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realdata", type=Path, default=REALDATA, help="the shared real-data directory")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output recording (default {OUT.relative_to(REPO)})")
    args = parser.parse_args()
    s = build(args.realdata, args.out)
    span = (s["last_t"] - s["first_t"]) / 1000
    first = datetime.fromtimestamp(s["first_t"] / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    print(f"wrote {args.out}: {s['records']:,} records ({', '.join(s['channels'])}) from {first} UTC "
          f"over {span:,.1f} s, {s['bytes']:,} bytes")


if __name__ == "__main__":
    main()
