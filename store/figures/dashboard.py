"""The figures the dashboard shows for a term: each plan against its targets, aid against
the standards, the latest changes to the ledger.

Pure functions over a Ledger (anything with `scan`, `distinct` and `log`), no terminal: term
reports reuse them. Every figure carries the ids of the records behind it, so a
screen can open exactly those records. Nothing here reads the clock: callers pass
`today` (it decides which months of the current term have already happened).
"""
from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from store.aid import duty as aid_duty
from store.core import ids
from store.core.money import fen_of
from store.rules import calendar as school_calendar
from store.rules import checks as rules
from store.rules import standards
from store.rules.calendar import term_of
# The terms' days are the rules' (store/rules/terms.py); the figures and the screens read them here too.
from store.rules.terms import is_term, school_year_span, shift_term, term_span  # noqa: F401
from store.twinning import measured as twinning_measured
from store.twinning import secondments, targets
from store.twinning.targets import TargetProgress, number


def months(start: dt.date, end: dt.date) -> list[str]:
    """The months (YYYY-MM) from start to end, both included."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def known_terms(ledger, today: dt.date) -> list[str]:
    """Every term from the earliest plan, activity or payment to the current one (and any
    later term a plan reaches), newest first: what a term picker offers. (The index's values
    of the dates and terms, not the records: a handful of values, not every activity.)"""
    firsts, lasts = [term_of(today)], [term_of(today)]
    starts = [d for d in map(_date, ledger.distinct("plan", "period__start")) if d]
    ends = [d for d in map(_date, ledger.distinct("plan", "period__end")) if d]
    firsts += [term_of(min(starts))] if starts else []
    lasts += [term_of(max(ends))] if ends else []
    days = [d for d in map(_date, ledger.distinct("visit", "date")) if d]
    firsts += [term_of(min(days))] if days else []
    firsts += [t for t in ledger.distinct("aid", "term") if is_term(str(t))]
    first, last = min(firsts), max(lasts)
    out = [last]
    while out[-1] > first:
        out.append(shift_term(out[-1], -1))
    return out


# --- plans against their targets ------------------------------------------------------------
# What counts and how (store/twinning/targets.py); here, which plans a term shows and their figures.
PLANS_AT_ONCE = 100   # plans whose activities are read together

@dataclass(frozen=True)
class ShortSecondment:
    visit: str
    person: str
    kind: str
    start: str
    end: str
    days: int              # school days of `period` the secondment covers
    minimum: int           # all school days of `period`
    period: str = ""       # the school year (支教) or term (挂职) it had to cover


@dataclass(frozen=True)
class PlanProgress:
    plan: str
    title: str
    status: str
    start: dt.date
    end: dt.date                          # the part of the term inside the plan's period
    in_term: bool                         # False: marked 执行中 but its period misses the term
    targets: tuple[TargetProgress, ...]
    visits: tuple[str, ...]               # every activity of the plan in that part of the term
    empty_months: tuple[str, ...]         # months in session that ended with nothing logged
    short_secondments: tuple[ShortSecondment, ...]
    calendar: str | None = None           # the calendar record counted on; None: the default calendar


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _span(period: dict) -> tuple[dt.date | None, dt.date | None]:
    return _date(period.get("start")), _date(period.get("end"))


def _within(visits: list[dict], start: dt.date, end: dt.date) -> list[dict]:
    return [v for v in visits if (day := _date(v.get("date"))) and start <= day <= end]


def _ended(start: dt.date, end: dt.date, today: dt.date | None) -> list[str]:
    """Months of start..end that have ended by today (all of them without a today): the month
    under way is not yet a month with nothing logged (store/twinning/completeness.py says the same)."""
    if today is not None:
        end = min(end, today.replace(day=1) - dt.timedelta(days=1))
    return months(start, end) if start <= end else []


def active_plans(plans: Iterable[dict], term: str, today: dt.date | None = None) -> list[dict]:
    """Plans whose period overlaps the term, and in the current term (the one holding
    `today`) every plan still marked 执行中 even when its period says otherwise (so the
    coordinator sees it needs closing or extending); by start date then title."""
    start, end = term_span(term)
    current = today is not None and term_of(today) == term
    chosen = []
    for plan in plans:
        first, last = _span(plan.get("period") or {})
        overlaps = bool(first and last and first <= end and last >= start)
        if overlaps or (current and plan.get("status") == "执行中"):
            chosen.append(plan)
    return sorted(chosen, key=lambda p: ((p.get("period") or {}).get("start", ""), p.get("title", "")))


def plan_county(plan: dict, schools: dict[str, dict]) -> str | None:
    """The county whose calendar a plan keeps: its (first) supported school's."""
    for party in plan.get("parties") or []:
        if party.get("role") == "受帮扶":
            return (schools.get(party.get("school")) or {}).get("county")
    return None


