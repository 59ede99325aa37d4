"""Completeness (DHIS2's reporting rate): which plans and schools logged nothing in a month in
session or in a whole term.

A plan is expected to log something every month in session of its own period; a school every
month in session while it is a party of a plan that runs. Months come from the school calendar
of the plan's (or school's) county (store/rules/calendar.py). A month that has ended with nothing
is a gap; the month under way is open, not a gap yet; months to come are not counted.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from store.rules import calendar as school_calendar


@dataclass(frozen=True)
class Gaps:
    kind: str                      # plan | school
    record: str
    months: tuple[str, ...]        # months in session counted (ended or under way)
    empty_months: tuple[str, ...]  # ended months with nothing logged
    empty_terms: tuple[str, ...]   # terms whose counted months all ended with nothing logged
    open_month: str = ""           # the month under way, when nothing is logged in it yet

    @property
    def complete(self) -> bool:
        return not self.empty_months


def _month_span(month: str) -> tuple[dt.date, dt.date]:
    y, m = int(month[:4]), int(month[5:7])
    nxt = dt.date(y + 1, 1, 1) if m == 12 else dt.date(y, m + 1, 1)
    return dt.date(y, m, 1), nxt - dt.timedelta(days=1)


def session_months(calendars: list[dict], county: str | None, start: dt.date, end: dt.date,
                   today: dt.date) -> list[tuple[str, str]]:
    """(term, month) of the months in session that start..end touches and that have begun by today."""
    if start > end:
        return []
    out = []
    for year in school_calendar.school_years(start, end):
        for term in school_calendar.calendar_for(calendars, year, county).terms:
            for month in term.months:
                first, last = _month_span(month)
                if first <= end and last >= start and first <= today:
                    out.append((term.term, month))
    return out


def gaps(kind: str, record: str, months: list[tuple[str, str]], logged: Iterable[str], today: dt.date) -> Gaps:
    """The gaps of one plan or school: `months` from `session_months`, `logged` the YYYY-MM of its activities."""
    logged = set(logged)
    ended = [(t, m) for t, m in months if _month_span(m)[1] < today]
    empty = tuple(m for _t, m in ended if m not in logged)
    terms: dict[str, list[str]] = {}
    for t, m in ended:
        terms.setdefault(t, []).append(m)
    empty_terms = tuple(t for t, ms in terms.items() if not set(ms) & logged)
    current = [m for _t, m in months if _month_span(m)[1] >= today and m not in logged]
    return Gaps(kind, record, tuple(m for _t, m in months), empty, empty_terms, current[0] if current else "")
