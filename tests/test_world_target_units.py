"""Targets counted in days, weeks, people and 人次, and targets that count by direction, against
counts done by hand.

The term 2026-2027-1 runs 2026-09-01 to 2027-01-31 (the default calendar has its school days
from 09-01 to 01-20, the spring term's from 03-01 to 07-10). 城关中学 helps 三元中学."""
from __future__ import annotations

import pytest

from store import NEW, Change
from store.core.ids import new_id
from store.figures import dashboard as d

TERM = "2026-2027-1"


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}


@pytest.fixture
def world(ledger):
    a = _rec("school", name="城关中学", stage="初中", county="某县", area="城区")
    b = _rec("school", name="三元中学", stage="初中", county="某县", area="乡村")
    wang = _rec("teacher", name="王芳", school=a["id"], subject="语文")
    targets = [
        # 送教下乡 at least 5 days a term, and at least one week a term
        {"key": "days", "metric": "送教下乡", "comparison": ">=", "value": 5, "unit": "天", "per": "学期"},
        {"key": "weeks", "metric": "送教下乡", "comparison": ">=", "value": 1, "unit": "周", "per": "学期"},
        # 三元's teachers at 城关 (any kind) at least twice a term
        {"key": "back", "metric": "跟班学习", "direction": "到帮扶学校", "comparison": ">=", "value": 2, "unit": "次",
         "per": "学期"},
        # 城关's people at 三元 (any kind) at least 5 times a term
        {"key": "there", "metric": "互访", "direction": "到受帮扶学校", "comparison": ">=", "value": 5, "unit": "次",
         "per": "学期"},
        # 支教 at least 3 人次 a school year
        {"key": "sent", "metric": "支教", "comparison": ">=", "value": 3, "unit": "人次", "per": "学年"},
        # at least 3 teachers trained a term (people, each once)
        {"key": "trained", "metric": "培训", "comparison": ">=", "value": 3, "unit": "人", "per": "学期"},
    ]
    parties = [{"school": a["id"], "role": "帮扶"}, {"school": b["id"], "role": "受帮扶"}]
    plan = _rec("plan", title="城关中学帮扶三元中学", status="执行中", parties=parties,
                period={"start": "2026-09-01", "end": "2027-08-31"}, targets=targets)
    A, B = a["id"], b["id"]

    def visit(key, day, kind, host, came=None, **extra):
        fields = {"visiting_school": came} if came else {}
        return key, _rec("visit", plan=plan["id"], date=day, kind=kind, host_school=host, **fields, **extra)

    made = [
        # 送教下乡 from 城关 at 三元: 3 days (12–14 October), 1 day (5 November), and 30 January to
        # 2 February, of which 30 and 31 January are in the term: 3 + 1 + 2 = 6 days, 6/7 of a week.
        visit("oct", "2026-10-12", "送教下乡", B, A, end_date="2026-10-14"),
        visit("nov", "2026-11-05", "送教下乡", B, A),
        visit("jan", "2027-01-30", "送教下乡", B, A, end_date="2027-02-02"),
        # at 城关: 三元 comes twice (two kinds); a lecture at 城关 with no visitor is nobody coming
        visit("back1", "2026-10-20", "跟班学习", A, B),
        visit("back2", "2026-12-03", "联席会议", A, B),
        visit("home", "2026-12-04", "专题讲座", A),
        # a mentor of 城关 teaching at 三元 (no visiting school written: the mentor's school came)
        visit("mentor", "2026-11-16", "师徒结对", B,
              mentorship={"mentor": "王芳", "mentor_school": A, "mentee": "李娜", "mentee_school": B}),
        # three teachers sent for the school year in one record, logged on 10 September for a
        # secondment from the first school day; its person_times (1) is ignored: each person sent
        # is one 人次
        visit("batch", "2026-09-10", "支教", B, person_times=1,
              secondment={"people": [{"name": "甲老师"}, {"name": "乙老师"}, {"name": "丙老师"}],
                          "from_school": A, "to_school": B, "start": "2026-09-01", "end": "2027-07-10"}),
        # training: 王芳 (a teacher record) under two spellings of her name is one person, with 李娜
        # and 赵敏: three people
        visit("train1", "2026-10-09", "培训", B, A,
              participants=[{"name": "王芳", "teacher": wang["id"]}, {"name": "李娜"}]),
        visit("train2", "2026-11-09", "培训", B, A,
              participants=[{"name": "王 芳", "teacher": wang["id"]}, {"name": "赵敏"}]),
    ]
    ledger.commit([Change(r["id"], r, NEW) for r in (a, b, wang, plan)] + [Change(v["id"], v, NEW) for _k, v in made],
                  action="import", message="test data")
    return {"plan": plan["id"], **{k: v["id"] for k, v in made}}


