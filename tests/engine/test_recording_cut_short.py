"""A recording whose writer died (power cut, OOM kill, SIGKILL) keeps every line it flushed, and
a file whose compressed data is damaged from the start is refused in one line."""

from __future__ import annotations

import shutil

import pytest

from engine.recording import (
    ReadStats,
    RecordingError,
    RecordingWriter,
    read_header,
    read_records,
)

T0 = 1_761_125_802_000


def crashed_recording(tmp_path, name: str, flushed: int = 3000, unflushed: int = 50):
    """The file as a killed writer leaves it: ``flushed`` lines on disk, the stream never closed."""
    path, crashed = tmp_path / name, tmp_path / f"crashed-{name}"
    writer = RecordingWriter(path, ["binance"])
    for i in range(flushed):
        writer.write(T0 + i, "binance", "ws", "s", f'{{"i":{i}}}')
    writer.flush()
    for i in range(unflushed):
        writer.write(T0 + flushed + i, "binance", "ws", "s", f'{{"i":{i}}}')
    shutil.copy(path, crashed)
    writer.close()
    return crashed


@pytest.mark.parametrize("name", ["cut.jsonl", "cut.jsonl.gz", "cut.jsonl.zst"])
def test_every_flushed_line_of_a_recording_cut_short_is_read(tmp_path, name):
    stats = ReadStats()
    records = list(read_records(crashed_recording(tmp_path, name), stats))
    assert [r.t for r in records[:3000]] == [T0 + i for i in range(3000)]
    assert stats.skipped <= 1  # at most the line the cut went through


@pytest.mark.parametrize("damage", [b"\x1f\x8b\x08\x00garbage", b"\x28\xb5\x2f\xfdgarbage"])
def test_damaged_compressed_data_is_one_line_not_a_traceback(tmp_path, damage):
    path = tmp_path / "damaged.jsonl.gz"
    path.write_bytes(damage)
    with pytest.raises(RecordingError, match="damaged.jsonl.gz: not a readable recording"):
        read_header(path)
