"""What a coordinator reads when a plan, a unit or an activity breaks a rule, word for word: the
field named, the schools by their names, the plan by its title, a batch of people by all of them."""
from __future__ import annotations

import pytest

from store.core.ids import new_id

COUNTY = "某县"


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}


@pytest.fixture
def world(ledger):
    def school(name):
        return ledger.put(_rec("school", name=name, stage="小学", county=COUNTY, area="乡村")).id

    w = {"A": school("城关小学"), "B": school("河口小学"), "D": school("河口中学"), "E": school("外县小学")}
    w["county"] = ledger.put(_rec("unit", name="某县", level="县")).id
    w["plan"] = ledger.put(_rec("plan", title="城关帮河口", status="执行中",
                                period={"start": "2025-09-01", "end": "2026-08-31"},
                                parties=[{"school": w["A"], "role": "帮扶"}, {"school": w["B"], "role": "受帮扶"}])).id
    return w


def _texts(ledger, record) -> list[tuple[str, str, str]]:
    """(level, field, message) as `bangfu --json` reports them."""
    return [(j["level"], j["field"], j["message"]) for j in (f.as_json() for f in ledger.check(record))]


def _three(w, pairs) -> dict:
    return _rec("plan", title="城关帮河口两校", status="执行中", period={"start": "2025-09-01", "end": "2026-08-31"},
                parties=[{"school": w["A"], "role": "帮扶"}, {"school": w["B"], "role": "受帮扶"},
                         {"school": w["D"], "role": "受帮扶"}], pairs=pairs)


def test_pairs_name_the_schools_that_do_not_fit(ledger, world):
    w = world
    # Turned round (河口 helping 城关), and a pair from a school that is not a party.
    wrong = _three(w, [{"from": w["B"], "to": w["A"], "dimensions": ["教学"]},
                       {"from": w["E"], "to": w["D"], "dimensions": ["师资"]}])
    assert _texts(ledger, wrong) == [
        ("error", "pairs[0].from", "帮扶关系中的 河口小学 在结对学校中不是帮扶学校"),
        ("error", "pairs[0].to", "帮扶关系中的 城关小学 在结对学校中不是受帮扶学校"),
        ("error", "pairs[1].from", "帮扶关系中的学校 外县小学 不是本计划的结对学校")]
    unpaired = _three(w, [{"from": w["A"], "to": w["B"], "dimensions": ["教学"]}])
    assert _texts(ledger, unpaired) == [
        ("error", "parties[2].school", "结对学校 河口中学 不在任何一对帮扶关系中：写明它帮扶谁或由谁帮扶")]


def test_a_target_over_kinds_is_counted_and_needs_a_unit_activities_have(ledger, world):
    # 其他 alone would be measured; with kinds written it is counted from those activities.
    plan = {**ledger.get(world["plan"]), "targets": [
        {"key": "observe", "metric": "其他", "kinds": ["听课评课", "示范课"], "comparison": ">=", "value": 30,
         "unit": "%", "per": "学期"}]}
    assert _texts(ledger, plan) == [
        ("error", "targets[0].unit", "量化指标 observe 按活动计数，单位「%」不能由活动记录算出；可用的单位：人、人次、周、场、天、次、课时"
                                     "（比率和数量请用「其他」等指标并录入测量记录）")]
    measured = {**plan, "targets": [{**plan["targets"][0], "kinds": None}]}
    del measured["targets"][0]["kinds"]
    assert _texts(ledger, measured) == []


def test_units_sit_under_a_county_and_a_county_under_nothing(ledger, world):
    assert _texts(ledger, _rec("unit", name="河口乡", level="乡镇")) == [
        ("error", "parent", "乡镇 河口乡 的上级应是一个县（区）")]
    township = ledger.put(_rec("unit", name="城关镇", level="乡镇", parent=world["county"])).id
    assert _texts(ledger, _rec("unit", name="河口乡", level="乡镇", parent=township)) == [
        ("error", "parent", "乡镇 河口乡 的上级应是一个县（区）")]
    assert _texts(ledger, _rec("unit", name="另一县", level="县", parent=world["county"])) == [
        ("error", "parent", "县（区）另一县 是最上一级，不能再有上级")]


