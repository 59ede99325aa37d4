"""Deliberate acts on personal data, each recorded in the ledger: reveal (查看), erasure (删除个人信息),
and duplicates caught by keyed hash. Real ledgers and key files; the CLI runs in-process."""
from __future__ import annotations

import base64
import datetime as dt
import json
import shutil

import pytest

from conftest import git, run, school
from store.core import ids
from store.privacy import protect
from store.core.errors import InvalidRecord
from store import NEW, Change, Ledger
from store.privacy.acts import apply_erasures, attach_keys, key_path, record_reveal
from store.privacy.errors import Erased, RevealNoKey, RevealReadOnly, SealBroken
from store.rules import protected

ID_A, ID_B = "11010519491231002X", "340521201205050027"
PHONE = "13987654321"
ADDRESS = "宁夏回族自治区海原县史店乡田拐村七队"


def student(school_id: str, name: str = "马丽娟", **identity: str) -> dict:
    return {"type": "student", "schema_version": 1, "name": name, "sex": "女", "school": school_id,
            "stage": "小学", "grade": "二年级", "class_name": "1班", "boarding": False,
            "events": [{"date": "2025-09-01", "event": "认定"}], "identity": identity}


@pytest.fixture
def led(ledger):
    """The conftest ledger (keys held) with a school, a student with identifiers, a payment."""
    sch = ledger.put({**school(), "schema_version": 1}).id
    sid = ledger.put(student(sch, id_number=ID_A, phone=PHONE, address=ADDRESS)).id
    ledger.put({"type": "aid", "schema_version": 1, "student": sid, "programme": "营养改善计划",
                "term": "2025-2026-2", "amount_fen": 36800, "days": 92, "method": "餐费抵扣", "source": "中央",
                "paid_on": "2026-03-31"})
    ledger.sid, ledger.school_id = sid, sch
    return ledger


def events(ledger) -> list[dict]:
    ledger.refresh()
    return sorted(ledger.records("event"), key=lambda e: e["id"])


# ---- reveal ------------------------------------------------------------------------------------

def test_reveal_returns_the_value_and_records_who_what_why(led, capsys):
    path = str(led.path)
    code, out, err = run(capsys, "-L", path, "reveal", led.sid, "id_number", "--reason", "核对资助名单")
    assert code == 0 and out.strip() == ID_A
    [event] = events(led)
    assert {k: event[k] for k in ("action", "actor", "subject", "field", "reason")} == {
        "action": "查看", "actor": "测试员 <tester@example.cn>", "subject": led.sid,
        "field": "identity.id_number", "reason": "核对资助名单"}
    assert abs(dt.datetime.fromisoformat(event["at"]) - dt.datetime.now().astimezone()) < dt.timedelta(minutes=5)
    log = git(led.path, "log", "-1", "--format=%B", "main")
    assert "Action: reveal" in log and led.sid in log
    assert ID_A not in json.dumps(event, ensure_ascii=False) and ID_A not in log

    # The dashboard's call: the same, from the store.
    assert record_reveal(led, led.sid, ("identity", "address"), "家访前核对住址") == ADDRESS
    assert [e["field"] for e in events(led)] == ["identity.id_number", "identity.address"]


def test_reveal_refusals_say_why_and_leave_no_value(led, capsys, tmp_path, monkeypatch):
    path = str(led.path)
    code, out, err = run(capsys, "-L", path, "--read-only", "reveal", led.sid, "id_number", "--reason", "审计")
    assert code == 1 and "只读" in err and ID_A not in out + err
    code, out, err = run(capsys, "-L", path, "reveal", led.sid, "id_number", "--reason", f"核对 {ID_A}")
    assert code == 1 and "原因里不能写身份证号" in err and ID_A not in err
    code, out, err = run(capsys, "-L", path, "reveal", led.sid, "id_number", "--reason", "  ")
    assert code == 2 and "--reason" in err
    code, out, err = run(capsys, "-L", path, "reveal", led.sid, "name", "--reason", "核对")
    assert code == 1 and "不是受保护的个人信息字段" in err
    code, out, err = run(capsys, "-L", path, "reveal", led.sid, "bank_card", "--reason", "核对")
    assert code == 1 and "没有填写" in err
    assert events(led) == []

    read_only = Ledger(led.path, read_only=True)
    attach_keys(read_only)
    with pytest.raises(RevealReadOnly):
        record_reveal(read_only, led.sid, "id_number", "审计抽查")
    monkeypatch.setenv("BANGFU_KEYS", str(tmp_path / "elsewhere"))
    keyless = Ledger(led.path)
    attach_keys(keyless)
    with pytest.raises(RevealNoKey) as no_key:
        record_reveal(keyless, led.sid, "id_number", "核对")
    assert "1101**********002X" in str(no_key.value) and ID_A not in str(no_key.value)
    assert events(led) == []


