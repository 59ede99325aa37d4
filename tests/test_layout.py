"""The folder layout of the record files (issue 18's sync figure): `format` in bangfu.json says it.

- Format 1: records/<type>/XX/<id>.json; format 2: records/<type>/XX/Y/<id>.json (XX the first two
  hex digits of sha1(id), Y the third). A new ledger is made in format 2.
- A ledger in format 1 keeps working (read and written in its own layout) until `bangfu
  upgrade-layout` moves every record in one commit that changes none of them.
- A ledger of a format this Bangfu does not know is refused on opening, in words, never a traceback.
- `bangfu validate` names a record at a path the ledger's layout does not give it.

Real ledgers, made by `bangfu init`; an old-layout one is a ledger whose first commit says format 1,
as every ledger made before the new layout does."""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from conftest import git, school
from store import Ledger
from store.core import ids
from test_sync_local import bangfu, edit, plan


def sha(rid: str) -> str:
    return hashlib.sha1(rid.encode()).hexdigest()


def old_path(rid: str) -> str:
    return f"records/{rid.split('-')[0]}/{sha(rid)[:2]}/{rid}.json"


def new_path(rid: str) -> str:
    return f"records/{rid.split('-')[0]}/{sha(rid)[:2]}/{sha(rid)[2]}/{rid}.json"


def as_made_before_the_new_layout(path: Path) -> None:
    """A ledger just made by `bangfu init`, its first commit made again with format 1 in bangfu.json
    (the ledger as a Bangfu before the new layout made it: its records go to records/TYPE/XX/)."""
    config = json.loads(git(path, "show", "main:bangfu.json"))
    assert config["format"] == 2 and git(path, "rev-list", "--count", "main").strip() == "1"
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=path, check=True, capture_output=True,
                          input=json.dumps({**config, "format": 1}, ensure_ascii=False, indent=2,
                                           sort_keys=True).encode() + b"\n").stdout.decode().strip()
    entries = [line if not line.endswith("\tbangfu.json") else f"100644 blob {blob}\tbangfu.json"
               for line in git(path, "ls-tree", "main").splitlines()]
    tree = subprocess.run(["git", "mktree"], cwd=path, check=True, capture_output=True,
                          input="\n".join(entries) + "\n", text=True).stdout.strip()
    message = git(path, "log", "-1", "--format=%B", "main")
    commit = subprocess.run(["git", "commit-tree", tree, "-F", "-"], cwd=path, check=True, capture_output=True,
                            input=message, text=True).stdout.strip()
    git(path, "update-ref", "refs/heads/main", commit)
    git(path, "reflog", "expire", "--expire=now", "--expire-unreachable=now", "--all")   # (made so, not rewritten)


def old_ledger(path: Path) -> Ledger:
    assert bangfu("init", str(path), "--site", "沙河二小").returncode == 0
    as_made_before_the_new_layout(path)
    return Ledger(path)


def record_files(path: Path, rev: str = "main") -> dict[str, str]:
    """path -> blob of every file under records/ at rev."""
    out = {}
    for line in git(path, "ls-tree", "-r", rev, "records").splitlines():
        meta, name = line.split("\t")
        out[name] = meta.split()[2]
    return out


def test_a_new_ledger_keeps_its_records_one_folder_deeper(ledger):
    assert json.loads(git(ledger.path, "show", "main:bangfu.json"))["format"] == 2
    rid = ledger.put(school()).id
    h = sha(rid)
    assert list(record_files(ledger.path)) == [f"records/school/{h[:2]}/{h[2]}/{rid}.json"]
    assert ids.path_of(rid, 2) == f"records/school/{h[:2]}/{h[2]}/{rid}.json"
    assert ids.path_of(rid, 1) == f"records/school/{h[:2]}/{rid}.json"


def test_an_old_layout_ledger_is_read_and_written_in_its_own_layout(tmp_path):
    led = old_ledger(tmp_path / "old")
    assert led.layout == 1
    s1 = led.put(school()).id
    s2 = led.put(school("石桥镇第二中心小学", "石桥二小")).id
    p = led.put(plan(s1, s2)).id
    edit(led, s1, notes="第一次修改")
    assert sorted(record_files(led.path)) == sorted(old_path(r) for r in (s1, s2, p))
    led.close()
    again = Ledger(tmp_path / "old")
    assert again.get(s1)["notes"] == "第一次修改" and again.count() == 3
    r = bangfu("-L", str(tmp_path / "old"), "validate")
    assert r.returncode == 0, r.stdout + r.stderr
    again.close()


