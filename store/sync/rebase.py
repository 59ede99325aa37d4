"""A save over a record someone else changed since the edit began: the edit is replayed on top of
their change, field by field, against the version the edit started from (the same three-way
merge a sync does, `merge.merge_record`).

Fields only the editor changed keep the editor's value, fields only the other changed keep
theirs, so nobody undoes another coordinator's change by saving. Fields both changed are the editor's
to decide: they come back as conflicts, and nothing is saved until each is chosen.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from store.core.diff import MISSING
from store.core.errors import Conflict
from store.ledger.ledger import Ledger, Saved
from store.sync.merge import FieldConflict, merge_record

ATTEMPTS = 8


@dataclass
class Rebased:
    """The editor's record replayed on theirs; where both changed a field it holds the editor's
    value, and `conflicts` lists those fields for the editor to choose."""
    record: dict
    theirs: dict | None          # None: they deleted the record
    version: str | None          # their version: what a save of the result is based on
    conflicts: list[FieldConflict] = field(default_factory=list)
    by: str = "?"                # who made their change, and when
    at: str = "?"


def replay(ledger: Ledger, mine: dict, base: str | None) -> Rebased:
    """`mine` (an edit of the version `base`) on top of the record as now committed."""
    record_id = mine["id"]
    while True:   # (the version and the record read as one: a save in between reads again)
        version = ledger.version(record_id)
        theirs = ledger.peek([record_id])[0] if version else None
        if ledger.version(record_id) == version:
            break
    theirs = json.loads(json.dumps(theirs)) if theirs is not None else None
    started = json.loads(ledger.git.read_blob(base)) if base else None
    if theirs is None:
        return Rebased(mine, None, None, [FieldConflict((), started if started else MISSING, mine, MISSING)])
    merged = merge_record(started, mine, theirs, ledger.schemas())
    return Rebased(merged.result, theirs, version, merged.conflicts)


def save(ledger: Ledger, mine: dict, base: str | None) -> Saved | Rebased:
    """Save an edit of version `base`. Saved when it went in (replayed on another's change if
    there was one); Rebased, with nothing saved, when both changed the same field."""
    for _ in range(ATTEMPTS):
        try:
            return ledger.put(mine, base=base)
        except Conflict as exc:
            if not isinstance(base, str):   # a new record whose id exists, or the ledger too busy
                raise
            rebased = replay(ledger, mine, base)
            if rebased.conflicts:
                rebased.by, rebased.at = str(exc.params.get("by", "?")), str(exc.params.get("at", "?"))
                return rebased
            mine, base = rebased.record, rebased.version
    return ledger.put(mine, base=base)   # (still racing: this one says so with its Conflict)
