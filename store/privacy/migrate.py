"""Identifiers committed in clear: found anywhere in the history, and sealed at the tip in one commit.

Ledgers from before field protection (or a record committed with plain git) may hold resident ID
numbers, phones or card numbers in clear. `migrate_identifiers` seals the protected fields and masks
clear identifiers typed into other fields (moving the first one of a kind into the record's empty
protected field, where it is sealed). The history keeps what was committed: `scan_history` says
where, so the owner knows a history rewrite (and a new key) is needed.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from store.core.diff import value_at
from store.core import i18n, ids
from store.privacy import protect
from store.ledger.ledger import Change
from store.rules import cleartext, identifiers, protected

MESSAGE = "(commit message)"   # the `path` of a hit in a commit message rather than a file


class ClearHit(NamedTuple):
    commit: str
    path: str
    kind: str


@dataclass
class Migrated:
    commit: str | None
    records: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # id -> [(field, kind, what)]
    left: list[tuple[str, str, str]] = field(default_factory=list)  # (id, field, kind) not migrated


# ---- the tip ---------------------------------------------------------------------------------

def migrate_identifiers(ledger) -> Migrated:
    """Seal every identifier in clear at the tip, in one commit (needs the ledger's key)."""
    schemas = ledger.schemas()
    keys = ledger.keys
    ledger.refresh()
    result = Migrated(None)
    changes: list[Change] = []
    for rid in sorted(ledger.index.docs):
        doc = ledger.index.docs[rid]
        new, notes, left = _migrate_record(doc, schemas, keys)
        result.left += [(rid, f, k) for f, k in left]
        if new != doc:
            result.records[rid] = notes
            changes.append(Change(rid, new, ledger.version(rid)))
    if changes:
        count = sum(len(n) for n in result.records.values())
        saved = ledger.commit(changes, action="migrate",
                              message=f"privacy: seal {i18n.counted(count, 'identifier')} in clear in {i18n.counted(len(changes), 'record')}")
        result.commit = saved[0].commit
    return result


def _migrate_record(doc: dict, schemas, keys) -> tuple[dict, list[tuple[str, str, str]], list[tuple[str, str]]]:
    out = copy.deepcopy(doc)
    rtype = out.get("type")
    notes: list[tuple[str, str, str]] = []
    left: list[tuple[str, str]] = []
    patterns = [p for p in schemas.protected.get(rtype, []) if "*" not in p]
    slots = {p: protected.kind_of(schemas, rtype, p) for p in patterns}
    inside = set(protected.field_paths(out, schemas))
    moved: set[tuple] = set()
    for path, kind in identifiers.find_clear_identifiers(out):
        if any(path[:len(p)] == p for p in inside):
            continue  # a protected field: sealed below
        parent = protected.get_path(out, path[:-1]) if path else None
        text = parent[path[-1]] if parent is not None else None
        dotted = ".".join(map(str, path))
        if not isinstance(text, str):
            left.append((dotted, kind))  # a number or a key: needs a person
            continue
        masked, found = mask_clear_text(text)
        parent[path[-1]] = masked
        for k, value in found:
            empty = next((p for p, pk in slots.items() if pk == k and value_at(out, p, None) is None), None)
            if empty is not None:
                _put(out, empty, value)
                moved.add(empty)
                notes.append((dotted, k, ".".join(empty)))
            else:
                notes.append((dotted, k, "masked"))
    for path in protected.field_paths(out, schemas):
        if path not in moved and isinstance(protected.get_path(out, path), str) and protected.get_path(out, path).strip():
            notes.append((".".join(map(str, path)), protected.kind_of(schemas, rtype, path), "sealed"))
    # check=False: a malformed ID number committed long ago must be sealed too, not left in clear.
    return protect.protect_record(out, schemas, keys, check=False), notes, left


def mask_clear_text(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with each clear ID number, bank card and mobile number masked, and what was
    found as (kind, clear value): the caller must not let the second part out."""
    found: list[tuple[str, str]] = []
    for start, end, kind in sorted(cleartext.spans(text), reverse=True):
        value = text[start:end]
        found.append((kind, value))
        text = text[:start] + protect.mask(kind, value) + text[end:]
    return text, found[::-1]


def _put(record: dict, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        record = record.setdefault(part, {})
    record[path[-1]] = value


# ---- the history -----------------------------------------------------------------------------

def scan_history(ledger, since: str | None = None) -> list[ClearHit]:
    """(commit, path, kind) of every clear identifier in any blob under records/ of any commit of
    any branch, and in any commit message. Each blob is read once, and reported at the commit
    that introduced it (for a merge: only what the merge itself made). With `since`, only the
    commits not already in that one (an incremental audit)."""
    out = ledger.git.run("log", "--all", "--reverse", "--topo-order", "--root", "--raw", "-c", "--no-abbrev",
                         "--no-renames", "-z", "--format=%x01%H%x02%B%x03", *(["--not", since] if since else []))
    first_seen: dict[str, tuple[str, str]] = {}
    hits: list[ClearHit] = []
    order: dict[str, int] = {}
    for chunk in out.split(b"\x01")[1:]:
        head, _, rest = chunk.partition(b"\x03")
        commit, _, message = head.decode("utf-8", "replace").partition("\x02")
        order.setdefault(commit, len(order))
        hits += [ClearHit(commit, MESSAGE, k) for k in cleartext.clear_kinds(message)]
        parts = rest.lstrip(b"\n\0").split(b"\0")
        for meta, path in zip(parts[0::2], parts[1::2]):
            meta = meta.lstrip(b"\n")
            if not meta.startswith(b":"):
                continue
            fields = meta.lstrip(b":").split()
            blob, name = fields[-2].decode(), path.decode("utf-8", "surrogateescape")
            if blob.strip("0") and name.startswith(ids.RECORDS_DIR + "/") and blob not in first_seen:
                first_seen[blob] = (commit, name)
    for blob, data in ledger.git.read_blobs(list(first_seen)):
        commit, name = first_seen[blob]
        hits += [ClearHit(commit, name, k) for k in _clear_in_blob(ledger, commit, name, data)]
    return sorted(hits, key=lambda h: (order[h.commit], h.path != MESSAGE, h.path, h.kind))


def _clear_in_blob(ledger, commit: str, name: str, data: bytes) -> list[str]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except ValueError:
        return cleartext.clear_kinds(data.decode("utf-8", "replace"))
    kinds = [k for _p, k in identifiers.find_clear_identifiers(doc)]
    if isinstance(doc, dict) and doc.get("type") in ids.RECORD_TYPES:
        # A protected field holding a string is clear whatever it looks like (an address has no pattern).
        schemas = ledger.schemas(commit)
        if doc["type"] in schemas.protected:
            kinds += [protected.kind_of(schemas, doc["type"], p) for p in protected.field_paths(doc, schemas)
                      if isinstance(protected.get_path(doc, p), str) and protected.get_path(doc, p).strip()]
    return list(dict.fromkeys(kinds))
