"""The schema-to-form model: which inputs a record type gets, and typed text <-> record."""
from __future__ import annotations

import pytest

from conftest import school
from store.rules import formmodel as fm
from store.core import i18n
from store.core.diff import MISSING
from store.core.findings import Finding
from store.rules.schema import Schemas


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas.from_dir()


def kinds(fields) -> dict:
    return {f.name: f.kind for f in fields}


def test_visit_form_has_the_right_input_for_each_field_in_schema_order(schemas):
    form = fm.form_for(schemas, "visit")
    names = [f.name for f in form.fields]
    assert names[:5] == ["plan", "kind", "date", "end_date", "host_school"]
    assert not {"id", "type", "schema_version"} & set(names)
    k = kinds(form.fields)
    assert k["plan"] == fm.REF and k["kind"] == fm.ENUM and k["date"] == fm.DATE
    assert k["participants"] == fm.LIST and k["secondment"] == fm.GROUP and k["hours"] == fm.NUMBER
    assert k["sessions"] == fm.INTEGER and k["notes"] == fm.LONG_TEXT
    kind = next(f for f in form.fields if f.name == "kind")
    assert "送教下乡" in kind.choices and kind.required
    participants = next(f for f in form.fields if f.name == "participants")
    assert kinds(participants.fields) == {"name": fm.TEXT, "school": fm.REF, "role": fm.TEXT, "teacher": fm.REF}
    donation = next(f for f in form.fields if f.name == "donation")
    assert kinds(donation.fields)["cash_fen"] == fm.MONEY and kinds(donation.fields)["items"] == fm.LIST
    assert form.constants == {"type": "visit", "schema_version": 2}


def test_other_types_get_terms_months_booleans_multi_selects_and_protected_inputs(schemas):
    assert kinds(fm.form_for(schemas, "aid").fields)["term"] == fm.TERM
    plan = fm.form_for(schemas, "plan")
    schedule = next(f for f in plan.fields if f.name == "schedule")
    assert kinds(schedule.fields) == {"month": fm.MONTH, "kinds": fm.MULTI, "text": fm.LONG_TEXT}
    student = fm.form_for(schemas, "student")
    k = kinds(student.fields)
    assert k["boarding"] == fm.BOOLEAN and k["groups"] == fm.MULTI
    identity = next(f for f in student.fields if f.name == "identity")
    id_number = identity.fields[0]
    assert id_number.kind == fm.PROTECTED and id_number.protected_kind == "id_number"
    assert id_number.path == ("identity", "id_number") and id_number.widget_id == "f-identity-id_number"


def test_a_record_round_trips_through_typed_values_with_money_in_yuan(schemas):
    form = fm.form_for(schemas, "plan")
    plan = {"id": "plan-01JB0000000000000000000000", "type": "plan", "schema_version": 1, "title": "沙河二小帮扶石桥二小",
            "period": {"start": "2006-09-01", "end": "2007-08-31"},
            "parties": [{"school": "school-01JB0000000000000000000001", "role": "帮扶", "dimensions": ["师资", "教学"]},
                        {"school": "school-01JB0000000000000000000002", "role": "受帮扶"}],
            "targets": [{"key": "hours", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时",
                         "per": "学期"}, {"key": "rate", "metric": "辍学率", "comparison": "<=", "value": 2.5,
                                        "unit": "%", "per": "学年"}],
            "budget": {"total_fen": 125000, "by_year": [{"year": 2006, "fen": 125000}]}, "status": "执行中"}
    values = fm.to_values(form, plan)
    assert values["budget"]["total_fen"] == "1,250.00"
    assert values["period"] == {"start": "2006-09-01", "end": "2007-08-31"}
    assert values["parties"][0]["dimensions"] == ["师资", "教学"] and values["parties"][1]["dimensions"] == []
    assert values["targets"][1]["value"] == "2.5" and values["notes"] == ""
    record, errors = fm.to_record(form, values, plan)
    assert errors == {} and record == plan


def test_typed_text_becomes_record_values_and_empty_optional_fields_are_left_out(schemas):
    form = fm.form_for(schemas, "visit")
    values = fm.to_values(form, None)
    values.update(plan="plan-01JB0000000000000000000000", kind="送教下乡", date=" 2006-10-12 ",
                  hours="４", topic="  语文示范课  ")
    values["donation"]["cash_fen"] = ""
    values["participants"] = [{"name": "王老师", "school": "", "role": ""}]
    record, errors = fm.to_record(form, values, record_id="visit-01JB0000000000000000000009")
    assert errors == {}
    assert record == {"id": "visit-01JB0000000000000000000009", "type": "visit", "schema_version": 2,
                      "plan": "plan-01JB0000000000000000000000", "kind": "送教下乡", "date": "2006-10-12",
                      "hours": 4, "topic": "语文示范课", "participants": [{"name": "王老师"}]}


