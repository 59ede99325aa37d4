"""Twinning figures against counts done by hand: the school calendar, targets that say what
counts (kinds, a direction, units), per-month targets with open and future months, secondments
held against the school year or term they must cover, and the refusals of bad input."""
from __future__ import annotations

import datetime as dt

import pytest

from store import NEW, Change, InvalidRecord
from store.core.ids import new_id
from store.figures import dashboard as d

A_COUNTY = "某县"


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}


def _school(name: str) -> dict:
    return _rec("school", name=name, stage="小学", county=A_COUNTY, area="乡村")


def _term(term: str, first: str, last: str, months: list[str], holidays=(), counties=(A_COUNTY,)) -> dict:
    return _rec("calendar", term=term, first_day=first, last_day=last, months=months,
                holidays=[{"name": n, "start": x, "end": y} for n, x, y in holidays],
                **({"counties": list(counties)} if counties else {}))


# The county's calendars: autumn 2026 ends on 01-15, so its months in session are September to
# December (January is not one).
CAL_2026 = [
    _term("2026-2027-1", "2026-09-01", "2027-01-15", ["2026-09", "2026-10", "2026-11", "2026-12"],
          [("国庆节", "2026-10-01", "2026-10-07")]),
    _term("2026-2027-2", "2027-03-01", "2027-07-09", ["2027-03", "2027-04", "2027-05", "2027-06"])]
