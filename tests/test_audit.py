"""The audit trail as an auditor meets it: histories made with the store and by hand with
plain git, and each kind of finding produced by a test that makes exactly that fault."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import dated_today, git
from store.history import audit, blame
from store.core import canonical, ids
from store.rules import terms
from store.ledger.gitstore import Person
from store import Ledger
from store.core.trailers import Trailers

WANG = Person("王老师", "wang@shahe.example.cn")
LI = Person("李老师", "li@shiqiao.example.cn")


def shell(*args: str):
    """The real command in its own process (how an auditor runs it)."""
    return subprocess.run([sys.executable, "-m", "bangfu", *args], capture_output=True, text=True, env=os.environ)


@pytest.fixture
def bangfu(capsys):
    """The command's entry point in this process (the same code, without a Python start-up per call)."""
    from bangfu.cli import main

    def run(*args: str) -> SimpleNamespace:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)

    return run


def first(ledger: Ledger, rtype: str, **equal) -> dict:
    return sorted(ledger.find(rtype, **equal), key=lambda r: r["id"])[0]


def edit(ledger: Ledger, rid: str, who: Person = WANG, **fields) -> str:
    record = ledger.get(rid)
    record.update(fields)
    return ledger.put(record, base=ledger.version(rid), author=who).commit


class Work:
    """A clone of the ledger with a working tree, where commits are made with plain git."""

    def __init__(self, ledger: Ledger, path: Path):
        self.ledger = ledger
        self.path = path
        git(path.parent, "clone", "-q", str(ledger.path), str(path))
        git(path, "config", "user.name", "手工")
        git(path, "config", "user.email", "hand@example.cn")

    def write(self, record: dict) -> None:
        target = self.path / ids.path_of(record["id"], ids.LATEST)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(canonical.dumps(record))

    def read(self, rid: str) -> dict:
        return json.loads((self.path / ids.path_of(rid, ids.LATEST)).read_text(encoding="utf-8"))

    def commit(self, message: str = "按原始凭证手工修正", trailers: dict | None = None) -> str:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-qm", Trailers.message(message, trailers) if trailers else message, env=dated_today())
        return git(self.path, "rev-parse", "HEAD").strip()

    def push(self, *extra: str) -> None:
        git(self.path, "push", "-q", *extra, "origin", "main")
        self.ledger.refresh()


def kinds(result, kind: str) -> list[audit.AuditFinding]:
    return [f for f in result.findings if f.kind == kind]


# -- a valid history ---------------------------------------------------------------------------

def test_valid_history_passes_and_names_each_version(demo):
    aid = first(demo, "aid", term="2026-2027-1")["id"]
    edit(demo, aid, WANG, voucher="PZ-0001")
    edit(demo, aid, LI, notes="已核对")
    result = audit.run(demo)
    assert result.errors == [] and result.commits == len(demo.log())
    assert not result.failed()
    history = blame.versions(demo, aid)
    assert [v.commit.author for v in history[:2]] == ["李老师", "王老师"]
    assert [v.action for v in history] == ["edit", "edit", "add"]
    assert [(fc.path, fc.new) for fc in history[0].changes] == [(("notes",), "已核对")]
    who = {b.path: b.version.commit.author for b in blame.blame(demo, aid)}
    assert who[("voucher",)] == "王老师" and who[("notes",)] == "李老师" and who[("term",)] == "测试员"


def test_blame_follows_list_items_not_their_places(demo):
    """The demo's boarding batch: made with five payees, 马国庆 taken off, then put back (each a
    commit of its own). The four payees never touched and the first review line were set by the
    commits that made them, not by the last commit that changed the list."""
    batch = next(b for b in demo.query("batch") if b.get("review"))
    made, removed, put_back = [v.commit.sha for v in reversed(blame.versions(demo, batch["id"]))][:3]
    by = {b.path: b.version.commit.sha for b in blame.blame(demo, batch["id"])}
    assert [by[("entries", i, "student")] for i in range(5)] == [made, made, made, made, put_back]
    assert by[("review", 0, "reason")] == removed and by[("review", 1, "reason")] == put_back


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blame_fits_80_columns_in_the_readers_words(demo, lang):
    from rich.cells import cell_len
    from tests.terminal import on_terminal

    batch = next(b for b in demo.query("batch") if b.get("review"))
    lines = on_terminal("-L", str(demo.path), "--lang", lang, "blame", batch["id"]).stdout.splitlines()
    assert len(lines) > 30 and max(cell_len(x) for x in lines) <= 80
    kind = next(x for x in lines if x.startswith(("类型 ", "Record type ")))
    assert kind.split()[1 if lang == "zh" else 2] == ("发放批次" if lang == "zh" else "payment")
    approver = next(x for x in lines if x.startswith(("审批.审批人 ", "Approval.Approved by ")))
    assert approver.count("杨建国") == 2


