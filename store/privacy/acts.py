"""Where the ledger meets the protection of personal identifiers (store/privacy/protect.py, store/privacy/keystore.py).

- keys: found outside the repository on every open, kept current when another process changes them;
- sealing before commit (`seal_record`, called by `Ledger.put`/`commit`) and duplicates by keyed hash;
- deliberate acts, each recorded as an `event` record in the ledger so auditors see them:
  a reveal (查看), an erasure (删除个人信息), a key rotation (密钥轮换).

Clear values never go into an event, a commit message, a finding or an error: only record ids,
field paths, masked forms and key ids do.
"""
from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
import re
import weakref
from dataclasses import dataclass
from typing import Any, Iterable

from store.core.diff import value_at
from store.core import i18n, ids
from store.privacy import protect
from store.core.errors import Conflict, InvalidRecord, ReadOnly, UsageError
from store.core.findings import Finding
from store.privacy.keystore import KeyStore
from store.privacy.errors import (EraseNoKey, Erased, KeyFileOtherLedger, FieldEmpty, IdentifierInvalid, KeyFileNotWritable, KeyMissing, NotErasable,
                                  NotProtected, ReasonHasIdentifier, RevealNoKey, RevealReadOnly, RotationUnfinished)
from store.ledger import hooks
from store.ledger.ledger import NEW, Change, Saved
from store.rules import cleartext, idcard, protected

REVEAL, ERASE, ROTATE = "查看", "删除个人信息", "密钥轮换"   # event actions (schemas/event.json)
ROTATION_ROUNDS = 5


@contextlib.contextmanager
def _writing(keys: KeyStore):
    """A key file this user may read but not change (a shared 0640 file of another user)."""
    try:
        yield
    except OSError:
        raise KeyFileNotWritable(path=str(keys.path)) from None


# ---- keys --------------------------------------------------------------------------------------

def key_path(ledger):
    """Where this user's copy of the ledger's keys lives (a server may name a shared path in git config)."""
    return KeyStore.locate(ledger.config["ledger_id"], ledger.git.config("bangfu.keyfile"))


def attach_keys(ledger, *, erase: bool = True) -> None:
    """Open the ledger's key store if this user holds it; without it the ledger works on masked values.
    Erasures recorded in the ledger (perhaps at another site) destroy the matching keys here; a caller
    that must not wait for the index (the dashboard's start) passes erase=False and calls
    `erase_pending` soon after."""
    path = key_path(ledger)
    ledger.keys = KeyStore.open(path) if path.exists() else None
    if ledger.keys is not None:
        _stamp(ledger.keys)
        if erase and _bound(ledger, ledger.keys):
            erase_pending(ledger)


def _bound(ledger, keys: KeyStore) -> bool:
    return keys.ledger_id == ledger.config["ledger_id"]


def erase_pending(ledger) -> list[str]:
    """apply_erasures (and the re-hash it may call for), except where the key file may be read but
    not written: the erasure waits for someone who can; until then record_reveal still refuses the
    erased student (it reads the events)."""
    try:
        done = apply_erasures(ledger)
        with contextlib.suppress(Conflict):  # another writer moved the tip: the next sync does it
            rehash_pending(ledger)
        return done
    except (KeyFileNotWritable, KeyFileOtherLedger):  # the next seal or reveal says what is wrong
        return []


def init_keys(ledger, path=None, *, mode: int = 0o600) -> KeyStore:
    """Create this ledger's key store outside the repository and attach it."""
    target = path or key_path(ledger)
    repo_root = ledger.git.worktree or ledger.git.gitdir
    ledger.keys = KeyStore.create(target, ledger.config["ledger_id"], mode=mode, repo_root=repo_root)
    _stamp(ledger.keys)
    return ledger.keys


def sealed_values(ledger) -> int:
    """How many protected values the ledger holds at its tip (a new key would orphan them)."""
    schemas = ledger.schemas()
    return sum(1 for doc in _protected_records(ledger) for path in protected.field_paths(doc, schemas)
               if protected.is_protected(protected.get_path(doc, path)))


