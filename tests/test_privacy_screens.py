"""Nothing in clear by accident: the crash log, error messages, rejected-rows files and exports.
And the names on a public notice: normalised on save, masked by characters, not spaces."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from conftest import run, school
from store import Ledger
from store.core import crashlog
from store.privacy import protect
from store.privacy.acts import init_keys, key_path
from store.privacy.keystore import KeyStore

ID = "340521201203151238"
FULL_WIDTH_ID = "３４０５２１２０１２０３１５１２３８"
PHONE = "13987654321"


def student(school_id: str, name: str = "马丽娟", **identity) -> dict:
    return {"type": "student", "schema_version": 1, "name": name, "sex": "女", "school": school_id,
            "stage": "小学", "grade": "二年级", "class_name": "1班", "boarding": False,
            "events": [{"date": "2025-09-01", "event": "认定"}], "identity": identity}


# ---- the crash log ----------------------------------------------------------------------------

def test_crash_log_masks_identifiers_and_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    try:
        raise RuntimeError(f"cannot handle {ID} nor {FULL_WIDTH_ID} nor {PHONE}")
    except RuntimeError as exc:
        where = crashlog.write(exc, f"bangfu set student-x identity.id_number={ID}")
    text = Path(where).read_text(encoding="utf-8")
    assert ID not in text and FULL_WIDTH_ID not in text and PHONE not in text
    assert "3405" in text and "1238" in text   # first four and last four, as the notice rule shows
    assert stat.S_IMODE(os.stat(where).st_mode) == 0o600


def test_an_existing_crash_log_is_made_private(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    log = tmp_path / "state" / "bangfu" / "crash.log"
    log.parent.mkdir(parents=True)
    log.write_text("older\n")
    log.chmod(0o644)
    try:
        raise ValueError("x")
    except ValueError as exc:
        crashlog.write(exc, "bangfu")
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600


# ---- error messages ---------------------------------------------------------------------------

def test_an_id_typed_where_a_record_id_belongs_is_not_repeated(ledger, capsys):
    code, out, err = run(capsys, "-L", str(ledger.path), "show", ID)
    assert code != 0 and ID not in out + err and "3405**********1238" in err


# ---- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,masked", [("杨　洋", "杨*"), ("杨 洋", "杨*"), ("欧阳小明", "欧***"), ("张伟", "张*"),
                                         ("马丽娟", "马**"), ("王", "*")])
def test_masking_counts_characters_not_spaces(name, masked):
    assert protect.mask_name(name) == masked


def test_names_are_normalised_on_save(ledger):
    sch = ledger.put(school()).id
    assert ledger.get(ledger.put(student(sch, " 杨　洋 ")).id)["name"] == "杨洋"
    assert ledger.get(ledger.put(student(sch, "阿依古丽 ·  买买提")).id)["name"] == "阿依古丽 · 买买提"
    assert ledger.get(ledger.put(student(sch, "Ma\u3000\u3000Lijuan", id_number=ID)).id)["name"] == "Ma Lijuan"


# ---- the key file belongs to its ledger -------------------------------------------------------

def test_a_key_file_of_another_ledger_is_refused_naming_both(ledger, tmp_path, capsys):
    sch = ledger.put(school()).id
    sid = ledger.put(student(sch, id_number=ID)).id
    other = Ledger.init(tmp_path / "other", site="别站")
    other_keys = init_keys(other)
    mine, theirs = ledger.config["ledger_id"], other.config["ledger_id"]
    assert mine != theirs
    path = key_path(ledger)
    path.unlink()
    path.write_bytes(Path(other_keys.path).read_bytes())   # copied under this ledger's name
    path.chmod(0o600)
    form = tmp_path / "s.json"
    form.write_text(json.dumps(student(sch, "马丽", id_number=ID), ensure_ascii=False), encoding="utf-8")
    code, _out, err = run(capsys, "-L", str(ledger.path), "add", "student", str(form))
    assert code != 0 and mine in err and theirs in err
    code, _out, err = run(capsys, "-L", str(ledger.path), "reveal", sid, "id_number", "--reason", "核对")
    assert code != 0 and mine in err and theirs in err and ID not in err
    assert KeyStore.open(path).ledger_id == theirs
    other.close()


def test_key_status_says_where_the_trust_boundary_is(ledger, capsys):
    code, out, _err = run(capsys, "-L", str(ledger.path), "key", "status")
    assert code == 0 and "持有这个密钥文件的人可以读出所有加密的个人信息" in out and "销毁前复制或导出的密钥文件" in out
    code, out, _err = run(capsys, "--lang", "en", "-L", str(ledger.path), "key", "status")
    assert "whoever holds this key file can read every sealed personal value" in out
    assert "taken before the erasure" in out