@pytest.mark.parametrize("lang,field,programme", [
    ("zh", "审核调整[0].原因", "义务教育寄宿生生活补助"),
    ("en", "Review[0].Reason", "boarding living allowance (义务教育寄宿生生活补助)")])
def test_blame_piped_or_into_a_file_keeps_every_line_whole(demo, tmp_path, lang, field, programme):
    """Into `| cat` or a file there is no terminal to fit: the values were cut to 80 columns (…)."""
    batch = next(b for b in demo.query("batch") if b.get("review"))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    piped = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(demo.path), "--lang", lang, "blame", batch["id"]],
                           capture_output=True, text=True, env=env)
    with open(tmp_path / "blame.txt", "w") as fh:
        subprocess.run([sys.executable, "-m", "bangfu", "-L", str(demo.path), "--lang", lang, "blame", batch["id"]],
                       stdout=fh, env=env)
    for text in (piped.stdout, (tmp_path / "blame.txt").read_text(encoding="utf-8")):
        assert "…" not in text
        lines = text.splitlines()
        assert next(x for x in lines if x.startswith(field)).split()[1] == "银行卡尚未开户，开户后补入"
        assert programme in next(x for x in lines if x.startswith(("资助项目 ", "Aid programme ")))
        assert next(x for x in lines if x.startswith(("编号 ", "ID "))).split()[1] == batch["id"]


def test_log_diff_blame_from_the_shell(demo, bangfu):
    aid = first(demo, "aid", term="2026-2027-1")
    edit(demo, aid["id"], WANG, amount_fen=aid["amount_fen"] + 1000, notes="补发 10 元")
    led = str(demo.path)
    log = shell("-L", led, "log", aid["id"])
    assert log.returncode == 0 and "王老师" in log.stdout and "[修改]" in log.stdout and "[导入]" in log.stdout
    diff = bangfu("-L", led, "diff", aid["id"])
    from store.core.money import yuan
    assert f"金额：{yuan(aid['amount_fen'])} 元 → {yuan(aid['amount_fen'] + 1000)} 元" in diff.stdout
    assert "备注：— → 补发 10 元" in diff.stdout
    first_commit = demo.history(aid["id"])[-1]["commit"]
    diff2 = json.loads(bangfu("-L", led, "--json", "diff", aid["id"], first_commit, "main").stdout)
    assert {f["field"] for f in diff2["fields"]} == {"amount_fen", "notes"}
    # a date: the record as that day began (a day before the ledger's history: the record did not exist)
    since = bangfu("-L", led, "diff", aid["id"], "2000-01-01")
    assert since.returncode == 0 and "金额：— → " in since.stdout and "备注：— → 补发 10 元" in since.stdout
    tomorrow = "2026-12-07"   # (the tests' today is 2026-12-06, conftest.TODAY, and the commits are dated by it)
    upto = bangfu("-L", led, "diff", aid["id"], first_commit, tomorrow).stdout
    assert f"金额：{yuan(aid['amount_fen'])} 元 → {yuan(aid['amount_fen'] + 1000)} 元" in upto and "备注：— → 补发 10 元" in upto
    blamed = bangfu("-L", led, "blame", aid["id"])
    line = next(x for x in blamed.stdout.splitlines() if x.startswith("金额"))
    assert "王老师" in line and yuan(aid["amount_fen"] + 1000) in line
    assert "测试员" in next(x for x in blamed.stdout.splitlines() if x.startswith("学期"))