_stamps: "weakref.WeakKeyDictionary[KeyStore, tuple]" = weakref.WeakKeyDictionary()


def _file_stamp(keys: KeyStore) -> tuple:
    try:
        st = os.stat(keys.path)
    except OSError:
        return ()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _stamp(keys: KeyStore) -> None:
    _stamps[keys] = _file_stamp(keys)


def fresh_keys(ledger) -> KeyStore | None:
    """The ledger's keys as they are on disk now. A long-running session (the dashboard) must not
    seal under a generation another process has rotated away, nor keep a key erased meanwhile."""
    keys = ledger.keys
    if keys is not None and _stamps.get(keys) != _file_stamp(keys):
        keys.reload()
        _stamp(keys)
    if keys is not None and not _bound(ledger, keys):
        # Another ledger's key file under this one's name: its hash key would make every
        # duplicate look new, and what it sealed only the other ledger's sites could open.
        raise KeyFileOtherLedger(path=str(keys.path), ledger=ledger.config["ledger_id"], other=keys.ledger_id)
    return keys


# ---- sealing ------------------------------------------------------------------------------------

def seal_record(ledger, record: dict) -> dict:
    """The record with every clear identifier sealed; a bad ID number is a field error, not a crash.
    With nothing in clear to seal (an edit elsewhere in it, a re-hash), the record itself: the
    ledger keeps only what it reads back from the bytes it writes."""
    schemas = ledger.schemas()
    paths = protected.field_paths(record, schemas)
    record = _names_normalised(_as_text(record, schemas, paths))
    if not any(isinstance(protected.get_path(record, p), str) for p in paths):
        return record
    keys = fresh_keys(ledger)
    try:
        if keys is None:
            return protect.protect_record(record, schemas, None)
        with _writing(keys):  # a new student's data key is written to the key file
            return protect.protect_record(record, schemas, keys)
    except IdentifierInvalid as exc:
        path = tuple(str(exc.params.get("field", "")).split("."))
        rule = "idcard." + exc.message_key.rsplit("_", 1)[-1]  # privacy.id_check -> idcard.check
        raise InvalidRecord([Finding(str(record.get("id", "?")), path, rule, {})],
                            record=str(record.get("id", "?"))) from None


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
NAME_FIELDS = {"student": ("name", "guardian")}


def normal_name(name: str) -> str:
    """A person's name as kept: no outer spaces; none between two Chinese characters (rosters pad
    two-character names, `杨　洋`); one plain space elsewhere (`Ma Lijuan`, `阿依古丽 · 买买提`).
    A notice masks characters, so a padding space must not count as one."""
    parts = name.split()
    out = ""
    for part in parts:
        if out and not (_CJK.match(out[-1]) and _CJK.match(part[0])):
            out += " "
        out += part
    return out


def _names_normalised(record: dict) -> dict:
    fields = [f for f in NAME_FIELDS.get(record.get("type"), ()) if isinstance(record.get(f), str)]
    if all(normal_name(record[f]) == record[f] for f in fields):
        return record
    return {**record, **{f: normal_name(record[f]) for f in fields}}


def prepare_keys(ledger, changes: list[Change]) -> None:
    """Before a batch: every new student's data key in one write of the key file, not one per record."""
    if ledger.keys is None or len(changes) < 2:
        return
    schemas = ledger.schemas()
    ledger.keys.ensure_data_keys([c.id for c in changes if c.record is not None and any(
        isinstance(protected.get_path(c.record, p), str) for p in protected.field_paths(c.record, schemas))])


