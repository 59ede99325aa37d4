"""Handing memory a large piece of work freed back to the system.

A dashboard lives for hours after its start-up work: reading the key file of a county's decade
(25 MB of JSON), working out the term's figures over 250,000 students. glibc keeps what such work
frees inside the process: once a block of 25 MB has been freed, it serves blocks up to that size
from its heap and gives the heap back only past twice that size. Measured at 1M records, the
key file alone left 23 MB resident that nothing used. `malloc_trim` hands it back; elsewhere
than glibc (no malloc_trim) nothing is done.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim") if name else None
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Return the free memory of the process's heap to the system (after a large piece of work)."""
    trim = _trim()
    if trim is not None:
        trim(0)
