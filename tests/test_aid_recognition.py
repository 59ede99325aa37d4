"""Recognition (认定) per student and school year: its steps in order, the notice before approval,
and what a payment of a programme that needs recognition requires of it."""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from store import InvalidRecord
from store.core import ids
from store.ledger.ledger import NEW, Change
from tests.conftest import run

YEAR = "2026-2027"


def rec(rtype: str, **fields) -> dict:
    return {"id": ids.new_id(rtype), "type": rtype, "schema_version": 2, **fields}


@pytest.fixture
def base(ledger):
    school = rec("school", name="某县第一中学", short_name="某县一中", stage="初中", county="某县", area="乡村")
    board = rec("standard", programme="义务教育寄宿生生活补助", stage="初中", boarding=True, amount_fen=125_000,
                unit="年", region="某县", valid_from="2019-09-01")
    students = [rec("student", name=n, sex="女", school=school["id"], stage="初中", grade="八年级", class_name="2班",
                    boarding=True, school_year=YEAR) for n in ("王小红", "李小兰", "张小梅")]
    ledger.commit([Change(r["id"], r, NEW) for r in (school, board, *students)], action="import", message="t")
    return {"school": school["id"], "board": board["id"], "students": [s["id"] for s in students]}


def recognition(base, i: int, **steps) -> dict:
    r = rec("recognition", student=base["students"][i], school_year=YEAR, school=base["school"],
            application={"date": "2026-09-02", "applicant": "家长", "pledge_signed": True, "evidence": ["低保证.pdf"]})
    r.update(steps)
    return r


REVIEW = {"date": "2026-09-08", "members": ["班主任", "家长代表"], "result": "通过", "level": "困难"}
CHECK = {"date": "2026-09-10", "by": "资助专干"}


def rules_of(ledger, record) -> list[str]:
    return [f.rule for f in ledger.check(record) if f.level == "error"]


def test_steps_come_in_order(ledger, base):
    assert rules_of(ledger, recognition(base, 0)) == []               # applied, nothing more yet
    assert rules_of(ledger, recognition(base, 0, review=REVIEW, check=CHECK)) == []
    no_review = recognition(base, 0, check=CHECK)
    assert rules_of(ledger, no_review) == ["rule.recognition_step_missing"]
    early = recognition(base, 0, review=REVIEW, check={"date": "2026-09-05", "by": "资助专干"})
    assert rules_of(ledger, early) == ["rule.recognition_step_order"]
    unnoticed = recognition(base, 0, review=REVIEW, check=CHECK, approval={"date": "2026-09-20", "by": "校长"},
                            outcome="认定")
    found = ledger.check(unnoticed)
    assert [f.rule for f in found] == ["rule.recognition_step_missing"]
    assert "「审批」" in found[0].text() and "「公示」" in found[0].text()


def post(ledger, base, listed: list[dict], start="2026-09-14", end="2026-09-18") -> dict:
    notice = rec("posting", school=base["school"], school_year=YEAR, where="校务公开栏", start=start, end=end,
                 recognitions=[r["id"] for r in listed])
    ledger.commit([Change(r["id"], r, NEW) for r in (*listed, notice)], action="notice", message="t")
    return notice


def approve(ledger, r: dict, day: str = "2026-09-21") -> dict:
    done = {**copy.deepcopy(r), "approval": {"date": day, "by": "学校资助工作领导小组"}, "outcome": "认定"}
    ledger.put(done, base=ledger.version(r["id"]))
    return done


def test_notice_approval_and_objections(ledger, base):
    a, b = (recognition(base, i, review=REVIEW, check=CHECK) for i in (0, 1))
    # Monday 14th to Thursday 17th is four working days: too short.
    short = rec("posting", school=base["school"], school_year=YEAR, where="校务公开栏", start="2026-09-14",
                end="2026-09-17", recognitions=[a["id"]])
    assert rules_of(ledger, short)[-1] == "rule.notice_too_short"   # (its recognition is not saved yet)
    post(ledger, base, [a, b])
    with pytest.raises(InvalidRecord) as refused:
        approve(ledger, a, "2026-09-18")                                     # the last day of the notice
    assert [f.rule for f in refused.value.findings] == ["rule.recognition_before_notice_end"]
    b["objections"] = [{"date": "2026-09-15", "raised_by": "同班家长", "content": "家庭有车"}]
    ledger.put(b, base=ledger.version(b["id"]))
    with pytest.raises(InvalidRecord) as refused:
        approve(ledger, ledger.get(b["id"]))
    assert [f.rule for f in refused.value.findings] == ["rule.recognition_objection_open"]
    assert "同班家长" in str(refused.value)
    b = ledger.get(b["id"])
    b["objections"][0].update(settled_on="2026-09-19", settlement="经家访核实，车辆为借用，维持评议结果")
    ledger.put(b, base=ledger.version(b["id"]))
    approve(ledger, ledger.get(b["id"]))
    approve(ledger, ledger.get(a["id"]))
    twice = recognition(base, 0)
    assert rules_of(ledger, twice) == ["rule.recognition_twice"]


