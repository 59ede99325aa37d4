"""Plan targets against counts done by hand: values above one, per month and per term, with
activities on the first and last day of each window (and the day either side of it).

The term 2026-2027-1 runs 2026-09-01 to 2027-01-31. The plan runs 2026-08-25 to 2027-08-31, so
31 August and 1 February are inside the plan but outside the term."""
from __future__ import annotations

import datetime as dt

import pytest

from store import NEW, Change
from store.core.ids import new_id
from store.figures import dashboard as d

TERM = "2026-2027-1"


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 1, **fields}


TARGETS = [
    # 互访 at least twice a month
    {"key": "visits", "metric": "互访", "comparison": ">=", "value": 2, "unit": "次", "per": "月"},
    # 送教下乡 at least 4 teaching hours a month
    {"key": "hours", "metric": "送教下乡", "comparison": ">=", "value": 4, "unit": "课时", "per": "月"},
    # 专题讲座 at least 3 a term
    {"key": "lectures", "metric": "专题讲座", "comparison": ">=", "value": 3, "unit": "次", "per": "学期"},
    # 联席会议 exactly 2 a term, and (a plan asking the impossible) exactly 1
    {"key": "meet2", "metric": "联席会议", "comparison": "=", "value": 2, "unit": "次", "per": "学期"},
    {"key": "meet1", "metric": "联席会议", "comparison": "=", "value": 1, "unit": "次", "per": "学期"},
    # 听课评课 at most 2 sessions a term
    {"key": "observe", "metric": "听课评课", "comparison": "<=", "value": 2, "unit": "场", "per": "学期"},
    # 家访 at least 3 person-times a month
    {"key": "homes", "metric": "家访", "comparison": ">=", "value": 3, "unit": "人次", "per": "月"},
]

# (key, date, kind, extra)
VISITS = [
    ("v_aug31", "2026-08-31", "互访", {}),             # the day before the term
    ("v_sep01", "2026-09-01", "互访", {}),             # first day of the term and of September
    ("v_sep30", "2026-09-30", "互访", {}),             # last day of September      -> September: 2, met
    ("v_oct01", "2026-10-01", "互访", {}),             #                               October: 1, not met
    ("v_nov02", "2026-11-02", "互访", {}),
    ("v_nov03", "2026-11-03", "互访", {}),
    ("v_nov30", "2026-11-30", "互访", {}),             #                               November: 3, met
    ("v_jan01", "2027-01-01", "互访", {}),
    ("v_jan31", "2027-01-31", "互访", {}),             # last day of the term        -> January: 2, met
    ("v_feb01", "2027-02-01", "互访", {}),             # the day after the term
    ("h_sep01", "2026-09-01", "送教下乡", {"hours": 2}),
    ("h_sep30", "2026-09-30", "送教下乡", {"hours": 2}),  # September 4 hours, met
    ("h_oct15", "2026-10-15", "送教下乡", {"hours": 3}),  # October 3, not met
    ("h_nov01", "2026-11-01", "送教下乡", {"hours": 5}),  # November 5, met
    ("h_jan31", "2027-01-31", "送教下乡", {"hours": 4}),  # January 4, met (December: none)
    ("h_aug31", "2026-08-31", "送教下乡", {"hours": 9}),  # before the term
    ("l_aug31", "2026-08-31", "专题讲座", {}),
    ("l_sep01", "2026-09-01", "专题讲座", {}),
    ("l_oct10", "2026-10-10", "专题讲座", {}),
    ("l_jan31", "2027-01-31", "专题讲座", {}),           # 3 in the term
    ("l_feb01", "2027-02-01", "专题讲座", {}),
    ("m_sep01", "2026-09-01", "联席会议", {}),
    ("m_jan31", "2027-01-31", "联席会议", {}),           # 2 in the term
    ("m_feb01", "2027-02-01", "联席会议", {}),
    ("o_oct08", "2026-10-08", "听课评课", {"sessions": 3}),  # 3 sessions: over the limit of 2
    ("f_sep01", "2026-09-01", "家访", {"person_times": 2}),
    ("f_sep30", "2026-09-30", "家访", {"participants": [{"name": "王老师"}]}),  # September 3 person-times
    ("f_oct31", "2026-10-31", "家访", {"person_times": 2}),                     # October 2
]


