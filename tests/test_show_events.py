"""`bangfu show` of an event (a conflict a sync kept, a reveal) names what the rest of the command line
names: the record concerned by its name, the fields by their titles, a conflict's sides as `bangfu
conflicts` turns them to the reader. It printed `对象 school-01…`, `字段 county, notes` and the stored
conflict as it lies in the file (`记录中保留：mine`, `冲突类型：field`, the merging site as 本方)."""
from __future__ import annotations

import pytest

from conftest import school
from store.sync import remote as sync
from test_sync_local import bangfu, conflict, hub, pair, sites, student  # noqa: F401 (fixtures)

VALID_ID = "11010519491231002X"


@pytest.mark.parametrize("lang,lines,county,kept", [
    ("zh", ["冲突 沙河镇第二中心小学", "对象      沙河镇第二中心小学", "字段      县（区）（county）、备注（notes）",
            "冲突内容  字段冲突"],
     ("  县（区）（county）：本站 沙河二小（", '）= "乙县"；原值 = "某县"'), "  记录中现在是对方的值"),
    ("en", ["conflict 沙河镇第二中心小学", "Record concerned  沙河镇第二中心小学",
            "Field             County (district) (county), Notes (notes)", "Conflict          field conflict"],
     ("  County (district) (county): mine 沙河二小 (", ') = "乙县"; before = "某县"'),
     "  the record now holds the other site's value")])
def test_a_conflict_shown_names_the_record_and_its_fields_and_turns_to_the_reader(pair, lang, lines, county, kept):
    event_id = conflict(pair)
    a = pair[0]
    r = bangfu("-L", str(a.path), "--lang", lang, "show", event_id)
    assert r.returncode == 0, r.stderr
    shown = r.stdout.splitlines()
    assert shown[1] == event_id
    assert [line for line in shown if line in lines] == lines
    assert any(line.startswith(county[0]) and line.endswith(county[1]) for line in shown), shown
    assert shown[-1] == kept
    assert "school-" not in r.stdout and "mine，" not in r.stdout and "kept" not in r.stdout.lower()


@pytest.mark.parametrize("lang,at_a,at_b", [("zh", "冲突解决  取本站的值，", "冲突解决  取对方的值，"),
                                            ("en", "Resolution        this site's values taken, ",
                                             "Resolution        the other site's values taken, ")])
def test_a_resolved_conflict_shown_says_whose_values_were_taken_at_each_site(pair, lang, at_a, at_b):
    event_id = conflict(pair)
    a, b = pair[0], pair[1]
    assert bangfu("-L", str(a.path), "resolve", event_id, "--take", "mine").returncode == 0
    sync.sync(a)
    sync.sync(b)
    for site, said in ((a, at_a), (b, at_b)):
        shown = bangfu("-L", str(site.path), "--lang", lang, "show", event_id).stdout.splitlines()
        assert [line for line in shown if line.startswith(said)] != [], shown
        assert not any("记录中现在是" in line or "now holds" in line for line in shown)   # (it holds what was chosen)


@pytest.mark.parametrize("lang,heading,field", [
    ("zh", "查看 王小明 石桥二小 三年级", "字段    个人标识（加密）.居民身份证号"),
    ("en", "reveal 王小明 石桥二小 三年级", "Field             Sealed identifiers.Resident ID number")])
def test_a_reveal_shown_names_the_student_and_the_field_and_never_the_number(ledger, lang, heading, field):
    a = ledger
    s2 = a.put(school("石桥镇第二中心小学", "石桥二小")).id
    pupil = a.put(student(s2, identity={"id_number": VALID_ID})).id
    r = bangfu("-L", str(a.path), "reveal", pupil, "identity.id_number", "--reason", "核对银行卡开户信息")
    assert r.returncode == 0 and VALID_ID in r.stdout, r.stderr
    [event] = [e for e in a.find("event") if e.get("action") == "查看"]
    r = bangfu("-L", str(a.path), "--lang", lang, "show", event["id"])
    assert r.returncode == 0, r.stderr
    shown = r.stdout.splitlines()
    assert shown[0] == heading and field in shown
    assert VALID_ID not in r.stdout and "student-" not in r.stdout
