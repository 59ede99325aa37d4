"""The keys of one ledger, kept in a JSON file OUTSIDE the repository.

Git never forgets, so nothing in here may ever be committed: the file lives under
`$BANGFU_KEYS` or `~/.config/bangfu/keys/`, or at a server path named in config.

Contents:
- `hmac_key`: one per ledger at a time, for duplicate detection. Every erasure replaces it by
  a key derived one way from it and the erasure event's id (`hash_chain` lists the erasures
  applied, in order), so every site that applies the same erasures computes the same hashes,
  and the key left after an erasure matches none of the hashes committed before it;
- `rehashed`: the last erasure after which this site re-hashed the values it can open;
- `generations`: key id -> per-student data keys (AES-256-GCM). A student's
  values are sealed under their own key so erasing one student is deleting one
  key; a list per student because two sites may each have created one before
  they exchanged keys, and values sealed under either must stay readable;
- `erased` student ids and `retired` key ids: tombstones, so that merging an
  older copy of the keys never brings a destroyed key back.

Every change happens under an flock on `<file>.lock`: the file is re-read inside
the lock and the change applied to what is on disk, so two coordinators adding
students at once both keep their keys. Writes are atomic (temp + os.replace).

A process holding the store open keeps each generation's data keys as one sorted table of raw
bytes (`DataKeys`), not the file's JSON objects: a county's decade has 250,000 students, whose keys
held as parsed JSON took 68 MB in every dashboard, and 17 MB in the table. The tables are made the
first time a data key is asked for (a student's value sealed or opened): a dashboard showing the
figures and lists never asks, and holds none. The file on disk is the same JSON either way.
"""
from __future__ import annotations

import base64
import bisect
import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import secrets
import stat
import tempfile
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from store.core import clock, memory
from store.privacy.errors import (Erased, ExportCorrupt, KeyFileCorrupt, KeyFileExists, KeyFileNotFound,
                                   KeyFileUnsafe, KeyInRepository, KeyMismatch, LedgerIdInvalid, PassphraseWeak,
                                   PassphraseWrong, RotationPending)

FORMAT = "bangfu-keys"
EXPORT_FORMAT = "bangfu-keys-export"
KEY_BYTES = 32
# Scrypt cost: ~32 MiB and well under a second, fine for a one-off export/import.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1
SCRYPT_MAX_N = 2 ** 20  # an export file must not make us allocate gigabytes
MIN_PASSPHRASE = 8
_LEDGER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def _new_key_id() -> str:
    # Dated so a person can tell generations apart; random so two sites never clash.
    return f"k{clock.today():%Y%m%d}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Rotation:
    """What `rotate()` did: the caller re-seals every value, commits, then confirms."""
    old_key_id: str
    new_key_id: str
    keys: dict[str, tuple[list[bytes], bytes]]  # student id -> (old data keys, new data key)


class DataKeys(Mapping):
    """One generation's data keys, student id -> keys (base64, as in the file), held as a sorted
    table: the ids in one bytes object with their offsets, each student's single key as 32 raw
    bytes beside them. A student with several keys (two sites each made one before they exchanged
    keys) or a key of another length is kept as the file has it. Read-only: changes are made to
    the file's JSON (`KeyStore._update`) and the table is made again from it."""

    def __init__(self, keys: dict[str, list[str]]):
        ids = sorted(keys)
        encoded = [sid.encode("utf-8") for sid in ids]
        self._ends = array("Q")
        total = 0
        for raw in encoded:
            total += len(raw)
            self._ends.append(total)
        self._ids = b"".join(encoded)
        single = bytearray(KEY_BYTES * len(ids))
        self._other: dict[str, list[str]] = {}   # (several keys, or one not of KEY_BYTES)
        for n, sid in enumerate(ids):
            found = keys[sid]
            try:
                raw = _unb64(found[0]) if isinstance(found, list) and len(found) == 1 else b""
            except (ValueError, TypeError, AttributeError):   # (a hand-edited file: its reader says so)
                raw = b""
            if len(raw) == KEY_BYTES:
                single[n * KEY_BYTES:(n + 1) * KEY_BYTES] = raw
            else:
                self._other[sid] = found
        self._keys = bytes(single)

    def _id(self, n: int) -> bytes:
        return self._ids[self._ends[n - 1] if n else 0:self._ends[n]]

    def __len__(self) -> int:
        return len(self._ends)

    def __iter__(self) -> Iterator[str]:
        return (self._id(n).decode("utf-8") for n in range(len(self._ends)))

    def __getitem__(self, student_id: str) -> list[str]:
        if not isinstance(student_id, str):
            raise KeyError(student_id)
        raw = student_id.encode("utf-8")
        n = bisect.bisect_left(range(len(self._ends)), raw, key=self._id)
        if n == len(self._ends) or self._id(n) != raw:
            raise KeyError(student_id)
        if student_id in self._other:
            return list(self._other[student_id])   # (a copy, as the file's JSON gave)
        return [_b64(self._keys[n * KEY_BYTES:(n + 1) * KEY_BYTES])]


