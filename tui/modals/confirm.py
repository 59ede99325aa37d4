"""A yes/no question (restore an old version, ...)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from store.core import i18n
from tui.widgets.form_support import FORMS_CSS, data, localize
from tui.widgets.key_footer import KeyFooter


class ConfirmDialog(ModalScreen[bool]):
    CSS_PATH = FORMS_CSS
    BINDINGS = [Binding("y", "answer(True)", "forms.key.yes", id="forms.confirm.yes"),
                Binding("n,escape", "answer(False)", "forms.key.no", id="forms.confirm.no")]

    def __init__(self, question: str) -> None:
        super().__init__()
        localize(self)
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="fm-dialog"):
            yield Static(data(self.question), classes="fm-title")
            with Horizontal(classes="fm-buttons"):
                yield Button(i18n.t("forms.confirm.yes"), variant="primary", id="confirm-yes", compact=True)
                yield Button(i18n.t("forms.confirm.no"), id="confirm-no", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#confirm-yes").focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)
