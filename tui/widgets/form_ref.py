"""A field that holds the id of another record, shown by its label, chosen in a search dialog."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Button

from store.core import i18n

from .form_row import FieldRow
from .form_support import FieldButton, data, localize, ref_label, search_typed


class RefRow(FieldRow):
    @dataclass
    class PickWanted(Message):
        """Open the search dialog for this field; `done` takes the chosen id (None: cancelled)."""
        ref: str
        title: str
        optional: bool
        done: Callable[[str | None], None]
        search: str = ""   # what the search begins with (a character typed on the field)

    BINDINGS = [Binding("delete", "clear", "forms.key.clear", id="forms.field.clear_ref")]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        localize(self)
        self._value: str = self.initial or ""

    def compose_input(self) -> ComposeResult:
        yield FieldButton(self._label(), compact=True, classes="field-input ref-button", id=f"{self.field.widget_id}-input")

    def _label(self):
        if not self._value:
            return data(i18n.t("forms.field.ref_choose"))
        return data(ref_label(self.ledger, self._value))

    @property
    def value(self) -> str:
        return self._value

    @on(Button.Pressed)
    def _open(self, event: Button.Pressed) -> None:
        event.stop()
        self._want()

    def on_key(self, event: events.Key) -> None:
        typed = search_typed(event)
        if typed:
            self._want(typed)

    def _want(self, search: str = "") -> None:
        # The search dialog is the form's to open (widgets never push screens): tui/modals/item_form.py.
        self.post_message(self.PickWanted(self.field.ref, self.field.title, not self.field.required, self._picked,
                                          search))

    def _picked(self, chosen: str | None) -> None:
        if chosen is None:
            return
        self.set_value(chosen)

    def set_value(self, record_id: str) -> None:
        self._value = record_id
        button = self.query_one(Button)
        button.label = self._label()
        button.refresh(layout=True)   # (a label does not lay the button out again: a long title wraps to a second line)
        self.changed()

    def action_clear(self) -> None:
        self.set_value("")