def _held(state: dict[str, Any], tables: bool = True) -> dict[str, Any]:
    """The state as a process holds it: each generation's data keys as a `DataKeys` table (None
    without `tables`: not read yet)."""
    generations = {kid: {**gen, "data_keys": DataKeys(gen["data_keys"]) if tables else None}
                   for kid, gen in state["generations"].items()}
    return {**state, "generations": generations}


class KeyStore:
    def __init__(self, path: Path, state: dict[str, Any], *, tables: bool = True):
        self.path = path
        self._state = _held(state, tables)

    # ---- locating, creating, opening -------------------------------------------------

    @staticmethod
    def locate(ledger_id: str, configured_path: str | os.PathLike | None = None) -> Path:
        """Where the keys of a ledger live: the configured path, else $BANGFU_KEYS/<id>.json,
        else ~/.config/bangfu/keys/<id>.json."""
        if configured_path:
            return Path(configured_path).expanduser()
        _check_ledger_id(ledger_id)
        base = os.environ.get("BANGFU_KEYS")
        folder = Path(base).expanduser() if base else Path.home() / ".config" / "bangfu" / "keys"
        return folder / f"{ledger_id}.json"

    @classmethod
    def create(cls, path: str | os.PathLike, ledger_id: str, *, mode: int = 0o600,
               repo_root: str | os.PathLike | None = None) -> "KeyStore":
        """A new key file (mode 0600, or 0640 for a group-readable server path)."""
        path = Path(path).expanduser()
        _check_ledger_id(ledger_id)
        if mode not in (0o600, 0o640):
            raise KeyFileUnsafe(path=str(path), mode=f"{mode:04o}")
        if repo_root is not None and _inside(path, Path(repo_root)):
            raise KeyInRepository(path=str(path))
        key_id = _new_key_id()
        state = {"format": FORMAT, "version": 1, "ledger": ledger_id,
                 "hmac_key": _b64(secrets.token_bytes(KEY_BYTES)), "current": key_id,
                 "generations": {key_id: {"created": _now(), "data_keys": {}}},
                 "erased": [], "retired": []}
        _install(path, state, mode)
        return cls(path, state)

    @classmethod
    def open(cls, path: str | os.PathLike) -> "KeyStore":
        path = Path(path).expanduser()
        store = cls(path, _read(path), tables=False)
        memory.give_back()   # (the file's JSON, parsed and dropped)
        return store

    # ---- reading ----------------------------------------------------------------------

    @property
    def ledger_id(self) -> str:
        return self._state["ledger"]

    @property
    def key_id(self) -> str:
        return self._state["current"]

    @property
    def key_ids(self) -> list[str]:
        return list(self._state["generations"])

    @property
    def hmac_key(self) -> bytes:
        return _unb64(self._state["hmac_key"])

    @property
    def erased(self) -> frozenset[str]:
        return frozenset(self._state["erased"])

    @property
    def hash_chain(self) -> list[str]:
        """The erasure events the hash key was moved on by, oldest first."""
        return list(self._state.get("hash_chain", []))

    @property
    def rehash_due(self) -> bool:
        """The hash key moved on since this site last re-hashed what it can open."""
        chain = self._state.get("hash_chain", [])
        return bool(chain) and self._state.get("rehashed") != chain[-1]

    def next_hash_key(self, event_id: str) -> bytes:
        """The hash key after the erasure `event_id`: the old one cannot be worked out from it."""
        return _next_hash_key(self.hmac_key, event_id)

    def advance_hash(self, event_ids: list[str], *, rehashed: bool = False) -> list[str]:
        """Move the hash key on by the erasures not applied yet, oldest first, destroying the old
        key; the ids that could not be applied in order (an erasure made elsewhere before one
        applied here: only a key import from that site brings both sites to one hash key again)."""
        out: dict[str, list[str]] = {"late": []}
        if rehashed or set(event_ids) - set(self.hash_chain):
            self._update(lambda state: out.update(late=_advance(state, event_ids, rehashed)))
        return out["late"]

    def erase_and_advance(self, student_id: str, event_id: str) -> None:
        """`erase` and `advance_hash([event_id], rehashed=True)` in one write of the key file (an
        erasure made here, its re-hash committed)."""
        def both(state: dict[str, Any]) -> None:
            _drop_student(state, student_id)
            _advance(state, [event_id], True)
        self._update(both)

    def mark_rehashed(self) -> None:
        def mark(state: dict[str, Any]) -> None:
            if state.get("hash_chain"):
                state["rehashed"] = state["hash_chain"][-1]
        self._update(mark)

    @property
    def hash_late(self) -> list[str]:
        return list(self._state.get("hash_late", []))

    def ensure_data_keys(self, student_ids: list[str]) -> None:
        """Create the missing data keys of many students in one write (an import of
        thousands of students would otherwise rewrite the file thousands of times)."""
        self.reload()  # once, not once per student (data_keys() reloads on every miss)
        missing = [sid for sid in student_ids if not self._lookup(sid, None) and sid not in self._state["erased"]]
        if not missing:
            return

        def add(state: dict[str, Any]) -> None:
            slot = state["generations"][state["current"]]["data_keys"]
            for sid in missing:
                if sid not in state["erased"]:
                    slot.setdefault(sid, [_b64(AESGCM.generate_key(bit_length=256))])
        self._update(add)

    def data_key(self, student_id: str, create: bool = False) -> bytes | None:
        """The key new values of this student are sealed under (current generation)."""
        if student_id in self._state["erased"]:
            self.reload()
            if student_id in self._state["erased"]:
                raise Erased(record=student_id)
        keys = self.data_keys(student_id)
        if keys or not create:
            return keys[0] if keys else None

        def add(state: dict[str, Any]) -> None:
            if student_id in state["erased"]:
                return  # erased by another process meanwhile: checked below
            slot = state["generations"][state["current"]]["data_keys"]
            slot.setdefault(student_id, [_b64(AESGCM.generate_key(bit_length=256))])
        self._update(add)
        if student_id in self._state["erased"]:
            raise Erased(record=student_id)
        return self.data_keys(student_id)[0]

    def data_keys(self, student_id: str, key_id: str | None = None, *, reload: bool = True) -> list[bytes]:
        """Every data key of a student in one generation (several after a merge); [] if none."""
        found = self._lookup(student_id, key_id)
        if not found and reload:
            # Another process may have added it since we read the file.
            self.reload()
            found = self._lookup(student_id, key_id)
        return [_unb64(k) for k in found]

    def _lookup(self, student_id: str, key_id: str | None) -> list[str]:
        gen = self._state["generations"].get(key_id or self._state["current"])
        if gen and gen["data_keys"] is None:   # (the first data key asked for since the file was opened)
            self.reload()
            gen = self._state["generations"].get(key_id or self._state["current"])
        return list(gen["data_keys"].get(student_id, [])) if gen else []

    def reload(self) -> None:
        self._state = _held(_read(self.path))
        memory.give_back()

    # ---- changing ---------------------------------------------------------------------

    def erase(self, student_id: str) -> None:
        """Destroy every data key of the student, in every generation, for good."""
        self._update(lambda state: _drop_student(state, student_id))

    def rotate(self) -> Rotation:
        """Start a new key generation with a fresh data key per student.

        The old generation stays until `confirm_rotation` (after the re-sealed records are
        committed) or is dropped again by `abort_rotation`, so a failed commit loses nothing.
        """
        new_id = _new_key_id()
        holder: dict[str, Any] = {}

        def start(state: dict[str, Any]) -> None:
            if len(state["generations"]) > 1:
                raise RotationPending(key_id=state["current"])
            old = state["current"]
            fresh = {sid: [_b64(AESGCM.generate_key(bit_length=256))]
                     for sid in state["generations"][old]["data_keys"]}
            state["generations"][new_id] = {"created": _now(), "data_keys": fresh}
            state["current"] = new_id
            holder.update(old=old, old_keys=state["generations"][old]["data_keys"], new_keys=fresh)
        self._update(start)
        old_gen, new_gen = holder["old_keys"], holder["new_keys"]
        keys = {sid: ([_unb64(k) for k in old_gen[sid]], _unb64(new_gen[sid][0])) for sid in old_gen}
        return Rotation(holder["old"], new_id, keys)

    def confirm_rotation(self, old_key_id: str) -> None:
        """Destroy the old generation: values sealed under it can never be opened again."""
        def destroy(state: dict[str, Any]) -> None:
            if old_key_id == state["current"]:
                raise RotationPending(key_id=old_key_id)
            state["generations"].pop(old_key_id, None)
            if old_key_id not in state["retired"]:
                state["retired"].append(old_key_id)
        self._update(destroy)

    def abort_rotation(self, rotation: Rotation) -> None:
        """Go back to the old generation (the re-sealed records were not committed)."""
        def undo(state: dict[str, Any]) -> None:
            if rotation.old_key_id not in state["generations"]:
                return
            state["generations"].pop(rotation.new_key_id, None)
            state["current"] = rotation.old_key_id
        self._update(undo)

    def _update(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Apply `change` to the file as it is on disk now, under the lock, atomically."""
        with _locked(self.path):
            state = _read(self.path)
            change(state)
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
            tmp = _write_temp(self.path, state, mode)
            os.replace(tmp, self.path)
            _fsync_dir(self.path.parent)
        self._state = _held(state)

    # ---- moving keys between sites ----------------------------------------------------

    def export_bytes(self, passphrase: str) -> bytes:
        """All keys, encrypted under a key derived from the passphrase (Scrypt + AES-GCM)."""
        if len(passphrase) < MIN_PASSPHRASE:
            raise PassphraseWeak(min=MIN_PASSPHRASE)
        state = _read(self.path)
        self._state = _held(state)
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        header = {"format": EXPORT_FORMAT, "version": 1, "ledger": state["ledger"],
                  "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)},
                  "nonce": _b64(nonce)}
        key = _derive(passphrase, header["kdf"])
        body = json.dumps(state, sort_keys=True).encode()
        sealed = AESGCM(key).encrypt(nonce, body, _header_aad(header))
        return (json.dumps({**header, "ciphertext": _b64(sealed)}, indent=1) + "\n").encode()

    @classmethod
    def import_bytes(cls, data: bytes, passphrase: str, path: str | os.PathLike, *,
                     mode: int = 0o600, repo_root: str | os.PathLike | None = None) -> "KeyStore":
        """Merge exported keys into the store at `path` (created if absent).

        Data keys are united, minus every student erased on either side; generations
        retired on either side are dropped; the newer current generation wins.
        """
        path = Path(path).expanduser()
        if repo_root is not None and _inside(path, Path(repo_root)):
            raise KeyInRepository(path=str(path))
        incoming = _decrypt_export(data, passphrase)
        if not path.exists():
            _check_ledger_id(incoming["ledger"])
            try:
                _install(path, incoming, mode)  # a new site takes the keys as they are
                return cls(path, incoming)
            except KeyFileExists:
                pass  # created by another process just now: merge into it
        store = cls.open(path)
        store._update(lambda state: _merge(state, incoming))
        return store


# ---- helpers ----------------------------------------------------------------------------

def _drop_student(state: dict[str, Any], student_id: str) -> None:
    for gen in state["generations"].values():
        gen["data_keys"].pop(student_id, None)
    if student_id not in state["erased"]:
        state["erased"].append(student_id)


def _advance(state: dict[str, Any], event_ids: list[str], rehashed: bool) -> list[str]:
    """The hash key moved on in `state` by the erasures it has not applied; returns the late ones."""
    chain = state.setdefault("hash_chain", [])
    late = []
    for eid in sorted(set(event_ids) - set(chain)):
        if chain and eid < chain[-1]:
            late.append(eid)
            continue
        state["hmac_key"] = _b64(_next_hash_key(_unb64(state["hmac_key"]), eid))
        chain.append(eid)
    if rehashed and chain:
        state["rehashed"] = chain[-1]
    state["hash_late"] = sorted(set(state.get("hash_late", [])) | set(late))
    return late


def _next_hash_key(key: bytes, event_id: str) -> bytes:
    h = hmac.HMAC(key, hashes.SHA256())
    h.update(b"bangfu/hash-key-after-erasure\0" + event_id.encode("ascii"))
    return h.finalize()


def _check_ledger_id(ledger_id: str) -> None:
    # It becomes a file name: nothing that could climb out of the keys folder.
    if not isinstance(ledger_id, str) or not _LEDGER_ID.match(ledger_id):
        raise LedgerIdInvalid()


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


@contextlib.contextmanager
def _locked(path: Path, mode: int = 0o600) -> Iterator[None]:
    lock = path.with_name(path.name + ".lock")
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(os.stat(path).st_mode)  # same readers as the key file, so they can lock too
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, mode & 0o660)
    except PermissionError:
        fd = os.open(lock, os.O_RDONLY)  # a shared lock file of another user: flock works read-only too
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _install(path: Path, state: dict[str, Any], mode: int) -> None:
    """Write a new key file; KeyFileExists rather than overwrite one (that would orphan every sealed value)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(path, mode):
        if path.exists():
            raise KeyFileExists(path=str(path))
        tmp = _write_temp(path, state, mode)
        try:
            os.link(tmp, path)  # atomic and exclusive: never a half-written key file
        finally:
            os.unlink(tmp)
        _fsync_dir(path.parent)


def _read(path: Path) -> dict[str, Any]:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise KeyFileNotFound(path=str(path)) from None
    if not stat.S_ISREG(st.st_mode):
        raise KeyFileCorrupt(path=str(path))
    if st.st_mode & 0o007:
        raise KeyFileUnsafe(path=str(path), mode=f"{stat.S_IMODE(st.st_mode):04o}")
    try:
        state = json.loads(path.read_bytes())
    except (OSError, ValueError):
        raise KeyFileCorrupt(path=str(path)) from None
    if not _valid_state(state):
        raise KeyFileCorrupt(path=str(path))
    return state


def _valid_state(state: Any) -> bool:
    try:
        return (state["format"] == FORMAT and state["version"] == 1
                and isinstance(state["ledger"], str) and len(_unb64(state["hmac_key"])) == KEY_BYTES
                and state["current"] in state["generations"]
                and all(isinstance(g["data_keys"], dict) for g in state["generations"].values())
                and isinstance(state["erased"], list) and isinstance(state["retired"], list))
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _write_temp(path: Path, state: dict[str, Any], mode: int) -> str:
    """A fully written, fsynced temp file next to `path`, with `mode`; returns its name."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode & 0o660)  # keep the group bits a server admin chose, never "other"
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            # Compact: json's indented form is written by pure Python, slow at 10k students' keys.
            fh.write(json.dumps(state, sort_keys=True, separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _header_aad(header: dict[str, Any]) -> bytes:
    # The header is authenticated too: a changed ledger id or KDF setting fails to open.
    return json.dumps(header, sort_keys=True).encode()


def _derive(passphrase: str, kdf: dict[str, Any]) -> bytes:
    return Scrypt(salt=_unb64(kdf["salt"]), length=KEY_BYTES, n=kdf["n"], r=kdf["r"],
                  p=kdf["p"]).derive(passphrase.encode("utf-8"))


def _decrypt_export(data: bytes, passphrase: str) -> dict[str, Any]:
    try:
        doc = json.loads(data)
        header = {k: v for k, v in doc.items() if k != "ciphertext"}
        kdf = header["kdf"]
        ok = (header["format"] == EXPORT_FORMAT and header["version"] == 1 and kdf["name"] == "scrypt"
              and isinstance(kdf["n"], int) and 2 <= kdf["n"] <= SCRYPT_MAX_N)
        if not ok:
            raise ValueError
        sealed, nonce = _unb64(doc["ciphertext"]), _unb64(header["nonce"])
        key = _derive(passphrase, kdf)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ExportCorrupt() from None
    try:
        state = json.loads(AESGCM(key).decrypt(nonce, sealed, _header_aad(header)))
    except InvalidTag:
        raise PassphraseWrong() from None
    if not _valid_state(state):
        raise ExportCorrupt()
    return state


def _merge(mine: dict[str, Any], theirs: dict[str, Any]) -> None:
    if mine["ledger"] != theirs["ledger"]:
        raise KeyMismatch(mine=mine["ledger"], theirs=theirs["ledger"])
    hmac_key, chain = _merged_hash_key(mine, theirs)
    erased = sorted(set(mine["erased"]) | set(theirs["erased"]))
    retired = sorted(set(mine["retired"]) | set(theirs["retired"]))
    generations: dict[str, Any] = {}
    for source in (mine, theirs):
        for kid, gen in source["generations"].items():
            if kid in retired:
                continue
            into = generations.setdefault(kid, {"created": gen["created"], "data_keys": {}})
            for sid, keys in gen["data_keys"].items():
                if sid in erased:
                    continue
                have = into["data_keys"].setdefault(sid, [])
                have.extend(k for k in keys if k not in have)
    currents = [s["current"] for s in (mine, theirs) if s["current"] in generations]
    if not currents:
        raise ExportCorrupt()
    current = max(currents, key=lambda kid: (generations[kid]["created"], kid))
    if hmac_key != mine["hmac_key"]:
        # Another key: what only this site can open is hashed again under it (rehash_pending).
        mine.pop("rehashed", None)
    mine.update(erased=erased, retired=retired, generations=generations, current=current, hmac_key=hmac_key,
                hash_chain=chain, hash_late=sorted(set(mine.get("hash_late", [])) - set(chain)))


def _merged_hash_key(mine: dict[str, Any], theirs: dict[str, Any]) -> tuple[str, list[str]]:
    """The hash key of the side that applied more erasures, once the other side's key, moved on by
    the same erasures, is found to be the same key (else two independent `key init`s of one
    ledger, whose hashes would never match).

    Two sites that each erased a student before they synced went their own ways: the later
    erasure reached the earlier site in order, the earlier one reached the later site too late
    (its `hash_late`), and neither can work out the other's key (the key they shared is gone).
    The key of the site that applied all of them, in order, is the one both keep: taken here
    when it has applied every erasure this side applied or holds as late."""
    short, long = sorted((mine, theirs), key=lambda s: len(s.get("hash_chain", [])))
    head, tail = short.get("hash_chain", []), long.get("hash_chain", [])
    if tail[:len(head)] != head:
        if not long.get("hash_late") and set(head) | set(short.get("hash_late", [])) <= set(tail):
            return long["hmac_key"], list(tail)
        raise KeyMismatch(mine=mine["ledger"], theirs=theirs["ledger"])
    key = _unb64(short["hmac_key"])
    for eid in tail[len(head):]:
        key = _next_hash_key(key, eid)
    if _b64(key) != long["hmac_key"]:
        raise KeyMismatch(mine=mine["ledger"], theirs=theirs["ledger"])
    return long["hmac_key"], list(tail)
