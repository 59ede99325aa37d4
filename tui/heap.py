"""The cyclic collector around the dashboard: quiet while it starts, and kept off what stays.

At 50k records a full pass of the collector held every thread for 0.1-0.4 s. While the dashboard
starts, the allocations (Textual's widgets and styles, the remembered figures read back) set off
passes over everything allocated so far, again and again: up to 0.5 s of a 1.1 s start in the
school-year view. Later, in a filter, Textual's frames set one off about every tenth keystroke,
in the middle of it. So the collector waits until the first figures are painted, and what is alive
at that moment, and when a list is first read, is frozen out of its passes (gc.freeze): the
screens, the lists and the modules live as long as the app. What the start left as garbage in
cycles (about 18k small objects) is kept with them; the app's exit gives everything back.
"""
from __future__ import annotations

import gc


class Collector:
    def __init__(self) -> None:
        self._held = False

    def hold(self) -> None:
        """No collector passes until `release` (the app is starting)."""
        if gc.isenabled():
            gc.disable()
            self._held = True

    def release(self) -> None:
        """The first figures are painted (or the start failed): freeze what is alive, collect again."""
        gc.freeze()
        if self._held:
            self._held = False
            gc.enable()

    def keep(self) -> None:
        """What is alive now stays as long as the app (a list just read, its screen): out of the
        collector's passes. The young garbage is collected first, so it is not kept with them."""
        if not self._held:
            gc.collect(1)
        gc.freeze()

    def close(self) -> None:
        """The app is closing: what it froze goes back to the collector (a process that runs apps
        one after another, as the tests do, would otherwise keep every one of them)."""
        gc.unfreeze()
        if self._held:
            self._held = False
            gc.enable()
