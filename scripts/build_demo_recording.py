"""Build ``recordings/demo.jsonl.gz`` (what ``teleglas demo`` plays) from ``../shared/realdata``.

    python scripts/build_demo_recording.py [--realdata DIR] [--out FILE]

Two real captures from different days, put on one timeline:

- the 21,313 Binance ``btcusdt@trade`` frames, byte-exact, ``src`` binance, ``t`` the capture's own
  receive time (its ns prefix // 1,000,000);
- the 474 Binance liquidations, converted by ``scripts/realdata.py`` to CoinGlass
  ``liquidationOrders`` frames, ``src`` coinglass.

Only the liquidations move: one constant shift puts the first of them ``LEAD_MS`` after the first
trade (event time), so at ``--speed 1`` the flow pane fills at once and liquidations follow within
a second; the FETUSDT burst ($123k within 30 s, tier-3 threshold $50k) comes about 90 s in.  The shift
is applied to each frame's ``time`` and to its ``t``; ``t`` also takes the trade capture's clock
offset (its receive clock runs behind the exchange's ``T``), so the merged file is in event-time
order.  The printed summary gives the shift; recordings/README.md repeats it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from realdata import LIQUIDATIONS_CSV, REALDATA, TRADES_GZ, liquidation_frames  # noqa: E402

from engine.recording import Record, read_records, write_recording  # noqa: E402

LEAD_MS = 1_000
OUT = REPO / "recordings" / "demo.jsonl.gz"
NOTE = ("teleglas demo: real Binance USD-M btcusdt@trade frames (2024-08-08 23:54:16-23:59:59 UTC, "
        "nkaz001/hftbacktest 5f3ec40b, byte-exact) and 474 real Binance USD-M liquidations "
        "(2025-10-22 09:36:42-09:43:34 UTC, chiefJurist/Trading-Bot 861e4472) converted to CoinGlass "
        "liquidationOrders frames; liquidation times shifted by {shift_ms} ms onto the trades' timeline. "
        "See recordings/README.md.")


def trade_lines(path: Path) -> list[tuple[int, str]]:
    """``(receive_ms, frame)`` per captured line; the frame text exactly as captured."""
    import gzip

    out = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for line in fh:
            stamp, frame = line.rstrip("\r\n").split(" ", 1)
            out.append((int(stamp) // 1_000_000, frame))
    return out


def shifted(raw: str, shift_ms: int) -> str:
    """The same CoinGlass frame with each item's ``time`` moved by ``shift_ms``."""
    frame = json.loads(raw)
    for item in frame["data"]:
        item["time"] += shift_ms
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def build(realdata: Path, out: Path) -> dict:
    trades = trade_lines(realdata / TRADES_GZ)
    liquidations = liquidation_frames(realdata / LIQUIDATIONS_CSV)
    event_times = [json.loads(frame)["data"]["T"] for _, frame in trades]
    clock_lag_ms = int(statistics.median(T - t for T, (t, _) in zip(event_times, trades)))
    shift_ms = event_times[0] + LEAD_MS - liquidations[0][0]
    records = [Record(t, "binance", "ws", "btcusdt@trade", frame) for t, frame in trades]
    records += [Record(ts + shift_ms - clock_lag_ms, "coinglass", "ws", "liquidationOrders", shifted(raw, shift_ms))
                for ts, raw in liquidations]
    records.sort(key=lambda r: r.t)  # stable: equal times keep trades before liquidations
    write_recording(out, ["binance", "coinglass"], NOTE.format(shift_ms=shift_ms), records)
    return {"trades": len(trades), "liquidations": len(liquidations), "shift_ms": shift_ms,
            "clock_lag_ms": clock_lag_ms, "first_t": records[0].t, "last_t": records[-1].t}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realdata", type=Path, default=REALDATA, help="the shared real-data directory")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output recording (default {OUT.relative_to(REPO)})")
    args = parser.parse_args()
    summary = build(args.realdata, args.out)
    lines = sum(1 for _ in read_records(args.out))
    print(f"wrote {args.out}: {lines} records ({summary['trades']} trades, {summary['liquidations']} liquidations), "
          f"liquidations shifted by {summary['shift_ms']} ms, trade clock lag {summary['clock_lag_ms']} ms, "
          f"span {(summary['last_t'] - summary['first_t']) / 1000:.1f} s")


if __name__ == "__main__":
    main()