def payment(base, i: int, paid_on: str, term: str = "2026-2027-1") -> dict:
    return rec("aid", student=base["students"][i], programme="义务教育寄宿生生活补助", term=term, amount_fen=62_500,
               standard=base["board"], paid_on=paid_on, source="中央", method="银行卡")


def test_a_payment_needs_the_years_approved_recognition_after_its_notice(ledger, base):
    a, b = (recognition(base, i, review=REVIEW, check=CHECK) for i in (0, 1))
    post(ledger, base, [a, b])
    approve(ledger, a)
    # 王小红: approved on 21 September, after the notice ended on the 18th.
    assert rules_of(ledger, payment(base, 0, "2026-09-18")) == ["rule.aid_before_notice_end"]
    [early] = ledger.check(payment(base, 0, "2026-09-18"))
    assert (early.field_path, early.as_json()["message"]) == (
        "paid_on", "发放日期 2026-09-18 不在认定公示结束（2026-09-18）之后")
    assert ledger.put(payment(base, 0, "2026-10-10")).commit
    # 李小兰: on the notice, not approved: nothing for her.
    assert rules_of(ledger, payment(base, 1, "2026-10-10")) == ["rule.aid_not_recognised"]
    # The recognition lapses with its school year: the next year's autumn needs a new one.
    assert rules_of(ledger, payment(base, 0, "2027-10-10", term="2027-2028-1")) == ["rule.aid_not_recognised"]
    # A student without any recognition record keeps the older rule of the 认定 events.
    c = ledger.get(base["students"][2])
    c["events"] = [{"date": "2026-09-01", "event": "认定"}]
    ledger.put(c, base=ledger.version(c["id"]))
    assert rules_of(ledger, payment(base, 2, "2026-10-10")) == []


