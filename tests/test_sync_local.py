"""Sync between sites through a real bare hub in a temporary folder (local-path transport).

Each site is a real clone; the hub is made by `bangfu init --bare --shared`, so every push
goes through its real pre-receive hook. The helpers here are shared by the other
test_sync_* files.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import git, school
from store.core import ids
from store.sync import remote as sync
from store.core import i18n
from store.sync.conflicts import list_conflicts, resolve
from store.core.diff import MISSING
from store.core.errors import Referenced
from store.ledger.ledger import SCHEMA_VERSION
from store import Ledger
from store.history.verify import check_tip
from store.rules.schema import PROJECT_SCHEMAS

ROOT = Path(__file__).resolve().parent.parent


# -- helpers (imported by the other sync tests) -----------------------------------------

def bangfu(*args: str, input: str | None = None, env: dict | None = None, timeout: float = 120,
           **popen) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bangfu", *args], input=input, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, cwd=ROOT, **popen)


def make_hub(path: Path) -> Path:
    r = bangfu("init", "--bare", "--shared", str(path), "--site", "县中心")
    assert r.returncode == 0, r.stderr
    return path


def make_site(url: str, path: Path, site: str) -> Ledger:
    from store.privacy.acts import attach_keys
    ledger = sync.clone(url, path, site=site)
    attach_keys(ledger)
    return ledger


def assert_valid(ledger: Ledger) -> None:
    ledger.refresh()
    assert [f.text() for f in check_tip(ledger) if f.level == "error"] == []
    subprocess.run(["git", "fsck", "--no-dangling"], cwd=ledger.path, check=True, capture_output=True)


def student(school_id: str, **extra) -> dict:
    return {"type": "student", "schema_version": 1, "name": "王小明", "sex": "男", "school": school_id,
            "stage": "小学", "grade": "三年级", **extra}


def plan(a: str, b: str, **extra) -> dict:
    return {"type": "plan", "schema_version": 1, "title": "沙河二小与石桥二小结对帮扶计划",
            "period": {"start": "2006-09-01", "end": "2007-08-31"}, "status": "执行中",
            "parties": [{"school": a, "role": "帮扶", "dimensions": ["师资"]},
                        {"school": b, "role": "受帮扶", "dimensions": ["教学"]}], **extra}


def edit(ledger: Ledger, rid: str, **fields) -> str:
    record = ledger.get(rid)
    record.update(fields)
    return ledger.put(record, base=ledger.version(rid)).commit


def conflict(pair) -> str:
    """沙河二小 (A) and 石桥二小 (B) each set 沙河镇第二中心小学's county and notes; B's sync met the
    conflict and kept its own values; A has it too. The conflict event's id."""
    a, b, s1, s2, p = pair
    edit(a, s1, notes="甲方", county="甲县")
    edit(b, s1, notes="乙方", county="乙县")
    sync.sync(a)
    [event_id] = sync.sync(b).conflicts
    sync.sync(a)
    return event_id


def tips(*ledgers: Ledger) -> set[str]:
    for led in ledgers:
        led.refresh()
    return {led.tip for led in ledgers}


@pytest.fixture
def hub(tmp_path) -> Path:
    return make_hub(tmp_path / "hub")


@pytest.fixture
def sites(hub, tmp_path):
    a = make_site(str(hub), tmp_path / "a", "沙河二小")
    b = make_site(str(hub), tmp_path / "b", "石桥二小")
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def pair(sites):
    """Two sites sharing two schools and a plan between them."""
    a, b = sites
    s1 = a.put(school()).id
    s2 = a.put(school("石桥镇第二中心小学", "石桥二小")).id
    p = a.put(plan(s1, s2)).id
    sync.sync(a)
    sync.sync(b)
    return a, b, s1, s2, p


# -- the scenarios -------------------------------------------------------------------------

