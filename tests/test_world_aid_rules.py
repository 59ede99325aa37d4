"""What a coordinator reads when a loan, an amount, a recognition or an ID number does not fit,
word for word, and a student's status after 脱贫 by the stage of the day it was recorded."""
from __future__ import annotations

import pytest

from store.core import i18n
from store.core.ids import new_id
from store.rules import checks

LOAN, HIGH = "生源地助学贷款", "普通高中国家助学金"
YEAR = "2026-2027"


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}


@pytest.fixture
def world(ledger):
    school = ledger.put(_rec("school", name="某县第一中学", stage="高中", county="某县", area="城区")).id
    student = ledger.put(_rec("student", name="王芳", sex="女", school=school, stage="高中", grade="高三",
                              events=[{"date": "2019-09-01", "event": "认定"}])).id
    # 财政部 教育部 人民银行 银监会 2014-07: at most 8,000 元 a year (a cap, not an amount due), until
    # the 2021 raise.
    loan = ledger.put(_rec("standard", programme=LOAN, stage="高中", cap=True, amount_fen=800_000, unit="年",
                           region="全国", valid_from="2014-09-01", valid_to="2021-08-31")).id
    grant = ledger.put(_rec("standard", programme=HIGH, stage="高中", amount_fen=200_000, unit="年",
                            region="全国", valid_from="2024-09-01")).id
    return {"school": school, "student": student, "loan": loan, "grant": grant}


def _aid(w, **extra) -> dict:
    return _rec("aid", **{"student": w["student"], "term": "2026-2027-1", "paid_on": "2026-10-20", "source": "中央",
                          "method": "银行卡", **extra})


def _texts(ledger, record) -> list[tuple[str, str, str]]:
    return [(j["level"], j["field"], j["message"]) for j in (f.as_json() for f in ledger.check(record))]


def test_a_loan_above_its_cap_is_refused_and_up_to_it_is_not(ledger, world):
    above = _aid(world, programme=LOAN, standard=world["loan"], amount_fen=900_000, term="2020-2021-1",
                 paid_on="2020-10-20")
    assert _texts(ledger, above) == [
        ("error", "amount_fen", "金额 9,000.00 元超过生源地助学贷款的上限：每年最多 8,000.00 元")]
    assert _texts(ledger, {**above, "amount_fen": 800_000}) == []
    assert _texts(ledger, {**above, "amount_fen": 600_000}) == []         # less than the cap: any amount


def test_yuan_typed_as_fen_says_what_was_meant(ledger, world):
    # 1,000 元 a term is 100,000 fen; 1000 typed is 10.00 元.
    typed = _aid(world, programme=HIGH, standard=world["grant"], amount_fen=1000)
    assert _texts(ledger, typed) == [
        ("error", "amount_fen",
         "金额 10.00 元与标准差了一百倍：是不是 1,000.00 元？（amount_fen 以分计，1,000.00 元写作 100000）")]


def test_a_recognised_students_payment_needs_that_years_approval(ledger, world):
    r = ledger.put(_rec("recognition", student=world["student"], school_year="2025-2026", school=world["school"],
                        application={"date": "2025-09-02", "applicant": "家长", "pledge_signed": True},
                        review={"date": "2025-09-08", "members": ["班主任"], "result": "通过", "level": "困难"},
                        check={"date": "2025-09-10", "by": "资助专干"}))
    assert r.id
    grant = _aid(world, programme=HIGH, standard=world["grant"], amount_fen=100_000)
    assert _texts(ledger, grant) == [
        ("error", "student", "王芳 没有 2026-2027 学年经审批的困难认定，不能发放「普通高中国家助学金」")]


def test_the_sex_in_a_sealed_id_number_is_still_checked(ledger, world):
    # The 17th digit 1 is a man's; the record says 女. The warning comes on saving the clear number
    # and again on checking the saved record, where only the masked number is left.
    doc = {**ledger.get(world["student"]), "identity": {"id_number": "110105200808081018"}}
    saved = ledger.put(doc, base=ledger.version(world["student"]))
    expected = ("warning", "identity.id_number",
                "居民身份证号第 17 位表示的性别与「性别」（女）不符，请核对身份证号或性别")
    assert [(f.level, f.field_path, f.as_json()["message"]) for f in saved.warnings] == [expected]
    assert _texts(ledger, ledger.get(world["student"])) == [expected]