def test_an_activity_outside_its_plan_or_at_its_own_school(ledger, world):
    w = world

    def visit(**fields):
        return _rec("visit", **{"plan": w["plan"], "kind": "送教下乡", "date": "2025-10-10", "host_school": w["B"],
                                "visiting_school": w["A"], **fields})

    loose = visit(plan=None)
    del loose["plan"]
    assert _texts(ledger, loose) == [
        ("error", "plan", "「送教下乡」活动须属于一个结对帮扶计划（只有家访可以不属于计划）")]
    home = {**loose, "kind": "家访"}
    assert _texts(ledger, home) == [("error", "student", "不属于计划的家访须写明走访的学生")]
    assert _texts(ledger, visit(visiting_school=w["B"])) == [
        ("error", "visiting_school", "承办学校和来访学校是同一所学校（河口小学）：活动是一所学校到另一所学校")]
    assert _texts(ledger, visit(date="2026-09-10")) == [
        ("error", "date", "日期 2026-09-10 不在计划「城关帮河口」的帮扶期限 2025-09-01 至 2026-08-31 内")]
    assert _texts(ledger, visit(host_school=w["D"])) == [
        ("error", "host_school", "河口中学 不是计划「城关帮河口」的结对学校")]


def test_a_secondment_names_its_people_and_its_schools(ledger, world):
    w = world

    def seconded(**s):
        return _rec("visit", plan=w["plan"], kind="支教", date="2025-09-01", host_school=w["B"],
                    visiting_school=w["A"], secondment={"from_school": w["A"], "to_school": w["B"], **s})

    backwards = seconded(people=[{"name": "王老师"}, {"name": "李老师"}], start="2026-03-01", end="2025-09-01")
    assert _texts(ledger, backwards) == [
        ("error", "secondment.end", "王老师、李老师 的支教开始日期 2026-03-01 晚于结束日期 2025-09-01")]
    home = seconded(person="赵老师", start="2025-09-01", end="2026-07-10", to_school=w["A"])
    assert ("error", "secondment.to_school", "派出学校和接收学校是同一所学校（城关小学）") in _texts(ledger, home)


def test_a_plan_cannot_drop_a_target_its_measurements_are_of(ledger, world):
    """Rules in both directions: a measurement names its plan's target; taking the target out of
    the plan (or making it one counted from activities) would leave the measurement of nothing."""
    from store.core.errors import InvalidRecord
    w = world
    target = {"key": "qualified", "metric": "其他", "comparison": ">=", "value": 100, "unit": "%", "per": "学期",
              "text": "教师考核合格率 100%"}
    plan = ledger.get(w["plan"])
    ledger.put({**plan, "targets": [target]}, base=ledger.version(w["plan"]))
    measured = ledger.put(_rec("measurement", plan=w["plan"], target="qualified", value=100, unit="%",
                               period={"start": "2025-09-01", "end": "2026-01-31"})).id
    plan, version = ledger.get(w["plan"]), ledger.version(w["plan"])
    # (the measurement by its line: the plan's target it measured, its value and period, then its id)
    said = ("这样修改会使引用它的 1 条记录违反规则：{} 100 % 2025-09-01—2026-01-31（{}）的「指标代号」"
            "（用 bangfu validate 或 bangfu show {} 查看；先改这些记录，或换一种改法）")
    # (named by the target's text where the plan as changed still has it, else by its code)
    for changed, name in (([], "qualified"), ([{**target, "kinds": ["送教下乡"], "unit": "次"}], "教师考核合格率 100%")):
        with pytest.raises(InvalidRecord) as refused:
            ledger.put({**plan, "targets": changed}, base=version)
        assert [f.text() for f in refused.value.findings] == [f"错误 {w['plan']}: {said.format(name, measured, measured)}"]
    assert ledger.version(w["plan"]) == version
    ledger.put({**plan, "targets": [{**target, "value": 95}]}, base=version)
    assert ledger.get(w["plan"])["targets"][0]["value"] == 95


