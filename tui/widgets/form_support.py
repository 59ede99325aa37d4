"""Small helpers shared by the editing screens: record text as data, translated key hints."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from textual import events
from textual.binding import BindingsMap
from textual.content import Content
from textual.dom import DOMNode
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Button, Static

from store.core import describe, i18n
from store.core.text import printable

from ..keys import StyledForFocusOnceTyped

FORMS_CSS = Path(__file__).resolve().parent.parent / "forms.tcss"


def shown_path(path: Path) -> str:
    """Where a file was written, as short as it can be said on a status line at 80 columns: from
    the folder the dashboard was started in when it is there (where the user looks first)."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class FormFocus:
    """Screen mixin for forms: the focused field stays in view, and a move of the focus repaints
    what it changes, not the whole form.

    Textual scrolls a field into view as it takes the focus, by the layout of that moment; a
    layout after it could push it out of the window (the check's status line shown over the
    fields, an error line under a field above, a burst of keys whose layout waited, tui/keys.py).
    After a layout that moved the focused field (not a scroll by the wheel, not Textual's own
    scroll to it), it is scrolled into view again.

    Textual's `Screen.focused` is a reactive that repaints the screen at every change, though the
    widgets that lose and gain the focus repaint themselves and whatever their `:focus` styles
    change is restyled (the lit field title too, FieldsPanel). Each Tab repainted the whole form
    (80x24: 15-20 ms, the keys after the Tab waiting): here the reactive is the same but for that
    repaint (its watcher still refreshes the footer's keys)."""

    focused: Reactive = Reactive(None, repaint=False)
    _focus_place: tuple | None = None

    def on_mount(self) -> None:   # (Textual calls the on_mount of each class: the form's own too)
        self.screen_layout_refresh_signal.subscribe(self, self._keep_focus_in_view)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._focus_place = _place(event.widget)   # (Textual scrolls it into view from here)

    def _keep_focus_in_view(self, _screen) -> None:
        focused = self.focused
        if focused is None or self._focus_place is None or self._focus_place[0] is not focused:
            return
        place = _place(focused)
        if place == self._focus_place:
            return
        self._focus_place = place
        if not self.can_view_entire(focused):
            self.scroll_to_center(focused, animate=False, origin_visible=True)


class FieldButton(StyledForFocusOnceTyped, Button):
    """A field's button (a reference's choice, a folded group's opener): a Tab through it in a
    burst restyles it once the keys are handled."""


def _place(widget) -> tuple:
    """Where a widget is in the content of the containers that scroll it (a layout moves it, the
    wheel does not)."""
    where = widget.region.offset
    for ancestor in widget.ancestors:
        if isinstance(ancestor, Widget):
            where += ancestor.scroll_offset
    return widget, where


def search_typed(event: events.Key) -> str:
    """The character a key typed on a closed choice of a record, which opens its search with it
    (a name typed there was lost); "" for a key that is not text (Enter, Space and Delete keep
    their meaning)."""
    if event.is_printable and event.character and not event.character.isspace():
        event.stop()
        event.prevent_default()
        return event.character
    return ""


def data(text: object) -> Content:
    """Text from a record as plain content: never markup, never a terminal escape."""
    return Content(printable(str(text)))


class DiscardQuestion:
    """Esc on a form with unsaved changes asks first; a second Esc within WINDOW seconds discards.
    The question stays on the status line only while a second Esc would discard: then the line
    says what it said before (a question left standing made the next Esc only ask again, and the
    keys typed after it went into the form, thought closed)."""

    WINDOW = 3.0

    def __init__(self, screen, status: str = "#form-status") -> None:
        self.screen = screen
        self.status = status
        self.armed = False
        self._question: Content | None = None
        self._before: tuple[object, set[str]] = ("", set())
        self._timer = None

    def ask(self) -> bool:
        """True when asked already (discard now); otherwise the question is put."""
        if self.armed:
            return True
        status = self.screen.query_one(self.status, Static)
        self._before = (status.content, set(status.classes))
        self._question = data(i18n.t("forms.form.confirm_discard"))
        status.update(self._question)
        status.set_classes("-warning -shown")
        self.armed = True
        self._timer = self.screen.set_timer(self.WINDOW, self.drop)
        return False

    def beneath(self, content, classes: set[str]) -> bool:
        """While the question stands, a line for the status (the check of what was typed, done
        after the Esc) waits beneath it and is shown when the question goes; True when it waits."""
        if not self.armed:
            return False
        self._before = (content, classes)
        return True

    def drop(self) -> None:
        """A second Esc no longer discards (something was typed, or the time is up)."""
        if not self.armed:
            return
        self.armed = False
        if self._timer is not None:
            self._timer.stop()
        status = self.screen.query_one(self.status, Static)
        if status.content is self._question:   # (not when another message took its place)
            content, classes = self._before
            status.update(content)
            status.set_classes(classes)


def localize(node: DOMNode) -> None:
    """Binding descriptions are catalogue keys (class attributes are built at import, before
    the language is chosen): translate them for this instance."""
    keys = {}
    for key, bindings in node._bindings.key_to_bindings.items():
        keys[key] = [dataclasses.replace(b, description=i18n.t(b.description),
                                         tooltip=i18n.t(b.tooltip) if b.tooltip else "")
                     if i18n.has(b.description) else b for b in bindings]
    node._bindings = BindingsMap.from_keys(keys)


def ref_label(ledger, record_id: str | None) -> str:
    """How a referenced record is called on screen; its id when it is not in the ledger."""
    if not record_id:
        return ""
    doc = ledger.index.get(record_id)
    if not doc:
        return i18n.t("forms.field.ref_missing", id=record_id)
    return describe.label(doc, ledger)
