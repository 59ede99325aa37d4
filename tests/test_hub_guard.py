"""The hub and the ledger refuse what would damage them (issue 13): numbers that are not
numbers, records too big for any real school, ids with control characters, refs other than
main, forged schema upgrades, rules broken from the other side.

Pushes are made with plain git into a real bare hub made by `bangfu init --bare --shared`,
so every one goes through the hub's real pre-receive hook.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import subprocess
from pathlib import Path

import pytest

from conftest import TODAY, git
from store.core import ids
from store.rules.calendar import term_of
from store import Ledger
from test_export import small_ledger
from test_sync_local import bangfu, make_hub, make_site
from store.privacy.acts import init_keys
from store.sync import remote as sync

ME = pwd.getpwuid(os.geteuid()).pw_name


def push(work: Path, *refspec: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "push", "origin", *(refspec or ("main",))], cwd=work, capture_output=True,
                          text=True)


def hand_edit(work: Path, rid: str, text: str, message: str = "手工修改") -> None:
    """Write a record file as someone with a text editor and plain git would."""
    path = work / ids.path_of(rid, ids.LATEST)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-qm", message)


def open_payment(ledger: Ledger, data: dict) -> dict:
    """A payment of the term open today, which may still be corrected: small_ledger's are of
    2024-2025-1, closed (store/aid/closed.py)."""
    today = TODAY
    doc = {**data["aid"][0], "id": ids.new_id("aid"), "term": term_of(today), "paid_on": today.isoformat(),
           "voucher": "SQ-OPEN"}
    ledger.put(doc)
    return doc


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
    aid = open_payment(ledger, small_ledger(ledger))["id"]
    for value, words in (("36800.0", "整数"), ("1e30", "整数"), ("3000000", "30,000.00 元超过上限 20,000.00 元"),
                         ("NaN", "整数")):
        r = bangfu("-L", str(ledger.path), "set", aid, f"amount_fen={value}")
        assert r.returncode == 1, (value, r.stdout)
        assert aid in r.stderr and "的字段「金额」" in r.stderr and words in r.stderr, (value, r.stderr)
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
    assert r.returncode == 1 and "field “Participants”" in r.stderr and "1000" in r.stderr, r.stderr[-500:]
    student = data["students"][1]["id"]
    r = bangfu("-L", str(ledger.path), "--lang", "en", "set", student, "notes=" + "路" * 10_000)
    assert r.returncode == 1 and "field “Notes”" in r.stderr and "4000" in r.stderr


def test_a_payment_split_more_ways_than_there_are_funding_sources_is_refused(ledger):
    from store.core.errors import InvalidRecord

    aid = open_payment(ledger, small_ledger(ledger))   # 500.00 元 from 中央
    sources = ["中央", "省", "市", "县", "社会捐助", "中央"]
    shares = [{"source": s, "fen": 10_000} for s in sources[:4]] + [{"source": s, "fen": 5_000} for s in sources[4:]]
    with pytest.raises(InvalidRecord) as caught:
        ledger.put({**aid, "shares": shares}, base=ledger.version(aid["id"]))
    text = str(caught.value)
    assert "的字段「资金分担」" in text and "最多 5 项" in text, text
    ledger.put({**aid, "shares": shares[:2] + [{"source": "市", "fen": 30_000}]}, base=ledger.version(aid["id"]))


def test_every_list_and_text_of_the_schemas_has_a_bound():
    """What keeps a pushed record from being too big for every site's dashboard: a new list or
    text field without a bound fails here."""
    from store.rules.schema import PROJECT_SCHEMAS

    unbounded = []

    def walk(node, where):
        if isinstance(node, dict):
            kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
            if "array" in kinds and "maxItems" not in node:
                unbounded.append(where)
            if "string" in kinds and not ({"maxLength", "enum", "const", "pattern", "format"} & node.keys()):
                unbounded.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")
    for path in sorted(PROJECT_SCHEMAS.glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")), path.name)
    assert unbounded == []


def test_hub_refuses_floats_exponents_and_amounts_past_the_bound_pushed_with_plain_git(shared, work):
    hub, data = shared
    aid = data["aid"][0]
    before = git(hub, "rev-parse", "main")
    for amount, shown in ((36800.0, "36800.0"), (1e30, "1e+30"), (3_000_000, "3000000")):
        text = json.dumps({**aid, "amount_fen": amount}, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
        assert shown in text
        hand_edit(work, aid["id"], text)
        r = push(work)
        assert r.returncode != 0 and aid["id"] in r.stderr and "的字段「金额」" in r.stderr, r.stderr
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
    assert r.returncode == 1 and aid["id"] in r.stdout and "的字段「金额」" in r.stdout and "整数" in r.stdout
    r = bangfu("-L", str(led.path), "fmt", "--check")
    assert r.returncode == 1 and aid["id"] in r.stdout + r.stderr and "的字段「金额」" in r.stdout + r.stderr
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
    aid = open_payment(led, small_ledger(led))["id"]
    r = bangfu("-L", str(led.path), "set", aid, "amount_fen=3000000")     # version 1 has no bound
    assert r.returncode == 0, r.stderr
    r = bangfu("-L", str(led.path), "schema-upgrade")
    assert r.returncode == 1 and aid in r.stderr and "的字段「金额」" in r.stderr and "30,000.00 元超过上限 20,000.00 元" in r.stderr
    assert json.loads(git(led.path, "show", "main:bangfu.json"))["schema_version"] == 1
    assert bangfu("-L", str(led.path), "set", aid, "amount_fen=30000").returncode == 0
    r = bangfu("-L", str(led.path), "schema-upgrade", "--note", "上限")
    assert r.returncode == 0 and "第 2 版" in r.stdout, r.stderr
    assert json.loads(git(led.path, "show", "main:bangfu.json"))["schema_version"] == 2
    r = bangfu("-L", str(led.path), "set", aid, "amount_fen=3000000")
    assert r.returncode == 1 and "30,000.00 元超过上限 20,000.00 元" in r.stderr
    assert bangfu("-L", str(led.path), "validate").returncode == 0
    led.close()


# -- ids match the whole string ------------------------------------------------------------

def test_an_id_with_a_trailing_newline_or_a_control_character_is_refused_by_add_and_show(ledger):
    data = small_ledger(ledger)
    visit = data["visits"][1]
    for bad in (visit["id"][:-2] + "DT\n", visit["id"][:-2] + "D\tT", "visit-01" + "\x1b[31m" + "A" * 21):
        r = bangfu("-L", str(ledger.path), "add", "visit", "-", input=json.dumps({**visit, "id": bad}))
        assert r.returncode == 1 and "不是有效的记录编号" in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert json.dumps(bad)[1:-1] in r.stderr and "\x1b" not in r.stderr   # shown escaped, never acted on
        r = bangfu("-L", str(ledger.path), "show", bad)
        assert r.returncode == 1 and "不是有效的记录编号" in r.stderr
    assert git(ledger.path, "ls-tree", "-r", "--name-only", "main", "records/visit").count("\n") == len(data["visits"])


def test_hub_refuses_a_record_file_whose_name_holds_a_newline(shared, work):
    hub, data = shared
    visit = data["visits"][1]
    bad = visit["id"][:-2] + "DT\n"
    path = work / ids.RECORDS_DIR / "visit" / ids.shard(bad, ids.LATEST) / f"{bad}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**visit, "id": bad}, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
                    encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "换行编号")
    r = push(work)
    assert r.returncode != 0 and "帮扶台账枢纽拒绝了这次推送" in r.stderr, r.stderr
    assert "records/visit/" in r.stderr


# -- every ref is checked, and the policy lives outside what can be pushed -----------------

def small_site(tmp_path: Path, name: str) -> tuple[Ledger, dict, Path]:
    """A hub of its own holding the small ledger, pushed there by a site named `name`:
    (the site, small_ledger's records, the hub)."""
    hub = make_hub(tmp_path / "hub")
    site = make_site(str(hub), tmp_path / "site", name)
    init_keys(site)
    data = small_ledger(site)
    assert sync.sync(site).pushed
    return site, data, hub


@pytest.fixture
def own_hub(tmp_path):
    """A hub of its own (these tests change its policy) holding the small ledger, and a plain clone."""
    site, data, hub = small_site(tmp_path, "沙河二小")
    site.close()
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(hub), str(work))
    return hub, data, work


