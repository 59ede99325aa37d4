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
from array import array
from collections.abc import Iterable, Iterator, Sequence

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


# The ways a ledger lays out its record files, by the `format` number in its bangfu.json:
# 1: records/<type>/XX/<id>.json; 2: records/<type>/XX/Y/<id>.json (XX the first two hex digits
# of sha1(id), Y the third). At a million records a folder XX of format 1 holds about 1,560
# entries, and a sync that changes a thousand records rewrites a thousand such trees (git's part
# of it 10.8 s; 2.7 s with the folders of format 2: bench/bench_layout.py).
LAYOUTS = (1, 2)
LATEST = 2
MOVE_ACTION = "upgrade-layout"   # the `Action` trailer of the commit that moves every record to LATEST
SET_ASIDE_ACTION = "set-aside"   # the `Action` trailer of the commit that says an unpushed commit was set aside
SET_ASIDE_REFS = "refs/bangfu/set-aside/"   # + the commit set aside -> the branch as it stood before (bangfu unpushed)
_DEPTH = {1: 1, 2: 2}   # layout -> folder levels between the type's folder and the file


def shard(record_id: str, layout: int) -> str:
    """The folders between the type's and the file: `ab` (format 1) or `ab/c` (format 2)."""
    # A hash, not the ULID's leading (time) characters: records made in one term
    # would otherwise all land in one folder.
    digest = hashlib.sha1(record_id.encode()).hexdigest()
    if layout == 1:
        return digest[:2]
    return f"{digest[:2]}/{digest[2]}"


def path_of(record_id: str, layout: int) -> str:
    """Where a record lives in a ledger of the given format (`Ledger.layout`, `layout_of`)."""
    if not isinstance(record_id, str):
        raise BadId(record_id)
    return _path_of(record_id, layout)


@functools.lru_cache(maxsize=1 << 17)
def _path_of(record_id: str, layout: int) -> str:
    # (asked several times for each record of a save: 50,000 payments in a disbursement)
    check_id(record_id)
    return f"{RECORDS_DIR}/{type_of(record_id)}/{shard(record_id, layout)}/{record_id}.json"


def paths_of(record_id: str) -> list[str]:
    """Every path a record may have had: its history runs on across a move to another layout."""
    return [path_of(record_id, layout) for layout in LAYOUTS]


def layout_of(config: dict) -> int:
    """The layout of a ledger whose bangfu.json says `config` (1 where it says none)."""
    value = config.get("format", 1)
    return value if type(value) is int else 0


# One whole entry of `git ls-tree -r -z` run on the records folder that names a record file, in
# either layout: (blob, id). Opening a big ledger matches all entries at once instead of one path
# at a time. Anchored at the start of an entry (no entry holds a NUL), so a folder whose name looks
# like an entry cannot pass for one: as many matches as entries means every entry is a record's.
LISTED_RECORD = re.compile(rf"(?:(?<=\0)|\A)[0-7]{{6}} blob ([0-9a-f]{{40}})\t(?P<t>{'|'.join(RECORD_TYPES)})/"
                           rf"[0-9a-f]{{2}}/(?:[0-9a-f]/)?((?P=t)-{_ULID})\.json\0")


def id_from_path(path: str, *, layout: int | None = None, check_shard: bool = True) -> str | None:
    """The id a record file's path names, or None if the path is not a record path: of the given
    layout, or (None) of either, where only the id matters (a record's history crosses the move
    from one to the other). Opening a big ledger skips the shard check; `bangfu validate` makes it,
    for the ledger's layout."""
    parts = path.split("/")
    depth = len(parts) - 3
    if depth not in (1, 2) or parts[0] != RECORDS_DIR or not parts[-1].endswith(".json"):
        return None
    if layout is not None and depth != _DEPTH.get(layout):
        return None
    rid = parts[-1][: -len(".json")]
    if not ID_RE.fullmatch(rid) or rid[: len(parts[1])] != parts[1] or rid[len(parts[1])] != "-":
        return None
    if check_shard and shard(rid, next(n for n, d in _DEPTH.items() if d == depth)) != "/".join(parts[2:-1]):
        return None
    return rid


