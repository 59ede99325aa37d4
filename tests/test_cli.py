"""The `bangfu` command as a newcomer meets it: real processes, real ledgers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import git, school
from store.core import ids
from store.rules.schema import PROJECT_SCHEMAS
from store.ledger.ledger import SCHEMA_VERSION


def bangfu(*args: str, input: str | None = None, env: dict | None = None, cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "bangfu", *args], input=input, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd)


@pytest.fixture
def led(tmp_path):
    path = tmp_path / "ledger"
    r = bangfu("init", str(path), "--site", "沙河二小")
    assert r.returncode == 0, r.stderr
    r = bangfu("-L", str(path), "key", "init")  # the privacy commands; harmless if keys exist
    return path


def add(led: Path, rtype: str, record: dict) -> str:
    r = bangfu("-L", str(led), "add", rtype, "-", input=json.dumps(record, ensure_ascii=False))
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_newcomer_adds_a_visit_from_a_file_and_sees_it(led, tmp_path):
    a = add(led, "school", school())
    b = add(led, "school", school("石桥镇第二中心小学", "石桥二小"))
    p = add(led, "plan", {"title": "结对帮扶计划", "period": {"start": "2006-09-01", "end": "2007-08-31"},
                          "parties": [{"school": a, "role": "帮扶"}, {"school": b, "role": "受帮扶"}],
                          "status": "执行中"})
    f = tmp_path / "visit.json"
    f.write_text(json.dumps({"plan": p, "kind": "送教下乡", "date": "2006-10-12", "host_school": b,
                             "visiting_school": a, "hours": 4}, ensure_ascii=False), encoding="utf-8")
    r = bangfu("-L", str(led), "add", "visit", str(f))
    assert r.returncode == 0 and ids.is_id(r.stdout.strip())
    listed = bangfu("-L", str(led), "list", "visit")
    assert "2006-10-12 送教下乡 沙河二小 → 石桥二小" in listed.stdout
    assert "测试员" in git(led, "log", "-1", "--format=%an", "main")
    as_json = json.loads(bangfu("-L", str(led), "--json", "list", "visit", "--where", "hours=4").stdout)
    assert [v["id"] for v in as_json] == [r.stdout.strip()]


def test_broken_input_gets_clear_message_and_exit_code(led, tmp_path):
    r = bangfu("-L", str(led), "add", "school", "-", input='{"name": "x",')
    assert r.returncode == 1 and "不是有效的 JSON" in r.stderr and "第 1 行" in r.stderr
    assert "Traceback" not in r.stderr
    r = bangfu("-L", str(led), "add", "school", "-", input='{"name": "x", "stage": "大学", "colour": 1}')
    assert r.returncode == 1
    assert "的字段「colour」" in r.stderr and "的字段「学段」" in r.stderr and "大学" in r.stderr and "的字段「县（区）」" in r.stderr
    r = bangfu("-L", str(led), "--lang", "en", "add", "school", "-", input='{"name": "x"}')
    assert r.returncode == 1 and "required field" in r.stderr
    r = bangfu("-L", str(led), "show", "visit-../../etc/passwd")
    assert r.returncode == 1 and "不是有效的记录编号" in r.stderr
    r = bangfu("-L", str(tmp_path), "list", "school")
    assert r.returncode == 2 and "不是帮扶台账" in r.stderr
    r = bangfu("-L", str(led), "list", "nosuchtype")
    assert r.returncode == 2
    r = bangfu("-L", str(led), "--json", "add", "school", "-", input='{"name": "x"}')
    payload = json.loads(r.stderr)
    assert payload["error"] == "error.invalid" and {f["field"] for f in payload["findings"]} >= {"county", "stage"}


def test_set_and_conflict_exit_codes(led):
    sid = add(led, "school", school())
    r = bangfu("-L", str(led), "set", sid, "township=沙河镇", "headcount.classes=24", "headcount.counted_on=2006-09-01")
    assert r.returncode == 0, r.stderr
    shown = json.loads(bangfu("-L", str(led), "--json", "show", sid).stdout)
    assert shown["township"] == "沙河镇" and shown["headcount"]["classes"] == 24
    r = bangfu("-L", str(led), "set", sid, "headcount.classes=很多")
    assert r.returncode == 1 and "的字段「规模.班级数」" in r.stderr
    r = bangfu("-L", str(led), "set", sid, "id=x")
    assert r.returncode == 2


def test_rm_refused_while_referenced(led):
    a = add(led, "school", school())
    b = add(led, "school", school("石桥镇第二中心小学", "石桥二小"))
    p = add(led, "plan", {"title": "计划", "period": {"start": "2006-09-01", "end": "2007-08-31"},
                          "parties": [{"school": a, "role": "帮扶"}, {"school": b, "role": "受帮扶"}],
                          "status": "草拟"})
    r = bangfu("-L", str(led), "rm", a, "--reason", "重复")
    assert r.returncode == 1 and "· 计划（结对帮扶计划，字段「结对学校 › 学校」）" in r.stderr and p not in r.stderr
    r = bangfu("-L", str(led), "rm", p, "--reason", "计划取消")
    assert r.returncode == 0
    assert "Reason: 计划取消" in git(led, "log", "-1", "--format=%B", "main")


def test_edit_reopens_with_errors_and_keeps_what_was_typed(led, tmp_path):
    sid = add(led, "school", school())
    # A real editor program: the first run types a bad stage, the second fixes it.
    script = tmp_path / "editor.py"
    script.write_text(textwrap.dedent(f"""
        import json, sys, pathlib
        path = pathlib.Path(sys.argv[1])
        text = path.read_text(encoding="utf-8")
        runs = pathlib.Path({str(tmp_path / 'runs')!r})
        n = int(runs.read_text()) if runs.exists() else 0
        runs.write_text(str(n + 1))
        pathlib.Path({str(tmp_path)!r}, f"seen{{n}}.txt").write_text(text, encoding="utf-8")
        body = json.loads("".join(l for l in text.splitlines(True) if not l.startswith("//")))
        body["stage"] = "大学" if n == 0 else "初中"
        body["notes"] = "第{{}}次编辑".format(n + 1)
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    """), encoding="utf-8")
    r = bangfu("-L", str(led), "edit", sid, env={"EDITOR": f"{sys.executable} {script}"})
    assert r.returncode == 0, r.stderr
    second = (tmp_path / "seen1.txt").read_text(encoding="utf-8")
    assert second.startswith("//") and "大学" in second and "第1次编辑" in second  # errors on top, typing kept
    assert json.loads(bangfu("-L", str(led), "--json", "show", sid).stdout)["stage"] == "初中"


def test_validate_log_and_fmt(led):
    sid = add(led, "school", school())
    r = bangfu("-L", str(led), "validate")
    assert r.returncode == 0 and "台账有效" in r.stdout
    r = bangfu("-L", str(led), "validate", "--history")
    assert r.returncode == 0
    r = bangfu("-L", str(led), "log", sid)
    assert "[新增]" in r.stdout and "测试员" in r.stdout
    assert bangfu("-L", str(led), "fmt", "--check").returncode == 0


def test_validate_reports_a_hand_committed_invalid_record(led, tmp_path):
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(led), str(work))
    rid = ids.new_id("school")
    path = work / ids.path_of(rid, ids.LATEST)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"id": rid, "type": "school", "schema_version": 1, "name": "x"}), encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "by hand")
    git(work, "push", "-q", "origin", "main")
    r = bangfu("-L", str(led), "validate")
    assert r.returncode == 1 and rid in r.stdout and "规范格式" in r.stdout and "的字段「县（区）」" in r.stdout
    r = bangfu("-L", str(led), "--json", "validate", "--history")
    found = json.loads(r.stdout)["findings"]
    assert r.returncode == 1 and any(f["record"] == rid and f["commit"] for f in found)
    assert bangfu("-L", str(led), "fmt", "--check").returncode == 1


def test_ledger_from_environment_and_current_directory(led):
    sid = add(led, "school", school())
    assert sid in bangfu("list", "school", env={"BANGFU_LEDGER": str(led)}).stdout
    assert sid in bangfu("list", "school", cwd=led).stdout


def test_help_in_both_languages():
    assert "新建台账" in bangfu("--help").stdout
    assert "create a ledger" in bangfu("--lang", "en", "--help").stdout
    assert bangfu("list", "--help").returncode == 0


def test_schema_upgrade_checks_every_record_then_commits_once(led, tmp_path):
    sid = add(led, "school", school())
    r = bangfu("-L", str(led), "schema-upgrade")
    assert r.returncode == 0 and f"已是最新（第 {SCHEMA_VERSION} 版）" in r.stdout
    new = tmp_path / "schemas"
    new.mkdir()
    for f in PROJECT_SCHEMAS.glob("*.json"):
        (new / f.name).write_bytes(f.read_bytes())
    doc = json.loads((new / "school.json").read_text(encoding="utf-8"))
    doc["properties"]["motto"] = {"type": "string", "maxLength": 100, "title": "校训"}
    doc["required"] = [*doc.get("required", []), "motto"]
    (new / "school.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    before = git(led, "rev-parse", "main")
    # A record the new schemas would reject: named, with the field and the rule; nothing committed.
    r = bangfu("-L", str(led), "schema-upgrade", str(new), "--note", "校训")
    assert r.returncode == 1 and sid in r.stderr and "motto" in r.stderr and "Traceback" not in r.stderr
    assert git(led, "rev-parse", "main") == before
    r = bangfu("-L", str(led), "--read-only", "schema-upgrade", str(new))
    assert r.returncode == 1 and "只读" in r.stderr
    doc["required"].remove("motto")
    (new / "school.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    r = bangfu("-L", str(led), "schema-upgrade", str(new), "--note", "校训")
    assert r.returncode == 0 and f"第 {SCHEMA_VERSION + 1} 版（school.json）" in r.stdout, r.stderr
    message = git(led, "log", "-1", "--format=%B", "main")
    assert f"schema upgrade to version {SCHEMA_VERSION + 1} (校训)" in message and "Action: schema-upgrade" in message
    r = bangfu("-L", str(led), "set", sid, "motto=勤学")
    assert r.returncode == 0, r.stderr
    r = bangfu("-L", str(led), "--lang", "en", "schema-upgrade", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "holds no schema files" in r.stderr


def test_demo_builds_a_throw_away_ledger_with_its_key_beside_it(tmp_path):
    keys_before = set(Path(os.environ["BANGFU_KEYS"]).iterdir())
    r = bangfu("demo", "--no-tui", env={"TMPDIR": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path.parent.parent == tmp_path and path.name == "ledger"
    assert (path.parent / "keys.json").is_file()                       # beside it, outside the repository
    assert set(Path(os.environ["BANGFU_KEYS"]).iterdir()) == keys_before  # not among the user's keys
    listed = json.loads(bangfu("-L", str(path), "--json", "list", "student").stdout)
    assert len(listed) > 10
    rid = listed[0]["id"]
    shown = bangfu("-L", str(path), "reveal", rid, "id_number", "--reason", "演示核对")
    assert shown.returncode == 0, shown.stderr
    revealed = shown.stdout.strip()
    assert len(revealed) == 18 and revealed[:17].isdigit()
    stored = bangfu("-L", str(path), "show", rid).stdout
    assert revealed not in stored and f"{revealed[:4]}**********{revealed[-4:]}" in stored   # masked at rest