CAL_2025 = [
    _term("2025-2026-1", "2025-09-01", "2026-01-23", ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01"]),
    _term("2025-2026-2", "2026-03-02", "2026-07-10", ["2026-03", "2026-04", "2026-05", "2026-06"])]


@pytest.fixture
def pair(ledger):
    """A supports B from 2026-03-16 (the middle of the spring term) to 2027-01-31."""
    a, b = _school("城关小学"), _school("梓园小学")
    targets = [
        {"key": "monthly", "metric": "互访", "direction": "到受帮扶学校", "comparison": ">=", "value": 2,
         "unit": "次", "per": "月", "text": "每月至少两次有人到梓园小学"},
        {"key": "observe", "metric": "听课评课", "kinds": ["听课评课", "集体备课", "示范课", "公开课"],
         "comparison": ">=", "value": 3, "unit": "次", "per": "学期", "text": "每学期三次观摩（听课、说课、评课、备课）"},
        {"key": "hours", "metric": "送教下乡", "comparison": ">=", "value": 6, "unit": "课时", "per": "学期"},
    ]
    plan = _rec("plan", title="城关小学帮扶梓园小学", status="执行中", period={"start": "2026-03-16", "end": "2027-01-31"},
                parties=[{"school": a["id"], "role": "帮扶"}, {"school": b["id"], "role": "受帮扶"}], targets=targets)
    records = [a, b, plan, *CAL_2025, *CAL_2026]
    v = {}

    def visit(key, day, kind, host, came, **extra):
        v[key] = _rec("visit", plan=plan["id"], date=day, kind=kind, host_school=host["id"],
                      visiting_school=came["id"], **extra)
        records.append(v[key])

    visit("mar_first", "2026-03-16", "送教下乡", b, a, hours=4)      # the plan's first day
    visit("mar_last", "2026-03-31", "专题讲座", b, a)                 # the last day of March
    visit("apr_first", "2026-04-01", "互访", b, a)
    visit("apr_back", "2026-04-15", "联席会议", a, b)                 # B at A: the other direction
    visit("apr_observe", "2026-04-20", "听课评课", b, a)
    visit("may", "2026-05-20", "集体备课", b, a)
    visit("may_last", "2026-05-31", "示范课", b, a)
    visit("may_lecture", "2026-05-25", "专题讲座", a, b)               # B at A again: not counted
    visit("jun", "2026-06-10", "互访", b, a)
    visit("jul", "2026-07-05", "互访", b, a)                          # July: not in session
    visit("aug_last", "2026-08-31", "公开课", b, a)                   # the spring term's last day
    visit("sep_first", "2026-09-01", "送教下乡", b, a, hours=2)       # the autumn term's first day
    ledger.commit([Change(r["id"], r, NEW) for r in records], action="import", message="test data")
    return {"plan": plan["id"], "a": a["id"], "b": b["id"], **{k: r["id"] for k, r in v.items()}}


def _targets(ledger, term, today=None):
    [p] = d.plan_progress(ledger, term, today=today)
    return p, {t.key: t for t in p.targets}


def test_monthly_target_counts_any_visit_to_the_supported_school_in_months_in_session(ledger, pair):
    p, t = _targets(ledger, "2025-2026-2", today=dt.date(2026, 6, 15))
    monthly = t["monthly"]
    # March: 03-16 and 03-31 (2 ✓). April: only 04-01 and 04-20 go to B (2 ✓; 04-15 is B at A).
    # May: 05-20 and 05-31 (2 ✓). June so far: 06-10 (1: open). July is a holiday month.
    assert [(m.month, m.state, m.amount) for m in monthly.months] == [
        ("2026-03", "met", 2.0), ("2026-04", "met", 2.0), ("2026-05", "met", 2.0), ("2026-06", "open", 1.0)]
    assert (monthly.actual, monthly.goal, monthly.met, monthly.open) == (3.0, 3.0, True, True)
    assert pair["jul"] not in monthly.records and pair["apr_back"] not in monthly.records
    assert p.calendar == CAL_2025[1]["id"] and p.empty_months == ()
    # On 05-10 May is open with nothing yet (05-20 and 05-31 have not happened), June has not
    # come (blank, not failed).
    _p, t = _targets(ledger, "2025-2026-2", today=dt.date(2026, 5, 10))
    assert [(m.month, m.state) for m in t["monthly"].months] == [
        ("2026-03", "met"), ("2026-04", "met"), ("2026-05", "open"), ("2026-06", "future")]
    assert (t["monthly"].actual, t["monthly"].goal) == (2.0, 2.0)
    # The term looked back on: June's single visit falls short of two.
    _p, t = _targets(ledger, "2025-2026-2")
    assert (t["monthly"].actual, t["monthly"].goal, t["monthly"].met, t["monthly"].open) == (3.0, 4.0, False, False)


def test_calendar_months_decide_the_autumn_term(ledger, pair):
    # The 2026-27 calendar counts September to December (January is not a month in session).
    _p, t = _targets(ledger, "2026-2027-1")
    assert [m.month for m in t["monthly"].months] == ["2026-09", "2026-10", "2026-11", "2026-12"]
    # Only 09-01 (1 visit) was logged: every month falls short.
    assert (t["monthly"].actual, t["monthly"].goal) == (0.0, 4.0)


def test_a_target_over_several_kinds_and_the_first_and_last_days_of_a_window(ledger, pair):
    _p, t = _targets(ledger, "2025-2026-2", today=dt.date(2026, 9, 20))
    # 听课评课 04-20, 集体备课 05-20, 示范课 05-31, 公开课 08-31 (the term's last day) = 4; 专题讲座 do not count.
    assert (t["observe"].actual, t["observe"].met) == (4.0, True)
    assert set(t["observe"].records) == {pair["apr_observe"], pair["may"], pair["may_last"], pair["aug_last"]}
    # 4 hours on the plan's first day (03-16); the 2 hours of 09-01 belong to the autumn term.
    assert (t["hours"].actual, t["hours"].met, t["hours"].open) == (4.0, False, False)
    _p, autumn = _targets(ledger, "2026-2027-1", today=dt.date(2026, 9, 20))
    assert (autumn["hours"].actual, autumn["hours"].records) == (2.0, (pair["sep_first"],))
    # The autumn term has only begun: 2 of 6 hours is in progress, not failed.
    assert autumn["hours"].open and autumn["hours"].met is False


def test_report_prints_the_targets_own_text_and_open_months(ledger, pair):
    from store.io import report

    built = report.build(ledger, "2025-2026-2", today=dt.date(2026, 6, 15))
    rows = {r[0]: r for r in report.target_rows(built.plans[0])}
    row = rows["每学期三次观摩（听课、说课、评课、备课）（听课评课 ≥ 3 次/学期）"]
    # (08-31's 公开课 has not happened on 06-15)
    assert row[1:3] == ["3 次", "达标"]
    hours = rows["送教下乡 ≥ 6 课时/学期"]
    # The spring term runs to 08-31: not met yet, in progress.
    assert hours[1:] == ["4 课时", "进行中", "还差 2 课时"]


def _secondment_plan(ledger):
    a, b = _school("实验学校"), _school("平岗中学")
    targets = [{"key": "teach", "metric": "支教", "comparison": ">=", "value": 1, "unit": "人", "per": "学年"},
               {"key": "cadre", "metric": "挂职", "comparison": ">=", "value": 1, "unit": "人", "per": "学年"}]
    plan = _rec("plan", title="实验学校帮扶平岗中学", status="执行中", period={"start": "2025-08-25", "end": "2027-08-31"},
                parties=[{"school": a["id"], "role": "帮扶"}, {"school": b["id"], "role": "受帮扶"}], targets=targets)

    def second(kind, person, start, end):
        return _rec("visit", plan=plan["id"], date=start, kind=kind, host_school=b["id"], visiting_school=a["id"],
                    secondment={"person": person, "from_school": a["id"], "to_school": b["id"], "start": start,
                                "end": end})
    teach = second("支教", "王老师", "2026-08-28", "2027-07-15")     # a normal school year
    early = second("支教", "赵老师", "2025-08-28", "2026-07-15")     # the year before
    cadre = second("挂职", "李主任", "2026-09-01", "2026-11-07")      # 68 days
    records = [a, b, plan, *CAL_2026, teach, early, cadre]
    saved = ledger.commit([Change(r["id"], r, NEW) for r in records], action="import", message="test data")
    warnings = {s.id: s.warnings for s in saved}
    return plan, teach, early, cadre, warnings


def test_secondments_by_school_year(ledger):
    plan, teach, early, cadre, warnings = _secondment_plan(ledger)
    # 王老师 08-28 to 07-15 covers every school day of 2026-27: not short, no warning.
    assert warnings[teach["id"]] == [] and warnings[early["id"]] == []
    # School days are Monday to Friday less holidays: the autumn term (09-01 to 01-15) has 99
    # weekdays, less the 5 of 国庆节 (10-01 to 10-07) = 94; 李主任's 挂职 (09-01 to 11-07) covers
    # 49 weekdays less the same 5 = 44.
    [w] = warnings[cadre["id"]]
    assert (w.rule, w.params["days"], w.params["minimum"], w.params["period"]) == (
        "rule.secondment_short", 44, 94, "2026-2027-1")
    p, t = _targets(ledger, "2026-2027-1", today=dt.date(2026, 11, 25))
    # 支教 in 2026-27: 王老师 only (赵老师 ended in 2025-26; started 08-28, he is not 2026-27's either).
    assert (t["teach"].actual, t["teach"].records) == (1.0, (teach["id"],))
    # 挂职 ≥ 1人: the short one does not count, and is shown with its days.
    assert (t["cadre"].actual, t["cadre"].short) == (0.0, (cadre["id"],))
    [short] = p.short_secondments
    assert (short.person, short.days, short.minimum) == ("李主任", 44, 94)
    # 2025-26 (the default calendar: no record for that year here): 赵老师, who started on 08-28.
    _p, t = _targets(ledger, "2025-2026-1", today=dt.date(2026, 11, 25))
    assert (t["teach"].actual, t["teach"].records) == (1.0, (early["id"],))
    # The spring of 2026-27 still counts 王老师: he is there every term of the year.
    _p, t = _targets(ledger, "2026-2027-2", today=dt.date(2026, 11, 25))
    assert t["teach"].records == (teach["id"],)


def test_bad_input_is_refused_with_the_record_field_and_rule(ledger, pair):
    plan = ledger.get(pair["plan"])
    same = _rec("visit", plan=pair["plan"], date="2026-04-02", kind="互访", host_school=pair["b"],
                visiting_school=pair["b"])
    with pytest.raises(InvalidRecord) as err:
        ledger.put(same)
    [f] = err.value.findings
    assert (f.rule, f.path) == ("rule.visit_host_is_visitor", ("visiting_school",))
    # A target over an unknown kind, in an unknown unit, or counting activities in 套.
    for bad, rule in (({"kinds": ["说课"]}, "enum"), ({"unit": "斤"}, "enum"), ({"unit": "套"}, "rule.target_unit_not_counted")):
        target = {"key": "x", "metric": "互访", "comparison": ">=", "value": 1, "unit": "次", "per": "学期", **bad}
        with pytest.raises(InvalidRecord) as err:
            ledger.put({**plan, "targets": [target]}, base=ledger.version(pair["plan"]))
        assert rule in err.value.findings[0].rule, err.value.findings
    # A term whose days overlap the county's next term; months in session outside the term.
    overlapping = _term("2027-2028-1", "2027-09-01", "2028-03-05", ["2027-09"])
    ledger.put(_term("2027-2028-2", "2028-03-01", "2028-07-10", ["2028-03"]))
    with pytest.raises(InvalidRecord) as err:
        ledger.put(overlapping)
    assert [f.rule for f in err.value.findings] == ["rule.calendar_terms_overlap"]
    with pytest.raises(InvalidRecord) as err:
        ledger.put(_term("2027-2028-1", "2027-09-01", "2028-01-20", ["2027-08", "2027-09"]))
    assert [(f.rule, f.path) for f in err.value.findings] == [("rule.calendar_month_outside", ("months", 0))]


def test_aid_without_a_standard_is_not_a_deviation(ledger, pair):
    from store.io import report

    student = _rec("student", name="马小梅", sex="女", school=pair["b"], stage="小学", grade="五年级",
                   events=[{"date": "2026-03-01", "event": "认定"}])
    aid = _rec("aid", student=student["id"], programme="社会捐助", term="2025-2026-2", amount_fen=50000,
               paid_on="2026-04-01", source="社会捐助", method="银行卡")
    ledger.commit([Change(r["id"], r, NEW) for r in (student, aid)], message="aid")
    built = report.build(ledger, "2025-2026-2", today=dt.date(2026, 6, 15))
    [row] = report.money_rows(built.aid.by_programme)
    assert row == ["社会捐助", 1, 1, 50000, None, None]
    assert "+500" not in report.markdown(built)


def test_demo_plan_of_shahe_reads_right(demo):
    plan = "plan-01M7W31C53M4SATYD221NEFQXR"
    [p] = [x for x in d.plan_progress(demo, "2006-2007-2") if x.plan == plan]
    t = {x.key: x for x in p.targets}
    # Spring 2007 by 赣榆's calendar: March to June in session; 沙河二小 went to 石桥二小 on
    # 03-02 and 03-22, 04-12 and 04-19, 05-10 and 05-24, 06-01 and 06-28.
    assert [(m.month, m.state) for m in t["monthly-visit"].months] == [
        ("2007-03", "met"), ("2007-04", "met"), ("2007-05", "met"), ("2007-06", "met")]
    assert (t["monthly-visit"].actual, t["monthly-visit"].goal, t["monthly-visit"].met) == (4.0, 4.0, True)
    # 观摩 (听课评课, 集体备课, 示范课, 公开课): 听课评课 on 04-12 and 05-31.
    assert (t["observation"].actual, t["observation"].met) == (2.0, False)
    # The autumn: September to January, each with a visit to 石桥二小.
    [autumn] = [x for x in d.plan_progress(demo, "2006-2007-1") if x.plan == plan]
    monthly = {x.key: x for x in autumn.targets}["monthly-visit"]
    assert (monthly.actual, monthly.goal) == (4.0, 5.0)


def test_demo_plan_of_chengguan_counts_every_trip_to_sanyuan(demo):
    plan = "plan-01M7W31VM1FJZDRC7FT671M3VH"
    [p] = [x for x in d.plan_progress(demo, "2026-2027-1", today=dt.date(2026, 12, 5)) if x.plan == plan]
    monthly = {x.key: x for x in p.targets}["monthly-visit"]
    # 每月有专人到三元中学: any trip of 城关中学 to 三元中学. September: 联席会议 09-04, 互访 09-11,
    # 师徒结对 09-18, 送教下乡 09-24; October: none; November: 专题讲座 11-05, 送教下乡 11-12,
    # 联席会议 11-19 (only the 互访 of 09-11 counted when the target read 互访 alone: 1/3).
    # 韦志刚's 支教 (2026-08-28 to 2027-08-31) is one trip, on 08-28, before the term: the year
    # he stays meets no month of its own (it met all four when it counted in every month).
    # December is under way with nothing yet; January has not come.
    assert [(m.month, m.state, m.amount) for m in monthly.months] == [
        ("2026-09", "met", 4.0), ("2026-10", "missed", 0.0), ("2026-11", "met", 3.0),
        ("2026-12", "open", 0.0), ("2027-01", "future", 0.0)]
    assert (monthly.actual, monthly.goal, monthly.met, monthly.open) == (2.0, 3.0, False, False)
    assert "visit-01M7W3CFWN39129ABKZ57X74SK" not in monthly.records          # the 支教
    from store.io import report

    built = report.build(demo, "2026-2027-1", today=dt.date(2026, 12, 5))
    [mine] = [x for x in built.plans if x.plan["id"] == plan]
    row = next(r for r in report.target_rows(mine) if r[0].startswith("每月有专人到三元中学"))
    assert row[0] == "每月有专人到三元中学（到受帮扶学校 ≥ 1 次/月）"
    assert row[1:] == ["2/3 个月达到", "未达标", "未达到的月份：10月"]

    # The spring term has not begun: no month to judge yet, not "0/0 个月达到".
    spring = report.build(demo, "2026-2027-2", today=dt.date(2026, 12, 5))
    [mine] = [x for x in spring.plans if x.plan["id"] == plan]
    row = next(r for r in report.target_rows(mine) if r[0].startswith("每月有专人到三元中学"))
    assert row[1:3] == ["尚无可评的在校月份", "—"]