@pytest.fixture
def world(ledger):
    a = _rec("school", name="城关中学", stage="初中", county="某县", area="城区")
    b = _rec("school", name="三元中学", stage="初中", county="某县", area="乡村")
    parties = [{"school": a["id"], "role": "帮扶"}, {"school": b["id"], "role": "受帮扶"}]
    plan = _rec("plan", title="城关中学帮扶三元中学", status="执行中", parties=parties,
                period={"start": "2026-08-25", "end": "2027-08-31"}, targets=TARGETS)
    # A plan that starts and ends inside the term: its window is its own period.
    short = _rec("plan", title="短期计划", status="执行中", parties=parties,
                 period={"start": "2026-10-15", "end": "2026-12-20"},
                 targets=[{"key": "lectures", "metric": "专题讲座", "comparison": ">=", "value": 2, "unit": "次",
                           "per": "学期"},
                          {"key": "visits", "metric": "互访", "comparison": ">=", "value": 1, "unit": "次",
                           "per": "月"}])
    records = [a, b, plan, short]
    ids = {}
    for key, day, kind, extra in VISITS:
        v = _rec("visit", plan=plan["id"], date=day, kind=kind, host_school=b["id"], visiting_school=a["id"], **extra)
        records.append(v)
        ids[key] = v["id"]
    # Made in this order, so their ids run against their dates.
    for key, day, kind in (("s_visit", "2026-12-20", "互访"), ("s_dec20", "2026-12-20", "专题讲座"),
                           ("s_oct15", "2026-10-15", "专题讲座")):
        v = _rec("visit", plan=short["id"], date=day, kind=kind, host_school=b["id"], visiting_school=a["id"])
        records.append(v)
        ids[key] = v["id"]
    # A plan counting people and sessions.
    units = _rec("plan", title="培训与挂职", status="执行中", parties=parties,
                 period={"start": "2026-09-01", "end": "2027-08-31"},
                 targets=[{"key": "trained", "metric": "培训", "comparison": ">=", "value": 3, "unit": "人",
                           "per": "学期", "text": "每学期培训教师不少于3人"},
                          {"key": "cadres", "metric": "挂职", "comparison": ">=", "value": 2, "unit": "人", "per": "学年"},
                          {"key": "observe", "metric": "听课评课", "comparison": "<=", "value": 2, "unit": "场",
                           "per": "学期"}])
    records.append(units)
    for day, kind, extra in (
            ("2026-10-09", "培训", {"participants": [{"name": "王老师"}, {"name": "李老师"}]}),
            ("2026-11-09", "培训", {"participants": [{"name": "王老师"}, {"name": "张老师"}]}),   # 3 people
            ("2026-09-01", "挂职", {"secondment": {"person": "赵老师", "from_school": a["id"], "to_school": b["id"],
                                                   "start": "2026-09-01", "end": "2027-01-31"}}),
            ("2026-09-02", "挂职", {"secondment": {"person": "孙老师", "from_school": a["id"], "to_school": b["id"],
                                                   "start": "2026-09-02", "end": "2027-01-31"}}),  # 2 people
            ("2026-10-12", "听课评课", {}),                 # no sessions written: one each
            ("2026-12-01", "听课评课", {})):                # 2 sessions: not more than 2
        records.append(_rec("visit", plan=units["id"], date=day, kind=kind, host_school=b["id"],
                            visiting_school=a["id"], **extra))
    ledger.commit([Change(r["id"], r, NEW) for r in records], action="import", message="test data")
    ids.update(plan=plan["id"], short=short["id"], units=units["id"])
    return ids


def _targets(ledger, plan_id, today=None):
    [p] = [p for p in d.plan_progress(ledger, TERM, today=today) if p.plan == plan_id]
    return p, {t.key: t for t in p.targets}


def test_monthly_targets_above_one_over_a_whole_term(ledger, world):
    p, t = _targets(ledger, world["plan"])
    # 互访 >= 2 a month: September 2, October 1, November 3, December 0, January 2.
    assert (t["visits"].actual, t["visits"].goal, t["visits"].met) == (3.0, 5.0, False)
    assert set(t["visits"].records) == {world[k] for k in ("v_sep01", "v_sep30", "v_oct01", "v_nov02", "v_nov03",
                                                           "v_nov30", "v_jan01", "v_jan31")}
    # 送教下乡 >= 4 hours a month: 4, 3, 5, 0, 4.
    assert (t["hours"].actual, t["hours"].goal, t["hours"].met) == (3.0, 5.0, False)
    # 家访 >= 3 person-times a month: September 2 + 1 named participant, October 2, then none.
    assert (t["homes"].actual, t["homes"].goal, t["homes"].met) == (1.0, 5.0, False)
    assert t["visits"].ratio == pytest.approx(0.6)
    assert p.empty_months == ("2026-12",)