def test_two_coordinators_edit_same_plan_and_student_and_the_conflict_waits(hub, tmp_path):
    """The issue's 'done when', through the command line as the coordinators use it."""
    a, b = tmp_path / "a", tmp_path / "b"
    assert bangfu("clone", str(hub), str(a), "--site", "沙河二小").returncode == 0
    assert bangfu("clone", str(hub), str(b), "--site", "石桥二小").returncode == 0
    s1 = bangfu("-L", str(a), "add", "school", "-", input=json.dumps(school(), ensure_ascii=False)).stdout.strip()
    s2 = bangfu("-L", str(a), "add", "school", "-",
                input=json.dumps(school("石桥镇第二中心小学", "石桥二小"), ensure_ascii=False)).stdout.strip()
    p = bangfu("-L", str(a), "add", "plan", "-", input=json.dumps(plan(s1, s2), ensure_ascii=False)).stdout.strip()
    st = bangfu("-L", str(a), "add", "student", "-", input=json.dumps(student(s2), ensure_ascii=False)).stdout.strip()
    assert bangfu("-L", str(a), "sync").returncode == 0
    r = bangfu("-L", str(b), "sync")
    assert r.returncode == 0 and "新增 4 条" in r.stdout

    assert bangfu("-L", str(a), "set", p, "title=2006学年结对帮扶计划").returncode == 0
    assert bangfu("-L", str(a), "set", st, "grade=四年级").returncode == 0
    assert bangfu("-L", str(b), "set", p, "status=已总结").returncode == 0
    assert bangfu("-L", str(b), "set", st, "grade=五年级").returncode == 0
    assert bangfu("-L", str(a), "sync").returncode == 0
    r = bangfu("-L", str(b), "sync")
    assert r.returncode == 0, r.stderr
    assert "冲突：本次新增 1 处" in r.stdout
    assert bangfu("-L", str(a), "sync").returncode == 0

    for site in (a, b):
        shown = json.loads(bangfu("-L", str(site), "--json", "show", p).stdout)
        assert shown["title"] == "2006学年结对帮扶计划" and shown["status"] == "已总结"
    assert git(a, "rev-parse", "main") == git(b, "rev-parse", "main")
    # B made the merge: its value is in the record, A's waits in the conflict, at both sites.
    assert json.loads(bangfu("-L", str(a), "--json", "show", st).stdout)["grade"] == "五年级"
    listed = bangfu("-L", str(a), "conflicts")
    assert st in listed.stdout and "年级（grade）：本站 沙河二小（测试员）= \"四年级\"" in listed.stdout
    assert "对方 石桥二小（测试员）= \"五年级\"" in listed.stdout and "原值 = \"三年级\"" in listed.stdout
    assert "待解决冲突：1 处" in bangfu("-L", str(b), "status").stdout

    r = bangfu("-L", str(a), "resolve", st, "--take", "mine")  # A picks its own value
    assert r.returncode == 0, r.stderr
    assert json.loads(bangfu("-L", str(a), "--json", "show", st).stdout)["grade"] == "四年级"
    assert bangfu("-L", str(a), "sync").returncode == 0 and bangfu("-L", str(b), "sync").returncode == 0
    assert json.loads(bangfu("-L", str(b), "--json", "show", st).stdout)["grade"] == "四年级"
    assert json.loads(bangfu("-L", str(b), "--json", "conflicts").stdout) == []
    assert "待解决冲突：0 处" in bangfu("-L", str(b), "--lang", "zh", "status").stdout
    log = bangfu("-L", str(b), "--json", "log", st).stdout
    actions = [e["trailers"]["Action"][0] for e in json.loads(log)]
    assert actions[0] == "resolve" and "edit" in actions


def test_disjoint_edits_merge_without_conflict_and_converge(pair):
    a, b, s1, s2, p = pair
    edit(a, s1, notes="沙河二小的备注")
    edit(b, s2, county="石桥县")
    b_new = b.put(student(s2)).id
    sync.sync(a)
    result = sync.sync(b)
    assert result.merged and result.pushed and result.conflicts == []
    assert result.incoming.changed == 1 and result.outgoing.added == 1 and result.outgoing.changed == 1
    sync.sync(a)
    assert len(tips(a, b)) == 1
    assert a.get(s2)["county"] == "石桥县" and b.get(s1)["notes"] == "沙河二小的备注" and a.get(b_new)
    merge = a.log(limit=1)[0]
    assert merge["trailers"]["Action"] == ["merge"] and len(merge["parents"]) == 2
    assert merge["trailers"]["Merged-Records"] == ["1"] and merge["trailers"]["Conflicts"] == ["0"]
    assert_valid(a)


