"""The hub judges every commit of a push, not only where the push ends (issue 13): every site
clones the whole history, so an edit the push reverts before its last commit is still kept for
good. Another school's record, an inspected plan's activity or a closed term's payment edited in
one commit and put back in the next is refused, naming the commit; a merge that takes another
site's changes already on the hub is not the pusher's edit. A submodule entry is refused with
the hub's own message naming its path.

Pushes are made with plain git over `git daemon` (git://) on 127.0.0.1 into a hub made by
`bangfu init --bare --shared`; the hook runs as this test's account, which the policy's access
list holds to one school."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from conftest import TODAY, git
from store.core import canonical, ids
from store.core.ids import new_id
from store.privacy.acts import init_keys
from store.sync import remote as sync
from store.twinning import locks
from test_export import small_ledger
from test_hub_guard import ME, push, set_policy
from test_sync_local import make_hub, make_site
from test_sync_transports import Daemon


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A hub served by git daemon holding the small ledger, its plan inspected (通过)."""
    root = tmp_path_factory.mktemp("each-commit")
    daemon = Daemon(root / "served")
    daemon.base.mkdir()
    daemon.start()
    try:
        hub = make_hub(daemon.base / "hub.git")
        site = make_site(daemon.url("hub.git"), root / "site", "沙河二小")
        init_keys(site)
        data = small_ledger(site)
        locks.inspect(site, {"id": new_id("inspection"), "type": "inspection", "schema_version": 2,
                             "plan": data["plan"]["id"], "date": "2025-08-28", "inspectors": ["刘建国"],
                             "result": "通过"})
        sync.sync(site)
        site.close()
        yield hub, daemon.url("hub.git"), data
    finally:
        daemon.stop()


@pytest.fixture
def hub(served):
    """The hub, its policy put back after each test."""
    path = served[0] / "bangfu" / "hub-policy.toml"
    policy = path.read_text(encoding="utf-8")
    yield served
    path.write_text(policy, encoding="utf-8")


def clone(url: str, where: Path) -> Path:
    git(where.parent, "clone", "-q", url, str(where))
    return where


def edit(work: Path, rid: str, message: str = "手工修改", **fields) -> str:
    """A record file changed as someone with an editor and plain git would (canonical form kept,
    so only the rule under test is broken); returns the commit."""
    path = work / ids.path_of(rid, ids.LATEST)
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_bytes(canonical.dumps({**doc, **fields}))
    git(work, "commit", "-qam", message)
    return git(work, "rev-parse", "HEAD").strip()


def put_back(work: Path, commit: str) -> None:
    git(work, "revert", "--no-edit", commit)


def only(hub: Path, school: dict) -> None:
    set_policy(hub, f'refs = []\nadmins = ["{ME}"]\n\n[access]\n"*" = []\n"{ME}" = ["{school["id"]}"]\n')


def test_another_schools_record_edited_and_put_back_within_one_push_is_refused(hub, tmp_path):
    path, url, data = hub
    only(path, data["shahe"])
    before = git(path, "rev-parse", "main")
    work = clone(url, tmp_path / "work")
    edit(work, data["shahe"]["id"], township="沙河镇")                   # its own school: fine
    sneaked = edit(work, data["haiyuan"]["id"], township="海城镇")        # another school's
    put_back(work, sneaked)
    assert git(work, "diff", "--stat", "origin/main", "HEAD", "--", ids.path_of(data["haiyuan"]["id"], ids.LATEST)) == ""
    r = push(work)
    assert r.returncode != 0 and "帮扶台账枢纽拒绝了这次推送" in r.stderr, r.stderr
    assert data["haiyuan"]["id"] in r.stderr and sneaked[:10] in r.stderr and ME in r.stderr, r.stderr
    assert "只能修改这些学校的记录" in r.stderr and "may change only the records" in r.stderr
    assert data["shahe"]["id"] not in r.stderr.split("只能修改")[0]
    assert git(path, "rev-parse", "main") == before


