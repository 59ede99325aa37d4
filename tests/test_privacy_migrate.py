"""Ledgers with identifiers in clear (committed by plain git, or before field protection):
`bangfu key scan` finds them in the whole history, `bangfu migrate-identifiers` seals the tip."""
from __future__ import annotations

import json
import subprocess

import pytest

from conftest import git, run, school
from store.core import ids
from store.privacy import protect
from store import Ledger
from store.privacy.migrate import ClearHit
from store.privacy.acts import attach_keys, init_keys, scan_history

ID_OK = "11010519491231002X"
ID_BAD = "340524198001010013"      # wrong check character: sealed all the same
ID_IN_NOTES = "622423201303030034"
PHONE = "13812345678"
GUARDIAN = "13987654321"
ADDRESS = "安徽省金寨县沙河乡红旗村3组12号"


def commit_by_hand(repo, records: list[dict], message: str) -> str:
    for r in records:
        path = repo / ids.path_of(r["id"], ids.LATEST)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(r, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def legacy(tmp_path):
    """A ledger with a working tree where someone committed students with plain git, in clear."""
    path = tmp_path / "ledger"
    with Ledger.init(path, worktree=True) as ledger:
        init_keys(ledger)
        sch = ledger.put(school()).id
    base = {"type": "student", "schema_version": 1, "sex": "女", "school": sch, "stage": "小学",
            "grade": "五年级", "events": [{"date": "2025-09-01", "event": "认定"}]}
    a = {**base, "id": ids.new_id("student"), "name": "马丽娟",
         "identity": {"id_number": ID_OK, "phone": PHONE, "address": ADDRESS}}
    b = {**base, "id": ids.new_id("student"), "name": "田小花", "identity": {"id_number": ID_BAD},
         "notes": f"监护人电话 {GUARDIAN}，已家访"}
    c = {**base, "id": ids.new_id("student"), "name": "李想", "notes": f"身份证 {ID_IN_NOTES}"}
    first = commit_by_hand(path, [a, b], "录入学生（旧表格导入）")
    second = commit_by_hand(path, [c], f"补录 李想，联系人 {GUARDIAN}")
    return {"path": path, "a": a["id"], "b": b["id"], "c": c["id"], "first": first, "second": second, "school": sch}


def test_scan_reports_every_clear_identifier_with_its_commit(legacy, capsys):
    with Ledger(legacy["path"]) as ledger:
        hits = scan_history(ledger)
    assert all(isinstance(h, ClearHit) for h in hits)
    found = {(h.commit, h.path, h.kind) for h in hits}
    a, b, c = (ids.path_of(legacy[k], ids.LATEST) for k in "abc")
    assert found == {(legacy["first"], a, "id_number"), (legacy["first"], a, "phone"), (legacy["first"], a, "address"),
                     (legacy["first"], b, "id_number"), (legacy["first"], b, "phone"),
                     (legacy["second"], c, "id_number"), (legacy["second"], "(commit message)", "phone")}
    code, out, err = run(capsys, "-L", str(legacy["path"]), "key", "scan")
    assert code == 1 and legacy["first"][:10] in out and "(commit message)" in out and "7 处" in out
    assert ID_OK not in out and PHONE not in out and GUARDIAN not in out


def test_migration_seals_the_tip_in_one_commit(legacy, capsys):
    path = str(legacy["path"])
    assert run(capsys, "-L", path, "validate")[0] == 1  # clear strings where protected values belong
    code, out, err = run(capsys, "-L", path, "migrate-identifiers")
    assert code == 0, err
    assert "3 条记录" in out and "identity.id_number" in out and "notes" in out
    assert "历史中仍有 7 处明文" in err  # the owner is told the history still holds them
    assert ID_OK not in out + err and GUARDIAN not in out + err
    assert git(legacy["path"], "rev-list", "--count", f"{legacy['second']}..main").strip() == "1"
    assert run(capsys, "-L", path, "validate")[0] == 0

    with Ledger(legacy["path"]) as ledger:
        attach_keys(ledger)
        schemas = ledger.schemas()
        a, b, c = (ledger.get(legacy[k]) for k in "abc")
        assert protect.reveal(a, ("identity", "id_number"), schemas, ledger.keys) == ID_OK
        assert protect.reveal(a, ("identity", "address"), schemas, ledger.keys) == ADDRESS
        assert protect.reveal(b, ("identity", "id_number"), schemas, ledger.keys) == ID_BAD
        # A phone typed into the notes: masked there, moved into the empty phone field, sealed.
        assert b["notes"] == "监护人电话 139****4321，已家访"
        assert protect.reveal(b, ("identity", "phone"), schemas, ledger.keys) == GUARDIAN
        assert c["notes"] == "身份证 6224**********0034"
        assert protect.reveal(c, ("identity", "id_number"), schemas, ledger.keys) == ID_IN_NOTES
        hits = scan_history(ledger)
        tip_files = subprocess.run(["git", "ls-tree", "-r", "main"], cwd=legacy["path"], capture_output=True,
                                   text=True).stdout.split()
    assert ledger.tip not in {h.commit for h in hits}  # the migration commit is clean...
    assert len(hits) == 7  # ...and the history is not, as the owner was told
    tip_blobs = subprocess.run(["git", "cat-file", "--batch"], cwd=legacy["path"], capture_output=True,
                               input="\n".join(w for w in tip_files if len(w) == 40).encode()).stdout
    for value in (ID_OK, ID_BAD, ID_IN_NOTES, PHONE, GUARDIAN, ADDRESS):
        assert value.encode() not in tip_blobs
    code, out, err = run(capsys, "-L", path, "migrate-identifiers")
    assert code == 0 and "无需迁移" in out


def test_migration_needs_the_key(legacy, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BANGFU_KEYS", str(tmp_path / "nokeys"))
    code, out, err = run(capsys, "-L", str(legacy["path"]), "migrate-identifiers")
    assert code == 1 and "bangfu key" in err and ID_OK not in err
    assert git(legacy["path"], "rev-parse", "main").strip() == legacy["second"]


def test_scan_finds_what_a_merged_branch_brought_at_the_commit_that_made_it(legacy):
    repo = legacy["path"]
    git(repo, "checkout", "-qb", "side", legacy["first"])
    rid = ids.new_id("school")
    side = commit_by_hand(repo, [{**school(), "id": rid, "notes": "校长电话 13700001111"}], "side: add a school")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    merge = git(repo, "rev-parse", "HEAD").strip()
    with Ledger(repo) as ledger:
        hits = [h for h in scan_history(ledger) if h.path == ids.path_of(rid, ids.LATEST)]
    assert [(h.commit, h.kind) for h in hits] == [(side, "phone")] and side != merge
