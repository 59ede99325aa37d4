"""A nested object of the record (a plan's period, a visit's secondment) as a framed group of
fields. An optional group left empty stays folded to one line until it is opened: a visit's
secondment, mentorship and donation matter only for some kinds of activity."""
from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button

from store.core import i18n

from .form_row import FieldRow
from .form_support import FieldButton, data


def _filled(value) -> bool:
    if isinstance(value, dict):
        return any(_filled(v) for v in value.values())
    if isinstance(value, list):
        return bool(value)
    return bool(value)


class GroupRow(FieldRow):
    def __init__(self, *args, make_row: Callable[..., FieldRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.make_row = make_row   # form_fields builds groups, and groups build fields
        self.expanded = self.field.required or _filled(self.initial) or _filled(self.original)
        self.set_class(not self.expanded, "-folded")

    def compose(self) -> ComposeResult:
        yield self.title_label()
        if self.expanded:
            yield from self.compose_input()
        else:
            yield FieldButton(data(i18n.t("forms.field.open_group")), compact=True,
                         classes="group-open", id=f"{self.field.widget_id}-open")

    def compose_input(self) -> ComposeResult:
        values = self.initial if isinstance(self.initial, dict) else {}
        original = self.original if isinstance(self.original, dict) else {}
        for sub in self.field.fields:
            yield self.make_row(sub, values.get(sub.name), self.ledger, original.get(sub.name))

    @on(Button.Pressed, ".group-open")
    async def expand(self, event: Button.Pressed | None = None) -> None:
        if event is not None:
            event.stop()
        if self.expanded:
            return
        self.expanded = True
        self.remove_class("-folded")
        await self.query_one(".group-open").remove()
        rows = list(self.compose_input())
        await self.mount_all(rows, before=self._error)
        rows[0].focus_input()
        # The focus scrolled to rows without a layout yet: once laid out, the group comes into
        # view (opened at the foot of the window, its fields were typed into out of sight).
        self.screen.call_after_refresh(self.scroll_visible, animate=False)

    @property
    def value(self) -> dict:
        if not self.expanded:
            return self.initial if isinstance(self.initial, dict) else {}
        return {row.field.name: row.value for row in self.query_children(FieldRow)}
