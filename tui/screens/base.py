"""What every screen of the app shares: translated key bindings (tui/keys.py) and live updates."""
from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding
from textual.screen import Screen


from ..context import Dashboard
from ..keys import install_keys


class LedgerScreen(Screen):
    KEYS: ClassVar[list[Binding]] = []

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        install_keys(self)
        self.stale = False

    @property
    def bangfu(self) -> Dashboard:
        return self.app  # type: ignore[return-value]

    @property
    def ledger(self):
        return self.bangfu.ledger

    # A screen whose reading takes long at a million records (the term's figures: 20 s) says what
    # it is reading (`working`) until it is shown (`worked`): a change that comes meanwhile waits
    # for it, and the screen reads once more, at the newest tip, when it is done. (Started at each
    # change, the readings ran side by side, a few hundred MB each, and with saves every few
    # seconds none ever finished.)
    _working: object = None
    _again = False

    def working(self, key: object) -> None:
        self._working = key

    def worked(self, key: object) -> None:
        """The reading of `key` is shown, or failed: read again if the ledger changed meanwhile."""
        if key != self._working:
            return   # (one the screen no longer waits for: another term, another year)
        self._working = None
        if self._again:
            self._again = False
            self.reload(set())

    def ledger_changed(self, ids: set[str]) -> None:
        """Another writer (or this app) changed records: show them. Screens not on view
        catch up when they are shown again."""
        if self._working is not None:
            self._again = True
        elif self.is_current:
            self.reload(ids)
        else:
            self.stale = True

    def on_screen_resume(self) -> None:
        if self.stale:
            self.stale = False
            self.reload(set())

    def reload(self, ids: set[str]) -> None:
        """Read what the screen shows again (in a worker)."""

    async def relabel(self) -> None:
        """The language changed: translate keys and labels (the screen's state, such as a
        filter being typed, lives on the screen and survives the new widgets)."""
        install_keys(self)
        await self.recompose()
        self.on_mount()
        if self.AUTO_FOCUS:
            self.set_focus(self.query_one(self.AUTO_FOCUS))
        self.refresh_bindings()

    def on_mount(self) -> None:
        """Fill the widgets (again after a change of language)."""
