"""Twinning input and figures against what a user would notice: an activity whose host is its
visitor is refused; aid without a standard is no deviation in the term report."""
from __future__ import annotations

import datetime as dt

import pytest

from store import NEW, Change, InvalidRecord
from store.core.ids import new_id


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 1, **fields}


@pytest.fixture
def pair(ledger):
    a = _rec("school", name="城关小学", stage="小学", county="某县", area="城区")
    b = _rec("school", name="梓园小学", stage="小学", county="某县", area="乡村")
    plan = _rec("plan", title="城关小学帮扶梓园小学", status="执行中", period={"start": "2026-03-16", "end": "2027-01-31"},
                parties=[{"school": a["id"], "role": "帮扶"}, {"school": b["id"], "role": "受帮扶"}])
    ledger.commit([Change(r["id"], r, NEW) for r in (a, b, plan)], message="test data")
    return {"plan": plan["id"], "a": a["id"], "b": b["id"]}


def test_an_activity_whose_host_is_its_visitor_is_refused(ledger, pair):
    same = _rec("visit", plan=pair["plan"], date="2026-04-02", kind="互访", host_school=pair["b"],
                visiting_school=pair["b"])
    with pytest.raises(InvalidRecord) as err:
        ledger.put(same)
    [f] = err.value.findings
    assert (f.record, f.rule, f.path) == (same["id"], "rule.visit_host_is_visitor", ("visiting_school",))
    assert "梓园小学" in f.text()
    assert ledger.count("visit") == 0
    ledger.put({**same, "visiting_school": pair["a"]})
    assert ledger.count("visit") == 1


def test_aid_without_a_standard_is_not_a_deviation(ledger, pair):
    from store.io import report

    student = _rec("student", name="马小梅", sex="女", school=pair["b"], stage="小学", grade="五年级",
                   events=[{"date": "2026-03-01", "event": "认定"}])
    aid = _rec("aid", student=student["id"], programme="社会捐助", term="2025-2026-2", amount_fen=50000,
               paid_on="2026-04-01", source="社会捐助", method="银行卡")
    ledger.commit([Change(r["id"], r, NEW) for r in (student, aid)], message="aid")
    built = report.build(ledger, "2025-2026-2", today=dt.date(2026, 6, 15))
    # 500.00 paid; no standard to hold it against: the standard and the difference are blank.
    [row] = report.money_rows(built.aid.by_programme)
    assert row == ["社会捐助", 1, 1, 50000, None, None]
    [row] = report.money_rows(built.aid.by_source)
    assert row[4:] == [None, None]
    assert "+500" not in report.markdown(built) and "-500" not in report.markdown(built)
