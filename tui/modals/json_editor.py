"""The record's raw JSON edited inside the dashboard, when no $EDITOR is set and nano is not
installed (vi would have been a trap for a newcomer). Ctrl+S loads readable JSON into the form,
whose fields then show what the rules say; JSON that cannot be read is said above the text and
nothing is lost. Esc leaves."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from store.core import i18n
from store.io.editor import as_text, read_json
from tui.widgets.form_support import data, localize
from tui.widgets.key_footer import KeyFooter


class JsonEditor(ModalScreen[dict | None]):
    """`JsonEditor(record)`; dismisses with the edited record (None: left unchanged)."""

    DEFAULT_CSS = """
    JsonEditor { align: center middle; }
    #json-dialog { width: 100%; height: 100%; border: thick $accent; background: $surface; padding: 0 1; }
    #json-help { color: $text-muted; height: auto; }
    #json-problems { color: $text-error; height: auto; max-height: 6; display: none; }
    #json-problems.-shown { display: block; }
    #json-text { height: 1fr; }
    """
    BINDINGS = [Binding("ctrl+s", "apply", "forms.json.key_apply"),
                Binding("escape", "leave", "forms.json.key_leave")]

    def __init__(self, record: dict) -> None:
        super().__init__()
        localize(self)
        self.text = as_text(record)
        self._leave_armed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="json-dialog"):
            yield Static(i18n.t("forms.json.inline_help"), id="json-help")
            yield Static("", id="json-problems")
            yield TextArea(self.text, id="json-text", soft_wrap=False, show_line_numbers=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_apply(self) -> None:
        text = self.query_one(TextArea).text
        record, found = read_json(text, lambda _record: [])
        if record is not None:   # readable: the form shows what the rules say, next to each field
            self.dismiss(record if text != self.text else None)
            return
        problems = self.query_one("#json-problems", Static)
        problems.update(data("\n".join(found)))
        problems.add_class("-shown")

    def action_leave(self) -> None:
        if self.query_one(TextArea).text != self.text and not self._leave_armed:
            self._leave_armed = True
            self.notify(i18n.t("forms.json.confirm_leave"), severity="warning", markup=False)
            self.set_timer(3, self._disarm)
            return
        self.dismiss(None)

    def _disarm(self) -> None:
        self._leave_armed = False
