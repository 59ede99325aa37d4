"""Children's data protection: masks, hashes, sealing, the key store. Real files, no mocks."""
from __future__ import annotations

import json
import multiprocessing
import os
import stat

import pytest

from store.core import i18n, ids
from store.privacy.keystore import KeyStore
from store.privacy.errors import (DataKeyMissing, Erased, ExportCorrupt, IdentifierInvalid, KeyFileExists,
                                  KeyFileNotFound, KeyFileUnsafe, KeyGenerationMissing, KeyInRepository, KeyMismatch,
                                  KeyMissing, NotProtected, PassphraseWeak, PassphraseWrong, PrivacyError,
                                  RotationPending, SealBroken)
from store.privacy.protect import (fingerprint, mask, mask_name, protect_record, reseal_record, reveal, seal,
                                   strip_sealed, unseal)
from store.rules.cleartext import luhn_ok
from store.rules.identifiers import find_clear_identifiers
from store.rules.schema import Schemas

ID = "11010519491231002X"           # valid (GB 11643)
BAD_ID = "340524198001010013"       # wrong check character
PHONE = "13812345678"
ADDRESS = "安徽省金寨县沙河乡红旗村3组12号"
CARD = "6222021234567890128"         # 19 digits, passes Luhn
STUDENT_NO = "G110105194912310021"
CLEAR = (ID, PHONE, ADDRESS, CARD, STUDENT_NO)
PASS = "correct horse battery"
SCHOOL = "school-01HZY3M8Q4W6T2B9C7D5E1F0GK"


def sid(n: int) -> str:
    return f"student-01HZY3M8Q4W6T2B9C7D5E{n:05d}"


def student(n: int = 1, **identity: str) -> dict:
    return {"id": sid(n), "type": "student", "schema_version": 1, "name": "张小伟", "sex": "男",
            "school": SCHOOL, "stage": "小学", "grade": "三年级",
            "identity": identity or {"id_number": ID, "phone": PHONE, "address": ADDRESS,
                                     "bank_card": CARD, "student_no": STUDENT_NO, "guardian_phone": "13987654321"}}


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas.from_dir()


@pytest.fixture
def keys(tmp_path) -> KeyStore:
    return KeyStore.create(tmp_path / "keys" / "demo.json", "demo")


def no_clear(text: str) -> None:
    for value in CLEAR + (BAD_ID,):
        assert value not in text


# ---- masks and hashes -------------------------------------------------------------------------

def test_masks_for_each_kind():
    assert mask("id_number", ID) == "1101**********002X"
    assert mask("id_number", "11010519491231002x") == "1101**********002X"
    assert mask("phone", PHONE) == "138****5678"
    assert mask("phone", "+86 138-1234-5678") == "138****5678"
    assert mask("address", ADDRESS) == "安徽省金寨县***"
    assert mask("address", "合肥") == "合***"
    assert mask("bank_card", CARD) == "*" * 15 + "0128"
    assert mask("student_no", STUDENT_NO) == "G1" + "*" * 14 + "021"
    assert mask("phone", "1234") == "1**4"  # short values: at most half shown
    assert mask("other", "secret") == "******"
    for kind, value in zip(("id_number", "phone", "address", "bank_card", "student_no"), CLEAR):
        assert "*" in mask(kind, value) and mask(kind, value) != value


def test_mask_name():
    assert mask_name("张伟") == "张*"
    assert mask_name("张小伟") == "张**"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "*"
    assert mask_name("") == ""


def test_fingerprint_normalises_and_separates_kinds(keys):
    k = keys.hmac_key
    assert fingerprint(k, "id_number", ID) == fingerprint(k, "id_number", " 11010519491231002x ")
    assert fingerprint(k, "phone", PHONE) == fingerprint(k, "phone", "+86 138-1234-5678")
    assert fingerprint(k, "phone", PHONE) != fingerprint(k, "student_no", PHONE)
    assert fingerprint(k, "phone", PHONE) != fingerprint(os.urandom(32), "phone", PHONE)
    assert len(fingerprint(k, "phone", PHONE)) == 64