def test_a_merge_taking_other_schools_changes_from_the_hub_is_not_the_pushers_edit(hub, tmp_path):
    path, url, data = hub
    mine = clone(url, tmp_path / "mine")
    theirs = clone(url, tmp_path / "theirs")
    edit(theirs, data["shiqiao"]["id"], township="石桥镇")      # pushed by an account with every school
    r = push(theirs)
    assert r.returncode == 0, r.stderr
    only(path, data["shahe"])
    edit(mine, data["shahe"]["id"], headcount={**data["shahe"]["headcount"], "teachers": 51})
    git(mine, "pull", "-q", "--no-rebase", "--no-edit")
    assert len(git(mine, "log", "-1", "--format=%P").split()) == 2      # a merge commit
    r = push(mine)
    assert r.returncode == 0, r.stderr
    # ... but a merge that itself edits another school's record is refused
    git(theirs, "pull", "-q", "--ff-only")
    edit(theirs, data["shiqiao"]["id"], township="石桥")
    only(path, {"id": "*"})
    assert push(theirs).returncode == 0
    only(path, data["shahe"])
    edit(mine, data["shahe"]["id"], short_name="沙河二小学")
    git(mine, "pull", "-q", "--no-rebase", "--no-commit")
    shiqiao = mine / ids.path_of(data["shiqiao"]["id"], ids.LATEST)
    shiqiao.write_bytes(canonical.dumps({**json.loads(shiqiao.read_text(encoding="utf-8")), "township": "石桥乡"}))
    git(mine, "commit", "-qam", "合并")
    r = push(mine)
    assert r.returncode != 0 and data["shiqiao"]["id"] in r.stderr, r.stderr


def test_an_inspected_plans_activity_or_a_closed_terms_payment_edited_and_put_back_is_refused(hub, tmp_path):
    path, url, data = hub
    before = git(path, "rev-parse", "main")
    work = clone(url, tmp_path / "work")
    visit = data["visits"][1]["id"]
    sneaked = edit(work, visit, hours=5)
    put_back(work, sneaked)
    r = push(work)
    assert r.returncode != 0 and visit in r.stderr and sneaked[:10] in r.stderr, r.stderr
    assert "已于 2025-08-28 检查验收" in r.stderr, r.stderr
    git(work, "reset", "-q", "--hard", "origin/main")
    payment = data["aid"][0]["id"]                               # term 2024-2025-1, long over
    sneaked = edit(work, payment, amount_fen=90_000)
    put_back(work, sneaked)
    r = push(work)
    assert r.returncode != 0 and payment in r.stderr and sneaked[:10] in r.stderr, r.stderr
    assert git(path, "rev-parse", "main") == before


@pytest.mark.parametrize("where", ["vendor", "records/visit/f8/visit-01JAAAAAAAAAAAAAAAAAAAAAAA.json"])
def test_a_submodule_entry_is_refused_with_the_hubs_own_message(hub, tmp_path, where):
    path, url, _data = hub
    work = clone(url, tmp_path / "work")
    elsewhere = "0123456789abcdef" * 2 + "01234567"   # a commit of another repository: git sends only its id
    git(work, "update-index", "--add", "--cacheinfo", f"160000,{elsewhere},{where}")
    git(work, "commit", "-qm", "子模块")
    r = push(work)
    assert r.returncode != 0, r.stderr
    hub_said = "\n".join(line for line in r.stderr.splitlines() if line.startswith("remote:"))
    assert where in hub_said and "子模块" in hub_said and "submodule" in hub_said, r.stderr
    assert "missing" not in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_merge_that_takes_an_older_version_of_another_schools_record_is_refused(hub, tmp_path):
    """No commit of the push edits the record itself (the merge takes it as one parent has it), yet
    the push changes it on the hub: judged where the push ends."""
    path, url, data = hub
    work = clone(url, tmp_path / "work")
    older = git(work, "rev-parse", "HEAD").strip()
    edit(work, data["haiyuan"]["id"], township="海城镇")
    assert push(work).returncode == 0                      # by an account with every school
    only(path, data["shahe"])
    record = ids.path_of(data["haiyuan"]["id"], ids.LATEST)
    git(work, "checkout", "-q", older, "--", record)
    git(work, "add", record)
    tree = git(work, "write-tree").strip()
    merge = git(work, "commit-tree", tree, "-p", "HEAD", "-p", older, "-m", "合并").strip()
    git(work, "reset", "-q", "--hard", merge)
    r = push(work)
    assert r.returncode != 0 and data["haiyuan"]["id"] in r.stderr and "只能修改这些学校的记录" in r.stderr, r.stderr
    assert json.loads(git(path, "show", f"main:{record}"))["township"] == "海城镇"


def open_term(today: dt.date) -> str:
    """The term today falls in (still open: its end is not past)."""
    if today.month >= 9:
        return f"{today.year}-{today.year + 1}-1"
    if today.month == 1:
        return f"{today.year - 1}-{today.year}-1"
    return f"{today.year - 1}-{today.year}-2"


