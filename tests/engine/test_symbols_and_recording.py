"""Canonical coins across venues, and the recording format v1 reader."""

from __future__ import annotations

import gzip

import pytest

from engine.recording import ReadStats, RecordingError, read_header, read_records, write_recording, Record
from engine.symbols import canonical


@pytest.mark.parametrize(
    ("name", "coin", "divisor"),
    [
        ("BTCUSDT", "BTC", 1), ("BTC-USDT-SWAP", "BTC", 1), ("BTCUSDT_UMCBL", "BTC", 1),
        ("BTC_USDT", "BTC", 1), ("BTCUSD_PERP", "BTC", 1), ("BTCUSD_200925", "BTC", 1),
        ("XRP-USD-230929", "XRP", 1), ("1000PEPEUSDT", "PEPE", 1000), ("kPEPE", "PEPE", 1000),
        ("1000000MOGUSDT", "MOG", 1_000_000), ("1INCHUSDT", "1INCH", 1), ("MATICUSDT", "POL", 1),
        ("币安人生USDT", "币安人生", 1), ("ETH", "ETH", 1),
        # USDC- and USD-margined perpetuals are their coin (issue 21 item 4), on every venue's spelling.
        ("SOLUSDC", "SOL", 1), ("KAITOUSDC", "KAITO", 1), ("1000BONKUSDC", "BONK", 1000), ("SOL-USDC-SWAP", "SOL", 1),
        ("BTCPERP", "BTC", 1), ("ETH-PERP", "ETH", 1), ("BONKUSD", "BONK", 1), ("BTC_USDC", "BTC", 1),
        ("ZECUSDCUSDT", "ZEC", 1), ("1000PEPEUSDCUSDT", "PEPE", 1000), ("PENGUUSDCUSDT", "PENGU", 1),
        # ... but a coin whose name merely ends like a quote keeps it.
        ("USDCUSDT", "USDC", 1), ("USDC", "USDC", 1), ("TUSD", "TUSD", 1), ("TUSDUSDT", "TUSD", 1),
        ("SUSDUSDT", "SUSD", 1), ("FDUSD", "FDUSD", 1), ("USDEUSDT", "USDE", 1),
        ("XBTUSD", "BTC", 1), ("XBTUSDT", "BTC", 1), ("XBT", "BTC", 1),  # BitMEX writes bitcoin XBT
    ],
)
def test_canonical_coins(name, coin, divisor):
    assert canonical(name) == (coin, divisor)


def _records():
    return [Record(1761125802306 + i, "coinglass", "ws", "liquidationOrders", f'{{"n":{i}}}') for i in range(3)]


@pytest.mark.parametrize("name", ["r.jsonl", "r.jsonl.gz", "r.jsonl.zst"])
def test_round_trip_plain_gzip_and_zstd(tmp_path, name):
    path = tmp_path / name
    write_recording(path, ["coinglass"], "note", _records())
    assert read_header(path)["sources"] == ["coinglass"]
    assert list(read_records(path)) == _records()


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_compression_is_detected_by_magic_bytes_not_name(tmp_path, suffix):
    path = tmp_path / "no-suffix"
    write_recording(tmp_path / f"r.jsonl{suffix}", ["x"], "", _records())
    path.write_bytes((tmp_path / f"r.jsonl{suffix}").read_bytes())
    assert len(list(read_records(path))) == 3


def test_bad_lines_are_skipped_and_counted(tmp_path):
    path = tmp_path / "r.jsonl"
    write_recording(path, ["coinglass"], "", _records())
    with open(path, "a") as fh:
        fh.write("{broken\n")
        fh.write('{"t": "soon", "src": "x", "kind": "ws", "ch": "", "raw": ""}\n')
        fh.write('{"t": 1, "src": "x"}\n')
    stats = ReadStats()
    assert len(list(read_records(path, stats))) == 3
    assert stats.skipped == 3 and stats.reasons == {"bad line": 3}


def test_a_file_without_the_header_is_refused_in_one_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(gzip.compress(b'{"t":1}\n'))
    with pytest.raises(RecordingError, match="not a teleglas recording"):
        read_header(path)