@pytest.mark.parametrize("kind_name, text, key", [
    ("date", "2006-10-32", "forms.convert.date_day"),
    ("date", "2006/10/12", "forms.convert.date_shape"),
    ("hours", "两节", "forms.convert.number"),
    ("sessions", "2.5", "forms.convert.integer"),
    ("sessions", "-1", "forms.convert.minimum"),
])
def test_a_value_that_does_not_convert_is_an_error_on_its_field(schemas, kind_name, text, key):
    form = fm.form_for(schemas, "visit")
    values = fm.to_values(form, None)
    values[kind_name] = text
    record, errors = fm.to_record(form, values)
    assert kind_name not in record
    field = next(f for f in form.fields if f.name == kind_name)
    assert errors == {(kind_name,): [i18n.t(key, title=field.title, value=text, limit=0)]}


def test_conversion_errors_speak_the_users_language(schemas):
    form = fm.form_for(schemas, "visit")
    date = next(f for f in form.fields if f.name == "date")
    with pytest.raises(fm.ConversionError) as zh:
        fm.parse(date, "2006-10-32")
    assert "日期" in zh.value.text() and "2006-10-32" in zh.value.text() and "不是真实存在的日期" in zh.value.text()
    i18n.set_lang("en")
    assert "is not a real date" in zh.value.text()


def test_money_terms_and_months(schemas):
    aid = fm.form_for(schemas, "aid")
    amount = next(f for f in aid.fields if f.name == "amount_fen")
    term = next(f for f in aid.fields if f.name == "term")
    assert fm.parse(amount, "1,250.5") == 125050 and fm.parse(amount, "１２５０元") == 125000
    for bad, key in (("12.345", "forms.convert.money"), ("-5", "forms.convert.money_negative"),
                     ("一千", "forms.convert.money")):
        with pytest.raises(fm.ConversionError) as exc:
            fm.parse(amount, bad)
        assert exc.value.key == key
    assert fm.parse(term, "2006-2007-1") == "2006-2007-1"
    with pytest.raises(fm.ConversionError) as exc:
        fm.parse(term, "2006-2008-1")
    assert exc.value.key == "forms.convert.term_years"
    month = next(f for f in fm.form_for(schemas, "plan").fields if f.name == "schedule").fields[0]
    assert month.kind == fm.MONTH
    with pytest.raises(fm.ConversionError):
        fm.parse(month, "2006-13")


def test_protected_fields_keep_the_sealed_value_when_left_empty_and_never_show_it(schemas):
    form = fm.form_for(schemas, "student")
    sealed = {"masked": "1101**********002X", "hmac": "a" * 64, "sealed": "v1:xxx", "key": "k1"}
    student = {"id": "student-01JB0000000000000000000000", "type": "student", "schema_version": 1, "name": "李小明",
               "sex": "男", "school": "school-01JB0000000000000000000001", "stage": "小学", "grade": "三年级",
               "identity": {"id_number": sealed}}
    values = fm.to_values(form, student)
    assert values["identity"]["id_number"] == ""
    assert "v1:xxx" not in repr(values) and "002X" not in repr(values)
    record, errors = fm.to_record(form, values, student)
    assert errors == {} and record["identity"]["id_number"] == sealed
    values["identity"]["id_number"] = "11010519491231002X"
    values["identity"]["phone"] = "13800138000"
    record, errors = fm.to_record(form, values, student)
    assert errors == {} and record["identity"] == {"id_number": "11010519491231002X", "phone": "13800138000"}
    checkable = fm.checkable(form, record)
    assert schemas.check(checkable) == []
    assert "11010519491231002X" not in repr(checkable)
    rebased = fm.rebase(form, record, student)     # after a merge: typed values fall back to the committed
    assert rebased["identity"] == {"id_number": sealed}
    values["identity"]["id_number"] = "340524198001010013"
    _, errors = fm.to_record(form, values, student)
    assert errors == {("identity", "id_number"): [i18n.t("idcard.check")]}
    assert "340524198001010013" not in errors[("identity", "id_number")][0]


def test_a_duplicate_drops_protected_values_bound_to_the_original_record(schemas):
    form = fm.form_for(schemas, "student")
    student = {"type": "student", "name": "李小明", "identity": {"id_number": {"masked": "x", "hmac": "a" * 64}}}
    assert fm.strip_protected(form, student) == {"type": "student", "name": "李小明", "identity": {}}


