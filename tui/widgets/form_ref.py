"""A field that holds the id of another record, shown by its label, chosen in a search dialog."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button

from store.core import i18n
from tui.modals.ref_picker import RefPicker

from .form_row import FieldRow
from .form_support import data, localize, ref_label


class RefRow(FieldRow):
    BINDINGS = [Binding("delete", "clear", "forms.key.clear", id="forms.field.clear_ref")]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        localize(self)
        self._value: str = self.initial or ""

    def compose_input(self) -> ComposeResult:
        yield Button(self._label(), compact=True, classes="field-input ref-button", id=f"{self.field.widget_id}-input")

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
        self.app.push_screen(RefPicker(self.ledger, self.field.ref, self.field.title,
                                       optional=not self.field.required), self._picked)

    def _picked(self, chosen: str | None) -> None:
        if chosen is None:
            return
        self.set_value(chosen)

    def set_value(self, record_id: str) -> None:
        self._value = record_id
        self.query_one(Button).label = self._label()
        self.changed()

    def action_clear(self) -> None:
        self.set_value("")
