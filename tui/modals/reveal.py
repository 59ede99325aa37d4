"""Reveal one protected identifier (a resident ID number, a phone): a deliberate act with a
reason, recorded in the ledger as an event (查看) before anything is shown, and hidden again
after a few seconds."""
from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Static

from store.rules import formmodel as fm
from store.core import i18n, ids
from store.privacy import acts as privacy, protect
from store.core.describe import label
from store.core.errors import BangfuError
from tui.widgets.form_support import FORMS_CSS, data, localize
from tui.widgets.key_footer import KeyFooter

REVEAL = "查看"


def record_and_reveal(ledger, record_id: str, path: tuple, reason: str) -> str:
    """The clear value, once the reveal is committed as an event. The privacy layer's own
    `record_reveal` does both when it exists; otherwise the event is written here."""
    recorder = getattr(privacy, "record_reveal", None)
    if recorder is not None:
        value = recorder(ledger, record_id, path, reason)
        if isinstance(value, str):
            return value
        return protect.reveal(ledger.get(record_id), path, ledger.schemas(), ledger.keys)
    value = protect.reveal(ledger.get(record_id), path, ledger.schemas(), ledger.keys)
    who = ledger.author()
    ledger.put({"type": "event", "schema_version": 1, "action": REVEAL, "actor": who.name,
                "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "subject": record_id,
                "field": ".".join(map(str, path)), "reason": reason}, action="reveal")
    return value


class RevealDialog(ModalScreen[None]):
    CSS_PATH = FORMS_CSS
    BINDINGS = [Binding("escape", "close", "forms.key.close", id="forms.reveal.close"),
                Binding("ctrl+s", "reveal", "forms.key.reveal", priority=True, id="forms.reveal.confirm")]

    def __init__(self, ledger, record_id: str, field_path: tuple) -> None:
        super().__init__()
        localize(self)
        self.ledger = ledger
        self.record_id = record_id
        self.field_path = tuple(field_path)
        self.show_seconds = 20.0
        record = ledger.index.get(record_id) or {"id": record_id}
        self.record_label = label(record, ledger) if record.get("type") else record_id
        rtype = ids.type_of(record_id)
        self.field_title = fm.form_for(ledger.schemas(), rtype).title_of(self.field_path)
        node = fm.value_at(record, self.field_path)
        self.masked = node.get("masked", "") if isinstance(node, dict) else ""
        self._busy = False
        self._hide_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="reveal-dialog", classes="fm-dialog"):
            yield Label(data(i18n.t("forms.reveal.title", field=self.field_title, label=self.record_label)),
                        classes="fm-title")
            yield Static(data(i18n.t("forms.reveal.masked", masked=self.masked or "—")), id="reveal-value")
            if self.ledger.keys is None:
                yield Static(data(i18n.t("forms.reveal.no_key")), id="reveal-status", classes="-error")
                with Horizontal(classes="fm-buttons"):
                    yield Button(i18n.t("forms.reveal.close"), id="reveal-close", compact=True)
            else:
                yield Label(i18n.t("forms.reveal.reason"))
                yield Input(placeholder=i18n.t("forms.reveal.reason_hint"), id="reveal-reason")
                yield Static(data(i18n.t("forms.reveal.logged")), id="reveal-status")
                with Horizontal(classes="fm-buttons"):
                    yield Button(i18n.t("forms.reveal.confirm"), variant="warning", id="reveal-confirm",
                                 compact=True)
                    yield Button(i18n.t("forms.reveal.close"), id="reveal-close", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        target = self.query("#reveal-reason") or self.query("#reveal-close")
        target.first().focus()

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#reveal-status", Static)
        status.update(data(text))
        status.set_class(error, "-error")

    @on(Input.Submitted, "#reveal-reason")
    def action_reveal(self) -> None:
        if self.ledger.keys is None or self._busy:
            return
        reason = self.query_one("#reveal-reason", Input).value.strip()
        if not reason:
            self._status(i18n.t("forms.reveal.reason_required"), error=True)
            return
        self._busy = True
        self._status(i18n.t("forms.reveal.recording"))
        self._reveal(reason)

    @work(thread=True, exclusive=True, group="reveal", exit_on_error=False)
    def _reveal(self, reason: str) -> None:
        call = self.app.call_from_thread
        try:
            value = record_and_reveal(self.ledger, self.record_id, self.field_path, reason)
        except BangfuError as exc:
            call(self._failed, str(exc))
        except Exception as exc:
            call(self._failed, i18n.t("forms.form.unexpected", detail=type(exc).__name__))
        else:
            call(self._show, value)

    def _show(self, value: str) -> None:
        self._busy = False
        self.query_one("#reveal-value", Static).update(data(value))
        self._status(i18n.t("forms.reveal.shown", seconds=int(self.show_seconds)))
        self._hide_timer = self.set_timer(self.show_seconds, self.hide)

    def hide(self) -> None:
        if self._hide_timer is not None:
            self._hide_timer.stop()
            self._hide_timer = None
        self.query_one("#reveal-value", Static).update(data(i18n.t("forms.reveal.masked", masked=self.masked or "—")))
        self._status(i18n.t("forms.reveal.hidden"))

    def _failed(self, message: str) -> None:
        self._busy = False
        self._status(message, error=True)

    def action_close(self) -> None:
        if self._hide_timer is not None:
            self.hide()
        self.dismiss(None)

    @on(Button.Pressed, "#reveal-confirm")
    def _confirm(self) -> None:
        self.action_reveal()

    @on(Button.Pressed, "#reveal-close")
    def _close(self) -> None:
        self.action_close()
