"""Figures worked out from one version of the ledger, kept on disk under that version's tree id.

A version of the ledger never changes, so what was worked out from it (the dashboard's figures
for a term) stays true for as long as the tree id is the same: the next start shows it at once
instead of loading every record first. Like the index this is only a cache: a missing, old or
damaged file costs time, never a wrong figure, and deleting the folder changes nothing else.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

FORMAT = 1      # raise when what is remembered changes shape
KEEP = 8        # files kept (the last few versions, terms and days looked at)
HANDED_FOR = 3600   # seconds a value handed over waits to be taken


def _file(folder: Path, key: tuple) -> Path:
    return folder / (hashlib.sha1(repr((FORMAT, *key)).encode()).hexdigest() + ".pickle")


def owned(fh) -> bool:
    """Whether an open cache file is this user's own: loading a pickle runs what it says, so a
    file someone else wrote is never loaded (it only costs the time to work things out again)."""
    return os.fstat(fh.fileno()).st_uid == os.getuid()


def recall(folder: Path, key: tuple) -> Any | None:
    """The value kept under key, or None."""
    try:
        with _file(folder, key).open("rb") as fh:
            if not owned(fh):
                return None
            kept_key, value = pickle.load(fh)
    except Exception:  # missing, half written by an older version, damaged: work it out again
        return None
    return value if kept_key == (FORMAT, *key) else None


def holds(folder: Path, key: tuple) -> bool:
    """Whether something is kept under key (without reading it)."""
    return _file(folder, key).exists()


def keep(folder: Path, key: tuple, value: Any) -> bool:
    """Keep value under key; False (and nothing kept) where the folder cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".memo-")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(((FORMAT, *key), value), fh, protocol=5)
        os.replace(tmp, _file(folder, key))
    except Exception:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    _prune(folder)
    return True


def hand_over(folder: Path, value: Any) -> Path | None:
    """Write a value worked out in another process for its asker to `take` (not kept: the ledger
    moved while it was worked out); None where the folder cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".handed-", suffix=".pickle.tmp")
    except OSError:
        return None
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=5)
    except Exception:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return None
    return Path(tmp)


def take(path: Path) -> Any | None:
    """The value another process handed over at path (`hand_over`), the file removed; None where it
    is gone, damaged or not this user's."""
    try:
        with path.open("rb") as fh:
            value = pickle.load(fh) if owned(fh) else None
    except Exception:
        value = None
    with contextlib.suppress(OSError):
        path.unlink()
    return value


def _prune(folder: Path) -> None:
    try:
        files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            old.unlink()
        # (handed over to a dashboard that ended before it took them)
        for left in folder.glob(".handed-*"):
            if left.stat().st_mtime < time.time() - HANDED_FOR:
                left.unlink()
    except OSError:
        pass  # (another process pruned it first)