def test_monthly_targets_count_only_the_months_begun_by_today(ledger, world):
    _p, t = _targets(ledger, world["plan"], today=dt.date(2026, 11, 25))
    assert (t["visits"].actual, t["visits"].goal) == (2.0, 3.0)       # September and November of three
    assert (t["hours"].actual, t["hours"].goal) == (2.0, 3.0)
    # On the first of October: September (2 visits) is met; October so far has 1 of 2, it is
    # under way (open), not missed.
    _p, t = _targets(ledger, world["plan"], today=dt.date(2026, 10, 1))
    assert (t["visits"].actual, t["visits"].goal, t["visits"].met) == (1.0, 1.0, True)
    assert [m.state for m in t["visits"].months] == ["met", "open", "future", "future", "future"]
    # On the last day of the term every month has begun.
    _p, t = _targets(ledger, world["plan"], today=dt.date(2027, 1, 31))
    assert (t["visits"].actual, t["visits"].goal, t["visits"].met) == (3.0, 5.0, False)


def test_per_term_targets_count_the_first_and_last_day_and_not_the_days_beside(ledger, world):
    _p, t = _targets(ledger, world["plan"])
    assert (t["lectures"].actual, t["lectures"].goal, t["lectures"].met) == (3.0, 3.0, True)
    assert set(t["lectures"].records) == {world["l_sep01"], world["l_oct10"], world["l_jan31"]}
    assert t["lectures"].ratio == 1.0
    # Exactly two meetings: '= 2' is met, '= 1' is not (two is more than one).
    assert (t["meet2"].actual, t["meet2"].met) == (2.0, True)
    assert (t["meet1"].actual, t["meet1"].met) == (2.0, False)
    # At most two sessions of 听课评课: one activity of three sessions is over.
    assert (t["observe"].actual, t["observe"].met, t["observe"].ratio) == (3.0, False, 0.0)


def test_a_plan_inside_the_term_counts_its_own_first_and_last_day(ledger, world):
    p, t = _targets(ledger, world["short"])
    assert (p.start, p.end) == (dt.date(2026, 10, 15), dt.date(2026, 12, 20))
    assert (t["lectures"].actual, t["lectures"].met) == (2.0, True)
    # Months of its window: October, November, December; a visit in December only.
    assert (t["visits"].actual, t["visits"].goal, t["visits"].met) == (1.0, 3.0, False)
    assert p.empty_months == ("2026-11",)
    assert p.visits == (world["s_oct15"], world["s_visit"], world["s_dec20"])     # by date, then as made
    assert (p.title, p.status, p.in_term) == ("短期计划", "执行中", True)


def test_the_next_term_starts_on_the_first_of_february(ledger, world):
    [p] = [p for p in d.plan_progress(ledger, "2026-2027-2") if p.plan == world["plan"]]
    t = {t.key: t for t in p.targets}
    assert t["lectures"].records == (world["l_feb01"],) and t["lectures"].actual == 1.0
    assert (t["meet2"].actual, t["meet1"].met) == (1.0, True)
    # The default calendar has March to June in session (February, July and August are holiday
    # months: February's visit counts in no month); March to June had none.
    assert (t["visits"].actual, t["visits"].goal) == (0.0, 4.0)


def test_people_are_counted_once_and_sessions_default_to_one(ledger, world):
    _p, t = _targets(ledger, world["units"])
    trained = t["trained"]
    assert (trained.key, trained.metric, trained.comparison, trained.value, trained.unit, trained.per, trained.text) == (
        "trained", "培训", ">=", 3.0, "人", "学期", "每学期培训教师不少于3人")
    assert (trained.actual, trained.met) == (3.0, True)              # 王, 李, 张
    # 挂职 counts a secondment that covers its term: 赵 serves 1 September to 31 January (the whole
    # term); 孙 starts on 2 September and misses the term's first school day (a Tuesday), so she is
    # shown short and the target (two people) is not met.
    assert (t["cadres"].actual, t["cadres"].met, t["cadres"].text) == (1.0, False, "")
    assert len(t["cadres"].short) == 1
    assert (t["observe"].actual, t["observe"].met, t["observe"].ratio) == (2.0, True, 1.0)


def test_on_the_first_day_of_the_term_its_first_month_is_open(ledger, world):
    # On 1 September one visit of the two September asks for is logged: the month is under way
    # (open), neither met nor missed, and no month is due yet.
    _p, t = _targets(ledger, world["plan"], today=dt.date(2026, 9, 1))
    assert (t["visits"].goal, t["visits"].met) == (0.0, None)
    assert [m.state for m in t["visits"].months] == ["open", "future", "future", "future", "future"]
    _p, t = _targets(ledger, world["plan"], today=dt.date(2026, 8, 31))     # before the term: none yet
    assert (t["visits"].goal, t["visits"].met) == (0.0, None)