def test_changes_since_a_date_by_type_and_author(demo, bangfu):
    aid = first(demo, "aid", term="2026-2027-1")
    school = first(demo, "school")["id"]
    before = demo.tip
    edit(demo, aid["id"], WANG, voucher="PZ-0002")
    edit(demo, school, LI, notes="新校长到任")
    led = str(demo.path)
    today = "2026-12-06"      # (conftest.TODAY: the day the commits are dated)
    found = json.loads(bangfu("-L", led, "changes", "--since", before, "--type", "aid", "--format", "json").stdout)
    assert [(c["record"], c["author"]) for c in found] == [(aid["id"], "王老师")]
    assert found[0]["fields"][0]["field"] == "voucher" and found[0]["fields"][0]["new"] == "PZ-0002"
    text = bangfu("-L", led, "changes", "--since", today, "--author", "李老师").stdout
    assert "新校长到任" in text and aid["id"] not in text
    md = bangfu("-L", led, "changes", "--since", before, "--format", "md").stdout
    assert "| 时间 |" in md and "王老师" in md and "PZ-0002" in md
    assert bangfu("-L", led, "changes", "--since", "2999-01-01").stdout.strip() == ""
    bad = bangfu("-L", led, "changes", "--since", "no-such-rev")
    assert bad.returncode == 2 and "找不到提交" in bad.stderr


# -- one test per finding ---------------------------------------------------------------------

def test_invalid_record_committed_with_plain_git(demo, tmp_path):
    work = Work(demo, tmp_path / "work")
    aid = work.read(first(demo, "aid", term="2026-2027-1")["id"])
    aid["amount_fen"] = -5
    work.write(aid)
    sha = work.commit("资助: edit", {"Record-Type": "aid", "Record-Id": aid["id"], "Action": "edit"})
    work.push()
    result = audit.run(demo)
    bad = [f for f in result.errors if f.kind == "invalid"]
    assert [(f.commit_id, f.record, f.path) for f in bad] == [(sha, aid["id"], ("amount_fen",))]
    assert "提交 " + sha[:10] + "（手工，" in bad[0].text() and "金额" in bad[0].text() and "→ -0.05" in bad[0].text()
    assert result.failed() and [f.kind for f in result.errors] == ["invalid"]


def test_hand_commit_without_trailers(demo, tmp_path, bangfu):
    work = Work(demo, tmp_path / "work")
    school = work.read(first(demo, "school")["id"])
    school["notes"] = "手工改的备注"
    work.write(school)
    sha = work.commit()
    work.push()
    result = audit.run(demo)
    assert [(f.kind, f.commit_id, f.record) for f in result.errors] == [("hand_commit", sha, school["id"])]
    for graph in (demo.git.gitdir / "objects" / "info").glob("commit-graph*"):
        shutil.rmtree(graph) if graph.is_dir() else graph.unlink()
    cli = bangfu("-L", str(demo.path), "audit", "--since", f"{sha}~1")
    assert cli.returncode == 1 and "手工提交" in cli.stdout and sha[:10] in cli.stdout
    assert f"改动了 1 条记录（{school['short_name']}（{school['id']}））" in cli.stdout
    assert demo.git.has_commit_graph()            # written for fast record histories from now on
    assert f"{sha[:10]}" in (log := bangfu("-L", str(demo.path), "log", school["id"]).stdout) and "[手工]" in log


def test_forged_trailers(demo, tmp_path):
    work = Work(demo, tmp_path / "work")
    school = work.read(first(demo, "school")["id"])
    other = first(demo, "aid")["id"]
    school["notes"] = "备注"
    work.write(school)
    sha = work.commit("资助: add", {"Record-Type": "aid", "Record-Id": other, "Action": "add"})
    work.push()
    found = {(f.key, f.record) for f in audit.run(demo).errors if f.commit_id == sha}
    assert found == {("audit.trailer_unclaimed", school["id"]), ("audit.trailer_claims", other),
                     ("audit.trailer_type", school["id"]), ("audit.trailer_action", school["id"])}


def test_merge_that_drops_a_value(demo, tmp_path):
    work = Work(demo, tmp_path / "work")
    a, b, c = (r["id"] for r in sorted(demo.find("school"), key=lambda r: r["id"])[:3])

    def change(rid: str, **fields) -> None:
        record = work.read(rid)
        record.update(fields)
        work.write(record)
        work.commit("school: edit", {"Record-Type": "school", "Record-Id": rid, "Action": "edit"})

    git(work.path, "checkout", "-q", "-b", "side")
    change(a, notes="分校区已合并")          # side: a note on a, and a change to c
    change(c, notes="side")
    git(work.path, "checkout", "-q", "main")
    change(a, township="新街道")             # main: another field of a
    change(c, township="main")
    git(work.path, "merge", "-q", "--no-ff", "--no-commit", "-s", "ours", "side")
    git(work.path, "rm", "-q", ids.path_of(b, ids.LATEST))   # and b, which both sides had, goes
    merge = work.commit("merge side", {"Conflict": c})    # c's choice is explained; a's and b's are not
    work.push()
    found = [(f.key, f.commit_id, f.record, f.path) for f in kinds(audit.run(demo), "merge")]
    assert found == [("audit.merge_dropped", merge, a, ("notes",)), ("audit.merge_deleted", merge, b, ())]
    text = next(f for f in audit.run(demo).findings if f.record == a and f.kind == "merge").text()
    assert "分校区已合并" in text and "备注" in text


