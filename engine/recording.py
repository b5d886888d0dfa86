"""Recordings, format v1 (README, "Recording format").

UTF-8 JSON Lines, compressed when the file starts with the gzip or zstd magic bytes (written so
when the name ends in ``.gz`` or ``.zst``; zstd reads several times faster).  Line 1 is a header;
every other line is one message exactly as received::

    {"t": 1761125802306, "src": "coinglass", "kind": "ws", "ch": "liquidationOrders", "raw": "..."}

Readers skip and count the lines they cannot use; nothing here raises on a bad line.
"""

from __future__ import annotations

import gzip
import io
import os
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
import zstandard

FORMAT = "teleglas-recording"
VERSION = 1
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(slots=True)
class Record:
    t: int
    src: str
    kind: str  # "ws" or "rest"
    ch: str
    raw: str


@dataclass
class ReadStats:
    lines: int = 0  # lines after the header, updated every few thousand lines and at the end
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    size: int = 0  # bytes of the file being read (compressed size for .gz)
    position: int = 0  # bytes consumed so far, updated every few thousand lines

    @property
    def records(self) -> int:
        return self.lines - self.skipped

    @property
    def fraction(self) -> float:
        return min(self.position / self.size, 1.0) if self.size else 0.0

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


class RecordingError(ValueError):
    """The file is not a teleglas recording at all (one line for the user)."""


# What a decompressor raises on damaged data, or on a stream its writer never finished.
_DAMAGED = (EOFError, zlib.error, gzip.BadGzipFile, zstandard.ZstdError)


class _ZstdReader(io.RawIOBase):
    """zstd-decompressed ``raw``.  ``read_to_iter`` rather than ``stream_reader``: the latter drops
    the output of the last input chunk of an unfinished frame, so a recording whose writer was
    killed would lose its last minutes, silently."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._chunks = zstandard.ZstdDecompressor().read_to_iter(raw)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, b"")
            if not chunk:
                return 0
            self._pending = memoryview(chunk)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        super().close()
        self._raw.close()


def _decompressed(raw: IO[bytes]) -> IO[bytes]:
    """``raw`` itself, or a reader that decompresses it, chosen by its first bytes."""
    magic = raw.read(4)
    raw.seek(0)
    if magic[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if magic == _ZSTD_MAGIC:
        return io.BufferedReader(_ZstdReader(raw), 1 << 16)  # type: ignore[return-value]
    return raw


def open_binary(path: Path | str) -> IO[bytes]:
    """Open a recording for reading, compressed or plain, whatever its name says."""
    return _decompressed(open(path, "rb"))  # noqa: SIM115 - returned to the caller


def read_header(path: Path | str) -> dict[str, Any]:
    with open_binary(path) as fh:
        try:
            first = fh.readline()
        except _DAMAGED:
            raise RecordingError(f"{path}: not a readable recording (its compressed data is damaged)") from None
    try:
        header = orjson.loads(first)
    except orjson.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordingError(f"{path}: not a teleglas recording (no v1 header on line 1)")
    if header.get("version") != VERSION:
        raise RecordingError(f"{path}: recording version {header.get('version')!r} is not supported (1 is)")
    return header


def read_records(path: Path | str, stats: ReadStats | None = None) -> Iterator[Record]:
    """Every usable message of a recording, in file order."""
    read_header(path)
    stats = stats if stats is not None else ReadStats()
    loads = orjson.loads
    with open(path, "rb") as raw:
        stats.size = os.fstat(raw.fileno()).st_size
        stats.position = 0
        fh = _decompressed(raw)
        fh.readline()
        start, n = stats.lines, 0
        try:
            for n, line in enumerate(fh, 1):
                if not n & 4095:  # the per-line path stays short: a backtest reads millions
                    stats.position = raw.tell()
                    stats.lines = start + n
                try:
                    rec = loads(line)
                    record = Record(rec["t"], rec["src"], rec["kind"], rec["ch"], rec["raw"])
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    stats.skip("bad line")
                    continue
                if record.raw.__class__ is not str or record.t.__class__ is not int:
                    stats.skip("bad line")
                    continue
                yield record
        except _DAMAGED:  # the writer died before closing the stream: every line before is good
            stats.skip("cut short")
        stats.lines = start + n
        stats.position = stats.size


class RecordingWriter:
    """Appends messages as received.  Lines are flushed in batches so a crash loses little."""

    def __init__(self, path: Path | str, sources: list[str], note: str = "") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        raw = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        if self.path.name.endswith(".gz"):
            self._fh: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb")
        elif self.path.name.endswith(".zst"):
            self._fh = zstandard.ZstdCompressor(level=3).stream_writer(raw, closefd=False)  # type: ignore[assignment]
        else:
            self._fh = raw
        self._raw = raw
        self.lines = 0
        header = {"format": FORMAT, "version": VERSION, "created_ms": int(time.time() * 1000),
                  "sources": sources, "note": note}
        self._fh.write(orjson.dumps(header) + b"\n")

    def write(self, t: int, src: str, kind: str, ch: str, raw: str | bytes) -> None:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        self._fh.write(orjson.dumps({"t": t, "src": src, "kind": kind, "ch": ch, "raw": raw}) + b"\n")
        self.lines += 1

    def flush(self) -> None:
        self._fh.flush()
        if self._fh is not self._raw:
            self._raw.flush()

    def close(self) -> None:
        try:
            self._fh.close()
        finally:  # the file is closed even when the last write fails (a full disk)
            if self._fh is not self._raw:
                self._raw.close()


def write_recording(path: Path | str, sources: list[str], note: str, records: list[Record]) -> None:
    """Write a whole recording at once (used by the build scripts and tests)."""
    writer = RecordingWriter(path, sources, note)
    for r in records:
        writer.write(r.t, r.src, r.kind, r.ch, r.raw)
    writer.close()


__all__ = ["Record", "ReadStats", "RecordingError", "RecordingWriter", "read_header",
           "read_records", "write_recording", "open_binary"]
