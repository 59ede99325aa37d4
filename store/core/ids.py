"""Record ids and the file path each one lives at.

An id is a type prefix plus a ULID (`visit-01JB…`): unique across sites without
coordination, sortable by creation time, and strict enough that it can never
name a path outside `records/`.
"""
from __future__ import annotations

import functools
import hashlib
import re

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
