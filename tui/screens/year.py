"""The school-year view of a county or township (`v` on the home dashboard): the figures of the
county's report for one school year (store/figures/period.py), each line opening the records
behind it; `x` makes the report (HTML for A4, xlsx or Markdown), `m` the year-end summary draft, each
in a dialog that can change the period and unit."""
from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Header, Static
from textual.worker import get_current_worker

from store.core import i18n, ids
from store.core.money import yuan
from store.core.text import printable
from store.figures import dashboard, period
from store.io import period_report
from store.rules import calendar as school_calendar
from store.twinning import units

from ..waiting import EVERY, waiting_lines
from ..widgets.figure_list import Figure, FigureList
from ..widgets.key_footer import KeyFooter
from ..workers import background, settled
from .base import LedgerScreen
from .pick import PickScreen

LEVEL = {"县": "county", "乡镇": "township"}


def _t(key: str, /, **params) -> str:
    return i18n.t(f"tui.year.{key}", **params)


def year_figures(f: period.PeriodFigures) -> list[Figure]:
    """The lines of the view; each opens the records behind its figure."""
    n = f.names
    out = [Figure(Text(_t("overview"), style="bold"), heading=True)]

    def line(text: str, kind: str | None = None, ids: tuple[str, ...] = (), style: str = "") -> None:
        out.append(Figure(Text("  " + printable(text), style=style), kind, tuple(ids), printable(text),
                          heading=not ids))

    line(_t("plans", count=len(f.plans)), "plan", tuple(p.plan for p in f.plans))
    line(_t("schools", supporting=len(f.supporting), supported=len(f.supported)), "school",
         (*f.supporting, *f.supported))
    line(_t("activities", count=len(f.visits), hours=f"{f.hours_sent:g}", lectures=f.lectures), "visit", f.visits)
    line(_t("seconded", people=f.seconded_people, times=f.seconded_times, batches=len(f.batches)), "visit",
         tuple(s.visit for s in f.secondments))
    donations = tuple(d.visit for d in f.donations)
    line(_t("donations", cash=yuan(f.cash_fen), goods=yuan(f.goods_fen)), "visit", donations)
    d = f.dropout
    line(period_report.rate_text(f, say=_t), "measurement" if d.measurements else "student", d.records)
    if f.batches:
        out.append(Figure(Text(_t("batches"), style="bold"), heading=True))
        for b in f.batches:
            line(_t("batch", batch=b.batch, people=b.people, times=b.times, total=b.total_times), "visit", b.secondments)
    out.append(Figure(Text(_t("targets"), style="bold"), heading=True))
    counted = f.targets()       # (a school year's target once, not once a term)
    for p in f.plans:
        line(p.title, "plan", (p.plan,), "bold")
        for term, t in ((term, t) for fp, term, t in counted if fp is p):
            if t.unmeasured:
                shown, style = (_t("not_measured_open"), "dim") if t.open else (_t("not_measured_missing"), "yellow")
            elif t.actual is None:
                shown, style = "?", "dim"
            else:
                # (a per-month target with no month decided yet: its term has not begun)
                state = "met" if t.met else "open" if t.open else "not_begun" if t.met is None else "missed"
                shown, style = _t(state), {"met": "green", "open": "", "not_begun": "dim", "missed": "yellow"}[state]
            kind = ids.type_of(t.records[0]) if t.records and ids.is_id(t.records[0]) else "visit"
            line(f"  {period_report.when(term, t, short=True)} {t.label}  {shown}", kind, t.records, style)
    gaps = [g for g in f.gaps if g.empty_months]
    out.append(Figure(Text(_t("gaps", count=len(gaps)), style="bold"), heading=True))
    for g in gaps:
        kind = "plan" if g.kind == "plan" else "school"
        line(_t("gap", name=n.get(g.record, g.record), months=len(g.empty_months),
                first=g.empty_months[0], last=g.empty_months[-1]), kind, (g.record,), "yellow")
    return out


