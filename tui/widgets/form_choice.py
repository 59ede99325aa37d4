"""A choice among the values the schema allows (and yes/no for booleans)."""
from __future__ import annotations

from typing import Collection

from textual import on
from textual.content import Content
from textual.app import ComposeResult
from textual.widgets import Select

from store.rules import formmodel as fm
from store.core import i18n

from .form_row import FieldRow
from .form_support import data


class ChoiceRow(FieldRow):
    def _options(self, only: Collection[str] | None = None) -> list[tuple[Content, str]]:
        if self.field.kind == fm.BOOLEAN:
            return [(data(i18n.t("forms.model.yes")), "true"), (data(i18n.t("forms.model.no")), "false")]
        return [(data(i18n.value(c, gloss=True)), str(c)) for c in self.field.choices if only is None or str(c) in only]

    def compose_input(self) -> ComposeResult:
        options = self._options()
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

    def offer(self, only: Collection[str] | None) -> None:
        """Offer only the values in `only` (all when None), in the schema's order; a value chosen
        already stays offered (what the person chose, or what the record holds, is never dropped)."""
        select = self.query_one(Select)
        chosen = select.value
        keep = None if only is None else {*only, *(() if chosen is Select.NULL else (str(chosen),))}
        options = self._options(keep)
        if [v for _p, v in options] == [v for _p, v in select._options if v is not Select.NULL]:
            return
        with select.prevent(Select.Changed):
            select.set_options(options)
            if chosen is not Select.NULL:
                select.value = chosen
