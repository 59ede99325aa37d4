"""The figures the dashboard shows for a term: each plan against its targets, aid against
the standards, the latest changes to the ledger.

Pure functions over a Ledger (anything with `scan` and `log`), no terminal: term
reports reuse them. Every figure carries the ids of the records behind it, so a
screen can open exactly those records. Nothing here reads the clock: callers pass
`today` (it decides which months of the current term have already happened).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Iterable

from store.aid import duty as aid_duty
from store.core.money import fen_of
from store.rules import checks as rules
from store.rules import standards

# --- terms --------------------------------------------------------------------------------
# A school year runs September to August: term 1 (autumn) Sep–Jan, term 2 (spring) Feb–Aug.
_TERM = re.compile(r"^(\d{4})-(\d{4})-([12])$")


def term_of(day: dt.date) -> str:
    """The term a day falls in: 2026-11-25 -> 2026-2027-1, 2027-03-01 -> 2026-2027-2."""
    if day.month >= 9:
        return f"{day.year}-{day.year + 1}-1"
    if day.month == 1:
        return f"{day.year - 1}-{day.year}-1"
    return f"{day.year - 1}-{day.year}-2"


def _parts(term: str) -> tuple[int, int]:
    match = _TERM.match(term or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(f"not a term: {term!r}")
    return int(match.group(1)), int(match.group(3))


def is_term(text: str) -> bool:
    try:
        _parts(text)
        return True
    except ValueError:
        return False


def term_span(term: str) -> tuple[dt.date, dt.date]:
    """First and last day of a term."""
    year, half = _parts(term)
    if half == 1:
        return dt.date(year, 9, 1), dt.date(year + 1, 1, 31)
    return dt.date(year + 1, 2, 1), dt.date(year + 1, 8, 31)


def school_year_span(term: str) -> tuple[dt.date, dt.date]:
    year, _half = _parts(term)
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


def shift_term(term: str, steps: int) -> str:
    """The term `steps` terms later (earlier when negative)."""
    year, half = _parts(term)
    index = year * 2 + (half - 1) + steps
    year, half = divmod(index, 2)
    return f"{year}-{year + 1}-{half + 1}"


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
    later term a plan reaches), newest first: what a term picker offers."""
    firsts, lasts = [term_of(today)], [term_of(today)]
    for plan in ledger.scan("plan"):
        start, end = _span(plan.get("period") or {})
        if start and end:
            firsts.append(term_of(start))
            lasts.append(term_of(end))
    for visit in ledger.scan("visit"):
        day = _date(visit.get("date"))
        if day:
            firsts.append(term_of(day))
    for aid in ledger.scan("aid"):
        if is_term(str(aid.get("term", ""))):
            firsts.append(aid["term"])
    first, last = min(firsts), max(lasts)
    out = [last]
    while out[-1] > first:
        out.append(shift_term(out[-1], -1))
    return out


# --- plans against their targets ------------------------------------------------------------

@dataclass(frozen=True)
class TargetProgress:
    key: str
    metric: str
    comparison: str            # ">=", "<=" or "="
    value: float               # the target as written in the plan
    unit: str
    per: str                   # 月, 学期, 学年, 全程
    text: str
    actual: float | None       # None: not measured from activity records (rates, 其他)
    goal: float                # what `actual` is held against (months so far for a per-month target)
    met: bool | None
    records: tuple[str, ...]   # the activities counted

    @property
    def ratio(self) -> float:
        """How full the progress bar is, 0..1."""
        if self.actual is None:
            return 0.0
        if self.comparison == "<=":
            return 1.0 if self.met else 0.0
        return 1.0 if self.goal <= 0 else max(0.0, min(1.0, self.actual / self.goal))


@dataclass(frozen=True)
class ShortSecondment:
    visit: str
    person: str
    kind: str
    start: str
    end: str
    days: int
    minimum: int


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
    empty_months: tuple[str, ...]         # months so far with nothing logged
    short_secondments: tuple[ShortSecondment, ...]


