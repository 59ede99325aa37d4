"""Recognition (认定) of a school's students for a school year, step by step: the promotion of the
school into the year (a preview first, committed when pressed again), where each recognition stands,
and the next step for every recognition waiting for it: the application of a student typed by name,
the class review (members and level), the school's check, the notice (recorded, and exported as a
CSV file with names masked into the folder Bangfu was started in), an objection to the recognition of
the student typed and how it was settled (the one picked from a list when several are open), the
approval. The school is chosen by typing its name or pinyin initials (the record search of the
forms). Every step is the
store's (store/aid/recognition.py, as `bangfu aid …`), one commit each by the person acting, run in
a worker; a refusal is shown in the status line in the reader's language, and nothing typed is lost."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from store.aid import promotion, recognition
from store.core import describe, i18n
from store.core.errors import BangfuError
from store.io import export
from store.privacy import notice as notices
from store.rules import situation
from tui.modals.ref_picker import RefChoice
from tui.widgets.form_support import FORMS_CSS, data, localize, shown_path
from tui.widgets.key_footer import KeyFooter

LEVELS = ("特别困难", "困难", "一般困难")
STEPS = ("promote", "apply", "review", "check", "publish", "approve")


class RecognitionDialog(ModalScreen[None]):
    CSS_PATH = FORMS_CSS
    DEFAULT_CSS = """
    #rec-dialog { width: 78; height: auto; max-height: 23; }
    #rec-list { height: 6; }
    #rec-dialog Input { width: 1fr; margin-right: 1; }
    #rec-dialog Select { width: 1fr; margin-right: 1; }
    #rec-dialog #rec-school { width: 2fr; }
    #rec-dialog .rec-row { height: auto; margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape", "close", "forms.key.close", id="forms.recognition.close")]

    def __init__(self, ledger, today: dt.date, *, folder: Path | None = None) -> None:
        super().__init__()
        localize(self)
        self.ledger = ledger
        self.today = today
        self.folder = folder or Path.cwd()
        self._busy = False
        self._previewed: tuple[str, str] | None = None   # (school, year) whose promotion was shown

    def compose(self) -> ComposeResult:
        with Vertical(id="rec-dialog", classes="fm-dialog"):
            yield Label(data(i18n.t("tui.recognition.title")), classes="fm-title")
            with Horizontal(classes="rec-row"):
                yield RefChoice(self.ledger, "school", i18n.t("tui.batch.school"), prompt=i18n.t("tui.batch.school"),
                                id="rec-school")
                yield Input(situation.school_year_of(self.today), placeholder=i18n.t("tui.recognition.year"),
                            id="rec-year", compact=True)
                yield Input(self.today.isoformat(), placeholder=i18n.t("tui.recognition.date"), id="rec-date",
                            compact=True)
            yield Static("", id="rec-head")
            yield DataTable(id="rec-list", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="rec-row"):
                yield Input(placeholder=i18n.t("tui.recognition.student"), id="rec-student", compact=True)
                yield Input(placeholder=i18n.t("tui.recognition.by"), id="rec-by", compact=True)
            with Horizontal(classes="rec-row"):
                yield Select([(i18n.value(v), v) for v in LEVELS], prompt=i18n.t("tui.recognition.level"),
                             id="rec-level", compact=True)
                yield Input(placeholder=i18n.t("tui.recognition.where"), id="rec-where", compact=True)
            with Horizontal(classes="rec-row"):
                yield Input(placeholder=i18n.t("tui.recognition.objection"), id="rec-objection", compact=True)
                for name in ("object", "settle"):
                    yield Button(i18n.t(f"tui.recognition.{name}"), id=f"rec-{name}", compact=True)
            with Horizontal(classes="fm-buttons"):
                for name in (*STEPS, "close"):
                    yield Button(i18n.t(f"tui.recognition.{name}"), id=f"rec-{name}", compact=True,
                                 variant="primary" if name == "approve" else "default")
            yield Static(data(i18n.t("tui.recognition.hint")), id="rec-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#rec-list", DataTable)
        table.add_columns(*(i18n.t(f"aid.step.cmd.col_{c}") for c in
                            ("student", "class", "application", "review", "check", "approval", "outcome")))
        self.query_one("#rec-school", RefChoice).focus()

    # -- what is on view ---------------------------------------------------------------------
    def _school(self) -> str | None:
        return self.query_one("#rec-school", RefChoice).value or None

    @on(Button.Pressed, "#rec-school")
    def _pick_school(self) -> None:
        choice = self.query_one("#rec-school", RefChoice)
        self.app.push_screen(choice.picker(), choice.choose)

    def _year(self) -> str:
        return self.query_one("#rec-year", Input).value.strip()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    @on(RefChoice.Changed, "#rec-school")
    @on(Input.Submitted, "#rec-year")
    def _show(self) -> None:
        table = self.query_one("#rec-list", DataTable)
        table.clear()
        school, year = self._school(), self._year()
        if school is None:
            return
        found = recognition.standings(self.ledger, school, year)
        for s in found:
            table.add_row(Text(s.name), Text(s.grade_class), Text(s.applied[5:]), Text(s.reviewed[5:]),
                          Text(s.checked[5:]), Text(s.approved[5:]), Text(i18n.value(s.outcome)), key=s.recognition)
        waiting = {step: sum(1 for s in found if cond(s)) for step, cond in (
            ("review", lambda s: not s.reviewed), ("check", lambda s: s.reviewed and not s.checked),
            ("notice", lambda s: s.checked and not s.notice), ("approval", lambda s: s.notice and not s.approved))}
        waiting["objections"] = sum(s.open_objections for s in found)
        self.query_one("#rec-head", Static).update(data(i18n.t("tui.recognition.head", year=year, count=len(found),
                                                               **waiting)))

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#rec-status", Static)
        status.update(data(text))
        status.set_class(error, "-error")

    # -- steps --------------------------------------------------------------------------------
    @on(Button.Pressed, "#rec-promote")
    def _promote(self) -> None:
        school, year = self._school(), self._year()
        if school is None:
            self._status(i18n.t("tui.recognition.need_school"), error=True)
            return
        if self._previewed != (school, year):
            try:
                moves = promotion.plan(self.ledger, school, year)
            except BangfuError as exc:
                self._status(str(exc), error=True)
                return
            self._previewed = (school, year)
            self._status(i18n.t("tui.recognition.promote_preview", count=len(moves), year=year,
                                leaving=sum(1 for m in moves if m.after is None)))
            return
        self._previewed = None
        if not self._busy:
            self._run(lambda: promotion.apply(self.ledger, school, year)[0], "promote")

    @on(Button.Pressed, "#rec-apply, #rec-review, #rec-check, #rec-publish, #rec-approve, #rec-object, #rec-settle")
    def _step_pressed(self, event: Button.Pressed) -> None:
        school, year = self._school(), self._year()
        if school is None:
            self._status(i18n.t("tui.recognition.need_school"), error=True)
            return
        try:
            on_day = dt.date.fromisoformat(self._value("rec-date"))
        except ValueError:
            self._status(i18n.t("privacy.notice.bad_date", value=self._value("rec-date")), error=True)
            return
        step = str(event.button.id).removeprefix("rec-")
        self._previewed = None
        by = self._value("rec-by") or self.ledger.author().name
        level = self.query_one("#rec-level", Select).value
        level = None if level is Select.BLANK else str(level)
        name, where, text = self._value("rec-student"), self._value("rec-where"), self._value("rec-objection")
        L = self.ledger
        settled: list[int | None] = [None]   # the objection picked when several are open

        def student() -> str:
            found = [s["id"] for s in L.find("student", name=name) if s.get("school") == school] if name else []
            if len(found) != 1:
                raise BangfuError("aid.batch.cmd.student_unknown" if not found else
                                  "aid.batch.cmd.student_ambiguous", student=name)
            return found[0]

        def run():
            if step == "apply":
                docs, _ = recognition.apply(L, [student()], year, on=on_day)
                return len(docs)
            if step in ("object", "settle"):
                if not text:
                    raise BangfuError("tui.recognition.need_text")
                mine = recognition.of_student(L, student(), year)
                if step == "object":
                    recognition.object_to(L, mine, on=on_day, raised_by=by, content=text)
                else:
                    recognition.settle(L, mine, on=on_day, settlement=text, number=settled[0])
                return 1
            if step == "publish":
                record, listed = recognition.post_notice(L, school, year, where=where, start=on_day)
                path = self.folder / export.file_name(i18n.t("tui.recognition.file"), describe.school_name(school, L), year,
                                                      ext="csv")
                path.write_bytes(notices.recognition_notice_bytes(notices.build_recognition_notice(L, record), "csv"))
                return len(listed), shown_path(path)
            waiting = recognition.waiting(L, school, year, {"approve": "approval"}.get(step, step))
            if step == "review":
                members = [m.strip() for m in by.replace("，", ",").replace("、", ",").split(",") if m.strip()]
                docs, _ = recognition.review(L, waiting, on=on_day, members=members, result="通过", level=level)
            elif step == "check":
                docs, _ = recognition.check(L, waiting, on=on_day, by=by)
            else:
                docs, _ = recognition.approve(L, waiting, on=on_day, by=by)
            return len(docs)

        if self._busy:
            return
        if step == "settle" and text:
            try:
                open_ = recognition.open_objections(recognition.of_student(L, student(), year))
            except BangfuError as exc:
                self._status(str(exc), error=True)
                return
            if len(open_) > 1:
                def picked(number: int | None) -> None:
                    if number is not None and not self._busy:
                        settled[0] = number
                        self._run(run, step)
                self.app.push_screen(ObjectionPicker(open_), picked)
                return
        self._run(run, step)

    def _run(self, run, step: str) -> None:
        self._busy = True
        self._status(i18n.t("tui.batch.working"))
        self._step(run, step)

    @work(thread=True, exclusive=True, group="recognition", exit_on_error=False)
    def _step(self, run, step: str) -> None:
        call = self.app.call_from_thread
        try:
            done = run()
        except BangfuError as exc:
            call(self._failed, " ".join(str(exc).split()))   # (a refusal's findings, one line each, as one text)
        except Exception as exc:  # never a traceback on screen
            call(self._failed, i18n.t("forms.form.unexpected", detail=type(exc).__name__))
        else:
            call(self._done, step, done)

    def _done(self, step: str, done) -> None:
        self._busy = False
        self.ledger.refresh()
        self._show()
        if step == "promote":
            self._status(i18n.t("tui.recognition.promote_done", count=len(done), year=self._year(),
                                leaving=sum(1 for m in done if m.after is None)))
            return
        count, path = done if isinstance(done, tuple) else (done, "")
        self._status(i18n.t(f"tui.recognition.{step}_done", count=count, path=path))

    def _failed(self, message: str) -> None:
        self._busy = False
        self._status(message, error=True)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#rec-close")
    def _close(self) -> None:
        self.action_close()


class ObjectionPicker(ModalScreen[int | None]):
    """Which of a recognition's open objections the settlement typed is for: each by its date, who
    raised it and what it says. Dismisses with its place in the record's list, None when cancelled."""

    CSS_PATH = FORMS_CSS
    DEFAULT_CSS = """
    #objection-list { height: auto; max-height: 10; }
    """
    BINDINGS = [Binding("escape", "cancel", "forms.key.cancel", id="forms.objection.cancel")]

    def __init__(self, objections: list[tuple[int, dict]]) -> None:
        super().__init__()
        localize(self)
        self.objections = objections

    def compose(self) -> ComposeResult:
        with Vertical(id="objection-dialog", classes="fm-dialog"):
            yield Label(data(i18n.t("tui.recognition.which_objection", count=len(self.objections))),
                        classes="fm-title")
            yield OptionList(*(Option(data(" · ".join(str(o.get(k, "")) for k in ("date", "raised_by", "content"))),
                                      id=str(i)) for i, o in self.objections), id="objection-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#objection-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#objection-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