class YearScreen(LedgerScreen):
    AUTO_FOCUS = "#year-figures"
    KEYS = [
        Binding("left_square_bracket", "year(-1)", "tui.year.key_prev", id="bangfu.year.prev"),
        Binding("right_square_bracket", "year(1)", "tui.year.key_next", id="bangfu.year.next"),
        Binding("u", "pick_unit", "tui.year.key_unit", id="bangfu.year.unit"),
        Binding("x", "write_report", "tui.year.key_report", id="bangfu.year.report"),
        Binding("m", "write_summary", "tui.year.key_summary", id="bangfu.year.summary"),
        Binding("escape", "close", "tui.key.close", id="bangfu.year.close"),
    ]

    class Figures(Message):
        def __init__(self, key: tuple, figures: period.PeriodFigures | None, lines: list[Figure]) -> None:
            super().__init__()
            self.key = key
            self.figures = figures
            self.lines = lines

    def __init__(self, *, folder: Path | None = None) -> None:
        super().__init__(id="year")
        self.year = ""
        self.unit: str | None = None
        self.folder = folder or Path.cwd()
        self._shown = False     # figures on screen: no more saying how far the reading is

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="year-bar")
        yield FigureList(id="year-figures")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        # the school year of the term on view, on the county or township chosen last time
        self.year = self.year or school_calendar.school_year_of(dashboard.term_span(self.bangfu.term)[0])
        self.unit = self.unit or self.bangfu.year_unit
        self.sub_title = _t("title")
        self.query_one("#year-figures", FigureList).set_figures(
            [Figure(Text(i18n.t("tui.section.loading"), style="dim"), heading=True)])
        self._bar()
        self.reload(set())
        if not self.ledger.index_loaded:
            self._waiting = self.set_interval(EVERY, self._say_waiting)

    def _say_waiting(self) -> None:
        """While the first opening reads every record: how far it has come."""
        if self._shown:
            self._waiting.stop()
            return
        self.query_one("#year-figures", FigureList).set_figures(
            [Figure(line, heading=True) for line in waiting_lines(self.ledger)])
        if self.ledger.index_loaded:   # (said once more: no line left saying how far the reading was)
            self._waiting.stop()

    def _bar(self, name: str = "") -> None:
        text = Text(_t("year", year=self.year), style="bold")
        if name:
            text.append("  " + printable(name))
        self.query_one("#year-bar", Static).update(text)

    def reload(self, ids: set[str]) -> None:
        self.working((self.year, self.unit))
        self._work((self.year, self.unit))

    @background("year")
    def _work(self, key: tuple) -> None:
        try:
            self._figures_of(key)
        except Exception:
            if not get_current_worker().is_cancelled:
                self.post_message(self.Figures(key, None, [Figure(Text(_t("failed"), style="red"), heading=True)]))
            raise   # (reported as any worker's failure)

    def _figures_of(self, key: tuple) -> None:
        year, unit = key
        tree = units.Tree(self.ledger.scan("unit"), self.ledger.scan("school"))
        if unit not in tree.units:      # (a unit kept from last time that is gone since)
            unit = None
        unit = unit or next(iter(tree.counties()), None)
        if unit is None:
            self.post_message(self.Figures(key, None, [Figure(Text(_t("no_units"), style="dim italic"), heading=True)]))
            return
        level = LEVEL.get(tree.level(unit), "county")
        f = settled(lambda: period.figures(self.ledger, period.period_of(year=year), level, unit, self.bangfu.today))
        self.post_message(self.Figures(key, f, year_figures(f)))

    @on(Figures)
    def _show(self, message: Figures) -> None:
        self.worked(message.key)
        if message.key != (self.year, self.unit):
            return
        if message.figures and self.unit != message.figures.scope.record:
            self.unit = self.bangfu.year_unit = message.figures.scope.record
        self._bar(message.figures.scope.name if message.figures else "")
        self._shown = True
        self.query_one("#year-figures", FigureList).set_figures(message.lines)
        self.call_after_refresh(self.bangfu.view_shown)   # (the home waits for this first paint)

    @on(FigureList.Open)
    def _open(self, message: FigureList.Open) -> None:
        figure = message.figure
        if figure.record_type:
            self.bangfu.open_records(figure.record_type, figure.ids, figure.caption)

    def action_year(self, step: int) -> None:
        # the home's term moves with the year (the same half of the next or last school year)
        self.bangfu.term = dashboard.shift_term(self.bangfu.term, 2 * step)
        self.year = school_calendar.school_year_of(dashboard.term_span(self.bangfu.term)[0])
        self._bar()
        self.reload(set())

    def action_pick_unit(self) -> None:
        tree = units.Tree(self.ledger.scan("unit"), self.ledger.scan("school"))
        items = []
        for county in tree.counties():
            items.append((county, tree.name(county)))
            items += [(town, "  " + tree.name(town)) for town in tree.townships(county)]

        def chosen(unit: str | None) -> None:
            if unit:
                self.unit = self.bangfu.year_unit = unit
                self.reload(set())

        self.app.push_screen(PickScreen(_t("pick_unit"), items, current=self.unit), chosen)

    def action_write_report(self) -> None:
        self._dialog("html")

    def action_write_summary(self) -> None:
        self._dialog("summary")

    def _dialog(self, fmt: str) -> None:
        """The report or the summary draft of the year and unit on view; period, unit, format and
        file can be changed in the dialog, which says where it wrote."""
        from ..modals.report import PeriodReportDialog

        self.app.push_screen(PeriodReportDialog(self.ledger, self.year, self.unit, self.bangfu.today, fmt=fmt,
                                                folder=self.folder))

    def action_close(self) -> None:
        self.dismiss()