def test_records_a_sync_brings_are_searched_once_their_texts_are_made(pair, monkeypatch):
    """A sync bringing many records leaves their search texts to the text index's builder, as a
    save of many does (at a million records, making 950 inside the merge was 0.8 s of it): the
    list's search right after the sync says how many it has not seen yet, the command line's
    search waits for them and finds them; a few records brought are searchable at once."""
    from store.ledger import index as index_module

    a, b, s1, s2, p = pair
    a.prepare_search("visit")   # (a coordinator at A has searched the visits)
    monkeypatch.setattr(index_module, "TEXTS_BROUGHT", 2)   # (a sync bringing three brings many)
    visit = {"type": "visit", "schema_version": 1, "plan": p, "kind": "送教下乡", "host_school": s2,
             "visiting_school": s1, "hours": 4}
    brought = sorted(b.put(dict(visit, date=f"2006-10-1{n}")).id for n in range(3))
    sync.sync(b)
    edit(a, s1, notes="沙河二小的备注")   # (a merge, not a fast-forward)
    assert sync.sync(a).merged
    found = a.matching(brought, "送教", types=["visit"], whole=False)
    assert found == [] and found.unsearched == 3
    r = bangfu("-L", str(a.path), "--json", "list", "visit", "--text", "送教")
    assert r.returncode == 0, r.stderr
    assert sorted(v["id"] for v in json.loads(r.stdout)) == brought
    found = a.matching(brought, "送教", types=["visit"], whole=False)
    assert found == brought and found.unsearched == 0
    one = b.put(dict(visit, kind="示范课", date="2006-11-02")).id
    sync.sync(b)
    sync.sync(a)
    found = a.matching([*brought, one], "示范课", types=["visit"], whole=False)
    assert found == [one] and found.unsearched == 0


def test_same_record_different_fields_including_nested_items(pair):
    a, b, s1, s2, p = pair
    doc = a.get(p)
    doc["parties"][1]["dimensions"] = ["教学", "管理"]
    a.put(doc, base=a.version(p))
    doc = b.get(p)
    doc["period"]["end"] = "2007-07-31"
    doc["goals"] = [{"area": "师资队伍", "text": "每学期送教不低于10课时"}]
    b.put(doc, base=b.version(p))
    sync.sync(a)
    assert sync.sync(b).conflicts == []
    merged = b.get(p)
    assert merged["parties"][1]["dimensions"] == ["教学", "管理"]
    assert merged["period"]["end"] == "2007-07-31" and merged["goals"][0]["area"] == "师资队伍"
    assert_valid(b)


def test_same_field_conflict_is_recorded_in_the_merge_and_resolved_from_either_site(pair):
    a, b, s1, s2, p = pair
    edit(a, s1, notes="甲方")
    edit(b, s1, notes="乙方", county="别县")
    sync.sync(a)
    result = sync.sync(b)
    [event_id] = result.conflicts
    # (B kept its own value: nothing came in; out went the record, the conflict is said on its own)
    assert (result.incoming.total, result.outgoing.added, result.outgoing.changed) == (0, 0, 1)
    merge_commit = b.tip
    # The conflict is in the merge commit itself, not in some state a crash could lose.
    assert git(b.path, "show", "--name-only", "--format=", merge_commit).count(event_id) == 1
    assert b.get(s1)["notes"] == "乙方" and b.get(s1)["county"] == "别县"
    sync.sync(a)
    [seen_a] = list_conflicts(a)
    [seen_b] = list_conflicts(b)
    assert seen_a.id == seen_b.id == event_id
    [fa], [fb] = seen_a.fields, seen_b.fields
    assert fa.base is MISSING  # the field did not exist before
    assert (fa.mine, fa.theirs) == ("甲方", "乙方") and (fb.mine, fb.theirs) == ("乙方", "甲方")
    assert seen_a.mine["site"] == "沙河二小" and seen_a.theirs["site"] == "石桥二小"
    r = bangfu("-L", str(a.path), "resolve", event_id, "--take", "notes=两校商定的备注")  # a third value
    assert r.returncode == 0, r.stderr
    a.refresh()
    assert a.get(s1)["notes"] == "两校商定的备注" and a.get(s1)["county"] == "别县"
    assert list_conflicts(a) == []
    event = a.get(event_id)
    assert event["resolution"]["choice"] == "fields" and event["conflict"]["fields"][0]["theirs"] == "甲方"
    assert bangfu("-L", str(a.path), "resolve", event_id, "--take", "mine").returncode == 1  # closed already
    sync.sync(a)
    sync.sync(b)
    assert b.get(s1)["notes"] == "两校商定的备注" and list_conflicts(b) == []
    assert a.log(limit=1)[0]["trailers"]["Conflict"] == [event_id]


