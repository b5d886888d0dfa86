"""Checks of what the command line names, done before anything starts: a bad value becomes one
:class:`~engine.errors.UsageError` line naming the option and what it needs."""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

from engine.errors import UsageError
from engine.recording import RecordingError, read_header


def number(option: str, text: str, low: float, high: float, *, low_open: bool = False, expect: str = "") -> float:
    """``text`` as a finite number in [low, high] (``(low, high]`` with ``low_open``); ``expect``
    says the range in the error line when plain numbers would not."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    below = value <= low if low_open else value < low
    if not math.isfinite(value) or below or value > high:
        expect = expect or f"{'more than' if low_open else 'from'} {low:g} {'and at most' if low_open else 'to'} {high:g}"
        raise UsageError(f"{option} must be {expect}, got {text!r}")
    return value


def recording(option: str | None, path: Path | str) -> Path:
    """A recording that exists, can be read and starts with a teleglas header.  ``option`` names
    the option in the error line (None for a positional file: the line names the file alone)."""
    path = Path(path)
    try:
        read_header(path)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        where = f"{option}: " if option else ""
        raise UsageError(f"{where}cannot read recording {path}: {exc.strerror or exc}") from None
    return path


def output_file(option: str, path: Path | str) -> Path:
    """A file path that can be written: not a directory, in a directory that exists, and one the
    system lets us open for writing (``-`` passes).  Checked first, so a long backtest does not end
    on it, and by trying: an ``access()`` check alone passes paths the kernel refuses (``/proc/x``
    as root).  A new file is created for the try and removed again; an existing one is opened for
    appending and left as it was; a device or pipe is not opened (a reader would see it close)."""
    path = Path(path)
    if str(path) == "-":
        return path
    if path.is_dir():
        raise UsageError(f"{option}: {path} is a directory; name a file in it")
    if not path.parent.is_dir():
        raise UsageError(f"{option}: the directory {path.parent} does not exist; create it first")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{option}: cannot write {path} (no permission, or a read-only file system)")
    if path.exists() and not path.is_file():
        return path
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise UsageError(f"{option}: cannot write {path}: {exc.strerror or exc}") from None
    if not existed:
        with contextlib.suppress(OSError):
            path.unlink()
    return path