def test_a_ledger_of_a_newer_format_is_refused_on_opening_in_words(tmp_path, ledger):
    rid = ledger.put(school()).id
    ledger.commit_files({"bangfu.json": json.dumps({**ledger.config, "format": 3}).encode()},
                        "ledger: format 3", {"Action": "format"})
    ledger.close()
    tip = git(ledger.path, "rev-parse", "main")
    r = bangfu("-L", str(ledger.path), "show", rid)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "第 3 版格式" in r.stderr and "只认识到第 2 版" in r.stderr and "请先更新帮扶台账" in r.stderr, r.stderr
    r = bangfu("--lang", "en", "-L", str(ledger.path), "list", "school")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "is in format 3" in r.stderr and "knows formats up to 2: update Bangfu" in r.stderr, r.stderr
    assert git(ledger.path, "rev-parse", "main") == tip


def test_upgrade_layout_moves_every_record_in_one_commit_that_changes_none(tmp_path):
    path = tmp_path / "old"
    led = old_ledger(path)
    s1 = led.put(school()).id
    s2 = led.put(school("石桥镇第二中心小学", "石桥二小")).id
    p = led.put(plan(s1, s2)).id
    edit(led, s1, notes="第一次修改")
    edit(led, s1, notes="第二次修改")
    led.close()
    before = record_files(path)
    tip = git(path, "rev-parse", "main").strip()

    r = bangfu("-L", str(path), "upgrade-layout")
    assert r.returncode == 0, r.stderr
    assert "3 条记录已移到第 2 版布局" in r.stdout and "没有改动任何记录的内容" in r.stdout, r.stdout
    assert git(path, "rev-parse", "main^").strip() == tip   # one commit
    message = git(path, "log", "-1", "--format=%B", "main")
    assert "Action: upgrade-layout" in message and "Format: 2" in message and "Records: 3" in message
    after = record_files(path)
    # Each record's own blob, now at its new path; nothing else under records/.
    assert after == {new_path(r): before[old_path(r)] for r in (s1, s2, p)}
    assert json.loads(git(path, "show", "main:bangfu.json"))["format"] == 2
    changed = git(path, "diff-tree", "-r", "--no-renames", "--name-status", "main^", "main").split("\n")
    assert sorted(line for line in changed if line) == sorted(
        [f"D\t{old_path(r)}" for r in (s1, s2, p)] + [f"A\t{new_path(r)}" for r in (s1, s2, p)]
        + ["M\tbangfu.json"])

    # The ledger goes on in the new layout: reading, saving, the history from before the move.
    led = Ledger(path)
    assert led.layout == 2 and led.get(s1)["notes"] == "第二次修改" and led.count() == 3
    edit(led, s1, notes="搬家以后的修改")
    assert record_files(path)[new_path(s1)] != before[old_path(s1)]
    assert len(record_files(path)) == 3
    log = bangfu("-L", str(path), "--json", "log", s1)
    assert log.returncode == 0, log.stderr
    # added, edited twice before the move, edited once after: 4 versions (the move is none)
    assert len(json.loads(log.stdout)) == 4, log.stdout
    assert bangfu("-L", str(path), "validate").returncode == 0
    r = bangfu("-L", str(path), "upgrade-layout")
    assert r.returncode == 0 and "台账已是第 2 版布局，没有提交" in r.stdout, r.stdout + r.stderr
    led.close()


def test_upgrade_layout_refuses_a_ledger_holding_a_file_that_is_no_record(tmp_path):
    path = tmp_path / "old"
    led = old_ledger(path)
    rid = led.put(school()).id
    stray = f"records/school/{sha(rid)[:2]}/说明.txt"
    tree = led.git.write_tree(led.git.commit_tree(led.tip), {stray: led.git.write("blob", b"not a record\n")})
    commit = led.git.make_commit(tree, [led.tip], led.author(), "hand commit")
    assert led.git.swap_ref(commit, led.tip, "hand commit")
    led.close()
    r = bangfu("-L", str(path), "upgrade-layout")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{stray} 不是本台账布局中的记录文件" in r.stderr and "bangfu validate" in r.stderr, r.stderr
    assert git(path, "rev-parse", "main").strip() == commit
    assert json.loads(git(path, "show", "main:bangfu.json"))["format"] == 1