def plan_progress(ledger, term: str, today: dt.date | None = None, only: set[str] | None = None) -> list[PlanProgress]:
    """For each active plan (of `only`, when given): its targets against what was logged, the months
    in session of the term so far with nothing logged, and the secondments too short to count."""
    with contextlib.closing(ledger.walk("plan")) as walk:   # (a page at a time: only the term's plans are kept)
        plans = active_plans((p for p in walk if only is None or p["id"] in only), term, today)
    calendars = ledger.scan("calendar")
    measured = twinning_measured.by_target(ledger.scan("measurement"))
    schools = {s["id"]: s for s in ledger.scan("school")}
    out = []
    # The activities of a few plans at a time (those plans' only): at 200k records a term's 524 plans
    # have 6,400 activities, 28 MB while read at once, and a decade's ledger five times as many.
    for start in range(0, len(plans), PLANS_AT_ONCE):
        some = plans[start:start + PLANS_AT_ONCE]
        by_plan: dict[str, list[dict]] = {}
        for visit in ledger.scan("visit", plan__in=[p["id"] for p in some]):
            by_plan.setdefault(visit.get("plan", ""), []).append(visit)
        out += [_progress(ledger, plan, by_plan.get(plan["id"], []), term, today, calendars, measured, schools)
                for plan in some]
    return out


def _progress(ledger, plan: dict, visits: list[dict], term: str, today: dt.date | None, calendars: list[dict],
              measured: dict, schools: dict[str, dict]) -> PlanProgress:
    term_start, term_end = term_span(term)
    first, last = _span(plan.get("period") or {})
    first, last = first or term_start, last or term_end
    window = (max(first, term_start), min(last, term_end))
    title, status = plan.get("title", plan["id"]), plan.get("status", "")
    if window[0] > window[1]:
        return PlanProgress(plan["id"], title, status, first, last, False, (), (), (), ())
    county = plan_county(plan, schools)
    calendar = school_calendar.calendar_for(calendars, school_calendar.school_year_of(window[0]), county)
    visits = sorted(visits, key=lambda v: (v.get("date", ""), v["id"]))
    covers = secondments.covers(visits, calendars, lambda sid: (schools.get(sid or "") or {}).get("county"))
    days = secondments.school_days(calendars, county)
    in_term = _within(visits, *window)
    logged = {v["date"][:7] for v in in_term}
    in_session = set(targets.session_months(calendar, term, *window))
    empty = tuple(m for m in _ended(*window, today) if m in in_session and m not in logged)
    figures = tuple(targets.progress(t, plan, visits, (first, last), window, term, calendar, today, covers, days,
                                     measured.get((plan["id"], t.get("key", "")), []),
                                     _worked_out(plan, schools, ledger))
                    for t in plan.get("targets") or [])
    short = []
    for v in visits:
        cover = covers.get(v["id"])
        if cover and cover.short and targets.overlaps(v, *window):
            s = v["secondment"]
            short.append(ShortSecondment(v["id"], targets.person_names(v), v.get("kind", ""), s.get("start", ""),
                                         s.get("end", ""), cover.days, cover.required, cover.period))
    return PlanProgress(plan["id"], title, status, window[0], window[1], True, figures,
                        tuple(v["id"] for v in in_term), empty, tuple(short), getattr(calendar.term(term), "record", None))


def _worked_out(plan: dict, schools: dict[str, dict], ledger):
    """The metrics with a rule of their own: 辍学率 of the plan's supported schools, measured else
    worked out from their students (store/twinning/measured.py `dropout`); a figure that leaves a
    supported school out is no figure for the plan. Only the students of those schools are read
    (through the index of the student's school), not every student the ledger has kept."""
    def value(metric: str, start: dt.date, end: dt.date, measured: list[dict]):
        if metric != "辍学率":
            return None
        supported = {s: schools[s] for s in targets.roles(plan)[1] if s in schools}
        found = twinning_measured.dropout(ledger.scan("student", school__in=sorted(supported)), supported, start, end,
                                          measured)
        if found.rate is None or found.left_out or found.unweighable:
            return None, found.records
        return found.rate, found.records
    return value


# --- aid against the standards ----------------------------------------------------------------

@dataclass(frozen=True)
class ProgrammeFigures:
    programme: str
    payments: tuple[str, ...]
    students: int                 # distinct students paid
    paid_fen: int
    expected_fen: int             # what the standards say, for the payments that can be checked
    off: tuple[str, ...]          # payments whose amount differs from their standard
    unchecked: tuple[str, ...]    # payments without a usable standard


