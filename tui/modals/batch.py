"""Payment batches (发放批次) of a term: open one or make one (programme, school), review its list
(remove the highlighted student, or add one by name, each with a reason); the school is chosen by
typing its name or pinyin initials (the record search of the forms), approve it, pay it, and
write its bank roster (xlsx, numbers masked) and its notice (csv, names masked) into the folder
Bangfu was started in.
Every step is the store's (store/aid/batches.py), one commit each, run in a worker; a refusal is
shown in the status line in the reader's language, and nothing typed is lost."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from store.aid import batches, duty
from store.core import describe, i18n
from store.core.errors import BangfuError
from store.core.money import yuan
from store.io import export, roster
from store.privacy import notice as notices
from store.rules import standards
from tui.modals.ref_picker import RefChoice
from tui.widgets.form_support import FORMS_CSS, data, localize, shown_path
from tui.widgets.key_footer import KeyFooter


class BatchDialog(ModalScreen[None]):
    CSS_PATH = FORMS_CSS
    DEFAULT_CSS = """
    #batch-dialog { width: 78; height: auto; max-height: 23; }
    #batch-entries { height: 7; }
    #batch-dialog Input { width: 1fr; margin-right: 1; }   /* (placeholders side by side stay apart) */
    #batch-dialog Select { width: 1fr; }
    #batch-dialog .batch-row { height: auto; margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape", "close", "forms.key.close", id="forms.batch.close")]

    def __init__(self, ledger, term: str, today: dt.date, *, folder: Path | None = None) -> None:
        super().__init__()
        localize(self)
        self.folder = folder or Path.cwd()
        self.ledger = ledger
        self.term = term
        self.today = today
        self.batch: dict | None = None
        self._busy = False

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        programmes = [p for p in duty.programmes_of(self.ledger) if standards.is_due_by_rule(p)]
        with Vertical(id="batch-dialog", classes="fm-dialog"):
            yield Label(data(i18n.t("tui.batch.title", term=self.term)), classes="fm-title")
            with Horizontal(classes="batch-row"):
                yield Select(self._batches(), prompt=i18n.t("tui.batch.open"), id="batch-pick", compact=True)
            with Horizontal(classes="batch-row"):
                yield Select([(i18n.value(p), p) for p in programmes], prompt=i18n.t("tui.batch.programme"),
                             id="batch-programme", compact=True)
                yield RefChoice(self.ledger, "school", i18n.t("tui.batch.school"), prompt=i18n.t("tui.batch.school"),
                                none_label=i18n.t("aid.batch.cmd.all_schools"), id="batch-school")
                yield Button(i18n.t("tui.batch.make"), id="batch-make", compact=True)
            yield Static("", id="batch-head")
            yield DataTable(id="batch-entries", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="batch-row"):
                yield Input(placeholder=i18n.t("tui.batch.student"), id="batch-student", compact=True)
                yield Input(placeholder=i18n.t("tui.batch.reason"), id="batch-reason", compact=True)
                yield Input(placeholder=i18n.t("tui.batch.by"), id="batch-by", compact=True)
            with Horizontal(classes="batch-row"):
                yield Input(value=f"{i18n.value('中央')}=100", placeholder=i18n.t("tui.batch.shares"), id="batch-shares", compact=True)
                yield Input(placeholder=i18n.t("tui.batch.reference"), id="batch-reference", compact=True)
            with Horizontal(classes="fm-buttons"):
                for name in ("remove", "add", "approve", "pay", "roster", "notice", "close"):
                    yield Button(i18n.t(f"tui.batch.{name}"), id=f"batch-{name}", compact=True,
                                 variant="primary" if name in ("approve", "pay") else "default")
            yield Static(data(i18n.t("tui.batch.hint")), id="batch-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#batch-entries", DataTable)
        table.add_columns(*(i18n.t(f"aid.batch.cmd.col_{c}") for c in ("student", "class", "amount", "days")))
        self.query_one("#batch-programme", Select).focus()
        self._show()

    def _batches(self) -> list[tuple[str, str]]:
        """The term's batches as the list to open one from shows them (status as they stand now)."""
        made = sorted(self.ledger.find("batch", term=self.term), key=lambda b: (b["date"], b["id"]))
        return [(self._label(b), b["id"]) for b in made]

    def _label(self, batch: dict) -> str:
        school = (self.ledger.index.get(batch.get("school") or "") or {}).get("name") or i18n.t("aid.batch.cmd.all_schools")
        return f"{i18n.value(batch['programme'])} · {school} · {batch['date']} · {i18n.value(batches.status(batch))}"

    def _show(self) -> None:
        table = self.query_one("#batch-entries", DataTable)
        table.clear()
        head = self.query_one("#batch-head", Static)
        if self.batch is None:
            head.update("")
            return
        b = self.batch
        head.update(data(i18n.t("tui.batch.head", status=i18n.value(batches.status(b)), count=len(b["entries"]),
                                total=yuan(batches.total_fen(b)), date=b["date"])))
        for e in b["entries"]:
            s = self.ledger.index.get(e["student"]) or {}
            table.add_row(Text(str(s.get("name", e["student"]))),
                          Text(f"{s.get('grade', '')} {s.get('class_name', '')}".strip()),
                          Text(yuan(e["amount_fen"]), justify="right"), Text(str(e.get("days", ""))),
                          key=e["student"])

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#batch-status", Static)
        status.update(data(text))
        status.set_class(error, "-error")

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    # -- steps --------------------------------------------------------------------------------
    @on(Select.Changed, "#batch-pick")
    def _pick(self, event: Select.Changed) -> None:
        if event.value is not Select.BLANK:
            self.batch = self.ledger.get(str(event.value))
            self._show()

    @on(Button.Pressed, "#batch-school")
    def _pick_school(self) -> None:
        choice = self.query_one("#batch-school", RefChoice)
        self.app.push_screen(choice.picker(), choice.choose)

    @on(Button.Pressed, "#batch-make")
    def _make(self) -> None:
        programme = self.query_one("#batch-programme", Select).value
        school = self.query_one("#batch-school", RefChoice).value or None   # (none chosen: all schools)
        if programme is Select.BLANK:
            self._status(i18n.t("tui.batch.need_programme"), error=True)
            return
        self._run(lambda: batches.make(self.ledger, self.term, str(programme), on=self.today, school=school).batch,
                  "tui.batch.made")

    @on(Button.Pressed, "#batch-remove")
    def _remove(self) -> None:
        table = self.query_one("#batch-entries", DataTable)
        if self.batch is None or not table.row_count:
            return
        student = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        reason, by = self._value("batch-reason"), self._value("batch-by")
        self._run(lambda: batches.remove(self.ledger, self.batch["id"], student, reason=reason, by=by, on=self.today),
                  "tui.batch.removed")

    @on(Button.Pressed, "#batch-add")
    def _add(self) -> None:
        if self.batch is None:
            return
        name, reason, by = self._value("batch-student"), self._value("batch-reason"), self._value("batch-by")
        found = [s["id"] for s in self.ledger.find("student", name=name)] if name else []
        if len(found) != 1:
            self._status(i18n.t("aid.batch.cmd.student_unknown" if not found else "aid.batch.cmd.student_ambiguous",
                                student=name), error=True)
            return
        self._run(lambda: batches.add(self.ledger, self.batch["id"], found[0], reason=reason, by=by, on=self.today),
                  "tui.batch.added")

    @on(Button.Pressed, "#batch-approve")
    def _approve(self) -> None:
        if self.batch is not None:
            by = self._value("batch-by")
            self._run(lambda: batches.approve(self.ledger, self.batch["id"], by=by, on=self.today), "tui.batch.approved")

    @on(Button.Pressed, "#batch-pay")
    def _pay(self) -> None:
        if self.batch is None:
            return
        shares = []
        for item in self._value("batch-shares").replace("，", ",").split(","):
            source, sep, percent = item.partition("=")
            if not sep or not percent.strip().isdigit():
                self._status(i18n.t("aid.batch.bad_share", share=item), error=True)
                return
            shares.append({"source": i18n.stored(source.strip()), "percent": int(percent)})
        reference = self._value("batch-reference")
        self._run(lambda: batches.pay(self.ledger, self.batch["id"], on=self.today, method="银行卡", shares=shares,
                                      reference=reference)[0], "tui.batch.paid")

    @on(Button.Pressed, "#batch-roster, #batch-notice")
    def _export(self, event: Button.Pressed) -> None:
        if self.batch is None:
            return
        kind = str(event.button.id).removeprefix("batch-")
        school = describe.school_name(self.batch["school"], self.ledger) if self.batch.get("school") else \
            i18n.t("aid.batch.cmd.all_schools")
        path = self.folder / export.file_name(i18n.t(f"tui.batch.{kind}_file"), school, self.term,
                                              i18n.value(self.batch["programme"]),
                                              ext="xlsx" if kind == "roster" else "csv")
        batch = self.batch

        def write() -> Path:
            try:
                if kind == "roster":
                    roster.write(self.ledger, batch, path)
                else:
                    notices.write_notice(notices.build_batch_notice(self.ledger, batch, start=self.today), path)
            except OSError as exc:
                raise BangfuError("io.cannot_write", path=str(path), detail=i18n.os_reason(exc)) from exc
            return path

        # (in a worker: a county's roster of tens of thousands of rows took seconds, the screen frozen)
        self._start(write, lambda written: self._status(i18n.t("tui.batch.written", path=shown_path(written))))

    def _run(self, step, done: str) -> None:
        self._start(step, lambda batch: self._done(batch, done))

    def _start(self, step, then) -> None:
        """Run `step` in a worker, one at a time; `then` takes what it gave (a refusal is shown)."""
        if self._busy:
            return
        self._busy = True
        self._status(i18n.t("tui.batch.working"))
        self._step(step, then)

    @work(thread=True, exclusive=True, group="batch", exit_on_error=False)
    def _step(self, step, then) -> None:
        call = self.app.call_from_thread
        try:
            result = step()
        except BangfuError as exc:
            call(self._failed, str(exc))
        except Exception as exc:  # never a traceback on screen
            call(self._failed, i18n.t("forms.form.unexpected", detail=type(exc).__name__))
        else:
            call(self._finished, then, result)

    def _finished(self, then, result) -> None:
        self._busy = False
        then(result)

    def _done(self, batch: dict, done: str) -> None:
        self.batch = batch
        self._show()
        pick = self.query_one("#batch-pick", Select)
        with self.prevent(Select.Changed):   # the list follows the step; the batch on view stays
            pick.set_options(self._batches())
            pick.value = batch["id"]
        self._status(i18n.t(done, count=len(batch["entries"]), total=yuan(batches.total_fen(batch))))

    def _failed(self, message: str) -> None:
        self._busy = False
        self._status(message, error=True)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#batch-close")
    def _close(self) -> None:
        self.action_close()
