"""Moving a shared ledger to the new layout (issue 18): a real bare hub, its hook and policy, and two
sites, all made before the new layout (format 1).

- The hub takes the move only from an admin and only as a pure move: every record's own blob at
  its new path, `format` alone changed in bangfu.json.
- A site's commits not yet pushed, made in the old layout, merge with the moved hub record by record:
  a record edited at its old path here and moved there is one record holding the edit.
- Once moved, the hub refuses a record written at its old-layout path (an older Bangfu's save: a
  second copy of the record) and tells the site to update Bangfu and sync."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import git, school
from store import Ledger
from store.sync import remote as sync
from test_hub_guard import ME, push, set_policy
from test_layout import as_made_before_the_new_layout, new_path, old_path, record_files
from test_sync_local import bangfu, edit, make_hub, make_site, plan, student


@pytest.fixture
def old_hub(tmp_path):
    """A hub and two sites in the old layout, sharing two schools and a plan."""
    hub = make_hub(tmp_path / "hub")
    as_made_before_the_new_layout(hub)
    a = make_site(str(hub), tmp_path / "a", "沙河二小")
    b = make_site(str(hub), tmp_path / "b", "石桥二小")
    s1 = a.put(school()).id
    s2 = a.put(school("石桥镇第二中心小学", "石桥二小")).id
    p = a.put(plan(s1, s2)).id
    sync.sync(a)
    sync.sync(b)
    assert a.layout == b.layout == 1
    yield hub, a, b, (s1, s2, p)
    a.close()
    b.close()


def test_a_sites_unpushed_old_layout_edits_merge_by_id_with_the_moved_hub(old_hub):
    hub, a, b, (s1, s2, p) = old_hub
    # Site B, not yet synced: an edit of a school and a new student, at the old paths.
    edit(b, s1, notes="石桥二小补充的备注")
    st = b.put(student(s2)).id
    # Site A edits another field of the same school, moves the ledger and pushes.
    edit(a, s1, short_name="沙河二小（中心校）")
    r = bangfu("-L", str(a.path), "upgrade-layout")
    assert r.returncode == 0, r.stderr
    sync.sync(a)
    assert json.loads(git(hub, "show", "main:bangfu.json"))["format"] == 2
    assert sorted(record_files(hub)) == sorted(new_path(r) for r in (s1, s2, p))

    sync.sync(b)
    assert b.layout == 2
    assert git(hub, "rev-parse", "main") == git(b.path, "rev-parse", "main")
    # One file per record, each at its new path: the school edited on both sides holds both edits.
    assert sorted(record_files(hub)) == sorted(new_path(r) for r in (s1, s2, p, st))
    school_now = json.loads(git(hub, "show", f"main:{new_path(s1)}"))
    assert (school_now["notes"], school_now["short_name"]) == ("石桥二小补充的备注", "沙河二小（中心校）")
    assert json.loads(git(hub, "show", f"main:{new_path(st)}"))["grade"] == "三年级"
    assert b.get(s1)["short_name"] == "沙河二小（中心校）" and b.count() == 4

    sync.sync(a)
    assert a.get(st)["name"] == "王小明" and a.count() == 4
    assert sorted(record_files(a.path)) == sorted(new_path(r) for r in (s1, s2, p, st))
    # The school's history, by hand: added (A), B's edit, A's edit, then B's merge joining the two.
    # The move is no version of it.
    log = bangfu("-L", str(b.path), "--json", "log", s1)
    assert [e["trailers"].get("Action", [""])[0] for e in json.loads(log.stdout)] == ["merge", "edit", "edit", "add"]
    for site in (a, b):
        r = bangfu("-L", str(site.path), "validate")
        assert r.returncode == 0, r.stdout + r.stderr


def test_the_hub_takes_the_move_only_from_its_admins(old_hub):
    hub, a, _b, _ids = old_hub
    policy = (hub / "bangfu" / "hub-policy.toml").read_text(encoding="utf-8")
    set_policy(hub, policy.replace(f'admins = ["{ME}"]', 'admins = ["县资助中心"]'))
    before = git(hub, "rev-parse", "main")
    assert bangfu("-L", str(a.path), "upgrade-layout").returncode == 0
    r = bangfu("-L", str(a.path), "sync")
    assert r.returncode != 0 and "县资助中心" in r.stdout + r.stderr, r.stdout + r.stderr
    assert git(hub, "rev-parse", "main") == before
    assert json.loads(git(hub, "show", "main:bangfu.json"))["format"] == 1


def hand_move(work: Path, message: str, edit_one: str | None = None) -> None:
    """The move made with plain git, as someone might: every record to its new path, format 2."""
    for rel in record_files(work, "HEAD"):
        rid = rel.rsplit("/", 1)[1][:-len(".json")]
        target = work / new_path(rid)
        target.parent.mkdir(parents=True, exist_ok=True)
        git(work, "mv", rel, new_path(rid))
    if edit_one:
        doc = json.loads((work / new_path(edit_one)).read_text(encoding="utf-8"))
        doc["notes"] = "搬家时顺手改的"
        (work / new_path(edit_one)).write_text(json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
                                               encoding="utf-8")
    config = json.loads((work / "bangfu.json").read_text(encoding="utf-8"))
    (work / "bangfu.json").write_text(json.dumps({**config, "format": 2}, ensure_ascii=False, sort_keys=True,
                                                 indent=2) + "\n", encoding="utf-8")
    git(work, "commit", "-qam", message)


def test_the_hub_takes_the_move_only_as_a_pure_move(old_hub, tmp_path):
    hub, _a, _b, (s1, s2, p) = old_hub
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(hub), str(work))
    before = git(hub, "rev-parse", "main")
    hand_move(work, "ledger: move\n\nAction: upgrade-layout", edit_one=s2)
    r = push(work)
    assert r.returncode != 0, r.stderr
    assert f"换布局的提交改动了记录文件 {new_path(s2)}" in r.stderr and "it may only move each record unchanged" in r.stderr
    assert "bangfu upgrade-layout" in r.stderr
    assert git(hub, "rev-parse", "main") == before
    # The same move without the step's trailer is a change of bangfu.json no step makes.
    git(work, "reset", "-q", "--hard", "origin/main")
    hand_move(work, "ledger: move")
    r = push(work)
    assert r.returncode != 0 and "bangfu.json" in r.stderr, r.stderr
    assert git(hub, "rev-parse", "main") == before
    # And as the step makes it, by hand, it goes through.
    git(work, "reset", "-q", "--hard", "origin/main")
    hand_move(work, "ledger: move\n\nAction: upgrade-layout")
    r = push(work)
    assert r.returncode == 0, r.stderr
    assert sorted(record_files(hub)) == sorted(new_path(r) for r in (s1, s2, p))


def test_after_the_move_the_hub_refuses_a_record_written_at_its_old_path(old_hub, tmp_path):
    hub, a, _b, (s1, s2, p) = old_hub
    assert bangfu("-L", str(a.path), "upgrade-layout").returncode == 0
    sync.sync(a)
    before = git(hub, "rev-parse", "main")
    # An older Bangfu (or plain git) writes the school where the old layout keeps it.
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(hub), str(work))
    doc = json.loads((work / new_path(s1)).read_text(encoding="utf-8"))
    (work / old_path(s1)).parent.mkdir(parents=True, exist_ok=True)
    (work / old_path(s1)).write_text(json.dumps({**doc, "notes": "旧版程序保存的"}, ensure_ascii=False, sort_keys=True,
                                                indent=2) + "\n", encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "school: edit 沙河镇第二中心小学\n\nAction: edit")
    r = push(work)
    assert r.returncode != 0
    assert f"记录 {s1} 写在旧布局的位置 {old_path(s1)}，而台账已是第 2 版布局" in r.stderr, r.stderr
    assert "请先把帮扶台账更新到新版本，再运行 bangfu sync" in r.stderr
    assert "update Bangfu first, then run bangfu sync" in r.stderr
    assert git(hub, "rev-parse", "main") == before


def test_a_sites_index_follows_the_move_without_reading_the_records_again(old_hub):
    """The index (a cache keyed by the records' tree) crosses the move by pairing each record's
    path with its new one: no record changed, so none is read again, and a dashboard open on the
    ledger is told that none changed (it redraws what changed); the text index a search made stays."""
    hub, a, b, (s1, s2, p) = old_hub
    assert b.matching([s1, s2], "石桥") == [s2]           # (makes the schools' text index)
    dashboard = Ledger(b.path)                            # another process holding the ledger open
    assert dashboard.count() == 3
    assert bangfu("-L", str(a.path), "upgrade-layout").returncode == 0
    sync.sync(a)
    sync.sync(b)                                          # a fast-forward across the move
    assert b.layout == 2 and b.tip == git(hub, "rev-parse", "main").strip()
    assert b.index.records_tree == git(b.path, "rev-parse", "main:records").strip()
    assert b.count() == 3 and b.get(s2)["short_name"] == "石桥二小"
    assert dashboard.refresh() == [] and dashboard.layout == 2 and dashboard.count() == 3
    assert b.index._meta("texts:school") == "1" and b.matching([s1, s2], "石桥") == [s2]
    # ... and a record changed after the move is one changed record
    edit(a, s1, notes="搬家以后的修改")
    sync.sync(a)
    sync.sync(b)
    assert dashboard.refresh() == [s1]
    dashboard.close()
