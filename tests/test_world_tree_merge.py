"""What a sync's merge commit keeps, ledger by ledger: two sites with one history, each changing
records on its own, then one merges the other's tip (store/sync/integrate.merge_into over
store/sync/merge.three_way and settle). Each case says, as an inspector would count it, which
records come in, which are in conflict, which side's value each record holds afterwards and which
rule a refused combination broke. Real git repositories, no hub: the other site's commits are
fetched straight from its repository."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import git, school
from test_sync_local import assert_valid
from store import Ledger
from store.ledger.ledger import SCHEMA_VERSION
from store.core import canonical, ids
from store.core.diff import MISSING
from store.core.trailers import Trailers
from store.privacy.acts import attach_keys, init_keys
from store.sync import remote as sync
from store.sync.conflicts import list_conflicts
from store.sync.integrate import merge_into
from store.sync.merge import MergeRefused

PERIOD = {"start": "2006-09-01", "end": "2007-08-31"}


def _plan(a: str, b: str) -> dict:
    return {"type": "plan", "schema_version": 1, "title": "沙河二小—石桥二小结对帮扶计划", "period": dict(PERIOD),
            "parties": [{"school": a, "role": "帮扶"}, {"school": b, "role": "受帮扶"}], "status": "执行中"}


def _visit(plan: str, host: str, guest: str, day: str, **extra) -> dict:
    return {"type": "visit", "schema_version": 1, "plan": plan, "kind": "送教下乡", "date": day,
            "host_school": host, "visiting_school": guest, "hours": 4, **extra}


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> tuple[Path, dict]:
    """Site 甲站 with three schools, a plan and one visit; site 乙站 a clone of it."""
    root = tmp_path_factory.mktemp("pair")
    a = Ledger.init(root / "a", site="甲站")
    init_keys(a)
    sha = a.put(school()).id
    shi = a.put(school("石桥镇第二中心小学", "石桥二小")).id
    he = a.put(school("河口镇中心小学", "河口小学")).id
    plan = a.put(_plan(sha, shi)).id
    visit = a.put(_visit(plan, shi, sha, "2006-10-12")).id
    a.close()
    b = sync.clone(str(root / "a"), root / "b", site="乙站")
    b.close()
    return root, {"sha": sha, "shi": shi, "he": he, "plan": plan, "visit": visit}


@pytest.fixture
def sites(master, tmp_path):
    root, names = master
    for side in ("a", "b"):
        shutil.copytree(root / side, tmp_path / side, symlinks=True)
    a, b = Ledger(tmp_path / "a"), Ledger(tmp_path / "b")
    attach_keys(a)
    attach_keys(b)
    yield a, b, names
    a.close()
    b.close()


def _edit(ledger: Ledger, rid: str, **fields) -> None:
    record = ledger.get(rid)
    record.update(fields)
    ledger.put(record, base=ledger.version(rid))


def _theirs(a: Ledger, b: Ledger) -> str:
    """乙站's tip, its objects fetched into 甲站's repository."""
    b.refresh()
    git(a.path, "fetch", "-q", str(b.path), "main")
    return b.tip


def _merge(a: Ledger, b: Ledger):
    before = a.tip
    outcome = merge_into(a, _theirs(a, b), remote="乙站")
    a.refresh()
    assert git(a.path, "show", "-s", "--format=%P", a.tip).split() == [before, b.tip]
    return outcome


def _trailers(ledger: Ledger) -> dict:
    return {k: v[0] for k, v in Trailers.parse(git(ledger.path, "show", "-s", "--format=%B", ledger.tip)).items()}


def _high_school_pupil(ledger: Ledger, **extra) -> tuple[str, str]:
    """某县第一中学 (高中, 某县) and its pupil 王芳 (高三): ids."""
    high = ledger.put({"type": "school", "schema_version": 2, "name": "某县第一中学", "stage": "高中",
                       "county": "某县", "area": "城区"}).id
    pupil = ledger.put({"type": "student", "schema_version": 2, "name": "王芳", "sex": "女", "school": high,
                        "stage": "高中", "grade": "高三", **extra}).id
    return high, pupil


def _national_grant(ledger: Ledger) -> str:
    """普通高中国家助学金, 2000 元 a year, nationwide from 2024-09-01: its id."""
    return ledger.put({"type": "standard", "schema_version": 2, "programme": "普通高中国家助学金", "stage": "高中",
                       "amount_fen": 200_000, "unit": "年", "region": "全国", "valid_from": "2024-09-01"}).id


def test_each_side_changed_other_records_both_changes_are_kept_without_a_conflict(sites):
    a, b, n = sites
    _edit(a, n["sha"], notes="甲站改的备注")
    _edit(b, n["shi"], notes="乙站改的备注")
    added = b.put(_visit(n["plan"], n["shi"], n["sha"], "2006-11-20")).id
    outcome = _merge(a, b)
    assert sorted(outcome.incoming) == sorted([n["shi"], added])
    assert outcome.conflicts == [] and outcome.conflicted == []
    assert a.get(n["sha"])["notes"] == "甲站改的备注"
    assert a.get(n["shi"])["notes"] == "乙站改的备注"
    assert a.get(added)["date"] == "2006-11-20"
    assert list_conflicts(a) == []
    t = _trailers(a)
    assert (t["Action"], t["Merged-Records"], t["Conflicts"], t["Remote"], t["Site"]) == (
        "merge", "2", "0", "乙站", "甲站")


def test_the_same_field_set_to_the_same_value_on_both_sides_is_no_conflict(sites):
    a, b, n = sites
    _edit(a, n["visit"], hours=6)
    _edit(b, n["visit"], hours=6)
    outcome = _merge(a, b)
    assert outcome.conflicts == [] and outcome.incoming == []
    assert a.get(n["visit"])["hours"] == 6
    assert list_conflicts(a) == []


def test_a_goal_added_to_the_plan_on_each_side_gives_the_plan_both_goals(sites):
    # Goals are told apart by their area (the schema's x-key): two lists that each grew by one join.
    a, b, n = sites
    _edit(a, n["plan"], goals=[{"area": "教育质量", "text": "每学期送教下乡两次"}])
    _edit(b, n["plan"], goals=[{"area": "管理", "text": "两校教务处每月交流一次"}])
    outcome = _merge(a, b)
    assert (outcome.incoming, outcome.conflicts) == ([n["plan"]], [])
    assert sorted(g["area"] for g in a.get(n["plan"])["goals"]) == ["教育质量", "管理"]


def test_one_field_set_differently_on_each_side_keeps_mine_and_records_both_values(sites):
    a, b, n = sites
    _edit(a, n["visit"], hours=6, notes="甲站")
    _edit(b, n["visit"], hours=8)
    outcome = _merge(a, b)
    assert outcome.conflicted == [n["visit"]] and len(outcome.conflicts) == 1
    record = a.get(n["visit"])
    assert (record["hours"], record["notes"]) == (6, "甲站")   # mine kept where both changed
    [c] = list_conflicts(a)
    assert (c.record, c.kind, c.kept) == (n["visit"], "field", "mine")
    assert [(f.name, f.base, f.mine, f.theirs) for f in c.fields] == [("hours", 4, 6, 8)]
    assert (c.mine["site"], c.theirs["site"]) == ("甲站", "乙站")
    assert _trailers(a)["Conflicts"] == "1"


def test_different_fields_of_one_record_changed_on_each_side_are_joined(sites):
    a, b, n = sites
    _edit(a, n["visit"], hours=6)
    _edit(b, n["visit"], notes="乙站补记")
    outcome = _merge(a, b)
    assert outcome.conflicts == [] and outcome.incoming == [n["visit"]]
    record = a.get(n["visit"])
    assert (record["hours"], record["notes"]) == (6, "乙站补记")


def test_a_record_deleted_on_one_side_and_edited_on_the_other_keeps_the_edit_until_someone_decides(sites):
    a, b, n = sites
    a.delete(n["visit"], reason="重复录入")
    _edit(b, n["visit"], hours=8)
    outcome = _merge(a, b)
    assert outcome.conflicted == [n["visit"]]
    assert a.get(n["visit"])["hours"] == 8              # nothing lost: the edit is there to judge
    [c] = list_conflicts(a)
    assert (c.kind, c.kept) == ("delete", "theirs")
    assert c.fields[0].mine is MISSING and c.fields[0].theirs["hours"] == 8


def test_a_record_edited_here_and_deleted_there_keeps_mine_in_a_delete_conflict(sites):
    a, b, n = sites
    _edit(a, n["visit"], hours=6)
    b.delete(n["visit"], reason="重复录入")
    outcome = _merge(a, b)
    assert outcome.conflicted == [n["visit"]] and outcome.incoming == []
    assert a.get(n["visit"])["hours"] == 6
    [c] = list_conflicts(a)
    assert (c.kind, c.kept) == ("delete", "mine")
    assert c.fields[0].theirs is MISSING and c.fields[0].mine["hours"] == 6


def test_a_record_deleted_there_and_untouched_here_is_deleted(sites):
    a, b, n = sites
    b.delete(n["visit"], reason="重复录入")
    outcome = _merge(a, b)
    assert outcome.conflicts == [] and outcome.incoming == [n["visit"]]
    assert a.index.get(n["visit"]) is None


def test_a_plan_shortened_there_under_a_visit_logged_here_goes_back_to_mine_in_a_conflict(sites):
    a, b, n = sites
    late = a.put(_visit(n["plan"], n["shi"], n["sha"], "2007-06-15")).id
    _edit(b, n["plan"], period={"start": "2006-09-01", "end": "2007-01-31"})
    outcome = _merge(a, b)
    assert outcome.conflicted == [n["plan"]] and outcome.incoming == []
    assert a.get(n["plan"])["period"] == PERIOD        # the visit of 2007-06-15 still fits
    assert a.get(late)["date"] == "2007-06-15"
    [c] = list_conflicts(a)
    assert (c.record, c.kind, c.kept) == (n["plan"], "rule", "mine")
    assert [f["rule"] for f in c.findings] == ["rule.breaks_referrers"]
    assert c.fields[0].theirs["period"]["end"] == "2007-01-31"   # the other value waits in the conflict
    assert c.fields[0].base["period"] == PERIOD and "notes" not in c.fields[0].base


def test_a_plan_shortened_here_under_a_visit_logged_there_takes_their_period_and_keeps_the_visit(sites):
    a, b, n = sites
    _edit(a, n["plan"], period={"start": "2006-09-01", "end": "2007-01-31"})
    late = b.put(_visit(n["plan"], n["shi"], n["sha"], "2007-06-15")).id
    outcome = _merge(a, b)
    assert a.get(late)["date"] == "2007-06-15"          # the other side's record is not dropped
    assert a.get(n["plan"])["period"] == PERIOD
    assert outcome.conflicted == [n["plan"]]
    [c] = list_conflicts(a)
    assert (c.kind, c.kept) == ("rule", "theirs")
    assert c.fields[0].mine["period"]["end"] == "2007-01-31"


def test_a_student_added_there_at_a_school_deleted_here_is_kept_out_in_a_conflict(sites):
    a, b, n = sites
    a.delete(n["he"], reason="学校撤并")
    pupil = b.put({"type": "student", "schema_version": 1, "name": "王小明", "sex": "男", "school": n["he"],
                   "stage": "小学", "grade": "三年级"}).id
    outcome = _merge(a, b)
    assert a.index.get(pupil) is None                   # not brought in: its school is gone here
    assert a.index.get(n["he"]) is None
    assert outcome.conflicted == [pupil] and outcome.incoming == []
    [c] = list_conflicts(a)
    assert (c.record, c.kind, c.kept) == (pupil, "rule", "mine")
    assert c.fields[0].mine is MISSING and c.fields[0].theirs["name"] == "王小明"
    assert [f["field"] for f in c.findings] == ["school"]


def test_a_plan_changed_here_that_a_visit_logged_there_no_longer_fits_goes_back_to_their_parties(sites):
    a, b, n = sites
    # 甲站 hands the plan over from 石桥二小 to 河口小学 (and deletes the one visit hosted there)
    # while 乙站 logs a visit hosted by 石桥二小: the other side's visit is not dropped; the
    # plan's parties go back and the hand-over waits in a conflict
    plan = a.get(n["plan"])
    plan["parties"] = [{"school": n["sha"], "role": "帮扶"}, {"school": n["he"], "role": "受帮扶"}]
    a.delete(n["visit"], reason="计划改由河口小学受帮扶")
    a.put(plan, base=a.version(n["plan"]))
    new = b.put(_visit(n["plan"], n["shi"], n["sha"], "2006-12-01")).id
    outcome = _merge(a, b)
    assert a.get(new)["host_school"] == n["shi"]
    assert [p["school"] for p in a.get(n["plan"])["parties"]] == [n["sha"], n["shi"]]
    assert outcome.conflicted == [n["plan"]]
    [c] = list_conflicts(a)
    assert (c.kind, c.kept) == ("rule", "theirs")
    assert [p["school"] for p in c.fields[0].mine["parties"]] == [n["sha"], n["he"]]


def test_a_file_outside_the_records_changed_differently_on_both_sides_refuses_the_merge(sites):
    a, b, n = sites
    for ledger, value in ((a, "甲"), (b, "乙")):
        tip_tree = ledger.git.commit_tree(ledger.tip)
        config = json.loads(ledger.git.read_blob(ledger.git.lookup(tip_tree, "bangfu.json")))
        config["note"] = value
        tree = ledger.git.write_tree(tip_tree,
                                     {"bangfu.json": ledger.git.write("blob", json.dumps(config).encode())})
        commit = ledger.git.make_commit(tree, [ledger.tip], ledger.author(), "hand edit of bangfu.json")
        assert ledger.move_to(commit, ledger.tip, "hand edit")
    before = a.tip
    with pytest.raises(MergeRefused) as refused:
        merge_into(a, _theirs(a, b), remote="乙站")
    assert refused.value.key == "sync.merge_file" and str(refused.value).startswith("两边都改了 bangfu.json，且改法不同")
    a.refresh()
    assert a.tip == before


def test_the_merged_ledger_answers_every_record_from_both_sides(sites):
    a, b, n = sites
    mine = [a.put(_visit(n["plan"], n["shi"], n["sha"], f"2006-11-{d:02d}")).id for d in (1, 2, 3)]
    theirs = [b.put(_visit(n["plan"], n["shi"], n["sha"], f"2006-12-{d:02d}")).id for d in (4, 5)]
    outcome = _merge(a, b)
    assert sorted(outcome.incoming) == sorted(theirs)
    days = sorted(v["date"] for v in a.index.find("visit"))
    assert days == ["2006-10-12", "2006-11-01", "2006-11-02", "2006-11-03", "2006-12-04", "2006-12-05"]
    assert all(a.get(r) for r in mine + theirs)


def test_a_student_erased_here_whose_id_was_corrected_there_keeps_the_edit_and_not_the_identifiers(sites):
    from store.privacy.acts import erase
    a, b, n = sites
    pupil = a.put({"type": "student", "schema_version": 1, "name": "王小明", "sex": "男", "school": n["sha"],
                   "stage": "小学", "grade": "三年级", "identity": {"id_number": "110101200808081012"},
                   "events": [{"date": "2026-09-01", "event": "认定"}]}).id
    git(b.path, "fetch", "-q", str(a.path), "main:main")    # 乙站 has the student too
    b.refresh()
    _edit(b, pupil, grade="四年级", identity={"id_number": "110101201001011018"},
          events=[{"date": "2026-09-01", "event": "认定"}, {"date": "2026-09-20", "event": "脱贫"}])
    # (a record whose file sorts before the erasure's own, changed in the same merge)
    term = b.put({"type": "calendar", "schema_version": 2, "term": "2026-2027-1", "first_day": "2026-09-01",
                  "last_day": "2027-01-22"}).id
    _edit(a, pupil, events=[{"date": "2026-09-01", "event": "认定"}, {"date": "2026-10-08", "event": "退出",
                                                                     "reason": "转学"}])
    erase(a, pupil, "家长申请删除")
    outcome = _merge(a, b)
    assert outcome.conflicts == [] and sorted(outcome.incoming) == sorted([pupil, term])
    record = a.get(pupil)
    assert (record["grade"], record["identity"]) == ("四年级", {})
    assert sorted(e["date"] for e in record["events"]) == ["2026-09-01", "2026-09-20", "2026-10-08"]  # both sides'
    assert "1012" not in json.dumps(record) and "1018" not in json.dumps(record)


def test_a_school_deleted_there_while_a_student_was_added_here_stays_with_the_reason(sites):
    a, b, n = sites
    b.delete(n["he"], reason="学校撤并")
    pupil = a.put({"type": "student", "schema_version": 1, "name": "王小明", "sex": "男", "school": n["he"],
                   "stage": "小学", "grade": "三年级"}).id
    outcome = _merge(a, b)
    assert a.get(n["he"])["short_name"] == "河口小学" and a.get(pupil)["school"] == n["he"]
    assert outcome.conflicted == [n["he"]] and outcome.incoming == []
    [c] = list_conflicts(a)
    assert (c.record, c.kind, c.kept) == (n["he"], "rule", "mine")
    assert c.fields[0].theirs is MISSING
    assert [(f["rule"], f["params"]) for f in c.findings] == [
        ("rule.still_referenced", {"referrer": pupil, "field": "school"})]


def test_what_the_first_records_sent_back_leave_broken_is_sent_back_too(sites):
    """乙站 adds a teacher at 河口小学 and a visit naming that teacher; 甲站 closes 河口小学. The
    teacher cannot come in (its school is gone); then neither can the visit that names it."""
    a, b, n = sites
    a.delete(n["he"], reason="学校撤并")
    teacher = b.put({"type": "teacher", "schema_version": 2, "name": "郑国庆", "school": n["he"]}).id
    visit = b.put(_visit(n["plan"], n["shi"], n["sha"], "2006-12-01",
                         participants=[{"name": "郑国庆", "teacher": teacher}])).id
    outcome = _merge(a, b)
    assert a.index.get(teacher) is None and a.index.get(visit) is None
    assert sorted(outcome.conflicted) == sorted([teacher, visit]) and outcome.incoming == []
    kept = {c.record: (c.kind, c.kept, [f["field"] for f in c.findings]) for c in list_conflicts(a)}
    assert kept == {teacher: ("rule", "mine", ["school"]), visit: ("rule", "mine", ["participants[0].teacher"])}
    assert_valid(a)


def test_a_broken_record_file_from_the_other_side_stops_the_merge_naming_the_object(sites):
    a, b, n = sites
    path = ids.path_of(n["visit"], ids.LATEST)
    blob = b.git.write("blob", b'{"type": "visit", ')
    tree = b.git.write_tree(b.git.commit_tree(b.tip), {path: blob})
    assert b.git.swap_ref(b.git.make_commit(tree, [b.tip], b.author(), "hand edit"), b.tip, "hand edit")
    before = a.tip
    with pytest.raises(MergeRefused) as refused:
        merge_into(a, _theirs(a, b), remote="乙站")
    assert str(refused.value) == f"无法合并：对象 {blob} 不是有效的记录 JSON。请先在出问题的一方运行 bangfu validate 修复。"
    a.refresh()
    assert a.tip == before


def _upgrade(ledger: Ledger, tmp_path: Path, capsys, record_type: str, change, note: str) -> None:
    """`bangfu schema-upgrade` at `ledger` to the project's schemas with `change` made to one type's."""
    from conftest import run
    from store.rules.schema import PROJECT_SCHEMAS
    new = tmp_path / "schemas"
    new.mkdir()
    for f in PROJECT_SCHEMAS.glob("*.json"):
        (new / f.name).write_bytes(f.read_bytes())
    doc = json.loads((new / f"{record_type}.json").read_text(encoding="utf-8"))
    change(doc)
    (new / f"{record_type}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    assert run(capsys, "-L", str(ledger.path), "schema-upgrade", str(new), "--note", note)[0] == 0
    ledger.refresh()


def test_a_schema_upgrade_made_there_comes_in_and_the_records_are_checked_against_it(sites, tmp_path, capsys):
    a, b, n = sites
    _upgrade(b, tmp_path, capsys, "school",
             lambda doc: doc["properties"].update(motto={"type": "string", "maxLength": 100, "title": "校训"}), "校训")
    _edit(b, n["he"], motto="勤学")
    _edit(a, n["sha"], notes="甲站")
    outcome = _merge(a, b)
    assert outcome.conflicts == [] and n["he"] in outcome.incoming
    assert a.get(n["he"])["motto"] == "勤学" and a.get(n["sha"])["notes"] == "甲站"
    assert a.config["schema_version"] == SCHEMA_VERSION + 1
    _edit(a, n["sha"], motto="求真")                       # the new field is this site's now too
    assert a.get(n["sha"])["motto"] == "求真"
    assert_valid(a)


def test_a_visit_logged_here_that_an_upgrade_made_there_refuses_stops_the_merge_and_blames_no_plan(sites, tmp_path,
                                                                                                   capsys):
    # 乙站 caps a visit at 12 学时 and notes the plan; 甲站 meanwhile logged a visit of 20 学时 under it.
    a, b, n = sites
    _upgrade(b, tmp_path, capsys, "visit", lambda doc: doc["properties"]["hours"].update(maximum=12), "每次至多12学时")
    _edit(b, n["plan"], notes="乙站")
    visit = a.put(_visit(n["plan"], n["shi"], n["sha"], "2006-11-02", hours=20)).id
    before = a.tip
    with pytest.raises(MergeRefused) as refused:
        merge_into(a, _theirs(a, b), remote="乙站")
    assert refused.value.key == "sync.merge_schema_refuses_mine"
    assert str(refused.value) == (f"无法合并：对方的模式升级带来的新规则不接受本站的一条记录（错误 {visit} 的字段「课时」: "
                                  "「课时」的值 20 超过上限 12）。没有提交任何内容；请先按新规则改好这条记录，再同步。")
    a.refresh()
    assert a.tip == before and list_conflicts(a) == []
    _edit(a, visit, hours=12)                              # corrected to the new rule, the sync goes through
    outcome = _merge(a, b)
    assert outcome.conflicts == [] and outcome.incoming == [n["plan"]]
    assert a.get(n["plan"])["notes"] == "乙站" and a.get(visit)["hours"] == 12
    assert_valid(a)


def test_a_visit_logged_there_that_an_upgrade_made_here_refuses_waits_in_a_conflict(sites, tmp_path, capsys):
    # 甲站 caps a visit at 12 学时; 乙站, not yet upgraded, logged one of 20 学时 and noted the plan.
    a, b, n = sites
    _upgrade(a, tmp_path, capsys, "visit", lambda doc: doc["properties"]["hours"].update(maximum=12), "每次至多12学时")
    _edit(b, n["plan"], notes="乙站")
    visit = b.put(_visit(n["plan"], n["shi"], n["sha"], "2006-11-02", hours=20)).id
    outcome = _merge(a, b)
    assert (outcome.incoming, outcome.conflicted) == ([n["plan"]], [visit])
    assert a.get(n["plan"])["notes"] == "乙站" and a.peek([visit]) == [None]
    [c] = list_conflicts(a)
    assert (c.record, c.kind, c.kept) == (visit, "rule", "mine")
    assert c.fields[0].mine is MISSING and c.fields[0].theirs["hours"] == 20    # nothing lost: there to judge
    assert [(f["rule"], f["field"], f["params"]["limit"]) for f in c.findings] == [("schema.maximum", "hours", "12")]
    assert_valid(a)


def test_a_record_broken_through_a_rule_declared_from_one_side_only_refuses_the_merge(sites, monkeypatch):
    # Should a rule reading another record ever be declared from one side only (test_rules_both_ways
    # holds every rule of today to both), the merge refuses rather than commit a broken ledger. Here the
    # plan's side forgets its visits: 乙站 shortens the plan to January, 甲站 logged a visit in June.
    from store.rules import checks
    monkeypatch.setitem(checks.DEPENDENT, "plan", tuple((t, rule) for t, rule in checks.DEPENDENT["plan"]
                                                        if t != "visit"))
    a, b, n = sites
    late = a.put(_visit(n["plan"], n["shi"], n["sha"], "2007-06-15")).id
    _edit(b, n["plan"], period={"start": "2006-09-01", "end": "2007-01-31"})
    before = a.tip
    with pytest.raises(MergeRefused) as refused:
        merge_into(a, _theirs(a, b), remote="乙站")
    assert str(refused.value) == (f"无法合并：两边的修改合在一起总有记录违反规则（{late}），且无法只退回一方。"
                                  "没有提交任何内容；请两边商量后先改其中一方，再同步。")
    a.refresh()
    assert a.tip == before and list_conflicts(a) == []


def test_a_programmes_first_standard_made_there_comes_in_over_payments_here_that_name_none(sites):
    # 乙站 enters the first standard of 普通高中国家助学金; 甲站 had paid 王芳 under it without one (there
    # was none to name). The standard comes in; the payment, now wanting one, is left for validate.
    a, b, n = sites
    _high, pupil = _high_school_pupil(a, events=[{"date": "2019-09-01", "event": "认定"}])
    git(b.path, "fetch", "-q", str(a.path), "main:main")
    b.refresh()
    grant = _national_grant(b)
    paid = a.put({"type": "aid", "schema_version": 2, "student": pupil, "programme": "普通高中国家助学金",
                  "amount_fen": 100_000, "term": "2026-2027-1", "paid_on": "2026-10-20", "source": "中央",
                  "method": "银行卡"}).id
    outcome = _merge(a, b)
    assert (outcome.incoming, outcome.conflicts) == ([grant], [])
    assert a.get(grant)["amount_fen"] == 200_000 and a.get(paid)["amount_fen"] == 100_000


def test_a_visit_broken_here_by_a_hand_edit_does_not_stop_their_changes_coming_in(sites):
    # At 甲站 someone moved the visit to 2007-10-12, past the plan's end, straight through git; 乙站 notes
    # 河口小学. The merge is not to blame for the visit: 河口小学's note comes in, nobody is in conflict.
    a, b, n = sites
    moved = {**a.get(n["visit"]), "date": "2007-10-12"}
    tree = a.git.write_tree(a.git.commit_tree(a.tip), {ids.path_of(n["visit"], ids.LATEST): a.git.write("blob", canonical.dumps(moved))})
    assert a.move_to(a.git.make_commit(tree, [a.tip], a.author(), "hand edit"), a.tip, "hand edit")
    _edit(b, n["he"], notes="乙站")
    outcome = _merge(a, b)
    assert (outcome.incoming, outcome.conflicts) == ([n["he"]], [])
    assert a.get(n["he"])["notes"] == "乙站" and a.get(n["visit"])["date"] == "2007-10-12"


def test_a_record_deleted_after_sites_merged_each_other_stays_deleted(sites):
    a, b, n = sites
    sync.add_remote(a, "乙站", str(b.path))
    sync.add_remote(b, "甲站", str(a.path))
    _edit(a, n["sha"], notes="甲")
    _edit(b, n["shi"], notes="乙")
    theirs_a = sync.fetch(b, "甲站", lambda *_: None)
    theirs_b = sync.fetch(a, "乙站", lambda *_: None)
    merge_into(a, theirs_b, remote="乙站")
    merge_into(b, theirs_a, remote="甲站")                 # a criss-cross: two best common ancestors
    a.delete(n["visit"], reason="重复录入")
    outcome = merge_into(a, sync.fetch(a, "乙站", lambda *_: None), remote="乙站")
    assert outcome.conflicts == []
    assert a.index.get(n["visit"]) is None
    assert (a.get(n["sha"])["notes"], a.get(n["shi"])["notes"]) == ("甲", "乙")


def test_a_recognition_deleted_there_that_a_payment_made_here_rests_on_stays(sites):
    a, b, n = sites
    high, pupil = _high_school_pupil(a)
    grant = _national_grant(a)

    def recognised(year):
        day = f"{year[:4]}-09-05"
        return a.put({"type": "recognition", "schema_version": 2, "student": pupil, "school_year": year,
                      "school": high, "from_event": day, "outcome": "认定",
                      "application": {"date": day, "applicant": "（升级前的认定记录）"},
                      "approval": {"date": day, "by": "县资助中心"},
                      "review": {"date": day, "members": ["班主任"], "result": "通过", "level": "困难"}}).id
    recognised("2025-2026")
    this_year = recognised("2026-2027")
    git(b.path, "fetch", "-q", str(a.path), "main:main")
    b.refresh()
    b.delete(this_year, reason="重复录入")
    paid = a.put({"type": "aid", "schema_version": 2, "student": pupil, "programme": "普通高中国家助学金",
                  "standard": grant, "amount_fen": 100_000, "term": "2026-2027-1", "paid_on": "2026-10-20",
                  "source": "中央", "method": "银行卡"}).id
    outcome = _merge(a, b)
    assert a.get(this_year)["approval"]["date"] == "2026-09-05" and a.get(paid)["amount_fen"] == 100_000
    assert outcome.conflicted == [this_year]
    [c] = list_conflicts(a)
    assert (c.record, c.kind, c.kept) == (this_year, "rule", "mine")
    assert [(f["rule"], f["params"]["list"]) for f in c.findings] == [("rule.breaks_referrers", f"王芳 普通高中国家助学金 2026-2027-1 1,000.00元（{paid}）的「学生」")]
    assert_valid(a)


def test_a_school_moved_there_to_another_county_stays_where_a_payment_made_here_rests_on_it(sites):
    """乙站 moves a school to 另县; 甲站 pays its pupil the fee waiver of 某县 (a county's own
    standard). Merged, the payment would be outside its standard: the school keeps this side's
    county and waits in a conflict naming the payment, and the merged ledger is valid."""
    a, b, n = sites
    high, pupil = _high_school_pupil(a, events=[{"date": "2019-09-01", "event": "认定"}])
    fees = a.put({"type": "standard", "schema_version": 2, "programme": "普通高中免学杂费", "stage": "高中",
                  "amount_fen": 80_000, "unit": "学期", "region": "某县", "counties": ["某县"],
                  "valid_from": "2024-09-01"}).id
    git(b.path, "fetch", "-q", str(a.path), "main:main")
    b.refresh()
    _edit(b, high, county="另县")
    paid = a.put({"type": "aid", "schema_version": 2, "student": pupil, "programme": "普通高中免学杂费",
                  "standard": fees, "amount_fen": 80_000, "term": "2026-2027-1", "paid_on": "2026-10-20",
                  "source": "中央", "method": "银行卡"}).id
    outcome = _merge(a, b)
    assert a.get(high)["county"] == "某县" and a.get(paid)["amount_fen"] == 80_000
    assert outcome.conflicted == [high]
    [c] = list_conflicts(a)
    assert (c.record, c.kind, c.kept) == (high, "rule", "mine")
    assert [(f["rule"], f["params"]["list"]) for f in c.findings] == [("rule.breaks_referrers", f"王芳 普通高中免学杂费 2026-2027-1 800.00元（{paid}）的「资助标准」")]
    assert_valid(a)


def test_a_plan_moved_here_and_a_visit_logged_there_at_each_end_leave_a_valid_ledger(sites):
    """甲站 moves the plan a month later and logs a visit in the new month; 乙站 logs one in the
    month the move gives up. No version of the plan holds both visits: the merge keeps this side's
    plan and visit, the other visit waits in a conflict, and the merged ledger is valid."""
    a, b, n = sites
    _edit(a, n["plan"], period={"start": "2006-10-01", "end": "2007-09-30"})
    mine = a.put(_visit(n["plan"], n["shi"], n["sha"], "2007-09-15")).id
    theirs = b.put(_visit(n["plan"], n["shi"], n["sha"], "2006-09-15")).id
    outcome = _merge(a, b)
    assert_valid(a)                                      # (it was not: the plan swung between the sides)
    assert a.get(n["plan"])["period"] == {"start": "2006-10-01", "end": "2007-09-30"}
    assert a.get(mine)["date"] == "2007-09-15" and a.index.get(theirs) is None
    assert sorted(outcome.conflicted) == sorted([n["plan"], theirs]) and outcome.incoming == []
    kept = {c.record: (c.kind, c.kept) for c in list_conflicts(a)}
    assert kept == {n["plan"]: ("rule", "mine"), theirs: ("rule", "mine")}
    [waiting] = [c for c in list_conflicts(a) if c.record == theirs]
    assert waiting.fields[0].theirs["date"] == "2006-09-15"       # nothing lost: it waits to be decided


def test_a_donation_cut_alike_on_both_sides_and_paid_out_on_each_keeps_the_payment_made_here(sites):
    # 3000 元 given to 石桥二小; both sites correct it to 2000 元, then 甲站 pays 王小红 1500 元 out of it and
    # 乙站 pays 李小兰 1000 元: 2500 元 is more than the 2000 元 given. 乙站's payment waits in a conflict;
    # the donation, the same on both sides, is in none.
    a, b, n = sites
    gift = a.put(_visit(n["plan"], n["shi"], n["sha"], "2006-10-20", kind="捐赠",
                        donation={"donor": "某爱心企业", "recipient": "石桥镇第二中心小学", "cash_fen": 300_000,
                                  "total_fen": 300_000})).id
    pupils = [a.put({"type": "student", "schema_version": 2, "name": name, "sex": "女", "school": n["shi"],
                     "stage": "小学", "grade": "五年级", "events": [{"date": "2006-09-01", "event": "认定"}]}).id
              for name in ("王小红", "李小兰")]
    git(b.path, "fetch", "-q", str(a.path), "main:main")
    b.refresh()
    for ledger, pupil, fen in ((a, pupils[0], 150_000), (b, pupils[1], 100_000)):
        _edit(ledger, gift, donation={"donor": "某爱心企业", "recipient": "石桥镇第二中心小学", "cash_fen": 200_000,
                                      "total_fen": 200_000})
        paid = ledger.put({"type": "aid", "schema_version": 2, "student": pupil, "programme": "社会捐助",
                           "term": "2006-2007-1", "amount_fen": fen, "paid_on": "2006-10-25", "source": "社会捐助",
                           "method": "银行卡", "donation": gift}).id
    outcome = _merge(a, b)
    assert (outcome.incoming, outcome.conflicted) == ([], [paid])
    [c] = list_conflicts(a)
    assert (c.record, c.kind, c.kept) == (paid, "rule", "mine")
    assert [(f["rule"], f["params"]["paid"], f["params"]["cash"]) for f in c.findings] == [
        ("rule.aid_donation_exceeded", "2,500.00", "2,000.00")]
    assert [p["amount_fen"] for p in a.index.find("aid", donation=gift)] == [150_000]
    assert_valid(a)


def test_a_file_under_records_that_is_no_record_comes_in_like_any_other_file(sites):
    a, b, n = sites
    blob = b.git.write("blob", "本目录由 bangfu 管理\n".encode())
    tree = b.git.write_tree(b.git.commit_tree(b.tip), {"records/说明.txt": blob})
    assert b.git.swap_ref(b.git.make_commit(tree, [b.tip], b.author(), "readme"), b.tip, "readme")
    _merge(a, b)
    assert a.git.lookup(a.git.commit_tree(a.tip), "records/说明.txt") == blob


def test_a_file_under_records_that_is_no_record_changed_differently_on_both_sides_refuses_the_merge(sites):
    a, b, n = sites
    for ledger, words in ((a, "甲站的说明\n"), (b, "乙站的说明\n")):
        tree = ledger.git.write_tree(ledger.git.commit_tree(ledger.tip),
                                     {"records/说明.txt": ledger.git.write("blob", words.encode())})
        assert ledger.move_to(ledger.git.make_commit(tree, [ledger.tip], ledger.author(), "说明"), ledger.tip, "说明")
    before = a.tip
    with pytest.raises(MergeRefused) as refused:
        merge_into(a, _theirs(a, b), remote="乙站")
    assert str(refused.value).startswith("两边都改了 records/说明.txt，且改法不同")
    a.refresh()
    assert a.tip == before


def test_a_payment_moved_to_another_term_there_and_its_replacement_there_both_come_in(sites):
    """乙站 moves a payment to the spring term and pays the autumn term anew: the merged ledger is
    checked with the payment as moved, not as this site last saw it (one per student, programme
    and term holds)."""
    a, b, n = sites
    high, pupil = _high_school_pupil(a, events=[{"date": "2019-09-01", "event": "认定"}])
    grant = _national_grant(a)
    paid = a.put({"type": "aid", "schema_version": 2, "student": pupil, "programme": "普通高中国家助学金",
                  "standard": grant, "amount_fen": 100_000, "term": "2026-2027-1", "paid_on": "2026-10-20",
                  "source": "中央", "method": "银行卡"})
    a.put({**a.get(paid.id), "id": ids.new_id("aid"), "term": "2025-2026-2", "paid_on": "2026-03-20"})
    git(b.path, "fetch", "-q", str(a.path), "main:main")
    b.refresh()
    _edit(b, paid.id, term="2026-2027-2", paid_on="2027-03-20")
    again = b.put({**a.get(paid.id), "id": ids.new_id("aid"), "paid_on": "2026-10-21"}).id
    outcome = _merge(a, b)
    assert outcome.conflicts == [] and sorted(outcome.incoming) == sorted([paid.id, again])
    assert sorted(p["term"] for p in a.index.find("aid", student=pupil)) == ["2025-2026-2", "2026-2027-1", "2026-2027-2"]
