"""The ledger's keys as coordinators handle them: `bangfu key init|export|import|status|rotate`,
a clone without the key, rotation. Real ledgers, real key files, real git clones."""
from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git, run, school
from store.privacy import protect
from store import Ledger
from store.privacy.acts import attach_keys, key_path
from store.privacy.errors import KeyGenerationMissing, SealBroken
from store.rules import protected

ID_A, ID_B, ID_C = "11010519491231002X", "110105200801010014", "340521201001010015"
PHONE = "13812345678"
ADDRESS = "安徽省金寨县沙河乡红旗村3组12号"
PASS = "水田 correct horse"


def student(school_id: str, name: str, id_number: str, **identity: str) -> dict:
    return {"type": "student", "schema_version": 1, "name": name, "sex": "男", "school": school_id,
            "stage": "小学", "grade": "三年级", "class_name": "2班",
            "events": [{"date": "2025-09-01", "event": "认定"}],
            "identity": {"id_number": id_number, **identity}}


@pytest.fixture
def led(tmp_path, capsys):
    """A bare ledger made with the commands, its key created with `bangfu key init`, three students."""
    path = tmp_path / "ledger"
    assert run(capsys, "init", str(path), "--site", "沙河二小")[0] == 0
    code, out, err = run(capsys, "-L", str(path), "key", "init")
    assert code == 0, err
    f = tmp_path / "school.json"
    f.write_text(json.dumps(school(), ensure_ascii=False), encoding="utf-8")
    code, sid, err = run(capsys, "-L", str(path), "add", "school", str(f))
    assert code == 0, err
    f.write_text(json.dumps([student(sid.strip(), "张小伟", ID_A, phone=PHONE, address=ADDRESS),
                             student(sid.strip(), "李小红", ID_B), student(sid.strip(), "王小明", ID_C)],
                            ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "-L", str(path), "add", "student", str(f))
    assert code == 0, err
    return path


def students(path) -> dict[str, dict]:
    with Ledger(path) as ledger:
        return {s["name"]: s for s in ledger.records("student")}


def passphrase_file(tmp_path, text: str = PASS, name: str = "pass.txt"):
    f = tmp_path / name
    f.write_text(text + "\n", encoding="utf-8")
    f.chmod(0o600)
    return f


def test_key_init_creates_a_private_key_file_outside_the_repository(led, capsys):
    with Ledger(led) as ledger:
        path = key_path(ledger)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not str(path).startswith(str(led))
    code, out, err = run(capsys, "-L", str(led), "key", "init")
    assert code == 1 and "已存在" in err and "不会覆盖" in err
    code, out, err = run(capsys, "-L", str(led), "key", "status")
    assert code == 0 and str(path) in out and "0600" in out and "加密的值：5 个" in out


def test_group_path_is_0640_and_written_to_git_config(tmp_path, capsys):
    path = tmp_path / "ledger"
    run(capsys, "init", str(path))
    shared = tmp_path / "srv" / "bangfu" / "county.json"
    code, out, err = run(capsys, "-L", str(path), "key", "init", "--group-path", str(shared))
    assert code == 0, err
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o640 and "0640" in out
    assert git(path, "config", "bangfu.keyfile").strip() == str(shared.resolve())
    with Ledger(path) as ledger:
        attach_keys(ledger)
        assert ledger.keys is not None and ledger.keys.path == shared.resolve()
    inside = tmp_path / "ledger" / "keys.json"
    other = tmp_path / "other"
    run(capsys, "init", str(other))
    code, out, err = run(capsys, "-L", str(other), "key", "init", "--group-path", str(other / "k.json"))
    assert code == 1 and "仓库内" in err and not (other / "k.json").exists() and not inside.exists()


def test_world_readable_key_file_is_refused(led, capsys):
    with Ledger(led) as ledger:
        path = key_path(ledger)
    path.chmod(0o644)
    sid = students(led)["张小伟"]["id"]
    for args in (["show", sid], ["reveal", sid, "id_number", "--reason", "核对"], ["key", "status"]):
        code, out, err = run(capsys, "-L", str(led), *args)
        assert code == 1 and "0644" in err and "chmod 600" in err and "Traceback" not in err
    path.chmod(0o600)
    assert run(capsys, "-L", str(led), "show", sid)[0] == 0


def test_key_init_refused_where_values_are_sealed_under_another_key(led, tmp_path, capsys, monkeypatch):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--bare", str(led), str(clone))
    monkeypatch.setenv("BANGFU_KEYS", str(tmp_path / "nokeys"))
    code, out, err = run(capsys, "-L", str(clone), "key", "init")
    assert code == 1 and "5 个加密的个人信息" in err and "bangfu key import" in err
    assert not (tmp_path / "nokeys").exists() or not list((tmp_path / "nokeys").iterdir())


def test_clone_without_key_sees_masked_values_and_edits_other_fields(led, tmp_path, capsys, monkeypatch):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--bare", str(led), str(clone))
    monkeypatch.setenv("BANGFU_KEYS", str(tmp_path / "nokeys"))
    zhang = students(led)["张小伟"]
    code, out, err = run(capsys, "-L", str(clone), "show", zhang["id"])
    assert code == 0 and "1101**********002X" in out and "138****5678" in out
    assert ID_A not in out and PHONE not in out and ADDRESS not in out
    code, out, err = run(capsys, "-L", str(clone), "reveal", zhang["id"], "id_number", "--reason", "核对")
    assert code == 1 and "没有本台账的密钥" in err and "1101**********002X" in err and ID_A not in err
    code, out, err = run(capsys, "-L", str(clone), "key", "status")
    assert code == 0 and "本机没有本台账的密钥" in out and "加密的值：5 个" in out
    code, out, err = run(capsys, "-L", str(clone), "set", zhang["id"], "grade=四年级", "class_name=1班")
    assert code == 0, err
    after = students(clone)["张小伟"]
    assert after["grade"] == "四年级" and after["identity"] == zhang["identity"]  # sealed values carried over
    # A new identifier cannot be sealed without the key: refused, never committed in clear.
    code, out, err = run(capsys, "-L", str(clone), "set", zhang["id"], f"identity.student_no=G{ID_A}")
    assert code == 1 and "bangfu key import" in err and ID_A not in err
    assert ID_A.encode() not in git_objects(clone)


def git_objects(repo) -> bytes:
    return subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo,
                          capture_output=True, check=True).stdout