# ---- sealing ----------------------------------------------------------------------------------

def test_seal_round_trip_and_binding():
    key, other = os.urandom(32), os.urandom(32)
    path = ("identity", "id_number")
    sealed = seal(key, sid(1), path, ID)
    assert sealed.startswith("v1:") and ID not in sealed
    assert seal(key, sid(1), path, ID) != sealed  # fresh nonce each time
    assert unseal(key, sid(1), path, sealed) == ID
    assert unseal([other, key], sid(1), path, sealed) == ID  # merged stores: any key may open it
    with pytest.raises(SealBroken):
        unseal(key, sid(2), path, sealed)  # copied to another record
    with pytest.raises(SealBroken):
        unseal(key, sid(1), ("identity", "phone"), sealed)  # copied to another field
    with pytest.raises(SealBroken):
        unseal(other, sid(1), path, sealed)
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(SealBroken):
        unseal(key, sid(1), path, tampered)
    with pytest.raises(SealBroken):
        unseal(key, sid(1), path, "garbage")


def test_protect_record_and_reveal(schemas, keys):
    rec = protect_record(student(1), schemas, keys)
    text = json.dumps(rec, ensure_ascii=False)
    no_clear(text)
    assert "13987654321" not in text
    assert schemas.check(rec) == []
    assert find_clear_identifiers(rec) == []
    ident = rec["identity"]
    assert ident["id_number"]["masked"] == "1101**********002X"
    assert ident["id_number"]["key"] == keys.key_id
    assert ident["id_number"]["hmac"] == fingerprint(keys.hmac_key, "id_number", ID)
    assert ident["guardian_phone"]["masked"] == "139****4321"
    assert reveal(rec, ("identity", "id_number"), schemas, keys) == ID
    assert reveal(rec, ("identity", "address"), schemas, keys) == ADDRESS
    assert reveal(rec, ("identity", "bank_card"), schemas, keys) == CARD
    # Already protected values stay as they are (no re-seal, no key needed).
    assert protect_record(rec, schemas, keys) == rec
    assert protect_record(rec, schemas, None) == rec
    # The same person in another record: same hash (duplicates found), different seal.
    rec2 = protect_record(student(2, id_number=ID.lower()), schemas, keys)
    assert rec2["identity"]["id_number"]["hmac"] == ident["id_number"]["hmac"]
    assert rec2["identity"]["id_number"]["sealed"] != ident["id_number"]["sealed"]
    assert keys.data_key(sid(1)) != keys.data_key(sid(2))
    with pytest.raises(NotProtected):
        reveal(rec, ("name",), schemas, keys)


def test_blank_identifier_dropped(schemas, keys):
    rec = protect_record(student(1, id_number=ID, phone="  "), schemas, keys)
    assert "phone" not in rec["identity"]


def test_protect_without_keys_refused(schemas):
    with pytest.raises(KeyMissing) as err:
        protect_record(student(1), schemas, None)
    no_clear(str(err.value))


def test_invalid_id_number_refused_before_sealing(schemas, keys):
    with pytest.raises(IdentifierInvalid) as err:
        protect_record(student(1, id_number=BAD_ID), schemas, keys)
    assert err.value.message_key == "privacy.id_check"
    assert i18n.has(err.value.message_key)
    no_clear(str(err.value))
    rec = protect_record(student(1, id_number=BAD_ID), schemas, keys, check=False)
    assert reveal(rec, ("identity", "id_number"), schemas, keys) == BAD_ID


def test_sealed_value_moved_to_another_record_fails(schemas, keys):
    a = protect_record(student(1), schemas, keys)
    b = protect_record(student(2), schemas, keys)
    b["identity"]["phone"] = a["identity"]["phone"]
    with pytest.raises(SealBroken):
        reveal(b, ("identity", "phone"), schemas, keys)
    b["identity"]["guardian_phone"] = dict(b["identity"]["phone"])  # same record, other field
    with pytest.raises(SealBroken):
        reveal(b, ("identity", "guardian_phone"), schemas, keys)