def set_policy(hub: Path, text: str) -> None:
    path = hub / "bangfu" / "hub-policy.toml"
    assert path.is_file()          # written by the hub's set-up
    path.write_text(text, encoding="utf-8")


def test_refs_other_than_main_are_refused_unless_the_policy_allows_them_and_then_checked_like_main(own_hub):
    hub, data, work = own_hub
    school = data["shahe"]
    good = git(work, "rev-parse", "HEAD").strip()
    hand_edit(work, school["id"], '{"broken": ')
    r = push(work, "HEAD:refs/tags/t1")
    assert r.returncode != 0 and "refs/tags/t1" in r.stderr and "hub-policy.toml" in r.stderr, r.stderr
    r = push(work, "HEAD:refs/heads/side")
    assert r.returncode != 0 and "refs/heads/side" in r.stderr
    assert git(hub, "for-each-ref", "--format=%(refname)") == "refs/heads/main\n"
    # allowed by the policy: the same checks as main
    policy = (hub / "bangfu" / "hub-policy.toml").read_text(encoding="utf-8")
    set_policy(hub, policy.replace("refs = []", 'refs = ["refs/tags/*"]'))
    r = push(work, "HEAD:refs/tags/t1")
    assert r.returncode != 0 and "不是有效的 JSON" in r.stderr and school["id"] in r.stderr, r.stderr
    git(work, "reset", "-q", "--hard", good)
    clear = {**data["students"][0], "identity": {"id_number": "11010519491231002X"}}
    hand_edit(work, clear["id"], json.dumps(clear, ensure_ascii=False, sort_keys=True, indent=2) + "\n")
    r = push(work, "HEAD:refs/tags/t1")
    assert r.returncode != 0 and clear["id"] in r.stderr and "11010519491231002X" not in r.stderr, r.stderr
    git(work, "reset", "-q", "--hard", good)
    git(work, "tag", "-a", "-m", "2024 验收", "验收-2024", good)
    r = push(work, "refs/tags/验收-2024")
    assert r.returncode == 0, r.stderr
    # a published tag is never moved or deleted
    git(work, "commit", "-q", "--allow-empty", "-m", "空提交")
    git(work, "tag", "-f", "-a", "-m", "改", "验收-2024")
    r = push(work, "-f", "refs/tags/验收-2024")
    assert r.returncode != 0 and "标签" in r.stderr
    r = push(work, ":refs/tags/验收-2024")
    assert r.returncode != 0
    assert git(hub, "rev-parse", "验收-2024^{commit}").strip() == good
    assert git(hub, "for-each-ref", "--format=%(refname)").splitlines() == ["refs/heads/main",
                                                                          "refs/tags/验收-2024"]


