"""The home dashboard: for one term, each active plan against its targets, aid against the
standards, and the latest changes to the ledger. Enter on any line opens its records.
Above them, the sync line (with the key that syncs) and the open conflicts of syncs."""
from __future__ import annotations

import functools

import datetime as dt
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.message import Message
from textual.timer import Timer
from textual.worker import get_current_worker
from textual.widgets import Header, Static

from store.aid import duty as aid_duty
from store.figures import charts, dashboard, overview
from store.core import describe, i18n, ids
from store.core.money import yuan
from store.core.text import printable

from ..commands import HomeCommands
from ..waiting import EVERY, waiting_lines
from ..widgets.conflicts_panel import ConflictsPanel
from ..widgets.figure_list import Figure, FigureList, bar
from ..widgets.key_footer import KeyFooter
from ..widgets.sync_status import SyncStatus
from ..workers import background, settled
from .base import LedgerScreen
from .pick import PickScreen

if TYPE_CHECKING:
    from store.sync import remote as sync
    from store.sync.conflicts import OpenConflict

BAR = 10
LABEL = (24, 34)   # width of a target's label: at least (Chinese), at most ("per school year")
CHART = 10   # width of the month bars
CMP = {">=": "≥", "<=": "≤", "=": "="}


def _num(value: float) -> str:
    if value != value:   # nan: a target whose value is not a number (a file edited by hand)
        return "?"
    # two decimals at most: a measured 辍学率 of 0.51 % must not read 0.5 %
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def _pad(text: str, width: int) -> str:
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return text + " " * (width - cell_len(text))


def _per(per: str) -> str:
    key = f"tui.per.{per}"
    return i18n.t(key) if i18n.has(key) else per


def plan_figures(plans: list[dashboard.PlanProgress], term: str,
                 months: dict[str, list[charts.MonthBar]] | None = None) -> list[Figure]:
    out: list[Figure] = []
    if not plans:
        return [Figure(Text(i18n.t("tui.home.no_plans"), style="dim italic"), heading=True)]
    for plan in plans:
        title = Text(printable(plan.title), style="bold")
        title.append(f"  {i18n.value(plan.status)}", style="dim")
        out.append(Figure(title, "plan", (plan.plan,), printable(plan.title)))
        if not plan.in_term:
            text = Text("  ")
            text.append(i18n.t("tui.home.outside_period", start=plan.start.isoformat(), end=plan.end.isoformat(),
                               status=i18n.value(plan.status)), style="yellow")
            out.append(Figure(text, "plan", (plan.plan,), printable(plan.title)))
            continue
        caption = f"{printable(plan.title)} · {term}"
        line = Text("  ")
        line.append(i18n.t("tui.home.logged", count=len(plan.visits), start=plan.start.isoformat(),
                           end=plan.end.isoformat()))
        out.append(Figure(line, "visit", plan.visits, i18n.t("tui.home.caption_logged", plan=caption)))
        width = max([LABEL[0], *(min(LABEL[1], cell_len(_label(t))) for t in plan.targets)])
        for target in plan.targets:
            out.append(_target_figure(target, caption, width))
        if plan.empty_months:
            text = Text("  ")
            text.append(i18n.t("tui.home.empty_months", months=i18n.listing(plan.empty_months)), style="yellow")
            out.append(Figure(text, "visit", plan.visits, i18n.t("tui.home.caption_logged", plan=caption)))
        for short in plan.short_secondments:
            text = Text("  ")
            text.append(i18n.t("tui.home.short_secondment", person=printable(short.person), kind=i18n.value(short.kind),
                               days=short.days, minimum=short.minimum), style="red")
            out.append(Figure(text, "visit", (short.visit,), i18n.t("tui.home.caption_secondment", plan=caption)))
        out.extend(_month_chart(months.get(plan.plan, []) if months else [], caption))
    return out


def _month_chart(bars: list[charts.MonthBar], caption: str) -> list[Figure]:
    """Activities per month against the schedule; each line opens that month's records."""
    if not bars:
        return []
    out = [Figure(Text("  " + i18n.t("tui.home.per_month"), style="bold"), heading=True)]
    for bar_, line in zip(bars, charts.render_activity(bars, width=CHART)):
        style = {True: "green", False: "yellow", None: ""}[bar_.done]
        out.append(Figure(Text("    " + printable(line), style=style), "visit", bar_.records,
                          f"{caption} · {bar_.month}"))
    return out