def test_export_and_import_bring_the_key_to_another_site(led, tmp_path, capsys, monkeypatch):
    export = tmp_path / "out" / "county.bfkeys"
    export.parent.mkdir()
    pw = passphrase_file(tmp_path)
    code, out, err = run(capsys, "-L", str(led), "key", "export", "--out", str(export), "--passphrase-file", str(pw))
    assert code == 0, err
    assert stat.S_IMODE(os.stat(export).st_mode) == 0o600
    with Ledger(led) as ledger:
        state = json.loads(key_path(ledger).read_text())
    blob = export.read_text()
    assert state["hmac_key"] not in blob and all(k[0] not in blob for g in state["generations"].values()
                                                 for k in g["data_keys"].values())
    code, out, err = run(capsys, "-L", str(led), "key", "export", "--out", str(export), "--passphrase-file", str(pw))
    assert code == 2 and "不会覆盖" in err
    pw.chmod(0o644)
    code, out, err = run(capsys, "-L", str(led), "key", "export", "--out", str(tmp_path / "x"), "--passphrase-file",
                         str(pw))
    assert code == 2 and "chmod 600" in err
    pw.chmod(0o600)

    clone = tmp_path / "site2"
    git(tmp_path, "clone", "-q", "--bare", str(led), str(clone))
    monkeypatch.setenv("BANGFU_KEYS", str(tmp_path / "site2keys"))
    zhang = students(led)["张小伟"]["id"]
    wrong = passphrase_file(tmp_path, "not the passphrase", "wrong.txt")
    code, out, err = run(capsys, "-L", str(clone), "key", "import", str(export), "--passphrase-file", str(wrong))
    assert code == 1 and "口令不对" in err
    code, out, err = run(capsys, "-L", str(clone), "key", "import", str(export), "--passphrase-file", str(pw))
    assert code == 0, err
    imported = tmp_path / "site2keys"
    assert [stat.S_IMODE(os.stat(f).st_mode) for f in imported.glob("*.json")] == [0o600]
    code, out, err = run(capsys, "-L", str(clone), "reveal", zhang, "identity.id_number", "--reason", "核对名单")
    assert code == 0 and out.strip() == ID_A

    stranger = tmp_path / "stranger"
    run(capsys, "init", str(stranger))
    code, out, err = run(capsys, "-L", str(stranger), "key", "import", str(export), "--passphrase-file", str(pw))
    assert code == 1 and "不属于同一套" in err


