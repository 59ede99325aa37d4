"""Aid due and paid for a term, counted by hand on a small ledger: programmes in the order of the
policy list (not text order), payments by date, what the standards say is due (a per-year
standard of an odd number of fen may be paid either way rounded), special groups in the order of
the list."""
from __future__ import annotations

import datetime as dt

import pytest

from store import NEW, Change
from store.core.ids import new_id
from store.figures import dashboard as d

TERM = "2026-2027-1"
PRE, BOARD, MEAL, HIGH = "学前教育资助", "义务教育寄宿生生活补助", "营养改善计划", "普通高中国家助学金"


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 1, **fields}


@pytest.fixture
def paid(ledger):
    school = _rec("school", name="三元中心小学", stage="小学", county="某县", area="乡村")

    def student(name, **extra):
        return _rec("student", name=name, sex="女", school=school["id"], stage="小学", grade="五年级", boarding=True,
                    events=[{"date": "2025-09-01", "event": "认定"}], **extra)

    a = student("马晓梅", groups=["留守", "建档立卡"])
    b = student("李小军", groups=["孤儿"])
    c = student("王一")
    year = _rec("standard", programme=BOARD, stage="小学", boarding=True, amount_fen=125001, unit="年",
                region="某县", valid_from="2020-01-01")
    day = _rec("standard", programme=MEAL, stage="小学", amount_fen=400, unit="天", region="某县",
               valid_from="2020-01-01")

    def aid(student_, programme, fen, on, **extra):
        return _rec("aid", student=student_["id"], programme=programme, term=TERM, amount_fen=fen, paid_on=on,
                    source="中央", method="银行卡", **extra)

    # Made in this order, so their ids run against the order of their dates.
    late = aid(a, BOARD, 62501, "2026-10-20", standard=year["id"])      # rounded up: allowed
    early = aid(b, BOARD, 62500, "2026-10-10", standard=year["id"])     # rounded down: allowed
    meal = aid(a, MEAL, 32000, "2026-11-02", standard=day["id"], days=80)
    pre = aid(c, PRE, 30000, "2026-09-15")
    high = aid(c, HIGH, 100000, "2026-09-16")
    records = [school, a, b, c, year, day, late, early, meal, pre, high]
    ledger.commit([Change(r["id"], r, NEW) for r in records], action="import", message="test data")
    return {k: v["id"] for k, v in dict(a=a, b=b, c=c, late=late, early=early, meal=meal, pre=pre, high=high).items()}


def test_aid_due_and_paid_by_programme(ledger, paid):
    aid = d.aid_summary(ledger, TERM)
    assert aid.term == TERM and aid.on == dt.date(2027, 1, 31)
    assert [p.programme for p in aid.programmes] == [PRE, BOARD, MEAL, HIGH]     # the policy list's order
    by = {p.programme: p for p in aid.programmes}
    board = by[BOARD]
    assert board.payments == (paid["early"], paid["late"])                     # by date paid
    assert (board.students, board.paid_fen, board.expected_fen, board.off, board.unchecked) == (
        2, 125001, 125001, (), ())
    assert (by[MEAL].paid_fen, by[MEAL].expected_fen, by[MEAL].off) == (32000, 32000, ())
    assert (by[PRE].expected_fen, by[PRE].unchecked) == (0, (paid["pre"],))
    assert (aid.paid_fen, aid.expected_fen) == (287001, 157001)
    assert list(aid.by_group) == ["建档立卡", "孤儿", "留守"]                       # the list's order
    assert aid.by_group["孤儿"] == (paid["b"],)


def test_a_payment_off_its_standard_is_counted_at_what_is_due(ledger, paid):
    doc = ledger.get(paid["late"])
    ledger.put({**doc, "amount_fen": 60000}, base=ledger.version(paid["late"]))
    board = {p.programme: p for p in d.aid_summary(ledger, TERM).programmes}[BOARD]
    assert (board.paid_fen, board.expected_fen, board.off) == (122500, 125000, (paid["late"],))


