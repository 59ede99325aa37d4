"""Record-aware three-way merge of one record: what two coordinators get when both edited it."""
from __future__ import annotations

import copy

import pytest

from store.sync.conflicts import set_path
from store.core.diff import MISSING
from store.sync.merge import Key, merge_record, path_from_json, path_to_json, show_path
from store.rules.schema import Schemas

SCHEMAS = Schemas.from_dir()
A, B, C = "school-01JB0000000000000000000001", "school-01JB0000000000000000000002", "school-01JB0000000000000000000003"


def plan(**extra) -> dict:
    doc = {"id": "plan-01JB0000000000000000000009", "type": "plan", "schema_version": 1, "title": "结对帮扶计划",
           "period": {"start": "2006-09-01", "end": "2007-08-31"}, "status": "执行中",
           "parties": [{"school": A, "role": "帮扶", "dimensions": ["师资"]},
                       {"school": B, "role": "受帮扶", "dimensions": ["教学"]}]}
    doc.update(extra)
    return doc


def edited(doc: dict, fn) -> dict:
    out = copy.deepcopy(doc)
    fn(out)
    return out


def test_different_fields_on_each_side_merge_cleanly():
    base = plan()
    mine = edited(base, lambda d: d.update(title="2006学年结对帮扶计划"))
    theirs = edited(base, lambda d: d["period"].update(end="2007-07-15"))
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert not m.conflicts
    assert m.result["title"] == "2006学年结对帮扶计划" and m.result["period"] == {"start": "2006-09-01", "end": "2007-07-15"}


def test_the_same_change_on_both_sides_is_no_conflict():
    base = plan()
    both = edited(base, lambda d: d.update(status="已总结", notes="期末"))
    m = merge_record(base, copy.deepcopy(both), copy.deepcopy(both), SCHEMAS)
    assert m.result == both and not m.conflicts


def test_same_field_changed_differently_keeps_mine_and_records_both():
    base = plan()
    mine = edited(base, lambda d: d.update(status="已总结", title="新标题"))
    theirs = edited(base, lambda d: d.update(status="终止"))
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert m.result["status"] == "已总结" and m.result["title"] == "新标题"
    [c] = m.conflicts
    assert (c.path, c.base, c.mine, c.theirs) == (("status",), "执行中", "已总结", "终止")


def test_items_of_keyed_arrays_merge_by_natural_key_not_position():
    base = plan()
    # mine adds a third school at the front; theirs changes the dimensions of school B
    mine = edited(base, lambda d: d["parties"].insert(0, {"school": C, "role": "帮扶"}))
    theirs = edited(base, lambda d: d["parties"][1].update(dimensions=["教学", "管理"]))
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert not m.conflicts
    by_school = {p["school"]: p for p in m.result["parties"]}
    assert set(by_school) == {A, B, C} and by_school[B]["dimensions"] == ["教学", "管理"]


def test_same_item_field_in_keyed_array_conflicts_at_its_path():
    base = plan()
    mine = edited(base, lambda d: d["parties"][1].update(role="帮扶"))
    theirs = edited(base, lambda d: d["parties"][1].update(dimensions=["德育"], role="受帮扶"))
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert not m.conflicts  # role: only mine changed it (theirs wrote the same value back)
    theirs2 = edited(base, lambda d: d["parties"][1].pop("dimensions"))
    mine2 = edited(base, lambda d: d["parties"][1].update(dimensions=["校园文化"]))
    [c] = merge_record(base, mine2, theirs2, SCHEMAS).conflicts
    assert c.path == ("parties", Key("school", B), "dimensions") and c.theirs is MISSING
    assert show_path(c.path) == f"parties[school={B}].dimensions"
    assert path_from_json(path_to_json(c.path)) == c.path


def test_student_events_added_on_both_sides_are_all_kept():
    base = {"id": "student-01JB0000000000000000000004", "type": "student", "schema_version": 1, "name": "张三",
            "sex": "男", "school": A, "stage": "小学", "grade": "三年级",
            "events": [{"date": "2024-09-01", "event": "认定"}]}
    mine = edited(base, lambda d: d["events"].append({"date": "2025-06-30", "event": "脱贫"}))
    theirs = edited(base, lambda d: d["events"].append({"date": "2025-03-01", "event": "退出", "reason": "转学"}))
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert not m.conflicts
    assert sorted(e["date"] for e in m.result["events"]) == ["2024-09-01", "2025-03-01", "2025-06-30"]


def test_arrays_without_a_natural_key_are_compared_whole():
    base = {"id": A, "type": "school", "schema_version": 1, "name": "x", "stage": "小学", "county": "某县",
            "area": "镇区", "notes": "n"}
    mine = edited(base, lambda d: d.update(tags=["a", "b"]))
    theirs = edited(base, lambda d: d.update(tags=["a", "c"]))
    [c] = merge_record(base, mine, theirs, SCHEMAS).conflicts
    assert c.path == ("tags",) and c.base is MISSING


def test_edit_against_delete_keeps_the_edited_record_and_says_so():
    base = plan()
    theirs = edited(base, lambda d: d.update(notes="改了"))
    m = merge_record(base, None, theirs, SCHEMAS)
    assert m.result == theirs and m.kept == "theirs"
    [c] = m.conflicts
    assert c.path == () and c.mine is MISSING and c.theirs == theirs
    m = merge_record(base, theirs, None, SCHEMAS)
    assert m.result == theirs and m.conflicts[0].theirs is MISSING


def test_deleted_on_both_sides_or_deleted_unchanged_goes():
    base = plan()
    assert merge_record(base, None, None, SCHEMAS).result is None
    assert merge_record(base, None, copy.deepcopy(base), SCHEMAS).result is None
    assert merge_record(None, None, base, SCHEMAS).result == base  # added on one side only


def test_json_types_are_strict_true_is_not_one():
    base = {"id": A, "type": "school", "x": 1}
    mine = {"id": A, "type": "school", "x": True}
    theirs = {"id": A, "type": "school", "x": 1.5}
    [c] = merge_record(base, mine, theirs, None).conflicts
    assert c.mine is True and c.theirs == 1.5
    assert merge_record(base, {"id": A, "type": "school", "x": True}, base, None).result["x"] is True


def test_repeated_natural_keys_fall_back_to_whole_array():
    base = plan()
    dup = edited(base, lambda d: d["parties"].append({"school": A, "role": "受帮扶"}))
    other = edited(base, lambda d: d["parties"][0].update(role="受帮扶"))
    [c] = merge_record(base, dup, other, SCHEMAS).conflicts
    assert c.path == ("parties",)


@pytest.mark.parametrize("path,value,expect", [
    (("status",), "终止", lambda d: d["status"] == "终止"),
    (("notes",), MISSING, lambda d: "notes" not in d),
    (("parties", Key("school", B), "role"), "帮扶", lambda d: d["parties"][1]["role"] == "帮扶"),
    (("parties", Key("school", C)), {"school": C, "role": "帮扶"}, lambda d: d["parties"][2]["school"] == C),
    (("parties", Key("school", A)), MISSING, lambda d: [p["school"] for p in d["parties"]] == [B]),
])
def test_resolving_writes_the_chosen_value_at_its_path(path, value, expect):
    doc = plan(notes="x")
    assert expect(set_path(doc, path, value, doc["id"]))
    assert doc == plan(notes="x")  # the input is not modified