def test_passphrase_is_never_taken_without_a_terminal_or_file(led, tmp_path):
    # A real process with no controlling terminal: no prompt can be shown, so it says what to do.
    proc = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(led), "key", "export", "--out",
                           str(tmp_path / "k.bfkeys")], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          start_new_session=True)
    assert proc.returncode == 2 and "--passphrase-file" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "k.bfkeys").exists()


def test_rotation_reseals_every_value_in_one_commit(led, capsys):
    with Ledger(led) as ledger:
        path = key_path(ledger)
        before_tip = ledger.tip
    old_state = json.loads(path.read_text())
    old_id = old_state["current"]
    old_keys = {sid: [base64.b64decode(k) for k in ks]
                for sid, ks in old_state["generations"][old_id]["data_keys"].items()}
    clear = {}
    with Ledger(led) as ledger:
        attach_keys(ledger)
        schemas = ledger.schemas()
        for s in ledger.records("student"):
            for p in protected.field_paths(s, schemas):
                clear[(s["id"], p)] = protect.reveal(s, p, schemas, ledger.keys)

    code, out, err = run(capsys, "-L", str(led), "key", "rotate", "--reason", "定期轮换")
    assert code == 0, err
    new_state = json.loads(path.read_text())
    assert new_state["current"] != old_id and list(new_state["generations"]) == [new_state["current"]]
    assert old_id in new_state["retired"]

    commits = git(led, "rev-list", f"{before_tip}..main").split()
    assert len(commits) == 1  # every value re-sealed, and the event, in ONE commit
    message = git(led, "log", "-1", "--format=%B", "main")
    assert "Action: rotate" in message and all(s["id"] in message for s in students(led).values())
    with Ledger(led) as ledger:
        attach_keys(ledger)
        schemas = ledger.schemas()
        assert [e["action"] for e in ledger.records("event")] == ["密钥轮换"]
        for s in ledger.records("student"):
            for p in protected.field_paths(s, schemas):
                node = protected.get_path(s, p)
                assert node["key"] == new_state["current"]
                assert protect.reveal(s, p, schemas, ledger.keys) == clear[(s["id"], p)]  # the new key opens it
                with pytest.raises(SealBroken):
                    protect.unseal(old_keys[s["id"]], s["id"], p, node["sealed"])  # the old key does not
            # The values committed before the rotation were sealed under the destroyed generation.
            old = ledger.read_at(s["id"], before_tip)
            for p in protected.field_paths(old, schemas):
                with pytest.raises(KeyGenerationMissing):
                    protect.reveal(old, p, schemas, ledger.keys)
    assert run(capsys, "-L", str(led), "validate")[0] == 0


def test_rotation_cut_short_is_finished_by_running_it_again(led, capsys):
    with Ledger(led) as ledger:
        attach_keys(ledger)
        ledger.keys.rotate()  # as if `key rotate` had died before committing
        new_key = ledger.keys.key_id
    code, out, err = run(capsys, "-L", str(led), "key", "status")
    assert "轮换未完成" in out
    code, out, err = run(capsys, "-L", str(led), "key", "rotate")
    assert code == 0, err
    with Ledger(led) as ledger:
        attach_keys(ledger)
        assert ledger.keys.key_ids == [new_key]
        schemas = ledger.schemas()
        for s in ledger.records("student"):
            assert protect.reveal(s, ("identity", "id_number"), schemas, ledger.keys) in (ID_A, ID_B, ID_C)


