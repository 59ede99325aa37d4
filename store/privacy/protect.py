"""Protection of personal identifiers: masked for display, keyed hash for duplicates,
the clear value sealed with AES-GCM under a per-student key kept outside the repository.

Children's records (PIPL arts. 28, 31): git never forgets, so a clear identifier
must never reach a blob, a message or an exception. Nothing here touches git.
"""
from __future__ import annotations

import base64
import copy
import re
import secrets
import unicodedata
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from store.rules import idcard
from store.rules.cleartext import SEAL_PREFIX, fold, mask_text
from store.rules.protected import field_paths, get_path, is_protected, kind_of
from store.privacy.errors import (KeyMissing, DataKeyMissing, KeyGenerationMissing, Erased, SealBroken, NotProtected,
                                  NothingStored, RecordIdMissing, IdentifierInvalid)

if TYPE_CHECKING:
    from store.privacy.keystore import KeyStore
    from store.rules.schema import Schemas

Path = tuple  # a field path: names and list indices, e.g. ('identity', 'id_number')


# ---- masks and hashes -------------------------------------------------------------------------

def normalise(kind: str, value: str) -> str:
    """The form hashed: one person's identifier typed two ways must hash the same."""
    if kind == "id_number":
        return idcard.normal(value)
    value = unicodedata.normalize("NFKC", value).strip()
    if kind == "student_no":
        return re.sub(r"\s+", "", value).upper()
    if kind in ("phone", "bank_card"):
        digits = re.sub(r"[^0-9]", "", fold(value))
        if kind == "phone" and len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]  # +86 138... is the same mobile as 138...
        return digits
    return re.sub(r"\s+", " ", value)


def _keep(value: str, head: int, tail: int) -> str:
    # Short values: never show more than half of them.
    while head + tail > len(value) // 2 and (head or tail):
        if head >= tail:
            head -= 1
        else:
            tail -= 1
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail:]


