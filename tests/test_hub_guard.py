"""The hub and the ledger refuse what would damage them (issue 13): numbers that are not
numbers, records too big for any real school, ids with control characters, refs other than
main, forged schema upgrades, rules broken from the other side.

Pushes are made with plain git into a real bare hub made by `bangfu init --bare --shared`,
so every one goes through the hub's real pre-receive hook.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import git
from store.core import ids
from store import Ledger
from test_export import small_ledger
from test_sync_local import bangfu, make_hub, make_site
from store.privacy.acts import init_keys
from store.sync import remote as sync


def push(work: Path, *refspec: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "push", "origin", *(refspec or ("main",))], cwd=work, capture_output=True,
                          text=True)


def hand_edit(work: Path, rid: str, text: str, message: str = "手工修改") -> None:
    """Write a record file as someone with a text editor and plain git would."""
    path = work / ids.path_of(rid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-qm", message)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A hub holding the small ledger (three schools, a plan, visits, students, aid)."""
    root = tmp_path_factory.mktemp("guard")
    hub = make_hub(root / "hub")
    site = make_site(str(hub), root / "site", "沙河二小")
    init_keys(site)
    data = small_ledger(site)
    sync.sync(site)
    site.close()
    return hub, data


@pytest.fixture
def work(shared, tmp_path):
    hub, _data = shared
    path = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(hub), str(path))
    return path


# -- numbers are numbers -------------------------------------------------------------------

def test_money_written_as_a_float_or_beyond_any_real_payment_is_refused_by_set(ledger):
    data = small_ledger(ledger)
    aid = data["aid"][0]["id"]
    for value, words in (("36800.0", "整数"), ("1e30", "整数"), ("3000000", "2000000"), ("NaN", "整数")):
        r = bangfu("-L", str(ledger.path), "set", aid, f"amount_fen={value}")
        assert r.returncode == 1, (value, r.stdout)
        assert aid in r.stderr and "amount_fen" in r.stderr and words in r.stderr, (value, r.stderr)
        assert "Traceback" not in r.stderr
    ledger.refresh()
    assert ledger.get(aid)["amount_fen"] == 50_000
    r = bangfu("-L", str(ledger.path), "set", aid, "amount_fen=36800")
    assert r.returncode == 0, r.stderr


def test_sizes_no_real_record_reaches_are_refused_on_save(ledger):
    data = small_ledger(ledger)
    visit = {k: v for k, v in data["visits"][0].items() if k != "id"}
    a = data["shahe"]["id"]
    visit["participants"] = [{"name": f"老师{i}", "school": a} for i in range(30_000)]
    r = bangfu("-L", str(ledger.path), "--lang", "en", "add", "visit", "-", input=json.dumps([visit]))
    assert r.returncode == 1 and "participants" in r.stderr and "1000" in r.stderr, r.stderr[-500:]
    student = data["students"][1]["id"]
    r = bangfu("-L", str(ledger.path), "--lang", "en", "set", student, "notes=" + "路" * 10_000)
    assert r.returncode == 1 and "notes" in r.stderr and "4000" in r.stderr


