"""One record through time: its versions (`bangfu log`), the difference between two of
them (`bangfu diff`) and who last set each field (`bangfu blame`).

The commits that touched a record come from one `git log -- <its path>` (fast on long
histories with the commit-graph's changed-path filters); each version is read from the
commit's tree in-process and compared with the version in the commit's first parent.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from store.core import ids
from store.history.changes import (Commit, field_changes, form_order, is_date, last_before, masked_at, overlaps,
                                   parse, protected_root, resolve, walk)
from store.core.diff import FieldChange, flatten, value_at
from store.core.errors import RecordNotFound, UnreadableRecord


@dataclass
class Version:
    commit: Commit
    record: dict | None          # the record as this commit left it (None: deleted)
    changes: list[FieldChange]   # against the version in the commit's first parent
    action: str                  # add, edit or delete, as the trees show it

    @property
    def trailer_action(self) -> str:
        return ",".join(self.commit.trailers.get("Action", []))


def _blob_at(store, commit: str | None, record_id: str) -> str | None:
    return _located(store, commit, record_id)[1]


def _located(store, commit: str | None, record_id: str) -> tuple[str, str | None]:
    """(path, blob) of the record's file at a commit, in whichever layout the ledger had then
    (its history runs on across `bangfu upgrade-layout`); blob None where there is none."""
    paths = ids.paths_of(record_id)
    if commit:
        tree = store.commit_tree(commit)
        for path in paths:
            blob = store.lookup(tree, path)
            if blob:
                return path, blob
    return paths[-1], None


def versions(ledger, record_id: str, limit: int | None = None) -> list[Version]:
    """The commits that changed the record, newest first, each with its field changes."""
    paths = ids.paths_of(ids.check_id(record_id))
    store = ledger.git
    schemas = ledger.schemas()
    out: list[Version] = []
    pairs = []
    for c in reversed(list(walk(store, [ledger.tip], paths))):
        new = _blob_at(store, c.sha, record_id)
        # (the commit that moved the ledger to another layout left the record as it was: no version)
        before = [_blob_at(store, p, record_id) for p in c.parents] or [None]
        # A merge that took one side's version changed nothing itself: that side's own
        # commit is in the list (and is who made the change).
        if new in before:
            continue
        pairs.append((c, before[0], new))
        if limit and len(pairs) >= limit:
            break
    blobs = dict(store.read_blobs(sorted({b for _c, o, n in pairs for b in (o, n) if b})))
    for c, old, new in pairs:
        before, after = parse(blobs.get(old)) if old else None, parse(blobs.get(new)) if new else None
        action = "add" if old is None else "delete" if new is None else "edit"
        out.append(Version(c, after, field_changes(before, after, schemas), action))
    return out


def _commit(ledger, rev: str | None) -> str | None:
    """The commit a revision names; a date YYYY-MM-DD: the ledger as that day began (None: before
    its history)."""
    if not rev:
        return ledger.tip
    return last_before(ledger.git, ledger.tip, rev) if is_date(rev) else resolve(ledger.git, rev)


def at(ledger, record_id: str, rev: str | None) -> dict | None:
    """The record as it was at a commit (None where it did not exist)."""
    store = ledger.git
    sha = _blob_at(store, _commit(ledger, rev), ids.check_id(record_id))
    return parse(store.read_blob(sha)) if sha else None


def _readable(ledger, record_id: str, commit: str | None) -> None:
    """Raise UnreadableRecord when the record's file at the commit exists but is no record."""
    if not commit:
        return
    path, sha = _located(ledger.git, commit, record_id)
    if not sha:
        return
    try:
        doc = json.loads(ledger.git.read_blob(sha).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnreadableRecord(record=record_id, path=f"{commit[:10]}:{path}", detail=f"json: {exc}") from None
    except Exception as exc:   # git cannot give the object (a damaged or shallow repository)
        raise UnreadableRecord(record=record_id, path=f"{commit[:10]}:{path}", detail=f"git: {exc}") from None
    if not isinstance(doc, dict) or doc.get("id") != record_id:
        raise UnreadableRecord(record=record_id, path=f"{commit[:10]}:{path}", detail="id")


def compare(ledger, record_id: str, rev1: str | None = None, rev2: str | None = None
            ) -> tuple[dict | None, dict | None, list[FieldChange], Version | None]:
    """(old, new, field changes, the version when comparing with its predecessor).
    No revision: the record's latest change. One: from that commit to the tip. Two: between them.
    A version whose file cannot be read is named, not shown as every field removed."""
    if rev1 is None:
        found = versions(ledger, record_id, limit=1)
        if not found:
            raise RecordNotFound(record=record_id)
        v = found[0]
        parent = v.commit.parents[0] if v.commit.parents else None
        _readable(ledger, record_id, v.commit.sha)
        _readable(ledger, record_id, parent)
        old = at(ledger, record_id, parent) if parent else None
        return old, v.record, v.changes, v
    for rev in (rev1, rev2):
        _readable(ledger, record_id, _commit(ledger, rev))
    old, new = at(ledger, record_id, rev1), at(ledger, record_id, rev2)
    if old is None and new is None:
        raise RecordNotFound(record=record_id)
    return old, new, field_changes(old, new, ledger.schemas()), None


@dataclass
class Blamed:
    path: tuple
    value: Any
    version: Version | None     # None: the field was set before the history we have (shallow clone)


def blame(ledger, record_id: str) -> list[Blamed]:
    """For each field of the record as it is now, the version that last set it."""
    current = at(ledger, record_id, None)
    if current is None:
        raise RecordNotFound(record=record_id)
    history = list(reversed(versions(ledger, record_id)))  # oldest first
    schemas = ledger.schemas()
    shown = _leaves(current, schemas)
    out = []
    for path, value in sorted(shown.items(), key=lambda kv: form_order(schemas, current.get("type"), kv[0])):
        item = next((i for i, part in enumerate(path) if isinstance(part, int)), None)
        last = None
        if item is not None:
            # An item of a list of objects (a batch's payee) is followed by what it is, not by its
            # place: taking one payee out moves the others up without anyone setting them.
            items, wanted = path[:item], value_at(current, path[:item + 1])
            before: list = []
            for v in history:
                now = value_at(v.record, items, []) if v.record else []
                if wanted in now and wanted not in before:
                    last = v
                before = now
        else:
            for v in history:
                if v.action == "add" or any(overlaps(fc.path, path) for fc in v.changes):
                    last = v
        out.append(Blamed(path, value, last))
    return out


def _leaves(record: dict, schemas) -> dict[tuple, Any]:
    """Leaf fields to blame, oldest-first order of the record; a protected identifier is one field."""
    protected = schemas.protected.get(record.get("type"), []) if schemas else []
    out: dict[tuple, Any] = {}
    for path, value in flatten(record).items():
        root = protected_root(path, protected)
        if root is None:
            out[path] = value
        else:
            out.setdefault(root, masked_at(record, root))
    return out