def mask(kind: str, value: str) -> str:
    v = normalise(kind, value)
    if kind == "id_number":
        return idcard.mask(v) if len(v) >= 15 else _keep(v, 1, 1)
    if kind == "phone":
        return v[:3] + "****" + v[-4:] if len(v) == 11 else _keep(v, 2, 2)
    if kind == "address":
        # Province/county say where aid goes; the street and house would find the child.
        return v[: min(6, len(v) // 2)] + "***"
    if kind == "bank_card":
        return _keep(v, 0, 4)
    if kind == "student_no":
        return _keep(v, 2, 3)
    return "*" * min(len(v), 6)


def mask_name(name: str) -> str:
    """A name for a public notice (the notice rule, README): the first character kept, one `*` for
    every other character; spaces are not characters (`杨　洋` → `杨*`, `欧阳小明` → `欧***`)."""
    chars = [ch for ch in name if not ch.isspace()]
    if len(chars) <= 1:
        return "*" * len(chars)
    return chars[0] + "*" * (len(chars) - 1)


def fingerprint(hmac_key: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 of the normalised value; the kind is mixed in so a phone and a card never collide."""
    h = hmac.HMAC(hmac_key, hashes.SHA256())
    h.update(f"bangfu/{kind}\0{normalise(kind, value)}".encode("utf-8"))
    return h.finalize().hex()


# ---- sealing ----------------------------------------------------------------------------------

def _aad(record_id: str, field_path: Path) -> bytes:
    # Binds the ciphertext to its place: copied into another record or field, it will not open.
    return ("bangfu/v1\0" + record_id + "\0" + "/".join(map(str, field_path))).encode("utf-8")


def seal(data_key: bytes, record_id: str, field_path: Path, value: str) -> str:
    nonce = secrets.token_bytes(12)
    ct = AESGCM(data_key).encrypt(nonce, value.encode("utf-8"), _aad(record_id, field_path))
    return SEAL_PREFIX + base64.b64encode(nonce + ct).decode("ascii")


def unseal(data_key: bytes | list[bytes], record_id: str, field_path: Path, sealed: str) -> str:
    """The clear value; SealBroken when no key opens it. Several keys: a student may hold
    more than one after two sites' key stores were merged."""
    field = ".".join(map(str, field_path))
    if not sealed.startswith(SEAL_PREFIX):
        raise SealBroken(record=record_id, field=field)
    try:
        blob = base64.b64decode(sealed[len(SEAL_PREFIX):], validate=True)
    except ValueError:
        raise SealBroken(record=record_id, field=field) from None
    for key in [data_key] if isinstance(data_key, bytes) else data_key:
        try:
            return AESGCM(key).decrypt(blob[:12], blob[12:], _aad(record_id, field_path)).decode("utf-8")
        except (InvalidTag, ValueError):
            continue
    raise SealBroken(record=record_id, field=field)


# ---- records ----------------------------------------------------------------------------------

def _set(node: Any, path: Path, value: Any) -> None:
    get_path(node, path[:-1])[path[-1]] = value


def protect_record(record: dict, schemas: "Schemas", keys: "KeyStore | None", *, check: bool = True) -> dict:
    """A copy of the record with every clear identifier replaced by its protected form.

    Already protected values are left alone, so a site without the key can still edit
    other fields. A blank string is dropped (an empty form field is not an identifier).
    """
    out = copy.deepcopy(record)
    rtype, rid = out.get("type"), out.get("id")
    for path in field_paths(out, schemas):
        value = get_path(out, path)
        if not isinstance(value, str):
            continue
        field = ".".join(map(str, path))
        if not value.strip():
            del get_path(out, path[:-1])[path[-1]]
            continue
        kind = kind_of(schemas, rtype, path)
        if check and kind == "id_number" and (problem := idcard.problem(normalise(kind, value))):
            raise IdentifierInvalid(problem, record=rid or "?", field=field)
        if keys is None:
            raise KeyMissing(record=rid or "?", field=field)
        if not rid:
            raise RecordIdMissing(field=field)
        data_key = keys.data_key(rid, create=True)
        assert data_key is not None
        _set(out, path, {"masked": mask(kind, value), "hmac": fingerprint(keys.hmac_key, kind, value),
                         "sealed": seal(data_key, rid, path, _sealed_form(kind, value)), "key": keys.key_id})
    return out


def _sealed_form(kind: str, value: str) -> str:
    # An ID number is kept in its one normal form (a reveal shows what the hash was made of);
    # the rest as typed, which may carry what a person needs (an extension, a house name).
    return idcard.normal(value) if kind == "id_number" else value.strip()


def reveal(record: dict, path: Path, schemas: "Schemas", keys: "KeyStore | None") -> str:
    """The clear value of one protected field. The caller asks for a reason and logs it."""
    rid = str(record.get("id", "?"))
    path = tuple(path)
    field = ".".join(map(str, path))
    if path not in field_paths(record, schemas):
        raise NotProtected(record=rid, field=field)
    node = get_path(record, path)
    if isinstance(node, str):
        return node  # not sealed yet (input being edited): nothing to open
    if keys is None:
        raise KeyMissing(record=rid, field=field)
    if rid in keys.erased:
        raise Erased(record=rid)
    if not is_protected(node) or not node.get("sealed"):
        raise NothingStored(record=rid, field=field)
    key_id = node.get("key") or keys.key_id
    if key_id not in keys.key_ids:
        keys.reload()
        if key_id not in keys.key_ids:
            raise KeyGenerationMissing(record=rid, field=field, key_id=key_id)
    candidates = keys.data_keys(rid, key_id)
    if not candidates:
        if rid in keys.erased:  # data_keys reloads: another process may have erased meanwhile
            raise Erased(record=rid)
        raise DataKeyMissing(record=rid, field=field)
    return unseal(candidates, rid, path, node["sealed"])


def reseal_record(record: dict, schemas: "Schemas", keys: "KeyStore") -> dict:
    """A copy with every value sealed under an older key generation re-sealed under the current one
    (key rotation: run over every record, commit, then `keys.confirm_rotation(old)`)."""
    out = copy.deepcopy(record)
    for path in field_paths(out, schemas):
        node = get_path(out, path)
        if is_protected(node) and node.get("sealed") and node.get("key", keys.key_id) != keys.key_id:
            clear = reveal(out, path, schemas, keys)
            data_key = keys.data_key(out["id"], create=True)
            assert data_key is not None
            _set(out, path, {**node, "sealed": seal(data_key, out["id"], path, clear), "key": keys.key_id})
    return out


def rehash_record(record: dict, schemas: "Schemas", keys: "KeyStore", hash_key: bytes) -> dict:
    """The record with every hash this site can work out again (it opens the sealed value) made
    under `hash_key`; a value it cannot open keeps its hash, for the site that holds its key.

    Run over every student at each erasure, so it copies only the nodes it changes (the result
    shares the rest with `record`: read both, change neither) and reads the key file as it is (the
    caller reads it fresh once; a student whose key is not here is not looked for again on disk)."""
    rid, rtype = str(record.get("id", "?")), record.get("type")
    if rid in keys.erased:
        return record
    out = record
    for path in field_paths(record, schemas):
        node = get_path(record, path)
        if not (is_protected(node) and node.get("sealed")):
            continue
        held = keys.data_keys(rid, node.get("key") or keys.key_id, reload=False)
        if not held:
            continue
        try:
            clear = unseal(held, rid, path, node["sealed"])
        except SealBroken:
            continue
        out = _replaced(out, path, {**node, "hmac": fingerprint(hash_key, kind_of(schemas, rtype, path), clear)})
    return out


def _replaced(node: Any, path: Path, value: Any) -> Any:
    """A copy of `node` with `value` at `path`: new containers along the path, the rest shared."""
    if not path:
        return value
    out = list(node) if isinstance(node, list) else dict(node)
    out[path[0]] = _replaced(node[path[0]], path[1:], value)
    return out


def masked_for_keeping(record: Any, schemas: "Schemas") -> Any:
    """A copy of what a person typed that may be written to a file they keep (a refused save's
    input): every clear identifier masked, in its protected field and in any other text. Nothing
    is sealed: the copy is for reading and typing again, and a key made for a record that was
    never saved would be kept for nothing."""
    out = copy.deepcopy(record)
    if isinstance(out, dict) and isinstance(out.get("type"), str):
        for path in field_paths(out, schemas):
            value = get_path(out, path)
            if isinstance(value, str) and value.strip():
                _set(out, path, mask(kind_of(schemas, out["type"], path), value))
    return _texts_masked(out)


def _texts_masked(node: Any) -> Any:
    if is_protected(node):
        return node   # (sealed already: its hash and seal are no text to mask)
    if isinstance(node, str):
        return mask_text(node)
    if isinstance(node, list):
        return [_texts_masked(item) for item in node]
    if isinstance(node, dict):
        return {mask_text(k) if isinstance(k, str) else k: _texts_masked(v) for k, v in node.items()}
    return node


def strip_identifiers(record: dict, schemas: "Schemas") -> dict:
    """A copy without any of its personal identifiers, not even their masked form or hash (erasure)."""
    out = copy.deepcopy(record)
    for path in sorted(field_paths(out, schemas), key=len, reverse=True):
        del get_path(out, path[:-1])[path[-1]]
    return out


def strip_sealed(record: dict, schemas: "Schemas") -> dict:
    """A copy without sealed values (after erasure: masked form and hash stay for the audit trail)."""
    out = copy.deepcopy(record)
    for path in field_paths(out, schemas):
        node = get_path(out, path)
        if is_protected(node):
            _set(out, path, {k: v for k, v in node.items() if k not in ("sealed", "key")})
    return out


# ---- finding identifiers committed in clear: store/rules/identifiers.py ---------------------------
