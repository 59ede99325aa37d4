"""The term report and the aid notice (公示) made from the dashboard: the term, the format and
the file; a worker writes it and the path is said when done (what `bangfu report term` and
`bangfu export notice` do from the shell)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Select, Static

from store.core import i18n
from store.io import export
from store.core.errors import BangfuError
from store.figures import dashboard
from tui.widgets.form_support import data, localize
from tui.widgets.key_footer import KeyFooter

from .export import IO_CSS

KINDS = {"report": ("xlsx", "html", "md"), "notice": ("xlsx", "csv", "md")}
FORMAT_NAMES = {"xlsx": "Excel (xlsx)", "html": "HTML", "md": "Markdown", "csv": "CSV"}


def make(ledger, kind: str, term: str, fmt: str, path: Path, today: dt.date) -> Path:
    """Build and write the report or the notice of `term`."""
    if kind == "report":
        from store.io import report

        return report.write(report.build(ledger, term, today=today), path, fmt)
    from store.privacy.notice import build_notice, write_notice

    write_notice(build_notice(ledger, term, start=today), path, fmt)
    return path


class _FileDialog(ModalScreen[Path | None]):
    """A dialog that writes one file in a worker and says where: what the term and the period
    reports share. `PREFIX` names its widgets (#PREFIX-go, #PREFIX-status)."""

    PREFIX = ""

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one(f"#{self.PREFIX}-status", Static)
        status.update(data(text))
        status.set_class(error, "io-error")

    def _start(self, write: Callable[[], Path]) -> None:
        self.running = True
        self.query_one(f"#{self.PREFIX}-go", Button).disabled = True
        self._status(i18n.t("tui.report.making"))
        self._write(write)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _write(self, write: Callable[[], Path]) -> None:
        try:
            written = write()
        except BangfuError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except Exception as exc:  # shown, never a traceback on screen
            from tui.workers import error_text
            self.app.call_from_thread(self._failed, error_text(exc))
            return
        self.app.call_from_thread(self._done, written)

    def _failed(self, text: str) -> None:
        self.running = False
        self.query_one(f"#{self.PREFIX}-go", Button).disabled = False
        self._status(text, error=True)

    def _done(self, path: Path) -> None:
        self.running = False
        self.app.notify(self._done_text(path.resolve()), timeout=12)
        self.dismiss(path)

    def _done_text(self, path: Path) -> str:
        raise NotImplementedError

    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(None)


class ReportDialog(_FileDialog):
    """`ReportDialog(ledger, 'report' | 'notice', term, today)`; dismisses with the file written."""

    PREFIX = "report"

    DEFAULT_CSS = IO_CSS + "ReportDialog { align: center middle; }\n.io-label { width: auto; margin-right: 1; }"
    BINDINGS = [Binding("escape", "cancel", "io.tui.key_cancel"),
                Binding("ctrl+s", "make", "tui.report.key_make")]

    def __init__(self, ledger, kind: str, term: str, today: dt.date, *, folder: Path | None = None) -> None:
        super().__init__()
        localize(self)
        self.ledger, self.kind, self.term, self.today = ledger, kind, term, today
        self.folder = folder or Path.cwd()
        self.running = False

    def _file_name(self, term: str, fmt: str) -> Path:
        return self.folder / export.file_name(i18n.t(f"tui.report.{self.kind}_file"), term, ext=fmt)

    def compose(self) -> ComposeResult:
        formats = KINDS[self.kind]
        with Vertical(classes="io-dialog"):
            yield Static(i18n.t(f"tui.report.{self.kind}_title"), classes="io-title")
            with Horizontal(classes="io-row"):
                yield Static(i18n.t("tui.report.term"), classes="io-label")
                yield Input(self.term, id="report-term", compact=True)
            with RadioSet(id="report-format", compact=True):
                for n, fmt in enumerate(formats):
                    yield RadioButton(FORMAT_NAMES[fmt], value=n == 0, id=f"fmt-{fmt}")
            with Horizontal(classes="io-row"):
                yield Input(str(self._file_name(self.term, formats[0])), id="report-path", compact=True)
            yield Static("", id="report-status", classes="io-status")
            with Horizontal(classes="io-buttons"):
                yield Button(i18n.t("tui.report.make"), variant="primary", id="report-go", compact=True)
                yield Button(i18n.t("io.tui.cancel"), id="report-cancel", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#report-term", Input).focus()

    def _format(self) -> str:
        return next((f for f in KINDS[self.kind] if self.query_one(f"#fmt-{f}", RadioButton).value),
                    KINDS[self.kind][0])

    @on(RadioSet.Changed, "#report-format")
    @on(Input.Changed, "#report-term")
    def _renamed(self) -> None:
        """The file name follows the term and the format until the user types one of their own."""
        field = self.query_one("#report-path", Input)
        term = self.query_one("#report-term", Input).value.strip()
        if Path(field.value).name.startswith(i18n.t(f"tui.report.{self.kind}_file") + "-"):
            field.value = str(Path(field.value).with_name(self._file_name(term, self._format()).name))

    @on(Button.Pressed, "#report-go")
    @on(Input.Submitted, "#report-path")
    def _go(self) -> None:
        self.action_make()

    def action_make(self) -> None:
        if self.running:
            return
        term = self.query_one("#report-term", Input).value.strip()
        if not dashboard.is_term(term):
            self._status(i18n.t("tui.report.bad_term", term=term), error=True)
            return
        raw = self.query_one("#report-path", Input).value.strip()
        if not raw:
            self._status(i18n.t("io.tui.need_path"), error=True)
            return
        fmt = self._format()
        self._start(lambda: make(self.ledger, self.kind, term, fmt, Path(raw).expanduser(), self.today))

    def _done_text(self, path: Path) -> str:
        return i18n.t(f"tui.report.{self.kind}_done", path=str(path))

    @on(Button.Pressed, "#report-cancel")
    def _cancel(self) -> None:
        self.action_cancel()


PERIOD_FORMATS = ("html", "xlsx", "md", "summary")      # summary: the year-end summary draft (Markdown)


def make_period(ledger, text: str, unit: str, fmt: str, path: Path, today: dt.date) -> Path:
    """The report of a period for a county, township, school or plan (`bangfu report period`), or
    its summary draft (`bangfu report summary`)."""
    from store.figures import period
    from store.io import period_report, report, summary
    from store.twinning import units

    rtype = (ledger.index.get(unit) or {}).get("type")
    if rtype in ("school", "plan"):
        level = rtype
    else:
        tree = units.Tree(ledger.scan("unit"), ledger.scan("school"))
        level = "township" if tree.level(unit) == "乡镇" else "county"
    f = period.figures(ledger, period.period_in_words(text), level, unit, today)
    data_ = summary.draft(f).encode("utf-8") if fmt == "summary" else period_report.render(f, fmt)
    return report.write_bytes(path, data_)


class PeriodReportDialog(_FileDialog):
    """The report of a school year (or a term, several years, any days) for a county, township,
    school or plan, or its year-end summary draft: `PeriodReportDialog(ledger, period, unit, today, fmt=...)`;
    dismisses with the file written."""

    PREFIX = "period"
    DEFAULT_CSS = IO_CSS + ("PeriodReportDialog { align: center middle; }\n"
                            ".io-label { width: auto; margin-right: 1; }\n#period-unit { width: 1fr; }")
    BINDINGS = [Binding("escape", "cancel", "io.tui.key_cancel"),
                Binding("ctrl+s", "make", "tui.report.key_make")]

    def __init__(self, ledger, period_text: str, unit: str | None, today: dt.date, *, fmt: str = "html",
                 folder: Path | None = None) -> None:
        super().__init__()
        localize(self)
        from store.twinning import units

        self.ledger, self.today, self.fmt = ledger, today, fmt
        self.period_text = period_text
        # The counties with their townships, then each school and each plan: a report for any level.
        tree = units.Tree(ledger.scan("unit"), ledger.scan("school"))
        self.names: dict[str, str] = {}
        self.units: list[tuple[Text, str]] = []

        def choice(record: str, name: str, shown: str) -> None:
            self.names[record] = name
            self.units.append((Text(shown), record))

        for county in tree.counties():
            choice(county, tree.name(county), tree.name(county))
            for town in tree.townships(county):
                choice(town, tree.name(town), "  " + tree.name(town))
        for school in sorted(tree.schools, key=tree.name):
            choice(school, tree.name(school), i18n.t("tui.report.scope_school", name=tree.name(school)))
        for plan in sorted(ledger.scan("plan"), key=lambda p: ((p.get("period") or {}).get("start", ""), p["id"])):
            title = plan.get("title") or plan["id"]
            choice(plan["id"], title, i18n.t("tui.report.scope_plan", title=title))
        self.unit = unit if unit in self.names else (self.units[0][1] if self.units else None)
        self.folder = folder or Path.cwd()
        self.running = False

    def _file_name(self, text: str, unit: str | None, fmt: str) -> Path:
        from store.io import period_report, summary

        name = self.names.get(unit or "", "")
        return self.folder / (summary.file_name(name, text) if fmt == "summary"
                              else period_report.file_name(name, text, fmt))

    def compose(self) -> ComposeResult:
        with Vertical(classes="io-dialog"):
            yield Static(i18n.t("tui.report.period_title"), classes="io-title")
            with Horizontal(classes="io-row"):
                yield Static(i18n.t("tui.report.period"), classes="io-label")
                yield Input(self.period_text, id="period-text", compact=True)
            with Horizontal(classes="io-row"):
                yield Static(i18n.t("tui.report.unit"), classes="io-label")
                yield Select(self.units, value=self.unit if self.unit else Select.BLANK, allow_blank=self.unit is None,
                             id="period-unit", compact=True)
            with RadioSet(id="period-format", compact=True):
                for fmt in PERIOD_FORMATS:
                    label = i18n.t("tui.report.summary_format") if fmt == "summary" else FORMAT_NAMES[fmt]
                    yield RadioButton(label, value=fmt == self.fmt, id=f"pfmt-{fmt}")
            with Horizontal(classes="io-row"):
                yield Input(str(self._file_name(self.period_text, self.unit, self.fmt)), id="period-path",
                            compact=True)
            yield Static("", id="period-status", classes="io-status")
            with Horizontal(classes="io-buttons"):
                yield Button(i18n.t("tui.report.make"), variant="primary", id="period-go", compact=True)
                yield Button(i18n.t("io.tui.cancel"), id="period-cancel", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#period-text", Input).focus()
        if not self.units:
            self._status(i18n.t("tui.year.no_units"), error=True)

    def _format(self) -> str:
        return next((f for f in PERIOD_FORMATS if self.query_one(f"#pfmt-{f}", RadioButton).value), "html")

    def _chosen_unit(self) -> str | None:
        value = self.query_one("#period-unit", Select).value
        return value if isinstance(value, str) else None

    @on(RadioSet.Changed, "#period-format")
    @on(Input.Changed, "#period-text")
    @on(Select.Changed, "#period-unit")
    def _renamed(self) -> None:
        """The file name follows the period, the unit and the format until the user types one."""
        field = self.query_one("#period-path", Input)
        shown = Path(field.value).name
        if any(shown == self._file_name(self.period_text, self.unit, f).name for f in PERIOD_FORMATS):
            text, unit, fmt = self.query_one("#period-text", Input).value.strip(), self._chosen_unit(), self._format()
            field.value = str(Path(field.value).with_name(self._file_name(text, unit, fmt).name))
        self.period_text, self.unit = self.query_one("#period-text", Input).value.strip(), self._chosen_unit()

    @on(Button.Pressed, "#period-go")
    @on(Input.Submitted, "#period-path")
    def _go(self) -> None:
        self.action_make()

    def action_make(self) -> None:
        if self.running:
            return
        from store.figures import period

        text, unit = self.query_one("#period-text", Input).value.strip(), self._chosen_unit()
        try:
            period.period_in_words(text)
        except BangfuError as exc:
            self._status(str(exc), error=True)
            return
        if unit is None:
            self._status(i18n.t("tui.year.no_units"), error=True)
            return
        raw = self.query_one("#period-path", Input).value.strip()
        if not raw:
            self._status(i18n.t("io.tui.need_path"), error=True)
            return
        fmt = self._format()
        self._start(lambda: make_period(self.ledger, text, unit, fmt, Path(raw).expanduser(), self.today))

    def _done_text(self, path: Path) -> str:
        return i18n.t("tui.report.period_done", path=str(path))

    @on(Button.Pressed, "#period-cancel")
    def _cancel(self) -> None:
        self.action_cancel()