def test_edit_of_a_closed_terms_aid(demo, tmp_path, bangfu):
    """The ledger refuses these edits (store/aid/closed.py); made with plain git, where no hook
    runs, the audit finds them in the history."""
    closed = first(demo, "aid", term="2025-2026-2")      # ended 2026-08-31
    current = first(demo, "aid", term="2026-2027-1")
    work = Work(demo, tmp_path / "work")

    def by_hand(rid: str, voucher: str) -> str:
        git(work.path, "pull", "-q", "--ff-only")
        record = work.read(rid)
        record["voucher"] = voucher
        work.write(record)
        sha = work.commit("资助: edit", {"Record-Type": "aid", "Record-Id": rid, "Action": "edit"})
        work.push()
        return sha

    sha = by_hand(closed["id"], "PZ-LATE")
    edit(demo, current["id"], WANG, voucher="PZ-NOW")
    found = kinds(audit.run(demo), "closed_term")
    assert [(f.commit_id, f.record) for f in found] == [(sha, closed["id"])]
    assert "2025-2026-2" in found[0].text() and "2026-08-31" in found[0].text() and "PZ-LATE" in found[0].text()
    # Closing the current term by setting: from then on its aid is closed too.
    assert bangfu("-L", str(demo.path), "close-term", "2026-2027-1").returncode == 0
    demo.refresh()
    later = by_hand(current["id"], "PZ-AFTER")
    found = kinds(audit.run(demo), "closed_term")
    assert [(f.commit_id, f.record) for f in found] == [(sha, closed["id"]), (later, current["id"])]
    assert "closed_through" in found[1].text()


def test_unsigned_commit_under_required_signing(demo, tmp_path, bangfu):
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key), "-C", "wang"], check=True)
    led = str(demo.path)
    enable = bangfu("-L", led, "signing", "enable", "--key", str(key), "--principal", "wang@shahe.example.cn")
    assert enable.returncode == 0, enable.stderr
    signed = Ledger(demo.path)
    aid = first(signed, "aid", term="2026-2027-1")["id"]
    good = edit(signed, aid, WANG, voucher="PZ-SIGNED")
    # plain git checks the store's signature with the exported allowed_signers
    assert git(demo.path, "log", "-1", "--format=%G? %GS", good).strip() == "G wang@shahe.example.cn"
    work = Work(signed, tmp_path / "work")
    record = work.read(aid)
    record["voucher"] = "PZ-UNSIGNED"
    work.write(record)
    unsigned = work.commit("资助: edit", {"Record-Type": "aid", "Record-Id": aid, "Action": "edit"})
    work.push()
    result = audit.run(signed)
    assert [(f.key, f.commit_id) for f in kinds(result, "signature")] == [("audit.sig_missing", unsigned)]
    assert result.signers == {"wang@shahe.example.cn": 2}     # the enabling commit and the edit
    status = bangfu("-L", led, "signing", "status")
    assert "wang@shahe.example.cn" in status.stdout and "没有签名" in status.stdout
    signed.close()


def test_rewritten_history_on_the_hub(demo, tmp_path):
    demo.git.set_config("receive.denyNonFastForwards", "false")   # a hub that does not refuse it
    edit(demo, first(demo, "school")["id"], WANG, notes="第一版")
    auditor = tmp_path / "auditor"
    git(tmp_path, "clone", "-q", str(demo.path), str(auditor))
    copy = Ledger(auditor, read_only=True)
    assert kinds(audit.run(copy), "rewrite") == []
    seen = git(auditor, "rev-parse", "refs/remotes/origin/main").strip()
    assert audit.seen_tip(copy, "origin") == seen   # (in the auditor's own state, not the repository)
    work = Work(demo, tmp_path / "work")                          # someone rewrites the hub's last commit
    git(work.path, "reset", "-q", "--hard", "HEAD~1")
    school = work.read(first(demo, "school")["id"])
    school["notes"] = "改写后的版本"
    work.write(school)
    work.commit("school: edit", {"Record-Type": "school", "Record-Id": school["id"], "Action": "edit"})
    work.push("--force")
    git(auditor, "fetch", "-q")
    found = kinds(audit.run(copy), "rewrite")
    assert [(f.key, f.commit_id) for f in found] == [("audit.rewrite_remote", seen)]
    assert "origin/main" in found[0].text() and "第一版" not in found[0].text() and "1 个提交" in found[0].text()
    assert kinds(audit.run(copy), "rewrite"), "still reported until acknowledged"
    audit.run(copy, accept_rewrite=True)
    assert kinds(audit.run(copy), "rewrite") == []
    copy.close()


