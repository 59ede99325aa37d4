"""The inputs of a list of schema fields: the right widget per field kind, values in and out,
problems shown next to the field they belong to."""
from __future__ import annotations

from typing import Iterable

from textual.app import ComposeResult
from textual.containers import Vertical

from store.rules import formmodel as fm

from .form_choice import ChoiceRow
from .form_group import GroupRow
from .form_list import ListRow
from .form_long import LongTextRow
from .form_multi import MultiRow
from .form_ref import RefRow
from .form_row import FieldRow
from .form_text import TextRow

ROWS: dict[str, type[FieldRow]] = {
    **{kind: TextRow for kind in fm.SCALAR_INPUTS},
    fm.LONG_TEXT: LongTextRow, fm.LINES: LongTextRow, fm.ENUM: ChoiceRow, fm.BOOLEAN: ChoiceRow,
    fm.MULTI: MultiRow, fm.REF: RefRow, fm.LIST: ListRow,
}


def make_row(field: fm.Field, value, ledger, original=None) -> FieldRow:
    if field.kind == fm.GROUP:
        return GroupRow(field, value, ledger, original, make_row=make_row)
    return ROWS[field.kind](field, value, ledger, original)


class FieldsPanel(Vertical):
    def __init__(self, fields: Iterable[fm.Field], values: dict, ledger, original: dict | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields = tuple(fields)
        self.initial = values
        self.ledger = ledger
        self.original = original or {}

    def compose(self) -> ComposeResult:
        for f in self.fields:
            yield make_row(f, self.initial.get(f.name), self.ledger, self.original.get(f.name))

    def values(self) -> dict:
        return {row.field.name: row.value for row in self.query_children(FieldRow)}

    def rows(self) -> list[FieldRow]:
        return list(self.query(FieldRow))

    def show(self, by_path: dict[tuple, list[str]]) -> None:
        for row in self.rows():
            row.set_errors(by_path.get(row.field.path, []))

    def first_error(self) -> FieldRow | None:
        return next((row for row in self.rows() if row.errors), None)
