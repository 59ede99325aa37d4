"""A student's situation by school year, promotion, and payments checked against the year they are for."""
from __future__ import annotations

import pytest

from store.aid import promotion
from store.rules import checks, situation
from tests.conftest import run

JIUCAI = "school-01M7W2YYTDDP2TDPSMWHRW6FA6"       # 海原县九彩中学, 九年一贯制
HAIYUAN1 = "school-01M7W2ZE9BE87KCJT7S3Y4HST6"     # 海原县第一中学, 高中


def student(**extra) -> dict:
    return {"id": "student-01JB0000000000000000000001", "type": "student", "name": "甲", "school": JIUCAI,
            "stage": "初中", "grade": "七年级", "boarding": True, "school_year": "2026-2027",
            "years": [{"school_year": "2024-2025", "school": JIUCAI, "stage": "小学", "grade": "五年级", "boarding": False},
                      {"school_year": "2025-2026", "school": JIUCAI, "stage": "小学", "grade": "六年级", "boarding": True}],
            **extra}


@pytest.mark.parametrize("on, stage, grade, boarding", [
    ("2027-03-01", "初中", "七年级", True),       # after the present year began: the present
    ("2026-09-01", "初中", "七年级", True),
    ("2026-08-31", "小学", "六年级", True),       # the last day of 2025-2026
    ("2024-10-01", "小学", "五年级", False),
    ("2020-10-01", "小学", "五年级", False),      # before every entry: the first one known
])
def test_situation_on_a_date(on, stage, grade, boarding):
    s = situation.situation(student(), on)
    assert (s["stage"], s["grade"], s["boarding"]) == (stage, grade, boarding)


def test_a_record_without_years_has_only_its_present():
    s = student()
    del s["school_year"], s["years"]
    assert situation.situation(s, "2001-01-01")["grade"] == "七年级"


def payments_of(ledger, name: str) -> list[dict]:
    sid = next(s["id"] for s in ledger.scan("student") if s["name"] == name)
    return sid, ledger.find("aid", student=sid)


def test_changing_the_present_keeps_yang_siyu_past_payments_valid(demo, capsys):
    """杨思雨 goes on to 高中 at 海原一中: her 初中 payments (boarding and nutrition in two terms, the
    textbooks of the autumn term) stay valid."""
    sid, paid = payments_of(demo, "杨思雨")
    assert len(paid) == 5
    code, _, err = run(capsys, "-L", str(demo.path), "set", sid, "stage=高中", "grade=高一", f"school={HAIYUAN1}",
                       "school_year=2027-2028")
    assert code == 0, err
    demo.refresh()
    for aid in paid:
        assert [f.rule for f in demo.check(aid)] == [], aid["term"]


def test_a_2024_payment_to_a_pupil_lifted_in_primary_school_is_accepted(demo):
    """罗小东 was lifted out of poverty in 小学 (2023-11) and is in 初中 now: in spring 2024 he was
    still in 小学 (四年级), so he kept his eligibility and the nutrition payment of that term is valid."""
    sid, _ = payments_of(demo, "罗小东")
    standard = next(s for s in demo.scan("standard") if s["programme"] == "营养改善计划" and s["stage"] == "小学"
                    and s["valid_from"] <= "2024-04-01" and s.get("valid_to", "9999") >= "2024-04-01")
    aid = {"type": "aid", "schema_version": 2, "student": sid, "programme": "营养改善计划", "term": "2023-2024-2",
           "amount_fen": standard["amount_fen"] * 90, "days": 90, "standard": standard["id"],
           "paid_on": "2024-04-20", "source": "中央", "method": "餐费抵扣"}
    assert checks.student_status(demo.get(sid), "2024-04-20") == "脱贫保留"
    assert checks.student_status(demo.get(sid), "2026-10-01") == "已脱贫"
    assert demo.put(aid).commit


def test_promotion_preview_then_one_commit_then_refused_twice(demo, capsys):
    code, shown, _ = run(capsys, "-L", str(demo.path), "promote", "--school", "九彩中学", "--year", "2027-2028")
    assert code == 0 and "预览" in shown
    tip = demo.tip
    demo.refresh()
    assert demo.tip == tip  # a preview commits nothing
    moves = promotion.plan(demo, JIUCAI, "2027-2028")
    by_name = {m.name: m for m in moves}
    # 九彩中学 has 12 students on its roll in 2026-2027 (counted in records/student); 九年级 pupils leave (no 高中 there), 六年级 go on.
    assert len(moves) == 12
    assert by_name["马浩然"].after["grade"] == "四年级"
    assert by_name["何志强"].after == {**by_name["何志强"].before, "stage": "初中", "grade": "七年级"}
    assert by_name["杨思雨"].after is None and by_name["李文博"].after is None
    code, shown, err = run(capsys, "-L", str(demo.path), "promote", "--school", "九彩中学", "--year", "2027-2028", "--yes")
    assert code == 0, err
    demo.refresh()
    commits = demo.log(limit=1)
    assert len(commits[0]["trailers"]["Record-Id"]) == 12
    hao = demo.get(by_name["马浩然"].student)
    assert (hao["grade"], hao["school_year"], hao["years"][-1]["grade"]) == ("四年级", "2027-2028", "三年级")
    yang = demo.get(by_name["杨思雨"].student)
    assert yang["events"][-1] == {"date": "2027-09-01", "event": "退出", "reason": "毕业"}
    assert checks.student_status(yang, "2027-09-02") == "已退出"
    # Every payment of the school's students is as valid as before.
    for m in moves:
        for aid in demo.find("aid", student=m.student):
            assert [f for f in demo.check(aid) if f.level == "error"] == []
    code, _, err = run(capsys, "-L", str(demo.path), "promote", "--school", "九彩中学", "--year", "2027-2028", "--yes")
    assert code == 1 and "已升入 2027-2028 学年" in err and "不能重复升级" in err


def test_grades_written_as_numbers_or_short_words_are_promoted_as_the_grades_they_mean(demo, capsys):
    """Sheets imported before grades were read as the ladder's words left 3 and 初一 in the records;
    promotion refused the whole school at the first of them ("不在小学的年级序列中")."""
    hao = next(s for s in demo.find("student", school=JIUCAI) if s["name"] == "马浩然")      # 小学 三年级
    he = next(s for s in demo.find("student", school=JIUCAI) if s["name"] == "何志强")       # 小学 六年级
    demo.put({**hao, "grade": "3"}, base=demo.version(hao["id"]))
    demo.put({**he, "grade": "6年级"}, base=demo.version(he["id"]))
    code, _shown, err = run(capsys, "-L", str(demo.path), "promote", "--school", "九彩中学", "--year", "2027-2028", "--yes")
    assert code == 0, err
    demo.refresh()
    hao, he = demo.get(hao["id"]), demo.get(he["id"])
    assert (hao["stage"], hao["grade"], hao["years"][-1]["grade"]) == ("小学", "四年级", "三年级")
    assert (he["stage"], he["grade"], he["years"][-1]["grade"]) == ("初中", "七年级", "六年级")
