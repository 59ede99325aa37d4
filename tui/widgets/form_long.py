"""A multi-line text (notes, goals, schedule entries; one entry per line for lists of text)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import TextArea

from .form_row import FieldRow


class LongTextRow(FieldRow):
    def compose_input(self) -> ComposeResult:
        yield TextArea(self.initial or "", soft_wrap=True, show_line_numbers=False, tab_behavior="focus", compact=True,
                       classes="field-input", id=f"{self.field.widget_id}-input")

    @property
    def value(self) -> str:
        return self.query_one(TextArea).text

    @on(TextArea.Changed)
    def _typed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.changed()