def test_validate_names_a_record_at_the_path_of_the_other_layout(ledger):
    rid = ledger.put(school()).id
    copy = ids.new_id("school")
    doc = {**ledger.get(rid), "id": copy}
    from store.core import canonical
    tree = ledger.git.write_tree(ledger.git.commit_tree(ledger.tip),
                                 {old_path(copy): ledger.git.write("blob", canonical.dumps(doc))})
    commit = ledger.git.make_commit(tree, [ledger.tip], ledger.author(), "hand commit")
    assert ledger.git.swap_ref(commit, ledger.tip, "hand commit")
    r = bangfu("-L", str(ledger.path), "validate")
    assert r.returncode == 1, r.stdout
    assert f"文件 {old_path(copy)} 不在本台账第 2 版格式的位置（应为 {new_path(copy)}）" in r.stdout + r.stderr, \
        r.stdout + r.stderr
    r = bangfu("--lang", "en", "-L", str(ledger.path), "validate")
    assert f"the file {old_path(copy)} is not where format 2 of this ledger keeps it ({new_path(copy)})" \
        in r.stdout + r.stderr


@pytest.mark.parametrize("layout", [1, 2])
def test_a_path_names_its_record_in_its_own_layout_only_where_asked(layout):
    rid = "visit-01JB0000000000000000000000"
    path = ids.path_of(rid, layout)
    assert ids.id_from_path(path) == rid
    assert ids.id_from_path(path, layout=layout) == rid
    assert ids.id_from_path(path, layout=3 - layout) is None


@pytest.fixture
def moved(tmp_path):
    """An old-layout ledger: two schools and a plan, one school edited, then moved, then that school
    edited again. (path, school id, the commit before the move, the move)."""
    path = tmp_path / "old"
    led = old_ledger(path)
    s1 = led.put(school()).id
    s2 = led.put(school("石桥镇第二中心小学", "石桥二小")).id
    led.put(plan(s1, s2))
    edit(led, s1, notes="第一次修改")
    led.close()
    before = git(path, "rev-parse", "main").strip()
    assert bangfu("-L", str(path), "upgrade-layout").returncode == 0
    move = git(path, "rev-parse", "main").strip()
    led = Ledger(path)
    edit(led, s1, notes="搬家以后")
    led.close()
    return path, s1, before, move


def test_a_records_history_runs_on_across_the_move(moved):
    path, s1, before, move = moved
    r = bangfu("-L", str(path), "log", s1)
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and move[:10] not in r.stdout, r.stdout   # added, edited, edited after the move
    assert ["[修改]" in lines[0], "[修改]" in lines[1], "[新增]" in lines[2]] == [True, True, True]
    r = bangfu("-L", str(path), "diff", s1, before)    # from before the move to now: one field
    assert r.returncode == 0 and "备注：第一次修改 → 搬家以后" in r.stdout, r.stdout + r.stderr
    assert r.stdout.count("→") == 2, r.stdout          # (the header's, and the one field)
    r = bangfu("-L", str(path), "diff", s1, before, move)   # across the move alone: nothing
    assert r.returncode == 0 and "在这两个版本之间没有变化" in r.stdout, r.stdout + r.stderr
    r = bangfu("-L", str(path), "blame", s1)
    blamed = {line.split()[0]: line.split()[-3] for line in r.stdout.splitlines()[2:]}
    first = git(path, "rev-list", "--reverse", "main").split()[1][:10]   # the school's own addition
    assert blamed["校名"] == first and blamed["备注"] == git(path, "rev-parse", "main").strip()[:10], r.stdout


def test_changes_and_audit_see_the_move_as_no_change_of_any_record(moved):
    path, _s1, _before, move = moved
    r = bangfu("-L", str(path), "changes", "--since", "2020-01-01")
    assert r.returncode == 0, r.stderr
    # 3 records added, one edited before the move and once after: 5 record changes, no deletion
    assert "共 7 个提交、5 处记录改动" in r.stderr and "[删除]" not in r.stdout, r.stdout + r.stderr
    assert f"{move[:10]}" in r.stdout and "[换布局]  台账：换布局 3 条记录" in r.stdout
    assert "格式版本：1 → 2" in r.stdout
    r = bangfu("-L", str(path), "audit")
    assert r.returncode == 0 and "审计通过：检查了 7 个提交，没有发现问题" in r.stdout, r.stdout + r.stderr