def _label(target: dashboard.TargetProgress) -> str:
    return f"{target.text or i18n.value(target.counted)} {CMP.get(target.comparison, target.comparison)}{_num(target.value)}" \
           f"{_unit(target.unit, target.value)} {_per(target.per)}"


def _unit(unit: str, count: float) -> str:
    """课时 right after the number in Chinese; ' hours' (' hour' after one) in English."""
    shown = i18n.unit(unit, _num(count))
    return shown if shown == unit or unit == "%" else f" {shown}"


def _target_figure(target: dashboard.TargetProgress, caption: str, width: int = LABEL[0]) -> Figure:
    label = _label(target)
    text = Text("  " + _pad(label, width) + " ")
    if target.unmeasured:
        text.append(i18n.t("tui.home.not_measured_open" if target.open else "tui.home.not_measured_missing"),
                    style="dim" if target.open else "yellow")
        return Figure(text, heading=True)
    if target.actual is None:
        text.append(i18n.t("tui.home.bad_value"), style="dim")
        return Figure(text, heading=True)
    if target.met is None:  # a monthly target in a term whose months have not begun
        text.append(i18n.t("tui.home.not_started"), style="dim")
        return Figure(text, "visit", target.records, f"{caption} · {label}")
    style = "green" if target.met else "yellow"
    text.append_text(bar(target.ratio, BAR, style))
    if target.per == "月":
        shown = i18n.t("tui.home.months_met", met=_num(target.actual), months=_num(target.goal))
    else:
        shown = f"{_num(target.actual)}/{_num(target.goal)}{_unit(target.unit, target.goal)}"
    text.append(" " + shown, style=style)
    # the records behind it: activities, or the measurements or students a measured figure comes from
    kind = ids.type_of(target.records[0]) if target.records and ids.is_id(target.records[0]) else "visit"
    return Figure(text, kind, target.records, f"{caption} · {label}")


def aid_figures(aid: dashboard.AidSummary, months: list[charts.AidMonth] | None = None) -> list[Figure]:
    """Payments of the term against the standards, paid per month, then students by status and group."""
    out = [Figure(Text(i18n.t("tui.home.paid", term=aid.term), style="bold"), heading=True)]
    if not aid.programmes:
        out.append(Figure(Text("  " + i18n.t("tui.home.no_payments"), style="dim italic"), heading=True))
    for p in aid.programmes:
        text = Text("  " + i18n.value(p.programme) + "  ")
        text.append(i18n.t("tui.home.programme_count", count=len(p.payments), students=p.students), style="dim")
        text.append("\n    ")
        text.append(i18n.t("tui.home.programme", paid=yuan(p.paid_fen), expected=yuan(p.expected_fen)),
                    style="green" if not p.off else "yellow")
        out.append(Figure(text, "aid", p.payments, f"{i18n.value(p.programme)} · {aid.term}"))
        if p.off:
            text = Text("    " + i18n.t("tui.home.off_standard", count=len(p.off)), style="yellow")
            out.append(Figure(text, "aid", p.off, i18n.t("tui.home.caption_off", programme=i18n.value(p.programme),
                                                         term=aid.term)))
        if p.unchecked:
            text = Text("    " + i18n.t("tui.home.unchecked", count=len(p.unchecked)), style="dim")
            out.append(Figure(text, "aid", p.unchecked,
                              i18n.t("tui.home.caption_unchecked", programme=i18n.value(p.programme), term=aid.term)))
    if aid.programmes:
        text = Text("  " + i18n.t("tui.home.total", paid=yuan(aid.paid_fen), expected=yuan(aid.expected_fen)),
                    style="bold")
        out.append(Figure(text, "aid", aid.payments, aid.term))
        if months:
            out.append(Figure(Text("  " + i18n.t("tui.home.paid_per_month"), style="bold"), heading=True))
            for line in charts.render_aid(months, width=CHART):
                out.append(Figure(Text("    " + printable(line)), heading=True))
    out += duty_figures(aid.duty)
    out.append(Figure(Text(i18n.t("tui.home.students_on", date=aid.on.isoformat()), style="bold"), heading=True))
    for status, students in aid.by_status.items():
        text = Text("  " + _pad(i18n.value(status), 10) + i18n.t("tui.home.people", count=len(students)))
        out.append(Figure(text, "student", students, f"{i18n.value(status)} · {aid.on.isoformat()}"))
    if aid.by_group:
        out.append(Figure(Text(i18n.t("tui.home.groups"), style="bold"), heading=True))
        for group, students in aid.by_group.items():
            text = Text("  " + _pad(i18n.value(group), 10) + i18n.t("tui.home.people", count=len(students)))
            out.append(Figure(text, "student", students, f"{i18n.value(group)} · {aid.on.isoformat()}"))
    return out


