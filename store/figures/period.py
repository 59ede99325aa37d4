"""Twinning figures for any period (a term, a school year, several years, a date range) and any
level (a plan, a school, a township, the county): what the county's report, the year-end summary
and the dashboard's school-year view read.

A level is a set of schools (store/twinning/units.py): a plan's parties, one school, or every
school under a unit. The plans of a level are those with a party among its schools; its
activities those of these plans that touch one of its schools (host, visitor, sending or receiving
school), on a day of the period. Every figure keeps the ids of the records behind it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from store.core import i18n
from store.core.errors import BangfuError, UsageError
from store.core.money import fen_of
from store.figures import code, dashboard
from store.figures.dashboard import PlanProgress
from store.rules import calendar as school_calendar
from store.twinning import completeness, people, secondments, targets, units
from store.twinning.measured import Dropout, dropout

LEVELS = ("county", "township", "school", "plan")
_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_YEARS = re.compile(r"^(\d{4})-(\d{4})(?:\.\.|—|~)(\d{4})-(\d{4})$")


# --- the period ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    kind: str                  # term | year | years | range
    start: dt.date
    end: dt.date
    name: str                  # 2025-2026-1, 2025-2026, 2022-2023..2025-2026, 2025-09-01..2025-12-31

    @property
    def terms(self) -> tuple[str, ...]:
        """The terms the period touches, oldest first."""
        out, term = [], dashboard.term_of(self.start)
        while dashboard.term_span(term)[0] <= self.end:
            out.append(term)
            term = dashboard.shift_term(term, 1)
        return tuple(out)


def _year(text: str) -> int:
    match = _YEAR.match(text or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise UsageError("io.period.bad_year", year=text)
    return int(match.group(1))


def period_of(*, term: str | None = None, year: str | None = None, years: str | None = None,
              start: str | None = None, end: str | None = None) -> Period:
    """The period a report covers: one term, one school year (Sep 1 – Aug 31), several school years
    (`2022-2023..2025-2026`), or any days from start to end."""
    given = [x for x in (term, year, years, start or end) if x]
    if len(given) != 1:
        raise UsageError("io.period.one_period")
    if term:
        if not dashboard.is_term(term):
            raise UsageError("io.report.bad_term", term=term)
        return Period("term", *dashboard.term_span(term), term)
    if year:
        y = _year(year)
        return Period("year", dt.date(y, 9, 1), dt.date(y + 1, 8, 31), year)
    if years:
        match = _YEARS.match(years)
        if not match:
            raise UsageError("io.period.bad_years", years=years)
        first, last = _year(f"{match.group(1)}-{match.group(2)}"), _year(f"{match.group(3)}-{match.group(4)}")
        if last < first:
            raise UsageError("io.period.bad_years", years=years)
        return Period("years", dt.date(first, 9, 1), dt.date(last + 1, 8, 31), f"{first}-{first + 1}..{last}-{last + 1}")
    days = []
    for value in (start, end):
        try:
            days.append(dt.date.fromisoformat(value or ""))
        except ValueError:
            raise UsageError("io.period.bad_date", value=value or "") from None
    if days[0] > days[1]:
        raise UsageError("io.period.range_order", start=start, end=end)
    return Period("range", days[0], days[1], f"{days[0].isoformat()}..{days[1].isoformat()}")


def period_in_words(text: str) -> Period:
    """A period as a person types it in one field (the dashboard's report dialog): a term
    (2025-2026-1), a school year (2025-2026), school years (2022-2023..2025-2026) or days
    (2025-09-01..2025-12-31)."""
    text = (text or "").strip()
    if ".." in text and not _YEARS.match(text):
        start, _, end = (part.strip() for part in text.partition(".."))
        try:
            dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except ValueError:
            raise UsageError("io.period.bad_period", period=text) from None
        return period_of(start=start, end=end)
    if _YEARS.match(text):
        return period_of(years=text)
    if dashboard.is_term(text):
        return period_of(term=text)
    if _YEAR.match(text):
        return period_of(year=text)
    raise UsageError("io.period.bad_period", period=text)


# --- the level -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    level: str                 # county | township | school | plan
    record: str                # the unit, school or plan
    name: str
    schools: frozenset[str]


_TYPE = {"county": ("unit", "县"), "township": ("unit", "乡镇"), "school": ("school", None), "plan": ("plan", None)}


def scope_of(ledger, level: str, record: str | None, tree: units.Tree | None = None) -> Scope:
    """The schools a level covers. Without a record, the county is the ledger's only county."""
    if level not in LEVELS:
        raise UsageError("io.period.bad_level", level=level, allowed=i18n.listing(LEVELS))
    tree = tree or units.Tree(ledger.scan("unit"), ledger.scan("school"))
    if record is None:
        counties = tree.counties()
        if level != "county":
            raise UsageError("io.period.which_record", level=i18n.t(f"io.period.level_{level}"))
        if len(counties) != 1:
            raise UsageError("io.period.which_unit", level=i18n.t(f"io.period.level_{level}"),
                             known=i18n.listing(f"{tree.name(c)} {c}" for c in counties) or "—")
        record = counties[0]
    doc = ledger.index.get(record) if isinstance(record, str) else None
    rtype, unit_level = _TYPE[level]
    if not doc or doc.get("type") != rtype or (unit_level and doc.get("level") != unit_level):
        raise BangfuError("io.period.not_level", record=record, level=i18n.t(f"io.period.level_{level}"))
    if level == "plan":
        return Scope(level, record, doc.get("title", record), frozenset(units.plan_schools(doc)))
    return Scope(level, record, doc.get("name", record), frozenset(tree.schools_under(record)))


# --- the figures ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanFigures:
    plan: str
    title: str
    status: str
    start: str
    end: str
    leading_group: tuple[tuple[str, str, str, str], ...]   # (role, name, position, school id)
    goals: tuple[tuple[str, str], ...]                     # (area, text)
    pairs: tuple[units.Pair, ...]
    budget_fen: int | None
    budget_by_year: tuple[tuple[int, int], ...]
    terms: tuple[PlanProgress, ...]                        # its targets in each term of the period


@dataclass(frozen=True)
class KindTally:
    kind: str
    count: int
    hours: float
    person_times: float
    records: tuple[str, ...]


@dataclass(frozen=True)
class DonationLine:
    visit: str
    date: str
    donor: str
    recipient: str
    cash_fen: int
    goods_fen: int
    total_fen: int
    items: str


@dataclass(frozen=True)
class SecondmentLine:
    visit: str
    kind: str
    batch: str
    from_school: str
    to_school: str
    start: str
    end: str
    people: tuple[str, ...]
    names: str
    short: bool


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    scope: Scope
    today: dt.date
    ledger_name: str
    commit: str
    plans: tuple[PlanFigures, ...]
    supporting: tuple[str, ...]              # schools of the level in a 帮扶 role in a plan of the period
    supported: tuple[str, ...]
    visits: tuple[str, ...]
    kinds: tuple[KindTally, ...]
    hours_sent: float                        # 课时 of 送教下乡
    hours_records: tuple[str, ...]
    lectures: int                            # 专题讲座 held (场次)
    lecture_records: tuple[str, ...]
    donations: tuple[DonationLine, ...]
    secondments: tuple[SecondmentLine, ...]
    batches: tuple[people.Batch, ...]
    service: tuple[people.Service, ...]
    gaps: tuple[completeness.Gaps, ...]
    dropout: Dropout
    names: dict[str, str]                    # id -> what people call the record

    @property
    def cash_fen(self) -> int:
        return sum(d.cash_fen for d in self.donations)

    @property
    def goods_fen(self) -> int:
        return sum(d.goods_fen for d in self.donations)

    def by(self, field: str) -> list[tuple[str, int, int]]:
        """Donations by donor or recipient: (name, cash, goods)."""
        return donation_totals(self.donations, field)

    @property
    def seconded_people(self) -> int:
        return len({p for s in self.secondments for p in s.people})

    @property
    def seconded_times(self) -> int:
        return sum(len(s.people) for s in self.secondments)

    def targets(self) -> list[tuple[PlanFigures, PlanProgress, targets.TargetProgress]]:
        """Each target for each stretch it is counted over: a month's or a term's in each term, a school
        year's once a year and a whole plan's once, at the latest term (whose figure covers the most):
        支教 ≥ 1 人/学年 met is one target met, not one per term."""
        out: dict[tuple, tuple[PlanFigures, PlanProgress, targets.TargetProgress]] = {}
        for p in self.plans:
            for term in p.terms:
                year = term.start.year - (term.start.month < 9)
                for t in term.targets:
                    stretch = {"学年": (year,), "全程": ()}.get(t.per, (term.start,))
                    key = (p.plan, t.key, t.per, *stretch)
                    out.pop(key, None)
                    out[key] = (p, term, t)
        return list(out.values())


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _touches(visit: dict, schools: frozenset[str]) -> bool:
    s = visit.get("secondment") or {}
    return bool({visit.get("host_school"), visit.get("visiting_school"), s.get("from_school"), s.get("to_school")}
                & schools)


def _schools_of(visit: dict) -> set[str]:
    s = visit.get("secondment") or {}
    return {x for x in (visit.get("host_school"), visit.get("visiting_school"), s.get("from_school"),
                        s.get("to_school")) if x}


def work_out(ledger, period: Period, scope: Scope, today: dt.date) -> PeriodFigures:
    schools = {s["id"]: s for s in ledger.scan("school")}
    plans_all = {p["id"]: p for p in ledger.scan("plan")}
    calendars = ledger.scan("calendar")
    names = {i: d.get("short_name") or d.get("name") or i for i, d in schools.items()}

    def runs(plan: dict) -> bool:
        first, last = _date((plan.get("period") or {}).get("start")), _date((plan.get("period") or {}).get("end"))
        return bool(first and last and first <= period.end and last >= period.start)

    if scope.level == "plan":
        chosen = [plans_all[scope.record]]
    else:
        chosen = [p for p in units.plans_within(plans_all.values(), set(scope.schools)) if runs(p)]
    chosen.sort(key=lambda p: ((p.get("period") or {}).get("start", ""), p.get("title", ""), p["id"]))
    ids = {p["id"] for p in chosen}
    names.update({p["id"]: p.get("title", p["id"]) for p in chosen})
    # (only the activities of these plans are read, through the index: not every activity kept)
    of_these = ledger.scan("visit", plan__in=sorted(ids)) if ids else []
    # activities of the period, of these plans, touching the level's schools
    mine = [v for v in of_these if targets.overlaps(v, period.start, period.end)
            and (scope.level == "plan" or _touches(v, scope.schools))]
    mine.sort(key=lambda v: (v.get("date", ""), v["id"]))
    dated = [v for v in mine if (d := _date(v.get("date"))) and period.start <= d <= period.end]

    progress: dict[str, list[PlanProgress]] = {p["id"]: [] for p in chosen}
    for term in period.terms:
        for p in dashboard.plan_progress(ledger, term, today, only=ids):
            # a plan's week of holiday before its first term is not a term it could miss targets in
            if p.plan in progress and p.in_term and _in_session(p, term, calendars, plans_all, schools):
                progress[p.plan].append(p)
    plan_figures = tuple(_plan(p, progress[p["id"]]) for p in chosen)

    supporting, supported = set(), set()
    for p in chosen:
        for party in p.get("parties") or []:
            if party.get("school") in scope.schools or scope.level == "plan":
                (supporting if party.get("role") == "帮扶" else supported).add(party.get("school"))

    kinds: dict[str, list[dict]] = {}
    for v in dated:
        kinds.setdefault(v.get("kind", ""), []).append(v)
    order = {k: i for i, k in enumerate(ledger.schemas().field("visit", ("kind",)).get("enum") or [])}
    tallies = tuple(KindTally(k, len(vs), sum(targets.number(v.get("hours")) for v in vs),
                              sum(targets.person_times(v) for v in vs), tuple(v["id"] for v in vs))
                    for k, vs in sorted(kinds.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))
    sent = kinds.get("送教下乡", [])
    lectures = kinds.get("专题讲座", [])

    donations = tuple(donation_line(v) for v in dated if v.get("donation"))
    county_of = lambda sid: (schools.get(sid or "") or {}).get("county")  # noqa: E731
    days_cache: dict[str | None, object] = {}

    def school_days(first: dt.date, last: dt.date, county: str | None) -> int:
        if county not in days_cache:
            days_cache[county] = secondments.school_days(calendars, county)
        return days_cache[county](first, last)

    def seconded_in_period(v: dict) -> bool:
        # counted where it has school days (one starting 08-28 is not the ending year's)
        first, last = targets.span(v)
        to = v["secondment"].get("to_school") or v.get("host_school")
        return school_days(max(first, period.start), min(last, period.end), county_of(to)) > 0

    seconded = [v for v in mine if v.get("kind") in targets.SECONDMENTS and v.get("secondment")
                and seconded_in_period(v)]
    covers = secondments.covers(seconded, calendars, county_of)
    lines = []
    for v in seconded:
        s = v["secondment"]
        cover = covers.get(v["id"])
        lines.append(SecondmentLine(v["id"], v.get("kind", ""), people.batch_of(v, cover), s.get("from_school", ""),
                                    s.get("to_school", ""), s.get("start", ""), s.get("end", ""),
                                    tuple(targets.persons(v)), targets.person_names(v),
                                    bool(cover and cover.short)))
    teachers = {t["id"]: t for t in ledger.scan("teacher")}

    # A teacher's service runs across plans and years: every secondment of the level's people up to
    # the period's end (people of the plan; else teachers of its schools and people they sent).
    everyone = [v for v in ledger.scan("visit", kind__in=sorted(targets.SECONDMENTS)) if v.get("secondment")]
    if scope.level == "plan":
        here = {p for s in lines for p in s.people}
    else:
        here = {t for t, doc in teachers.items() if doc.get("school") in scope.schools}
        here |= {p for v in everyone if v["secondment"].get("from_school") in scope.schools
                 for p in targets.persons(v) if p not in teachers}
    theirs = [v for v in everyone if set(targets.persons(v)) & here]
    served = [s for s in people.service(theirs, plans_all, schools, teachers, school_days, calendars, until=period.end)
              if s.person in here]

    of_plan: dict[str, list[dict]] = {}
    for v in of_these:
        of_plan.setdefault(v["plan"], []).append(v)
    gaps = []
    for p in chosen:
        first = max(_date(p["period"]["start"]), period.start)
        last = min(_date(p["period"]["end"]), period.end)
        months = completeness.session_months(calendars, dashboard.plan_county(p, schools), first, last, today)
        logged = {v["date"][:7] for v in of_plan.get(p["id"], []) if v.get("date")}
        if months:
            gaps.append(completeness.gaps("plan", p["id"], months, logged, today))
    by_school: dict[str, set[tuple[str, str]]] = {}
    for p in chosen:
        first = max(_date(p["period"]["start"]), period.start)
        last = min(_date(p["period"]["end"]), period.end)
        for sid in units.plan_schools(p) & set(scope.schools):
            by_school.setdefault(sid, set()).update(
                completeness.session_months(calendars, county_of(sid), first, last, today))
    logged_by_school: dict[str, set[str]] = {}
    for v in (v for vs in of_plan.values() for v in vs):
        if v.get("date"):
            for sid in _schools_of(v):
                logged_by_school.setdefault(sid, set()).add(v["date"][:7])
    for sid in sorted((s for s in by_school if by_school[s]), key=lambda s: names.get(s, s)):
        gaps.append(completeness.gaps("school", sid, sorted(by_school[sid], key=lambda tm: tm[1]),
                                      logged_by_school.get(sid, set()), today))

    level_schools = {s: schools[s] for s in scope.schools if s in schools}
    students = ledger.scan("student", school__in=sorted(level_schools))     # (through the index: not every student)
    rate = dropout(students, level_schools, period.start, period.end,
                   _dropout_measurements(ledger.scan("measurement"), plans_all, set(level_schools)))
    names.update({t: d.get("name", t) for t, d in teachers.items()})
    return PeriodFigures(period, scope, today, str(ledger.config.get("name", "")), ledger.tip, plan_figures,
                         tuple(sorted(supporting, key=lambda s: names.get(s, s))),
                         tuple(sorted(supported, key=lambda s: names.get(s, s))),
                         tuple(v["id"] for v in dated), tallies,
                         sum(targets.number(v.get("hours")) for v in sent), tuple(v["id"] for v in sent),
                         int(sum(targets.number(v.get("sessions"), 1.0) or 1.0 for v in lectures)),
                         tuple(v["id"] for v in lectures), donations, tuple(lines), tuple(people.batches(seconded, covers)),
                         tuple(served), tuple(gaps), rate, names)


def _dropout_measurements(measurements: list[dict], plans: dict[str, dict], schools: set[str]) -> list[dict]:
    """The measurements of a plan's 辍学率 target at the level's schools; one that names no school
    is its plan's supported schools' (one copy for each)."""
    keys = {(p["id"], t.get("key")) for p in plans.values() for t in p.get("targets") or []
            if t.get("metric") == "辍学率"}
    out = []
    for m in measurements:
        if (m.get("plan"), m.get("target")) not in keys:
            continue
        at = [m["school"]] if m.get("school") else sorted(targets.roles(plans[m["plan"]])[1])
        out += [{**m, "school": s} for s in at if s in schools]
    return out


def _in_session(p: PlanProgress, term: str, calendars: list[dict], plans: dict, schools: dict) -> bool:
    """Whether the part of the term inside the plan has school days."""
    county = dashboard.plan_county(plans[p.plan], schools)
    t = school_calendar.calendar_for(calendars, school_calendar.school_year_of(p.start), county).term(term)
    return bool(t and t.days(p.start, p.end))


def _plan(plan: dict, terms: list[PlanProgress]) -> PlanFigures:
    budget = plan.get("budget") or {}
    total = budget.get("total_fen")
    return PlanFigures(
        plan["id"], plan.get("title", plan["id"]), plan.get("status", ""),
        (plan.get("period") or {}).get("start", ""), (plan.get("period") or {}).get("end", ""),
        tuple((m.get("role", ""), m.get("name", ""), m.get("position", ""), m.get("school", ""))
              for m in plan.get("leading_group") or []),
        tuple((g.get("area", ""), g.get("text", "")) for g in plan.get("goals") or []),
        tuple(units.pairs(plan)), total if isinstance(total, int) else None,
        tuple((y.get("year", 0), y.get("fen", 0)) for y in budget.get("by_year") or []), tuple(terms))


def donation_totals(donations, field: str) -> list[tuple[str, int, int]]:
    """Donations summed by donor or recipient: (name, cash, goods), by name."""
    sums: dict[str, list[int]] = {}
    for d in donations:
        slot = sums.setdefault(getattr(d, field), [0, 0])
        slot[0] += d.cash_fen
        slot[1] += d.goods_fen
    return [(k, c, g) for k, (c, g) in sorted(sums.items())]


def donation_line(v: dict) -> DonationLine:
    """A donation as the reports list it: cash, goods at their unit value, the total written."""
    d = v["donation"]
    goods = sum(fen_of(i, "quantity", record=v, where=f"donation.items[{n}].") *
                fen_of(i, "unit_value_fen", record=v, where=f"donation.items[{n}].")
                for n, i in enumerate(d.get("items") or []))
    items = "；".join(f"{i.get('name', '')} {i.get('quantity', '')}{i.get('unit', '')}" for i in d.get("items") or [])
    return DonationLine(v["id"], v.get("date", ""), d.get("donor", ""), d.get("recipient", ""),
                        fen_of(d, "cash_fen", record=v, where="donation."), goods,
                        fen_of(d, "total_fen", record=v, where="donation."), items)


MEMO = "period-figures"


def figures(ledger, period: Period, level: str, record: str | None, today: dt.date) -> PeriodFigures:
    """The figures of a period and level as of today, remembered for this version of the ledger and
    of the code (store/ledger/memo.py): the school-year view opened again, or the same report
    made again, reads no record."""
    ledger.refresh()
    key = (period, level, record, today.isoformat(), code.digest(Path(__file__)))
    found = ledger.remembered(MEMO, key, lambda: work_out(ledger, period, scope_of(ledger, level, record), today))
    # (kept for a tree: the same records may stand at a newer commit, which the report names)
    return found if found.commit == ledger.tip else dataclasses.replace(found, commit=ledger.tip)