def clear_warnings(ledger, record: dict) -> list[Finding]:
    """A clear ID number whose birth year does not fit the student's grade: a warning, made before
    sealing hides the birth date (the message shows neither)."""
    identity = record.get("identity") if record.get("type") == "student" else None
    # (checked before the schema: `identity` may be anything a hand-written record holds)
    value = identity.get("id_number") if isinstance(identity, dict) else None
    if not isinstance(value, str) or not isinstance(record.get("grade"), str):
        return []
    if idcard.birth_fits_grade(idcard.normal(value), record["grade"]):
        return []
    return [Finding(str(record.get("id", "?")), ("identity", "id_number"), "idcard.birth_grade",
                    {"grade": record["grade"]}, "warning")]


hooks.register_sealing(hooks.Sealing(prepare=prepare_keys, seal=seal_record, warnings=clear_warnings))


def _as_text(record: dict, schemas, paths: list[tuple]) -> dict:
    """A phone or ID number typed as a number (`bangfu set identity.phone=138…`, a spreadsheet) is
    still an identifier: it is sealed as text. Anything else that is neither text nor a protected
    value is refused here, because the schema's message would repeat the value on screen."""
    odd = [p for p in paths if not isinstance(protected.get_path(record, p), str) and not protected.is_protected(
        protected.get_path(record, p))]
    if not odd:
        return record
    record = copy.deepcopy(record)
    wrong = []
    for p in odd:
        value = protected.get_path(record, p)
        if isinstance(value, int) and not isinstance(value, bool):
            protect._set(record, p, str(value))
        else:
            wrong.append(Finding(str(record.get("id", "?")), p, "privacy.not_text",
                                 {"title": i18n.title(schemas.field(record.get("type"), tuple(
                                     0 if isinstance(x, int) else x for x in p)).get("title", ""))}))
    if wrong:
        raise InvalidRecord(wrong, record=str(record.get("id", "?")))
    return record


# ---- events: who did what, when, why; never the value ---------------------------------------------

def _reason(reason: str | None, *, required: bool = True) -> str | None:
    text = re.sub(r"\s+", " ", reason or "").strip()
    if not text:
        if required:
            raise UsageError("privacy.reason_missing")
        return None
    if cleartext.clear_kinds(text):
        raise ReasonHasIdentifier()
    return text