def _targets(ledger, world):
    [p] = [p for p in d.plan_progress(ledger, TERM) if p.plan == world["plan"]]
    return {t.key: t for t in p.targets}


def test_days_and_weeks_count_the_days_of_each_activity_inside_the_term(ledger, world):
    t = _targets(ledger, world)
    assert (t["days"].actual, t["days"].met) == (6.0, True)
    assert t["days"].records == (world["oct"], world["nov"], world["jan"])
    assert t["days"].kinds == ("送教下乡",)
    assert t["weeks"].actual == pytest.approx(6 / 7)
    assert t["weeks"].met is False


def test_a_direction_counts_any_kind_between_the_right_schools_only(ledger, world):
    t = _targets(ledger, world)
    # 到帮扶学校: 三元 at 城关, twice (跟班学习, 联席会议); 城关's own lecture is no visit.
    assert (t["back"].actual, t["back"].met, t["back"].kinds) == (2.0, True, ())
    assert set(t["back"].records) == {world["back1"], world["back2"]}
    # 到受帮扶学校: 城关 at 三元: three 送教下乡, the mentor, the 支教 batch, two trainings: 7.
    assert (t["there"].actual, t["there"].met) == (7.0, True)
    assert set(t["there"].records) == {world[k] for k in ("oct", "nov", "jan", "mentor", "batch", "train1", "train2")}


def test_each_person_of_a_secondment_batch_is_one_person_time(ledger, world):
    t = _targets(ledger, world)
    assert (t["sent"].actual, t["sent"].met, t["sent"].records) == (3.0, True, (world["batch"],))


def test_a_teacher_record_is_one_person_whatever_the_name_typed(ledger, world):
    t = _targets(ledger, world)
    assert (t["trained"].actual, t["trained"].met) == (3.0, True)     # 王芳, 李娜, 赵敏


def test_a_short_secondment_is_shown_with_its_school_days(ledger, world):
    plan = ledger.get(world["plan"])
    a, b = plan["parties"][0]["school"], plan["parties"][1]["school"]
    cadre = ledger.put({"type": "visit", "schema_version": 2, "plan": plan["id"], "date": "2026-10-08", "kind": "挂职",
                        "host_school": b, "secondment": {"person": "钱老师", "from_school": a, "to_school": b,
                                                         "start": "2026-10-08", "end": "2026-11-20"}}).id
    [p] = [p for p in d.plan_progress(ledger, TERM) if p.plan == world["plan"]]
    # The default autumn term has 102 school days: September 22, October 22, November 21,
    # December 23, 1–20 January 14. 8 October to 20 November holds 17 + 15 = 32 of them.
    assert p.short_secondments == (d.ShortSecondment(cadre, "钱老师", "挂职", "2026-10-08", "2026-11-20", 32, 102,
                                                     "2026-2027-1"),)
    assert _targets(ledger, world)["there"].actual == 7.0          # too short to count towards anything


def test_a_plan_ending_on_the_first_day_of_a_term_is_in_that_term_and_plans_come_by_start(ledger, world):
    plan = ledger.get(world["plan"])
    for title, start, end in (("暑期计划", "2026-06-01", "2026-09-01"), ("上学年计划", "2025-09-01", "2026-08-31")):
        ledger.put({"type": "plan", "schema_version": 2, "title": title, "status": "已总结", "parties": plan["parties"],
                    "period": {"start": start, "end": end}, "targets": []})
    titles = [p.title for p in d.plan_progress(ledger, TERM)]
    assert titles == ["暑期计划", "城关中学帮扶三元中学"]          # the one ending 31 August is not in it


def test_a_trip_counts_in_the_term_it_starts_in_up_to_its_last_day(ledger, world):
    plan = ledger.get(world["plan"])
    a, b = plan["parties"][0]["school"], plan["parties"][1]["school"]
    # 城关's 孙老师 to 三元 for 支教 from 31 January 2027, the autumn term's last day, to the end of
    # 2027-2028 (a whole school year: not short): one more trip to 三元 this term, 8.
    ledger.put({"type": "visit", "schema_version": 2, "plan": plan["id"], "date": "2027-01-31", "kind": "支教",
                "host_school": b, "secondment": {"person": "孙老师", "from_school": a, "to_school": b,
                                                 "start": "2027-01-31", "end": "2028-07-10"}})
    assert _targets(ledger, world)["there"].actual == 8.0


def test_a_target_whose_value_a_hand_edit_made_no_number_is_shown_as_unknown(ledger, world):
    # `bangfu validate` names such a plan; its figures still show, this target as "?" (neither met nor missed).
    plan = ledger.get(world["plan"])
    plan["targets"][0]["value"] = "五"
    ledger.commit([Change(plan["id"], plan, ledger.version(plan["id"]))], message="hand edit", checked=False)
    days = _targets(ledger, world)["days"]
    assert (days.metric, days.actual, days.met, days.records) == ("送教下乡", None, None, ())
