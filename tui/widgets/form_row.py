"""One field of a form: its title and its input on one line, and its errors under them."""
from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, Static

from store.rules.formmodel import Field

from .form_support import data


class FieldRow(Vertical):
    """Base of every field widget. Subclasses compose the input and expose `value` (what is
    typed, in the shape of store.formmodel values). The CSS lays title and input side by side
    (one line per field, so a form fits 80x24 and still scrolls)."""

    class Changed(Message, bubble=False):
        """Something was typed or chosen in this field. Sent to the form (the field's screen)
        itself: bubbling, each character typed went through the field, the panel, the body and the
        dialog, none of which has anything to do with it (a fifth of a keystroke's messages)."""

        def __init__(self, row: "FieldRow") -> None:
            super().__init__()
            self.row = row

    def __init__(self, field: Field, value: Any, ledger, original: Any = None) -> None:
        super().__init__(id=field.widget_id, classes=f"field-row field-{field.kind}")
        self.field = field
        self.ledger = ledger
        self.initial = value
        self.original = original   # the committed value (protected fields show its mask)
        self.errors: list[str] = []
        self._error: Static | None = None   # mounted with the first error: most fields never need one

    def compose(self) -> ComposeResult:
        yield self.title_label()
        yield from self.compose_input()

    def title_label(self) -> Label:
        return Label(data(self.field.title + (" *" if self.field.required else "")), classes="field-title")

    def compose_input(self) -> ComposeResult:
        raise NotImplementedError

    @property
    def value(self) -> Any:
        raise NotImplementedError

    def focus_input(self) -> None:
        first = next((w for w in self.query("*") if w.focusable), None)
        if first is not None:
            first.focus()

    def changed(self) -> None:
        """Tell the form, once per real change (widgets also report setting their first value)."""
        value = self.value
        if value != getattr(self, "_reported", self.initial):
            self._reported = value
            if self.is_attached:
                self.screen.post_message(self.Changed(self))

    def set_errors(self, messages: list[str]) -> None:
        if messages == self.errors:
            return
        self.errors = list(messages)
        if self._error is None:
            if not messages:
                return
            self._error = Static(classes="field-error")
            self.mount(self._error)
        self._error.update(data("\n".join(messages)))
        self._error.display = bool(messages)
        self.set_class(bool(messages), "-has-error")
