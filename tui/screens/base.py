"""What every screen of the app shares: translated key bindings and live updates.

Bindings are declared in `KEYS` with a catalogue key as description and are
translated per instance (the language is chosen at start and may be switched
while running); each has an `id`, so users can remap keys with Textual's keymap.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar, Iterable

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.screen import Screen

from store.core import i18n

if TYPE_CHECKING:
    from ..app import BangfuApp


def translated(bindings: Iterable[Binding]) -> list[Binding]:
    return [replace(b, description=i18n.t(b.description) if b.description else "",
                    tooltip=i18n.t(b.tooltip) if b.tooltip else "",
                    group=replace(b.group, description=i18n.t(b.group.description)) if b.group else None)
            for b in bindings]


def install_keys(node: DOMNode) -> None:
    """Give a node its class bindings plus its `KEYS` (which win over a class binding of the
    same key), in the current language."""
    own = translated(getattr(type(node), "KEYS", ()))
    mine = BindingsMap(own).key_to_bindings
    inherited = [b for key, group in (node._merged_bindings or BindingsMap()).key_to_bindings.items()
                 if key not in mine for b in group]
    node._bindings = BindingsMap([*inherited, *own])


class LedgerScreen(Screen):
    KEYS: ClassVar[list[Binding]] = []

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        install_keys(self)
        self.stale = False

    @property
    def bangfu(self) -> "BangfuApp":
        return self.app  # type: ignore[return-value]

    @property
    def ledger(self):
        return self.bangfu.ledger

    def ledger_changed(self, ids: set[str]) -> None:
        """Another writer (or this app) changed records: show them. Screens not on view
        catch up when they are shown again."""
        if self.is_current:
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
