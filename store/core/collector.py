"""Python's cyclic collector held off while one piece of work makes many objects in no cycle.

A disbursement's save parses 50,000 students and makes 50,000 payments, their files and their
findings: hundreds of thousands of objects, each freed when the save is done, none in a cycle.
Each thousand of them set off a pass of the collector, and the passes over everything alive
took a tenth of the save's CPU (1.05 s in 1,321 passes at 50,000 payments). Off for the work,
the collector is back on as it was after it; what the work left in cycles is collected then."""
from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def held(hold: bool = True) -> Iterator[None]:
    """No passes of the collector inside (when `hold`; and only if it was on: the dashboard holds
    it while it starts, tui/heap.py, and releases it itself)."""
    if not hold or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