def test_local_branch_moved_off_its_commits(demo):
    lost = edit(demo, first(demo, "school")["id"], WANG, notes="会被丢掉")
    git(demo.path, "update-ref", "refs/heads/main", f"{lost}~1")
    demo.refresh()
    found = kinds(audit.run(demo), "rewrite")
    assert [(f.key, f.commit_id) for f in found] == [("audit.rewrite_local", lost)]


def test_incremental_audit_picks_up_where_the_last_stopped(demo, tmp_path, bangfu):
    assert not audit.run(demo).failed()
    work = Work(demo, tmp_path / "work")
    school = work.read(first(demo, "school")["id"])
    school["notes"] = "x"
    work.write(school)
    sha = work.commit()
    work.push()
    result = audit.run(demo, "audited")
    assert result.commits == 1 and [f.commit_id for f in result.errors] == [sha]
    assert audit.run(demo, "audited").commits == 0
    cli = bangfu("-L", str(demo.path), "--json", "audit", "--since", "audited")
    assert cli.returncode == 0 and json.loads(cli.stdout)["commits"] == 0


def test_audit_since_a_date(demo, tmp_path, bangfu, monkeypatch):
    """`--since 2031-05-01` audits the commits that entered the ledger from that day on (as
    `changes --since` does); a day before the history audits all of it."""
    work = Work(demo, tmp_path / "work")
    school = work.read(first(demo, "school")["id"])
    school["notes"] = "五月补录"
    work.write(school)
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2031-05-01T10:00:00")
    sha = work.commit()
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    work.push()
    led = str(demo.path)
    may = json.loads(bangfu("-L", led, "--json", "audit", "--no-remember", "--since", "2031-05-01").stdout)
    assert may["commits"] == 1 and [f["commit"] for f in may["findings"]] == [sha]
    after = bangfu("-L", led, "audit", "--no-remember", "--since", "2031-05-02")
    assert after.returncode == 0 and "检查了 0 个提交" in after.stdout and "2031-05-02" in after.stdout
    everything = json.loads(bangfu("-L", led, "--json", "audit", "--no-remember", "--since", "2000-01-01").stdout)
    assert everything["commits"] == len(demo.log())


def test_an_adjustment_reads_by_names(demo, bangfu):
    """A paid payment of an approved batch corrected with an adjustment (the demo's boarding batch,
    马国庆's 750.00 元): the history and the audit name the payment and the adjustment by what they
    are, say why the payment was locked, and keep the ids only beside the names."""
    paid = next(a for a in demo.query("aid", term="2026-2027-1") if a.get("batch")
                and demo.get(a["student"])["name"] == "马国庆" and a["programme"] == "义务教育寄宿生生活补助")
    before = demo.tip
    led = str(demo.path)
    refused = bangfu("-L", led, "set", paid["id"], "voucher=HY4-更正-01")
    assert refused.returncode == 1 and "batch-" not in refused.stderr
    assert "发放批次 海原四中 2026-2027-1 义务教育寄宿生生活补助 ×5 3,375.00元（杨建国 于 2026-10-15 审批）" in refused.stderr
    done = bangfu("-L", led, "set", paid["id"], "voucher=HY4-更正-01", "--adjust", "凭证号录错，按银行回单更正",
                  "--approver", "杨建国")
    assert done.returncode == 0, done.stderr
    text = bangfu("-L", led, "changes", "--since", before).stdout
    heading = next(x for x in text.splitlines() if x.startswith("  调整记录 "))
    assert "凭证号录错，按银行回单更正" in heading and heading.count("adjustment-") == 1
    assert "调整的记录：— → 马国庆 义务教育寄宿生生活补助 2026-2027-1 750.00元" in text
    found = bangfu("-L", led, "audit", "--no-remember", "--since", before).stdout
    line = next(x for x in found.splitlines() if "杨建国" in x)
    assert "马国庆 义务教育寄宿生生活补助 2026-2027-1 750.00元（" + paid["id"] + "）" in line
    assert "已审批的发放批次" in line and "凭证号录错" in line
    english = bangfu("-L", led, "--lang", "en", "audit", "--no-remember", "--since", before).stdout
    assert "马国庆 boarding living allowance 2026-2027-1 750.00 yuan (" + paid["id"] + ")" in english
    assert "approved payment batch" in english and "(1 commit checked) (after " in english