def figure_ids(ledger, term: str, today: dt.date, record_type: str, caption: str) -> tuple[str, ...]:
    """The records behind a figure of the term as the ledger stands now: none once the figure is
    gone (the last payment off the standard was fixed)."""
    figures = overview.term_figures(ledger, term, today)
    for f in plan_figures(figures.plans, term, figures.months) + aid_figures(figures.aid, figures.aid_months):
        if f.record_type == record_type and f.caption == caption:
            return f.ids
    return ()


def duty_figures(duty) -> list[Figure]:
    """应助尽助 by programme: each finding opens the students (unpaid) or the payments behind it."""
    t = i18n.t
    out = [Figure(Text(t("tui.home.duty"), style="bold"), heading=True)]
    if not duty.knowable:
        out.append(Figure(Text("  " + t("tui.home.duty_unknowable", year=duty.term[:9]), style="yellow"), heading=True))
    if not duty.started:
        return out + [Figure(Text("  " + t("tui.home.duty_not_started"), style="dim italic"), heading=True)]
    for p in duty.programmes:
        caption = f"{i18n.value(p.programme)} · {duty.term}"
        if not p.started:
            if p.due:
                out.append(Figure(Text("  " + t("tui.home.duty_programme_not_started", programme=i18n.value(p.programme),
                                                 count=len(p.due)), style="dim"),
                                  "student", aid_duty.students_of(p.due), caption))
            continue
        lines = [("duty_unpaid", p.unpaid, "student"), ("duty_not_due", p.not_due, "aid"),
                 ("duty_twice", p.twice, "aid"), ("duty_off", p.off, "aid")]
        for key, pairs, kind in lines:
            if pairs:
                opened = aid_duty.students_of(pairs) if kind == "student" else \
                    tuple(i for x in pairs for i in x.payments)
                out.append(Figure(Text("  " + t(f"tui.home.{key}", programme=i18n.value(p.programme), count=len(pairs)),
                                       style="yellow"), kind, opened, f"{t(f'tui.home.{key}_caption')} · {caption}"))
    if duty.same_person:
        out.append(Figure(Text("  " + t("tui.home.duty_same_person", count=len(duty.same_person)), style="yellow"),
                          "aid", tuple(i for x in duty.same_person for i in x.payments), duty.term))
    if duty.findings == 0:
        out.append(Figure(Text("  " + t("tui.home.duty_clean"), style="green"), heading=True))
    return out


def unreadable_figures(paths: tuple[str, ...], shown: int = 10) -> list[Figure]:
    """Record files that do not parse, first on the dashboard: its figures leave them out."""
    if not paths:
        return []
    out = [Figure(Text(i18n.t("tui.home.unreadable", count=len(paths)), style="bold red"), heading=True)]
    out += [Figure(Text("  " + printable(p), style="red"), heading=True) for p in paths[:shown]]
    if len(paths) > shown:
        out.append(Figure(Text("  " + i18n.t("tui.home.unreadable_more", count=len(paths) - shown), style="red"),
                          heading=True))
    return out


def change_figures(changes: list[dashboard.LedgerChange], today: dt.date | None = None) -> list[Figure]:
    out = []
    for change in changes:
        try:
            at = dt.datetime.fromisoformat(change.date)
            # This year's changes without the year: the panel is narrow beside the aid in 80 columns.
            when = at.strftime("%m-%d %H:%M" if today and at.year == today.year else "%Y-%m-%d %H:%M")
        except ValueError:
            when = change.date
        text = Text(when, style="dim")
        text.append(" ")
        text.append(printable(change.author), style="bold")
        text.append(" ")
        title = printable(describe.readable(change.title, change.action))
        text.append(title)
        # A change opens the records of its first record's type (a batch may hold 50k of them).
        kind = next((r.split("-", 1)[0] for r in change.records if ids.is_id(r)), None)
        opened = tuple(r for r in change.records if r.startswith(f"{kind}-") and ids.is_id(r)) if kind else ()
        out.append(Figure(text, kind, opened, title, heading=kind is None))
    return out or [Figure(Text(i18n.t("tui.home.no_changes"), style="dim italic"), heading=True)]


