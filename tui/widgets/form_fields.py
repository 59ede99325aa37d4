"""The inputs of a list of schema fields: the right widget per field kind, values in and out,
problems shown next to the field they belong to."""
from __future__ import annotations

from typing import Iterable

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical

from store.rules import formmodel as fm

from ..keys import after_typed_ahead

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

    # The focused field's title (and its group's) is lit by a class set here, not by a
    # `:focus-within` rule: with that rule every Tab restyled the rows it left and entered, half
    # the time of a burst of keys across fields (230 -> 104 ms at 50k records, bench_tui). In a
    # burst it is lit once the keys typed ahead are handled (tui/keys.py), for the field the
    # focus ends on: a restyle per Tab of titles that were never painted was a tenth of its work.
    _lit: tuple = ()
    _lighting = False

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._light_soon()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._light_soon()

    def _light_soon(self) -> None:
        if not self._lighting:
            self._lighting = after_typed_ahead(self.app, self._light)
            if not self._lighting:
                self._light()

    def _light(self) -> None:
        self._lighting = False
        if not self.is_attached:
            return
        focused = self.screen.focused
        rows = () if focused is None or not focused.has_focus else \
            tuple(a for a in focused.ancestors_with_self if isinstance(a, FieldRow) and self in a.ancestors)
        # (on the title alone: a class on the row restyles everything in it, as the rule did)
        titles = tuple(t for row in rows for t in row.query_children(".field-title"))
        for title in self._lit:
            if title not in titles:
                title.remove_class("-current")
        for title in titles:
            title.add_class("-current")
        self._lit = titles

    def values(self) -> dict:
        return {row.field.name: row.value for row in self.query_children(FieldRow)}

    def rows(self) -> list[FieldRow]:
        return list(self.query(FieldRow))

    def show(self, by_path: dict[tuple, list[str]]) -> None:
        for row in self.rows():
            row.set_errors(by_path.get(row.field.path, []))


def show_next_error(screen, panel: FieldsPanel, first: bool = False) -> FieldRow | None:
    """Focus the next field with an error after the focused one (in the form's order, around to the
    first), and scroll it into view with its message under it."""
    rows = panel.rows()
    focused = screen.focused
    around = focused.ancestors_with_self if focused is not None else []
    here = max((i for i, row in enumerate(rows) if row in around), default=-1)   # (the innermost row)
    wrong = [i for i, row in enumerate(rows) if row.errors]
    if not wrong:
        return None
    index = wrong[0] if first else next((i for i in wrong if i > here), wrong[0])
    target = rows[index]
    target.focus_input()
    # (after the layout that the error messages just added)
    screen.call_after_refresh(target.scroll_visible, animate=False)
    return target
