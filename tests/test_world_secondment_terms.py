"""A secondment counts for a term only where it has school days of that term, by the calendar of
the county it serves in (not the default calendar): written out by hand on one county whose spring
term starts a week later than the default one."""
from __future__ import annotations

import datetime as dt

from store import NEW, Change
from store.core.ids import new_id
from store.figures import dashboard as d

COUNTY = "某县"


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}


def _county(ledger) -> dict:
    a = _rec("school", name="城关小学", stage="小学", county=COUNTY, area="城区")
    b = _rec("school", name="河口小学", stage="小学", county=COUNTY, area="乡村")
    # 某县's calendar: autumn 2025-09-01 (Mon) .. 2026-01-16 (Fri), spring from Monday 9 March
    # (the default calendar's spring starts on 1 March).
    autumn = _rec("calendar", term="2025-2026-1", first_day="2025-09-01", last_day="2026-01-16",
                  months=["2025-09", "2025-10", "2025-11", "2025-12", "2026-01"], counties=[COUNTY])
    spring = _rec("calendar", term="2025-2026-2", first_day="2026-03-09", last_day="2026-07-10",
                  months=["2026-03", "2026-04", "2026-05", "2026-06"], counties=[COUNTY])
    parties = [{"school": a["id"], "role": "帮扶"}, {"school": b["id"], "role": "受帮扶"}]

    def plan(title):
        return _rec("plan", title=title, status="执行中", parties=parties,
                    period={"start": "2025-09-01", "end": "2026-08-31"},
                    targets=[{"key": "cadres", "metric": "挂职", "comparison": ">=", "value": 1, "unit": "人",
                              "per": "学期", "text": "每学期挂职不少于1人"}])

    first, second = plan("城关帮河口（一）"), plan("城关帮河口（二）")
    # 赵老师 serves the whole autumn term and on to Friday 6 March: by 某县's calendar none of
    # those March days is a school day, so the spring term has no 挂职 (by the default calendar
    # it would have five school days, 2–6 March, and count).
    zhao = _rec("visit", plan=first["id"], date="2025-09-01", kind="挂职", host_school=b["id"],
                visiting_school=a["id"],
                secondment={"person": "赵老师", "from_school": a["id"], "to_school": b["id"],
                            "start": "2025-09-01", "end": "2026-03-06"})
    records = [a, b, autumn, spring, first, second, zhao]
    ledger.commit([Change(r["id"], r, NEW) for r in records], action="import", message="test data")
    return {"first": first["id"], "second": second["id"], "zhao": zhao["id"]}


def _cadres(ledger, term, plan, today):
    [p] = [p for p in d.plan_progress(ledger, term, today=today) if p.plan == plan]
    [t] = p.targets
    return t.actual, t.met, t.records


def test_a_secondment_counts_in_the_terms_where_it_has_school_days_of_its_county(ledger):
    w = _county(ledger)
    assert _cadres(ledger, "2025-2026-1", w["first"], dt.date(2026, 1, 20)) == (1.0, True, (w["zhao"],))
    assert _cadres(ledger, "2025-2026-2", w["first"], dt.date(2026, 7, 20)) == (0.0, False, ())


def test_the_figures_of_some_plans_only(ledger):
    w = _county(ledger)
    shown = d.plan_progress(ledger, "2025-2026-1", today=dt.date(2026, 1, 20), only={w["second"]})
    assert [(p.plan, p.title) for p in shown] == [(w["second"], "城关帮河口（二）")]
    assert [t.actual for t in shown[0].targets] == [0.0]
    assert {p.plan for p in d.plan_progress(ledger, "2025-2026-1", today=dt.date(2026, 1, 20))} == {
        w["first"], w["second"]}


def test_a_secondment_is_held_against_the_calendar_of_the_school_it_goes_to(ledger):
    """钱老师 of 邻县's 新城小学 serves 2025-09-01 to 2026-01-09 at 河口小学 (某县). The visit is logged
    by 新城小学 (its host), after a 送教下乡 the same day: by 邻县's calendar (autumn to 9 January)
    the term is covered, by 某县's, where 河口小学 is, it is not."""
    w = _county(ledger)
    b = ledger.get(ledger.get(w["zhao"])["host_school"])
    a2 = _rec("school", name="新城小学", stage="小学", county="邻县", area="城区")
    neighbour = _rec("calendar", term="2025-2026-1", first_day="2025-09-01", last_day="2026-01-09",
                     months=["2025-09", "2025-10", "2025-11", "2025-12", "2026-01"], counties=["邻县"])
    plan = _rec("plan", title="新城帮河口", status="执行中",
                parties=[{"school": a2["id"], "role": "帮扶"}, {"school": b["id"], "role": "受帮扶"}],
                period={"start": "2025-09-01", "end": "2026-08-31"},
                targets=[{"key": "cadres", "metric": "挂职", "comparison": ">=", "value": 1, "unit": "人",
                          "per": "学期", "text": "每学期挂职不少于1人"}])
    before = _rec("visit", plan=plan["id"], date="2025-09-01", kind="送教下乡", host_school=b["id"],
                  visiting_school=a2["id"])
    qian = _rec("visit", plan=plan["id"], date="2025-09-01", kind="挂职", host_school=a2["id"],
                secondment={"person": "钱老师", "from_school": a2["id"], "to_school": b["id"],
                            "start": "2025-09-01", "end": "2026-01-09"})
    # 某县's autumn, Monday 1 September to Friday 16 January, is 20 weeks: 100 school days; 钱老师
    # leaves a week early, Friday 9 January: 19 weeks, 95 days.
    one_day = _rec("visit", plan=plan["id"], date="2025-10-15", kind="挂职", host_school=b["id"],
                   visiting_school=a2["id"],
                   secondment={"person": "孙老师", "from_school": a2["id"], "to_school": b["id"],
                               "start": "2025-10-15", "end": "2025-10-15"})   # a Wednesday: 1 school day
    ledger.commit([Change(r["id"], r, NEW) for r in (a2, neighbour, plan, before, qian, one_day)], action="import",
                  message="test data")
    today = dt.date(2026, 1, 20)
    assert _cadres(ledger, "2025-2026-1", plan["id"], today) == (0.0, False, ())
    [p] = [p for p in d.plan_progress(ledger, "2025-2026-1", today=today) if p.plan == plan["id"]]
    assert [(s.person, s.days, s.minimum, s.period) for s in p.short_secondments] == [
        ("钱老师", 95, 100, "2025-2026-1"), ("孙老师", 1, 100, "2025-2026-1")]
    from store.io import report
    [autumn] = [s for s in report.build(ledger, "2025-2026-1", plan=plan["id"], today=today).plans]
    assert [(s.person, s.days, s.minimum) for s in autumn.secondments] == [("钱老师", 95, 100), ("孙老师", 1, 100)]
    # Neither has a school day in the spring: the spring report lists no secondment.
    [spring] = report.build(ledger, "2025-2026-2", plan=plan["id"], today=dt.date(2026, 7, 20)).plans
    assert spring.secondments == []
