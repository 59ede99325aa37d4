"""An array of objects (a plan's parties, targets and schedule; a visit's participants) as a list
of one-line summaries; items are added, edited and removed in their own small form."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, OptionList
from textual.widgets.option_list import Option

from store.rules import formmodel as fm
from store.core import i18n

from ..keys import StyledForFocusOnceTyped
from .form_row import FieldRow
from .form_support import data, localize, ref_label


class ItemList(StyledForFocusOnceTyped, OptionList):
    """The list's items: a Tab through it in a burst restyles it once the keys are handled."""


class ListRow(FieldRow):
    @dataclass
    class ItemWanted(Message):
        """Open the item form for one item of this list; `done` takes its values (None: cancelled)."""
        field: fm.Field
        values: dict
        number: int
        original: dict | None
        done: Callable[[dict | None], None]

    BINDINGS = [Binding("a", "add", "forms.key.add_item", id="forms.list.add"),
                Binding("e", "edit", "forms.key.edit_item", id="forms.list.edit"),
                Binding("delete,x", "remove", "forms.key.remove_item", id="forms.list.remove")]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        localize(self)
        self._items: list[dict] = copy.deepcopy(self.initial) if isinstance(self.initial, list) else []

    def compose(self) -> ComposeResult:
        yield self.title_label()
        yield from self.compose_input()
        with Horizontal(classes="list-buttons"):
            for action in ("add", "edit", "remove"):
                button = Button(i18n.t(f"forms.list.{action}"), id=f"{self.field.widget_id}-{action}",
                                classes=f"list-{action}", compact=True)
                # For the mouse: the list's keys (a, e, x) do the same, and Tab from the list goes
                # on to the next field (three stops here swallowed what a fast typist typed next).
                button.can_focus = False
                yield button

    def compose_input(self) -> ComposeResult:
        yield ItemList(*self._options(), compact=True, classes="field-input list-items",
                         id=f"{self.field.widget_id}-input")

    def _options(self) -> list[Option]:
        if not self._items:
            return [Option(data(i18n.t("forms.list.empty")), disabled=True)]
        label = lambda rid: ref_label(self.ledger, rid)  # noqa: E731
        return [Option(data(f"{i + 1}. {fm.values_summary(self.field, item, label)}"))
                for i, item in enumerate(self._items)]

    def _refresh(self, highlight: int | None = None) -> None:
        items = self.query_one(OptionList)
        items.clear_options()
        items.add_options(self._options())
        if self._items:
            items.highlighted = min(highlight or 0, len(self._items) - 1)
        self.changed()

    @property
    def value(self) -> list[dict]:
        return copy.deepcopy(self._items)

    def _current(self) -> int | None:
        index = self.query_one(OptionList).highlighted
        return index if self._items and index is not None and index < len(self._items) else None

    def _open(self, index: int | None) -> None:
        values = fm.item_values(self.field) if index is None else self._items[index]
        original = self.original[index] if (index is not None and isinstance(self.original, list)
                                            and index < len(self.original)) else None
        number = len(self._items) + 1 if index is None else index + 1

        def done(result: dict | None) -> None:
            if result is None:
                return
            if index is None:
                self._items.append(result)
            else:
                self._items[index] = result
            self._refresh(len(self._items) - 1 if index is None else index)

        # The item form is a dialog built from these same widgets: the form around this list opens it.
        self.post_message(self.ItemWanted(self.field, values, number, original, done))

    def action_add(self) -> None:
        self._open(None)

    def action_edit(self) -> None:
        index = self._current()
        if index is not None:
            self._open(index)

    def action_remove(self) -> None:
        index = self._current()
        if index is not None:
            del self._items[index]
            self._refresh(index)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_edit()

    @on(Button.Pressed, ".list-add")
    def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_add()

    @on(Button.Pressed, ".list-edit")
    def _edit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_edit()

    @on(Button.Pressed, ".list-remove")
    def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_remove()
