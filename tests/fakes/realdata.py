"""The real venue payloads in ``tests/data/realdata`` (its README gives source, commit and licence
of each file), for the venue parser tests and the fake venue servers."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

REALDATA = Path(__file__).resolve().parents[1] / "data" / "realdata"
EXAMPLES = REALDATA / "venue_payload_examples.tardis-node.json"
BINANCE_TRADES = REALDATA / "binance_usdm_BTCUSDT_trade_20240808_2354-2400Z.hftbacktest.txt.gz"
BINANCE_LIQUIDATIONS = REALDATA / "binance_usdm_liquidations_20251022_0936-0943Z.chiefJurist.csv"


def example(channel: str) -> dict:
    """The tardis-node fixture message whose ``channel`` label is ``channel``."""
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))["examples"]
    return next(e["msg"] for e in examples if e["channel"] == channel)


def binance_trade_frames(limit: int | None = None) -> list[str]:
    """Raw ``btcusdt@trade`` combined-stream frames, byte-exact (the receive-time prefix dropped)."""
    frames = []
    with gzip.open(BINANCE_TRADES, "rt", encoding="utf-8") as fh:
        for line in fh:
            frames.append(line.rstrip("\n").split(" ", 1)[1])
            if limit is not None and len(frames) >= limit:
                break
    return frames


def binance_liquidation_rows() -> list[dict[str, str]]:
    with open(BINANCE_LIQUIDATIONS, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def binance_force_order_frames() -> list[tuple[str, dict[str, str]]]:
    """The real CSV liquidations as ``!forceOrder@arr`` frames, with the row each came from.

    The CSV kept ``avg_price`` and ``filled_qty`` but not the order's limit price, so ``p`` repeats
    ``ap``; everything the parser reads from a live frame is the real value.
    """
    out = []
    for row in binance_liquidation_rows():
        ts = int(datetime.fromisoformat(row["timestamp"]).replace(tzinfo=timezone.utc).timestamp() * 1000)
        order = {"s": row["symbol"], "S": row["side"], "o": "LIMIT", "f": "IOC", "q": row["filled_qty"],
                 "p": row["avg_price"], "ap": row["avg_price"], "X": "FILLED", "l": row["filled_qty"],
                 "z": row["filled_qty"], "T": ts}
        frame = {"stream": "!forceOrder@arr", "data": {"e": "forceOrder", "E": ts + 3, "o": order}}
        out.append((json.dumps(frame, ensure_ascii=False, separators=(",", ":")), row))
    return out


LIVE_FORMATS = Path(__file__).resolve().parents[1] / "data" / "live_formats"


def live_formats(venue: str) -> dict:
    """``tests/data/live_formats/<venue>.json``: the frames each venue sends today, each with the
    source it was taken or built from, and the events it must give."""
    return json.loads((LIVE_FORMATS / f"{venue}.json").read_text(encoding="utf-8"))


def live_frame(venue: str, name: str) -> str:
    """One current-format frame of ``venue`` by its ``name``, as the text the venue sends."""
    frame = next(f["frame"] for f in live_formats(venue)["frames"] if f["name"] == name)
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