def test_fields_unknown_to_the_schema_are_carried_over_not_dropped(schemas):
    form = fm.form_for(schemas, "school")
    old = {**school(), "id": "school-01JB0000000000000000000001", "legacy": "旧字段"}
    record, _ = fm.to_record(form, fm.to_values(form, old), old)
    assert record["legacy"] == "旧字段"
    assert any(f.rule == "schema.unknown_field" for f in schemas.check(record))


def test_keep_raw_leaves_what_did_not_convert_as_typed(schemas):
    form = fm.form_for(schemas, "visit")
    values = fm.to_values(form, None)
    values["date"] = "2006-10-32"
    record, errors = fm.to_record(form, values, keep_raw=True)
    assert record["date"] == "2006-10-32" and ("date",) in errors


def test_problems_land_on_the_input_they_belong_to(schemas):
    form = fm.form_for(schemas, "visit")
    conversion = {("date",): ["日期错误"]}
    findings = [Finding("v", ("date",), "schema.format_date", {"title": "日期", "value": "x"}),
                Finding("v", ("participants", 1, "name"), "schema.required", {"title": "姓名"}),
                Finding("v", ("secondment", "end"), "rule.secondment_short",
                        {"person": "张", "kind": "支教", "start": "a", "end": "b", "days": 3, "minimum": 365},
                        "warning"),
                Finding("v", ("legacy",), "schema.unknown_field", {"field": "legacy"})]
    out = fm.problems(form, conversion, findings)
    assert out[("date",)] == ["日期错误"]
    assert out[("participants",)] == ["参加人员 › 第2项 › 姓名：缺少必填项「姓名」"]
    assert out[("secondment", "end")][0].startswith("警告：")
    assert out[()] == [i18n.t("forms.model.at", where="legacy", message=i18n.t("schema.unknown_field", field="legacy"))]
    assert fm.anchor(fm.form_for(schemas, "plan"), ("budget", "by_year", 0, "fen")) == (("budget", "by_year"), (0, "fen"))


def test_compare_shows_a_protected_identifier_as_one_row_and_merge_takes_theirs_per_field(schemas):
    form = fm.form_for(schemas, "student")
    base = {"id": "student-01JB0000000000000000000000", "type": "student", "name": "李小明", "grade": "三年级",
            "identity": {"id_number": {"masked": "1101**002X", "hmac": "a" * 64, "sealed": "v1:a"}}}
    mine = {**base, "grade": "四年级", "identity": {"id_number": "11010519491231002X"}, "guardian": "李父"}
    theirs = {**base, "name": "李晓明", "class_name": "2班",
              "identity": {"id_number": {"masked": "1101**003X", "hmac": "b" * 64, "sealed": "v1:b"}}}
    rows = fm.compare(form, theirs, mine)
    first = fm.compare(form, None, base)     # the first version: every field it has, never id or type
    assert [r.title for r in first] == ["姓名", "年级", "个人标识（加密）"]
    assert fm.show(first[2].field, first[2].new) == "居民身份证号：1101**002X"
    by_path = {r.path: r for r in rows}
    assert set(by_path) == {("name",), ("grade",), ("class_name",), ("guardian",), ("identity", "id_number")}
    idrow = by_path[("identity", "id_number")]
    assert idrow.title == "个人标识（加密） › 居民身份证号"
    assert fm.show(idrow.field, idrow.old) == "1101**003X"
    assert fm.show(idrow.field, idrow.new) == i18n.t("forms.model.typed_protected")
    assert by_path[("class_name",)].new is MISSING
    merged = fm.merge(mine, theirs, [("name",), ("class_name",), ("identity", "id_number")])
    assert merged["name"] == "李晓明" and merged["class_name"] == "2班" and merged["grade"] == "四年级"
    assert merged["guardian"] == "李父" and merged["identity"]["id_number"]["hmac"] == "b" * 64
    assert fm.merge(mine, theirs, [("guardian",)]).get("guardian") is None


def test_show_reads_like_a_person_would_write_it(schemas):
    form = fm.form_for(schemas, "visit")
    participants = next(f for f in form.fields if f.name == "participants")
    labels = {"school-01JB0000000000000000000001": "沙河二小"}.get
    people = [{"name": "王老师", "school": "school-01JB0000000000000000000001"}, {"name": "李老师"}]
    assert fm.show(participants, people, labels) == "王老师 沙河二小；李老师"
    cash = next(f for f in form.fields if f.name == "donation").fields[2]
    assert fm.show(cash, 125000) == "1,250.00 元"
    assert fm.show(None, True) == "是" and fm.show(None, MISSING) == "—"
    values = {"name": "王老师", "school": "school-01JB0000000000000000000001", "role": ""}
    assert fm.values_summary(participants, values, labels) == "王老师 沙河二小"