# ---- erasure -------------------------------------------------------------------------------------

def all_data_keys(key_file) -> list[bytes]:
    state = json.loads(key_file.read_text())
    return [base64.b64decode(k) for g in state["generations"].values() for ks in g["data_keys"].values() for k in ks]


def test_erasure_makes_every_commit_unrevealable_and_keeps_the_rest(led, capsys, tmp_path):
    path = str(led.path)
    key_file = key_path(led)
    before_key = tmp_path / "keys-before.json"
    shutil.copy(key_file, before_key)  # another site's copy, taken before the erasure
    # A second sealed version in the history (the phone typed as a number is sealed as text).
    assert run(capsys, "-L", path, "set", led.sid, "identity.phone=13800001111")[0] == 0
    aid_before = [a for a in Ledger(led.path).records("aid")]

    code, out, err = run(capsys, "-L", path, "erase", led.sid, "--reason", "毕业满五年，按保存期限销毁")
    assert code == 0, err
    message = git(led.path, "log", "-1", "--format=%B", "main")
    assert "erase" in message and "毕业满五年，按保存期限销毁" in message and "Action: erase" in message

    with Ledger(led.path) as after:
        attach_keys(after)
        record = after.get(led.sid)
        assert record["identity"] == {}   # no sealed value, masked form or hash stays
        assert list(after.records("aid")) == aid_before  # the money stays
        [event] = [e for e in after.records("event")]
        assert (event["action"], event["subject"], event["reason"]) == ("删除个人信息", led.sid, "毕业满五年，按保存期限销毁")
        assert led.sid in after.keys.erased and not after.keys.data_keys(led.sid)
        # Every sealed value of the student in every commit stays shut under every key left here.
        remaining = all_data_keys(key_file)
        schemas = after.schemas()
        sealed = []
        for commit in git(led.path, "rev-list", "main", "--", ids.path_of(led.sid, ids.LATEST)).split():
            old = after.read_at(led.sid, commit)
            for p in protected.field_paths(old or {}, schemas):
                node = protected.get_path(old, p)
                if protected.is_protected(node) and node.get("sealed"):
                    sealed.append(p)
                    with pytest.raises(Erased):
                        protect.reveal(old, p, schemas, after.keys)
                    with pytest.raises(SealBroken):
                        protect.unseal(remaining, led.sid, p, node["sealed"])
        assert len(sealed) == 6  # two versions with three sealed values each
    code, out, err = run(capsys, "-L", path, "reveal", led.sid, "id_number", "--reason", "核对")
    assert code == 1 and "已按要求销毁" in err
    assert run(capsys, "-L", path, "validate")[0] == 0
    assert run(capsys, "-L", path, "validate", "--history")[0] == 0

    # Another key-holding site gets the erasure with the history and drops its copy of the key.
    site2 = tmp_path / "site2"
    git(tmp_path, "clone", "-q", "--bare", path, str(site2))
    (tmp_path / "site2keys").mkdir()
    with Ledger(site2) as other:
        copy = tmp_path / "site2keys" / key_file.name
        shutil.copy(before_key, copy)
        copy.chmod(0o600)
        other.git.set_config("bangfu.keyfile", str(copy))
        assert json.loads(copy.read_text())["generations"]  # the student's key is still here...
        attach_keys(other)  # ...until the ledger is opened
        assert led.sid in other.keys.erased and not other.keys.data_keys(led.sid)
        assert apply_erasures(other) == []  # done once
    assert not any(led.sid in g["data_keys"] for g in json.loads(copy.read_text())["generations"].values())