def forge_upgrade(work: Path, *, version_step: int = 1, weaken: bool = True) -> None:
    """What the issue's forger did in a plain clone: ID numbers made plain text in the schema,
    schema_version raised, the upgrade's trailer written by hand."""
    schema = work / "schemas" / "student.json"
    doc = json.loads(schema.read_text(encoding="utf-8"))
    if weaken:
        doc["properties"]["identity"]["properties"]["id_number"] = {"type": "string", "title": "身份证号"}
    else:
        doc["properties"]["motto"] = {"type": "string", "maxLength": 50, "title": "座右铭"}
    schema.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    config = json.loads((work / "bangfu.json").read_text(encoding="utf-8"))
    config["schema_version"] += version_step
    (work / "bangfu.json").write_text(json.dumps(config, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
                                      encoding="utf-8")
    git(work, "commit", "-qam", "ledger: schema upgrade\n\nAction: schema-upgrade\nSchema-Version: 3")


def test_a_forged_schema_upgrade_is_refused_naming_who_may_upgrade(own_hub):
    hub, data, work = own_hub
    before = git(hub, "rev-parse", "main")
    policy = (hub / "bangfu" / "hub-policy.toml").read_text(encoding="utf-8")
    assert f'admins = ["{ME}"]' in policy                   # the account that set the hub up
    set_policy(hub, policy.replace(f'admins = ["{ME}"]', 'admins = ["县教育局管理员"]'))
    forge_upgrade(work)
    r = push(work)
    assert r.returncode != 0 and "县教育局管理员" in r.stderr and ME in r.stderr, r.stderr
    assert "不能升级模式" in r.stderr and "may not upgrade schemas" in r.stderr
    # from an admin: still no weakening of a protected field, and the version rises by one
    set_policy(hub, policy)
    r = push(work)
    assert r.returncode != 0 and "student.identity.id_number" in r.stderr and "削弱" in r.stderr, r.stderr
    git(work, "reset", "-q", "--hard", "origin/main")
    forge_upgrade(work, version_step=2, weaken=False)
    r = push(work)
    assert r.returncode != 0 and "恰好提高 1" in r.stderr and "2 → 4" in r.stderr, r.stderr
    assert git(hub, "rev-parse", "main") == before
    # a real upgrade by an admin goes through
    git(work, "reset", "-q", "--hard", "origin/main")
    forge_upgrade(work, weaken=False)
    r = push(work)
    assert r.returncode == 0, r.stderr


def test_an_upgrade_some_record_does_not_fit_is_refused_at_the_hub(own_hub):
    hub, data, work = own_hub
    schema = work / "schemas" / "aid.json"
    doc = json.loads(schema.read_text(encoding="utf-8"))
    doc["properties"]["amount_fen"]["maximum"] = 10_000      # every payment of the ledger is more
    schema.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    config = json.loads((work / "bangfu.json").read_text(encoding="utf-8"))
    config["schema_version"] += 1
    (work / "bangfu.json").write_text(json.dumps(config, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
                                      encoding="utf-8")
    git(work, "commit", "-qam", "ledger: schema upgrade\n\nAction: schema-upgrade")
    r = push(work)
    assert r.returncode != 0 and data["aid"][0]["id"] in r.stderr and "的字段「金额」" in r.stderr, r.stderr


# -- rules in both directions --------------------------------------------------------------

def test_a_change_that_would_break_the_records_referring_to_it_is_refused_with_their_list(ledger):
    data = small_ledger(ledger)
    plan = data["plan"]["id"]
    late = sorted(v["id"] for v in data["visits"] if v["date"] > "2024-10-10")
    r = bangfu("-L", str(ledger.path), "set", plan, "period.end=2024-10-10")
    assert r.returncode == 1 and all(v in r.stderr for v in late), r.stderr
    assert f"{len(late)} 条记录" in r.stderr
    r = bangfu("-L", str(ledger.path), "set", plan, "parties[1].school=" + data["haiyuan"]["id"])
    assert r.returncode == 1 and "的「承办（接待）学校」" in r.stderr and "host_school" not in r.stderr, r.stderr
    # a standard's validity holds its payments, a student's events the payments made while eligible
    r = bangfu("-L", str(ledger.path), "--lang", "en", "set", data["std_p"]["id"], "valid_to=2024-10-31")
    assert r.returncode == 1 and data["aid"][1]["id"] in r.stderr and data["aid"][0]["id"] not in r.stderr
    zhang = data["students"][0]["id"]
    r = bangfu("-L", str(ledger.path), "set", zhang, "events[0].date=2024-12-01")
    assert r.returncode == 1 and data["aid"][0]["id"] in r.stderr and "的「发放日期」" in r.stderr, r.stderr
    ledger.refresh()
    assert ledger.get(plan)["period"]["end"] == "2025-08-31"
    # a change that keeps every referrer valid goes through
    assert bangfu("-L", str(ledger.path), "set", plan, "period.end=2025-01-31").returncode == 0


def test_hub_refuses_a_plan_change_that_leaves_its_visits_outside_pushed_with_plain_git(shared, work):
    hub, data = shared
    plan = {**data["plan"], "period": {"start": "2024-09-01", "end": "2024-10-10"}}
    hand_edit(work, plan["id"], json.dumps(plan, ensure_ascii=False, sort_keys=True, indent=2) + "\n")
    r = push(work)
    late = [v["id"] for v in data["visits"] if v["date"] > "2024-10-10"]
    assert r.returncode != 0 and plan["id"] in r.stderr and all(v in r.stderr for v in late), r.stderr


def test_hub_refuses_moving_a_school_out_of_the_counties_of_its_pupils_payments_pushed_with_plain_git(shared, work):
    """The boarding standard made 示范县's own, then 石桥二小 moved to 另县: its two pupils'
    payments would be outside their standard. The push is refused naming the school and both."""
    hub, data = shared
    standard = {**data["std_p"], "counties": ["示范县"]}
    hand_edit(work, standard["id"], json.dumps(standard, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
              "补录适用县")
    moved = {**data["shiqiao"], "county": "另县"}
    hand_edit(work, moved["id"], json.dumps(moved, ensure_ascii=False, sort_keys=True, indent=2) + "\n")
    r = push(work)
    paid = [a["id"] for a in data["aid"]]
    assert r.returncode != 0, r.stderr
    assert f"错误 {moved['id']}: 这样修改会使以它为依据的 2 条记录违反规则：" in r.stderr, r.stderr
    assert f"张小花 义务教育寄宿生生活补助 2024-2025-1 500.00元（{paid[0]}）的「资助标准」" in r.stderr
    assert f"李明 义务教育寄宿生生活补助 2024-2025-1 450.00元（{paid[1]}）的「资助标准」" in r.stderr
    assert f'李明 boarding living allowance 2024-2025-1 450.00 yuan ({paid[1]}) "Aid standard"' in r.stderr


def test_a_merge_never_lands_a_plan_change_that_breaks_the_other_sites_visit(own_hub, tmp_path):
    """B shortens the plan after A (synced first) logged a visit late in it: B's merge keeps
    the plan's period and the visit, and the shorter period waits in a conflict."""
    from store.sync.conflicts import list_conflicts
    hub, data, _work = own_hub
    a = make_site(str(hub), tmp_path / "a", "沙河二小")
    b = make_site(str(hub), tmp_path / "b", "石桥二小")
    plan, (s1, s2) = data["plan"]["id"], (data["shahe"]["id"], data["shiqiao"]["id"])
    v = a.put({"type": "visit", "schema_version": 1, "plan": plan, "kind": "送教下乡", "date": "2025-06-01",
               "host_school": s2, "visiting_school": s1, "hours": 2}).id
    sync.sync(a)
    record = b.get(plan)
    record["period"]["end"] = "2025-03-31"
    b.put(record, base=b.version(plan))
    sync.sync(b)
    b.refresh()
    assert b.get(v) and b.get(plan)["period"]["end"] == "2025-08-31"
    assert [c.record for c in list_conflicts(b)] == [plan]
    for led in (a, b):
        sync.sync(led)
        assert bangfu("-L", str(led.path), "validate").returncode == 0
    assert bangfu("-L", str(hub), "validate").returncode == 0
    a.close()
    b.close()


# -- a broken file is never hidden ---------------------------------------------------------

def test_a_broken_record_file_is_named_by_list_export_report_show_and_diff(tmp_path):
    from store.privacy.acts import init_keys

    led = Ledger.init(tmp_path / "ledger", site="测试站")
    init_keys(led)
    data = small_ledger(led)
    visit = data["visits"][2]["id"]
    path = ids.path_of(visit, ids.LATEST)
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(led.path), str(work))
    hand_edit(work, visit, '{"id": "' + visit + '", "kind": ')
    git(work, "push", "-q", "origin", "main")
    L = ("-L", str(led.path))
    r = bangfu(*L, "list", "visit")
    assert r.returncode == 0 and "1 条记录无法读取" in r.stderr and path in r.stderr, r.stderr
    assert len([line for line in r.stdout.splitlines() if line.startswith("visit-")]) == len(data["visits"]) - 1
    r = bangfu(*L, "--lang", "en", "export", "visit", "--format", "csv", "-o", "-")
    assert r.returncode == 0 and "1 record could not be read" in r.stderr and path in r.stderr
    r = bangfu(*L, "report", "term", "2024-2025-1", "--format", "md")
    assert r.returncode == 0 and path in r.stdout and "无法读取" in r.stdout, r.stdout[:500]
    sheet = tmp_path / "report.xlsx"
    r = bangfu(*L, "report", "term", "2024-2025-1", "--format", "xlsx", "-o", str(sheet))
    assert r.returncode == 0, r.stderr
    from openpyxl import load_workbook
    summary = load_workbook(sheet).worksheets[0]
    said = [c.value for row in summary.iter_rows(max_row=5) for c in row if isinstance(c.value, str)]
    assert any("1 条记录无法读取" in v and path in v for v in said), said
    r = bangfu(*L, "show", visit)
    assert r.returncode == 1 and path in r.stderr and "json" in r.stderr and "没有记录" not in r.stderr, r.stderr
    r = bangfu(*L, "diff", visit)
    assert r.returncode == 1 and path in r.stderr and "json" in r.stderr and "—" not in r.stdout, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    led.close()


# -- clear messages ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["[]", "[[]]", "[1, 2]", '"visit"', "3", "null", '[{"type": "school"}]'])
def test_json_of_the_wrong_shape_for_add_is_a_message(ledger, text):
    r = bangfu("-L", str(ledger.path), "add", "visit", "-", input=text)
    assert r.returncode in (1, 2) and r.stderr.strip() and "Traceback" not in r.stderr, r.stderr
    assert "意外" not in r.stderr and "crash.log" not in r.stderr, r.stderr


def test_hub_refuses_editing_or_deleting_a_payment_of_a_closed_term(shared, work):
    hub, data = shared
    aid = data["aid"][1]                                     # term 2024-2025-1, ended 2025-01-31
    hand_edit(work, aid["id"], json.dumps({**aid, "voucher": "SQ-2024-999"}, ensure_ascii=False, sort_keys=True,
                                          indent=2) + "\n")
    r = push(work)
    assert r.returncode != 0 and aid["id"] in r.stderr and "已关闭学期 2024-2025-1" in r.stderr, r.stderr
    git(work, "reset", "-q", "--hard", "origin/main")
    git(work, "rm", "-q", ids.path_of(aid["id"], ids.LATEST))
    git(work, "commit", "-qm", "删掉")
    r = push(work)
    assert r.returncode != 0 and aid["id"] in r.stderr and "closed term" in r.stderr, r.stderr
    # A commit dated back into the term is no way round it: the hub believes a commit's date only
    # a month back from its own clock (a site that saved in the term may sync that late).
    git(work, "reset", "-q", "--hard", "origin/main")
    path = work / ids.path_of(aid["id"], ids.LATEST)
    path.write_text(json.dumps({**aid, "voucher": "SQ-2024-998"}, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
                    encoding="utf-8")
    dated = {**os.environ, "GIT_AUTHOR_DATE": "2024-12-01T10:00:00+08:00", "GIT_COMMITTER_DATE": "2024-12-01T10:00:00+08:00"}
    subprocess.run(["git", "commit", "-qam", "补记凭证号"], cwd=work, env=dated, check=True)
    r = push(work)
    assert r.returncode != 0 and aid["id"] in r.stderr and "已关闭学期 2024-2025-1" in r.stderr, r.stderr
    # ... nor a merge commit that edits the payment itself (neither of its parents has that version).
    git(work, "reset", "-q", "--hard", "origin/main")
    git(work, "checkout", "-q", "-b", "side")
    git(work, "commit", "-q", "--allow-empty", "-m", "旁支")
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--no-ff", "--no-commit", "side")
    path.write_text(json.dumps({**aid, "voucher": "SQ-2024-997"}, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
                    encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "合并")
    r = push(work)
    assert r.returncode != 0 and aid["id"] in r.stderr and "已关闭学期 2024-2025-1" in r.stderr, r.stderr


def test_audit_reports_changes_outside_the_authors_schools_where_no_hook_runs(tmp_path):
    """A ledger written directly on a shared server: no push, so no hook; the audit holds the
    history to the access list of the ledger's policy file."""
    from store.ledger.gitstore import Person
    from store.privacy.acts import init_keys

    led = Ledger.init(tmp_path / "shared", shared=True, site="县中心")
    init_keys(led)
    data = small_ledger(led)
    shahe, shiqiao = data["shahe"], data["shiqiao"]
    policy = led.git.gitdir / "bangfu" / "hub-policy.toml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        '[access]\n"*" = ["*"]', f'[access]\n"*" = ["*"]\n"王老师" = ["{shahe["id"]}"]'), encoding="utf-8")
    wang = Person("王老师", "wang@shahe.example")
    led.put({**shahe, "township": "沙河镇"}, base=led.version(shahe["id"]), author=wang)
    led.put({**shiqiao, "township": "石桥镇"}, base=led.version(shiqiao["id"]), author=wang)
    led.put({**shiqiao, "township": "石桥乡"}, base=led.version(shiqiao["id"]))      # 测试员: every school
    r = bangfu("-L", str(led.path), "audit", "--kind", "scope")
    assert r.returncode == 1, r.stdout + r.stderr
    lines = [line for line in r.stdout.splitlines() if "访问名单" in line]
    assert len(lines) == 1 and "王老师" in lines[0] and shiqiao["id"] in lines[0], r.stdout
    led.close()


# -- plain git users are guided ------------------------------------------------------------

def test_a_worktree_save_refuses_while_that_records_file_has_hand_edits_and_loses_neither(tmp_path):
    from store.privacy.acts import init_keys

    led = Ledger.init(tmp_path / "wt", worktree=True, site="测试站")
    init_keys(led)
    data = small_ledger(led)
    school = data["shahe"]
    path = tmp_path / "wt" / ids.path_of(school["id"], ids.LATEST)
    hand = path.read_text(encoding="utf-8").replace('"area": "镇区"', '"area": "乡村"')
    path.write_text(hand, encoding="utf-8")
    r = bangfu("-L", str(led.path), "set", school["id"], "township=沙河镇")
    assert r.returncode == 3 and ids.path_of(school["id"], ids.LATEST) in r.stderr and "git commit" in r.stderr, r.stderr
    assert "没有提交" in r.stderr
    assert path.read_text(encoding="utf-8") == hand                                       # the hand edit, kept
    assert git(tmp_path / "wt", "status", "--porcelain") == f" M {ids.path_of(school['id'], ids.LATEST)}\n"
    # another record saves as before, and the hand edit stays as it was
    r = bangfu("-L", str(led.path), "set", data["shiqiao"]["id"], "township=石桥镇")
    assert r.returncode == 0, r.stderr
    assert git(tmp_path / "wt", "status", "--porcelain") == f" M {ids.path_of(school['id'], ids.LATEST)}\n"
    led.close()


def test_a_plain_clone_is_told_to_run_sync_setup(shared, tmp_path):
    hub, _data = shared
    git(tmp_path, "clone", "-q", str(hub), str(tmp_path / "plain"))
    r = bangfu("-L", str(tmp_path / "plain"), "list", "school")
    assert r.returncode == 0 and "bangfu sync --setup" in r.stderr, r.stderr
    assert bangfu("-L", str(tmp_path / "plain"), "sync", "--setup").returncode == 0
    r = bangfu("-L", str(tmp_path / "plain"), "list", "school")
    assert "bangfu sync --setup" not in r.stderr


def test_hub_says_to_run_sync_setup_when_a_push_holds_conflict_markers(shared, work):
    hub, data = shared
    school = data["shahe"]
    text = json.dumps(school, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    marked = text.replace('  "area": "镇区",\n', '<<<<<<< HEAD\n  "area": "镇区",\n=======\n  "area": "乡村",\n'
                                                   '>>>>>>> origin/main\n')
    hand_edit(work, school["id"], marked)
    r = push(work)
    assert r.returncode != 0 and "<<<<<<<" in r.stderr and "bangfu sync --setup" in r.stderr, r.stderr


def test_the_merge_driver_under_pull_rebase_keeps_and_labels_the_users_side(own_hub, tmp_path):
    """Under `git pull --rebase` git replays the user's commit onto the hub's: its "ours" is the
    hub's side. The driver keeps the user's value, and the conflict says whose is whose."""
    hub, data, _work = own_hub
    a = make_site(str(hub), tmp_path / "a", "沙河二小")
    school = data["shahe"]["id"]
    work = tmp_path / "plain"
    git(tmp_path, "clone", "-q", str(hub), str(work))
    assert bangfu("-L", str(work), "sync", "--setup").returncode == 0
    git(work, "config", "bangfu.site", "石桥二小")
    path = work / ids.path_of(school, ids.LATEST)
    doc = json.loads(path.read_text(encoding="utf-8"))
    hand_edit(work, school, json.dumps({**doc, "notes": "工作区的备注"}, ensure_ascii=False, sort_keys=True,
                                       indent=2) + "\n", "备注")
    record = a.get(school)
    a.put({**record, "notes": "沙河的备注"}, base=a.version(school))
    sync.sync(a)
    r = subprocess.run(["git", "pull", "--rebase", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert r.returncode != 0 and "bangfu" in r.stderr
    assert json.loads(path.read_text(encoding="utf-8"))["notes"] == "工作区的备注"    # the user's value, as said
    [event_file] = (work / "records" / "event").rglob("*.json")
    conflict = json.loads(event_file.read_text(encoding="utf-8"))["conflict"]
    [f] = conflict["fields"]
    assert (f["mine"], f["theirs"]) == ("工作区的备注", "沙河的备注")
    assert conflict["kept"] == "mine"
    assert conflict["mine"]["site"] == "石桥二小" and conflict["theirs"]["site"] == "沙河二小", conflict
    assert conflict["mine"].get("author") == "测试员", conflict
    # The rebase goes on, and `resolve --take mine` keeps the user's own value.
    git(work, "add", "-A")
    subprocess.run(["git", "-c", "core.editor=true", "rebase", "--continue"], cwd=work, check=True,
                   capture_output=True)
    assert bangfu("-L", str(work), "conflicts").stdout.count(school) == 1
    r = bangfu("-L", str(work), "resolve", school, "--take", "mine")
    assert r.returncode == 0, r.stderr
    assert json.loads(path.read_text(encoding="utf-8"))["notes"] == "工作区的备注"
    assert bangfu("-L", str(work), "conflicts").stdout.count(school) == 0
    a.close()