@dataclass(frozen=True)
class AidSummary:
    term: str
    on: dt.date                               # the day students' status is taken on
    by_status: dict[str, tuple[str, ...]]     # every status (rules.STATUSES order) -> students
    by_group: dict[str, tuple[str, ...]]      # special group -> eligible students
    programmes: tuple[ProgrammeFigures, ...]
    duty: aid_duty.Duty                       # 应助尽助 by programme (store/aid/duty.py)

    @property
    def paid_fen(self) -> int:
        return sum(p.paid_fen for p in self.programmes)

    @property
    def expected_fen(self) -> int:
        return sum(p.expected_fen for p in self.programmes)

    @property
    def payments(self) -> Sequence[str]:
        return ids.joined(p.payments for p in self.programmes)


def expected_fen(aid: dict, standard: dict | None, calendar_days: int | None = None) -> int | None:
    """What one term's payment should be by its standard (the paid amount when it is one of
    the acceptable roundings); None when it cannot be told. A per-day payment that gives no days
    is for the school days of its term's calendar (`calendar_days`), as the rules check it."""
    if not standard or standard.get("programme") != aid.get("programme"):
        return None
    unit = standard.get("unit")
    amount, days = number(standard.get("amount_fen"), None), number(aid.get("days"), None)
    if days is None:
        days = calendar_days
    if amount is None:
        return None
    # rules owns the arithmetic of per-year / per-term / per-day standards.
    allowed = standards.PER_TERM.get(unit, lambda a, d: set())(int(amount), None if days is None else int(days))
    if not allowed:
        return None
    paid = aid.get("amount_fen")
    return paid if paid in allowed else min(allowed)


def aid_summary(ledger, term: str, today: dt.date | None = None, schools: set[str] | None = None) -> AidSummary:
    on = aid_duty.figures_day(term, today)
    # The term's payments, then every student once (their statuses, and 应助尽助 from the same walk).
    payments = aid_duty.term_payments(ledger, term)   # (only the fields these figures read)
    roll = aid_duty.Roll.read(ledger, term, on, payments)
    groups_enum = ledger.schemas().field("student", ("groups", 0)).get("enum") or []
    by_status: dict[str, list[str]] = {s: [] for s in rules.STATUSES}
    by_group: dict[str, list[str]] = {g: [] for g in groups_enum}
    for pupil in roll.pupils:   # (in the order of their ids)
        by_status[pupil.status].append(pupil.id)
        if pupil.status in rules.ELIGIBLE:
            for group in pupil.groups or []:
                by_group.setdefault(group, []).append(pupil.id)
    standards = {s["id"]: s for s in roll.data.standards}
    programmes_enum = ledger.schemas().field("aid", ("programme",)).get("enum") or []
    grouped: dict[str, list[dict]] = {}
    for aid in sorted(payments, key=lambda a: (a.get("paid_on", ""), a["id"])):
        grouped.setdefault(aid.get("programme", ""), []).append(aid)
    order = {p: i for i, p in enumerate(programmes_enum)}
    figures = []
    for programme in sorted(grouped, key=lambda p: (order.get(p, len(order)), p)):
        paid = grouped[programme]
        off, unchecked, expected = [], [], 0
        for aid in paid:
            want = expected_fen(aid, standards.get(aid.get("standard", "")), roll.calendar_days(aid))
            if want is None:
                unchecked.append(aid["id"])
                continue
            expected += want
            if want != aid.get("amount_fen"):
                off.append(aid["id"])
        figures.append(ProgrammeFigures(programme, tuple(a["id"] for a in paid), len({a.get("student") for a in paid}),
                                        sum(fen_of(a, "amount_fen") for a in paid), expected, tuple(off),
                                        tuple(unchecked)))
    return AidSummary(term, on, {k: tuple(v) for k, v in by_status.items()},
                      {k: tuple(v) for k, v in by_group.items() if v}, tuple(figures),
                      aid_duty.duty(ledger, term, schools=schools, today=today, read=(payments, roll)))


# --- latest changes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerChange:
    commit: str
    author: str
    date: str                     # ISO 8601 with the writer's UTC offset
    title: str
    action: str
    records: tuple[str, ...]


def latest_changes(ledger, limit: int = 10) -> list[LedgerChange]:
    """The newest commits: who, when, what, and which records they touched."""
    out = []
    for entry in ledger.log(limit=limit):
        trailers = entry.get("trailers") or {}
        out.append(LedgerChange(entry["commit"], entry["author"], entry["date"], entry["title"],
                                (trailers.get("Action") or [""])[0], tuple(trailers.get("Record-Id") or [])))
    return out
