"""A site whose push the hub refuses for one commit is not stuck for good (`bangfu unpushed`).

The defect: the hub checks every pushed commit on its own, so a site holding one it refuses (a
closed term's payment edited with plain git, or by an older Bangfu) could never push again, a
correcting commit after it did not help, and `bangfu sync` repeated the refusal with advice to
rewrite history with `git rebase -i`. Now the refusal names the command, and `bangfu unpushed
set-aside COMMIT` takes the commit out of the unpushed history, keeping it under a ref."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import git
from store.core import canonical, ids
from store.ledger.ledger import Ledger
from test_hub_guard import small_site
from test_sync_local import bangfu


@pytest.fixture
def site(tmp_path):
    ledger, data, hub = small_site(tmp_path, "石桥二小")
    yield ledger, data, hub
    ledger.close()


def raw_commit(repo: Path, changes: dict[str, dict | None], message: str,
               who: str = "赵会计", when: str = "2025-03-03T10:00:00+08:00") -> str:
    """A commit on main made with git's plumbing alone (no Bangfu, no hook): each record written
    in canonical form at its path, None deleting it."""
    env = {**os.environ, "GIT_INDEX_FILE": str(repo / "raw-index"), "GIT_AUTHOR_NAME": who,
           "GIT_AUTHOR_EMAIL": "zhao@example.org", "GIT_COMMITTER_NAME": who,
           "GIT_COMMITTER_EMAIL": "zhao@example.org", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}

    def run(*args: str, input: bytes | None = None) -> str:
        return subprocess.run(["git", *args], cwd=repo, env=env, input=input, capture_output=True,
                              check=True).stdout.decode().strip()
    tip = run("rev-parse", "main")
    run("read-tree", "main")
    for rid, doc in changes.items():
        path = ids.path_of(rid, ids.LATEST)
        if doc is None:
            run("update-index", "--force-remove", path)
        else:
            blob = run("hash-object", "-w", "--stdin", input=canonical.dumps(doc))
            run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
    commit = run("commit-tree", run("write-tree"), "-p", tip, "-m", message)
    run("update-ref", "refs/heads/main", commit, tip)
    (repo / "raw-index").unlink()
    return commit


def at(repo: Path, rev: str, rid: str) -> dict | None:
    shown = subprocess.run(["git", "show", f"{rev}:{ids.path_of(rid, ids.LATEST)}"], cwd=repo, capture_output=True,
                           text=True)
    return json.loads(shown.stdout) if shown.returncode == 0 else None


def tip(repo: Path) -> str:
    return git(repo, "rev-parse", "main").strip()


def school(name: str, short: str) -> dict:
    return {"id": ids.new_id("school"), "type": "school", "schema_version": 1, "name": name, "short_name": short,
            "stage": "小学", "county": "示范县", "area": "乡村"}


def test_a_closed_terms_payment_edited_with_git_is_set_aside_and_the_good_commits_reach_the_hub(site):
    ledger, data, hub = site
    path = ledger.path
    paid = data["aid"][0]                                   # 500.00 元 in 2024-2025-1, ended 2025-01-31
    bad = raw_commit(path, {paid["id"]: {**paid, "amount_fen": 45_000}}, "资助：金额改为 450 元")
    one, two = school("石桥镇中心小学", "石桥中小"), school("石桥镇第三小学", "石桥三小")
    good1 = raw_commit(path, {one["id"]: one}, "学校：新增石桥中小", who="钱老师", when="2025-03-04T09:30:00+08:00")
    good2 = raw_commit(path, {two["id"]: two}, "学校：新增石桥三小", who="孙老师", when="2025-03-05T16:45:00+08:00")
    hub_before = tip(hub)

    # The hub refuses, naming the commit, the record and the rule, and says what to do, in both languages.
    r = bangfu("-L", str(path), "sync")
    assert r.returncode == 1, r.stderr
    assert f"提交 {bad[:10]} 修改了已关闭学期 2024-2025-1（学期已结束）的资助发放 {paid['id']}" in r.stderr, r.stderr
    assert f"commit {bad[:10]} changes the payment {paid['id']} of the closed term 2024-2025-1 (the term has ended)" \
        in r.stderr
    assert f"再运行 bangfu unpushed set-aside {bad[:10]} 把上面点名的提交放到一边" in r.stderr
    assert f"then bangfu unpushed set-aside {bad[:10]} to take out the commits named above" in r.stderr
    assert "Traceback" not in r.stderr
    assert tip(hub) == hub_before
    # Only the bad commit is named: the good ones were not refused.
    assert good1[:10] not in r.stderr and good2[:10] not in r.stderr

    # The three commits the hub has not got, each with what it changed.
    r = bangfu("-L", str(path), "unpushed")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "尚未推送到 hub 的提交（以上次获取为准）：3 个"
    heads = [line for line in lines if not line.startswith(" ")]
    assert [h[:10] for h in heads[1:]] == [bad[:10], good1[:10], good2[:10]]
    assert "金额：500.00 元 → 450.00 元" in r.stdout, r.stdout
    assert "bangfu unpushed set-aside" in r.stderr

    r = bangfu("-L", str(path), "unpushed", "set-aside", bad[:10])
    assert r.returncode == 0, r.stderr
    assert f"已把 {bad[:10]} 放到一边，重做了其后的 2 个提交" in r.stdout, r.stdout
    assert f"保存在 refs/bangfu/set-aside/{bad}" in r.stdout

    # The later commits again, with their authors, dates and messages; the payment as it was paid.
    log = git(path, "log", "--format=%an|%aI|%cn|%cI|%s", "-3", "main").splitlines()
    assert log[1:] == ["孙老师|2025-03-05T16:45:00+08:00|孙老师|2025-03-05T16:45:00+08:00|学校：新增石桥三小",
                       "钱老师|2025-03-04T09:30:00+08:00|钱老师|2025-03-04T09:30:00+08:00|学校：新增石桥中小"]
    assert log[0].split("|")[4] == f"ledger: set aside {bad[:10]}"
    assert git(path, "rev-parse", "main~3").strip() == git(path, "rev-parse", f"{bad}^").strip()
    assert at(path, "main", paid["id"])["amount_fen"] == 50_000
    assert at(path, "main", one["id"])["name"] == "石桥镇中心小学"
    note = git(path, "log", "-1", "--format=%B", "main")
    assert f"Set-Aside: {bad}" in note and f"Set-Aside-Record: {paid['id']}" in note and "Action: set-aside" in note
    # Nothing lost: the bad commit under its ref, the branch as it stood there.
    assert git(path, "rev-parse", f"refs/bangfu/set-aside/{bad}").strip() == good2
    assert at(path, bad, paid["id"])["amount_fen"] == 45_000

    r = bangfu("-L", str(path), "sync")
    assert r.returncode == 0, r.stderr
    assert tip(hub) == tip(path)
    assert at(hub, "main", paid["id"])["amount_fen"] == 50_000
    assert at(hub, "main", one["id"])["short_name"] == "石桥中小" and at(hub, "main", two["id"])["short_name"] == "石桥三小"
    # The set-aside commit never reached the hub, but the note that says so did.
    assert git(hub, "cat-file", "-t", bad, check=False).strip() != "commit"
    assert f"Set-Aside: {bad}" in git(hub, "log", "-1", "--format=%B", "main")

    # The audit at the site names the set-aside commit and its ref instead of a rewritten history;
    # the hub's audit reads the same from the commit that says so.
    named = "张小花 义务教育寄宿生生活补助 2024-2025-1 500.00元"
    r = bangfu("-L", str(path), "audit")
    assert "本地历史被改写" not in r.stdout, r.stdout
    assert (f"提交 {bad[:10]} 没有推送，被放到一边：它对 {named}（{paid['id']}） 的修改不在台账中，"
            f"保存在本副本的 refs/bangfu/set-aside/{bad}") in r.stdout, r.stdout
    r = bangfu("-L", str(hub), "--lang", "en", "audit")
    assert f"the site did not push commit {bad[:10]} but set it aside: its change to " in r.stdout, r.stdout
    assert "history rewritten" not in r.stdout

    # Listed as set aside, with the change to enter again.
    r = bangfu("-L", str(path), "unpushed")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "没有尚未推送到 hub 的提交"
    assert "放到一边的提交（没有推送，保存在本地）：1 个" in r.stdout
    assert bad[:10] in r.stdout and "金额：500.00 元 → 450.00 元" in r.stdout
    assert "请在当前学期另录一条更正" in r.stderr
    r = bangfu("-L", str(path), "--lang", "en", "unpushed")
    assert r.stdout.splitlines()[0] == "no commits waiting to go to hub"
    assert "commits set aside (not pushed, kept here): 1" in r.stdout
    assert f"  kept under refs/bangfu/set-aside/{bad} (the branch before it was set aside)" in r.stdout


def test_a_commit_the_hub_has_cannot_be_set_aside(site):
    ledger, data, hub = site
    pushed = tip(hub)
    r = bangfu("-L", str(ledger.path), "unpushed", "set-aside", pushed[:12])
    assert r.returncode == 1
    assert f"提交 {pushed[:10]} 已经在 hub 上，不能放到一边：已发布的历史不再改写" in r.stderr, r.stderr
    r = bangfu("-L", str(ledger.path), "--lang", "en", "unpushed", "set-aside", pushed[:12])
    assert f"commit {pushed[:10]} is on hub already and cannot be set aside" in r.stderr, r.stderr
    assert tip(ledger.path) == pushed
    assert git(ledger.path, "for-each-ref", "refs/bangfu/set-aside/") == ""
    r = bangfu("-L", str(ledger.path), "unpushed", "set-aside", "main")
    assert r.returncode == 2 and "main 不是提交号" in r.stderr, r.stderr


def test_a_later_commit_on_the_same_record_stops_the_replay_and_changes_nothing(site):
    ledger, data, hub = site
    path = ledger.path
    paid = data["aid"][0]
    bad = raw_commit(path, {paid["id"]: {**paid, "amount_fen": 45_000}}, "资助：金额改为 450 元")
    one = school("石桥镇中心小学", "石桥中小")
    good = raw_commit(path, {one["id"]: one}, "学校：新增石桥中小")
    back = raw_commit(path, {paid["id"]: paid}, "资助：金额改回 500 元")    # the correction that did not help
    before = tip(path)
    r = bangfu("-L", str(path), "sync")
    assert r.returncode == 1 and bad[:10] in r.stderr and back[:10] in r.stderr, r.stderr
    assert f"bangfu unpushed set-aside {bad[:10]} {back[:10]}" in r.stderr

    r = bangfu("-L", str(path), "unpushed", "set-aside", bad[:10])
    assert r.returncode == 3
    assert (f"无法重做提交 {back[:10]}：它也改了「张小花 义务教育寄宿生生活补助 2024-2025-1 500.00元」（{paid['id']}），"
            f"而要放到一边的提交（{bad[:10]}）先改过这条记录" in r.stderr), r.stderr
    assert f"bangfu unpushed set-aside {bad[:10]} {back[:10]}" in r.stderr
    r = bangfu("-L", str(path), "--lang", "en", "unpushed", "set-aside", bad[:10])
    assert r.returncode == 3
    assert f"cannot make commit {back[:10]} again: it changes " in r.stderr and f"({paid['id']}) too" in r.stderr, \
        r.stderr
    assert tip(path) == before
    assert git(path, "for-each-ref", "refs/bangfu/set-aside/") == ""

    # Both set aside: the good commit goes to the hub.
    r = bangfu("-L", str(path), "unpushed", "set-aside", back[:10], bad[:10])
    assert r.returncode == 0, r.stderr
    assert f"已把 {bad[:10]} {back[:10]} 放到一边，重做了其后的 1 个提交" in r.stdout, r.stdout
    assert bangfu("-L", str(path), "sync").returncode == 0
    assert at(hub, "main", one["id"])["short_name"] == "石桥中小"
    assert at(hub, "main", paid["id"])["amount_fen"] == 50_000
    assert sorted(git(path, "for-each-ref", "--format=%(refname)", "refs/bangfu/set-aside/").split()) == sorted(
        [f"refs/bangfu/set-aside/{bad}", f"refs/bangfu/set-aside/{back}"])


def test_a_save_made_meanwhile_is_not_overwritten(site, monkeypatch):
    """Two coordinators on one ledger: the branch moves by compare-and-swap, and the one who lost
    is told so."""
    from store.core.errors import BangfuError
    from store.sync import unpushed
    ledger, data, hub = site
    path = ledger.path
    paid = data["aid"][0]
    bad = raw_commit(path, {paid["id"]: {**paid, "amount_fen": 45_000}}, "资助：金额改为 450 元")
    raw_commit(path, {(s := school("石桥镇中心小学", "石桥中小"))["id"]: s}, "学校：新增石桥中小")
    other = Ledger(path)
    saved_meanwhile: list[dict] = []
    note = unpushed._note

    def other_saves(*args, **kwargs):
        made = note(*args, **kwargs)
        if not saved_meanwhile:
            saved_meanwhile.append(school("石桥镇第三小学", "石桥三小"))
            other.put(saved_meanwhile[0])
        return made
    monkeypatch.setattr(unpushed, "_note", other_saves)
    ledger.refresh()
    with pytest.raises(BangfuError) as lost:
        unpushed.set_aside(ledger, [bad[:10]])
    assert str(lost.value).startswith("放到一边的同时有人在本台账保存了修改")
    other.refresh()
    assert git(path, "for-each-ref", "refs/bangfu/set-aside/") == ""
    assert at(path, "main", saved_meanwhile[0]["id"])["short_name"] == "石桥三小"
    assert git(path, "rev-parse", "main~2").strip() == bad
    other.close()


def test_a_merge_the_refused_sync_made_is_made_again_and_the_other_sites_records_stay(site, tmp_path):
    """The hub moved on before the refused push: `bangfu sync` merged its new commits first, so the
    unpushed history holds that merge after the bad commit."""
    from test_sync_local import make_site
    ledger, data, hub = site
    path = ledger.path
    other = make_site(str(hub), tmp_path / "other", "沙河二小")
    theirs = school("沙河镇第一小学", "沙河一小")
    other.put(theirs)
    assert bangfu("-L", str(other.path), "sync").returncode == 0
    other.close()
    paid = data["aid"][0]
    bad = raw_commit(path, {paid["id"]: {**paid, "amount_fen": 45_000}}, "资助：金额改为 450 元")
    mine = school("石桥镇中心小学", "石桥中小")
    good = raw_commit(path, {mine["id"]: mine}, "学校：新增石桥中小")
    r = bangfu("-L", str(path), "sync")
    assert r.returncode == 1 and bad[:10] in r.stderr, r.stderr
    merge = tip(path)
    assert git(path, "rev-parse", "main^1").strip() == good           # the merge of the hub's commit
    r = bangfu("-L", str(path), "unpushed")
    heads = [line[:10] for line in r.stdout.splitlines()[1:] if not line.startswith(" ")]
    assert heads == [bad[:10], good[:10], merge[:10]], r.stdout
    merge_line = next(line for line in r.stdout.splitlines() if line.startswith(merge[:10]))
    assert merge_line.endswith("（合并）"), merge_line

    r = bangfu("-L", str(path), "unpushed", "set-aside", bad[:10])
    assert r.returncode == 0, r.stderr
    assert f"已把 {bad[:10]} 放到一边，重做了其后的 2 个提交" in r.stdout
    made_again = git(path, "rev-parse", "main^").strip()
    assert git(path, "rev-parse", f"{made_again}^2").strip() == git(hub, "rev-parse", "main").strip()
    assert git(path, "log", "-1", "--format=%s", made_again) == git(path, "log", "-1", "--format=%s", merge)
    assert bangfu("-L", str(path), "sync").returncode == 0
    assert at(hub, "main", theirs["id"])["short_name"] == "沙河一小"
    assert at(hub, "main", mine["id"])["short_name"] == "石桥中小"
    assert at(hub, "main", paid["id"])["amount_fen"] == 50_000


def test_a_signed_commit_made_again_is_signed_again(site, tmp_path):
    """The old signature covered the old tree and parent: kept, it would read as a bad signature."""
    ledger, data, _hub = site
    path = ledger.path
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key), "-C", "zhao"], check=True)
    r = bangfu("-L", str(path), "signing", "enable", "--key", str(key), "--principal", "zhao@shiqiao.example.cn")
    assert r.returncode == 0, r.stderr
    paid = data["aid"][0]
    bad = raw_commit(path, {paid["id"]: {**paid, "amount_fen": 45_000}}, "资助：金额改为 450 元")
    signed = Ledger(path)
    signed.put(school("石桥镇中心小学", "石桥中小"))
    saved = tip(path)
    assert git(path, "log", "-1", "--format=%G? %GS", saved).strip() == "G zhao@shiqiao.example.cn"
    r = bangfu("-L", str(path), "unpushed", "set-aside", bad[:10])
    assert r.returncode == 0, r.stderr
    made_again = git(path, "rev-parse", "main^").strip()
    assert git(path, "log", "-1", "--format=%s", made_again) == git(path, "log", "-1", "--format=%s", saved)
    assert git(path, "log", "-1", "--format=%G? %GS", made_again).strip() == "G zhao@shiqiao.example.cn"
    assert git(path, "log", "-1", "--format=%G? %GS", "main").strip() == "G zhao@shiqiao.example.cn"
    signed.close()
