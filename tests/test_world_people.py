"""People sent, counted as a 职称 review or a county report counts them: a teacher's days at rural or
supported schools across plans (by the name on the teacher's record, whatever was typed), where a
secondment went when it names no school of its own, and the batch a secondment without one falls in."""
from __future__ import annotations

import datetime as dt

from store.twinning import people

PLAN = {"id": "plan-1", "parties": [{"school": "school-town", "role": "帮扶"},
                                    {"school": "school-river", "role": "受帮扶"}]}
SCHOOLS = {"school-town": {"id": "school-town", "area": "城区", "county": "某县"},
           "school-river": {"id": "school-river", "area": "镇区", "county": "某县"},
           "school-hill": {"id": "school-hill", "area": "乡村", "county": "某县"},
           "school-city": {"id": "school-city", "area": "城区", "county": "某县"}}
TEACHERS = {"teacher-zheng": {"id": "teacher-zheng", "name": "郑国庆", "school": "school-town", "title": "一级教师"}}


def _days(first: dt.date, last: dt.date, _county) -> int:
    return (last - first).days + 1          # every day a school day: the sums stay countable by hand


def _sent(vid: str, start: str, end: str, *, to: str | None = None, host: str = "school-river", plan="plan-1",
          **who) -> dict:
    s = {"start": start, "end": end, **({"to_school": to} if to else {}), **who}
    return {"id": vid, "type": "visit", "kind": "挂职", "plan": plan, "date": start, "host_school": host,
            "visiting_school": "school-town", "secondment": s}


def _service(visits):
    return people.service(visits, {"plan-1": PLAN}, SCHOOLS, TEACHERS, _days, [])


def test_a_teachers_days_at_rural_or_supported_schools_add_up_across_secondments():
    visits = [
        {"id": "visit-0", "type": "visit", "kind": "送教下乡", "plan": "plan-1", "date": "2025-09-10",
         "host_school": "school-river", "visiting_school": "school-town"},          # no secondment: not counted
        # typed as 郑老师, the teacher's record says 郑国庆; no to_school: the host is where he went
        _sent("visit-1", "2025-09-01", "2025-09-30", person="郑老师", teacher="teacher-zheng"),
        # another plan's school, not a party of plan-1 but rural: counts
        _sent("visit-2", "2025-10-01", "2025-10-10", to="school-hill", host="school-hill", plan="plan-2",
              person="郑老师", teacher="teacher-zheng"),
        # a city school of no plan: not counted
        _sent("visit-3", "2025-11-01", "2025-11-30", to="school-city", host="school-city", person="郑老师",
              teacher="teacher-zheng"),
        # back at the supported school of plan-1 after it: counts, and plan-1 is named once
        _sent("visit-4", "2025-12-01", "2025-12-10", person="郑老师", teacher="teacher-zheng"),
    ]
    [zheng] = _service(visits)
    assert (zheng.person, zheng.name, zheng.school, zheng.title) == ("teacher-zheng", "郑国庆", "school-town", "一级教师")
    assert zheng.secondments == ("visit-1", "visit-2", "visit-4")
    assert (zheng.days, zheng.school_days) == (30 + 10 + 10, 30 + 10 + 10)
    assert zheng.plans == ("plan-1", "plan-2")


def test_a_whole_school_year_of_支教_by_the_calendar_of_the_county_served():
    # 某县's 2025-2026: autumn 09-01..01-16, spring 03-02..07-03 (the default spring ends 07-10).
    calendars = [{"id": "calendar-1", "type": "calendar", "term": "2025-2026-1", "counties": ["某县"],
                  "first_day": "2025-09-01", "last_day": "2026-01-16"},
                 {"id": "calendar-2", "type": "calendar", "term": "2025-2026-2", "counties": ["某县"],
                  "first_day": "2026-03-02", "last_day": "2026-07-03"}]
    year = {**_sent("visit-1", "2025-09-01", "2026-07-03", person="李老师"), "kind": "支教"}
    [li] = people.service([year], {"plan-1": PLAN}, SCHOOLS, TEACHERS, _days, calendars)
    assert li.years == ("2025-2026",)


def test_a_secondment_sent_to_a_school_of_no_plan_that_is_not_rural_is_not_service():
    assert _service([_sent("visit-3", "2025-11-01", "2025-11-30", to="school-city", host="school-city",
                           person="李老师")]) == []


def test_a_secondment_with_no_batch_falls_in_the_school_year_it_starts_in():
    visit = _sent("visit-1", "2026-03-02", "2026-06-30", person="李老师")
    assert people.batch_of(visit) == "2025-2026"
    [batch] = people.batches([visit, _sent("visit-2", "2026-09-01", "2026-12-31", person="王老师",
                                           batch="第一批")])[:1]
    assert (batch.batch, batch.people, batch.times) == ("2025-2026", 1, 1)