def test_lifted_out_of_poverty_keeps_aid_until_the_stage_changes(ledger, world):
    # 脱贫 recorded on 2025-03-01 without its stage: the stage is the one of that day (小学, six
    # grade), not today's (初中). Until the school year ends the student keeps aid; from 初中 on not.
    student = {"id": "student-x", "name": "李明", "school": world["school"], "stage": "初中", "grade": "七年级",
               "school_year": "2025-2026",
               "years": [{"school_year": "2024-2025", "school": world["school"], "stage": "小学", "grade": "六年级"}],
               "events": [{"date": "2024-09-01", "event": "认定"}, {"date": "2025-03-01", "event": "脱贫"}]}
    assert checks.student_status(student, "2025-02-28") == "在册"
    assert checks.student_status(student, "2025-05-01") == "脱贫保留"
    assert checks.student_status(student, "2025-10-01") == "已脱贫"


def test_back_in_need_after_leaving_is_enrolled_again(ledger, world):
    student = {"id": "student-y", "name": "赵强", "school": world["school"], "stage": "高中", "grade": "高一",
               "events": [{"date": "2024-09-01", "event": "认定"}, {"date": "2025-01-10", "event": "退出"},
                          {"date": "2025-03-01", "event": "返贫"}]}
    assert [checks.student_status(student, day) for day in ("2024-12-31", "2025-02-01", "2025-03-01")] == [
        "在册", "已退出", "在册"]


def test_an_amount_past_the_schemas_bound_is_read_in_yuan(ledger, world):
    # A payment holds at most 20,000 元; 25,000 元 typed (2,500,000 fen) is said in yuan, as typed.
    big = _aid(world, programme=LOAN, standard=world["loan"], amount_fen=2_500_000, term="2020-2021-1",
               paid_on="2020-10-20")
    assert ("error", "amount_fen", "「金额」25,000.00 元超过上限 20,000.00 元") in _texts(ledger, big)
    negative = {**big, "amount_fen": -100}
    assert ("error", "amount_fen", "「金额」-1.00 元小于下限 0.00 元") in _texts(ledger, negative)


def test_a_recognition_a_payment_rests_on_cannot_be_withdrawn_or_deleted(ledger, world):
    """Rules in both directions: a payment reads its student's recognition of the year without
    naming it; withdrawing that approval, or deleting the recognition while another is on record,
    would leave the payment unrecognised (the edit was saved and `validate` then failed)."""
    from store.core.errors import InvalidRecord
    w = world

    def recognised(year):
        # as the upgrade makes one from a 认定 event: approved, no notice on record (so none names it)
        day = f"{year[:4]}-09-05"
        return ledger.put(_rec("recognition", student=w["student"], school_year=year, school=w["school"],
                               from_event=day, outcome="认定", approval={"date": day, "by": "县资助中心"},
                               application={"date": day, "applicant": "（升级前的认定记录）"},
                               review={"date": day, "members": ["班主任"], "result": "通过", "level": "困难"})).id
    recognised("2025-2026")
    this_year = recognised(YEAR)
    paid = ledger.put(_aid(w, programme=HIGH, standard=w["grant"], amount_fen=100_000)).id
    said = (f"错误 {this_year}: 这样修改会使以它为依据的 1 条记录违反规则：王芳 普通高中国家助学金 2026-2027-1 1,000.00元（{paid}）的「学生」（用 bangfu validate 或 "
            f"bangfu show {paid} 查看；先改这些记录，或换一种改法）")
    withdrawn = ledger.get(this_year)
    del withdrawn["approval"], withdrawn["outcome"]
    with pytest.raises(InvalidRecord) as refused:
        ledger.put(withdrawn, base=ledger.version(this_year))
    assert [f.text() for f in refused.value.findings] == [said]
    with pytest.raises(InvalidRecord) as refused:
        ledger.delete(this_year, reason="重复录入")
    assert [f.text() for f in refused.value.findings] == [said]
    assert ledger.get(this_year)["approval"]["date"] == "2026-09-05"
    ledger.delete(paid, reason="退回")                     # without the payment both may go
    ledger.delete(this_year, reason="重复录入")


FEES = "普通高中免学杂费"


