"""People sent: secondments by batch (people and 人次 apart, running totals over the batches) and a
teacher's service at rural or supported schools across plans and years (what 职称 review asks:
"一年以上农村薄弱学校工作经历").

A person is a teacher record's id where one is named, else the name as typed (store/twinning/
targets.py `persons`). A batch is the secondment's own `batch` (第一批 ...), else the school year
it starts in: the district's 四年三批 is three batches, however many records carry them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable

from store.rules import calendar as school_calendar
from store.twinning.targets import SECONDMENTS, persons, span


@dataclass(frozen=True)
class Batch:
    batch: str
    first_day: str                # the earliest start of its secondments (orders the batches)
    secondments: tuple[str, ...]  # visit ids
    people: int                   # distinct people of the batch
    times: int                    # 人次: each person of each secondment once
    total_people: int             # distinct people of this and every earlier batch
    total_times: int              # 人次 of this and every earlier batch


def batch_of(visit: dict, cover: school_calendar.Cover | None = None) -> str:
    """Its `batch`, else the school year it serves: the one its 支教 or 挂职 covers best (a 支教 from
    08-28 serves the school year starting that autumn), else the one it starts in."""
    s = visit.get("secondment") or {}
    if s.get("batch"):
        return str(s["batch"])
    if cover is not None:
        return cover.period[:9]
    first = span(visit)
    return school_calendar.school_year_of(first[0]) if first else ""


def batches(visits: Iterable[dict], covers: dict | None = None) -> list[Batch]:
    """The secondments (支教, 挂职) grouped by batch, oldest batch first, with running totals;
    `covers` (by visit id) says which school year each serves."""
    covers = covers or {}
    groups: dict[str, list[dict]] = {}
    for v in visits:
        if v.get("kind") in SECONDMENTS and v.get("secondment"):
            groups.setdefault(batch_of(v, covers.get(v["id"])), []).append(v)
    order = sorted(groups, key=lambda b: (min(span(v)[0] for v in groups[b] if span(v)), b))
    out: list[Batch] = []
    seen: set[str] = set()
    total_times = 0
    for b in order:
        mine = sorted(groups[b], key=lambda v: (span(v)[0], v["id"]))
        people = {p for v in mine for p in persons(v)}
        times = sum(len(persons(v)) for v in mine)
        seen |= people
        total_times += times
        out.append(Batch(b, span(mine[0])[0].isoformat(), tuple(v["id"] for v in mine), len(people), times,
                         len(seen), total_times))
    return out


@dataclass(frozen=True)
class Service:
    person: str                 # teacher id, else the name
    name: str
    school: str                 # the teacher's own school id ('' for a name without a record)
    title: str                  # 职称
    secondments: tuple[str, ...]
    plans: tuple[str, ...]
    days: int                   # calendar days at rural or supported schools
    school_days: int            # school days among them (by the receiving school's calendar)
    years: tuple[str, ...]      # school years fully covered by a 支教 (the "one year" a review asks)


def whole_years(calendars: list[dict], county: str | None, first: dt.date, last: dt.date) -> tuple[str, ...]:
    """The school years whose every school day lies in first..last (a two-year 支教 covers two)."""
    out = []
    for year in school_calendar.school_years(first, last):
        cal = school_calendar.calendar_for(calendars, year, county)
        if cal.days() and cal.days(first, last) == cal.days():
            out.append(year)
    return tuple(out)


def service(visits: Iterable[dict], plans: dict[str, dict], schools: dict[str, dict], teachers: dict[str, dict],
            school_days: Callable[[dt.date, dt.date, str | None], int], calendars: list[dict],
            until: dt.date | None = None) -> list[Service]:
    """Each person's secondments to a rural school (乡村) or to a supported party of the plan, up to
    `until`, summed across plans and years; `school_days(start, end, county)` counts school days;
    the whole school years are those a 支教 covered in full (what a title review asks)."""
    rows: dict[str, dict] = {}
    for v in visits:
        s = v.get("secondment") or {}
        days = span(v)
        if v.get("kind") not in SECONDMENTS or not s or not days:
            continue
        first, last = days
        if until is not None:
            if first > until:
                continue
            last = min(last, until)
        to = s.get("to_school") or v.get("host_school")
        plan = plans.get(v.get("plan", "")) or {}
        supported = {p.get("school") for p in plan.get("parties") or [] if p.get("role") == "受帮扶"}
        if to not in supported and (schools.get(to) or {}).get("area") != "乡村":
            continue
        county = (schools.get(to) or {}).get("county")
        served_days = school_days(first, last, county)
        if not served_days:
            continue        # holidays only so far (a 支教 from 08-28 seen on 08-31)
        years = whole_years(calendars, county, first, last) if v.get("kind") == "支教" else ()
        named = {(p.get("teacher") or p.get("name")): p.get("name", "") for p in s.get("people") or [] if p.get("name")}
        if s.get("person"):
            named[s.get("teacher") or s["person"]] = s["person"]
        for who in persons(v):
            if who not in named:
                continue            # a participant, not someone sent
            row = rows.setdefault(who, {"name": named[who], "secondments": [], "plans": [], "days": 0,
                                        "school_days": 0, "years": []})
            row["secondments"].append(v["id"])
            if v.get("plan") not in row["plans"]:
                row["plans"].append(v.get("plan"))
            row["days"] += (last - first).days + 1
            row["school_days"] += served_days
            row["years"] += [y for y in years if y not in row["years"]]
    out = []
    for who, row in rows.items():
        teacher = teachers.get(who) or {}
        out.append(Service(who, teacher.get("name") or row["name"], teacher.get("school", ""), teacher.get("title", ""),
                           tuple(row["secondments"]), tuple(row["plans"]), row["days"], row["school_days"],
                           tuple(sorted(row["years"]))))
    return sorted(out, key=lambda s: (-s.school_days, s.name, s.person))