# How an activity counts towards a target, by the target's unit.
def number(value: object, default: float | None = 0.0) -> float | None:
    """A number from a record; anything else (a file edited by hand that the schema would
    refuse, which `bangfu validate` names) counts as the default instead of stopping the figures."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else default


def _hours(v: dict) -> float:
    return number(v.get("hours"))


def _sessions(v: dict) -> float:
    return number(v.get("sessions"), 1.0) or 1.0


def _person_times(v: dict) -> float:
    return number(v.get("person_times")) or float(len(v.get("participants") or []))


_MEASURE = {"课时": _hours, "场": _sessions, "人次": _person_times}
_ACTIVITY_KINDS = frozenset(rules.SECONDMENT_MIN_DAYS) | {
    "互访", "送教下乡", "示范课", "公开课", "专题讲座", "听课评课", "集体备课", "联合教研", "跟班学习",
    "师徒结对", "培训", "联席会议", "联谊活动", "捐赠", "家访"}


def _people(visits: Iterable[dict]) -> set[str]:
    names: set[str] = set()
    for v in visits:
        person = (v.get("secondment") or {}).get("person")
        if person:
            names.add(person)
        names.update(p.get("name", "") for p in v.get("participants") or [] if p.get("name"))
    return names


def _amount(visits: list[dict], unit: str) -> float:
    if unit == "人":
        return float(len(_people(visits)))
    measure = _MEASURE.get(unit)
    return float(sum(measure(v) for v in visits)) if measure else float(len(visits))


def _meets(actual: float, comparison: str, value: float) -> bool:
    return {"<=": actual <= value, "=": actual == value}.get(comparison, actual >= value)


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _span(period: dict) -> tuple[dt.date | None, dt.date | None]:
    return _date(period.get("start")), _date(period.get("end"))


def _within(visits: list[dict], start: dt.date, end: dt.date) -> list[dict]:
    return [v for v in visits if (day := _date(v.get("date"))) and start <= day <= end]


def _elapsed(start: dt.date, end: dt.date, today: dt.date | None) -> list[str]:
    """Months of start..end that have begun by today (all of them without a today)."""
    if today is not None:
        end = min(end, today)
    return months(start, end) if start <= end else []


def _target(t: dict, visits: list[dict], plan_span: tuple[dt.date, dt.date], window: tuple[dt.date, dt.date],
            term: str, today: dt.date | None) -> TargetProgress:
    metric, per, unit = t.get("metric", ""), t.get("per", ""), t.get("unit", "")
    comparison, value = t.get("comparison", ">="), number(t.get("value"), math.nan)   # (nan: shown as "?")
    common = dict(key=t.get("key", ""), metric=metric, comparison=comparison, value=value, unit=unit, per=per,
                  text=t.get("text", ""))
    if metric not in _ACTIVITY_KINDS or unit == "%" or math.isnan(value):
        return TargetProgress(**common, actual=None, goal=value, met=None, records=())
    kind = [v for v in visits if v.get("kind") == metric]
    if per == "月":
        counted = _within(kind, *window)
        so_far = _elapsed(*window, today)
        good = sum(1 for m in so_far if _meets(_amount([v for v in counted if v["date"][:7] == m], unit),
                                               comparison, value))
        return TargetProgress(**common, actual=float(good), goal=float(len(so_far)),
                              met=(good == len(so_far)) if so_far else None, records=tuple(v["id"] for v in counted))
    if per == "学年":
        year_start, _ = school_year_span(term)
        span = (max(year_start, plan_span[0]), window[1])
    elif per == "全程":
        span = plan_span
    else:  # 学期
        span = window
    counted = _within(kind, *span)
    actual = _amount(counted, unit)
    return TargetProgress(**common, actual=actual, goal=value, met=_meets(actual, comparison, value),
                          records=tuple(v["id"] for v in counted))


def _short_secondments(visits: list[dict], start: dt.date, end: dt.date) -> list[ShortSecondment]:
    out = []
    for v in visits:
        s = v.get("secondment") or {}
        first, last = _date(s.get("start")), _date(s.get("end"))
        minimum = rules.SECONDMENT_MIN_DAYS.get(v.get("kind", ""))
        if not (first and last and minimum) or last < start or first > end:
            continue
        days = (last - first).days + 1
        if days < minimum:
            out.append(ShortSecondment(v["id"], s.get("person", ""), v.get("kind", ""), s["start"], s["end"],
                                       days, minimum))
    return out


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


def plan_progress(ledger, term: str, today: dt.date | None = None) -> list[PlanProgress]:
    """For each active plan: its targets against what was logged, the months of the term so
    far with nothing logged, and the secondments shorter than their minimum."""
    term_start, term_end = term_span(term)
    by_plan: dict[str, list[dict]] = {}
    for visit in ledger.scan("visit"):
        by_plan.setdefault(visit.get("plan", ""), []).append(visit)
    out = []
    for plan in active_plans(ledger.scan("plan"), term, today):
        first, last = _span(plan.get("period") or {})
        first, last = first or term_start, last or term_end
        window = (max(first, term_start), min(last, term_end))
        title, status = plan.get("title", plan["id"]), plan.get("status", "")
        if window[0] > window[1]:
            out.append(PlanProgress(plan["id"], title, status, first, last, False, (), (), (), ()))
            continue
        visits = sorted(by_plan.get(plan["id"], []), key=lambda v: (v.get("date", ""), v["id"]))
        in_term = _within(visits, *window)
        logged = {v["date"][:7] for v in in_term}
        empty = tuple(m for m in _elapsed(*window, today) if m not in logged)
        targets = tuple(_target(t, visits, (first, last), window, term, today) for t in plan.get("targets") or [])
        out.append(PlanProgress(plan["id"], title, status, window[0], window[1], True, targets,
                                tuple(v["id"] for v in in_term), empty, tuple(_short_secondments(visits, *window))))
    return out


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
    def payments(self) -> tuple[str, ...]:
        return tuple(i for p in self.programmes for i in p.payments)


def expected_fen(aid: dict, standard: dict | None) -> int | None:
    """What one term's payment should be by its standard (the paid amount when it is one of
    the acceptable roundings); None when it cannot be told."""
    if not standard or standard.get("programme") != aid.get("programme"):
        return None
    unit = standard.get("unit")
    amount, days = number(standard.get("amount_fen"), None), number(aid.get("days"), None)
    if amount is None:
        return None
    # rules owns the arithmetic of per-year / per-term / per-day standards.
    allowed = standards.PER_TERM.get(unit, lambda a, d: set())(int(amount), None if days is None else int(days))
    if not allowed:
        return None
    paid = aid.get("amount_fen")
    return paid if paid in allowed else min(allowed)


def aid_summary(ledger, term: str, today: dt.date | None = None, schools: set[str] | None = None) -> AidSummary:
    _start, end = term_span(term)
    on = min(end, today) if today else end
    students = sorted(ledger.scan("student"), key=lambda s: s["id"])
    groups_enum = ledger.schemas().field("student", ("groups", 0)).get("enum") or []
    by_status: dict[str, list[str]] = {s: [] for s in rules.STATUSES}
    by_group: dict[str, list[str]] = {g: [] for g in groups_enum}
    recognised: dict[str, list[dict]] = {}
    for r in ledger.scan("recognition"):
        recognised.setdefault(str(r.get("student", "")), []).append(r)
    for student in students:
        status = rules.student_status(student, on, recognised.get(student["id"]))
        by_status[status].append(student["id"])
        if status in rules.ELIGIBLE:
            for group in student.get("groups") or []:
                by_group.setdefault(group, []).append(student["id"])
    standards = {s["id"]: s for s in ledger.scan("standard")}
    programmes_enum = ledger.schemas().field("aid", ("programme",)).get("enum") or []
    grouped: dict[str, list[dict]] = {}
    for aid in sorted(ledger.scan("aid", term=term), key=lambda a: (a.get("paid_on", ""), a["id"])):
        grouped.setdefault(aid.get("programme", ""), []).append(aid)
    order = {p: i for i, p in enumerate(programmes_enum)}
    figures = []
    for programme in sorted(grouped, key=lambda p: (order.get(p, len(order)), p)):
        paid = grouped[programme]
        off, unchecked, expected = [], [], 0
        for aid in paid:
            want = expected_fen(aid, standards.get(aid.get("standard", "")))
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
                      aid_duty.duty(ledger, term, schools=schools, today=today))


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