def hand_commit(work: Path, files: dict[str, dict | None], message: str) -> str:
    """Record files written (None: removed) and committed as plain git would; returns the commit."""
    for rel, doc in files.items():
        path = work / rel
        if doc is None:
            git(work, "rm", "-q", rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(canonical.dumps(doc))
        git(work, "add", rel)
    git(work, "commit", "-qm", message)
    return git(work, "rev-parse", "HEAD").strip()


def test_a_rule_broken_by_one_commit_and_repaired_by_the_next_is_refused_naming_that_commit(hub, tmp_path):
    """Deleting a student its payments name, then putting it back: the push ends as the hub is,
    yet its first commit is a ledger whose payments name nobody, kept for good in every clone."""
    path, url, data = hub
    before = git(path, "rev-parse", "main")
    work = clone(url, tmp_path / "work")
    student = data["students"][0]
    broke = hand_commit(work, {ids.path_of(student["id"], ids.LATEST): None}, "删除学生")
    put_back(work, broke)
    assert git(work, "diff", "--stat", "origin/main", "HEAD") == ""
    r = push(work)
    assert r.returncode != 0 and broke[:10] in r.stderr and student["id"] in r.stderr, r.stderr
    assert data["aid"][0]["id"] in r.stderr, r.stderr          # the payment that still names it
    assert git(path, "rev-parse", "main") == before


def test_records_of_a_term_closed_earlier_in_the_same_push_are_refused(hub, tmp_path):
    """An activity and a payment of the open term are added, the term is closed (an admin's
    close-term step), then both are edited: the commit after the closing is refused for each,
    though the hub's own setting never closed that term."""
    path, url, data = hub
    before = git(path, "rev-parse", "main")
    work = clone(url, tmp_path / "work")
    today = TODAY
    term = open_term(today)
    plan = {**data["plan"], "id": new_id("plan"), "title": "沙河二小帮扶石桥二小（续）",
            "period": {"start": f"{today.year - 1}-09-01", "end": f"{today.year + 1}-08-31"}, "schedule": []}
    visit = {**data["visits"][1], "id": new_id("visit"), "plan": plan["id"], "date": today.isoformat()}
    pay = {**data["aid"][0], "id": new_id("aid"), "term": term, "paid_on": today.isoformat(), "voucher": "SQ-OPEN-001"}
    hand_commit(work, {ids.path_of(r["id"], ids.LATEST): r for r in (plan, visit, pay)}, "新增计划、活动与发放")
    config = json.loads((work / "bangfu.json").read_text(encoding="utf-8"))
    hand_commit(work, {"bangfu.json": {**config, "closed_through": term}},
                f"ledger: close term {term}\n\nAction: close-term\nTerm: {term}")
    for rid, edited in ((visit["id"], {**visit, "hours": 6}), (pay["id"], {**pay, "amount_fen": 60_000})):
        commit = hand_commit(work, {ids.path_of(rid, ids.LATEST): edited}, "改课时或金额")
        r = push(work)
        assert r.returncode != 0 and commit[:10] in r.stderr and rid in r.stderr and term in r.stderr, r.stderr
        assert git(path, "rev-parse", "main") == before
        git(work, "reset", "-q", "--hard", "HEAD~1")
    # the same push without the edit is accepted: the closing alone was never the fault
    r = push(work)
    assert r.returncode == 0, r.stderr


def test_a_commit_is_judged_in_the_ledger_it_was_made_on_not_in_the_hubs_newer_one(hub, tmp_path):
    """A site adds a payment dated today; meanwhile another ends the standard yesterday; the
    site's merge keeps the standard through today. Its first commit was valid where it
    was made (the hub's older main), and the merge is valid: the push is accepted. Judged against
    the hub's newer ledger, the first commit would have been refused for a fault it never had."""
    path, url, data = hub
    today = TODAY
    mine = clone(url, tmp_path / "mine")
    theirs = clone(url, tmp_path / "theirs")
    pay = {**data["aid"][1], "id": new_id("aid"), "student": data["students"][2]["id"], "standard": data["std_j"]["id"],
           "amount_fen": 62_500, "term": open_term(today), "paid_on": today.isoformat(), "voucher": "SQ-OPEN-002"}
    hand_commit(mine, {ids.path_of(pay["id"], ids.LATEST): pay}, "新增发放")
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    standard = json.loads((theirs / ids.path_of(data["std_j"]["id"], ids.LATEST)).read_text(encoding="utf-8"))
    hand_commit(theirs, {ids.path_of(standard["id"], ids.LATEST): {**standard, "valid_to": yesterday}}, "标准截止")
    assert push(theirs).returncode == 0
    git(mine, "fetch", "-q")
    git(mine, "merge", "-q", "--no-commit", "origin/main")
    hand_commit(mine, {ids.path_of(standard["id"], ids.LATEST): {**standard, "valid_to": today.isoformat()}},
                "合并：标准有效至今天发放之日")
    r = push(mine)
    assert r.returncode == 0, r.stderr