def test_a_school_student_or_standard_cannot_move_a_payment_out_of_its_standards_counties(ledger, world):
    """Rules in both directions: a payment reads the county of its student's school that term
    without naming the school. Moving the school to another county, the student to a school there,
    or the county out of the standard left the payment outside its standard: saved, and `validate`
    then failed on the payment. Each is refused naming the payment; a change it does not read
    (the school's name) is saved."""
    from store.core.errors import InvalidRecord
    from store.history.verify import check_tip
    w = world
    # A county's own fee waiver (免学杂费 follows the county's tuition): 800 元 a term in 某县.
    fees = ledger.put(_rec("standard", programme=FEES, stage="高中", amount_fen=80_000, unit="学期", region="某县",
                           counties=["某县"], valid_from="2024-09-01")).id
    paid = ledger.put(_aid(w, programme=FEES, standard=fees, amount_fen=80_000)).id
    elsewhere = ledger.put(_rec("school", name="另县第二中学", stage="高中", county="另县", area="乡村")).id

    def refused(record_id, **change):
        edited = {**ledger.get(record_id), **change}
        with pytest.raises(InvalidRecord) as no:
            ledger.put(edited, base=ledger.version(record_id))
        return [f.text() for f in no.value.findings]

    # The payment names its student and its standard; it reads the school through its pupil, never naming it.
    said = ("错误 {}: 这样修改会使{}的 1 条记录违反规则：王芳 普通高中免学杂费 2026-2027-1 800.00元（{}）的「资助标准」（用 bangfu validate "
            "或 bangfu show {} 查看；先改这些记录，或换一种改法）")
    assert refused(w["school"], county="另县") == [said.format(w["school"], "以它为依据", paid, paid)]
    assert refused(w["student"], school=elsewhere) == [said.format(w["student"], "引用它", paid, paid)]
    assert refused(fees, counties=["另县"], region="另县") == [said.format(fees, "引用它", paid, paid)]
    i18n.set_lang("en")
    said = ("error {}: this change would make 1 record {} break the rules: 王芳 senior high fee waiver 2026-2027-1 800.00 yuan ({}) "
            "\"Aid standard\" (see bangfu validate or "
            "bangfu show {}; change those records first, or change this one differently)")
    assert refused(w["school"], county="另县") == [said.format(w["school"], "that depend on it without naming it",
                                                              paid, paid)]
    assert refused(w["student"], school=elsewhere) == [said.format(w["student"], "referring to it", paid, paid)]
    assert ledger.get(w["school"])["county"] == "某县" and ledger.get(w["student"])["school"] == w["school"]
    renamed = ledger.put({**ledger.get(w["school"]), "name": "某县第一高级中学"}, base=ledger.version(w["school"]))
    assert renamed.id == w["school"]
    assert [f for f in check_tip(ledger) if f.level == "error"] == []


def test_a_term_calendar_that_per_day_payments_count_on_cannot_leave_their_county(ledger):
    """A meal payment without days of its own counts the school days of its term's calendar for
    the county (22 weekdays in September 2026: 22 × 5.00 = 110.00 元). Moving the calendar to
    another county, or deleting it, was saved and `validate` then failed on the payment
    (aid_days_missing); both are refused naming it, and a calendar edit it survives is saved."""
    from store.core.errors import InvalidRecord
    school = ledger.put(_rec("school", name="某县第二中学", stage="初中", county="某县", area="乡村")).id
    pupil = ledger.put(_rec("student", name="李明", sex="男", school=school, stage="初中", grade="八年级")).id
    # 财政部 教育部《关于深入实施农村义务教育学生营养改善计划的通知》(2021): 5 元 a pupil a school day from
    # the autumn term of 2021 (4 元 before).
    meals = ledger.put(_rec("standard", programme="营养改善计划", stage="初中", amount_fen=500, unit="天",
                            region="国家试点县", counties=["某县"], valid_from="2021-09-01")).id
    term = ledger.put(_rec("calendar", term="2026-2027-1", first_day="2026-09-01", last_day="2026-09-30",
                           counties=["某县"])).id
    paid = ledger.put(_rec("aid", student=pupil, programme="营养改善计划", standard=meals, amount_fen=11_000,
                           term="2026-2027-1", paid_on="2026-10-20", source="中央", method="餐费抵扣")).id
    said = (f"错误 {term}: 这样修改会使以它为依据的 1 条记录违反规则：李明 营养改善计划 2026-2027-1 110.00元（{paid}）的「天数」（用 bangfu validate 或 "
            f"bangfu show {paid} 查看；先改这些记录，或换一种改法）")
    with pytest.raises(InvalidRecord) as no:
        ledger.put({**ledger.get(term), "counties": ["另县"]}, base=ledger.version(term))
    assert [f.text() for f in no.value.findings] == [said]
    with pytest.raises(InvalidRecord) as no:
        ledger.delete(term, reason="录错")
    assert [f.text() for f in no.value.findings] == [said]
    ledger.put({**ledger.get(term), "last_day": "2026-09-29"}, base=ledger.version(term))


