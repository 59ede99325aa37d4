"""Someone else saved the record while it was open, and changed some of the fields this user
changed too: those fields side by side, theirs and mine, nothing chosen until the user chooses.
The fields only one side changed are already settled (the other's change is kept, never undone
by this save). Nothing is lost: cancelling goes back to the form as typed."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, RadioButton, RadioSet, Static

from store.rules import formmodel as fm
from store.core import i18n
from store.core.diff import value_at
from store.sync.merge import same
from store.core.describe import label
from tui.widgets.form_body import FormBody
from tui.widgets.form_support import FORMS_CSS, data, localize, ref_label
from tui.widgets.key_footer import KeyFooter


class ConflictScreen(ModalScreen[dict | None]):
    """Dismisses with the merged record to save (on top of their version), or None to go back."""

    CSS_PATH = FORMS_CSS
    BINDINGS = [
        Binding("ctrl+s", "save", "forms.key.save_merged", priority=True, id="forms.conflict.save"),
        Binding("t", "all_theirs", "forms.key.theirs_all", id="forms.conflict.theirs"),
        Binding("m", "all_mine", "forms.key.mine_all", id="forms.conflict.mine"),
        Binding("escape", "back", "forms.key.back", id="forms.conflict.back"),
    ]

    def __init__(self, ledger, form: fm.Form, mine: dict, theirs: dict | None, by: str = "?", at: str = "?", *,
                 merged: dict | None = None, base: dict | None = None) -> None:
        """`merged`: mine replayed on theirs (where both changed, mine); `base`: the version the
        edit started from. Rows are the fields both changed (without a base, every difference)."""
        super().__init__()
        localize(self)
        self.ledger = ledger
        self.form = form
        self.mine = mine
        self.theirs = theirs
        self.merged = merged if merged is not None else mine
        self.by, self.at = by, at[:16].replace("T", " ")   # '2006-10-12 14:03' from ISO
        rows = fm.compare(form, theirs, self.merged) if theirs is not None else []
        if base is not None:
            rows = [r for r in rows if not same(value_at(base, r.path), value_at(theirs, r.path))]
        self.rows = rows

    def compose(self) -> ComposeResult:
        shown = lambda rid: ref_label(self.ledger, rid)  # noqa: E731
        with Vertical(id="conflict-dialog", classes="fm-dialog"):
            yield Label(data(i18n.t("forms.conflict.title", label=label(self.mine, self.ledger), by=self.by,
                                    at=self.at)), classes="fm-title")
            if self.theirs is None:
                explain = i18n.t("forms.conflict.deleted")
            elif self.rows:
                explain = i18n.t("forms.conflict.explain", count=len(self.rows))
            else:
                explain = i18n.t("forms.conflict.same")
            yield Static(data(explain), id="conflict-explain")
            with FormBody(id="conflict-rows", classes="fm-body"):
                for i, row in enumerate(self.rows):
                    with Vertical(classes="conflict-row"):
                        yield Label(data(row.title), classes="field-title")
                        with RadioSet(id=f"choice-{i}", classes="conflict-choice", compact=True):
                            yield RadioButton(data(i18n.t("forms.conflict.mine",
                                                          value=fm.show(row.field, row.new, shown))))
                            yield RadioButton(data(i18n.t("forms.conflict.theirs",
                                                          value=fm.show(row.field, row.old, shown))))
            with Horizontal(classes="fm-buttons"):
                yield Button(i18n.t("forms.conflict.save"), variant="primary", id="conflict-save", compact=True)
                if self.rows:
                    yield Button(i18n.t("forms.conflict.all_theirs"), id="conflict-theirs", compact=True)
                    yield Button(i18n.t("forms.conflict.all_mine"), id="conflict-mine", compact=True)
                yield Button(i18n.t("forms.conflict.back"), id="conflict-back", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        first = self.query(RadioSet).first() if self.rows else self.query_one("#conflict-save")
        first.focus()

    def _choose_all(self, index: int) -> None:
        for radio_set in self.query(RadioSet):
            radio_set.query(RadioButton)[index].value = True

    def action_all_theirs(self) -> None:
        self._choose_all(1)

    def action_all_mine(self) -> None:
        self._choose_all(0)

    def take_theirs(self) -> list[tuple]:
        return [row.path for i, row in enumerate(self.rows)
                if self.query_one(f"#choice-{i}", RadioSet).pressed_index == 1]

    def unchosen(self) -> list[str]:
        return [row.title for i, row in enumerate(self.rows)
                if self.query_one(f"#choice-{i}", RadioSet).pressed_index < 0]

    def action_save(self) -> None:
        waiting = self.unchosen()
        if waiting:
            self.query_one("#conflict-explain", Static).update(
                data(i18n.t("forms.conflict.choose_first", fields=i18n.listing(waiting))))
            return
        self.dismiss(fm.merge(self.merged, self.theirs, self.take_theirs()))

    def action_back(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#conflict-save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#conflict-theirs")
    def _theirs(self) -> None:
        self.action_all_theirs()

    @on(Button.Pressed, "#conflict-mine")
    def _mine(self) -> None:
        self.action_all_mine()

    @on(Button.Pressed, "#conflict-back")
    def _back(self) -> None:
        self.action_back()
