"""Erasure that holds: after `bangfu erase`, nothing the ledger's history keeps, read with the key
file as it is now, gives the student's ID number back, not even by trying every plausible one.
Real ledgers, real key files, the CLI in-process."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import shutil
import subprocess

from conftest import git, run, school
from store import Ledger
from store.privacy import protect
from store.privacy.acts import attach_keys, key_path
from store.privacy.keystore import KeyStore
from store.rules import idcard

ERASED_ID = "110101200808081012"
LIVE_ID = "340521201203151238"
OTHER_ID = "11010519491231002X"
NEW_ID = "110101201001011018"


def student(school_id: str, name: str, id_number: str) -> dict:
    return {"type": "student", "schema_version": 1, "name": name, "sex": "男", "school": school_id,
            "stage": "小学", "grade": "五年级", "class_name": "1班", "boarding": False,
            "events": [{"date": "2025-09-01", "event": "认定"}], "identity": {"id_number": id_number}}


def keys_in(key_file) -> list[bytes]:
    """Every 32-byte key the key file holds, wherever it sits in the file."""
    found: list[bytes] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            try:
                raw = base64.b64decode(node, validate=True)
            except ValueError:
                return
            if len(raw) == 32:
                found.append(raw)
    walk(json.loads(key_file.read_text()))
    return found


def hashes_in_history(repo) -> set[str]:
    """Every 64-hex string in every object of the repository (blobs, trees, commits, tags)."""
    listing = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo,
                             capture_output=True, check=True).stdout
    return set(re.findall(rb"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", listing))


def masks_in_history(repo) -> set[str]:
    listing = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo,
                             capture_output=True, check=True).stdout
    return {m.decode() for m in re.findall(rb"\d{4}\*{10}[0-9X]{4}", listing)}


def brute_force(masked: str, hashes: set[bytes], keys: list[bytes]) -> list[str]:
    """The attack of the issue: the ten hidden digits, with the birth date a plausible one
    (born 2005-2014) and the check character fitting; each candidate hashed under each key."""
    head, tail = masked[:4], masked[-4:]
    found = []
    day, end = dt.date(2005, 1, 1), dt.date(2014, 12, 31)
    births = []
    while day <= end:
        births.append(f"{day:%Y%m%d}")
        day += dt.timedelta(days=1)
    for region in range(100):
        for birth in births:
            first17 = f"{head}{region:02d}{birth}{tail[:3]}"
            if idcard.check_char(first17) != tail[3]:
                continue
            value = first17 + tail[3]
            message = f"bangfu/id_number\0{value}".encode()
            for key in keys:
                if hmac.new(key, message, hashlib.sha256).hexdigest().encode() in hashes:
                    found.append(value)
    return found


def unsealed(repo, record_id: str, keys: list[bytes]) -> set[str]:
    """Every sealed value in every object of the repository that one of the keys opens as the
    record's ID number (its place, which the seal is bound to, is no secret)."""
    listing = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo,
                             capture_output=True, check=True).stdout
    opened = set()
    for sealed in set(re.findall(rb"v1:[A-Za-z0-9+/=]{40,}", listing)):
        try:
            opened.add(protect.unseal(keys, record_id, ("identity", "id_number"), sealed.decode()))
        except Exception:
            continue
    return opened


