"""The message catalogue: both languages everywhere, and field labels that follow --lang en."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from store.history import changes
from store.core import i18n
from store.rules import formmodel as fm
from store.rules.schema import PROJECT_SCHEMAS, Schemas

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def schema_titles() -> set[str]:
    import json

    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("title"), str):
                found.add(node["title"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(Path(PROJECT_SCHEMAS).glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas.from_dir()


def test_catalogue_loads_and_every_message_has_both_languages():
    # catalogue() raises on a key defined twice (tomllib on a repeat within a file)
    i18n.catalogue.cache_clear()
    messages = i18n.catalogue()
    assert messages
    lacking = [key for key, texts in messages.items()
               if set(texts) != set(i18n.LANGS) or not all(str(texts[lang]).strip() for lang in i18n.LANGS)]
    assert lacking == []


def test_the_catalogue_is_kept_as_json_and_a_damaged_copy_is_read_afresh(tmp_path, monkeypatch):
    """Every command reads the whole catalogue: it is kept as JSON in the user's cache (TOML takes
    46 ms to read in Python); a kept copy that does not parse is never shown, the TOML is read again."""
    import json

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    i18n.catalogue.cache_clear()
    try:
        first = i18n.catalogue()
        [kept] = (tmp_path / "bangfu").glob("messages-*.json")
        assert json.loads(kept.read_text(encoding="utf-8")) == first
        assert first["cli.set"]["zh"] and first["cli.set"]["en"]
        kept.write_text('{"cli.set": {"zh": "坏', encoding="utf-8")
        i18n.catalogue.cache_clear()
        assert i18n.catalogue() == first
        assert json.loads(kept.read_text(encoding="utf-8")) == first
    finally:
        i18n.catalogue.cache_clear()


def test_every_schema_title_has_an_english_label():
    titles = schema_titles()
    assert "承办（接待）学校" in titles  # the walk reaches nested properties
    missing = sorted(t for t in titles if not i18n.has(f"title.{t}"))
    assert missing == [], f"add these to store/core/messages/fields.toml: {missing}"
    i18n.set_lang("en")
    still_chinese = sorted(t for t in titles if CJK.search(i18n.title(t)))
    assert still_chinese == []
    assert i18n.title("帮扶期限") == "Support period" and i18n.title("课时") == "Teaching hours"


def schema_enum_values() -> set[str]:
    import json

    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            found.update(v for v in node.get("enum", ()) if isinstance(v, str) and CJK.search(v))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(Path(PROJECT_SCHEMAS).glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


def test_every_enumerated_value_reads_in_english_and_stays_as_stored_in_chinese():
    values = schema_enum_values()
    assert {"互访", "初中", "女", "执行中", "义务教育寄宿生生活补助"} <= values
    missing = sorted(v for v in values if not i18n.has(f"value.{v}"))
    assert missing == [], f"add these to store/core/messages/values.toml: {missing}"
    assert i18n.value("互访") == "互访" and i18n.values(["建档立卡", "留守"]) == "建档立卡、留守"
    i18n.set_lang("en")
    assert sorted(v for v in values if CJK.search(i18n.value(v))) == []
    assert i18n.value("女") == "female" and i18n.value("初中", gloss=True) == "junior middle (初中)"
    assert i18n.values(["建档立卡", "留守"]) == "registered poor, left-behind"
    assert i18n.value("石桥二小") == "石桥二小"   # a name, not an enumerated value


def test_titles_stay_chinese_in_chinese_and_unknown_titles_pass_through():
    assert i18n.title("帮扶期限") == "帮扶期限"
    i18n.set_lang("en")
    assert i18n.title("未来新增字段") == "未来新增字段"  # a newer ledger schema: shown as it is
    assert i18n.title("") == ""


def test_schema_error_on_a_visit_date_names_the_field_in_english(schemas):
    visit = {"id": "visit-01J0000000000000000000000A", "type": "visit", "schema_version": 1,
             "plan": "plan-01J0000000000000000000000B", "kind": "送教下乡", "date": "2006-10-32",
             "host_school": "school-01J0000000000000000000000C",
             "visiting_school": "school-01J0000000000000000000000D", "hours": 4}
    i18n.set_lang("en")
    [finding] = [f for f in schemas.check(visit) if f.path == ("date",)]
    text = finding.text()
    assert '"Date"' in text and "is not a real date" in text and "2006-10-32" in text
    assert not CJK.search(text), text
    i18n.set_lang("zh")
    assert "「日期」" in schemas.check(visit)[0].text()


def test_a_missing_required_field_is_named_in_english(schemas):
    i18n.set_lang("en")
    found = schemas.check({"id": "school-01J0000000000000000000000C", "type": "school", "schema_version": 1})
    assert any('"School name"' in f.text() for f in found), [f.text() for f in found]


def test_form_labels_and_changed_field_names_follow_the_language(schemas):
    i18n.set_lang("en")
    form = fm.form_for(schemas, "visit")
    assert form.title == "Activity"
    labels = {f.name: f.title for f in form.fields}
    assert labels["date"] == "Date" and labels["host_school"] == "Host school" and labels["hours"] == "Teaching hours"
    assert form.title_of(("participants", 0, "name")) == "Participants › item 1 › Name"
    assert changes.title_of(schemas, "plan", ("period", "start")) == "Support period.Start"
    i18n.set_lang("zh")
    assert fm.form_for(schemas, "visit").title == "活动记录"


def test_a_missing_message_still_reads():
    text = i18n.t("nowhere.no_such_message", record="school-1", n=3)
    assert "nowhere.no_such_message" in text and "school-1" in text and "3" in text


def test_a_finding_stored_by_one_language_reads_in_the_other(schemas):
    """A conflict stored in the ledger keeps the rules its merge broke; whoever merged worked in
    Chinese, the coordinator resolving it reads English (and the other way round)."""
    import json

    from store.sync.conflicts import finding_text, make_event
    from store.sync.merge import RecordState

    i18n.set_lang("zh")
    school = {"id": "school-01J0000000000000000000000C", "type": "school", "schema_version": 1}
    found = schemas.check(school)
    state = RecordState(school["id"], None, school, None, school, kind="rule", findings=found)
    event = json.loads(json.dumps(make_event("王老师", state, {"site": "甲"}, {"site": "乙"}), ensure_ascii=False))
    stored = event["conflict"]["findings"]
    assert any("「校名」" in finding_text(f) for f in stored)
    i18n.set_lang("en")
    texts = [finding_text(f) for f in stored]
    assert any('"School name"' in t for t in texts) and not any(CJK.search(t) for t in texts), texts
    # A conflict stored before parameters kept their kind (plain text) still reads, and what is
    # stored now reads in an older Bangfu (which formats the parameters as they are).
    assert "校名" in finding_text({"rule": "schema.required", "params": {"title": "校名"}})
    i18n.set_lang("zh")
    assert all("「" in i18n.t(f["rule"], **f["params"]) for f in stored)


def test_a_list_in_a_message_is_joined_as_each_language_lists():
    # The home screen's months with nothing logged, as a reader of each language writes them.
    i18n.set_lang("en")
    assert i18n.t("tui.home.empty_months", months=i18n.listing(["2026-10", "2026-12"])) == \
        "months with nothing logged: 2026-10, 2026-12"
    i18n.set_lang("zh")
    assert i18n.t("tui.home.empty_months", months=i18n.listing(["2026-10", "2026-12"])) == \
        "无活动记录的月份：2026-10、2026-12"


def test_every_record_type_has_a_word_in_the_audit_view():
    """The audit view showed `audit.rtype.posting` for the notice records."""
    from store.core import ids

    assert [t for t in ids.RECORD_TYPES if not i18n.has(f"audit.rtype.{t}")] == []



def test_enumerated_values_inside_messages_read_in_english(ledger, schemas):
    from store import NEW, Change
    from store.rules import checks

    school = "school-01J0000000000000000000000C"
    ledger.commit([Change(school, {"id": school, "type": "school", "schema_version": 1, "name": "石桥镇中心小学",
                                   "area": "乡村", "stage": "小学", "county": "东海县"}, NEW)],
                  action="add", message="test: a school")
    visit = {"id": "visit-01J0000000000000000000000A", "type": "visit", "schema_version": 2,
             "kind": "送教下乡", "date": "2026-10-12", "host_school": school}
    i18n.set_lang("en")
    [finding] = [f for f in checks.check(visit, ledger, schemas=schemas) if f.rule == "rule.visit_plan_missing"]
    assert finding.text().endswith(
        ": a teaching sent activity belongs to a twinning plan (only a home visit may stand alone)")
    # The values a field allows: each in English, the stored value beside it (what one types).
    [enum] = [f for f in schemas.check({**visit, "kind": "送教"}) if f.rule == "schema.enum"]
    assert "is not one of: exchange visit (互访), teaching sent (送教下乡), " in enum.text()
    i18n.set_lang("zh")
    assert "「送教下乡」活动须属于一个结对帮扶计划" in finding.text()
    assert "不在可选范围内：互访、送教下乡、" in enum.text()


# ---- counts in English: one school, two schools -------------------------------------------------

# Nouns the catalogue counts, as they read after a number other than one.
COUNTED = ("students", "records", "schools", "payments", "rows", "commits", "activities", "people",
           "person-times", "months", "days", "hours", "lectures", "plans", "batches", "teachers",
           "identifiers", "values", "erasures", "targets", "entries", "characters", "seconds", "pupils",
           "times", "changes", "parties", "conflicts", "keys", "files", "fields", "problems", "warnings",
           "notes", "numbers", "errors")
# Placeholders that name a thing, not a number ("{record} fields {fields}").
THINGS = {"record", "path", "school", "field", "student", "value", "target", "type", "kind", "title", "name",
          "term", "date", "start", "end", "remote", "commit", "batch", "level", "person", "programme", "folder",
          "unit", "item", "key", "what", "source", "site", "other", "masked", "worked", "year"}


def test_every_english_count_has_a_singular():
    """"1 schools" never reads: a noun after a count is written `{count!p:school|schools}` (never
    "record(s)"), so the English shows one school and two schools."""
    bare = re.compile(r"\{(\w+)\} (?:[a-z-]+ ){0,2}?(%s)\b(?![-(])" % "|".join(map(re.escape, COUNTED)))
    lacking = sorted(key for key, texts in i18n.catalogue().items()
                     if "(s)" in texts["en"] or any(m.group(1) not in THINGS for m in bare.finditer(texts["en"])))
    assert lacking == []
    assert not [key for key, texts in i18n.catalogue().items() if "!p:" in texts["zh"]]   # Chinese has no plural


def test_a_count_reads_one_and_two_in_english_and_stays_chinese(capsys, ledger):
    from conftest import run, school

    i18n.set_lang("en")
    assert i18n.t("tui.year.dropout_left_out", count=1) == ", 1 school left out"
    assert i18n.t("tui.year.dropout_left_out", count=2) == ", 2 schools left out"
    assert i18n.t("forms.delete.referenced", count=1).startswith("Cannot delete: 1 record still refers to it.")
    assert i18n.t("forms.delete.referenced", count=2).startswith("Cannot delete: 2 records still refer to it.")
    i18n.set_lang("zh")
    assert i18n.t("tui.year.dropout_left_out", count=1) == "，未计入 1 所"
    ledger.put(school())
    assert run(capsys, "-L", str(ledger.path), "--lang", "en", "list", "school")[2].splitlines()[-1] == "1 record"
    assert run(capsys, "-L", str(ledger.path), "--lang", "en", "validate")[1].strip() == "ledger valid: 1 record, 0 warnings"
    ledger.put(school("石桥镇中心小学", "石桥小学"))
    assert run(capsys, "-L", str(ledger.path), "--lang", "en", "list", "school")[2].splitlines()[-1] == "2 records"
    assert run(capsys, "-L", str(ledger.path), "--lang", "en", "validate")[1].strip() == "ledger valid: 2 records, 0 warnings"


def test_commit_titles_count_in_english_too():
    """Titles are English for every reader (the history translates their words): "1 record"."""
    assert (i18n.counted(1, "record"), i18n.counted(2, "record"), i18n.counted(0, "conflict")) == (
        "1 record", "2 records", "0 conflicts")
    assert i18n.counted(1, "person", "people") == "1 person" and i18n.counted(3, "person", "people") == "3 people"