def test_two_standards_a_student_could_get_on_the_same_day_are_refused(ledger, world):
    # world's grant: 普通高中国家助学金 高中 2000 元/年 from 2024-09-01, open-ended, every county, either boarding.
    before = _rec("standard", programme=HIGH, stage="高中", amount_fen=150_000, unit="年", region="全国",
                  valid_from="2021-09-01", valid_to="2024-08-31")
    assert _texts(ledger, before) == []                       # ends the day before the grant begins
    overlap = [("error", "valid_from", f"与资助标准 {world['grant']}（普通高中国家助学金，高中，2024-09-01 至 今）重叠："
                                       "同一项目、学段、寄宿情况、档次和地区在同一天只能有一个标准")]
    one_day = {**before, "valid_to": "2024-09-01"}            # shares Sunday 1 September 2024 with it
    assert _texts(ledger, one_day) == overlap
    # One county's, or boarders' only: the grant covers them too. A level of its own: another standard.
    assert _texts(ledger, {**one_day, "counties": ["某县"]}) == overlap
    assert _texts(ledger, {**one_day, "boarding": True}) == overlap
    assert _texts(ledger, {**one_day, "level": "一档"}) == []


def test_a_cap_per_term_or_per_school_day_is_held_as_such(ledger, world):
    # A county's own aid (其他) with a cap of 300 元 a term, and one of 10 元 a school day.
    per_term = ledger.put(_rec("standard", programme="其他", stage="高中", cap=True, amount_fen=30_000, unit="学期",
                               region="某县", valid_from="2024-09-01")).id
    # (a level of its own: two standards of one level and county on the same day are refused)
    per_day = ledger.put(_rec("standard", programme="其他", stage="高中", cap=True, amount_fen=1_000, unit="天",
                              region="某县", valid_from="2024-09-01", level="一档")).id
    term = _aid(world, programme="其他", standard=per_term, amount_fen=40_000)
    assert _texts(ledger, term) == [("error", "amount_fen", "金额 400.00 元超过其他的上限：每学期最多 300.00 元")]
    assert _texts(ledger, {**term, "amount_fen": 30_000}) == []
    # 20 school days at most 10.00 each: at most 200.00.
    day = _aid(world, programme="其他", standard=per_day, amount_fen=25_000, days=20)
    assert _texts(ledger, day) == [("error", "amount_fen", "金额 250.00 元超过其他的上限：每天最多 10.00 元")]
    assert _texts(ledger, {**day, "amount_fen": 15_000}) == []


def test_a_second_calendar_of_a_term_for_the_same_county_is_refused(ledger):
    # A correction entered as a new record: which one's school days counted was left to the ids' order.
    autumn = ledger.put(_rec("calendar", term="2026-2027-1", counties=["某县"], first_day="2026-09-01",
                             last_day="2027-01-15")).id
    again = _rec("calendar", term="2026-2027-1", counties=["某县", "邻县"], first_day="2026-09-01",
                 last_day="2027-01-22")
    assert _texts(ledger, again) == [("error", "term", f"学期 2026-2027-1 已有适用于同一县区的校历 {autumn}：一个县区的一个学期"
                                                       "只有一张校历（更正请修改原记录）")]
    assert _texts(ledger, {**again, "counties": ["邻县"]}) == []                    # another county's
    assert _texts(ledger, {**again, "term": "2026-2027-2", "first_day": "2027-03-01", "last_day": "2027-07-09"}) == []
    assert _texts(ledger, {**ledger.get(autumn), "last_day": "2027-01-22"}) == []    # the record itself, corrected
    # The one for every county beside a county's own: its alternative; a second one for every county: refused.
    every = ledger.put({k: v for k, v in again.items() if k != "counties"}).id
    twice = _rec("calendar", term="2026-2027-1", first_day="2026-09-01", last_day="2027-01-15")
    assert [rule for _level, _field, rule in _texts(ledger, twice)] == [
        f"学期 2026-2027-1 已有适用于同一县区的校历 {every}：一个县区的一个学期只有一张校历（更正请修改原记录）"]
