"""One payment per student, programme and term: a second one is refused on save, and only that
one. Payments that differ in the student, the programme or the term are all saved."""
from __future__ import annotations

import pytest

from store.core.errors import InvalidRecord
from store.core.ids import new_id
from store.figures import dashboard as d

TERM = "2026-2027-1"
BOARD, MEAL = "义务教育寄宿生生活补助", "营养改善计划"


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 1, **fields}


@pytest.fixture
def two_students(ledger):
    school = ledger.put(_rec("school", name="三元中学", stage="初中", county="某县", area="乡村")).id
    students = []
    for name in ("马晓梅", "李小军"):
        students.append(ledger.put(_rec("student", name=name, sex="女", school=school, stage="初中",
                                        grade="八年级", boarding=True,
                                        events=[{"date": "2025-09-01", "event": "认定"}])).id)
    return students


def _payment(student: str, programme: str, term: str = TERM, fen: int = 62500, day: str = "2026-10-10") -> dict:
    return _rec("aid", student=student, programme=programme, term=term, amount_fen=fen, paid_on=day,
                source="中央", method="银行卡")


def _refused(ledger, record) -> list:
    with pytest.raises(InvalidRecord) as caught:
        ledger.put(record)
    return [(f.rule, f.path, f.params.get("other")) for f in caught.value.findings]


def test_payments_differing_in_student_programme_or_term_are_all_saved(ledger, two_students):
    ma, li = two_students
    saved = [ledger.put(p).id for p in (
        _payment(ma, BOARD),
        _payment(ma, MEAL, fen=30000),                    # same student and term, another programme
        _payment(li, BOARD),                              # same programme and term, another student
        _payment(li, MEAL, fen=30000),
        _payment(ma, BOARD, term="2026-2027-2", day="2027-03-10"),   # same student and programme, next term
    )]
    assert len(ledger.find("aid")) == 5
    aid = d.aid_summary(ledger, TERM)
    by = {p.programme: p for p in aid.programmes}
    assert (by[BOARD].students, by[BOARD].paid_fen, len(by[BOARD].payments)) == (2, 125000, 2)
    assert (by[MEAL].students, by[MEAL].paid_fen, len(by[MEAL].payments)) == (2, 60000, 2)
    assert saved[4] not in aid.payments


@pytest.mark.parametrize("student,programme", [(0, BOARD), (0, MEAL), (1, BOARD), (1, MEAL)])
def test_a_second_payment_for_the_same_student_programme_and_term_is_refused(ledger, two_students,
                                                                           student, programme):
    ma, li = two_students
    first = {(s, p): ledger.put(_payment(s, p)).id for s in (ma, li) for p in (BOARD, MEAL)}
    who = two_students[student]
    before = ledger.tip
    found = _refused(ledger, _payment(who, programme, day="2026-11-20"))
    # Exactly one finding, naming the one payment it repeats (not the other student's, not the
    # other programme's).
    assert found == [("rule.aid_duplicate", ("term",), first[(who, programme)])]
    assert ledger.tip == before and len(ledger.find("aid")) == 4


def test_editing_a_payment_is_not_a_duplicate_of_itself(ledger, two_students):
    ma, _li = two_students
    saved = ledger.put(_payment(ma, BOARD))
    doc = ledger.get(saved.id)
    ledger.put({**doc, "amount_fen": 62000}, base=saved.version)
    assert ledger.get(saved.id)["amount_fen"] == 62000