def test_choosing_one_side_field_by_field_is_recorded_as_that_side(pair):
    """The dashboard's dialog names a side for every field; taking one side for all of them was
    recorded as "fields", as if values had been typed."""
    a, b, s1, s2, p = pair
    v = a.put({"type": "visit", "schema_version": 1, "plan": p, "kind": "送教下乡", "date": "2006-10-12",
               "host_school": s2, "visiting_school": s1, "hours": 4}).id
    sync.sync(a)
    sync.sync(b)
    edit(a, v, notes="甲方")
    edit(b, v, notes="乙方")
    sync.sync(a)
    [event_id] = sync.sync(b).conflicts          # B merged: the event's "mine" is B's
    sync.sync(a)
    i18n.set_lang("en")                           # (the title a reader of either language reads)
    try:
        resolve(a, event_id, {"notes": "mine"})   # A keeps its own value, one field at a time
    finally:
        i18n.set_lang("zh")
    assert a.get(v)["notes"] == "甲方"
    assert a.get(event_id)["resolution"]["choice"] == "theirs"   # A's side, in the event's names
    # the title is written in the ledger's words whatever the language of the one resolving
    assert a.log(limit=1)[0]["title"] == "visit: resolve conflict 2006-10-12 送教下乡 沙河二小 → 石桥二小"


def test_edit_against_delete_keeps_the_record_until_someone_decides(pair):
    a, b, s1, s2, p = pair
    s3 = a.put(school("第三小学", "三小")).id
    sync.sync(a)
    sync.sync(b)
    a.delete(s3, reason="重复录入")
    edit(b, s3, notes="其实不重复")
    sync.sync(a)
    result = sync.sync(b)
    [event_id] = result.conflicts
    # (the record deleted there is kept here: it goes back out, added; the conflict event is no record sent)
    assert (result.incoming.total, result.outgoing.added, result.outgoing.total) == (0, 1, 1)
    back = sync.sync(a)
    assert (back.incoming.added, back.incoming.total, back.outgoing.total) == (1, 1, 0)
    assert a.get(s3)["notes"] == "其实不重复"
    [c] = list_conflicts(a)
    assert c.kind == "delete" and c.fields[0].path == () and c.fields[0].theirs["notes"] == "其实不重复"
    assert c.kept == "theirs"  # seen from A, whose side was the deletion
    resolve(a, s3, "mine")   # A insists: deleted
    assert a.version(s3) is None and list_conflicts(a) == []
    assert_valid(a)


def test_deleting_a_record_the_other_side_refers_to_is_kept_as_a_rule_conflict(pair):
    a, b, s1, s2, p = pair
    s3 = a.put(school("第三小学", "三小")).id
    sync.sync(a)
    sync.sync(b)
    a.delete(s3, reason="撤并")
    kid = b.put(student(s3)).id
    sync.sync(a)
    [event_id] = sync.sync(b).conflicts
    assert b.get(s3) and b.get(kid)["school"] == s3
    [c] = list_conflicts(b)
    assert c.record == s3 and c.kind == "rule" and c.findings[0]["params"]["referrer"] == kid
    with pytest.raises(Referenced):
        resolve(b, event_id, "theirs")  # taking the deletion is refused while the student refers to it
    assert_valid(b)
    sync.sync(a)
    assert_valid(a)


def test_plan_period_changed_under_a_new_visit_goes_back_and_waits(pair):
    a, b, s1, s2, p = pair
    visit = {"type": "visit", "schema_version": 1, "plan": p, "kind": "送教下乡", "date": "2007-08-20",
             "host_school": s2, "visiting_school": s1, "hours": 4}
    v = a.put(visit).id
    edit(b, p, period={"start": "2006-09-01", "end": "2007-07-31"})
    sync.sync(b)
    [event_id] = sync.sync(a).conflicts
    # A's visit stays valid: the plan keeps its period here, B's period waits in the conflict.
    assert a.get(p)["period"]["end"] == "2007-08-31" and a.get(v)
    [c] = list_conflicts(a)
    assert c.record == p and c.kind == "rule" and c.fields[0].theirs["period"]["end"] == "2007-07-31"
    sync.sync(b)
    assert_valid(a)
    assert_valid(b)


