"""A choice among the values the schema allows (and yes/no for booleans)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Select

from store.rules import formmodel as fm
from store.core import i18n

from .form_row import FieldRow
from .form_support import data


class ChoiceRow(FieldRow):
    def compose_input(self) -> ComposeResult:
        if self.field.kind == fm.BOOLEAN:
            options = [(data(i18n.t("forms.model.yes")), "true"), (data(i18n.t("forms.model.no")), "false")]
        else:
            options = [(data(i18n.value(c, gloss=True)), str(c)) for c in self.field.choices]
        known = {v for _, v in options}
        yield Select(options, prompt=i18n.t("forms.field.choose"), allow_blank=True, compact=True,
                     value=self.initial if self.initial in known else Select.NULL,
                     classes="field-input", id=f"{self.field.widget_id}-input")

    @property
    def value(self) -> str:
        chosen = self.query_one(Select).value
        return "" if chosen is Select.NULL else str(chosen)

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        self.changed()
