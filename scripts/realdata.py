"""Turn the real data of ``../shared/realdata`` into recording lines (format v1).

The Binance liquidations come as a CSV of flattened ``forceOrder`` events; here each row becomes
the CoinGlass ``liquidationOrders`` frame it would have been (``exName`` Binance; order side SELL
means a long was liquidated → CoinGlass ``side`` 1, BUY → 2; ``volUsd`` = ``usd_value``; ``time``
= the row's UTC timestamp).  Nothing else is changed: prices, sizes, symbols (the non-ASCII one
too) and times are the CSV's own.

    python scripts/realdata.py liquidations OUT.jsonl [--realdata DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REALDATA = REPO.parent / "shared" / "realdata"
LIQUIDATIONS_CSV = "binance_usdm_liquidations_20251022_0936-0943Z.chiefJurist.csv"
TRADES_GZ = "binance_usdm_BTCUSDT_trade_20240808_2354-2400Z.hftbacktest.txt.gz"
PROVENANCE = ("Binance USD-M liquidations 2025-10-22 09:36:42-09:43:34 UTC from chiefJurist/Trading-Bot "
              "commit 861e44721f3865bd874c30852deb0c676b4418d1 binance_liquidations.csv (first 474 rows), "
              "converted row by row to CoinGlass liquidationOrders frames")
_CG_SIDE = {"SELL": 1, "BUY": 2}  # order side SELL = a long position was liquidated


def _ms(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp).replace(tzinfo=timezone.utc).timestamp() * 1000)


def liquidation_frames(csv_path: Path) -> list[tuple[int, str]]:
    """One ``(time_ms, raw CoinGlass frame)`` per CSV row, in file order."""
    frames = []
    with open(csv_path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ts = _ms(row["timestamp"])
            symbol = row["symbol"]
            item = {
                "baseAsset": symbol.removesuffix("USDT"),
                "exName": "Binance",
                "price": float(row["avg_price"]),
                "side": _CG_SIDE[row["side"]],
                "symbol": symbol,
                "time": ts,
                "volUsd": float(row["usd_value"]),
            }
            raw = json.dumps({"channel": "liquidationOrders", "data": [item]}, ensure_ascii=False,
                             separators=(",", ":"))
            frames.append((ts, raw))
    return frames


def write_liquidation_recording(out: Path, realdata: Path = REALDATA) -> int:
    from engine.recording import RecordingWriter  # scripts run from the repository root

    frames = liquidation_frames(realdata / LIQUIDATIONS_CSV)
    writer = RecordingWriter(out, ["coinglass"], PROVENANCE)
    for ts, raw in frames:
        writer.write(ts, "coinglass", "ws", "liquidationOrders", raw)
    writer.close()
    return len(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["liquidations"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--realdata", type=Path, default=REALDATA)
    args = parser.parse_args()
    n = write_liquidation_recording(args.out, args.realdata)
    print(f"wrote {n} frames to {args.out}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(REPO))
    main()