@pytest.mark.parametrize("aid,standard,due", [
    ({"programme": BOARD, "amount_fen": 62501}, {"programme": BOARD, "unit": "年", "amount_fen": 125001}, 62501),
    ({"programme": BOARD, "amount_fen": 62500}, {"programme": BOARD, "unit": "年", "amount_fen": 125001}, 62500),
    ({"programme": BOARD, "amount_fen": 60000}, {"programme": BOARD, "unit": "年", "amount_fen": 125001}, 62500),
    ({"programme": BOARD, "amount_fen": 1}, {"programme": BOARD, "unit": "学期", "amount_fen": 50000}, 50000),
    ({"programme": MEAL, "amount_fen": 1, "days": 80}, {"programme": MEAL, "unit": "天", "amount_fen": 400}, 32000),
    # What cannot be told: no days for a per-day standard, the amount written as text, another
    # programme's standard, no standard, a unit no policy uses.
    ({"programme": MEAL, "amount_fen": 1}, {"programme": MEAL, "unit": "天", "amount_fen": 400}, None),
    ({"programme": BOARD, "amount_fen": 1}, {"programme": BOARD, "unit": "年", "amount_fen": "一千"}, None),
    ({"programme": MEAL, "amount_fen": 1}, {"programme": BOARD, "unit": "年", "amount_fen": 125000}, None),
    ({"programme": MEAL, "amount_fen": 1}, None, None),
    ({"programme": BOARD, "amount_fen": 1}, {"programme": BOARD, "unit": "月", "amount_fen": 10000}, None),
])
def test_what_a_standard_says_is_due(aid, standard, due):
    assert d.expected_fen(aid, standard) == due


def test_a_per_day_payment_without_days_is_held_to_its_terms_calendar(ledger, paid):
    """A meal payment that gives no days is for the school days of the term's calendar (as the rules
    check it): the dashboard and the term report counted it as paid but not as due, so the report
    read "paid 404.00, standard 320.00, difference 0". And the report puts a payment under the stage
    the student was at in the term's school year, not the one she is at now."""
    from store.io import report
    school = ledger.get(paid["a"])["school"]
    calendar = _rec("calendar", term=TERM, counties=["某县"], first_day="2026-09-01", last_day="2026-09-30",
                    holidays=[{"start": "2026-09-25", "name": "中秋节"}])
    # September 2026: 22 weekdays (Tuesday 1st to Wednesday 30th), less 中秋节 (Friday 25th): 21.
    b_meal = _rec("aid", student=paid["b"], programme=MEAL, term=TERM, amount_fen=8400, paid_on="2026-11-02",
                  source="省", method="银行卡", standard=ledger.get(paid["meal"])["standard"])
    # 王一 moved on to a junior school the next school year: her 2026-2027 payments are 小学 ones.
    c = ledger.get(paid["c"])
    moved = {**c, "stage": "初中", "grade": "七年级", "school_year": "2027-2028",
             "years": [{"school_year": "2026-2027", "school": school, "stage": "小学", "grade": "五年级"}]}
    ledger.commit([Change(calendar["id"], calendar, NEW), Change(b_meal["id"], b_meal, NEW),
                   Change(paid["c"], moved, ledger.version(paid["c"]))], action="import", message="test data")
    meal = {p.programme: p for p in d.aid_summary(ledger, TERM).programmes}[MEAL]
    assert (meal.paid_fen, meal.expected_fen, meal.off, meal.unchecked) == (40400, 40400, (), ())   # 4 元 x 80 + 4 元 x 21
    made = report.build(ledger, TERM, today=dt.date(2027, 2, 1)).aid
    [by_meal] = [m for m in made.by_programme if m.label == MEAL]
    assert (by_meal.paid_fen, by_meal.expected_fen, by_meal.checked_fen) == (40400, 40400, 40400)
    # Every payment is a 小学 pupil's; those with a standard: 125001 + 32000 + 8400 due, all paid so.
    assert [(m.label, m.payments, m.paid_fen, m.expected_fen) for m in made.by_stage] == [
        ("小学", 6, 295401, 165401)]
    assert [(m.label, m.payments, m.paid_fen, m.expected_fen) for m in made.by_source] == [
        ("中央", 5, 287001, 157001), ("省", 1, 8400, 8400)]