def test_reveal_without_keys(schemas, keys, tmp_path):
    rec = protect_record(student(1), schemas, keys)
    with pytest.raises(KeyMissing):
        reveal(rec, ("identity", "id_number"), schemas, None)
    stranger = KeyStore.create(tmp_path / "other.json", "demo")  # another key set entirely
    with pytest.raises(KeyMissing):  # KeyGenerationMissing: key id unknown there
        reveal(rec, ("identity", "id_number"), schemas, stranger)
    rec["identity"]["id_number"]["key"] = stranger.key_id
    stranger.data_key(sid(1), create=True)
    with pytest.raises(SealBroken):
        reveal(rec, ("identity", "id_number"), schemas, stranger)
    rec["identity"]["id_number"]["key"] = keys.key_id
    with pytest.raises(DataKeyMissing):
        reveal(dict(rec, id=sid(9)), ("identity", "id_number"), schemas, keys)


# ---- the key file -----------------------------------------------------------------------------

def test_key_file_mode_and_refusals(tmp_path):
    path = tmp_path / "k" / "ledger.json"
    ks = KeyStore.create(path, "ledger")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(ks.hmac_key) == 32
    ks.data_key(sid(1), create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # rewrites keep the mode
    with pytest.raises(KeyFileExists):
        KeyStore.create(path, "ledger")
    for unsafe in (0o644, 0o604, 0o602, 0o666):
        path.chmod(unsafe)
        with pytest.raises(KeyFileUnsafe) as err:
            KeyStore.open(path)
        assert "chmod" in str(err.value)
    path.chmod(0o640)  # group-readable server path: allowed
    assert KeyStore.open(path).data_key(sid(1)) == ks.data_key(sid(1))
    ks.data_key(sid(2), create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    with pytest.raises(KeyFileNotFound):
        KeyStore.open(tmp_path / "none.json")
    group = KeyStore.create(tmp_path / "g.json", "ledger", mode=0o640)
    assert stat.S_IMODE(group.path.stat().st_mode) == 0o640
    with pytest.raises(KeyFileUnsafe):
        KeyStore.create(tmp_path / "w.json", "ledger", mode=0o644)


def test_key_file_not_in_repository(tmp_path):
    repo = tmp_path / "ledger"
    repo.mkdir()
    with pytest.raises(KeyInRepository):
        KeyStore.create(repo / "keys" / "x.json", "x", repo_root=repo)
    assert not (repo / "keys" / "x.json").exists()
    KeyStore.create(tmp_path / "keys" / "x.json", "x", repo_root=repo)


def test_locate(tmp_path, monkeypatch):
    monkeypatch.setenv("BANGFU_KEYS", str(tmp_path / "kd"))
    assert KeyStore.locate("demo") == tmp_path / "kd" / "demo.json"
    assert KeyStore.locate("demo", "/srv/bangfu/keys/demo.json") == tmp_path.__class__("/srv/bangfu/keys/demo.json")
    monkeypatch.delenv("BANGFU_KEYS")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert KeyStore.locate("demo") == tmp_path / ".config" / "bangfu" / "keys" / "demo.json"
    with pytest.raises(PrivacyError):
        KeyStore.locate("../escape")


def _add_keys(path: str, ids: list[str], queue) -> None:
    ks = KeyStore.open(path)
    queue.put({i: ks.data_key(i, create=True).hex() for i in ids})


def test_concurrent_data_key_creation_loses_nothing(tmp_path):
    path = tmp_path / "shared.json"
    KeyStore.create(path, "demo")
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    common = [sid(900 + i) for i in range(10)]  # both processes create these at once
    jobs = [ctx.Process(target=_add_keys, args=(str(path), [sid(p * 100 + i) for i in range(30)] + common, queue))
            for p in (1, 2)]
    for job in jobs:
        job.start()
    results = [queue.get(timeout=60) for _ in jobs]
    for job in jobs:
        job.join(timeout=60)
        assert job.exitcode == 0
    final = KeyStore.open(path)
    for got in results:
        for student_id, key in got.items():
            assert final.data_key(student_id).hex() == key  # what each process sealed with survives
    assert all(len(final.data_keys(s)) == 1 for s in common)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---- export, import, rotation, erasure --------------------------------------------------------

def test_export_import_merges(schemas, tmp_path):
    a = KeyStore.create(tmp_path / "a.json", "demo")
    rec1 = protect_record(student(1), schemas, a)
    blob = a.export_bytes(PASS)
    no_clear(blob.decode())
    assert a.hmac_key.hex() not in blob.decode()
    b = KeyStore.import_bytes(blob, PASS, tmp_path / "b.json")
    assert stat.S_IMODE(b.path.stat().st_mode) == 0o600
    assert b.hmac_key == a.hmac_key and b.key_id == a.key_id
    assert reveal(rec1, ("identity", "id_number"), schemas, b) == ID
    rec2 = protect_record(student(2), schemas, b)   # entered at site B
    rec3 = protect_record(student(3), schemas, a)   # entered at site A meanwhile
    a.erase(sid(1))
    KeyStore.import_bytes(b.export_bytes(PASS), PASS, a.path)  # B's copy still has student 1
    a.reload()
    assert reveal(rec2, ("identity", "phone"), schemas, a) == PHONE
    assert reveal(rec3, ("identity", "phone"), schemas, a) == PHONE
    with pytest.raises(Erased):  # erased on A: B's copy does not bring it back
        reveal(rec1, ("identity", "phone"), schemas, a)
    KeyStore.import_bytes(a.export_bytes(PASS), PASS, b.path)
    b.reload()
    with pytest.raises(Erased):  # and B drops its copy when it syncs
        reveal(rec1, ("identity", "phone"), schemas, b)
    assert reveal(rec3, ("identity", "address"), schemas, b) == ADDRESS


def test_import_refusals(tmp_path):
    a = KeyStore.create(tmp_path / "a.json", "demo")
    blob = a.export_bytes(PASS)
    with pytest.raises(PassphraseWrong) as err:
        KeyStore.import_bytes(blob, "wrong passphrase", tmp_path / "b.json")
    assert "passphrase" in str(err.value) or "口令" in str(err.value)
    assert not (tmp_path / "b.json").exists()
    with pytest.raises(PassphraseWeak):
        a.export_bytes("short")
    with pytest.raises(ExportCorrupt):
        KeyStore.import_bytes(b"not an export", PASS, tmp_path / "b.json")
    doc = json.loads(blob)
    doc["ledger"] = "other"  # the header is authenticated
    with pytest.raises(PassphraseWrong):
        KeyStore.import_bytes(json.dumps(doc).encode(), PASS, tmp_path / "b.json")
    other = KeyStore.create(tmp_path / "o.json", "demo")  # same name, independent key init
    with pytest.raises(KeyMismatch):
        KeyStore.import_bytes(blob, PASS, other.path)
    stranger = KeyStore.create(tmp_path / "s.json", "another")
    with pytest.raises(KeyMismatch):
        KeyStore.import_bytes(blob, PASS, stranger.path)


def test_rotation(schemas, keys, tmp_path):
    recs = [protect_record(student(n), schemas, keys) for n in (1, 2, 3)]
    old_copy = tmp_path / "old-keys.json"  # a stolen copy of the keys before rotation
    old_copy.write_bytes(keys.path.read_bytes())
    old_copy.chmod(0o600)
    rotation = keys.rotate()
    assert rotation.old_key_id != rotation.new_key_id == keys.key_id
    assert set(rotation.keys) == {sid(n) for n in (1, 2, 3)}
    with pytest.raises(RotationPending):
        keys.rotate()
    # Until confirmed, the old values still open (a failed commit loses nothing).
    assert reveal(recs[0], ("identity", "id_number"), schemas, keys) == ID
    new = [reseal_record(r, schemas, keys) for r in recs]
    keys.confirm_rotation(rotation.old_key_id)
    stale = KeyStore.open(old_copy)
    for old_rec, new_rec in zip(recs, new):
        assert new_rec["identity"]["id_number"]["key"] == keys.key_id
        assert new_rec["identity"]["id_number"]["hmac"] == old_rec["identity"]["id_number"]["hmac"]
        for field, clear in (("id_number", ID), ("phone", PHONE), ("address", ADDRESS)):
            assert reveal(new_rec, ("identity", field), schemas, keys) == clear
            with pytest.raises(KeyGenerationMissing):
                reveal(old_rec, ("identity", field), schemas, keys)  # old generation destroyed
            with pytest.raises(KeyMissing):
                reveal(new_rec, ("identity", field), schemas, stale)  # old keys cannot open new seals
            old_keys = rotation.keys[new_rec["id"]][0]
            with pytest.raises(SealBroken):
                unseal(old_keys, new_rec["id"], ("identity", field), new_rec["identity"][field]["sealed"])
    # An old copy imported later does not bring the destroyed generation back.
    KeyStore.import_bytes(stale.export_bytes(PASS), PASS, keys.path)
    keys.reload()
    assert keys.key_ids == [keys.key_id]


def test_rotation_abort(schemas, keys):
    rec = protect_record(student(1), schemas, keys)
    rotation = keys.rotate()
    keys.abort_rotation(rotation)
    assert keys.key_id == rotation.old_key_id
    assert reveal(rec, ("identity", "phone"), schemas, keys) == PHONE


def test_erasure(schemas, keys):
    rec = protect_record(student(1), schemas, keys)
    other = protect_record(student(2), schemas, keys)
    keys.erase(sid(1))
    assert sid(1) in keys.erased
    for store in (keys, KeyStore.open(keys.path)):
        with pytest.raises(Erased) as err:
            reveal(rec, ("identity", "id_number"), schemas, store)
        no_clear(str(err.value))
        assert store.data_keys(sid(1)) == []
        with pytest.raises(Erased):
            store.data_key(sid(1), create=True)
    stored = json.loads(keys.path.read_text())
    assert all(sid(1) not in g["data_keys"] for g in stored["generations"].values())
    assert reveal(other, ("identity", "phone"), schemas, keys) == PHONE  # others untouched
    stripped = strip_sealed(rec, schemas)
    assert "sealed" not in stripped["identity"]["id_number"]
    assert stripped["identity"]["id_number"]["masked"] == rec["identity"]["id_number"]["masked"]
    assert schemas.check(stripped) == []


# ---- clear identifiers ------------------------------------------------------------------------

def test_luhn():
    assert luhn_ok(CARD)
    assert not luhn_ok(CARD[:-1] + "9")


def test_find_clear_identifiers_true_positives():
    doc = {"notes": f"家长电话 {PHONE}，身份证{ID}", "rows": [{"card": CARD}, {"tel": 15912345678},
           {"tel": "138-1234-5678"}, {"card": "6222 0212 3456 7890 128"}], ID: "key"}
    found = set(find_clear_identifiers(doc))
    assert (("notes",), "phone") in found and (("notes",), "id_number") in found
    assert (("rows", 0, "card"), "bank_card") in found
    assert (("rows", 1, "tel"), "phone") in found
    assert (("rows", 2, "tel"), "phone") in found
    assert (("rows", 3, "card"), "bank_card") in found
    assert ((ID,), "id_number") in found
    assert find_clear_identifiers(ID.lower()) == [((), "id_number")]


def test_find_clear_identifiers_no_false_positives(schemas, keys):
    rec = protect_record(student(1), schemas, keys)
    doc = {"bad_id": BAD_ID, "record": rec, "masked": ["1101**********002X", "138****5678", "*" * 15 + "0128"],
           "id": sid(1), "date": "2024-09-01", "amount": 125000, "term": "2024-2025-1",
           "hex": "a" * 10 + "1" * 18 + "b" * 36, "digits_in_hex": "f" + "13812345678" + "e" * 52,
           "not_luhn": CARD[:-1] + "9", "short": "1381234567", "long": "138123456789",
           "voucher": "20240901000123456789", "hmac": {"masked": "x", "hmac": "1" * 64}}
    assert [f for f in find_clear_identifiers(doc) if f[1] == "id_number"] == []
    assert find_clear_identifiers(doc) == []


# ---- no clear value in any message ------------------------------------------------------------

def test_no_error_message_contains_a_clear_value(schemas, keys, tmp_path):
    errors: list[PrivacyError] = []

    def catch(fn, *args, **kw):
        with pytest.raises(PrivacyError) as err:
            fn(*args, **kw)
        errors.append(err.value)

    catch(protect_record, student(1), schemas, None)
    catch(protect_record, student(1, id_number=BAD_ID), schemas, keys)
    catch(protect_record, student(1, id_number="1101051949123"), schemas, keys)
    catch(protect_record, student(1, id_number="110105194902300021"), schemas, keys)
    rec = protect_record(student(1), schemas, keys)
    catch(reveal, rec, ("identity", "id_number"), schemas, None)
    moved = protect_record(student(2), schemas, keys)
    moved["identity"]["id_number"] = rec["identity"]["id_number"]
    catch(reveal, moved, ("identity", "id_number"), schemas, keys)
    catch(unseal, os.urandom(32), sid(1), ("identity", "phone"), rec["identity"]["phone"]["sealed"])
    keys.erase(sid(1))
    catch(reveal, rec, ("identity", "phone"), schemas, keys)
    keys.path.chmod(0o644)
    catch(KeyStore.open, keys.path)
    keys.path.chmod(0o600)
    catch(KeyStore.import_bytes, keys.export_bytes(PASS), "nope nope nope", tmp_path / "x.json")
    assert {e.message_key for e in errors} >= {"privacy.key_missing", "privacy.id_check", "privacy.id_shape",
                                              "privacy.id_birth", "privacy.seal_broken", "privacy.erased",
                                              "privacy.key_file_unsafe", "privacy.passphrase_wrong"}
    try:
        for lang in i18n.LANGS:
            i18n.set_lang(lang)
            for e in errors:
                text = " ".join([str(e), repr(e), repr(e.args), repr(e.params)])
                no_clear(text)
                assert e.message_key in i18n.catalogue()  # a real message, not a bare key
                assert not str(e).startswith("privacy.")
    finally:
        i18n.set_lang("zh")


def test_errors_survive_pickling():
    import pickle
    err = pickle.loads(pickle.dumps(IdentifierInvalid("idcard.check", record=sid(1), field="identity.id_number")))
    assert type(err) is IdentifierInvalid and err.message_key == "privacy.id_check"
    assert err.params["record"] == sid(1) and str(err)


def test_every_privacy_message_has_both_languages():
    privacy = {k: v for k, v in i18n.catalogue().items() if k.startswith("privacy.")}
    assert privacy
    for key, texts in privacy.items():
        assert texts.get("zh") and texts.get("en"), key


@pytest.mark.parametrize("ulid", ["0" * 26, "13812345678" + "0" * 15, "0" * 8 + "11010519491231002X".replace("X", "0"),
                                  "6222020200112233446" + "0" * 7])
def test_a_record_id_never_reads_as_an_identifier(ulid):
    """The scan passes record ids by without looking (a disbursement saves 100,000 of them): sound
    only while no identifier can sit inside one, digits as they may fall."""
    from store.rules.cleartext import clear_kinds
    for rtype in ("aid", "student", "batch"):
        assert ids.is_id(f"{rtype}-{ulid}") and clear_kinds(f"{rtype}-{ulid}") == []
        assert find_clear_identifiers({"student": f"{rtype}-{ulid}"}) == []
