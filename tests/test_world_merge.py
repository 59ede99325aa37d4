"""Two coordinators who made the same change agree: the merge keeps it and records no conflict,
also when each of them changed other things in the same record."""
from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from store.core.diff import MISSING
from store.rules.schema import Schemas
from store.sync import remote as sync
from store.sync.merge import Key, merge_record, path_from_json, path_to_json, same, show_path
from test_merge import A, B, C, plan
from test_sync_local import assert_valid, edit, hub, pair, sites  # noqa: F401 (fixtures)

SCHEMAS = Schemas.from_dir()


def test_same_value_in_one_field_beside_different_fields_is_no_conflict():
    base = plan(notes="开学")
    mine = {**copy.deepcopy(base), "status": "已总结", "title": "2006学年计划"}
    theirs = {**copy.deepcopy(base), "status": "已总结", "notes": "期末总结已交"}
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert m.conflicts == []
    assert (m.result["status"], m.result["title"], m.result["notes"]) == ("已总结", "2006学年计划", "期末总结已交")


def test_same_value_inside_a_nested_object_and_a_keyed_item_is_no_conflict():
    base = plan()
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    for side in (mine, theirs):
        side["period"]["end"] = "2007-07-15"
        side["parties"][1]["dimensions"] = ["教学", "德育"]
    mine["period"]["start"] = "2006-09-10"
    theirs["parties"][0]["dimensions"] = ["师资", "管理"]
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert m.conflicts == []
    assert m.result["period"] == {"start": "2006-09-10", "end": "2007-07-15"}
    parties = {p["school"]: p["dimensions"] for p in m.result["parties"]}
    assert parties == {A: ["师资", "管理"], B: ["教学", "德育"]}


def test_same_field_removed_on_both_sides_is_no_conflict():
    base = plan(notes="草稿", budget={"total_fen": 100_000})
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    for side in (mine, theirs):
        del side["notes"]
    mine["title"] = "新标题"
    theirs["budget"] = {"total_fen": 200_000}
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert m.conflicts == [] and "notes" not in m.result
    assert (m.result["title"], m.result["budget"]) == ("新标题", {"total_fen": 200_000})


def test_whose_version_the_record_holds():
    base = plan()
    theirs = {**copy.deepcopy(base), "notes": "他们的"}
    assert merge_record(base, copy.deepcopy(base), theirs, SCHEMAS).kept == "theirs"
    assert merge_record(base, theirs, copy.deepcopy(base), SCHEMAS).kept == "mine"
    # Deleted here, edited there: the edited record stays, and the conflict holds the base.
    m = merge_record(base, None, theirs, SCHEMAS)
    assert (m.result, m.kept) == (theirs, "theirs")
    [c] = m.conflicts
    assert (c.path, c.base, c.mine, c.theirs) == ((), base, MISSING, theirs)
    m = merge_record(base, theirs, None, SCHEMAS)
    [c] = m.conflicts
    assert (m.result, m.kept, c.path, c.base, c.mine, c.theirs) == (theirs, "mine", (), base, theirs, MISSING)


def test_json_values_are_the_same_only_when_equal_as_json():
    assert same(MISSING, MISSING) and same({"a": [1, "二"]}, {"a": [1, "二"]})
    assert not same(MISSING, "x") and not same("x", MISSING) and not same(MISSING, None)
    assert not same(1, True) and not same(1, 1.0) and not same(0, False)


def test_a_path_is_written_as_json_with_its_natural_keys():
    path = ("parties", Key("school", B), "dimensions")
    assert path_to_json(path) == ["parties", {"school": B}, "dimensions"]
    assert path_from_json(["parties", {"school": B}, "dimensions"]) == path


def test_items_deleted_on_one_side_or_both_go_and_the_rest_merge_by_key():
    base = plan()
    base["parties"].append({"school": C, "role": "受帮扶", "dimensions": ["管理"]})
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    del mine["parties"][2]                      # C deleted here
    del theirs["parties"][2]                    # ... and there
    theirs["parties"][0]["dimensions"] = ["师资", "德育"]
    mine["parties"].insert(0, {"school": "school-01JB0000000000000000000005", "role": "帮扶"})
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert m.conflicts == []
    assert [p["school"] for p in m.result["parties"]] == ["school-01JB0000000000000000000005", A, B]
    assert m.result["parties"][1]["dimensions"] == ["师资", "德育"]
    # Deleted on one side, untouched on the other: it goes too.
    theirs2 = copy.deepcopy(base)
    theirs2["notes"] = "x"
    mine2 = copy.deepcopy(base)
    del mine2["parties"][1]
    m = merge_record(base, mine2, theirs2, SCHEMAS)
    assert [p["school"] for p in m.result["parties"]] == [A, C] and m.conflicts == []