def test_both_sides_adding_many_records_never_collide(sites):
    a, b = sites
    from store import NEW, Change
    for led, tag in ((a, "甲"), (b, "乙")):
        for chunk in range(3):
            batch = [ids.new_id("school") for _ in range(70)]
            led.commit([Change(rid, {**school(f"{tag}{chunk}-{i}小学", f"{tag}{chunk}-{i}"), "id": rid}, NEW)
                        for i, rid in enumerate(batch)], action="import")
    sync.sync(a)
    result = sync.sync(b)
    assert result.incoming.added == 210 and result.outgoing.added == 210 and result.conflicts == []
    sync.sync(a)
    assert a.count("school") == b.count("school") == 420 and len(tips(a, b)) == 1
    assert_valid(b)


def test_a_site_offline_for_a_long_time_catches_up(pair, tmp_path, hub):
    a, b, s1, s2, p = pair
    c = make_site(str(hub), tmp_path / "c", "偏远教学点")
    own = [c.put(school(f"教学点{i}", f"点{i}")).id for i in range(5)]
    edit(c, s1, township="沙河镇")
    for round_ in range(6):  # meanwhile the others work and sync every day
        edit(a, s1, notes=f"第{round_}天")
        b.put(student(s2, name=f"学生{round_}"))
        sync.sync(a)
        sync.sync(b)
    result = sync.sync(c)
    assert result.merged and result.conflicts == [] and result.incoming.added == 6
    sync.sync(a)
    sync.sync(b)
    assert len(tips(a, b, c)) == 1
    assert a.get(s1)["township"] == "沙河镇" and a.get(s1)["notes"] == "第5天"
    assert all(a.get(rid) for rid in own)
    assert_valid(c)


def _race(path: str, n: int, out) -> None:
    """One site: a new record, then `bangfu sync`, as two coordinators do at the same moment."""
    led = Ledger(path)
    led.put(school(f"竞赛{n}小学", f"竞{n}"))
    r = bangfu("-L", path, "sync")
    out.put((n, r.returncode, r.stderr))


def test_push_race_between_two_sites_both_get_through(sites):
    import multiprocessing as mp
    a, b = sites
    ctx = mp.get_context("spawn")
    for round_ in range(2):
        q = ctx.Queue()
        procs = [ctx.Process(target=_race, args=(str(led.path), round_ * 2 + i, q)) for i, led in enumerate((a, b))]
        for proc in procs:
            proc.start()
        results = [q.get(timeout=120) for _ in procs]
        for proc in procs:
            proc.join(30)
        assert all(code == 0 for _n, code, _err in results), results
    sync.sync(a)
    sync.sync(b)
    assert len(tips(a, b)) == 1 and a.count("school") == 4
    hub_history = git(a.path, "rev-list", "refs/remotes/hub/main").split()
    assert a.tip in hub_history


