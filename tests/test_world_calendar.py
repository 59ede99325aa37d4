"""The school calendar against days counted by hand on a wall calendar: which term a day belongs
to, school days with holidays and weekend days worked (调休), the months in session, and how far a
secondment covers its school year or term. Per-day aid standards and per-month twinning targets
are both counted on these days."""
from __future__ import annotations

import datetime as dt

import pytest

from store.core.ids import new_id
from store.rules import calendar

D = dt.date.fromisoformat


@pytest.mark.parametrize("day, term", [
    ("2026-08-31", "2025-2026-2"),     # the last day of the spring term's administrative half
    ("2026-09-01", "2026-2027-1"),
    ("2026-10-01", "2026-2027-1"),
    ("2026-12-31", "2026-2027-1"),
    ("2027-01-31", "2026-2027-1"),     # January still belongs to the autumn term
    ("2027-02-01", "2026-2027-2"),
    ("2027-03-15", "2026-2027-2"),
])
def test_the_term_a_day_belongs_to(day, term):
    assert calendar.term_of(D(day)) == term


def test_the_default_terms_end_on_20_january_and_10_july():
    # Default autumn 2026: 2027-01-20 is a Wednesday; Monday 18 to Wednesday 20 are its last
    # school days, Thursday 21 and Friday 22 are not.
    autumn = calendar.default_calendar("2026-2027").term("2026-2027-1")
    assert autumn.days(D("2027-01-18"), D("2027-01-24")) == 3
    assert autumn.days(D("2026-08-31"), D("2026-09-06")) == 4          # Tuesday 1 to Friday 4 September
    # Default spring 2025: 2025-07-10 is a Thursday; Monday 7 to Thursday 10 are school days,
    # Friday 11 is not.
    spring = calendar.default_calendar("2024-2025").term("2024-2025-2")
    assert spring.days(D("2025-07-07"), D("2025-07-13")) == 4
    assert calendar.default_calendar("2026-2027").term("2026-2027-1").record is None


def _record(**fields) -> dict:
    return {"id": new_id("calendar"), "type": "calendar", "schema_version": 2, **fields}


AUTUMN = _record(term="2026-2027-1", first_day="2026-09-01", last_day="2027-01-22",
                 holidays=[{"start": "2026-10-01", "end": "2026-10-07", "name": "国庆节"}],
                 workdays=["2026-09-27", "2026-10-10"])
SPRING = _record(term="2026-2027-2", first_day="2027-02-22", last_day="2027-07-14")


def test_school_days_less_holidays_plus_the_weekend_days_worked():
    t = calendar.calendar_for([AUTUMN, SPRING], "2026-2027").term("2026-2027-1")
    assert t.record == AUTUMN["id"]
    # September 2026 starts on a Tuesday: 1–4, 7–11, 14–18, 21–25, 28–30 are 4+5+5+5+3 = 22
    # weekdays, and Sunday the 27th is worked: 23.
    assert t.days(D("2026-09-01"), D("2026-09-30")) == 23
    # October 2026 starts on a Thursday: 1–2, 5–9, 12–16, 19–23, 26–30 are 22 weekdays; the
    # holiday takes 1, 2, 5, 6 and 7 (5), Saturday the 10th is worked: 18.
    assert t.days(D("2026-10-01"), D("2026-10-31")) == 18


def test_months_in_session_are_those_with_ten_school_days_when_the_record_names_none():
    t = calendar.calendar_for([AUTUMN, SPRING], "2026-2027").term("2026-2027-2")
    # February: Monday 22 to Friday 26 is 5 days; July: 1–2 and 5–9 and 12–14 is exactly 10.
    assert t.months == ("2027-03", "2027-04", "2027-05", "2027-06", "2027-07")
    named = _record(term="2026-2027-2", first_day="2027-02-22", last_day="2027-07-14", months=["2027-03", "2027-04"])
    assert calendar.calendar_for([named], "2026-2027").term("2026-2027-2").months == ("2027-03", "2027-04")


def test_a_secondment_covers_its_school_year_or_term_by_school_days():
    cals = [AUTUMN, SPRING]
    # 支教 for the school year from the first to the last school day: not short.
    whole = calendar.secondment_cover("支教", D("2026-09-01"), D("2027-07-14"), cals)
    assert (whole.period, whole.short, whole.required - whole.days) == ("2026-2027", False, 0)
    # Ending on 2 July misses 5–9 and 12–14 July: 8 school days short.
    early = calendar.secondment_cover("支教", D("2026-09-01"), D("2027-07-02"), cals)
    assert (early.period, early.short, early.required - early.days) == ("2026-2027", True, 8)
    # One term of 支教 is short of its school year by the whole spring term: February 22–26 (5),
    # March (23), April (22), May (21), June (22), July 1–14 (10): 103 school days.
    autumn_only = calendar.secondment_cover("支教", D("2026-09-01"), D("2027-01-22"), cals)
    assert (autumn_only.period, autumn_only.short, autumn_only.required - autumn_only.days) == \
        ("2026-2027", True, 103)
    # 挂职 for that same autumn term covers its term.
    cadre = calendar.secondment_cover("挂职", D("2026-09-01"), D("2027-01-22"), cals)
    assert (cadre.period, cadre.short) == ("2026-2027-1", False)
    # Other kinds have no minimum.
    assert calendar.secondment_cover("互访", D("2026-09-01"), D("2027-01-22"), cals) is None


def test_the_school_year_a_record_is_filed_under():
    from store.rules.calendar import year_filters, year_of_value
    assert [year_of_value("visit", d) for d in ("2025-08-31", "2025-09-01", "2026-08-31", "2026-09-01")] == [
        "2024-2025", "2025-2026", "2025-2026", "2026-2027"]
    assert year_of_value("visit", "2026-02-30") is None and year_of_value("visit", "2026-9-1") is None
    assert year_of_value("aid", "2025-2026-2") == "2025-2026" and year_of_value("aid", "2025-2027-1") is None
    assert year_of_value("recognition", "2025-2026") == "2025-2026" and year_of_value("recognition", 2025) is None
    assert year_filters("visit", "2025-2026") == {"date__gte": "2025-09-01", "date__lt": "2026-09-01"}
    assert year_filters("batch", "2025-2026") == {"term__in": ["2025-2026-1", "2025-2026-2"]}
    with pytest.raises(ValueError):
        year_filters("visit", "2025-2027")
    with pytest.raises(KeyError):
        year_filters("school", "2025-2026")