def test_an_erased_id_cannot_be_recovered_from_any_object_with_the_current_key_file(ledger, capsys, tmp_path):
    sch = ledger.put(school()).id
    gone = ledger.put(student(sch, "王小明", ERASED_ID)).id
    kept = ledger.put(student(sch, "李小红", LIVE_ID)).id
    ledger.put(student(sch, "张三", OTHER_ID))
    key_file = key_path(ledger)
    before = tmp_path / "keys-before.json"
    shutil.copy(key_file, before)   # another site's copy of the keys, taken before the erasure
    # The attack works on a live student's hash: the test can find what it looks for.
    assert brute_force("3405**********1238", hashes_in_history(ledger.path), keys_in(key_file)) == [LIVE_ID]

    code, _out, err = run(capsys, "-L", str(ledger.path), "erase", gone, "--reason", "转学，家长申请删除")
    assert code == 0, err

    with Ledger(ledger.path) as after:
        attach_keys(after)
        identity = after.get(gone).get("identity", {})
        assert "id_number" not in identity     # neither the masked form nor the hash stays
        # The live students were hashed again under the new hash key in the same commit.
        assert git(ledger.path, "log", "-1", "--format=%H", "main", "--", "records").strip() == \
            git(ledger.path, "log", "-1", "--format=%H", "main").strip()
        assert after.get(kept)["identity"]["id_number"]["masked"] == "3405**********1238"
    history = hashes_in_history(ledger.path)
    assert "1101**********1012" in masks_in_history(ledger.path)   # old commits keep the old mask...
    assert brute_force("1101**********1012", history, keys_in(key_file)) == []   # ...and it leads nowhere
    # Nor does any sealed value the history keeps open with a key of the key file; the ID is in
    # no object in clear either.
    assert unsealed(ledger.path, gone, keys_in(key_file)) == set()
    assert ERASED_ID.encode() not in subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"],
                                                     cwd=ledger.path, capture_output=True, check=True).stdout
    # The old key file still opens the old commits: that copy is out of erasure's reach (README).
    assert brute_force("1101**********1012", history, keys_in(before)) == [ERASED_ID]
    assert unsealed(ledger.path, gone, keys_in(before)) == {ERASED_ID}
    # Duplicates among the live students are still caught under the new hash key.
    form = tmp_path / "student.json"
    form.write_text(json.dumps(student(sch, "李红", LIVE_ID), ensure_ascii=False), encoding="utf-8")
    code, _out, err = run(capsys, "-L", str(ledger.path), "add", "student", str(form))
    assert code != 0 and "李小红" in err and LIVE_ID not in err


def test_another_site_destroys_the_old_hash_key_at_its_next_sync(ledger, capsys, tmp_path):
    sch = ledger.put(school()).id
    gone = ledger.put(student(sch, "王小明", ERASED_ID)).id
    ledger.put(student(sch, "李小红", LIVE_ID))
    key_file = key_path(ledger)
    site2 = tmp_path / "site2"
    git(tmp_path, "clone", "-q", "--bare", str(ledger.path), str(site2))
    (tmp_path / "site2keys").mkdir()
    copy = tmp_path / "site2keys" / key_file.name
    shutil.copy(key_file, copy)
    old_keys = set(keys_in(copy))

    assert run(capsys, "-L", str(ledger.path), "erase", gone, "--reason", "家长申请删除")[0] == 0
    git(site2, "fetch", "-q", str(ledger.path), "main:main")
    with Ledger(site2) as other:
        other.git.set_config("bangfu.keyfile", str(copy))
        attach_keys(other)   # what every open and every sync does
        assert keys_in(copy) and not old_keys & set(keys_in(copy)) - set(keys_in(key_file))
        assert KeyStore.open(copy).hmac_key == KeyStore.open(key_file).hmac_key
        assert brute_force("1101**********1012", hashes_in_history(site2), keys_in(copy)) == []
        # Both sites hash a new student's ID the same way: duplicates across sites still match.
        sid = other.put(student(sch, "赵六", NEW_ID)).id
        assert other.get(sid)["identity"]["id_number"]["hmac"] == protect.fingerprint(
            KeyStore.open(key_file).hmac_key, "id_number", NEW_ID)


def test_a_student_added_offline_is_hashed_again_when_the_erasure_arrives(ledger, capsys, tmp_path):
    from store.sync import remote

    sch = ledger.put(school()).id
    gone = ledger.put(student(sch, "王小明", ERASED_ID)).id
    key_file = key_path(ledger)
    copy = tmp_path / "site2keys" / key_file.name
    copy.parent.mkdir()
    shutil.copy(key_file, copy)
    site2 = remote.clone(str(ledger.path), tmp_path / "site2", site="二站")
    site2.git.set_config("bangfu.keyfile", str(copy))
    attach_keys(site2)
    offline = site2.put(student(sch, "赵六", NEW_ID)).id   # hashed under the key before the erasure

    assert run(capsys, "-L", str(ledger.path), "erase", gone, "--reason", "家长申请删除")[0] == 0
    remote.sync(site2)
    site2.refresh()
    assert site2.get(offline)["identity"]["id_number"]["hmac"] == protect.fingerprint(
        KeyStore.open(key_file).hmac_key, "id_number", NEW_ID)
    # The hub gets the hashes made again with the next sync; a duplicate typed at the first site is caught.
    remote.sync(site2)
    form = tmp_path / "student.json"
    form.write_text(json.dumps(student(sch, "赵小六", NEW_ID), ensure_ascii=False), encoding="utf-8")
    code, _out, err = run(capsys, "-L", str(ledger.path), "add", "student", str(form))
    assert code != 0 and "赵六" in err
    site2.close()