def test_the_dashboard_applies_an_erasure_made_elsewhere_once_it_is_open(led, capsys, tmp_path):
    """The dashboard paints before it reads every record; erasures recorded in the ledger (which
    need them) destroy the keys here right after, and the student's identifiers stay masked."""
    import asyncio

    from tui.app import BangfuApp

    key_file = key_path(led)
    before_key = tmp_path / "keys-before.json"
    shutil.copy(key_file, before_key)   # this site's copy of the keys, before the other site erased
    assert run(capsys, "-L", str(led.path), "erase", led.sid, "--reason", "毕业满五年，按保存期限销毁")[0] == 0
    shutil.copy(before_key, key_file)
    key_file.chmod(0o600)
    opened = Ledger(led.path)
    attach_keys(opened, erase=False)    # as `bangfu` opens the dashboard
    assert opened.keys.data_keys(led.sid)

    async def open_dashboard() -> None:
        app = BangfuApp(opened, today=dt.date(2026, 11, 25), poll_interval=3600)
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(5):
                await pilot.pause()
                await app.workers.wait_for_complete()

    asyncio.run(open_dashboard())
    assert led.sid in opened.keys.erased and not opened.keys.data_keys(led.sid)
    assert not any(led.sid in g["data_keys"] for g in json.loads(key_file.read_text())["generations"].values())


def test_erasure_needs_a_reason_and_a_writable_ledger(led, capsys):
    code, out, err = run(capsys, "-L", str(led.path), "--read-only", "erase", led.sid, "--reason", "申请")
    assert code == 1 and "只读" in err
    code, out, err = run(capsys, "-L", str(led.path), "erase", led.school_id, "--reason", "申请")
    assert code == 1 and "无可销毁" in err
    assert led.sid not in led.keys.erased and led.keys.data_keys(led.sid)


# ---- duplicates --------------------------------------------------------------------------------------

def test_duplicate_id_number_is_an_error_naming_the_other_student(led, capsys, tmp_path):
    with pytest.raises(InvalidRecord) as dup:
        led.put(student(led.school_id, "马丽", id_number=ID_A.lower()))  # typed another way: same person
    [finding] = dup.value.findings
    assert finding.path == ("identity", "id_number") and finding.params["other"] == led.sid
    assert "马丽娟" in finding.text() and led.sid in finding.text() and ID_A not in str(dup.value)

    # An import of several students: against the ledger and within the batch itself.
    f = tmp_path / "import.json"
    f.write_text(json.dumps([student(led.school_id, "甲", id_number=ID_B), student(led.school_id, "乙", id_number=ID_B),
                             student(led.school_id, "丙", id_number="622423201303030034")], ensure_ascii=False),
                 encoding="utf-8")
    code, out, err = run(capsys, "-L", str(led.path), "add", "student", str(f))
    assert code == 1 and err.count("同一个学生不能登记两次") == 2 and "甲" in err and "乙" in err
    assert led.count("student") == 1

    # Sealed values are compared by their hash alone: what a site without the key can still do.
    other = led.put(student(led.school_id, "丁", id_number=ID_B))
    record = led.get(other.id)
    record["identity"]["id_number"] = led.get(led.sid)["identity"]["id_number"]  # copied by hand
    with pytest.raises(InvalidRecord):
        led.commit([Change(other.id, record, led.version(other.id))])
    fresh = led.put(student(led.school_id, "戊"))
    assert fresh.commit and not [f for f in led.check(led.get(fresh.id)) if f.level == "error"]


def test_batch_with_new_students_after_duplicate_is_fixed(led):
    saved = led.commit([Change(r["id"], r, NEW) for r in (
        {**student(led.school_id, "己", id_number=ID_B), "id": "student-01M7W3Q459Y4R787NE9EJM48M2"},
        {**student(led.school_id, "庚", student_no="G340521201205050027"), "id": "student-01M7W3Q459Y4R787NE9EJM48M3"})])
    assert all(s.commit for s in saved)
    with pytest.raises(InvalidRecord) as dup:
        led.put(student(led.school_id, "辛", student_no="g340521201205050027"))
    assert dup.value.findings[0].path == ("identity", "student_no") and "庚" in dup.value.findings[0].text()


def test_an_identity_that_is_not_an_object_is_a_schema_message(ledger, capsys):
    """`"identity": true` in a student typed by hand crashed the ID check that runs before sealing
    (found by test_cli_fuzz): it is the schema's message, nothing committed."""
    sid = ledger.put(school()).id
    student = {"type": "student", "schema_version": 1, "name": "李明", "sex": "男", "school": sid, "stage": "小学",
               "grade": "五年级", "events": [{"date": "2024-09-01", "event": "认定"}], "identity": True}
    tip = ledger.git.tip()
    with pytest.raises(InvalidRecord) as caught:
        ledger.put(student)
    assert [f.field_path for f in caught.value.findings] == ["identity"] and ledger.git.tip() == tip
