"""A small dialog to choose one item from a list (a term, a protected field)."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ..keys import install_keys


class PickScreen(ModalScreen[str | None]):
    """Returns the id of the chosen item, or None when cancelled."""

    KEYS = [Binding("escape", "cancel", "tui.key.cancel", id="bangfu.pick.cancel")]

    def __init__(self, title: str, items: list[tuple[str, str]], current: str | None = None):
        super().__init__()
        install_keys(self)
        self.title_text = title
        self.items = items
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-box"):
            yield Label(Text(self.title_text), id="pick-title")
            yield OptionList(*[Option(Text(label), id=key) for key, label in self.items], id="pick-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for n, (key, _label) in enumerate(self.items):
            if key == self.current:
                options.highlighted = n
        self.set_focus(options)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
