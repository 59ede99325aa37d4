"""The school calendar: which days of a term are school days and which months are in session.

Calendars are records, one per term (schemas/calendar.json 学期校历, shared with the aid side, which
pays per-day standards for its school days): first and last day, holidays, weekend days worked
(调休), the counties it is for, and the months in session. A county without one gets the default
of the domain brief (terms run September to January and March to July; February, July and August
are mostly holidays), and says so (`record` is None). Both the rules (is a secondment as long as
one school year?) and the figures (which months does a per-month target count?) read the calendar
here, so they cannot disagree.

School days are Monday to Friday from the first to the last day, less holidays, plus the weekend
days worked: the same count as store/rules/standards.py `school_days`. A term record without its
months in session has those months with at least ten school days.

Administrative terms (`term_of`: autumn September–January, spring February–August) still decide
which term a date belongs to; the calendar only says which of those days and months are in session.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from store.rules import standards, terms

_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
MIN_DAYS_IN_SESSION = 10    # a month with two weeks of school is in session


@dataclass(frozen=True)
class Term:
    term: str                                     # 2025-2026-1
    first: dt.date
    last: dt.date
    months: tuple[str, ...]                       # YYYY-MM in session
    holidays: tuple[tuple[dt.date, dt.date], ...] = ()
    workdays: tuple[dt.date, ...] = ()            # weekend days worked (调休)
    record: str | None = None                     # the calendar record; None for the default

    def is_school_day(self, day: dt.date) -> bool:
        if not self.first <= day <= self.last:
            return False
        if day in self.workdays:
            return True
        return day.weekday() < 5 and not any(a <= day <= b for a, b in self.holidays)

    def days(self, start: dt.date | None = None, end: dt.date | None = None) -> int:
        """School days of the term between start and end (both included; the whole term by default):
        the weekdays, less those of the holidays, plus the weekend days worked (counted, not walked
        day by day: a county's report asks this of thousands of secondments)."""
        lo, hi = max(start or self.first, self.first), min(end or self.last, self.last)
        if lo > hi:
            return 0
        count = _weekdays(lo, hi)
        for a, b in _merged(self.holidays):
            count -= _weekdays(max(a, lo), min(b, hi))
        # a day worked counts once, whether or not it was a weekday off already
        count += sum(1 for day in set(self.workdays) if lo <= day <= hi and not (
            day.weekday() < 5 and not any(a <= day <= b for a, b in self.holidays)))
        return count


def _weekdays(first: dt.date, last: dt.date) -> int:
    """Mondays to Fridays from first to last, both included."""
    if first > last:
        return 0
    total = (last - first).days + 1
    weeks, rest = divmod(total, 7)
    return weeks * 5 + sum(1 for n in range(rest) if (first.weekday() + n) % 7 < 5)


def _merged(spans: tuple[tuple[dt.date, dt.date], ...]) -> list[tuple[dt.date, dt.date]]:
    """Holidays that overlap or touch, joined (a day off is taken off once)."""
    out: list[list[dt.date]] = []
    for a, b in sorted(x for x in spans if x[0] <= x[1]):
        if out and a <= out[-1][1] + dt.timedelta(days=1):
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


@dataclass(frozen=True)
class SchoolCalendar:
    school_year: str                              # 2025-2026
    terms: tuple[Term, ...]

    def term(self, term: str) -> Term | None:
        return next((t for t in self.terms if t.term == term), None)

    def days(self, start: dt.date | None = None, end: dt.date | None = None) -> int:
        return sum(t.days(start, end) for t in self.terms)


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def first_year(school_year: str) -> int:
    match = _YEAR.match(school_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(f"not a school year: {school_year!r}")
    return int(match.group(1))


def school_year_of(day: dt.date) -> str:
    """2025-09-01 and 2026-08-31 are both in 2025-2026."""
    year = day.year if day.month >= 9 else day.year - 1
    return f"{year}-{year + 1}"


def term_of(day: dt.date) -> str:
    """The administrative term a day falls in (autumn September–January, spring February–August):
    2026-11-25 -> 2026-2027-1, 2027-03-01 -> 2026-2027-2."""
    if day.month >= 9:
        return f"{day.year}-{day.year + 1}-1"
    if day.month == 1:
        return f"{day.year - 1}-{day.year}-1"
    return f"{day.year - 1}-{day.year}-2"


def _months(first: dt.date, last: dt.date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _in_session(term: Term) -> tuple[str, ...]:
    """Months with at least MIN_DAYS_IN_SESSION school days."""
    out = []
    for month in _months(term.first, term.last):
        y, m = int(month[:4]), int(month[5:])
        nxt = dt.date(y + 1, 1, 1) if m == 12 else dt.date(y, m + 1, 1)
        if term.days(dt.date(y, m, 1), nxt - dt.timedelta(days=1)) >= MIN_DAYS_IN_SESSION:
            out.append(month)
    return tuple(out)


def _default_term(term: str, first: dt.date, last: dt.date) -> Term:
    t = Term(term, first, last, ())
    return Term(term, first, last, _in_session(t))


@functools.lru_cache(maxsize=256)
def default_calendar(school_year: str) -> SchoolCalendar:
    """The domain brief's calendar: autumn 09-01 to 01-20 (September to January in session),
    spring 03-01 to 07-10 (March to June; July's few days do not make a month)."""
    y = first_year(school_year)
    return SchoolCalendar(school_year, (_default_term(f"{y}-{y + 1}-1", dt.date(y, 9, 1), dt.date(y + 1, 1, 20)),
                                        _default_term(f"{y}-{y + 1}-2", dt.date(y + 1, 3, 1), dt.date(y + 1, 7, 10))))


def from_record(doc: dict) -> Term | None:
    first, last = _date(doc.get("first_day")), _date(doc.get("last_day"))
    if not (first and last) or first > last:
        return None
    holidays = tuple((a, _date(h.get("end")) or a) for h in doc.get("holidays") or [] if (a := _date(h.get("start"))))
    workdays = tuple(d for d in map(_date, doc.get("workdays") or []) if d)
    term = Term(str(doc.get("term", "")), first, last, (), holidays, workdays, doc.get("id"))
    months = tuple(sorted(doc.get("months") or ())) or _in_session(term)
    return Term(term.term, first, last, months, holidays, workdays, doc.get("id"))


def calendar_for(calendars, school_year: str, county: str | None = None) -> SchoolCalendar:
    """The calendar of a school year for a county: each term's record for the county (or for every
    county, store/rules/standards.py `calendar_for`), else the default term."""
    calendars = list(calendars)
    default = default_calendar(school_year)
    terms = []
    for fallback in default.terms:
        doc = standards.calendar_for(calendars, fallback.term, county)
        terms.append((from_record(doc) if doc else None) or fallback)
    return SchoolCalendar(school_year, tuple(terms))


def school_years(start: dt.date, end: dt.date) -> list[str]:
    """The school years start..end touches, oldest first."""
    first, last = first_year(school_year_of(start)), first_year(school_year_of(end))
    return [f"{y}-{y + 1}" for y in range(first, last + 1)]


# A secondment's minimum is a span of the calendar, not a number of days: 支教 covers the school
# days of one school year, 挂职 those of one term (a normal 08-28 to 07-15 支教 is not short).
SECONDMENT_SPAN = {"支教": "学年", "挂职": "学期"}


@dataclass(frozen=True)
class Cover:
    period: str          # the school year or term the secondment covers best
    days: int            # its school days inside the secondment
    required: int        # all its school days

    @property
    def short(self) -> bool:
        return self.days < self.required


def secondment_cover(kind: str, start: dt.date, end: dt.date, calendars, county: str | None = None) -> Cover | None:
    """How much of one school year (支教) or one term (挂职) a secondment covers: the period it
    covers best (most school days; the earlier on a tie). None for other kinds."""
    span = SECONDMENT_SPAN.get(kind)
    if span is None or start > end:
        return None
    calendars = list(calendars)
    best: Cover | None = None

    def rank(c: Cover) -> tuple:
        # the least short first; a period without one of its school days is none it covers (a
        # day of October is 1 of the autumn's 100, not 0 of the spring's 90)
        return c.days == 0, c.required - c.days, -c.days

    for year in school_years(start, end):
        cal = calendar_for(calendars, year, county)
        periods = [(year, cal.days(start, end), cal.days())] if span == "学年" else \
                  [(t.term, t.days(start, end), t.days()) for t in cal.terms]
        for period, days, required in periods:
            cover = Cover(period, days, required)
            if best is None or rank(cover) < rank(best):
                best = cover
    return best


# The field that places a record of a type in a school year: a date (September to August), a term
# or the school year itself. A list of such records shows one school year at a time: a county's
# decade holds ten of them, and a coordinator works in one.
YEAR_FIELDS = {"visit": "date", "inspection": "date", "adjustment": "date",
               "aid": "term", "batch": "term", "recognition": "school_year", "posting": "school_year"}


def year_filters(record_type: str, school_year: str) -> dict[str, object]:
    """The query filters (store/ledger/index.py `query`) of the records of a type that belong to a
    school year: each served by the index of its one field. KeyError: the type has no year;
    ValueError: not a school year."""
    field, first = YEAR_FIELDS[record_type], first_year(school_year)
    if field == "date":   # (ISO dates compare as text in date order)
        return {"date__gte": f"{first}-09-01", "date__lt": f"{first + 1}-09-01"}
    if field == "term":
        return {"term__in": [f"{school_year}-1", f"{school_year}-2"]}
    return {field: school_year}


def year_of_value(record_type: str, value: object) -> str | None:
    """The school year a value of the type's year field puts a record in (None: none, as
    `year_filters` would find it in none)."""
    field = YEAR_FIELDS[record_type]
    if not isinstance(value, str):
        return None
    if field == "date":
        day = _date(value)
        return school_year_of(day) if day and day.isoformat() == value else None
    if field == "term":
        return value.rsplit("-", 1)[0] if terms.is_term(value) else None
    try:
        first_year(value)
    except ValueError:
        return None
    return value
