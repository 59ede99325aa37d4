"""The hub refuses a clear identifier outside the records too (issues 12 and 13): in a commit
message, an annotated tag's message, a tag's name or a file name. The refusal names the commit
(or tag) and where the value was, and shows it masked, never in clear.

Pushes are made with plain git over `git daemon` (git://) on 127.0.0.1 into a hub made by
`bangfu init --bare --shared`, so each goes through the hub's real pre-receive hook."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import git
from test_export import small_ledger
from test_sync_local import make_hub, make_site
from test_sync_transports import Daemon
from store.privacy.acts import init_keys
from store.sync import remote as sync

ID = "11010519491231002X"
FULL_WIDTH_ID = "１１０１０５１９４９１２３１００２Ｘ"
MASKED = "1101**********002X"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A hub served by git daemon, holding the small ledger; its policy lets tags in (checked like main)."""
    root = tmp_path_factory.mktemp("cleartext")
    daemon = Daemon(root / "served")
    daemon.base.mkdir()
    daemon.start()
    try:
        hub = make_hub(daemon.base / "hub.git")
        policy = hub / "bangfu" / "hub-policy.toml"
        policy.write_text(policy.read_text(encoding="utf-8").replace("refs = []", 'refs = ["refs/tags/*"]'),
                          encoding="utf-8")
        site = make_site(daemon.url("hub.git"), root / "site", "沙河二小")
        init_keys(site)
        small_ledger(site)
        sync.sync(site)
        site.close()
        yield hub, daemon.url("hub.git")
    finally:
        daemon.stop()


@pytest.fixture
def work(served, tmp_path) -> Path:
    _hub, url = served
    path = tmp_path / "work"
    git(tmp_path, "clone", "-q", url, str(path))
    return path


def push(work: Path, *refspec: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "push", "origin", *(refspec or ("main",))], cwd=work, capture_output=True,
                          text=True)


def refused_masked(r: subprocess.CompletedProcess, *clear: str) -> str:
    """What the hub said (git's `remote:` lines; the pusher's own git names its refs itself)."""
    hub_said = "\n".join(line for line in r.stderr.splitlines() if line.startswith("remote:"))
    assert r.returncode != 0 and "帮扶台账枢纽拒绝了这次推送" in hub_said, r.stderr
    for value in clear:
        assert value not in hub_said, hub_said
    assert MASKED in hub_said and "identity.id_number" in hub_said, hub_said
    return hub_said


@pytest.mark.parametrize("clear", [ID, FULL_WIDTH_ID])
def test_a_commit_message_holding_an_id_number_is_refused_naming_the_commit(served, work, clear):
    hub, _url = served
    before = git(hub, "rev-parse", "main")
    git(work, "commit", "-q", "--allow-empty", "-m", f"补录学生资料\n\n学生身份证 {clear}，已核对")
    commit = git(work, "rev-parse", "HEAD").strip()
    git(work, "commit", "-q", "--allow-empty", "-m", "再补一条")   # the bad one is not the tip
    err = refused_masked(push(work), clear)
    assert commit[:10] in err and "提交说明" in err and "commit message" in err
    assert git(hub, "rev-parse", "main") == before


def test_a_file_name_holding_an_id_number_is_refused_masked(served, work):
    (work / "证明").mkdir()
    (work / "证明" / f"{ID}.txt").write_text("贫困证明\n", encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "附件")
    commit = git(work, "rev-parse", "HEAD").strip()
    err = refused_masked(push(work), ID)
    assert commit[:10] in err and "文件名" in err and "file name" in err and f"证明/{MASKED}.txt" in err


def test_a_tag_whose_message_or_name_holds_an_id_number_is_refused(served, work):
    hub, _url = served
    git(work, "tag", "-a", "-m", f"2024 验收：学生 {ID} 复核", "验收-2024-复核")
    err = refused_masked(push(work, "refs/tags/验收-2024-复核"), ID)
    assert "refs/tags/验收-2024-复核" in err and "标签说明" in err and "tag message" in err
    git(work, "tag", f"学生-{ID}")
    err = refused_masked(push(work, f"refs/tags/学生-{ID}"), ID)
    assert f"refs/tags/学生-{MASKED}" in err
    assert git(hub, "for-each-ref", "--format=%(refname)", "refs/tags") == ""
    # an ordinary tag goes through
    git(work, "tag", "-a", "-m", "2024 验收", "验收-2024")
    r = push(work, "refs/tags/验收-2024")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("written", [
    "110105\t19491231\t002X",                       # tabs: `\t` in the file, which ended the hub's search
    "\u200b".join(ID),                              # a zero-width space between every digit
    "1101  0519  4912  3100  2X",                   # two spaces between groups
    "110105.19491231.002X",                         # dots
    "一一〇一〇五一九四九一二三一〇〇二X",             # Chinese numerals
])
def test_an_id_number_written_between_separators_or_in_numerals_is_refused_in_a_record(served, work, written):
    """Pushed with plain git in a visit's notes: the hub finds it however the digits were written."""
    hub, _url = served
    before = git(hub, "rev-parse", "main")
    path = sorted((work / "records" / "visit").rglob("*.json"))[0]
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["notes"] = f"家访学生身份证 {written}，已核对"
    path.write_text(json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    git(work, "commit", "-qam", "补记")
    r = push(work)
    assert r.returncode != 0 and "居民身份证号的明文" in r.stderr and "resident ID number in clear" in r.stderr, r.stderr
    assert doc["id"] in r.stderr and "的字段「备注」" in r.stderr and written not in r.stderr and ID not in r.stderr
    assert git(hub, "rev-parse", "main") == before


def test_an_id_number_as_a_commit_s_author_or_in_an_admin_s_schema_file_is_refused(served, work):
    hub, _url = served
    before = git(hub, "rev-parse", "main")
    git(work, "-c", f"user.name=学生{ID}", "commit", "-q", "--allow-empty", "-m", "补记")
    err = refused_masked(push(work), ID)
    assert "作者" in err and "author" in err
    git(work, "reset", "-q", "--hard", "origin/main")
    # A schema upgrade by the hub's admin (this account): its files are kept and cloned like records.
    schema = work / "schemas" / "student.json"
    doc = json.loads(schema.read_text(encoding="utf-8"))
    doc["description"] = f"例如 {ID}"
    schema.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    config = json.loads((work / "bangfu.json").read_text(encoding="utf-8"))
    config["schema_version"] += 1
    (work / "bangfu.json").write_text(json.dumps(config, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
                                      encoding="utf-8")
    git(work, "commit", "-qam", "ledger: schema upgrade\n\nAction: schema-upgrade")
    err = refused_masked(push(work), ID)
    assert "schemas/student.json" in err
    assert git(hub, "rev-parse", "main") == before
