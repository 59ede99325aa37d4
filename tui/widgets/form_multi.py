"""Several of the values the schema allows (a student's groups, a party's dimensions)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import SelectionList

from store.core import i18n

from .form_row import FieldRow
from .form_support import data


class MultiRow(FieldRow):
    def compose_input(self) -> ComposeResult:
        chosen = set(self.initial or [])
        yield SelectionList(*[(data(i18n.value(c, gloss=True)), c, c in chosen) for c in self.field.choices],
                            compact=True, classes="field-input", id=f"{self.field.widget_id}-input")

    @property
    def value(self) -> list[str]:
        chosen = set(self.query_one(SelectionList).selected)
        return [c for c in self.field.choices if c in chosen]

    @on(SelectionList.SelectedChanged)
    def _chosen(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        self.changed()
