"""Before a service opens its database: one service per database file, a damaged file set aside,
a newer schema refused.

* **One at a time.** Two services writing one database would undo each other's coin settings and
  scorer state, and send every alert twice.  The first holds ``<database>.lock`` (``flock``: the
  kernel lets go when the process dies, however it dies) and writes in it who it is; the second
  names that holder and stops.
* **Damaged.** ``PRAGMA quick_check`` at start; a file SQLite calls damaged (or not a database at
  all) is renamed ``<name>.corrupt-<UTC time>`` with its WAL, never deleted, and a new one starts.
* **Newer.** A file written by a newer teleglas is left untouched and the service does not start:
  guessing at a layout could lose what the newer version kept.

A database that cannot be opened for any other reason (a directory in its place, no permission, a
full disk) is not decided here: the store runs degraded, says so, and retries.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from engine.errors import RunError
from engine.store import schema


class DatabaseInUse(RunError):
    """Another teleglas holds the database."""


class DatabaseTooNew(RunError):
    """The database was written by a newer teleglas."""


@dataclass
class Claim:
    path: Path
    note: str = ""  # the line saying a damaged file was set aside, if one was
    _lock_fd: int | None = None

    def release(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None


def claim_database(path: Path, who: str) -> Claim:
    """Hold ``path`` for this process (``who`` is written in the lock for a second one to read),
    set it aside if damaged, refuse it if newer.  Raises :class:`DatabaseInUse` or
    :class:`DatabaseTooNew`."""
    claim = Claim(path, _lock_fd=_lock(path, who))
    try:
        damage = _damage(path)
        if damage:
            try:
                claim.note = _set_aside(path, damage)
            except OSError as exc:  # the store will fail to open it too, and say so
                claim.note = f"database {path} is damaged and cannot be set aside: {exc.strerror}"
        _check_version(path)
    except BaseException:
        claim.release()
        raise
    return claim


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _lock(path: Path, who: str) -> int | None:
    """The locked descriptor, or None when no lock file can be made (the database cannot be
    either: the store will say so)."""
    target = lock_path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise DatabaseInUse(f"{path} is in use by another teleglas ({holder}): stop it first, or give "
                            "this one another --data-dir") from None
    except OSError:  # a file system without locks: run unguarded rather than not at all
        os.close(fd)
        return None
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, {who}, since {started}\n".encode(), 0)
    return fd


def holder(path: Path) -> str:
    """Who holds ``path`` now (what its lock file says), or ``""`` when no service does."""
    try:
        fd = os.open(lock_path(path), os.O_RDONLY)
    except OSError:
        return ""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return _read_holder(fd)
    finally:
        os.close(fd)
    return ""


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 300, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "it has not said who it is yet"


def _damage(path: Path) -> str:
    """What SQLite finds wrong with the file, or ``""`` when it is sound, absent, or cannot be
    opened for a reason that is not damage (locked, no permission: the store says so)."""
    if not path.is_file() or path.stat().st_size == 0:
        return ""
    try:
        db = sqlite3.connect(path, timeout=5.0)
    except sqlite3.Error:
        return ""
    try:
        found = [row[0] for row in db.execute("PRAGMA quick_check(3)").fetchall()]
    except sqlite3.OperationalError:  # busy, I/O error, cannot open: a fault, not damage
        return ""
    except sqlite3.DatabaseError as exc:  # not a database, or its image is malformed
        return str(exc)
    finally:
        db.close()
    return "" if found == ["ok"] else "; ".join(str(f) for f in found)


def _set_aside(path: Path, damage: str) -> str:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    for suffix in ("-wal", "-shm", ""):  # the file last: its journal must not be left to a new one
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(f"{aside}{suffix}")
    return (f"database {path} is damaged ({' '.join(damage.split())[:120]}): set aside as {aside.name} "
            "(nothing deleted) and a new one started")


def _check_version(path: Path) -> None:
    if not path.is_file():
        return
    try:
        db = sqlite3.connect(path, timeout=5.0)
        try:
            (found,) = db.execute("PRAGMA user_version").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return  # unreadable now: the store reports it and retries
    if found > schema.VERSION:
        raise DatabaseTooNew(f"{path} was written by a newer teleglas (schema v{found}; this one reads up to "
                             f"v{schema.VERSION}): upgrade teleglas, or give this one another --data-dir")