def test_hub_refuses_floats_exponents_and_amounts_past_the_bound_pushed_with_plain_git(shared, work):
    hub, data = shared
    aid = data["aid"][0]
    before = git(hub, "rev-parse", "main")
    for amount, shown in ((36800.0, "36800.0"), (1e30, "1e+30"), (3_000_000, "3000000")):
        text = json.dumps({**aid, "amount_fen": amount}, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
        assert shown in text
        hand_edit(work, aid["id"], text)
        r = push(work)
        assert r.returncode != 0 and aid["id"] in r.stderr and "amount_fen" in r.stderr, r.stderr
        git(work, "reset", "-q", "--hard", "origin/main")
    assert git(hub, "rev-parse", "main") == before


def test_validate_fmt_and_the_term_report_on_a_float_committed_without_bangfu(tmp_path):
    """A site's own ledger has no hook: plain git can commit anything into it."""
    import datetime as dt
    from store.io import report
    from store.privacy.acts import init_keys

    led = Ledger.init(tmp_path / "ledger", site="测试站")
    init_keys(led)
    data = small_ledger(led)
    aid = data["aid"][0]
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(led.path), str(work))
    hand_edit(work, aid["id"], json.dumps({**aid, "amount_fen": 36800.0}, ensure_ascii=False, sort_keys=True,
                                          indent=2) + "\n")
    git(work, "push", "-q", "origin", "main")
    r = bangfu("-L", str(led.path), "validate")
    assert r.returncode == 1 and aid["id"] in r.stdout and "amount_fen" in r.stdout and "整数" in r.stdout
    r = bangfu("-L", str(led.path), "fmt", "--check")
    assert r.returncode == 1 and aid["id"] in r.stdout + r.stderr and "amount_fen" in r.stdout + r.stderr
    r = bangfu("-L", str(led.path), "report", "term", "2024-2025-1", "--format", "md")
    assert r.returncode == 1 and "Traceback" not in r.stderr and aid["id"] in r.stderr, (r.stdout[-300:], r.stderr)
    assert "amount_fen" in r.stderr and "bangfu validate" in r.stderr
    led.refresh()
    with pytest.raises(Exception) as caught:
        report.build(led, "2024-2025-1", today=dt.date(2025, 3, 1))
    assert aid["id"] in str(caught.value)
    led.close()


# -- schema version 2: the bounds reach existing ledgers through schema-upgrade ------------

def version_1(path: Path, tmp: Path, **init) -> Ledger:
    """A ledger as Bangfu made them before schema version 2: schemas without the bounds."""
    from store.core import canonical
    from store.rules.schema import PROJECT_SCHEMAS

    old = tmp / "schemas-v1"
    old.mkdir(exist_ok=True)

    def loosen(node):
        if isinstance(node, dict):
            return {k: loosen(v) for k, v in node.items() if k not in ("maxItems", "maximum")}
        return [loosen(x) for x in node] if isinstance(node, list) else node
    for f in PROJECT_SCHEMAS.glob("*.json"):
        doc = loosen(json.loads(f.read_text(encoding="utf-8")))
        (old / f.name).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    led = Ledger.init(path, schemas_dir=old, **init)
    config = {**led.config, "schema_version": 1}
    tree = led.git.write_tree(led.git.commit_tree(led.tip), {"bangfu.json": led.git.write("blob", canonical.dumps(config))})
    commit = led.git.make_commit(tree, [led.tip], led.author(), "ledger: init")
    assert led.git.swap_ref(commit, led.tip, "init")
    led.close()
    return Ledger(path)


def test_schema_upgrade_brings_a_version_1_ledger_to_version_2_once_every_record_fits(tmp_path):
    from store.privacy.acts import init_keys

    led = version_1(tmp_path / "ledger", tmp_path, site="测试站")
    init_keys(led)
    data = small_ledger(led)
    aid = data["aid"][0]["id"]
    r = bangfu("-L", str(led.path), "set", aid, "amount_fen=3000000")     # version 1 has no bound
    assert r.returncode == 0, r.stderr
    r = bangfu("-L", str(led.path), "schema-upgrade")
    assert r.returncode == 1 and aid in r.stderr and "amount_fen" in r.stderr and "2000000" in r.stderr
    assert json.loads(git(led.path, "show", "main:bangfu.json"))["schema_version"] == 1
    assert bangfu("-L", str(led.path), "set", aid, "amount_fen=30000").returncode == 0
    r = bangfu("-L", str(led.path), "schema-upgrade", "--note", "上限")
    assert r.returncode == 0 and "第 2 版" in r.stdout, r.stderr
    assert json.loads(git(led.path, "show", "main:bangfu.json"))["schema_version"] == 2
    r = bangfu("-L", str(led.path), "set", aid, "amount_fen=3000000")
    assert r.returncode == 1 and "2000000" in r.stderr
    assert bangfu("-L", str(led.path), "validate").returncode == 0
    led.close()
