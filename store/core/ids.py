"""Record ids and the file path each one lives at.

An id is a type prefix plus a ULID (`visit-01JB…`): unique across sites without
coordination, sortable by creation time, and strict enough that it can never
name a path outside `records/`.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import time

RECORD_TYPES = ("school", "plan", "visit", "student", "aid", "standard", "event", "calendar", "recognition", "posting",
                "teacher", "measurement", "inspection", "adjustment", "batch",
                "sponsorship", "unit")
_ULID = r"[0-9A-HJKMNP-TV-Z]{26}"
# Always used with fullmatch: `$` also matches before a final newline, and an id with one
# made a file named `visit-…\n.json` that no `show` of the id could find.
ID_RE = re.compile(rf"({'|'.join(RECORD_TYPES)})-({_ULID})")
RECORDS_DIR = "records"


class BadId(ValueError):
    def __init__(self, value: object):
        super().__init__(value)
        self.value = value


def new_id(record_type: str) -> str:
    if record_type not in RECORD_TYPES:
        raise BadId(record_type)
    from ulid import ULID  # 30 ms to import: only commands that create records pay it

    return f"{record_type}-{ULID()}"


_BASE32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def new_ids(record_type: str, count: int) -> list[str]:
    """`count` new ids at once, each what `new_id` makes (a ULID: the time in milliseconds, then 80
    random bits) for a twentieth of its time: a disbursement makes 50,000 payments."""
    if record_type not in RECORD_TYPES:
        raise BadId(record_type)
    stamp = int(time.time() * 1000).to_bytes(6, "big")
    noise = os.urandom(10 * count)
    out = []
    for at in range(0, 10 * count, 10):
        # A ULID is its 128 bits in Crockford's base 32 from two zero bits on: the standard base 32
        # of the bits moved 30 places up (160 bits, 32 letters), cut to 26, in Crockford's letters.
        bits = int.from_bytes(stamp + noise[at:at + 10], "big") << 30
        out.append(f"{record_type}-{base64.b32encode(bits.to_bytes(20, 'big'))[:26].translate(_BASE32).decode()}")
    # In order, as ids made one after another are: the index then adds their rows at the end of
    # its tables rather than here and there.
    return sorted(out)


def check_id(value: object) -> str:
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise BadId(value)
    return value


def is_id(value: object) -> bool:
    return isinstance(value, str) and bool(ID_RE.fullmatch(value))


def type_of(record_id: str) -> str:
    return check_id(record_id).split("-", 1)[0]


def shard(record_id: str) -> str:
    # A hash, not the ULID's leading (time) characters: records made in one term
    # would otherwise all land in one folder.
    return hashlib.sha1(record_id.encode()).hexdigest()[:2]


def path_of(record_id: str) -> str:
    if not isinstance(record_id, str):
        raise BadId(record_id)
    return _path_of(record_id)


@functools.lru_cache(maxsize=1 << 17)
def _path_of(record_id: str) -> str:
    # (asked several times for each record of a save: 50,000 payments in a disbursement)
    check_id(record_id)
    return f"{RECORDS_DIR}/{type_of(record_id)}/{shard(record_id)}/{record_id}.json"


# One whole entry of `git ls-tree -r -z` run on the records folder that names a record file:
# (blob, id). Opening a big ledger matches all entries at once instead of one path at a time.
# Anchored at the start of an entry (no entry holds a NUL), so a folder whose name looks like
# an entry cannot pass for one: as many matches as entries means every entry is a record's.
LISTED_RECORD = re.compile(rf"(?:(?<=\0)|\A)[0-7]{{6}} blob ([0-9a-f]{{40}})\t(?P<t>{'|'.join(RECORD_TYPES)})/"
                           rf"[0-9a-f]{{2}}/((?P=t)-{_ULID})\.json\0")


def id_from_path(path: str, *, check_shard: bool = True) -> str | None:
    """The id a record file's path names, or None if the path is not a record path.
    (Opening a big ledger skips the shard check; `bangfu validate` makes it.)"""
    parts = path.split("/")
    if len(parts) != 4 or parts[0] != RECORDS_DIR or not parts[3].endswith(".json"):
        return None
    rid = parts[3][: -len(".json")]
    if not ID_RE.fullmatch(rid) or rid[: len(parts[1])] != parts[1] or rid[len(parts[1])] != "-":
        return None
    if check_shard and shard(rid) != parts[2]:
        return None
    return rid