def paired(changes: dict[str, tuple[str | None, str | None]], under: str = "") -> dict[str, tuple[str | None, str | None]]:
    """A diff of two trees (path -> (old blob, new blob), None where absent) with each record that
    only changed its place (a ledger moved to another layout: `bangfu upgrade-layout`) paired by
    its id: one entry at its new path, (old blob, new blob), and none at all where the blob is the
    same. Every other entry as it was. A record is one record across the move, never a deletion
    and an addition. `under`: the folder the paths are relative to (`records/` for a diff of two
    records folders)."""
    gone: dict[str, str] = {}
    come: dict[str, str] = {}
    for path, (old, new) in changes.items():
        if old is None and new is not None:
            come[path] = new
        elif new is None and old is not None:
            gone[path] = old
    if not gone or not come:
        return changes   # (within one layout a record's path never changes)
    # (each path the one its id gives in its layout, and the two in different layouts: a file moved
    # to another folder of the same layout is no such move, and stays a deletion and an addition)
    gone_ids = {rid: path for path in gone if (rid := id_from_path(under + path))}
    out = dict(changes)
    for path, new in come.items():
        rid = id_from_path(under + path)
        was = gone_ids.get(rid) if rid else None
        if was is None or was.count("/") == path.count("/"):
            continue
        old = out.pop(was)[0]
        if old == new:
            del out[path]
        else:
            out[path] = (old, new)
    return out


class IdTable:
    """Many record ids held once, in one block of bytes and the end of each, each id numbered by
    where it stands. A term's figures at a county's decade name 250,000 students and 95,000
    payments, in several lists each (by status, due, unpaid, by group): as str objects in tuples
    they took 40 MB in every dashboard and 430,000 objects to read back from the remembered
    figures; as one block and arrays of numbers into it (`IdList`), about 13 MB and a few hundred
    objects, and a block that large goes back to the system whole when it is freed."""
    __slots__ = ("_block", "_ends", "_numbers")

    def __init__(self, block: bytes = b"", ends: array | None = None) -> None:
        self._block, self._ends = block, ends if ends is not None else array("I")
        self._numbers: dict[str, int] | None = None   # (while ids are being added)

    def number(self, rid: str) -> int:
        """The number of an id, the id added at the end when the table does not hold it yet."""
        if self._numbers is None:
            self._numbers = {self[n]: n for n in range(len(self))}
            self._block = bytearray(self._block)
        n = self._numbers.get(rid)
        if n is None:
            n = self._numbers[rid] = len(self._ends)
            self._block += rid.encode()
            self._ends.append(len(self._block))
        return n

    def list(self, rids: Iterable[str]) -> "IdList":
        """The ids as numbers into this table (added to it where new)."""
        return IdList(self, array("I", map(self.number, rids)))

    def done(self) -> "IdTable":
        """No more ids to add: the look-up used to add them is let go."""
        self._numbers = None
        self._block = bytes(self._block)
        return self

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, n: int) -> str:
        return self._block[self._ends[n - 1] if n else 0:self._ends[n]].decode()

    def __reduce__(self):
        return IdTable, (bytes(self._block), self._ends)


class IdList(Sequence):
    """A list of record ids held as numbers into an `IdTable`; read as a tuple of the ids (each id
    made when asked), and equal to the tuple of the same ids."""
    __slots__ = ("table", "numbers")

    def __init__(self, table: IdTable, numbers: array) -> None:
        self.table, self.numbers = table, numbers

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, n):
        if isinstance(n, slice):
            return tuple(self.table[i] for i in self.numbers[n])
        return self.table[self.numbers[n]]

    def __iter__(self) -> Iterator[str]:
        table = self.table
        return (table[i] for i in self.numbers)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IdList) and other.table is self.table:
            return self.numbers == other.numbers
        return isinstance(other, (tuple, IdList)) and len(self) == len(other) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self):
        return IdList, (self.table, self.numbers)


def joined(parts: Iterable[Sequence[str]]) -> Sequence[str]:
    """The ids of several lists one after another: numbers into the same table where they all are."""
    parts = list(parts)
    if parts and all(isinstance(p, IdList) and p.table is parts[0].table for p in parts):
        numbers = array("I")
        for p in parts:
            numbers.extend(p.numbers)
        return IdList(parts[0].table, numbers)
    return tuple(i for p in parts for i in p)