def _event(ledger, action: str, *, subject: str | None = None, field: str | None = None,
           reason: str | None = None) -> dict:
    who = ledger.author()
    event = {"id": ids.new_id("event"), "type": "event", "schema_version": 1, "action": action,
             "actor": f"{who.name} <{who.email}>",
             "at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    for key, value in (("subject", subject), ("field", field), ("reason", reason)):
        if value:
            event[key] = value
    return event


def erased_in_ledger(ledger, record_id: str) -> bool:
    return bool(ledger.find("event", action=ERASE, subject=record_id))


def _field_path(ledger, record: dict, field: str | tuple) -> tuple:
    """('identity', 'id_number') from 'identity.id_number', 'id_number' or a tuple."""
    schemas = ledger.schemas()
    patterns = schemas.protected.get(record.get("type"), [])
    path = tuple(field) if isinstance(field, (tuple, list)) else tuple(
        int(p) if p.isdigit() else p for p in str(field).split("."))
    if not _matches(path, patterns):
        short = [p for p in patterns if p[-1] == path[-1] and len(path) == 1 and "*" not in p]
        if len(short) == 1:
            path = short[0]
    if not _matches(path, patterns):
        raise NotProtected(record=record.get("id", "?"), field=".".join(map(str, path)))
    return path


def _matches(path: tuple, patterns: Iterable[tuple]) -> bool:
    return any(len(p) == len(path) and all(a == "*" and isinstance(b, int) or a == b for a, b in zip(p, path))
               for p in patterns)


def record_reveal(ledger, record_id: str, field: str | tuple, reason: str) -> str:
    """The clear value of one protected field, after recording who revealed it and why as an
    event (查看) in the ledger. Nothing is shown when the event cannot be committed."""
    reason = _reason(reason)
    if ledger.read_only:
        raise RevealReadOnly(record=record_id)
    record = ledger.get(ids.check_id(record_id))
    path = _field_path(ledger, record, field)
    dotted = ".".join(map(str, path))
    if erased_in_ledger(ledger, record_id):
        raise Erased(record=record_id)
    node = value_at(record, path, None)
    if node is None:
        raise FieldEmpty(record=record_id, field=dotted)
    if ledger.keys is None:
        raise RevealNoKey(record=record_id, field=dotted,
                          masked=node.get("masked", "") if isinstance(node, dict) else "")
    value = protect.reveal(record, path, ledger.schemas(), fresh_keys(ledger))
    ledger.put(_event(ledger, REVEAL, subject=record_id, field=dotted, reason=reason), action="reveal")
    return value


def reveal_list(ledger, subject: str, records: list[dict], fields: tuple[str, ...], reason: str) -> dict[tuple[str, str], str]:
    """The clear values of some protected fields of a list of records (a bank roster's ID and card
    numbers), after recording one reveal event about the list (`subject`: the batch) with the
    reason. A value not stored, or of an erased student, is left out."""
    reason = _reason(reason)
    if ledger.read_only:
        raise RevealReadOnly(record=subject)
    if ledger.keys is None:
        raise RevealNoKey(record=subject, field=", ".join(fields), masked="")
    keys = fresh_keys(ledger)
    out: dict[tuple[str, str], str] = {}
    for record in records:
        if record["id"] in keys.erased:
            continue
        for field in fields:
            path = tuple(field.split("."))
            if value_at(record, path, None) is not None:
                out[(record["id"], field)] = protect.reveal(record, path, ledger.schemas(), keys)
    ledger.put(_event(ledger, REVEAL, subject=subject, field=", ".join(fields), reason=reason), action="reveal")
    return out


# ---- erasure ---------------------------------------------------------------------------------------

def erase(ledger, record_id: str, reason: str) -> Saved:
    """Destroy a student's personal identifiers for good, in one commit: the record loses them
    (sealed value, masked form and hash), the erasure is recorded, and every other value is hashed
    again under the next hash key, derived one way from the current one and the erasure's id. Then
    the student's data key and the old hash key are deleted here. Old commits keep the old hashes
    and sealed blobs, which nothing in the key file can open or match any more. Other sites do the
    same to their key files on their next sync (`apply_erasures`)."""
    reason = _reason(reason)
    if ledger.read_only:
        raise ReadOnly(path=str(ledger.path))
    schemas = ledger.schemas()
    base = ledger.version(ids.check_id(record_id))
    record = ledger.get(record_id)
    if not schemas.protected.get(record.get("type")):
        raise NotErasable(record=record_id)
    keys = fresh_keys(ledger)
    if keys is None:
        raise EraseNoKey(record=record_id)  # without the hash key, the hashes could not be moved on
    if not (os.access(keys.path, os.W_OK) and os.access(keys.path.parent, os.W_OK)):
        raise KeyFileNotWritable(path=str(keys.path))
    apply_erasures(ledger)  # the hash key must be at the ledger's last erasure before it moves on
    event = _event(ledger, ERASE, subject=record_id, reason=reason)
    changes = [Change(record_id, protect.strip_identifiers(record, schemas), base)]
    changes += _rehashed(ledger, keys, keys.next_hash_key(event["id"]), skip=record_id)
    # Valid by construction: a valid record less its identifiers, valid records with only a hash
    # replaced, an event made here. Checking every student again would be most of the time it takes.
    saved = ledger.commit(changes + [Change(event["id"], event, NEW)], action="erase",
                          message=f"privacy: erase personal identifiers of {record_id}: {reason}",
                          extra_trailers={"Reason": reason}, checked=False)
    with _writing(keys):  # committed already: a later open (attach_keys) finishes it otherwise
        keys.erase_and_advance(record_id, event["id"])
    _stamp(keys)
    return saved[-1]


def _rehashed(ledger, keys: KeyStore, hash_key: bytes, skip: str | None = None) -> list[Change]:
    schemas = ledger.schemas()
    docs = _protected_records(ledger)
    committed = ledger.index.blobs   # (at the tip _protected_records read: one refresh, not one per record)
    changes = []
    for doc in docs:
        if doc["id"] == skip:
            continue
        new = protect.rehash_record(doc, schemas, keys, hash_key)
        if new is not doc and new != doc:
            changes.append(Change(doc["id"], new, committed.get(doc["id"])))
    return changes


def apply_erasures(ledger) -> list[str]:
    """Delete the local data keys of every student the ledger says was erased (at any site), and
    move the hash key on by every erasure not applied here yet. Call after every sync;
    `attach_keys` calls it on every open. Returns the ids erased now."""
    keys = fresh_keys(ledger)
    if keys is None:
        return []
    ledger.refresh()
    erasures = ledger.find("event", action=ERASE)
    subjects = {e.get("subject") for e in erasures} - {None}
    done = sorted(subjects - keys.erased)
    with _writing(keys):
        for student in done:
            keys.erase(student)
        keys.advance_hash([e["id"] for e in erasures])
    _stamp(keys)
    return done


def rehash_pending(ledger) -> int:
    """After the hash key moved on by an erasure made elsewhere: hash again, in one commit, the
    values only this site can open (its students not yet synced when the erasure was made).
    Returns how many records changed."""
    keys = fresh_keys(ledger)
    if keys is None or ledger.read_only or not keys.rehash_due or keys.hash_late:
        return 0
    changes = _rehashed(ledger, keys, keys.hmac_key)
    if changes:
        ledger.commit(changes, action="rehash",
                      message=f"privacy: hash {i18n.counted(len(changes), 'record')} again under the hash key after an erasure")
    with _writing(keys):
        keys.mark_rehashed()
    _stamp(keys)
    return len(changes)


# ---- key rotation ------------------------------------------------------------------------------

@dataclass
class Rotated:
    old_key_ids: list[str]
    new_key_id: str
    commits: list[str]
    values: int


def rotate(ledger, reason: str | None = None) -> Rotated:
    """Re-seal every protected value under a new key generation in one commit, then destroy the
    old generation. A rotation cut short (a crash, a conflict) is finished by running it again;
    until then both generations are kept, so nothing ever becomes unreadable by accident."""
    reason = _reason(reason, required=False)
    if ledger.read_only:
        raise ReadOnly(path=str(ledger.path))
    keys = fresh_keys(ledger)
    if keys is None:
        raise KeyMissing(record="-", field="-")
    if not (os.access(keys.path, os.W_OK) and os.access(keys.path.parent, os.W_OK)):
        raise KeyFileNotWritable(path=str(keys.path))
    if len(keys.key_ids) == 1:
        keys.rotate()
        _stamp(keys)
    old = [k for k in keys.key_ids if k != keys.key_id]
    event = _event(ledger, ROTATE, reason=reason)
    event["notes"] = f"{', '.join(old)} -> {keys.key_id}"  # key ids only: never key material
    commits: list[str] = []
    values = 0
    for _round in range(ROTATION_ROUNDS):
        # Another writer may seal under an old generation until it notices the rotation: go
        # round again until nothing under an old key is left, and only then destroy it.
        changes, count = _resealed(ledger, keys)
        if event is not None:
            changes.append(Change(event["id"], event, NEW))
        if not changes:
            break
        title = f"privacy: rotate keys {','.join(old)} -> {keys.key_id}: re-seal {count} values"
        try:
            saved = ledger.commit(changes, action="rotate", message=title)
        except Conflict:
            continue  # a record changed under us: read it again
        event = None
        values += count
        commits.append(saved[0].commit)
    else:
        raise RotationUnfinished(key_id=keys.key_id)
    for key_id in old:
        keys.confirm_rotation(key_id)
    _stamp(keys)
    return Rotated(old, keys.key_id, [c for c in commits if c], values)


def _resealed(ledger, keys: KeyStore) -> tuple[list[Change], int]:
    schemas = ledger.schemas()
    changes: list[Change] = []
    count = 0
    for doc in _protected_records(ledger):
        try:
            new = protect.reseal_record(doc, schemas, keys)
        except Erased:
            new = protect.strip_sealed(doc, schemas)  # its key is gone: the blob is noise
        if new != doc:
            count += sum(1 for p in protected.field_paths(doc, schemas) if value_at(new, p, None) != value_at(doc, p, None))
            changes.append(Change(doc["id"], new, ledger.version(doc["id"])))
    return changes, count


def _protected_records(ledger) -> list[dict]:
    ledger.refresh()
    schemas = ledger.schemas()
    return [doc for rtype, patterns in schemas.protected.items() if patterns for doc in ledger.records(rtype)]


# ---- the history -------------------------------------------------------------------------------

def scan_history(ledger, since: str | None = None):
    """Every clear identifier anywhere in the history (after `since`): [(commit, path, kind)] (see store/privacy/migrate.py)."""
    from store.privacy.migrate import scan_history as scan
    return scan(ledger, since)


def status(ledger) -> dict[str, Any]:
    """What `bangfu key status` shows: where the keys are and what they can open (no key material)."""
    path = key_path(ledger)
    info: dict[str, Any] = {"path": str(path), "exists": path.exists(), "ledger_id": ledger.config["ledger_id"],
                            "configured": bool(ledger.git.config("bangfu.keyfile"))}
    if path.exists():
        info["mode"] = f"{os.stat(path).st_mode & 0o777:04o}"
    schemas = ledger.schemas()
    by_key: dict[str, int] = {}
    held: set[tuple[str, str]] = set()
    for doc in _protected_records(ledger):
        for p in protected.field_paths(doc, schemas):
            node = protected.get_path(doc, p)
            if protected.is_protected(node) and node.get("sealed"):
                by_key[node.get("key", "?")] = by_key.get(node.get("key", "?"), 0) + 1
                held.add((doc["id"], node.get("key", "?")))
    info["sealed_by_key"] = by_key
    if ledger.keys is not None and not _bound(ledger, ledger.keys):
        info.update(other_ledger=ledger.keys.ledger_id)
        return info
    keys = fresh_keys(ledger)
    if keys is not None:
        info["hash_late"] = len(keys.hash_late)
        erasures = {e.get("subject") for e in ledger.find("event", action=ERASE)} - {None}
        missing = {rid for rid, kid in held
                   if kid not in keys.key_ids or rid in keys.erased or not keys.data_keys(rid, kid)}
        info.update(key_id=keys.key_id, generations=keys.key_ids, rotation_pending=len(keys.key_ids) > 1,
                    erased=len(keys.erased), erasures_pending=len(erasures - keys.erased),
                    students_unreadable=len(missing))
    return info


def describe_status(info: dict[str, Any]) -> list[str]:
    """`status` as lines for a person."""
    t = i18n.t
    lines = [t("privacy.cmd.status_path", path=info["path"], mode=info.get("mode", "-"))]
    if not info["exists"]:
        lines.append(t("privacy.cmd.status_no_key"))
    elif info.get("other_ledger"):
        lines.append(t("privacy.cmd.status_other_ledger", other=info["other_ledger"]))
    else:
        lines.append(t("privacy.cmd.status_key", key_id=info["key_id"], erased=info["erased"]))
        if info["rotation_pending"]:
            lines.append(t("privacy.cmd.status_rotation_pending", key_ids=", ".join(info["generations"])))
        if info["erasures_pending"]:
            lines.append(t("privacy.cmd.status_erasures_pending", count=info["erasures_pending"]))
        if info["students_unreadable"]:
            lines.append(t("privacy.cmd.status_unreadable", count=info["students_unreadable"]))
        if info.get("hash_late"):
            lines.append(t("privacy.cmd.status_hash_late", count=info["hash_late"]))
        lines.append(t("privacy.cmd.status_trust"))
    for kid, n in sorted(info["sealed_by_key"].items()):
        lines.append(t("privacy.cmd.status_sealed", key_id=kid, count=n))
    return lines
