"""School days counted from weekdays, holidays and days worked (store/rules/calendar.py) are the
days a walk through the calendar finds, one day at a time, for any term, holidays and span."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from store.rules.calendar import Term

DAY = st.dates(min_value=dt.date(2024, 8, 1), max_value=dt.date(2025, 9, 30))


def walked(term: Term, start: dt.date, end: dt.date) -> int:
    count, day = 0, max(start, term.first)
    while day <= min(end, term.last):
        count += term.is_school_day(day)
        day += dt.timedelta(days=1)
    return count


@settings(max_examples=300, deadline=None)
@given(first=DAY, length=st.integers(0, 200), holidays=st.lists(st.tuples(DAY, st.integers(0, 20)), max_size=4),
       worked=st.lists(DAY, max_size=4), start=DAY, end=DAY)
def test_counted_days_are_the_walked_days(first, length, holidays, worked, start, end):
    term = Term("2024-2025-1", first, first + dt.timedelta(days=length), (),
                tuple((a, a + dt.timedelta(days=n)) for a, n in holidays), tuple(worked))
    assert term.days(start, end) == walked(term, start, end)
    assert term.days() == walked(term, term.first, term.last)
