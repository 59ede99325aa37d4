"""Inspections and locks: 已验收 only through an inspection; an inspected plan and a closed term
refuse changes unless an adjustment record (reason, approver) comes in the same commit."""
from __future__ import annotations

import json

import pytest

from store import NEW, Change, InvalidRecord
from store.core import canonical
from store.core.ids import new_id
from store.ledger import adjustments
from store.twinning import locks


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}


@pytest.fixture
def plan(ledger):
    a = _rec("school", name="沙河镇第二中心小学", stage="小学", county="赣榆区", area="镇区")
    b = _rec("school", name="石桥镇第二中心小学", stage="小学", county="赣榆区", area="镇区")
    p = _rec("plan", title="沙河二小对口帮扶石桥二小", status="执行中", period={"start": "2006-09-01", "end": "2007-08-31"},
             parties=[{"school": a["id"], "role": "帮扶"}, {"school": b["id"], "role": "受帮扶"}],
             targets=[{"key": "sent", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时", "per": "学期"}])
    autumn = _rec("visit", plan=p["id"], date="2006-10-12", kind="送教下乡", host_school=b["id"],
                  visiting_school=a["id"], hours=3)
    spring = _rec("visit", plan=p["id"], date="2007-03-22", kind="送教下乡", host_school=b["id"],
                  visiting_school=a["id"], hours=2)
    ledger.commit([Change(r["id"], r, NEW) for r in (a, b, p, autumn, spring)], message="test data")
    return {"plan": p, "a": a["id"], "b": b["id"], "autumn": autumn, "spring": spring}


def _inspection(plan, date="2007-08-28", result="通过"):
    return _rec("inspection", plan=plan["plan"]["id"], date=date, inspectors=["刘建国"], scope="2006—2007学年",
                findings=[{"target": "sent", "met": False, "note": "每学期只送教5课时以下"}], result=result)


def _adjustment(*records, reason="补录漏记的课时", approver="县教育局 刘建国"):
    return _rec("adjustment", date="2007-09-10", reason=reason, approver=approver, records=list(records))


def _rules(err) -> list[tuple[str, str]]:
    return [(f.record, f.rule) for f in err.value.findings]


def test_accepted_only_through_an_inspection(ledger, plan):
    p = plan["plan"]
    with pytest.raises(InvalidRecord) as err:
        ledger.put({**p, "status": "已验收"}, base=ledger.version(p["id"]))
    assert _rules(err) == [(p["id"], "rule.plan_accepted_without_inspection")]
    # An inspection of a plan that has not started; one that did not pass does not make it 已验收.
    with pytest.raises(InvalidRecord) as err:
        ledger.put(_inspection(plan, date="2006-08-20"))
    assert [f.rule for f in err.value.findings] == ["rule.inspection_before_start"]
    failed = _inspection(plan, result="不通过")
    with pytest.raises(InvalidRecord):
        ledger.commit([Change(failed["id"], failed, NEW),
                       Change(p["id"], {**p, "status": "已验收"}, ledger.version(p["id"]))])
    locks.inspect(ledger, _inspection(plan))
    assert ledger.get(p["id"])["status"] == "已验收"


def test_an_inspected_plan_is_locked_until_an_adjustment_comes_with_the_change(ledger, plan):
    p, visit = plan["plan"], plan["autumn"]
    locks.inspect(ledger, _inspection(plan))
    tip = ledger.tip
    # An edit, a new activity, a status set back to 草拟, a deletion: each refused, nothing committed.
    late = _rec("visit", plan=p["id"], date="2007-05-10", kind="送教下乡", host_school=plan["b"],
                visiting_school=plan["a"], hours=5)
    attempts = [
        [Change(visit["id"], {**visit, "hours": 5}, ledger.version(visit["id"]))],
        [Change(late["id"], late, NEW)],
        [Change(p["id"], {**p, "status": "草拟"}, ledger.version(p["id"]))],
        [Change(visit["id"], None, ledger.version(visit["id"]))],
    ]
    for changes in attempts:
        with pytest.raises(InvalidRecord) as err:
            ledger.commit(changes)
        assert _rules(err) == [(changes[0].id, "rule.locked_plan")]
    assert ledger.tip == tip and ledger.get(visit["id"])["hours"] == 3
    # With an adjustment naming the record, in the same commit: accepted, and the reason is kept.
    adjustment = _adjustment(visit["id"])
    ledger.commit([Change(visit["id"], {**visit, "hours": 5}, ledger.version(visit["id"])),
                   Change(adjustment["id"], adjustment, NEW)])
    assert ledger.get(visit["id"])["hours"] == 5 and ledger.get(adjustment["id"])["approver"] == "县教育局 刘建国"
    # An adjustment naming another record does not open this one.
    other = _adjustment(plan["spring"]["id"])
    with pytest.raises(InvalidRecord) as err:
        ledger.commit([Change(late["id"], late, NEW), Change(other["id"], other, NEW)])
    assert _rules(err) == [(late["id"], "rule.locked_plan")]


def test_a_closed_term_is_locked(ledger, plan):
    config = {**ledger.config, "closed_through": "2006-2007-1"}
    ledger.commit_files({"bangfu.json": canonical.dumps(config)}, "ledger: close term 2006-2007-1",
                        {"Action": "close-term", "Term": "2006-2007-1"})
    autumn, spring = plan["autumn"], plan["spring"]
    with pytest.raises(InvalidRecord) as err:
        ledger.put({**autumn, "hours": 4}, base=ledger.version(autumn["id"]))
    assert _rules(err) == [(autumn["id"], "rule.locked_term")]
    assert "2006-2007-1" in err.value.findings[0].text()
    # Moving an activity out of the closed term is a change to it too.
    with pytest.raises(InvalidRecord):
        ledger.put({**autumn, "date": "2007-03-01"}, base=ledger.version(autumn["id"]))
    # The spring term is open.
    ledger.put({**spring, "hours": 4}, base=ledger.version(spring["id"]))
    adjustment = _adjustment(autumn["id"], reason="凭证补登")
    ledger.commit([Change(autumn["id"], {**autumn, "hours": 4}, ledger.version(autumn["id"])),
                   Change(adjustment["id"], adjustment, NEW)])
    assert ledger.get(autumn["id"])["hours"] == 4


def test_the_hub_refuses_a_locked_change_pushed_from_a_site(tmp_path):
    import subprocess

    from store.core import ids
    from store.sync import remote as sync
    from test_sync_local import bangfu, make_hub, make_site

    hub = make_hub(tmp_path / "hub")
    site = make_site(str(hub), tmp_path / "site", "沙河二小")
    a = site.put(_rec("school", name="沙河镇第二中心小学", stage="小学", county="赣榆区", area="镇区")).id
    b = site.put(_rec("school", name="石桥镇第二中心小学", stage="小学", county="赣榆区", area="镇区")).id
    p = _rec("plan", title="沙河二小对口帮扶石桥二小", status="执行中", period={"start": "2006-09-01", "end": "2007-08-31"},
             parties=[{"school": a, "role": "帮扶"}, {"school": b, "role": "受帮扶"}])
    visit = _rec("visit", plan=p["id"], date="2006-10-12", kind="送教下乡", host_school=b, visiting_school=a, hours=3)
    # a plan never inspected: its autumn activity is locked only once the term is closed
    p2 = _rec("plan", title="沙河二小帮扶石桥二小（教研）", status="执行中",
              period={"start": "2006-09-01", "end": "2007-08-31"},
              parties=[{"school": a, "role": "帮扶"}, {"school": b, "role": "受帮扶"}])
    open_visit = _rec("visit", plan=p2["id"], date="2006-10-20", kind="联合教研", host_school=b, visiting_school=a)
    site.commit([Change(r["id"], r, NEW) for r in (p, visit, p2, open_visit)])
    inspection = _rec("inspection", plan=p["id"], date="2007-08-28", inspectors=["刘建国"], result="通过")
    site.commit([Change(inspection["id"], inspection, NEW),
                 Change(p["id"], {**p, "status": "已验收"}, site.version(p["id"]))])
    sync.sync(site)
    # Plain git goes around the site's ledger; the hub refuses the edit and says why.
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(hub), str(work)], check=True)
    path = work / ids.path_of(visit["id"], ids.LATEST)
    path.write_bytes(canonical.dumps({**json.loads(path.read_text(encoding="utf-8")), "hours": 9}))
    subprocess.run(["git", "commit", "-qam", "手工修改"], cwd=work, check=True)
    pushed = subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert pushed.returncode != 0 and "帮扶台账枢纽拒绝了这次推送" in pushed.stderr
    assert "已于 2007-08-28 检查验收" in pushed.stderr and visit["id"] in pushed.stderr
    # An adjustment in a later commit of the push leaves the first one in the history unadjusted;
    # in the same commit, it goes through.
    adjustment = _adjustment(visit["id"])
    (work / ids.path_of(adjustment["id"], ids.LATEST)).parent.mkdir(parents=True, exist_ok=True)
    (work / ids.path_of(adjustment["id"], ids.LATEST)).write_bytes(canonical.dumps(adjustment))
    subprocess.run(["git", "add", "-A"], cwd=work, check=True)
    subprocess.run(["git", "commit", "-qm", "调整"], cwd=work, check=True)
    pushed = subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert pushed.returncode != 0 and visit["id"] in pushed.stderr, pushed.stderr
    subprocess.run(["git", "reset", "-q", "--soft", "HEAD~2"], cwd=work, check=True)
    subprocess.run(["git", "commit", "-qm", "调整并修改"], cwd=work, check=True)
    pushed = subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert pushed.returncode == 0, pushed.stderr
    # The autumn of 2006 is closed at the site (an admin's `bangfu close-term`) and synced: an edit
    # of the other plan's October activity pushed by plain git is refused too, naming the term.
    site.close()
    for step in (("sync",), ("close-term", "2006-2007-1"), ("sync",)):
        done = bangfu("-L", str(tmp_path / "site"), *step)
        assert done.returncode == 0, done.stdout + done.stderr
    subprocess.run(["git", "pull", "-q", "--ff-only"], cwd=work, check=True)
    path = work / ids.path_of(open_visit["id"], ids.LATEST)
    path.write_bytes(canonical.dumps({**json.loads(path.read_text(encoding="utf-8")), "notes": "补记"}))
    subprocess.run(["git", "commit", "-qam", "手工修改"], cwd=work, check=True)
    pushed = subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert pushed.returncode != 0 and open_visit["id"] in pushed.stderr, pushed.stderr
    assert "学期 2006-2007-1 已结账" in pushed.stderr, pushed.stderr


def test_the_audit_lists_every_adjustment(ledger, plan):
    from store.history import audit

    visit = plan["spring"]
    locks.inspect(ledger, _inspection(plan))
    saved = adjustments.adjust(ledger, [Change(visit["id"], {**visit, "hours": 4}, ledger.version(visit["id"]))],
                               reason="春季送教课时补录", approver="县教育局 刘建国", date="2007-09-10")
    result = audit.run(ledger)
    [found] = [f for f in result.findings if f.kind == "adjustment"]
    assert (found.commit_id, found.record, found.level) == (saved[0].commit, saved[1].id, "warning")
    assert "县教育局 刘建国" in found.text() and "春季送教课时补录" in found.text() and visit["id"] in found.text()
    assert result.errors == []


def test_the_command_line_says_why_and_takes_an_adjustment(ledger, plan, capsys):
    from conftest import run

    locks.inspect(ledger, _inspection(plan))
    visit = plan["autumn"]["id"]
    code, out, err = run(capsys, "-L", str(ledger.path), "set", visit, "hours=5")
    assert code == 1 and "已于 2007-08-28 检查验收" in err and "调整记录" in err and "Traceback" not in err
    code, out, err = run(capsys, "-L", str(ledger.path), "set", visit, "hours=5", "--adjust", "补录")
    assert code == 2 and "--approver" in err
    code, out, err = run(capsys, "-L", str(ledger.path), "set", visit, "hours=5", "--adjust", "补录漏记的课时",
                         "--approver", "刘建国")
    assert code == 0, err
    code, out, err = run(capsys, "-L", str(ledger.path), "--lang", "en", "audit")
    assert "adjustment" in out and "刘建国" in out and "补录漏记的课时" in out
