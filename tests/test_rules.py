"""The rules beyond JSON Schema (store/rules/checks.py): one test per rule, valid and invalid."""
from __future__ import annotations

import copy

import pytest

from store.core import i18n
from store.rules import idcard, checks as rules
from store.core.findings import Finding
from store.core.ids import new_id
from store.rules.schema import Schemas

SCHEMAS = Schemas.from_dir()


# --- a dict-backed RecordSource -------------------------------------------------------------

class Source:
    def __init__(self, *records: dict):
        self.records = {r["id"]: r for r in records}

    def add(self, *records: dict) -> "Source":
        self.records.update({r["id"]: r for r in records})
        return self

    def get(self, record_id: str) -> dict | None:
        return self.records.get(record_id)

    def find(self, type: str, **equal: object) -> list[dict]:
        return [r for r in self.records.values()
                if r["type"] == type and all(r.get(k) == v for k, v in equal.items())]


# --- a small valid ledger: two schools, a plan, a student, a standard, a payment -----------------

def base(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 1, **fields}


def make_ledger() -> dict[str, dict]:
    shahe = base("school", name="沙河镇第二中心小学", short_name="沙河二小", stage="小学", county="示范县", area="镇区")
    shiqiao = base("school", name="石桥镇第二中心小学", short_name="石桥二小", stage="小学", county="示范县", area="乡村")
    other = base("school", name="海原县第四中学", short_name="海原四中", stage="初中", county="海原县", area="城区")
    plan = base("plan", title="沙河二小帮扶石桥二小", status="执行中",
                period={"start": "2006-09-01", "end": "2007-08-31"},
                parties=[{"school": shahe["id"], "role": "帮扶"}, {"school": shiqiao["id"], "role": "受帮扶"}],
                targets=[{"key": "songjiao", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时", "per": "学期"},
                         {"key": "lecture", "metric": "专题讲座", "comparison": ">=", "value": 2, "unit": "次", "per": "学期"}],
                schedule=[{"month": "2006-09", "text": "制定计划"}, {"month": "2007-06", "text": "总结"}],
                budget={"total_fen": 1_000_000, "by_year": [{"year": 2006, "fen": 400_000}, {"year": 2007, "fen": 600_000}]},
                leading_group=[{"name": "王校长", "role": "组长", "school": shahe["id"]}])
    visit = base("visit", plan=plan["id"], kind="送教下乡", date="2006-10-12", host_school=shiqiao["id"],
                 visiting_school=shahe["id"], hours=4, participants=[{"name": "李老师", "school": shahe["id"]}])
    student = base("student", name="张小花", sex="女", school=shiqiao["id"], stage="小学", grade="四年级", boarding=True,
                   events=[{"date": "2006-09-01", "event": "认定", "reason": "建档立卡"}])
    standard = base("standard", programme="义务教育寄宿生生活补助", stage="小学", boarding=True, amount_fen=100_000,
                    unit="年", region="示范县", valid_from="2006-01-01", valid_to="2010-12-31")
    aid = base("aid", student=student["id"], programme="义务教育寄宿生生活补助", term="2006-2007-1", amount_fen=50_000,
               standard=standard["id"], paid_on="2006-11-20", source="中央", method="银行卡")
    return {"shahe": shahe, "shiqiao": shiqiao, "other": other, "plan": plan, "visit": visit,
            "student": student, "standard": standard, "aid": aid}


@pytest.fixture
def L() -> dict[str, dict]:
    return make_ledger()


def source_of(L: dict[str, dict]) -> Source:
    return Source(*L.values())


def run(record: dict, L: dict[str, dict], **kw) -> list[Finding]:
    # The rules run only on records that passed their schema: make sure the test data does.
    assert SCHEMAS.check(record) == [], SCHEMAS.check(record)
    return rules.check(record, source_of(L), **kw)


def only(findings: list[Finding], rule: str, level: str, path: tuple) -> Finding:
    assert [(f.rule, f.level, f.path) for f in findings] == [(rule, level, path)], findings
    return findings[0]


def texts(finding: Finding) -> tuple[str, str]:
    assert i18n.has(finding.rule), finding.rule
    try:
        i18n.set_lang("zh")
        zh = i18n.t(finding.rule, **finding.params)
        i18n.set_lang("en")
        en = i18n.t(finding.rule, **finding.params)
    finally:
        i18n.set_lang("zh")
    assert "{" not in zh and "{" not in en, (zh, en)
    return zh, en


def names(finding: Finding, *values: str) -> tuple[str, str]:
    """The finding names the values, in each language as it shows them (an enumerated value such
    as 挂职 reads in English in English mode; the record keeps it as stored)."""
    zh, en = texts(finding)
    for value in values:
        english = i18n.catalogue().get(f"value.{value}", {}).get("en", value)
        assert value in zh and english in en, (value, zh, en)
    return zh, en


def test_valid_ledger_has_no_findings(L):
    for record in L.values():
        assert run(record, L) == [], record["type"]


# --- references ------------------------------------------------------------------------------

def test_ref_missing(L):
    ghost = new_id("school")
    L["visit"]["participants"][0]["school"] = ghost
    f = only(run(L["visit"], L), "rule.ref_missing", "error", ("participants", 0, "school"))
    zh, en = names(f, ghost)
    assert "学校" in zh and "participants[0].school" in en


def test_ref_of_wrong_type_is_missing(L):
    # An id that names a record of another type (only possible with a hand-made source).
    src = source_of(L)
    fake = new_id("school")
    src.records[fake] = {**L["plan"], "id": fake}
    L["student"]["school"] = fake
    f = only(rules.check(L["student"], src), "rule.ref_missing", "error", ("school",))
    names(f, fake)


def test_referrers_and_delete(L):
    src = source_of(L)
    refs = rules.referrers(L["shahe"]["id"], src)
    assert set(refs) == {(L["plan"]["id"], ("parties", 0, "school")), (L["plan"]["id"], ("leading_group", 0, "school")),
                         (L["visit"]["id"], ("visiting_school",)), (L["visit"]["id"], ("participants", 0, "school"))}
    assert rules.referrers(L["aid"]["id"], src) == []
    assert rules.referrers("not-an-id", src) == []
    assert rules.check(L["aid"], src, deleting=True) == []
    findings = rules.check(L["student"], src, deleting=True)
    f = only(findings, "rule.still_referenced", "error", ())
    names(f, L["aid"]["id"], "student")


# --- plan ------------------------------------------------------------------------------------

def test_plan_period_order(L):
    L["plan"]["period"] = {"start": "2007-09-01", "end": "2007-08-31"}
    L["plan"]["schedule"] = []
    found = run(L["plan"], L)
    f = only([f for f in found if f.rule != "rule.breaks_referrers"], "rule.plan_period_order", "error",
             ("period", "end"))
    names(f, "2007-09-01", "2007-08-31")
    # its visit now lies outside it: named on the plan too
    assert [(f.rule, f.params["list"]) for f in found if f.rule == "rule.breaks_referrers"] == [
        ("rule.breaks_referrers", f"2006-10-12 送教下乡 沙河二小 → 石桥二小（{L['visit']['id']}）的「日期」")]


@pytest.mark.parametrize("missing,word_zh,word_en", [("帮扶", "帮扶", "supporting"), ("受帮扶", "受帮扶", "supported")])
def test_plan_role_missing(L, missing, word_zh, word_en):
    for party in L["plan"]["parties"]:
        party["role"] = "受帮扶" if missing == "帮扶" else "帮扶"
    f = only(run(L["plan"], L), "rule.plan_role_missing", "error", ("parties",))
    zh, en = texts(f)
    assert f"没有{word_zh}学校" in zh and word_en in en


def test_plan_party_twice(L):
    L["plan"]["parties"].append({"school": L["shahe"]["id"], "role": "受帮扶"})
    f = only(run(L["plan"], L), "rule.plan_party_twice", "error", ("parties", 2, "school"))
    names(f, "沙河二小", "1", "3")


def test_plan_target_twice(L):
    L["plan"]["targets"][1]["key"] = "songjiao"
    f = only(run(L["plan"], L), "rule.plan_target_twice", "error", ("targets", 1, "key"))
    names(f, "songjiao")


def test_plan_budget_sum(L):
    L["plan"]["budget"]["by_year"][1]["fen"] = 550_050
    f = only(run(L["plan"], L), "rule.plan_budget_sum", "error", ("budget", "by_year"))
    names(f, "9,500.50", "10,000.00")


def test_plan_budget_without_breakdown(L):
    del L["plan"]["budget"]["by_year"]
    assert run(L["plan"], L) == []


def test_plan_schedule_month(L):
    L["plan"]["schedule"].append({"month": "2007-09", "text": "多余"})
    f = only(run(L["plan"], L), "rule.plan_schedule_month", "error", ("schedule", 2, "month"))
    names(f, "2007-09", "2006-09-01", "2007-08-31")


# --- visit -----------------------------------------------------------------------------------

def test_visit_end_before_start(L):
    L["visit"]["end_date"] = "2006-10-11"
    f = only(run(L["visit"], L), "rule.visit_end_before_start", "error", ("end_date",))
    names(f, "2006-10-11", "2006-10-12")


@pytest.mark.parametrize("field,value", [("date", "2007-09-01"), ("end_date", "2007-09-02")])
def test_visit_out_of_period(L, field, value):
    L["visit"][field] = value
    f = only(run(L["visit"], L), "rule.visit_out_of_period", "error", (field,))
    names(f, value, "2006-09-01", "2007-08-31", "沙河二小帮扶石桥二小")


def test_visit_on_the_period_edges(L):
    L["visit"]["date"], L["visit"]["end_date"] = "2006-09-01", "2007-08-31"
    assert run(L["visit"], L) == []


@pytest.mark.parametrize("field", ["host_school", "visiting_school"])
def test_visit_school_not_party(L, field):
    L["visit"][field] = L["other"]["id"]
    f = only(run(L["visit"], L), "rule.visit_school_not_party", "error", (field,))
    names(f, "海原四中", "沙河二小帮扶石桥二小")


def secondment(L, kind: str, start: str, end: str) -> dict:
    L["visit"].update(kind=kind, secondment={"person": "赵老师", "from_school": L["shahe"]["id"],
                                             "to_school": L["shiqiao"]["id"], "start": start, "end": end})
    return L["visit"]


def test_secondment_same_school(L):
    visit = secondment(L, "支教", "2006-09-01", "2007-08-31")
    visit["secondment"]["to_school"] = L["shahe"]["id"]
    f = only(run(visit, L), "rule.secondment_same_school", "error", ("secondment", "to_school"))
    names(f, "沙河二小")


def test_secondment_order(L):
    visit = secondment(L, "挂职", "2007-01-10", "2006-12-01")
    f = only(run(visit, L), "rule.secondment_order", "error", ("secondment", "end"))
    names(f, "赵老师", "挂职", "2007-01-10", "2006-12-01")


# By the default calendar (no calendar record here), school days Monday to Friday: autumn
# 2006-09-01..2007-01-20, 101; spring 2007-03-01..2007-07-10, 94; the school year 195. 支教 must
# cover a school year's school days, 挂职 a term's (07-10 is a Tuesday, 01-19 a Friday).
@pytest.mark.parametrize("kind,start,end,days,minimum", [
    ("支教", "2006-09-01", "2007-07-09", 194, 195),
    ("挂职", "2006-09-01", "2007-01-18", 100, 101),
])
def test_secondment_short(L, kind, start, end, days, minimum):
    visit = secondment(L, kind, start, end)
    f = only(run(visit, L), "rule.secondment_short", "warning", ("secondment", "end"))
    names(f, "赵老师", kind, start, end, str(days), str(minimum))


# A normal school-year 支教 (08-28 to 07-15, 322 days) and a 挂职 of the autumn term.
@pytest.mark.parametrize("kind,start,end", [("支教", "2006-08-28", "2007-07-15"), ("挂职", "2006-09-01", "2007-01-20")])
def test_secondment_long_enough(L, kind, start, end):
    assert run(secondment(L, kind, start, end), L) == []


def donation(L, total: int) -> dict:
    L["visit"].update(kind="捐赠", donation={
        "donor": "沙河二小", "recipient": "石桥二小", "cash_fen": 200_000, "total_fen": total,
        "items": [{"category": "图书", "name": "课外读物", "quantity": 300, "unit_value_fen": 1_550},
                  {"category": "文具", "name": "书包", "quantity": 50, "unit_value_fen": 4_000}]})
    return L["visit"]


def test_donation_total(L):
    assert run(donation(L, 200_000 + 465_000 + 200_000), L) == []
    f = only(run(donation(L, 800_000), L), "rule.donation_total", "error", ("donation", "total_fen"))
    names(f, "8,000.00", "8,650.00", "2,000.00", "6,650.00")


# --- student -----------------------------------------------------------------------------------

VALID_ID = "11010519491231002X"


@pytest.mark.parametrize("value,key", [
    ("34052419800101001", "idcard.shape"),
    ("000000200808081015", "idcard.region"),
    ("110105194902300028", "idcard.birth"),
    ("340524198001010013", "idcard.check"),
])
def test_student_id_number(L, value, key):
    assert idcard.problem(value) == key
    L["student"]["identity"] = {"id_number": value}
    # A clear string is input, not a committed record, so the schema is skipped here.
    f = only(rules.check(L["student"], source_of(L)), key, "error", ("identity", "id_number"))
    zh, en = texts(f)
    assert value not in zh and value not in en  # never repeat the number
    assert "身份证" in zh and "ID number" in en


def test_student_id_number_valid_or_protected(L):
    L["student"]["identity"] = {"id_number": VALID_ID}
    assert rules.check(L["student"], source_of(L)) == []
    L["student"]["identity"] = {"id_number": {"masked": "1101**********002X", "hmac": "0" * 64}}
    assert run(L["student"], L) == []


def test_student_first_event(L):
    L["student"]["events"] = [{"date": "2006-09-01", "event": "返贫"}, {"date": "2006-08-01", "event": "退出"}]
    findings = run(L["student"], L)
    # Sorted by date, the 退出 of 2006-08-01 comes first (index 1 in the record).
    assert [(f.rule, f.path) for f in findings][0] == ("rule.student_first_event", ("events", 1, "event"))
    names(findings[0], "2006-08-01", "退出")


def test_student_lift_unrecognised(L):
    L["student"]["events"] += [{"date": "2007-01-01", "event": "退出"}, {"date": "2007-03-01", "event": "脱贫"}]
    f = only(run(L["student"], L), "rule.student_lift_unrecognised", "error", ("events", 2, "event"))
    zh, en = names(f, "2007-03-01")
    assert "已退出" in zh and "left" in en


def test_student_after_exit(L):
    L["student"]["events"] += [{"date": "2007-01-01", "event": "退出"}, {"date": "2007-03-01", "event": "退出"}]
    f = only(run(L["student"], L), "rule.student_after_exit", "warning", ("events", 2, "event"))
    names(f, "2007-01-01", "2007-03-01", "退出")


def test_student_event_sequence_that_makes_sense(L):
    L["student"]["events"] += [{"date": "2007-07-01", "event": "脱贫"}, {"date": "2008-03-01", "event": "返贫"},
                               {"date": "2009-07-01", "event": "退出"}, {"date": "2010-09-01", "event": "认定"},
                               {"date": "2011-07-01", "event": "退出"}, {"date": "2012-01-01", "event": "返贫"}]
    assert run(L["student"], L) == []


# --- student_status / is_eligible ----------------------------------------------------------------

@pytest.mark.parametrize("on,status", [
    ("2006-08-31", "未认定"),
    ("2006-09-01", "在册"),
    ("2007-07-01", "脱贫保留"),
    ("2008-03-01", "在册"),
    ("2009-07-01", "已退出"),
])
def test_student_status(on, status):
    student = {"stage": "小学", "events": [
        {"date": "2009-07-01", "event": "退出"}, {"date": "2006-09-01", "event": "认定"},
        {"date": "2007-07-01", "event": "脱贫"}, {"date": "2008-03-01", "event": "返贫"}]}
    assert rules.student_status(student, on) == status
    assert rules.is_eligible(student, on) == (status in ("在册", "脱贫保留"))


def test_student_status_lifted_in_another_stage():
    import datetime as dt
    student = {"stage": "初中", "events": [{"date": "2006-09-01", "event": "认定"},
                                          {"date": "2007-07-01", "event": "脱贫", "stage": "小学"}]}
    assert rules.student_status(student, dt.date(2008, 1, 1)) == "已脱贫"
    assert not rules.is_eligible(student, "2008-01-01")
    student["events"][1]["stage"] = "初中"
    assert rules.student_status(student, "2008-01-01") == "脱贫保留"
    assert rules.student_status({"stage": "小学"}, "2008-01-01") == "未认定"


# --- standard ----------------------------------------------------------------------------------------

def test_standard_validity_order(L):
    L["standard"]["valid_to"] = "2005-12-31"
    found = run(L["standard"], L)
    f = only([f for f in found if f.rule != "rule.breaks_referrers"], "rule.standard_validity_order", "error",
             ("valid_to",))
    # the payment made under it (2006-11-20) now falls outside it: named on the standard too
    assert [f.params["list"] for f in found if f.rule == "rule.breaks_referrers"] == [
        f"张小花 义务教育寄宿生生活补助 2006-2007-1 500.00元（{L['aid']['id']}）的「发放日期」"]
    names(f, "2006-01-01", "2005-12-31")
    del L["standard"]["valid_to"]
    assert run(L["standard"], L) == []


# --- aid -----------------------------------------------------------------------------------------------

def test_aid_term(L):
    L["aid"]["term"] = "2006-2008-1"
    f = only(run(L["aid"], L), "rule.aid_term", "error", ("term",))
    names(f, "2006-2008-1", "2007", "2006-2007-1")


def test_aid_duplicate(L):
    again = copy.deepcopy(L["aid"])
    again["id"] = new_id("aid")
    f = only(run(again, L), "rule.aid_duplicate", "error", ("term",))
    zh, _en = names(f, "张小花", "2006-2007-1", "义务教育寄宿生生活补助")
    paid = L["aid"]
    assert f"{paid['paid_on']} · {paid['amount_fen'] // 100:,}.00" in zh and paid["id"] not in zh
    again["term"] = "2006-2007-2"
    assert run(again, L) == []


@pytest.mark.parametrize("field,value,level,shown_zh,shown_en", [
    ("programme", "学前教育资助", "error", "学前教育资助", "this payment's is preschool aid"),
    ("stage", "初中", "warning", "初中", "the student's is junior middle"),
    ("boarding", False, "warning", "走读", "non-boarding"),
])
def test_aid_standard_mismatch(L, field, value, level, shown_zh, shown_en):
    target = L["aid"] if field == "programme" else L["student"]
    target[field] = value
    f = only(run(L["aid"], L), "rule.aid_standard_mismatch", level, ("standard",))
    zh, en = texts(f)
    assert shown_zh in zh and shown_en in en
    assert ("寄宿" if field == "boarding" else L["standard"][field]) in zh


def test_aid_standard_without_boarding_fits_everyone(L):
    del L["standard"]["boarding"]
    L["student"]["boarding"] = False
    assert run(L["aid"], L) == []


def test_aid_standard_not_valid(L):
    L["standard"]["valid_to"] = "2006-10-31"
    f = only(run(L["aid"], L), "rule.aid_standard_not_valid", "error", ("paid_on",))
    names(f, "2006-11-20", "2006-01-01", "2006-10-31")
    del L["standard"]["valid_to"]
    L["standard"]["valid_from"] = "2007-01-01"
    f = only(run(L["aid"], L), "rule.aid_standard_not_valid", "error", ("paid_on",))
    zh, en = names(f, "2007-01-01")
    assert "至今" in zh.replace(" ", "") and "open end" in en


@pytest.mark.parametrize("unit,rate,days,paid", [
    ("年", 100_000, None, 50_000),
    ("学期", 62_500, None, 62_500),
    ("天", 400, 100, 40_000),
])
def test_aid_amount_by_unit(L, unit, rate, days, paid):
    L["standard"].update(unit=unit, amount_fen=rate)
    L["aid"]["amount_fen"] = paid
    if days is not None:
        L["aid"]["days"] = days
    assert run(L["aid"], L) == []


def test_aid_amount_off(L):
    L["aid"]["amount_fen"] = 62_500
    f = only(run(L["aid"], L), "rule.aid_amount_off", "warning", ("amount_fen",))
    zh, en = names(f, "625.00", "500.00", "1,000.00", "义务教育寄宿生生活补助", "小学")
    assert "寄宿" in zh and "每年" in zh and "boarding" in en and "per year" in en


def test_aid_amount_off_per_day(L):
    L["standard"].update(unit="天", amount_fen=400, programme="营养改善计划")
    del L["standard"]["boarding"]
    L["aid"].update(programme="营养改善计划", amount_fen=36_000, days=100)
    f = only(run(L["aid"], L), "rule.aid_amount_off", "warning", ("amount_fen",))
    zh, en = names(f, "360.00", "400.00", "4.00", "营养改善计划")
    assert "不分寄宿" in zh and "boarding or not" in en


def test_aid_days_missing(L):
    L["standard"].update(unit="天", amount_fen=400)
    f = only(run(L["aid"], L), "rule.aid_days_missing", "error", ("days",))
    names(f, "4.00")


@pytest.mark.parametrize("events,status_zh,status_en", [
    ([], "未认定", "not recognised"),
    ([{"date": "2006-09-01", "event": "认定"}, {"date": "2006-11-01", "event": "退出"}], "已退出", "left"),
    ([{"date": "2006-12-01", "event": "认定"}], "未认定", "not recognised"),
])
def test_aid_not_eligible(L, events, status_zh, status_en):
    if events:
        L["student"]["events"] = events
    else:
        del L["student"]["events"]
    f = only(run(L["aid"], L), "rule.aid_not_eligible", "error", ("paid_on",))
    zh, en = names(f, "张小花", "2006-11-20")
    assert status_zh in zh and status_en in en


def test_aid_eligible_after_lifting_in_same_stage(L):
    L["student"]["events"].append({"date": "2006-10-01", "event": "脱贫", "stage": "小学"})
    assert run(L["aid"], L) == []
    L["student"]["stage"] = "初中"  # moved up a stage since: the 脱贫 no longer keeps eligibility
    L["standard"]["stage"] = "初中"
    f = only(run(L["aid"], L), "rule.aid_not_eligible", "error", ("paid_on",))
    zh, en = texts(f)
    assert "已脱贫" in zh and "lifted" in en


# --- the catalogue ------------------------------------------------------------------------------------

def test_every_rule_message_has_both_languages():
    keys = [k for k in i18n.catalogue() if k.startswith(("rule.", "idcard."))]
    assert len(keys) > 30
    for key in keys:
        assert i18n.catalogue()[key].keys() == {"zh", "en"}, key


def test_finding_text_follows_language_switch(L):
    L["student"]["boarding"] = False
    f = only(run(L["aid"], L), "rule.aid_standard_mismatch", "warning", ("standard",))
    try:
        assert "走读" in f.text()
        i18n.set_lang("en")
        assert "non-boarding" in f.text() and "warning" in f.text()
    finally:
        i18n.set_lang("zh")


@pytest.mark.parametrize("paid, meant", [(500, "500.00")])
def test_an_amount_a_hundred_times_off_is_an_error_that_says_what_was_meant(L, paid, meant):
    """`amount_fen: 500` (5.00 元 typed for 500 元, yuan and fen mixed up) was only a warning."""
    L["aid"]["amount_fen"] = paid
    f = only(run(L["aid"], L), "rule.aid_amount_hundredfold", "error", ("amount_fen",))
    assert f"是不是 {meant} 元" in f.text() and "50000" in f.text()
    i18n.set_lang("en")
    assert f"did you mean {meant} yuan" in f.text()


@pytest.mark.parametrize("stage, grade, warned", [("小学", "七年级", "初中"), ("初中", "四年级", "小学"),
                                                  ("初中", "初二", None), ("高中", "高一", None),
                                                  ("小学", "四年级", None), ("小学", "复式班", None)])
def test_a_grade_of_another_stage_is_a_warning(L, stage, grade, warned):
    L["student"].update(stage=stage, grade=grade)
    found = [f for f in run(L["student"], L) if f.rule == "rule.student_grade_stage"]
    if warned is None:
        assert found == []
    else:
        f = only(found, "rule.student_grade_stage", "warning", ("grade",))
        assert f"年级「{grade}」是{warned}的年级，而学段填的是{stage}" in f.text()


def test_records_of_one_shape_are_validated_together_and_each_still_answers_for_itself(L):
    """A batch's payments differ in their ids, students and a few amounts: each field's values are
    tested once (store/rules/compiled.py). A payment whose reference or amount is wrong in a way the
    schema refuses is refused all the same after thousands of valid ones, a value equal in Python
    to one that passed (50000.0, True) too."""
    schemas = Schemas.from_dir()
    good = [{**L["aid"], "id": new_id("aid"), "student": L["student"]["id"][:-1] + c,
             "amount_fen": 50_000, "schema_version": 1} for c in "ABCDEFGH"]
    assert [schemas.check(r) for r in good] == [[]] * 8
    as_bool = {**good[0], "id": new_id("aid"), "schema_version": True}
    assert [(f.path, f.rule) for f in schemas.check(as_bool)] == [(("schema_version",), "schema.enum")]
    bad_ref = {**good[0], "id": new_id("aid"), "student": "student-1"}
    newline_id = {**good[0], "id": good[1]["id"] + "\n"}
    float_fen = {**good[0], "id": new_id("aid"), "amount_fen": 50_000.0}
    over_cap = {**good[0], "id": new_id("aid"), "amount_fen": 2_000_001}
    assert [(f.path, f.rule) for f in schemas.check(bad_ref)] == [(("student",), "schema.ref_pattern")]
    assert [(f.path, f.rule) for f in schemas.check(newline_id)] == [(("id",), "schema.pattern")]
    assert [(f.path, f.rule) for f in schemas.check(float_fen)] == [(("amount_fen",), "schema.integer")]
    assert [(f.path, f.rule) for f in schemas.check(over_cap)] == [(("amount_fen",), "schema.maximum_yuan")]


def test_a_long_list_is_validated_one_item_of_each_shape_and_a_bad_item_is_named_by_its_place():
    """A batch of thousands of entries is validated as one entry per amount: the same answer as
    validating it whole, and a wrong entry is named by its own place in the list."""
    schemas = Schemas.from_dir()
    student = new_id("student")
    entries = [{"student": student[:-2] + f"{n:02d}".translate(str.maketrans("0123456789", "ABCDEFGHJK")),
                "amount_fen": 62_500 if n % 2 else 31_250} for n in range(100)]
    batch = {"id": new_id("batch"), "type": "batch", "schema_version": 2, "term": "2026-2027-1",
             "programme": "义务教育寄宿生生活补助", "date": "2026-10-12", "entries": entries}
    assert schemas.check(batch) == []
    assert len(schemas._one_of_each("batch", batch)["entries"]) == 2
    bad = {**batch, "id": new_id("batch"), "entries": [*entries[:37], {**entries[37], "amount_fen": 625.0},
                                                        *entries[38:60], {**entries[60], "student": "张三"}]}
    assert [(f.path, f.rule) for f in schemas.check(bad)] == [
        (("entries", 37, "amount_fen"), "schema.integer"), (("entries", 60, "student"), "schema.ref_pattern")]
    # Past the schema's 100,000 entries nothing is cut: the list is validated whole, and refused.
    assert schemas._one_of_each("batch", {**batch, "entries": entries * 1001}) is None
