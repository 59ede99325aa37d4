"""Help that is not a payment by policy: a one-to-one sponsorship (一对一资助), the teacher answerable
for a student (包保), and payments out of a donation with the donation's use notice (捐赠使用公示),
counted by hand."""
from __future__ import annotations

import pytest

from store import InvalidRecord
from store.aid import donations
from store.core import ids
from store.ledger.ledger import NEW, Change
from store.rules import scope
from tests.conftest import run


def rec(rtype: str, **fields) -> dict:
    return {"id": ids.new_id(rtype), "type": rtype, "schema_version": 2, **fields}


@pytest.fixture
def gift(ledger):
    a = rec("school", name="沙河镇第二中心小学", stage="小学", county="赣榆区", area="镇区")
    b = rec("school", name="石桥镇第二中心小学", stage="小学", county="赣榆区", area="镇区")
    plan = rec("plan", title="沙河二小对口帮扶石桥二小", status="执行中", period={"start": "2026-09-01", "end": "2027-07-31"},
               parties=[{"school": a["id"], "role": "帮扶"}, {"school": b["id"], "role": "受帮扶"}])
    # 3000 元 in cash and 40 books at 25 元: the notice counts the cash only.
    visit = rec("visit", plan=plan["id"], kind="捐赠", date="2026-09-20", host_school=b["id"], visiting_school=a["id"],
                donation={"donor": "某爱心企业", "recipient": "石桥镇第二中心小学", "cash_fen": 300_000,
                          "items": [{"category": "图书", "name": "课外读物", "quantity": 40, "unit_value_fen": 2_500}],
                          "total_fen": 400_000})
    teacher = rec("teacher", name="周老师", school=b["id"])
    pupils = [rec("student", name=n, sex="女", school=b["id"], stage="小学", grade="五年级", class_name="1班",
                  school_year="2026-2027", events=[{"date": "2026-09-01", "event": "认定"}],
                  responsible_teacher=teacher["id"]) for n in ("王小红", "李小兰")]
    ledger.commit([Change(r["id"], r, NEW) for r in (a, b, plan, visit, teacher, *pupils)], message="t")
    return {"visit": visit["id"], "a": pupils[0]["id"], "b": pupils[1]["id"], "school": b["id"],
            "teacher": teacher["id"]}


def paid(gift, student: str, fen: int, on: str) -> dict:
    return rec("aid", student=gift[student], programme="社会捐助", term="2026-2027-1", amount_fen=fen, paid_on=on,
               source="社会捐助", method="银行卡", donation=gift["visit"])


def test_a_donation_use_notice_by_hand(ledger, gift, capsys):
    ledger.put(paid(gift, "a", 50_000, "2026-10-08"))
    ledger.put(paid(gift, "b", 80_000, "2026-10-09"))
    use = donations.use_of(ledger, gift["visit"])
    # 3000 元 received, 500 + 800 = 1300 paid, 1700 left; names masked, no numbers.
    assert (use.received_fen, use.paid_fen, use.left_fen) == (300_000, 130_000, 170_000)
    assert [(r.name, r.amount_fen, r.paid_on) for r in use.rows] == [("王**", 50_000, "2026-10-08"),
                                                                      ("李**", 80_000, "2026-10-09")]
    code, printed, _ = run(capsys, "-L", str(ledger.path), "donation-notice", gift["visit"])
    assert code == 0
    assert "收到现金 3,000.00 元，已向 2 名学生发放 1,300.00 元，结余 1,700.00 元（受赠方：石桥镇第二中心小学）" in printed
    assert "| 1 | 王** | 石桥镇第二中心小学 | 五年级1班 | 社会捐助 | 2026-10-08 | 500.00 |" in printed
    assert "王小红" not in printed


def test_payments_out_of_a_donation_never_pass_its_cash(ledger, gift):
    ledger.put(paid(gift, "a", 250_000, "2026-10-08"))
    with pytest.raises(InvalidRecord) as caught:
        ledger.put(paid(gift, "b", 60_000, "2026-10-09"))
    [finding] = caught.value.findings
    assert finding.rule == "rule.aid_donation_exceeded"
    assert "从某爱心企业的捐赠中发放合计 3,100.00 元，超过捐赠现金 3,000.00 元" in finding.text()


def test_a_sponsorship_and_the_teacher_answerable(ledger, gift):
    sponsorship = rec("sponsorship", sponsor="张先生", sponsor_kind="个人", student=gift["a"], amount_fen=50_000,
                      unit="学期", period={"start": "2026-09-01", "end": "2029-07-31"}, donation=gift["visit"])
    ledger.put(sponsorship)
    assert scope.schools(sponsorship, ledger.index) == {gift["school"]}
    backwards = {**sponsorship, "id": ids.new_id("sponsorship"), "period": {"start": "2029-07-31", "end": "2026-09-01"}}
    assert [f.rule for f in ledger.check(backwards) if f.level == "error"] == ["rule.sponsorship_period_order"]
    assert ledger.get(gift["a"])["responsible_teacher"] == gift["teacher"]
    gone = {**ledger.get(gift["b"]), "responsible_teacher": ids.new_id("teacher")}
    assert [f.rule for f in ledger.check(gone) if f.level == "error"] == ["rule.ref_missing"]


def test_a_home_visit_names_the_student_and_needs_no_plan(ledger, gift):
    home = rec("visit", kind="家访", date="2026-10-15", host_school=gift["school"], student=gift["a"],
               participants=[{"name": "周老师", "role": "包保教师"}], topic="了解家庭情况")
    ledger.put(home)
    assert ledger.get(home["id"])["student"] == gift["a"]
    nobody = {**home, "id": ids.new_id("visit")}
    del nobody["student"]
    assert [f.rule for f in ledger.check(nobody) if f.level == "error"] == ["rule.visit_home_student"]
    lesson = {**home, "id": ids.new_id("visit"), "kind": "示范课"}
    found = [f for f in ledger.check(lesson) if f.level == "error"]
    assert [f.rule for f in found] == ["rule.visit_plan_missing"]
    assert "「示范课」活动须属于一个结对帮扶计划（只有家访可以不属于计划）" in found[0].text()


def test_the_demo_donation_of_sanyuan_middle_school(demo):
    """叶集区三元中学师生 gave 5000 元 in cash (2026-11-06); 500 元 of it went to one pupil."""
    use = donations.use_of(demo, "visit-01M7W3EX7BF455MJHM5B8EC0TE")
    assert (use.received_fen, use.paid_fen, use.left_fen, [r.name for r in use.rows]) == (500_000, 50_000, 450_000,
                                                                                          ["刘**"])
    [sponsorship] = demo.scan("sponsorship")
    assert (sponsorship["sponsor"], sponsorship["amount_fen"], sponsorship["unit"]) == ("叶集区三元中学师生", 50_000, "学期")