def test_a_county_cannot_become_a_township_while_townships_sit_under_it(ledger, world):
    from store.core.errors import InvalidRecord
    township = ledger.put(_rec("unit", name="城关镇", level="乡镇", parent=world["county"])).id
    province = ledger.put(_rec("unit", name="某市", level="县")).id
    county = ledger.get(world["county"])
    with pytest.raises(InvalidRecord) as refused:
        ledger.put({**county, "level": "乡镇", "parent": province}, base=ledger.version(world["county"]))
    assert [f.text() for f in refused.value.findings] == [
        f"错误 {world['county']}: 这样修改会使引用它的 1 条记录违反规则：城关镇（{township}）的「上级」（用 bangfu validate 或 "
        f"bangfu show {township} 查看；先改这些记录，或换一种改法）"]


def test_a_donation_cannot_shrink_below_what_was_paid_out_of_it(ledger, world):
    """Rules in both directions: payments out of a donation never add up to more than its cash.
    Lowering the cash below them was saved, and `validate` then failed on
    the payments; it is refused naming them."""
    from store.core.errors import InvalidRecord
    w = world
    gift = ledger.put(_rec("visit", plan=w["plan"], kind="捐赠", date="2026-03-20", host_school=w["B"],
                           visiting_school=w["A"], donation={"donor": "某爱心企业", "recipient": "河口小学",
                                                            "cash_fen": 100_000, "total_fen": 100_000})).id
    pupils = [ledger.put(_rec("student", name=name, sex="女", school=w["B"], stage="小学", grade="五年级",
                              events=[{"date": "2025-09-01", "event": "认定"}])).id for name in ("李小兰", "王小红")]
    paid = [ledger.put(_rec("aid", student=pupil, programme="社会捐助", term="2025-2026-2", amount_fen=40_000,
                            paid_on="2026-04-01", source="社会捐助", method="银行卡", donation=gift)).id
            for pupil in pupils]
    first, second = sorted(paid)

    def refused(**change):
        with pytest.raises(InvalidRecord) as no:
            ledger.put({**ledger.get(gift), **change}, base=ledger.version(gift))
        return [f.text() for f in no.value.findings]

    assert refused(donation={"donor": "某爱心企业", "recipient": "河口小学", "cash_fen": 50_000, "total_fen": 50_000}) == [
        f"错误 {gift}: 这样修改会使引用它的 2 条记录违反规则：李小兰 社会捐助 2025-2026-2 400.00元（{first}）的「金额」、"
        f"王小红 社会捐助 2025-2026-2 400.00元（{second}）的「金额」（用 bangfu validate "
        f"或 bangfu show {first} 查看；先改这些记录，或换一种改法）"]
    assert ledger.get(gift)["donation"]["cash_fen"] == 100_000
    ledger.put({**ledger.get(gift), "donation": {"donor": "某爱心企业", "recipient": "河口小学", "cash_fen": 80_000,
                                                 "total_fen": 80_000}}, base=ledger.version(gift))


def test_an_accepted_plans_passing_inspection_cannot_be_withdrawn(ledger, world):
    """已验收 is what a passing inspection says: turning that inspection to 不通过, or deleting it
    (with the adjustment record the lock asks for), was saved and left the plan 已验收 without one
    (`validate` then failed on the plan). Both are refused naming the plan."""
    from store.core.errors import InvalidRecord
    from store.ledger.ledger import NEW, Change
    from store.twinning import locks
    w = world
    passed = _rec("inspection", plan=w["plan"], date="2026-07-10", inspectors=["刘建国"], scope="2025—2026学年",
                  result="通过")
    locks.inspect(ledger, passed)
    said = (f"错误 {passed['id']}: 这样修改会使以它为依据的 1 条记录违反规则：城关帮河口（{w['plan']}）的「状态」（用 bangfu validate 或 "
            f"bangfu show {w['plan']} 查看；先改这些记录，或换一种改法）")
    for after in ({**passed, "result": "不通过"}, None):
        adjustment = _rec("adjustment", date="2026-07-20", reason="验收结论录错", approver="县教育局 刘建国",
                          records=[passed["id"]])
        with pytest.raises(InvalidRecord) as no:
            ledger.commit([Change(passed["id"], after, ledger.version(passed["id"])),
                           Change(adjustment["id"], adjustment, NEW)], message="t")
        assert [f.text() for f in no.value.findings] == [said]
    assert ledger.get(passed["id"])["result"] == "通过"
