"""Delete a record, with a reason (it goes into the commit). Refused while other records refer
to it: the dialog then lists them instead."""
from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from store.core import i18n
from store.core.describe import label
from store.core.errors import BangfuError, Conflict, InvalidRecord, Referenced
from store.rules.referring import referring
from tui.widgets.form_support import FORMS_CSS, data, localize, ref_label
from tui.widgets.key_footer import KeyFooter


class DeleteDialog(ModalScreen[bool]):
    CSS_PATH = FORMS_CSS
    SHOWN_REFERRERS = 50
    DEFAULT_CSS = "#delete-referrer-list { height: auto; max-height: 12; display: none; }"
    BINDINGS = [Binding("ctrl+s", "delete", "forms.key.delete", priority=True, id="forms.delete.confirm"),
                Binding("escape", "cancel", "forms.key.cancel", id="forms.delete.cancel")]

    def __init__(self, ledger, record_id: str) -> None:
        super().__init__()
        localize(self)
        self.ledger = ledger
        self.record_id = record_id
        self.base = ledger.version(record_id)   # what the person saw when they asked
        record = ledger.index.get(record_id)
        self.label = label(record, ledger) if record else record_id
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="delete-dialog", classes="fm-dialog"):
            yield Label(data(i18n.t("forms.delete.title", label=self.label)), classes="fm-title")
            yield Label(i18n.t("forms.delete.reason"))
            yield Input(placeholder=i18n.t("forms.delete.reason_hint"), id="delete-reason")
            yield Static("", id="delete-status")
            with VerticalScroll(id="delete-referrer-list"):
                yield Static("", id="delete-referrers")
            with Horizontal(classes="fm-buttons"):
                yield Button(i18n.t("forms.delete.confirm"), variant="error", id="delete-confirm", compact=True)
                yield Button(i18n.t("forms.form.cancel"), id="delete-cancel", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#delete-reason", Input).focus()

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#delete-status", Static)
        status.update(data(text))
        status.set_class(error, "-error")

    @on(Input.Submitted, "#delete-reason")
    def action_delete(self) -> None:
        if self._busy:
            return
        reason = self.query_one("#delete-reason", Input).value.strip()
        if not reason:
            self._status(i18n.t("forms.delete.reason_required"), error=True)
            self.query_one("#delete-reason", Input).focus()
            return
        self._busy = True
        self._status(i18n.t("forms.delete.deleting"))
        self._delete(reason)

    @work(thread=True, exclusive=True, group="delete", exit_on_error=False)
    def _delete(self, reason: str) -> None:
        call = self.app.call_from_thread
        try:
            self.ledger.delete(self.record_id, reason=reason, base=self.base)
        except Referenced as exc:
            call(self._referenced, *self._who_refers(exc))
        except Conflict as exc:
            self.base = self.ledger.version(self.record_id)
            call(self._failed, i18n.t("forms.delete.changed", detail=str(exc)))
        except InvalidRecord as exc:
            # (the record is the one the title names: the rules alone, not ids and field paths)
            reasons = dict.fromkeys(i18n.t(f.rule, **f.params) for f in exc.findings if f.level == "error")
            call(self._failed, i18n.t("forms.delete.refused", reasons="\n".join(reasons)))
        except BangfuError as exc:
            call(self._failed, str(exc))
        except Exception as exc:
            call(self._failed, i18n.t("forms.form.unexpected", detail=type(exc).__name__))
        else:
            call(self.dismiss, True)

    def _who_refers(self, exc: Referenced) -> tuple[list[str], int]:
        """One line per referring record: its label, its type and the fields that refer."""
        try:
            found = [r.line() for r in referring(self.ledger, self.record_id)]
        except Exception:
            found = list(dict.fromkeys(ref_label(self.ledger, rid) for rid, _path in exc.referrers))
        lines = found[: self.SHOWN_REFERRERS]
        if len(found) > self.SHOWN_REFERRERS:
            lines.append(i18n.t("forms.delete.more", count=len(found) - self.SHOWN_REFERRERS))
        return lines, len(found)

    def _referenced(self, lines: list[str], count: int) -> None:
        self._busy = False
        self._status(i18n.t("forms.delete.referenced", count=count), error=True)
        self.query_one("#delete-referrers", Static).update(data("\n".join(lines)))
        self.query_one("#delete-referrer-list").display = True

    def _failed(self, message: str) -> None:
        self._busy = False
        self._status(message, error=True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#delete-confirm")
    def _confirm(self) -> None:
        self.action_delete()

    @on(Button.Pressed, "#delete-cancel")
    def _cancel(self) -> None:
        self.action_cancel()
