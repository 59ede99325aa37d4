"""Secondments (支教, 挂职) against the span they must cover, by the school calendar.

A 支教 must cover the school days of one school year, a 挂职 those of one term
(store/rules/calendar.py `secondment_cover`); one that does not is short, is shown with its
days, and does not count towards a target. A secondment counts in every period where it has
school days, not only in the one it starts in.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable

from store.rules import calendar as school_calendar
from store.twinning.targets import SECONDMENTS, span


def school_days(calendars: list[dict], county: str | None) -> Callable[[dt.date, dt.date], int]:
    """School days between two dates (both included) by the county's calendars."""
    def days(start: dt.date, end: dt.date) -> int:
        if start > end:
            return 0
        return sum(school_calendar.calendar_for(calendars, year, county).days(start, end)
                   for year in school_calendar.school_years(start, end))
    return days


def covers(visits: Iterable[dict], calendars: list[dict],
           county_of: Callable[[str | None], str | None]) -> dict[str, school_calendar.Cover | None]:
    """How far each secondment covers its school year or term, by id (by the receiving school's calendar)."""
    out: dict[str, school_calendar.Cover | None] = {}
    for v in visits:
        if v.get("kind") not in SECONDMENTS or not (v.get("secondment") and span(v)):
            continue
        first, last = span(v)
        county = county_of((v.get("secondment") or {}).get("to_school") or v.get("host_school"))
        out[v["id"]] = school_calendar.secondment_cover(v.get("kind", ""), first, last, calendars, county)
    return out