def test_items_without_a_usable_key_are_compared_whole():
    for odd in ({"role": "帮扶"}, {"school": {"name": "x"}, "role": "帮扶"}):
        base = plan()
        mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
        mine["parties"].append(odd)
        theirs["parties"][0]["dimensions"] = ["德育"]
        [c] = merge_record(base, mine, theirs, SCHEMAS).conflicts
        assert c.path == ("parties",)


def test_keyed_arrays_inside_objects_and_added_on_both_sides_merge_by_key():
    budget = {"total_fen": 1_000_000, "by_year": [{"year": 2006, "fen": 400_000}, {"year": 2007, "fen": 600_000}]}
    base = plan(budget=copy.deepcopy(budget))
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    mine["budget"]["by_year"][0]["fen"] = 300_000
    theirs["budget"]["by_year"][1]["fen"] = 700_000
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert m.conflicts == [] and m.result["budget"]["by_year"] == [{"year": 2006, "fen": 300_000},
                                                                   {"year": 2007, "fen": 700_000}]
    # Neither had targets or a budget: each adds its own, both are kept.
    base = plan()
    mine = {**copy.deepcopy(base), "budget": {"total_fen": 5}, "targets": [
        {"key": "songjiao", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时", "per": "学期"}]}
    theirs = {**copy.deepcopy(base), "budget": {"by_year": [{"year": 2006, "fen": 5}]}, "targets": [
        {"key": "jiangzuo", "metric": "专题讲座", "comparison": ">=", "value": 2, "unit": "次", "per": "学期"}]}
    m = merge_record(base, mine, theirs, SCHEMAS)
    assert m.conflicts == []
    assert m.result["budget"] == {"total_fen": 5, "by_year": [{"year": 2006, "fen": 5}]}
    assert [t["key"] for t in m.result["targets"]] == ["songjiao", "jiangzuo"]


def test_an_item_or_object_deleted_on_one_side_and_edited_on_the_other_is_one_conflict():
    base = plan(budget={"total_fen": 1_000_000, "by_year": [{"year": 2006, "fen": 400_000}]})
    base["parties"].append({"school": C, "role": "受帮扶", "dimensions": ["管理"]})
    for deleting_side in ("mine", "theirs"):
        deleted, edited = copy.deepcopy(base), copy.deepcopy(base)
        del deleted["parties"][2]
        del deleted["budget"]
        edited["parties"][2]["dimensions"] = ["德育"]
        edited["budget"]["total_fen"] = 900_000
        mine, theirs = (deleted, edited) if deleting_side == "mine" else (edited, deleted)
        m = merge_record(base, mine, theirs, SCHEMAS)
        paths = sorted(show_path(c.path) for c in m.conflicts)
        assert paths == ["budget", f"parties[school={C}]"], (deleting_side, paths)
        schools = [p["school"] for p in m.result["parties"]]
        assert schools == ([A, B] if deleting_side == "mine" else [A, B, C])


def test_one_record_added_on_both_sides_conflicts_field_by_field():
    # Two sites import the same exported row (same id) and each changes it: with nothing before it,
    # neither side's value is the unchanged one, so each field that differs is a conflict of its
    # own (with no base value), the fields both have alike are no conflict, and the record is not
    # one conflict as a whole.
    mine = plan(notes="甲校录入")
    theirs = copy.deepcopy(mine)
    mine["title"] = "2006学年帮扶计划"
    theirs["status"] = "已总结"
    theirs["notes"] = "乙校录入"
    m = merge_record(None, mine, theirs, SCHEMAS)
    assert [(c.path, c.base, c.mine, c.theirs) for c in m.conflicts] == [
        (("title",), MISSING, "2006学年帮扶计划", "结对帮扶计划"), (("status",), MISSING, "执行中", "已总结"),
        (("notes",), MISSING, "甲校录入", "乙校录入")]
    assert m.result == mine


def _student(id_number: dict, **extra) -> dict:
    return {"id": "student-01M7W3ZTWXN000000000000001", "type": "student", "schema_version": 2, "name": "马晓梅",
            "sex": "女", "school": "school-01M7W3ZTWXN000000000000001", "stage": "小学", "grade": "五年级",
            "identity": {"id_number": id_number}, **extra}


def _sealed(hmac: str, masked: str = "6405**********1005", sealed: str = "v1:aaaa") -> dict:
    return {"masked": masked, "hmac": hmac * 64, "sealed": sealed, "key": "k1"}


def test_an_identifier_only_re_hashed_on_one_side_takes_the_other_sides_value_whole():
    # An erasure elsewhere re-hashes every other student (the hash alone changes): no one's edit.
    # Re-hashed here and corrected there, the merge keeps the correction, its hash with it; re-hashed
    # on both sides, it keeps this side's whole value; never a mix of the two, never a conflict.
    base = _student(_sealed("0"))
    rehashed_here = _student(_sealed("1"))
    corrected_there = _student(_sealed("2", masked="6405**********1013", sealed="v1:bbbb"), notes="身份证号已更正")
    for mine, theirs, kept in ((rehashed_here, corrected_there, corrected_there),
                               (corrected_there, rehashed_here, corrected_there),
                               (rehashed_here, _student(_sealed("3")), rehashed_here)):
        m = merge_record(base, mine, theirs, SCHEMAS)
        assert m.conflicts == []
        assert m.result["identity"]["id_number"] == kept["identity"]["id_number"]
    # Corrected on both sides, differently: the coordinators' to decide, a conflict on the number.
    other = _student(_sealed("4", masked="6405**********1021", sealed="v1:cccc"))
    m = merge_record(base, corrected_there, other, SCHEMAS)
    assert m.conflicts and all(show_path(c.path).startswith("identity.id_number") for c in m.conflicts)


def test_a_path_reads_as_typed_with_numbers_as_numbers():
    assert show_path(("budget", "by_year", Key("year", 2006), "fen")) == "budget.by_year[year=2006].fen"
    assert show_path(("parties", Key("school", B), "role")) == f"parties[school={B}].role"
    assert show_path(()) == ""


# Each field: left alone, or set to one of a few values, on each side independently.
FIELDS = ("title", "status", "notes", "summary")
VALUES = ("甲", "乙", "丙", MISSING)
side_edits = st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(VALUES), max_size=len(FIELDS))
period_ends = st.sampled_from([None, "2007-06-30", "2007-07-31"])


def _apply(base: dict, edits: dict, end: str | None) -> dict:
    out = copy.deepcopy(base)
    for name, value in edits.items():
        if value is MISSING:
            out.pop(name, None)
        else:
            out[name] = value
    if end:
        out["period"]["end"] = end
    return out


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(side_edits, side_edits, period_ends, period_ends)
def test_property_a_field_equal_on_both_sides_never_conflicts(mine_edits, their_edits, mine_end, their_end):
    base = plan(notes="开学", summary="无")
    mine, theirs = _apply(base, mine_edits, mine_end), _apply(base, their_edits, their_end)
    m = merge_record(base, mine, theirs, SCHEMAS)
    for c in m.conflicts:
        assert c.mine != c.theirs, c
    for name in FIELDS:
        b, mv, tv = (d.get(name, MISSING) for d in (base, mine, theirs))
        got = m.result.get(name, MISSING)
        if mv == tv:
            assert got == mv and not [c for c in m.conflicts if c.path == (name,)]
        elif mv == b:
            assert got == tv
        elif tv == b:
            assert got == mv
        else:  # both changed it differently: mine is kept and the conflict holds both
            [c] = [c for c in m.conflicts if c.path == (name,)]
            assert (got, c.mine, c.theirs) == (mv, mv, tv)
    ends = {e for e in (mine_end, their_end) if e}
    assert m.result["period"]["end"] == (mine_end or their_end or base["period"]["end"])
    assert bool([c for c in m.conflicts if c.path == ("period", "end")]) == (len(ends) == 2)


def test_two_sites_making_the_same_edit_sync_without_a_conflict(pair):
    a, b, s1, s2, p = pair
    edit(a, s1, notes="已验收", county="沙河县")
    edit(b, s1, notes="已验收", township="沙河镇")
    sync.sync(a)
    result = sync.sync(b)
    assert result.conflicts == []
    sync.sync(a)
    for led in (a, b):
        led.refresh()
        doc = led.get(s1)
        assert (doc["notes"], doc["county"], doc["township"]) == ("已验收", "沙河县", "沙河镇")
        assert led.index.find("event", action="冲突") == []
    assert a.tip == b.tip
    assert_valid(b)

