"""The form to add, edit or duplicate a record, generated from its JSON Schema.

Problems from the schema and the rules show next to their field as you type (after a short
pause) and again on save; saving is refused while errors remain. What was typed is never lost:
a refused save, a conflict, a failing disk or an unexpected error all leave the form open with
its values. Saving runs in a thread worker, so the interface never freezes.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static

from store.rules import checks, formmodel as fm, situation, standards, terms
from store.core import i18n, ids
from store.core.money import yuan
from store.core.describe import label
from store.core.errors import BangfuError, InvalidRecord
from store.core.findings import Finding, errors
from store import NEW
from store.sync import rebase
from tui.modals.conflict import ConflictScreen
from tui.modals.item_form import SubDialogs
from tui.modals.json_editor import JsonEditor
from store.io.editor import edit_json, editor_command
from tui.widgets.form_choice import ChoiceRow
from tui.widgets.form_fields import FieldsPanel, show_next_error
from tui.widgets.form_row import FieldRow
from tui.widgets.form_body import FormBody
from tui.widgets.form_support import FORMS_CSS, DiscardQuestion, FormFocus, data, localize
from tui.widgets.key_footer import KeyFooter


def term_amount(standard: dict, days: int | None) -> int | None:
    """What one term's payment at a standard comes to, in fen: a yearly amount is paid in two
    terms (rounded down to the fen), a per-day amount times the days (None until they are typed)."""
    allowed = standards.term_amounts(standard, days)
    return min(allowed) if allowed else None


def standard_fits(ledger, values: dict):
    """The standards that fit the payment as typed so far: its programme, the student's stage and
    boarding in the term's school year, the county of the student's school that year, and the
    payment's date (before it is typed: some day of the term) within the standard's validity."""
    student = ledger.index.get(values.get("student") or "") or {}
    term = str(values.get("term") or "").strip()
    day = str(values.get("paid_on") or "").strip()
    try:
        paid = dt.date.fromisoformat(day) if len(day) == 10 else None
    except ValueError:
        paid = None
    first, last = (paid, paid) if paid else (terms.term_start(term), terms.term_end(term))
    if student:
        year = situation.school_year_of_term(term) if first and not paid else None
        where = situation.situation(student, paid, year=year)
        stage, boarding = where.get("stage"), where.get("boarding")
        school = ledger.index.get(where.get("school") or "") or {}
        county = school.get("county")
    else:
        stage = boarding = county = None
    programme = values.get("programme") or None
    return lambda standard: standards.may_fit(standard, programme, stage, boarding, county, first, last)


AMOUNT_FROM = {("standard",), ("days",), ("term",), ("student",)}   # what an aid payment's amount follows


@dataclass
class FormResult:
    saved_id: str
    commit: str | None   # None when the record was saved unchanged (no commit made)


class RecordForm(FormFocus, SubDialogs, ModalScreen[FormResult | None]):
    CSS_PATH = FORMS_CSS
    CHECK_DELAY = 0.4      # seconds of quiet typing before the schema and rules are asked
    BINDINGS = [
        Binding("ctrl+s", "save", "forms.key.save", priority=True, id="forms.form.save"),
        Binding("escape", "cancel", "forms.key.cancel", id="forms.form.cancel"),
        Binding("f8", "next_error", "forms.key.next_error", id="forms.form.next_error"),
        Binding("ctrl+o", "edit_json", "forms.key.edit_json", id="forms.form.edit_json"),
    ]

    def __init__(self, ledger, record_type: str, record: dict | None = None, base: str | None = None,
                 duplicate: bool = False) -> None:
        super().__init__()
        localize(self)
        self.ledger = ledger
        self.record_type = record_type
        self.form = fm.form_for(ledger.schemas(), record_type)
        if record is None or duplicate:
            source = {k: v for k, v in (record or {}).items() if k != "id"}
            source = fm.strip_protected(self.form, source)   # sealed values are bound to their record
            self.mode = "duplicate" if duplicate and record is not None else "new"
            self.record_id = ids.new_id(record_type)
            self.original: dict = source
            self.base = NEW
        else:
            self.mode = "edit"
            self.record_id = record["id"]
            self.original = record
            self.base = base if base is not None else ledger.version(record["id"])
        self.values = fm.to_values(self.form, self.original)
        self._touched: set[tuple] = set()
        self._filled_amount = ""   # the amount the aid form worked out, replaced while untouched
        self._show_all = self.mode != "new"   # an existing record's problems are news at once
        self._dirty = False
        self._saving = False
        self._seq = 0
        self._timer: Timer | None = None
        self._discard = DiscardQuestion(self)
        self._warned: dict | None = None   # the values whose notes were shown: saved as they are

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="form-dialog", classes="fm-dialog"):
            yield Label(data(self._heading()), id="form-heading", classes="fm-title")
            yield Static("", id="form-status")
            with FormBody(id="fm-body", classes="fm-body"):
                yield self._panel()
            with Horizontal(classes="fm-buttons"):
                yield Button(i18n.t("forms.form.save"), variant="primary", id="form-save", compact=True)
                yield Button(i18n.t("forms.form.cancel"), id="form-cancel", compact=True)
        yield KeyFooter()

    def _panel(self) -> FieldsPanel:
        return FieldsPanel(self.form.fields, self.values, self.ledger, self.original, id="form-fields")

    def _heading(self) -> str:
        if self.mode == "edit":
            return i18n.t("forms.form.title_edit", type=self.form.title, label=label(self.original, self.ledger))
        return i18n.t(f"forms.form.title_{self.mode}", type=self.form.title)

    def on_mount(self) -> None:
        rows = self.panel.rows()
        if rows:
            rows[0].focus_input()
        self._offer_stages()
        if self.ledger.read_only:   # the shell should not offer editing then; say it plainly if it does
            self._status(i18n.t("error.read_only", path=str(self.ledger.path)), "-error")
        elif self.mode != "new":
            self._check_soon(0)

    @property
    def panel(self) -> FieldsPanel:
        return self.query_one(FieldsPanel)

    def _status(self, text: str, kind: str = "", *, advice: bool = False) -> None:
        """The form's status line; `advice` (the check as typed) waits beneath the discard question."""
        classes = f"{kind} -shown" if text else ""
        if advice and self._discard.beneath(data(text), set(classes.split())):
            return
        status = self.query_one("#form-status", Static)
        status.update(data(text))
        status.set_classes(classes)

    # -- checking as you type -------------------------------------------------------------------
    @on(FieldRow.Changed)
    def _changed(self, event: FieldRow.Changed) -> None:
        self._touched.add(event.row.field.path)
        if self.record_type == "aid" and event.row.field.path in AMOUNT_FROM:
            self._fill_amount()
        if self.record_type == "student" and event.row.field.path == ("school",):
            self._school_chosen(event.row)
        self._dirty = True
        self._discard.drop()
        self._check_soon(self.CHECK_DELAY)

    def _check_soon(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(max(delay, 0.01), self._start_check)

    def _start_check(self) -> None:
        panels = self.query(FieldsPanel)
        if not panels:   # being replaced (_load), which checks the new fields once they are in
            return
        self._seq += 1
        self._check(panels.first().values(), self._seq)

    @work(thread=True, exclusive=True, group="form-check", exit_on_error=False)
    def _check(self, values: dict, seq: int) -> None:
        try:
            record, conversion = fm.to_record(self.form, values, self.original, record_id=self.record_id)
            findings = self.ledger.check(fm.checkable(self.form, record))
        except Exception:   # the live check only advises; saving checks again and reports
            return
        self.app.call_from_thread(self._checked, seq, conversion, findings)

    def _checked(self, seq: int, conversion: fm.Errors, findings: list[Finding]) -> None:
        if seq == self._seq and not self._saving:
            self._display(conversion, findings)

    def _display(self, conversion: fm.Errors, findings: list[Finding]) -> int:
        """Put each problem next to its field; returns how many block saving."""
        if not self._show_all:
            # A required field nobody has reached yet is not news; it is on save.
            findings = [f for f in findings if f.rule != "schema.required"
                        or fm.anchor(self.form, f.path)[0] in self._touched]
        by_path = fm.problems(self.form, conversion, findings)
        self.panel.show(by_path)
        blocking = sum(len(v) for v in conversion.values()) + len(errors(fm.relevant(conversion, findings)))
        general = by_path.get((), [])
        if blocking:
            self._status("\n".join([i18n.t("forms.form.problems", count=blocking), *general]), "-error", advice=True)
        elif general or findings:
            self._status("\n".join([i18n.t("forms.form.warnings", count=len(findings)), *general]), "-warning",
                         advice=True)
        else:
            self._status("", advice=True)
        return blocking

    def action_next_error(self) -> None:
        show_next_error(self, self.panel)

    # -- the aid form does the arithmetic -------------------------------------------------------
    def fits(self, target_type: str):
        if self.record_type != "aid" or target_type != "standard":
            return None
        return standard_fits(self.ledger, self.panel.values())

    def _fill_amount(self) -> None:
        """The term's amount by the standard chosen, while the amount is empty or the one filled in
        here: a per-day standard times the days typed, or else the school days of the term's
        calendar for the pupil's county (as the rules count them when a payment gives no days)."""
        amount = self.query_one("#f-amount_fen-input", Input)
        if amount.value.strip() not in ("", self._filled_amount):
            return
        values = self.panel.values()
        standard = self.ledger.index.get(values.get("standard") or "")
        if not standard:
            return
        days = self.query_one("#f-days-input", Input).value.strip()
        count = int(days) if days.isdigit() else None
        if count is None and standard.get("unit") == "天":
            count = checks.term_days({"student": values.get("student"), "term": values.get("term")}, self.ledger)
        fen = term_amount(standard, count)
        self._filled_amount = yuan(fen) if fen is not None else ""
        amount.value = self._filled_amount

    def _offer_stages(self) -> None:
        """A student's form offers the stages of the student's school from the start."""
        if self.record_type == "student":
            self._school_chosen(self.query_one("#f-school", FieldRow), fill=False)

    def _school_chosen(self, row: FieldRow, fill: bool = True) -> None:
        """The pupil's stage is chosen among those the school teaches (a 完全中学: 初中 and 高中; a school
        of no known kind: every stage); a school that teaches one (a 小学, a 中职) fills it, when none
        is chosen yet."""
        school = self.ledger.index.get(row.value or "") or {}
        stages = situation.SCHOOL_TEACHES.get(school.get("stage", ""))
        stage_row = self.query_one("#f-stage", ChoiceRow)
        stage_row.offer(stages)
        stage = stage_row.query_one(Select)
        if fill and stages and len(stages) == 1 and stage.value is Select.NULL \
                and any(v == stages[0] for _p, v in stage._options):
            stage.value = stages[0]

    # -- saving ---------------------------------------------------------------------------------
    def action_save(self) -> None:
        if self._saving:
            return
        self._show_all = True
        self._discard.drop()   # (saving answers the question: what it finds is shown, not held beneath)
        self._seq += 1   # a live check still running must not paint over what saving finds
        if self._timer is not None:
            self._timer.stop()
        record, conversion = fm.to_record(self.form, self.panel.values(), self.original, record_id=self.record_id)
        if conversion:
            self._refuse(conversion, [])
            return
        self._saving = True
        self.query_one("#form-save", Button).disabled = True
        self._status(i18n.t("forms.form.saving"), "-busy")
        self._save(record, self.base)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _save(self, record: dict, base) -> None:
        # Saved over another's change: replayed on it field by field (store/sync/rebase.py);
        # only fields both changed come back to be chosen.
        call = self.app.call_from_thread
        try:
            if record != self._warned:   # the notes are read in the form, before it closes
                notes = [f for f in self.ledger.check(fm.checkable(self.form, record)) if f.level != "error"]
                if self.mode == "duplicate" and {k: v for k, v in record.items() if k != "id"} == self.original:
                    notes.append(Finding(self.record_id, (), "forms.form.identical_copy", {}, "warning"))
                if notes and not errors(notes):
                    call(self._warn, record, notes)
                    return
            saved = rebase.save(self.ledger, record, base)
        except InvalidRecord as exc:
            call(self._refuse, {}, exc.findings)
        except BangfuError as exc:
            call(self._failed, str(exc))
        except Exception as exc:   # never a traceback, never lose the form
            call(self._failed, i18n.t("forms.form.unexpected", detail=type(exc).__name__))
        else:
            if isinstance(saved, rebase.Rebased):
                call(self._conflict, record, saved)
            else:
                call(self._saved, saved)

    def _refuse(self, conversion: fm.Errors, findings: list[Finding]) -> None:
        self._saving = False
        self.query_one("#form-save", Button).disabled = False
        blocking = self._display(conversion, findings)
        if blocking:
            self._status(i18n.t("forms.form.refused", count=blocking), "-error")
            show_next_error(self, self.panel, first=True)

    def _warn(self, record: dict, notes: list[Finding]) -> None:
        """Saving stops once to show the notes (as an auditor will see them): Ctrl+S again saves
        the same values anyway; any change is checked afresh."""
        self._saving = False
        self._warned = record
        self.query_one("#form-save", Button).disabled = False
        self._display({}, notes)
        shown = [f"· {i18n.t(f.rule, **f.params)}" for f in notes[:3]]
        more = [i18n.t("forms.form.warn_more", count=len(notes) - 3)] if len(notes) > 3 else []
        self._status("\n".join([i18n.t("forms.form.warn_before_save", count=len(notes)), *shown, *more]),
                     "-warning")
        rows = [row for row in self.panel.rows() if row.errors]
        if rows:
            rows[0].focus_input()
            self.call_after_refresh(rows[0].scroll_visible, animate=False)

    def _failed(self, message: str) -> None:
        self._saving = False
        self.query_one("#form-save", Button).disabled = False
        self._status(i18n.t("forms.form.failed", detail=message), "-error")
        self.notify(i18n.t("forms.form.failed_short"), severity="error", markup=False)

    def _saved(self, saved) -> None:
        self._saving = False
        if saved.warnings:
            self.notify(i18n.t("forms.form.saved_warnings", count=len(saved.warnings)), severity="warning",
                        markup=False)
        self.dismiss(FormResult(saved.id, saved.commit))

    # -- conflicts ------------------------------------------------------------------------------
    def _conflict(self, mine: dict, rebased: "rebase.Rebased") -> None:
        self._saving = False
        self.query_one("#form-save", Button).disabled = False
        self._status(i18n.t("forms.form.conflict_open"), "-warning")

        def resolved(merged: dict | None) -> None:
            if merged is None:
                self._status(i18n.t("forms.form.conflict_kept"), "-warning")
                return
            self.base = rebased.version
            self.run_worker(self._load_and_save(merged, rebased.theirs), exclusive=True, group="form-load")

        started = self.ledger.git.read_blob(self.base) if isinstance(self.base, str) else None
        self.app.push_screen(ConflictScreen(self.ledger, self.form, mine, rebased.theirs, by=rebased.by,
                                            at=rebased.at, merged=rebased.record,
                                            base=json.loads(started) if started else None), resolved)

    async def _load_and_save(self, merged: dict, theirs: dict | None) -> None:
        await self._load(merged, theirs)
        self.action_save()

    async def _load(self, record: dict, committed: dict | None) -> None:
        """Show `record` in the form (after a merge or the raw editor); nothing typed is kept elsewhere."""
        self.original = fm.rebase(self.form, record, committed)
        self.values = fm.to_values(self.form, record)
        if self._timer is not None:   # (a check of what was typed before would find no fields meanwhile)
            self._timer.stop()
        await self.panel.remove()
        await self.query_one("#fm-body").mount(self._panel())
        self._offer_stages()
        self._dirty = True

    # -- the raw JSON in $EDITOR ------------------------------------------------------------------
    async def action_edit_json(self) -> None:
        if self._saving:
            return
        record, _ = fm.to_record(self.form, self.panel.values(), self.original, record_id=self.record_id,
                                 keep_raw=True)
        if editor_command() is None:
            self.app.push_screen(JsonEditor(record), self._edited_inline)
            return
        try:
            with self.app.suspend():
                edited = edit_json(record, self._json_problems)
        except SuspendNotSupported:
            self.notify(i18n.t("forms.form.no_editor"), severity="error", markup=False)
            return
        except OSError as exc:
            self.notify(i18n.t("forms.form.editor_failed", detail=str(exc)), severity="error", markup=False)
            return
        if edited.kept is not None:
            masked = "\n" + i18n.t("cli.kept_masked") if edited.masked else ""
            self.notify(i18n.t("forms.form.editor_kept", path=str(edited.kept)) + masked, severity="warning",
                        markup=False, timeout=15)
        if edited.record is not None:
            await self._load({**edited.record, "id": self.record_id, "type": self.record_type}, self.original)
            self._show_all = True
            self._check_soon(0)

    async def _edited_inline(self, record: dict | None) -> None:
        if record is not None:
            await self._load({**record, "id": self.record_id, "type": self.record_type}, self.original)
            self._show_all = True
            self._check_soon(0)

    def _json_problems(self, record: dict) -> list[str]:
        found = []
        if record.get("id", self.record_id) != self.record_id or record.get("type") != self.record_type:
            found.append(i18n.t("forms.json.identity", id=self.record_id, type=self.record_type))
        try:
            found += [f.text() for f in errors(self.ledger.check(fm.checkable(self.form, record)))]
        except Exception as exc:
            found.append(i18n.t("forms.form.unexpected", detail=type(exc).__name__))
        return found

    # -- leaving --------------------------------------------------------------------------------
    def action_cancel(self) -> None:
        if self._dirty and not self._discard.ask():
            return
        self.dismiss(None)

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

