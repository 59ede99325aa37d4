"""What a coordinator reads when a payment or a student's history breaks a rule, word for word."""
from __future__ import annotations

import pytest

from store.core.errors import InvalidRecord
from store.core.ids import new_id

BOARD, MEAL = "义务教育寄宿生生活补助", "营养改善计划"


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 1, **fields}


@pytest.fixture
def world(ledger):
    school = ledger.put(_rec("school", name="石桥镇第二中心小学", stage="小学", county="示范县", area="乡村")).id
    student = ledger.put(_rec("student", name="张小花", sex="女", school=school, stage="初中", grade="七年级",
                              events=[{"date": "2006-09-01", "event": "认定"}])).id
    standard = ledger.put(_rec("standard", programme=BOARD, stage="小学", boarding=True, amount_fen=100_000,
                               unit="年", region="示范县", valid_from="2006-01-01")).id
    return {"school": school, "student": student, "standard": standard}


def _aid(world, **extra) -> dict:
    fields = dict(student=world["student"], programme=BOARD, term="2006-2007-1", amount_fen=50_000,
                  paid_on="2006-11-20", source="中央", method="银行卡")
    return _rec("aid", **{**fields, **extra})


def _texts(findings) -> list[tuple[str, str, str]]:
    """(level, field, message) as `bangfu --json` reports them."""
    return [(j["level"], j["field"], j["message"]) for j in (f.as_json() for f in findings)]


def test_a_malformed_term_says_what_the_second_year_should_be(ledger, world):
    with pytest.raises(InvalidRecord) as caught:
        ledger.put(_aid(world, term="2006-2008-1"))
    assert ("error", "term", "学期 2006-2008-1 写法不对：第二个年份应为 2007（例如 2006-2007-1）") in _texts(
        caught.value.findings)


def test_a_standard_that_does_not_fit_the_payment_or_the_student_is_named(ledger, world):
    with pytest.raises(InvalidRecord) as caught:
        ledger.put(_aid(world, programme=MEAL, standard=world["standard"]))
    assert ("error", "standard", f"所引用资助标准的资助项目是 {BOARD}，而本笔发放的是 {MEAL}") in _texts(
        caught.value.findings)
    # The student is in 初中 and has no boarding written (a day student): two warnings, saved.
    saved = ledger.put(_aid(world, standard=world["standard"]))
    assert sorted(_texts(saved.warnings)) == [
        ("warning", "standard", "所引用资助标准的学段是 小学，而该生的是 初中"),
        ("warning", "standard", "所引用资助标准的寄宿情况是 寄宿，而该生的是 走读"),
    ]


def test_after_leaving_only_a_return_or_a_new_recognition_is_expected(ledger, world):
    doc = ledger.get(world["student"])
    left_twice = {**doc, "events": [{"date": "2006-09-01", "event": "认定"}, {"date": "2007-01-10", "event": "退出"},
                                    {"date": "2007-03-01", "event": "脱贫"}, {"date": "2007-04-01", "event": "退出"}]}
    assert _texts(ledger.check(left_twice)) == [
        ("error", "events[2].event", "2007-03-01 记为脱贫，但当时该生不在册（状态：已退出）"),
        ("warning", "events[3].event", "该生已于 2007-01-10 退出，2007-04-01 又记了「退出」；退出后只应有返贫或重新认定"),
    ]
    # Back in need (返贫) after leaving: leaving again is ordinary.
    back = {**doc, "events": [{"date": "2006-09-01", "event": "认定"}, {"date": "2007-01-10", "event": "退出"},
                              {"date": "2007-03-01", "event": "返贫"}, {"date": "2007-06-01", "event": "退出"}]}
    assert ledger.check(back) == []
    assert ledger.put(back, base=ledger.version(world["student"])).warnings == []