class HomeScreen(LedgerScreen):
    COMMANDS = {HomeCommands}
    AUTO_FOCUS = "#plans"
    KEYS = [
        Binding("left_square_bracket", "term(-1)", "tui.key.prev_term", id="bangfu.home.prev_term"),
        Binding("right_square_bracket", "term(1)", "tui.key.next_term", id="bangfu.home.next_term"),
        Binding("t", "pick_term", "tui.key.pick_term", id="bangfu.home.pick_term"),
        Binding("y", "sync", "tui.key.sync", id="bangfu.home.sync"),
        # (not in the footer: 80 columns have no room; the palette and help list it)
        Binding("b", "batch", "tui.key.batch", show=False, id="bangfu.home.batch"),
        Binding("r", "recognition", "tui.key.recognition", show=False, id="bangfu.home.recognition"),
        Binding("v", "year_view", "tui.key.year_view", id="bangfu.home.year_view", show=False),
    ]

    class Figures(Message):
        """A term's figures, made into panel lines in the worker (at 50k records the lines
        open tens of thousands of ids: building them would hold up the screen)."""

        def __init__(self, term: str, plans: list[Figure], aid: list[Figure], titles: list[tuple[str, str]]) -> None:
            super().__init__()
            self.term = term
            self.plans = plans
            self.aid = aid
            self.titles = titles      # (id, title) of the plans on view

    class FiguresFailed(Message):
        def __init__(self, term: str) -> None:
            super().__init__()
            self.term = term

    class Changes(Message):
        def __init__(self, figures: list[Figure]) -> None:
            super().__init__()
            self.figures = figures

    class Terms(Message):
        def __init__(self, terms: list[str]) -> None:
            super().__init__()
            self.terms = terms

    class SyncState(Message):
        def __init__(self, status: sync.Status, conflicts: list[OpenConflict], schemas) -> None:
            super().__init__()
            self.status = status
            self.conflicts = conflicts
            self.schemas = schemas      # (read here, in the worker: the field titles come from them)

    def __init__(self) -> None:
        super().__init__(id="home")
        self._plans: list[tuple[str, str]] = []
        self._wanted_plan: str | None = None     # highlight this plan when the figures come
        self._shown = False                      # the first figures are on screen
        self._covered: HomeScreen.Figures | None = None   # figures come while the year view is on top

    def plan_titles(self) -> list[tuple[str, str]]:
        """(id, title) of the plans on view, for the command palette."""
        return list(self._plans)

    def open_conflicts(self) -> list[OpenConflict]:
        """The conflicts on view, for the command palette."""
        return list(self.query_one("#conflicts", ConflictsPanel).conflicts) if self.is_mounted else []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="term-bar")
        yield SyncStatus(id="sync-status")
        yield ConflictsPanel(id="conflicts")
        with Container(id="home-body"):
            yield FigureList(id="plans")
            with Container(id="home-side"):
                yield FigureList(id="aid")
                yield FigureList(id="changes")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.sub_title = i18n.t("tui.section.home")
        for name in ("plans", "aid", "changes"):
            panel = self.query_one(f"#{name}", FigureList)
            panel.border_title = Text(i18n.t(f"tui.home.panel_{name}"))
            panel.set_figures([Figure(Text(i18n.t("tui.section.loading"), style="dim"), heading=True)])
        self._term_bar()
        if not self._shown and self._waiting is None:
            self._waiting = self.set_interval(EVERY, self._say_waiting)
        if not self._started:
            # (on_mount runs again when the language changes, with the view open on top)
            self._started = True
            if self.bangfu.year_view:   # open when this user last left the dashboard (tui/settings.py)
                # The home's own figures wait until the view's are on screen (view_shown): read
                # at the same time, they took the interpreter from the view's first paint.
                self._held = True
                self.call_after_refresh(self.action_year_view)
                return
        self.reload(set())

    @property
    def term(self) -> str:
        return self.bangfu.term

    term_shown = ""       # the term the bar and the figures are of
    _started = False
    _held = False         # the first figures wait for the school-year view's, opened at the start
    _waiting: Timer | None = None   # says how far the first figures have come until they are shown
    _updating = False               # the bar says the figures shown are being worked out again

    def view_shown(self) -> None:
        """The school-year view opened at the start has painted its figures (or was left before):
        now the home's, and the start-up work that follows them."""
        if self._held:
            self.reload(set())

    def _term_bar(self) -> None:
        self.term_shown = self.term
        start, end = dashboard.term_span(self.term)
        text = Text()
        text.append(i18n.t("tui.home.term", term=self.term), style="bold")
        text.append("  " + i18n.t("tui.home.term_span", start=start.isoformat(), end=end.isoformat()), style="dim")
        if self.term == dashboard.term_of(self.bangfu.today):
            text.append("  " + i18n.t("tui.home.current_term"), style="green")
        if self._updating:
            text.append("  " + i18n.t("tui.home.updating"), style="yellow")
        self.query_one("#term-bar", Static).update(text)

    # -- reading ---------------------------------------------------------------
    def reload(self, ids_: set[str]) -> None:
        self._held = False
        self.working(self.term)
        if self._shown:   # figures on screen: they say so if the new ones take a while
            self.set_timer(0.5, self._say_updating)
        self._figures(self.term)
        if self._shown:
            self._changes()
            self._sync_state()

    @background("figures")
    def _figures(self, term: str) -> None:
        try:
            worker = get_current_worker()
            figures = settled(lambda: overview.term_figures(self.ledger, term, self.bangfu.today,
                                                            stop=lambda: worker.is_cancelled))
        except Exception:
            if not get_current_worker().is_cancelled:   # (a newer term's figures are on their way)
                self.post_message(self.FiguresFailed(term))
            raise   # (reported as any worker's failure)
        self.post_message(self.Figures(term, unreadable_figures(figures.unreadable) +
                                       plan_figures(figures.plans, term, figures.months),
                                       aid_figures(figures.aid, figures.aid_months),
                                       [(p.plan, printable(p.title)) for p in figures.plans]))

    @background("changes")
    def _changes(self) -> None:
        self.post_message(self.Changes(change_figures(dashboard.latest_changes(self.ledger, limit=10),
                                                      self.bangfu.today)))

    @background("sync-state")
    def _sync_state(self) -> None:
        from store.sync import remote as sync   # (loaded here, off the path to the first paint)
        from store.sync.conflicts import list_conflicts
        status = sync.status(self.ledger)
        conflicts = settled(lambda: list_conflicts(self.ledger))
        self.post_message(self.SyncState(status, conflicts, self.ledger.schemas()))

    def _say_updating(self) -> None:
        if self._working is not None and not self._updating:
            self._updating = True
            self._term_bar()

    def _figures_done(self, term: str) -> None:
        if self._updating and term == self._working:
            self._updating = False
            self._term_bar()
        self.worked(term)

    @on(Figures)
    def _show_figures(self, message: Figures) -> None:
        self._figures_done(message.term)
        if message.term != self.term:
            return
        self._plans = message.titles
        if self.bangfu.year_view:
            # The school-year view is (about to be) on top: its first paint does not wait for the
            # layout of panels nobody sees (at 50k, 0.7 s of the start); they are laid out when the
            # home is shown again.
            self._covered = message
            self._first_figures_done()
            return
        self._lay_out(message)

    def on_screen_resume(self) -> None:
        self.view_shown()
        super().on_screen_resume()
        covered, self._covered = self._covered, None
        if covered is not None and covered.term == self.term:
            self._lay_out(covered)

    def _lay_out(self, message: Figures) -> None:
        panel = self.query_one("#plans", FigureList)
        panel.set_figures(message.plans)
        if self._wanted_plan:
            for n, figure in enumerate(panel.figures):
                if figure.record_type == "plan" and figure.ids == (self._wanted_plan,):
                    panel.show(n)
                    self.set_focus(panel)
                    break
            self._wanted_plan = None
        self.query_one("#aid", FigureList).set_figures(message.aid)
        self._first_figures_done()

    @on(FiguresFailed)
    def _figures_failed(self, message: FiguresFailed) -> None:
        self._figures_done(message.term)
        if message.term != self.term:
            return
        failed = [Figure(Text(i18n.t("tui.home.figures_failed"), style="red"), heading=True)]
        for name in ("plans", "aid"):
            self.query_one(f"#{name}", FigureList).set_figures(failed)
        self._first_figures_done()

    def _say_waiting(self) -> None:
        if self._shown:
            self._waiting.stop()
            return
        self.query_one("#plans", FigureList).set_figures(
            [Figure(line, heading=True) for line in waiting_lines(self.ledger, self.term)])

    def _first_figures_done(self) -> None:
        """The rest of the start comes second (also when the figures failed): the conflicts panel
        and the sync line's count need every record, the latest changes may read a commit naming
        50k of them."""
        if not self._shown:
            self._shown = True
            self.bangfu.first_paint_done(then=self._rest)

    def _rest(self) -> None:
        if not self.app.is_running:
            return   # (quit while the start-up work ran)
        self._changes()
        self._sync_state()

    @on(Changes)
    def _show_changes(self, message: Changes) -> None:
        self.query_one("#changes", FigureList).set_figures(message.figures)

    @on(FigureList.Open)
    def _open(self, message: FigureList.Open) -> None:
        figure = message.figure
        if not figure.record_type:
            return
        source = None
        if any(figure is f for name in ("#plans", "#aid") for f in self.query_one(name, FigureList).figures):
            ledger, term, today = self.ledger, self.term, self.bangfu.today
            # The list follows the figure: a payment fixed while it is open leaves it.
            source = functools.partial(figure_ids, ledger, term, today, figure.record_type, figure.caption)
        self.bangfu.open_records(figure.record_type, figure.ids, figure.caption, source)

    @on(SyncState)
    def _show_sync_state(self, message: SyncState) -> None:
        self.query_one("#sync-status", SyncStatus).show_status(message.status)
        panel = self.query_one("#conflicts", ConflictsPanel)
        appearing = not panel.display
        panel.set_conflicts(message.conflicts, message.schemas)
        if appearing and panel.display and self.focused in (None, self.query_one("#plans", FigureList)):
            self.set_focus(panel)   # its title says Enter resolves: Enter must not open the first plan

    # -- sync and conflicts ------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("sync", "batch", "recognition") and self.bangfu.read_only:
            return False  # a sync writes the ledger (merges, fast-forwards), and so does a batch
        return True

    def action_batch(self) -> None:
        self.bangfu.open_batches()

    def action_recognition(self) -> None:
        self.bangfu.open_recognitions()

    def action_sync(self) -> None:
        if not self.bangfu.read_only:
            self.query_one("#sync-status", SyncStatus).start()

    @on(SyncStatus.Finished)
    def _synced(self) -> None:
        self._sync_state()   # the last sync time and the counts changed even when no record did

    @on(ConflictsPanel.Resolve)
    def _resolve(self, message: ConflictsPanel.Resolve) -> None:
        self.resolve(message.conflict)

    def resolve(self, conflict: OpenConflict) -> None:
        from ..modals.resolve import ResolveDialog

        def done(commit: str | None) -> None:
            if commit:
                self._sync_state()

        self.app.push_screen(ResolveDialog(self.ledger, conflict, read_only=self.bangfu.read_only), done)

    # -- terms -----------------------------------------------------------------
    def action_term(self, step: int) -> None:
        self.set_term(dashboard.shift_term(self.term, step))

    def show_plan(self, plan_id: str) -> None:
        """Show the app's term with this plan highlighted."""
        self._wanted_plan = plan_id
        if self.is_mounted:
            self.set_term(self.term)

    def set_term(self, term: str) -> None:
        self.bangfu.term = term
        self._term_bar()
        self.reload(set())

    def action_pick_term(self) -> None:
        self._terms()

    def action_year_view(self) -> None:
        from .year import YearScreen   # (its figures' modules load when first used)
        self.bangfu.year_view = True

        def closed(_result: object) -> None:
            self.bangfu.year_view = False
            if self.term_shown != self.term:      # the year view moved to another school year
                self.set_term(self.term)

        self.app.push_screen(YearScreen(), closed)

    def close_year_view(self) -> None:
        from .year import YearScreen
        if isinstance(self.app.screen, YearScreen):
            self.app.screen.dismiss()

    @background("terms")
    def _terms(self) -> None:
        self.post_message(self.Terms(settled(lambda: dashboard.known_terms(self.ledger, self.bangfu.today))))

    @on(Terms)
    def _pick(self, message: Terms) -> None:
        items = [(term, term) for term in message.terms]

        def chosen(term: str | None) -> None:
            if term:
                self.set_term(term)

        self.app.push_screen(PickScreen(i18n.t("tui.home.pick_term"), items, current=self.term), chosen)
