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
def _libc(function: str):
    """A function of glibc's, None elsewhere."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), function) if name else None
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Return the free memory of the process's heap to the system (after a large piece of work)."""
    trim = _libc("malloc_trim")
    if trim is not None:
        trim(0)


# glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


def for_hours() -> None:
    """Set the allocator for a process that lives for hours and takes in large pieces of work now and
    then (the dashboard reading back the figures after each save of another coordinator), called
    before it starts its threads. glibc serves each thread from an arena of its own, and after a
    block of some megabytes is freed it serves blocks up to that size from its heaps instead of
    mapping them: what a worker thread read and freed stayed with the process. Two arenas at most,
    and every block of 128 kB or more mapped and unmapped on its own: at 1M records a dashboard
    after two workings-out held 134 → 208 MB instead of 150 → 252 MB (bench/probe_memory.py --app)."""
    opt = _libc("mallopt")
    if opt is not None:
        opt(_M_ARENA_MAX, 2)
        opt(_M_MMAP_THRESHOLD, 128 * 1024)
