"""The rest of the ledger as the rules of one save see it, asked once for all the save's records.

A disbursement saves tens of thousands of payments in one commit, and the rules of each payment
ask the ledger the same kinds of question: its student, its standard, the student's other payments
of the programme in the term, the student's recognitions, the term's calendar. Asked payment by
payment, that is several SQLite queries each. Here a save's questions are asked once: the
payments of the term, the students in one read, each standard and calendar once, and the answers
kept for the length of the save. The answers are the source's own (the same records, in the same
order), so what a rule finds, and says, does not change.

`Bulk` is what the rules of a record type ask by a field of the record (store/rules/checks.py
declares it beside the rules)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

# Fewer records of a type than this in a save are checked with the source asked as they go: reading
# every recognition of the ledger to check one payment would be the slower way.
MANY = 50
CHUNK = 500   # ids per read of many records (SQLite's limit on parameters is far above)


@dataclass(frozen=True)
class Grouped:
    """A find the rules make with `by` equal to a value that changes from record to record and the
    `where` fields equal to the saved record's own (same names): asked once per distinct `where`."""
    rtype: str
    by: str
    where: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bulk:
    finds: tuple[Grouped, ...] = ()


def _plain(value: Any) -> bool:
    """A value the index compares as Python does (store/ledger/index.py): anything else goes to it."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) and value == value


class Prefetched:
    """A RecordSource over another, for the checks of one save; never kept past it (the records
    it holds are the ledger as it stood, with the save, while the save was checked)."""

    def __init__(self, source: Any, records: Iterable[dict], bulk: dict[str, Bulk], referred: Iterable[str] = ()):
        """`referred`: the ids the save's records refer to, read at once when there are many."""
        self.source = source
        self._got: dict[str, dict | None] = {}
        self._found: dict[tuple, list[dict]] = {}
        self._groups: dict[tuple, dict[Any, list[dict]]] = {}
        self._plans: dict[tuple, tuple | None] = {}   # (type, fields asked) -> the grouping that answers it
        # The ids referred to, CHUNK at a time, each chunk read when one of its records is first
        # asked for: a batch's check asks only whether its 50,000 students are there (`kind`),
        # the rules of its payments read each of them.
        self._chunks: list[list[str]] = []
        self._chunk_of: dict[str, int] = {}
        self._kinds: dict[str, object] = {}
        wanted = sorted(set(referred))
        if len(wanted) >= MANY:
            self._chunks = [wanted[start:start + CHUNK] for start in range(0, len(wanted), CHUNK)]
            self._chunk_of = {rid: n for n, part in enumerate(self._chunks) for rid in part}
        by_type: dict[str, list[dict]] = {}
        for record in records:
            by_type.setdefault(record.get("type"), []).append(record)
        for rtype, saved in by_type.items():
            if rtype in bulk and len(saved) >= MANY:
                self._prime(saved, bulk[rtype])

    def _prime(self, saved: list[dict], bulk: Bulk) -> None:
        for g in bulk.finds:
            for values in {tuple(r.get(f) for f in g.where) for r in saved}:
                if all(_plain(v) for v in values):
                    self._group(g, values)

    def _read_chunk(self, record_id: str) -> None:
        part = self._chunks[self._chunk_of[record_id]]
        many = getattr(self.source, "get_many", None)
        self._got.update(many(part) if many else {rid: self.source.get(rid) for rid in part})

    def _group(self, g: Grouped, values: tuple) -> None:
        grouped: dict[Any, list[dict]] = {}
        for record in self.source.find(g.rtype, **dict(zip(g.where, values))):   # in id order
            grouped.setdefault(record.get(g.by), []).append(record)
        self._groups[(g.rtype, g.by, g.where, values)] = grouped

    def get(self, record_id: str) -> dict | None:
        if record_id not in self._got:
            if record_id in self._chunk_of:
                self._read_chunk(record_id)
            else:
                self._got[record_id] = self.source.get(record_id)
        return self._got[record_id]

    def kind(self, record_id: str) -> object:
        """The `type` of the record of that id (None: no such record), read without the record
        where the source can tell it (the index) and the record was not read already."""
        if record_id in self._got or record_id not in self._chunk_of:
            found = self.get(record_id)
            return found.get("type") if isinstance(found, dict) else None
        if record_id not in self._kinds:
            kinds = getattr(self.source, "kinds", None)
            if kinds is None:
                self._read_chunk(record_id)
                return self.kind(record_id)
            self._kinds.update(kinds(self._chunks[self._chunk_of[record_id]]))
        return self._kinds[record_id]

    def before(self, record_id: str) -> dict | None:
        """The record as it was before the save."""
        return self.source.before(record_id)

    def find(self, rtype: str, **equal: Any) -> list[dict]:
        if not all(_plain(v) for v in equal.values()):
            return self.source.find(rtype, **equal)
        # The grouping that answers a find of these fields, worked out once: the rules of 50,000
        # payments ask the same two finds, each with its own student.
        asked = (rtype, tuple(equal))
        if asked not in self._plans:
            self._plans[asked] = self._plan(rtype, equal)
        plan = self._plans[asked]
        grouped = None if plan is None else self._groups.get((rtype, plan[0], plan[1], tuple(equal[f] for f in plan[1])))
        if grouped is not None:
            by, _where, rest = plan
            return [r for r in grouped.get(equal[by], ()) if all(r.get(k) == equal[k] for k in rest)]
        key = (rtype, tuple(sorted(equal.items())))
        if key not in self._found:
            self._found[key] = self.source.find(rtype, **equal)
        return self._found[key]

    def _plan(self, rtype: str, equal: dict[str, Any]) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
        """(the field grouped by, the fields the group was asked with, the fields left to compare)
        of a grouping that answers finds of these fields, None if none does."""
        for gtype, by, where, _values in self._groups:
            if gtype != rtype or by not in equal or any(f not in equal for f in where):
                continue
            rest = tuple(k for k in equal if k != by and k not in where)
            if any("__" in k or "." in k for k in rest):
                continue
            return by, where, rest
        return None