def test_hub_refuses_bad_pushes_from_plain_git_and_says_what_to_do(pair, hub, tmp_path):
    a, b, s1, s2, p = pair
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(hub), str(work))
    path = work / ids.path_of(s1, ids.LATEST)

    def push_change(text: bytes, msg: str = "手工修改") -> subprocess.CompletedProcess:
        path.write_bytes(text)
        git(work, "commit", "-qam", msg)
        return subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)

    original = path.read_bytes()
    r = push_change(original.replace('"stage": "小学"'.encode(), '"stage": "大学"'.encode()))
    assert r.returncode != 0 and "帮扶台账枢纽拒绝了这次推送" in r.stderr and "The Bangfu hub refused" in r.stderr
    assert "的字段「学段」" in r.stderr and "大学" in r.stderr and "bangfu sync" in r.stderr
    git(work, "reset", "-q", "--hard", "origin/main")
    r = push_change(json.dumps(json.loads(original), ensure_ascii=False).encode())
    assert r.returncode != 0 and "规范格式" in r.stderr and "canonical" in r.stderr
    git(work, "reset", "-q", "--hard", "origin/main")
    # rewriting published history: drop the hub's last commit and push over it
    git(work, "reset", "-q", "--hard", "origin/main~1")
    git(work, "commit", "-q", "--allow-empty", "-m", "另起炉灶")
    r = subprocess.run(["git", "push", "-f", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert r.returncode != 0 and "改写已发布的历史" in r.stderr and "rewrite published history" in r.stderr
    r = subprocess.run(["git", "push", "origin", ":main"], cwd=work, capture_output=True, text=True)
    assert r.returncode != 0 and "不能删除" in r.stderr
    # schemas change only through the upgrade step
    git(work, "reset", "-q", "--hard", "origin/main")
    schema = work / "schemas" / "school.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace("学校", "学堂", 1), encoding="utf-8")
    git(work, "commit", "-qam", "改模式")
    r = subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert r.returncode != 0 and "schema-upgrade" in r.stderr and "schemas/school.json" in r.stderr
    # nothing of it reached the hub
    assert git(hub, "rev-parse", "main") == git(a.path, "rev-parse", "main")
    a.refresh()
    assert_valid(Ledger(hub))


def test_the_schema_upgrade_step_is_accepted_and_reaches_every_site(pair, tmp_path):
    import shutil
    from store.sync.hub import schema_upgrade
    a, b, s1, s2, p = pair
    new = tmp_path / "schemas"
    shutil.copytree(PROJECT_SCHEMAS, new)
    doc = json.loads((new / "school.json").read_text(encoding="utf-8"))
    doc["properties"]["motto"] = {"type": "string", "maxLength": 100, "title": "校训"}
    (new / "school.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    schema_upgrade(a, new, note="校训")
    edit(b, s2, notes="升级前的修改")
    sync.sync(a)
    sync.sync(b)
    assert b.config["schema_version"] == SCHEMA_VERSION + 1 and "motto" in b.schemas().docs["school"]["properties"]
    edit(b, s1, motto="勤学")
    sync.sync(b)
    sync.sync(a)
    assert a.get(s1)["motto"] == "勤学" and a.get(s2)["notes"] == "升级前的修改"


def test_plain_git_pull_merges_fields_with_the_driver(pair, hub, tmp_path):
    a, b, s1, s2, p = pair
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(hub), str(work))
    assert (work / ".gitattributes").read_text().count("merge=bangfu") == 1
    r = bangfu("-L", str(work), "sync", "--setup")
    assert r.returncode == 0, r.stderr
    path = work / ids.path_of(s1, ids.LATEST)

    def write(**fields):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc.update(fields)
        path.write_text(json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")

    write(township="沙河镇")  # next to the line A changes: git's text merge alone would conflict
    git(work, "commit", "-qam", "工作区修改")
    edit(a, s1, short_name="沙河二小（本部）")
    sync.sync(a)
    r = subprocess.run(["git", "pull", "--no-rebase", "--no-edit", "origin", "main"], cwd=work,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["township"] == "沙河镇" and doc["short_name"] == "沙河二小（本部）"

    write(notes="工作区的备注")
    git(work, "commit", "-qam", "备注")
    edit(a, s1, notes="沙河的备注")
    sync.sync(a)
    r = subprocess.run(["git", "pull", "--no-rebase", "--no-edit", "origin", "main"], cwd=work,
                       capture_output=True, text=True)
    assert r.returncode != 0 and "bangfu" in r.stderr
    assert json.loads(path.read_text(encoding="utf-8"))["notes"] == "工作区的备注"  # valid JSON, our value
    [event_file] = (work / "records" / "event").rglob("*.json")
    event = json.loads(event_file.read_text(encoding="utf-8"))
    [f] = event["conflict"]["fields"]
    assert (f["mine"], f["theirs"]) == ("工作区的备注", "沙河的备注")
    assert event["conflict"]["theirs"]["site"] == "沙河二小"
    git(work, "add", "records")
    git(work, "commit", "-q", "--no-edit")
    r = subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr  # the hub takes the merge: every record valid
    sync.sync(a)
    assert [c.record for c in list_conflicts(a)] == [s1]


def test_remotes_and_status(pair, hub, tmp_path):
    a, b, s1, s2, p = pair
    other = make_hub(tmp_path / "second")
    r = bangfu("-L", str(a.path), "remote", "add", "县城", str(other))
    assert r.returncode == 0 and "县城" in bangfu("-L", str(a.path), "remote", "list").stdout
    assert bangfu("-L", str(a.path), "remote", "add", "县城", str(other)).returncode == 2
    r = bangfu("-L", str(a.path), "sync", "县城")  # a ledger with no common history
    assert r.returncode != 0 and "没有共同历史" in r.stderr and "Traceback" not in r.stderr
    # a hub just made and still empty: the way from here is to make it from this ledger
    assert "还没有任何记录" in r.stderr and "bangfu init" in r.stderr and "--from" in r.stderr
    assert bangfu("-L", str(a.path), "sync", "没有这个").returncode == 2
    edit(a, s1, notes="未同步")
    edit(b, s2, notes="也未同步")
    sync.sync(b)
    sync.fetch(a, "hub", lambda *x: None)
    st = sync.status(a)
    hub_row = next(r for r in st.remotes if r.name == "hub")
    assert (hub_row.ahead, hub_row.behind) == (1, 1) and hub_row.last_sync is not None
    assert next(r for r in st.remotes if r.name == "县城").last_sync is None
    r = bangfu("-L", str(a.path), "--lang", "en", "status")
    assert "hub" in r.stdout and "open conflicts: 0" in r.stdout
    r = bangfu("-L", str(a.path), "sync", "hub")
    assert r.returncode == 0 and "received: " not in r.stdout and "收到：" in r.stdout
    assert bangfu("-L", str(a.path), "remote", "remove", "县城").returncode == 0
    assert [x.name for x in sync.remotes(a)] == ["hub"]


# -- interrupted syncs ------------------------------------------------------------------

def _stalling(tmp_path: Path, name: str, program: str) -> tuple[Path, Path]:
    """A wrapper around a git transport program that says when it starts, then stalls."""
    marker = tmp_path / f"{name}.started"
    script = tmp_path / f"{name}.sh"
    script.write_text(f"#!/bin/sh\ntouch '{marker}'\nsleep 60\nexec {program} \"$@\"\n")
    script.chmod(0o755)
    return script, marker


def _running(pid: str) -> bool:
    """Whether the process is alive (a zombie nobody has reaped yet has finished)."""
    try:
        return (Path("/proc") / pid / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _sync_killed_when(site: Path, marker: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bangfu", "-L", str(site), "sync"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the sync never reached the point to cut"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_sync_killed_while_fetching_or_pushing_leaves_valid_ledgers_and_completes_next_time(pair, hub, tmp_path):
    a, b, s1, s2, p = pair
    edit(a, s1, notes="甲")
    edit(b, s2, notes="乙")
    sync.sync(b)
    # killed while fetching: nothing has changed here yet
    script, marker = _stalling(tmp_path, "upload", "git-upload-pack")
    git(a.path, "config", "remote.hub.uploadpack", str(script))
    before = a.tip
    _sync_killed_when(a.path, marker)
    git(a.path, "config", "--unset", "remote.hub.uploadpack")
    a.refresh()
    assert a.tip == before
    assert_valid(a)
    # killed while pushing: the merge is done here, the hub has not moved
    script, marker = _stalling(tmp_path, "receive", "git-receive-pack")
    git(a.path, "config", "remote.hub.receivepack", str(script))
    hub_before = git(hub, "rev-parse", "main")
    _sync_killed_when(a.path, marker)
    git(a.path, "config", "--unset", "remote.hub.receivepack")
    a.refresh()
    assert len(a.log(limit=1)[0]["parents"]) == 2  # merged locally
    assert git(hub, "rev-parse", "main") == hub_before
    assert_valid(a)
    assert_valid(Ledger(hub))
    # killed while the hub checks the push: the hub takes it whole or not at all
    hook = hub / "hooks" / "pre-receive"
    real = hook.read_text()
    started = tmp_path / "hook.started"
    hook.write_text(real.replace("exec ", f"echo $$ > '{started}'\nsleep 5\nexec ", 1))
    edit(a, s1, notes="甲二")
    _sync_killed_when(a.path, started)
    deadline = time.monotonic() + 60
    while not started.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.01)
    orphan = started.read_text().strip()                   # the hook's process (exec keeps its pid)
    while _running(orphan) and time.monotonic() < deadline:  # the orphaned hub side finishes or gives up
        time.sleep(0.05)
    assert not _running(orphan)
    hook.write_text(real)
    assert_valid(Ledger(hub))
    result = sync.sync(a)  # the next sync completes what was cut off
    assert result.pushed or git(hub, "rev-parse", "main").strip() == a.tip
    sync.sync(b)
    assert len(tips(a, b)) == 1 and b.get(s1)["notes"] == "甲二" and a.get(s2)["notes"] == "乙"
    assert_valid(b)


def test_a_fetch_killed_while_it_moved_the_tracking_ref_does_not_block_the_next_sync(pair, hub):
    """A sync killed in the milliseconds git's fetch holds the tracking ref's lock leaves the lock
    file behind; every sync after it failed with "cannot lock ref 'refs/remotes/hub/main'" (seen
    once in CI, in the test below)."""
    a, b, s1, _s2, _p = pair
    edit(b, s1, notes="乙改")
    sync.sync(b)
    left = a.path / "refs" / "remotes" / "hub" / "main.lock"
    left.parent.mkdir(parents=True, exist_ok=True)
    left.write_text("0" * 40 + "\n")
    sync.sync(a)
    assert a.get(s1)["notes"] == "乙改" and not left.exists() and len(tips(a, b)) == 1


def test_sync_killed_at_random_moments_never_breaks_either_ledger(pair, hub):
    import random
    a, b, s1, s2, p = pair
    rnd = random.Random(5)
    for round_ in range(4):
        edit(a, s1, notes=f"甲{round_}")
        b.put(student(s2, name=f"学生{round_}"))
        sync.sync(b)
        proc = subprocess.Popen([sys.executable, "-m", "bangfu", "-L", str(a.path), "sync"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(0.3 + rnd.random() * 1.5)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        assert_valid(Ledger(a.path))
        assert_valid(Ledger(hub))
    sync.sync(a)
    sync.sync(b)
    assert len(tips(a, b)) == 1 and b.get(s1)["notes"] == "甲3" and a.count("student") == 4


@pytest.mark.parametrize("lang,received,conflicts", [
    ("zh", "收到：新增 0 条，修改 1 条，删除 0 条", "冲突：本次新增 0 处，共 1 处待解决（bangfu conflicts 查看）"),
    ("en", "received: 0 added, 1 changed, 0 deleted", "conflicts: 0 new, 1 open (see bangfu conflicts)")])
def test_the_other_sites_conflict_event_is_not_counted_as_a_record_received(pair, lang, received, conflicts):
    """Both sites change one student's notes; B merges first and keeps its own value. A's sync then
    receives one record changed (the student, its notes B's) and the conflict, said on its own line:
    the summary said 新增 1 条, the conflict's event counted as a record received."""
    a, b, s1, s2, p = pair
    edit(a, s1, notes="甲方")
    edit(b, s1, notes="乙方")
    sync.sync(a)
    sync.sync(b)
    r = bangfu("-L", str(a.path), "--lang", lang, "sync")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[1].startswith(received) and lines[-1] == conflicts


@pytest.mark.parametrize("lang,said", [
    ("zh", "学校：解决冲突 沙河镇第二中心小学，逐字段：county 取石桥二小的值、notes 取沙河二小的值"),
    ("en", "school: resolve conflict 沙河镇第二中心小学, field by field: county from 石桥二小, notes from 沙河二小")])
def test_a_conflict_resolved_with_some_fields_from_each_side_says_which_took_which(pair, lang, said):
    """A keeps its own notes and takes B's county: the event can only say "fields", and the history
    said no more (解决冲突 沙河镇第二中心小学): which field took which site's value was lost."""
    a, b, s1, s2, p = pair
    event_id = conflict(pair)
    resolve(a, event_id, {"notes": "mine", "county": "theirs"})
    assert (a.get(s1)["notes"], a.get(s1)["county"]) == ("甲方", "乙县")
    assert a.get(event_id)["resolution"]["choice"] == "fields"
    assert a.log(limit=1)[0]["title"] == "school: resolve conflict 沙河镇第二中心小学: county=石桥二小, notes=沙河二小"
    r = bangfu("-L", str(a.path), "--lang", lang, "log", "-n", "1")
    assert r.returncode == 0 and r.stdout.rstrip("\n").endswith(said), r.stdout


@pytest.mark.parametrize("lang,title,received", [
    ("zh", "台账：合并 hub：收到 1 条记录，0 处冲突", "收到：新增 0 条，修改 1 条，删除 0 条"),
    ("en", "ledger: merge hub: 1 record in, 0 conflicts", "received: 0 added, 1 changed, 0 deleted")])
def test_a_merge_that_brings_the_other_sites_conflict_counts_the_records_only(pair, lang, title, received):
    """B met the conflict over 沙河二小's notes and kept its own value; A changed 石桥二小 meanwhile, so
    A's sync merges: in come the school whose notes B kept (one record) and B's conflict event
    (no record: the merge's title said 2 records in)."""
    a, b, s1, s2, p = pair
    edit(a, s1, notes="甲方")
    edit(b, s1, notes="乙方")
    sync.sync(a)
    sync.sync(b)
    edit(a, s2, notes="石桥二小的备注")
    r = bangfu("-L", str(a.path), "--lang", lang, "sync")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].startswith(received)
    log = bangfu("-L", str(a.path), "--lang", lang, "log", "-n", "1").stdout
    assert log.rstrip("\n").endswith(title), log