def test_the_notice_is_made_from_the_recognitions_under_review_and_recorded(ledger, base, capsys, tmp_path):
    a, b, c = (recognition(base, i, review=REVIEW, check=CHECK) for i in (0, 1, 2))
    c["review"] = {**REVIEW, "result": "不通过"}
    del c["review"]["level"]
    ledger.commit([Change(r["id"], r, NEW) for r in (a, b, c)], action="import", message="t")
    out = tmp_path / "公示.md"
    code, shown, err = run(capsys, "-L", str(ledger.path), "recognition-notice", "--school", "某县一中",
                           "--year", YEAR, "--where", "校务公开栏", "--start", "2026-09-14", "-o", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    # Two passed the review and were checked; names masked, nothing but name, school, grade, class, level.
    assert "| 1 | 李\\*\\* | 某县第一中学 | 八年级 | 2班 | 困难 |" in text and "| 2 | 王\\*\\* |" in text
    assert "张" not in text and "小" not in text
    assert "2026-09-14 至 2026-09-18" in text and "校务公开栏" in text
    ledger.refresh()
    [notice] = ledger.scan("posting")
    assert sorted(notice["recognitions"]) == sorted([a["id"], b["id"]]) and notice["end"] == "2026-09-18"
    [entry] = ledger.log(limit=1)
    assert entry["trailers"]["Record-Id"] == [notice["id"]] and entry["author"] == "测试员"
    code, _, err = run(capsys, "-L", str(ledger.path), "--lang", "en", "recognition-notice", "--school", "某县一中",
                       "--year", YEAR, "--where", "校务公开栏")
    assert code == 1 and "no recognitions under review for 2026-2027" in err


def test_a_payment_split_between_funding_sources_adds_up(ledger, base):
    """One payment split between funding sources, as 学前 aid is paid 省:县 = 6:4: 500.00 as 300.00 and 200.00."""
    school = ledger.get(base["school"])
    child = rec("student", name="小明", sex="男", school=school["id"], stage="学前", grade="大班", school_year=YEAR,
                events=[{"date": "2026-09-01", "event": "认定"}])
    ledger.put(child)
    paid = rec("aid", student=child["id"], programme="社会捐助", term="2026-2027-1", amount_fen=50_000,
               paid_on="2026-10-16", source="省", method="银行卡",
               shares=[{"source": "省", "fen": 30_000}, {"source": "县", "fen": 20_000}])
    assert rules_of(ledger, paid) == []
    paid["shares"][1]["fen"] = 15_000
    found = [f for f in ledger.check(paid) if f.level == "error"]
    assert [f.rule for f in found] == ["rule.aid_shares_sum"] and "450.00" in found[0].text()
    paid["shares"][1]["fen"], paid["source"] = 20_000, "中央"
    assert rules_of(ledger, paid) == ["rule.aid_source_not_shared"]


def test_the_dashboards_students_by_status_read_the_years_recognitions(ledger, base):
    # 王小红 approved for 2026-2027, 李小兰 on the notice but never approved, 张小梅 with only the
    # older 认定 event: in the autumn term two are 在册; the next school year 王小红's recognition
    # has lapsed, and only the 认定 event still counts.
    from store.figures import dashboard

    a, b = (recognition(base, i, review=REVIEW, check=CHECK) for i in (0, 1))
    post(ledger, base, [a, b])
    approve(ledger, a)
    c = ledger.get(base["students"][2])
    c["events"] = [{"date": "2026-09-01", "event": "认定"}]
    c["groups"] = ["孤儿"]
    ledger.put(c, base=ledger.version(c["id"]))
    wang, li, zhang = base["students"]
    autumn = dashboard.aid_summary(ledger, "2026-2027-1", today=dt.date(2026, 12, 5))
    assert set(autumn.by_status["在册"]) == {wang, zhang}
    assert autumn.by_status["未认定"] == (li,)
    assert autumn.by_group == {"孤儿": (zhang,)}
    # 应助尽助 that day: the two 在册 are due the boarding subsidy, 1250 元 a year: 625.00 this term.
    [board] = [p for p in autumn.duty.programmes if p.programme == "义务教育寄宿生生活补助"]
    assert sorted((e.student, e.amount_fen) for e in board.due) == sorted([(wang, 62_500), (zhang, 62_500)])
    later = dashboard.aid_summary(ledger, "2027-2028-1", today=dt.date(2027, 10, 8))
    assert (later.by_status["在册"], set(later.by_status["未认定"])) == ((zhang,), {wang, li})


def test_a_notice_cannot_end_after_the_approvals_and_payments_that_follow_it_or_go(ledger, base):
    """A recognition and its student's payment read the notice (公示) that lists it without naming
    it: moving the notice's end past the approval, or deleting the notice, was saved and `validate`
    then failed on them. Both are refused naming them; an edit they survive is saved."""
    a = recognition(base, 0, review=REVIEW, check=CHECK)
    notice = post(ledger, base, [a])                                    # 14th to 18th September
    approve(ledger, a)                                                  # the 21st
    paid = ledger.put(payment(base, 0, "2026-09-25")).id
    later = {**ledger.get(notice["id"]), "end": "2026-09-28"}
    with pytest.raises(InvalidRecord) as refused:
        ledger.put(later, base=ledger.version(notice["id"]))
    assert [f.text() for f in refused.value.findings] == [
        f"错误 {notice['id']}: 这样修改会使以它为依据的 2 条记录违反规则：王小红 义务教育寄宿生生活补助 2026-2027-1 625.00元（{paid}）的「发放日期」、"
        f"王小红 2026-2027 困难认定（{a['id']}）的「审批.审批日期」（用 bangfu "
        f"validate 或 bangfu show {a['id']} 查看；先改这些记录，或换一种改法）"]
    with pytest.raises(InvalidRecord) as refused:
        ledger.delete(notice["id"], reason="重复录入")
    assert [f.text() for f in refused.value.findings] == [
        f"错误 {notice['id']}: 这样修改会使以它为依据的 1 条记录违反规则：王小红 2026-2027 困难认定（{a['id']}）的「审批」（用 bangfu validate 或 "
        f"bangfu show {a['id']} 查看；先改这些记录，或换一种改法）"]
    ledger.put({**ledger.get(notice["id"]), "where": "村务公开栏"}, base=ledger.version(notice["id"]))


def test_a_notice_counts_monday_to_friday_and_starts_after_the_schools_check(ledger, base):
    a = recognition(base, 0, review=REVIEW, check=CHECK)                      # checked on Thursday 10th
    ledger.put(a)
    # Wednesday 16th to Monday 21st: 16, 17, 18 and 21 are working days (19, 20 the weekend): 4 < 5.
    over_weekend = rec("posting", school=base["school"], school_year=YEAR, where="校务公开栏", start="2026-09-16",
                       end="2026-09-21", recognitions=[a["id"]])
    assert rules_of(ledger, over_weekend) == ["rule.notice_too_short"]
    assert rules_of(ledger, {**over_weekend, "end": "2026-09-22"}) == []     # Tuesday 22nd: the fifth
    # A notice from Monday 7th lists a recognition the school only checked on the 10th: out of order.
    early = {**over_weekend, "start": "2026-09-07", "end": "2026-09-11"}      # 7-11: five working days
    with pytest.raises(InvalidRecord) as refused:
        ledger.put(early)
    assert [f.text() for f in refused.value.findings] == [
        f"错误 {early['id']}: 这样修改会使以它为依据的 1 条记录违反规则：王小红 2026-2027 困难认定（{a['id']}）（用 bangfu validate 或 "
        f"bangfu show {a['id']} 查看；先改这些记录，或换一种改法）"]


def test_a_recognition_approved_as_not_recognised_recognises_nobody(ledger, base):
    a, b = (recognition(base, i, review=REVIEW, check=CHECK) for i in (0, 1))
    post(ledger, base, [a, b])
    approve(ledger, a)
    ledger.put({**ledger.get(b["id"]), "approval": {"date": "2026-09-21", "by": "学校资助工作领导小组"},
                "outcome": "不予认定"}, base=ledger.version(b["id"]))
    # 李小兰 approved as 不予认定: her payment is refused as not recognised, and she counts 未认定.
    assert rules_of(ledger, payment(base, 1, "2026-10-10")) == ["rule.aid_not_recognised"]
    from store.figures import dashboard
    autumn = dashboard.aid_summary(ledger, "2026-2027-1", today=dt.date(2026, 10, 10))
    wang, li, zhang = base["students"]
    assert (autumn.by_status["在册"], set(autumn.by_status["未认定"])) == ((wang,), {li, zhang})


def test_last_years_recognition_lapses_before_this_years_approved_on_the_same_day(ledger, base):
    # 王小红 recognised for 2025-2026 (lapses on 1 September 2026) and for 2026-2027, approved on
    # that same Tuesday 1 September after a notice of 24-28 August: on the 1st she is 在册.
    last_year = rec("recognition", student=base["students"][0], school_year="2025-2026", school=base["school"],
                    application={"date": "2025-09-02", "applicant": "家长", "pledge_signed": True},
                    review={**REVIEW, "date": "2025-09-08"}, check={**CHECK, "date": "2025-09-10"})
    this_year = recognition(base, 0, application={"date": "2026-08-17", "applicant": "家长", "pledge_signed": True},
                            review={**REVIEW, "date": "2026-08-18"}, check={**CHECK, "date": "2026-08-19"})
    ledger.commit([Change(r["id"], r, NEW) for r in (last_year, this_year)] + [
        Change(p["id"], p, NEW) for p in (
            rec("posting", school=base["school"], school_year="2025-2026", where="校务公开栏", start="2025-09-15",
                end="2025-09-19", recognitions=[last_year["id"]]),
            rec("posting", school=base["school"], school_year=YEAR, where="校务公开栏", start="2026-08-24",
                end="2026-08-28", recognitions=[this_year["id"]]))], action="notice", message="t")
    approve(ledger, last_year, "2025-09-22")
    approve(ledger, this_year, "2026-09-01")
    from store.figures import dashboard
    first_day = dashboard.aid_summary(ledger, "2026-2027-1", today=dt.date(2026, 9, 1))
    assert first_day.by_status["在册"] == (base["students"][0],)
