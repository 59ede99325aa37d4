"""What the history says of each save, read back with git itself: the trailers an auditor's tools
read (what was done, to which records, at which site) for an add, an edit, a delete and an import."""
from __future__ import annotations

from conftest import git, school
from store import NEW, Change
from store.core.ids import new_id


def _trailers(ledger) -> str:
    return git(ledger.path, "log", "-1", "--format=%(trailers:only,unfold)")


def test_each_save_says_what_it_did_to_which_record_at_which_site(ledger):
    saved = ledger.put(school())
    assert _trailers(ledger) == (f"Record-Type: school\nRecord-Id: {saved.id}\nAction: add\n"
                                 "Schema-Version: 2\nSite: 测试站\n\n")
    doc = ledger.get(saved.id)
    doc["township"] = "沙河镇"
    ledger.put(doc, base=saved.version)
    assert "Action: edit" in _trailers(ledger)
    ledger.commit([Change(saved.id, None, ledger.version(saved.id))])
    assert "Action: delete" in _trailers(ledger)


def test_an_import_is_named_as_one(ledger):
    a = {**school(), "id": new_id("school")}
    b = {**school("石桥镇第二中心小学", "石桥二小"), "id": new_id("school")}
    ledger.commit([Change(a["id"], a, NEW), Change(b["id"], b, NEW)], action="import", message="导入两所学校")
    trailers = _trailers(ledger)
    assert "Action: import" in trailers
    assert f"Record-Id: {a['id']}" in trailers and f"Record-Id: {b['id']}" in trailers
    assert git(ledger.path, "log", "-1", "--format=%s") == "导入两所学校\n"
