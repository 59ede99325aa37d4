"""One item of a sub-list (a participant, a target, a schedule entry) in its own small form."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from store.rules import formmodel as fm
from store.core import i18n
from tui.widgets.form_fields import FieldsPanel, show_next_error
from tui.modals.ref_picker import RefPicker
from tui.widgets.form_list import ListRow
from tui.widgets.form_row import FieldRow
from tui.widgets.form_ref import RefRow
from tui.widgets.form_body import FormBody
from tui.widgets.form_support import FORMS_CSS, DiscardQuestion, FormFocus, data, localize
from tui.widgets.key_footer import KeyFooter


class SubDialogs:
    """A form whose fields open dialogs of their own: a list's item form, a reference's search."""

    def on_list_row_item_wanted(self, message: ListRow.ItemWanted) -> None:
        message.stop()
        self.app.push_screen(ItemForm(self.ledger, message.field, message.values, message.number,
                                      message.original), message.done)

    def on_ref_row_pick_wanted(self, message: RefRow.PickWanted) -> None:
        message.stop()
        self.app.push_screen(RefPicker(self.ledger, message.ref, message.title, optional=message.optional,
                                       fits=self.fits(message.ref), search=message.search), message.done)

    def fits(self, target_type: str):
        """Which records of `target_type` the picker offers, given what the form holds (None: all)."""
        return None


class ItemForm(FormFocus, SubDialogs, ModalScreen[dict | None]):
    """Dismisses with the item's values, or None when cancelled. Values that do not convert
    keep it open with the error next to the field; the record's own check does the rest."""

    CSS_PATH = FORMS_CSS
    BINDINGS = [Binding("ctrl+s", "ok", "forms.key.item_ok", priority=True, id="forms.item.ok"),
                Binding("escape", "cancel", "forms.key.cancel", id="forms.item.cancel")]

    def __init__(self, ledger, field: fm.Field, values: dict, number: int, original: dict | None = None) -> None:
        super().__init__()
        localize(self)
        self.ledger = ledger
        self.field = field
        self.values = values
        self.number = number
        self.original = original
        self.model = fm.Form("", field.title, field.fields)
        self._dirty = False
        self._discard = DiscardQuestion(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="item-dialog", classes="fm-dialog"):
            yield Label(data(i18n.t("forms.item.title", title=self.field.title, n=self.number)),
                        classes="fm-title")
            yield Static("", id="form-status")
            with FormBody(classes="fm-body"):
                yield FieldsPanel(self.field.fields, self.values, self.ledger, self.original, id="item-fields")
            with Horizontal(classes="fm-buttons"):
                yield Button(i18n.t("forms.item.ok"), variant="primary", id="item-ok")
                yield Button(i18n.t("forms.form.cancel"), id="item-cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        rows = self.query_one(FieldsPanel).rows()
        if rows:
            rows[0].focus_input()

    def action_ok(self) -> None:
        panel = self.query_one(FieldsPanel)
        values = panel.values()
        errors = fm.item_errors(self.field, values)
        if errors:
            panel.show(fm.problems(self.model, errors, []))
            show_next_error(self, panel, first=True)
            return
        self.dismiss(values)

    @on(FieldRow.Changed)
    def _changed(self) -> None:
        self._dirty = True
        self._discard.drop()

    def action_cancel(self) -> None:
        # As the record's form: what was typed is not thrown away by one Esc.
        if self._dirty and not self._discard.ask():
            return
        self.dismiss(None)

    @on(Button.Pressed, "#item-ok")
    def _ok(self) -> None:
        self.action_ok()

    @on(Button.Pressed, "#item-cancel")
    def _cancel(self) -> None:
        self.action_cancel()