def test_closing_a_term_reads_in_the_readers_words(demo, bangfu):
    led, before = str(demo.path), demo.tip
    assert bangfu("-L", led, "close-term", "2025-2026-2").returncode == 0
    said = bangfu("-L", led, "changes", "--since", before)
    assert said.stdout.splitlines()[1:] == ["  台账设置", "    结账至学期：— → 2025-2026-2"]
    assert "台账：学期结账 2025-2026-2" in said.stdout.splitlines()[0] and "共 1 个提交" in said.stderr
    line = bangfu("-L", led, "log").stdout.splitlines()[0]
    assert line.endswith("[学期结账]  台账：学期结账 2025-2026-2")
    english = bangfu("-L", led, "--lang", "en", "log").stdout.splitlines()[0]
    assert english.endswith("[close term]  ledger: close term 2025-2026-2")
    said = bangfu("-L", led, "--lang", "en", "changes", "--since", before).stdout.splitlines()
    assert said[1:] == ["  ledger settings", "    Closed through term: — → 2025-2026-2"]


def test_changes_read_in_the_order_of_the_form(demo, bangfu):
    """Fields in the order the record's form has them (校名 before 学段, a period's start before its
    end), a list of words as words (特殊群体：建档立卡、脱贫户), not as stored (sorted keys, JSON)."""
    text = bangfu("-L", str(demo.path), "changes", "--type", "school", "--type", "measurement", "--type",
                  "student").stdout
    school = text.split("  学校 叶集区第五小学 ", 1)[1].split("\n  ", 1)[0]
    titles = [line.split("：", 1)[0].strip() for line in text.split("  学校 叶集区第五小学 ", 1)[1].splitlines()[1:9]]
    assert titles == ["校名", "简称", "学段", "县（区）", "乡镇", "所属单位", "城乡类别", "规模"], school
    assert "测量期间：— → （开始 2026-09-01，结束 2026-11-30）" in text
    assert "特殊群体：— → 建档立卡、孤儿" in text
    assert '["' not in text


def test_terms_close_at_their_end():
    d = audit.dt.date
    assert terms.term_end("2024-2025-1") == d(2025, 1, 31) and terms.term_end("2024-2025-2") == d(2025, 8, 31)
    assert terms.closed("2024-2025-1", d(2025, 1, 31)) is None
    assert terms.closed("2024-2025-1", d(2025, 2, 1)) == "ended"
    assert terms.closed("2025-2026-1", d(2025, 10, 1), "2025-2026-1") == "setting"
    assert terms.closed("2025-2026-2", d(2025, 10, 1), "2025-2026-1") is None
    # not terms: no end, never closed (a school year is two consecutive years)
    assert terms.term_end("2024-2026-1") is None and terms.term_end("2024-2025-3") is None
    assert terms.closed("2024-2026-1", d(2030, 1, 1)) is None


def test_english_findings(demo, tmp_path, bangfu):
    work = Work(demo, tmp_path / "work")
    school = work.read(first(demo, "school")["id"])
    school["notes"] = "x"
    work.write(school)
    work.commit()
    work.push()
    cli = bangfu("-L", str(demo.path), "--lang", "en", "audit")
    assert cli.returncode == 1 and "hand-made commit" in cli.stdout and "audit found 1 problem" in cli.stdout


def test_clear_identifier_committed_by_hand(demo, tmp_path):
    work = Work(demo, tmp_path / "work")
    student = work.read(first(demo, "student")["id"])
    student["notes"] = "身份证 11010519491231002X"
    work.write(student)
    sha = work.commit("student: edit", {"Record-Type": "student", "Record-Id": student["id"], "Action": "edit"})
    work.push()
    found = kinds(audit.run(demo), "privacy")
    assert [(f.commit_id, f.record) for f in found] == [(sha, student["id"])]
    assert "11010519491231002X" not in found[0].text() and "明文个人信息" in found[0].text()