def test_key_import_takes_the_hash_key_of_the_site_that_applied_more_erasures(ledger, capsys, tmp_path):
    sch = ledger.put(school()).id
    gone = ledger.put(student(sch, "王小明", ERASED_ID)).id
    key_file = key_path(ledger)
    before = KeyStore.open(key_file).export_bytes("长长的口令-bangfu")
    assert run(capsys, "-L", str(ledger.path), "erase", gone, "--reason", "家长申请删除")[0] == 0
    after = KeyStore.open(key_file)
    # An older export imported here changes nothing of the hash key and brings no erased key back.
    merged = KeyStore.import_bytes(before, "长长的口令-bangfu", key_file)
    assert merged.hmac_key == after.hmac_key and not merged.data_keys(gone)
    # A site still holding the old keys takes the new hash key from an export made after the erasure.
    old_site = tmp_path / "old-site.json"
    KeyStore.import_bytes(before, "长长的口令-bangfu", old_site)
    taken = KeyStore.import_bytes(after.export_bytes("长长的口令-bangfu"), "长长的口令-bangfu", old_site)
    assert taken.hmac_key == after.hmac_key and taken.hash_chain == after.hash_chain
    assert brute_force("1101**********1012", hashes_in_history(ledger.path), keys_in(old_site)) == []


def test_two_sites_that_erase_before_they_sync_come_to_one_hash_key_by_a_key_import(ledger, capsys, tmp_path):
    """Each site moves its hash key on by its own erasure; the later erasure reaches the earlier
    site in order, the earlier one reaches the later site too late (its old key is gone). Key
    status says so and what to do; the import it names brings both sites to one key."""
    from store.sync import remote

    sch = ledger.put(school()).id
    first = ledger.put(student(sch, "王小明", ERASED_ID)).id
    second = ledger.put(student(sch, "李小红", LIVE_ID)).id
    ledger.put(student(sch, "张三", OTHER_ID))
    key_file = key_path(ledger)
    copy = tmp_path / "site2keys" / key_file.name
    copy.parent.mkdir()
    shutil.copy(key_file, copy)
    site2 = remote.clone(str(ledger.path), tmp_path / "site2", site="二站")
    site2.git.set_config("bangfu.keyfile", str(copy))
    attach_keys(site2)
    assert run(capsys, "-L", str(ledger.path), "erase", first, "--reason", "家长申请删除")[0] == 0
    assert run(capsys, "-L", str(site2.path), "erase", second, "--reason", "家长申请删除")[0] == 0
    site2.refresh()
    remote.sync(site2)
    attach_keys(ledger)            # the first site's next open: the second erasure, in order
    # The merge keeps both erasures: the re-hash of one site's erasure does not bring back the
    # identifiers the other site's erasure removed (masked form, hash and sealed value).
    for site in (ledger, site2):
        site.refresh()
        assert [site.get(s).get("identity") for s in (first, second)] == [{}, {}]
    assert KeyStore.open(copy).hmac_key != KeyStore.open(key_file).hmac_key
    code, said, _err = run(capsys, "-L", str(site2.path), "--lang", "en", "key", "status")
    assert code == 0 and "out of step" in said and "bangfu key export" in said and "bangfu key import" in said, said
    code, said, _err = run(capsys, "-L", str(site2.path), "--lang", "en", "sync")
    assert code == 0 and "out of step" in said, said

    KeyStore.import_bytes(KeyStore.open(key_file).export_bytes("长长的口令-bangfu"), "长长的口令-bangfu", copy)
    attach_keys(site2)             # what `bangfu key import` does next: the re-hash under the one key
    assert KeyStore.open(copy).hmac_key == KeyStore.open(key_file).hmac_key and not KeyStore.open(copy).hash_late
    code, said, _err = run(capsys, "-L", str(site2.path), "--lang", "en", "key", "status")
    assert "out of step" not in said
    remote.sync(site2)
    form = tmp_path / "student.json"
    form.write_text(json.dumps(student(sch, "张小三", OTHER_ID), ensure_ascii=False), encoding="utf-8")
    code, _out, err = run(capsys, "-L", str(site2.path), "add", "student", str(form))
    assert code != 0 and "张三" in err and OTHER_ID not in err     # a duplicate is caught again
    # Neither erased ID comes back from any object, with either site's key file as it is now.
    history = hashes_in_history(site2.path)    # (after the last sync it holds both sites' objects)
    keys = list(set(keys_in(copy) + keys_in(key_file)))
    assert brute_force("1101**********1012", history, keys) == []
    assert brute_force("3405**********1238", history, keys) == []
    site2.close()