WRITER = """
import sys, time
from store.rules import idcard
from store.core.errors import Conflict
from store import Ledger
from store.privacy.acts import attach_keys
path, school, tag, until = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
ledger = Ledger(path)
attach_keys(ledger)
n = 0
while time.time() < until:
    first17 = "1101052012%02d%02d%03d" % (1 + n % 12, 1 + n % 28, 100 * int(tag) + n % 100)
    try:
        ledger.put({"type": "student", "schema_version": 1, "name": "学生%s-%d" % (tag, n), "sex": "女",
                    "school": school, "stage": "小学", "grade": "三年级",
                    "events": [{"date": "2025-09-01", "event": "认定"}],
                    "identity": {"id_number": first17 + idcard.check_char(first17)}})
    except Conflict:      # "the ledger is busy": as a coordinator would, try again a moment later
        time.sleep(0.1)
        continue
    n += 1
    time.sleep(0.01)
print(n)
"""


def test_rotations_while_others_add_students_leave_every_value_readable(led, capsys, tmp_path):
    """Two other coordinators keep adding students (each one sealed as it is saved) while the key
    is rotated three times: no value may end up under a generation a rotation destroyed."""
    import time
    root = Path(__file__).resolve().parent.parent
    school_id = next(iter(students(led).values()))["school"]
    until = time.time() + 6
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(led), school_id, str(n), str(until)],
                                cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in (1, 2)]
    time.sleep(0.5)
    for _ in range(3):
        code, out, err = run(capsys, "-L", str(led), "key", "rotate", "--reason", "并发轮换")
        assert code == 0, err
    added = []
    for w in writers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        added.append(int(out.strip()))
    assert min(added) > 0
    with Ledger(led) as ledger:
        attach_keys(ledger)
        schemas = ledger.schemas()
        everyone = list(ledger.records("student"))
        assert len(everyone) == 3 + sum(added)
        for s in everyone:
            assert protect.reveal(s, ("identity", "id_number"), schemas, ledger.keys)   # none unreadable
        assert len(ledger.keys.key_ids) == 1     # every rotation finished: one generation left
    assert run(capsys, "-L", str(led), "validate")[0] == 0


def test_a_store_held_open_gives_every_students_keys_as_the_file_has_them(tmp_path):
    """A process holds the data keys as one table (not the file's JSON objects): every student's keys
    are the file's, a student with two keys (two sites each made one) keeps both, a key edited by hand
    into something that is no key is handed back as it is (its seal then says so), and opening the
    store leaves the file as it was."""
    from store.privacy.keystore import KeyStore
    path = tmp_path / "keys" / "ledger.json"
    here = KeyStore.create(path, "ledger-1")
    sids = [f"student-{n:03d}" for n in range(40)]
    here.ensure_data_keys(sids)
    elsewhere = KeyStore.import_bytes(here.export_bytes(PASS), PASS, tmp_path / "other.json")
    here.ensure_data_keys(["student-099"])   # (both sites add the same student before they exchange keys)
    elsewhere.ensure_data_keys(["student-099", "student-100"])
    KeyStore.import_bytes(elsewhere.export_bytes(PASS), PASS, path)
    state = json.loads(path.read_text())
    state["generations"][here.key_id]["data_keys"]["student-011"] = ["not a key"]
    path.write_text(json.dumps(state))
    before = path.read_bytes()
    store = KeyStore.open(path)
    on_file = state["generations"][here.key_id]["data_keys"]
    assert len(on_file["student-099"]) == 2 and len(on_file) == 42
    for sid, keys in on_file.items():
        if sid != "student-011":
            assert store.data_keys(sid) == [base64.b64decode(k) for k in keys]
    assert set(store.data_keys("student-099")) == {here.data_keys("student-099")[0], elsewhere.data_keys("student-099")[0]}
    with pytest.raises(ValueError):
        store.data_keys("student-011")
    assert store.data_keys("student-040", reload=False) == [] and store.data_keys("student-", reload=False) == []
    assert path.read_bytes() == before
