"""Record-aware three-way merge: two ledger tips joined record by record, field by field.

Each record changed on both sides is merged against the common ancestor: objects key by
key, arrays of objects item by item by their natural key (`x-key` in the schema), other
arrays whole. Different fields merge cleanly; the same change on both sides is no
conflict; records added on both sides never collide (ids are unique without
coordination). What cannot be merged is kept, never dropped: the record keeps this
site's value and a conflict event in the same merge commit records base, mine and theirs.

The merged ledger is then checked (schemas and rules) like any save. A record the merge
would make invalid goes back to this site's version, with the other version in a
conflict event, so every merge commit is a valid ledger the hub accepts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from store.core import canonical, ids
from store.rules import checks as rules
from store.core.diff import MISSING
from store.core.errors import BangfuError
from store.core.findings import Finding, errors
from store.ledger.gitstore import EMPTY_TREE, GitStore
from store.privacy.acts import ERASE
from store.privacy.protect import strip_identifiers
from store.rules.schema import Schemas

RECORDS = ids.RECORDS_DIR + "/"
CONFIG_FILE = "bangfu.json"
VALIDATION_ROUNDS = 8


class MergeRefused(BangfuError):
    """The two tips cannot be joined (unrelated ledgers, or both changed a schema file)."""
    key = "sync.merge_refused"


# -- paths inside a record -----------------------------------------------------

@dataclass(frozen=True)
class Key:
    """An item of an array of objects, named by its natural key: parties[school=school-01…]."""
    name: str
    value: Any

    def __repr__(self) -> str:
        return f"[{self.name}={self.value}]"


def path_to_json(path: tuple) -> list:
    return [{p.name: p.value} if isinstance(p, Key) else p for p in path]


def path_from_json(parts: list) -> tuple:
    return tuple(Key(*next(iter(p.items()))) if isinstance(p, dict) else p for p in parts)


def show_path(path: tuple) -> str:
    """The path as a person types it: parties[school=school-01…].role (empty: the whole record)."""
    out = ""
    for part in path:
        if isinstance(part, Key):
            value = part.value if isinstance(part.value, str) else json.dumps(part.value, ensure_ascii=False)
            out += f"[{part.name}={value}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# -- one record ----------------------------------------------------------------

@dataclass
class FieldConflict:
    path: tuple
    base: Any
    mine: Any
    theirs: Any


@dataclass
class RecordMerge:
    result: dict | None
    conflicts: list[FieldConflict] = field(default_factory=list)
    kept: str = "mine"          # whose version the record holds where they differ


def same(a: Any, b: Any) -> bool:
    """Equal as JSON (True is not 1, 1.0 is not 1)."""
    if a is b:
        return True
    if a is MISSING or b is MISSING or a != b:
        return False
    return canonical.dumps(a) == canonical.dumps(b)


def merge_record(base: dict | None, mine: dict | None, theirs: dict | None, schemas: Schemas | None) -> RecordMerge:
    """Three-way merge of one record (None: absent on that side)."""
    if same(mine, theirs):
        return RecordMerge(mine)
    if same(base, mine):
        return RecordMerge(theirs, kept="theirs")
    if same(base, theirs):
        return RecordMerge(mine)
    b = MISSING if base is None else base
    if mine is None:  # deleted here, edited there: keep the edited record until someone decides
        return RecordMerge(theirs, [FieldConflict((), b, MISSING, theirs)], kept="theirs")
    if theirs is None:
        return RecordMerge(mine, [FieldConflict((), b, mine, MISSING)])
    rtype = mine.get("type")
    node = schemas.resolve(schemas.docs[rtype]) if schemas and rtype in schemas.docs else {}
    out = RecordMerge(None)
    out.result = _merge(out.conflicts, (), b, mine, theirs, node, schemas)
    return out


def _merge(conflicts: list, path: tuple, b: Any, m: Any, t: Any, node: dict, schemas: Schemas | None) -> Any:
    if same(m, t):
        return m
    if same(b, m):
        return t
    if same(b, t):
        return m
    if node.get("x-protected") and all(isinstance(x, dict) for x in (b, m, t)):
        # A protected value's hash is worked out from the value and the site's hash key, which
        # each erasure moves on: a side that changed only the hash hashed it again after an
        # erasure (store/privacy/acts.py), which is no one's edit. The other side's value is
        # taken whole, its hash with it (never a mix of two), and each site's re-hash after the
        # sync puts it under the hash key the sites come to.
        if _only_hash_changed(b, t):
            return m
        if _only_hash_changed(b, m):
            return t
    if isinstance(m, dict) and isinstance(t, dict) and (b is MISSING or isinstance(b, dict)):
        bb = b if isinstance(b, dict) else {}
        out = {}
        for key in list(m) + [k for k in t if k not in m]:
            child = _child(node, schemas, "properties", key)
            value = _merge(conflicts, path + (key,), bb.get(key, MISSING), m.get(key, MISSING),
                           t.get(key, MISSING), child, schemas)
            if value is not MISSING:
                out[key] = value
        return out
    if isinstance(m, list) and isinstance(t, list) and node.get("x-key"):
        merged = _merge_keyed(conflicts, path, node["x-key"], b, m, t, _child(node, schemas, "items"), schemas)
        if merged is not None:
            return merged
    conflicts.append(FieldConflict(path, b, m, t))
    return m


def _only_hash_changed(base: dict, side: dict) -> bool:
    return same({k: v for k, v in base.items() if k != "hmac"}, {k: v for k, v in side.items() if k != "hmac"})


def _merge_keyed(conflicts: list, path: tuple, key: str, b: Any, m: list, t: list, item_node: dict,
                 schemas: Schemas | None) -> list | None:
    """Arrays of objects merged item by item by natural key; None when the items have no
    usable key (missing or repeated), so the array is compared whole."""
    by = [_keyed([] if b is MISSING else b, key), _keyed(m, key), _keyed(t, key)]
    if any(x is None for x in by):
        return None
    bd, md, td = by
    out = []
    for k in list(md) + [k for k in td if k not in md] + [k for k in bd if k not in md and k not in td]:
        value = _merge(conflicts, path + (Key(key, k),), bd.get(k, MISSING), md.get(k, MISSING),
                       td.get(k, MISSING), item_node, schemas)
        if value is not MISSING:
            out.append(value)
    return out


def _keyed(items: Any, key: str) -> dict | None:
    if not isinstance(items, list):
        return None
    out = {}
    for item in items:
        if not isinstance(item, dict) or key not in item or not isinstance(item[key], (str, int, bool)):
            return None
        if item[key] in out:
            return None
        out[item[key]] = item
    return out


def _child(node: dict, schemas: Schemas | None, kind: str, name: str | None = None) -> dict:
    if not schemas:
        return {}
    sub = node.get(kind, {})
    if name is not None:
        sub = sub.get(name, {}) if isinstance(sub, dict) else {}
    return schemas.resolve(sub) if isinstance(sub, dict) else {}


# -- two tips --------------------------------------------------------------------

@dataclass
class Side:
    """What one side of a conflict is: which site, who, and the commit its value comes from."""
    site: str
    author: str
    commit: str


@dataclass
class RecordState:
    id: str
    base: dict | None
    mine: dict | None
    theirs: dict | None
    result: dict | None
    blob: str | None = None              # an existing blob holding exactly `result`
    conflicts: list[FieldConflict] = field(default_factory=list)
    kept: str = "mine"
    kind: str = "field"                  # field | delete | rule
    findings: list[Finding] = field(default_factory=list)


@dataclass
class TreeMerge:
    """The merge of two trees: what changes relative to mine."""
    files: dict[str, str | None]          # non-record paths -> blob (theirs' side)
    records: dict[str, RecordState]       # every record changed since the base on either side
    schemas_from: str                     # "mine" or "theirs": whose schemas the result has
    strays: bool = False                  # a file under records/ that is no record changed on a side
    own_files: dict[str, str | None] = field(default_factory=dict)   # non-record paths only mine changed -> blob


@dataclass
class Outcome:
    commit: str
    base: str | None
    incoming: list[str]                   # ids of records whose content came from the other side
    conflicts: list[str]                  # ids of the conflict events written
    conflicted: list[str]                 # ids of the records in conflict
    mine: str = ""                        # the two commits joined
    theirs: str = ""
    # id -> (mine, theirs, merged) of every record the merge commit differs in from either side
    # (None: absent), the conflict events included; None when a side changed a file under records/
    # that is no record (what differs is then told by git alone)
    sides: dict[str, tuple[dict | None, dict | None, dict | None]] | None = None


def diff_tree(store: GitStore, old: str, new: str) -> dict[str, tuple[str | None, str | None]]:
    """path -> (old blob, new blob), None where absent."""
    return store.diff_tree_pairs([(old, new)])[(old, new)]


def merge_bases(store: GitStore, mine: str, theirs: str) -> list[str]:
    out = store.run("merge-base", "--all", mine, theirs, check=False).decode().split()
    return out


def base_tree(store: GitStore, mine: str, theirs: str, schemas: Schemas | None, depth: int = 0) -> str | None:
    """The tree to merge against: the merge base's, or (criss-cross history) a virtual base
    made by merging the several bases, as git's recursive strategy does."""
    bases = merge_bases(store, mine, theirs)
    if not bases:
        return None
    tree = store.commit_tree(bases[0])
    for other in bases[1:]:
        under = base_tree(store, bases[0], other, schemas, depth + 1) if depth < 3 else None
        tm = three_way(store, under or EMPTY_TREE, tree, store.commit_tree(other), schemas)
        tree = store.write_tree(tree, {**tm.files, **_record_blobs(store, tm, layout_at(store, tree))})
    return tree


def three_way(store: GitStore, base: str, mine: str, theirs: str, schemas: Schemas | None) -> TreeMerge:
    dm, dt = diff_tree(store, base, mine), diff_tree(store, base, theirs)
    files: dict[str, str | None] = {}
    schemas_from = "mine"
    for path, (_old, new) in dt.items():
        if _is_record(path):
            continue
        if path in dm and dm[path][1] != new:
            raise MergeRefused("sync.merge_file", path=path)
        if path not in dm:
            files[path] = new
            if path.startswith("schemas/"):
                schemas_from = "theirs"
    # Record by record, by id: a side that moved the ledger to another layout has its records at
    # other paths (a record it moved and edited is one change, ids.paired), the same records still.
    by_id = [{ids.id_from_path(p): change for p, change in side.items() if _is_record(p)} for side in (dm, dt)]
    rids = sorted(set(by_id[0]) | set(by_id[1]))
    wanted = {s for side in by_id for change in side.values() for s in change if s}
    docs = {sha: _parse(data, sha) for sha, data in store.read_blobs(sorted(wanted))}
    erased = _erased(by_id, docs) if schemas else set()
    records: dict[str, RecordState] = {}
    for rid in rids:
        old = (by_id[0].get(rid) or by_id[1].get(rid))[0]
        mine_sha = by_id[0][rid][1] if rid in by_id[0] else old
        theirs_sha = by_id[1][rid][1] if rid in by_id[1] else old
        b, m, t = (docs.get(s) if s else None for s in (old, mine_sha, theirs_sha))
        if rid in erased:
            # Erased on one side: the other side's edits of its identifiers (the re-hash of an
            # erasure made there at the same time) must not bring them back, nor into a conflict.
            merged = merge_record(*(None if d is None else strip_identifiers(d, schemas) for d in (b, m, t)), schemas)
        else:
            merged = merge_record(b, m, t, schemas)
        state = RecordState(rid, b, m, t, merged.result, conflicts=merged.conflicts, kept=merged.kept)
        if merged.conflicts and merged.conflicts[0].path == ():
            state.kind = "delete"
        state.blob = (mine_sha if same(merged.result, m) else theirs_sha if same(merged.result, t) else None)
        records[rid] = state
    strays = any(p.startswith(RECORDS) and not _is_record(p) for p in (*dm, *dt))
    own = {path: new for path, (_old, new) in dm.items() if not _is_record(path) and path not in dt}
    return TreeMerge(files, records, schemas_from, strays, own)


def _is_record(path: str) -> bool:
    """A record's file (a file under records/ that is none is merged like any other file)."""
    return path.startswith(RECORDS) and ids.id_from_path(path) is not None


def _erased(by_id: list[dict[str, tuple]], docs: dict) -> set[str]:
    """The students whose erasure (an event new on either side) this merge brings together."""
    out = set()
    for side in by_id:
        for rid, (_old, new) in side.items():
            if ids.type_of(rid) != "event":
                continue
            doc = docs.get(new or "")
            if doc and doc.get("action") == ERASE and isinstance(doc.get("subject"), str):
                out.add(doc["subject"])
    return out


def _parse(data: bytes, sha: str) -> dict:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        doc = None
    if not isinstance(doc, dict):
        raise MergeRefused("sync.merge_broken", path=sha)
    return doc


def _record_blobs(store: GitStore, tm: TreeMerge, layout: int, against: str = "mine") -> dict[str, str | None]:
    """Record paths (in `layout`) whose merged content differs from mine's (or theirs') -> blob
    (None: deleted)."""
    out: dict[str, str | None] = {}
    for rid, s in tm.records.items():
        if same(s.result, s.mine if against == "mine" else s.theirs):
            continue
        out[ids.path_of(rid, layout)] = None if s.result is None else (s.blob or store.write("blob", canonical.dumps(s.result)))
    return out


def settings_in(store: GitStore, tree: str) -> dict:
    """The ledger's settings as a tree has them (its bangfu.json; {} where it has none or no object)."""
    sha = store.lookup(tree, CONFIG_FILE)
    try:
        doc = json.loads(store.read_blob(sha)) if sha else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def layout_at(store: GitStore, tree: str) -> int:
    """The layout of the ledger whose tree this is (`format` in its bangfu.json)."""
    return ids.layout_of(settings_in(store, tree))


# -- the merged ledger must be valid -------------------------------------------------

class Overlay:
    """The ledger as it would be after the merge: the index at mine plus the merged records.
    Answers the two questions the rules ask (get, find) without touching the live index."""

    def __init__(self, index, changes: dict[str, dict | None]):
        self.index = index
        self.changes = changes

    def get(self, record_id: str) -> dict | None:
        if record_id in self.changes:
            return self.changes[record_id]
        return self.index.get(record_id)

    def before(self, record_id: str) -> dict | None:
        """The record as it was before these changes."""
        return self.index.get(record_id)

    def find(self, type: str, **equal: Any) -> list[dict]:
        found = [d for d in self.index.find(type, **equal) if d.get("id") not in self.changes]
        for rid, doc in self.changes.items():
            if doc is not None and doc.get("type") == type and all(same(doc.get(k, MISSING), v) for k, v in equal.items()):
                found.append(doc)
        return found


def check_records(source, states: dict[str, dict | None], schemas: Schemas,
                  known_valid: set[str] = frozenset(), scanned: set[str] = frozenset()) -> dict[str, list[Finding]]:
    """Errors of each given record (schema, then rules) in `source` (the ledger as the changes
    leave it: `get`, `find`, and `before` for a record as it was); a deleted record is
    checked for records that still refer to it or read it. Records in `known_valid` skip the schema
    (the save that committed them checked it against the same schemas), never the rules;
    records in `scanned` skip the clear-identifier scan (done on that very version)."""
    bad: dict[str, list[Finding]] = {}
    for rid, doc in states.items():
        if doc is None:
            found = [Finding(rid, (), "rule.still_referenced", {"referrer": other, "field": show_path(where)})
                     for other, where in rules.referrers(rid, source, schemas)]
            was = source.before(rid)
            if not found and was is not None:
                found = rules.readers_broken(was, source, schemas)
        else:
            found = [] if rid in known_valid else errors(schemas.check(doc))
            if not found:
                found = errors(rules.check(doc, source, schemas=schemas, scanned=rid in scanned))
        if found:
            bad[rid] = found
    return bad


def settle(tm: TreeMerge, index, schemas: Schemas, trust: tuple[bool, bool] = (True, True)) -> None:
    """Make the merged records valid: a record the merge made invalid goes back to mine (the
    other version stays in its conflict); a record of mine that broke because the other side
    changed a record it refers to sends that record back to mine instead.

    `trust`: whether mine's / theirs' committed records were checked against the schemas the
    merge result has (false for the side that did not have a schema upgrade the other made)."""
    # A record goes back to theirs once at most: if theirs then breaks what mine holds, the merge would
    # swing between the two; instead the other side's records that break mine wait in conflicts.
    to_theirs: set[str] = set()
    for _round in range(VALIDATION_ROUNDS):
        changes = {rid: s.result for rid, s in tm.records.items() if not same(s.result, s.mine)}
        known = {rid for rid, s in tm.records.items()
                 if (trust[0] and same(s.result, s.mine)) or (trust[1] and same(s.result, s.theirs))}
        bad = check_records(Overlay(index, changes), {rid: s.result for rid, s in tm.records.items()}, schemas,
                            known)
        # A change made here that breaks records of the other side referring to it (a plan
        # shortened here under a visit logged there) goes back to theirs and waits in a
        # conflict: the other side's records are not dropped for it.
        moved = False
        for rid, found in bad.items():
            state = tm.records[rid]
            if (state.theirs is not None and same(state.result, state.mine) and not same(state.mine, state.theirs)
                    and rid not in to_theirs and any(f.rule == "rule.breaks_referrers" for f in found)):
                _back_to(state, "theirs", found)
                to_theirs.add(rid)
                moved = True
        if moved:
            continue
        for rid, found in bad.items():
            state = tm.records[rid]
            if not same(state.result, state.mine):
                _back_to_mine(state, found)
                moved = True
        if moved:
            continue
        for found in bad.values():
            refused = [f for f in found if f.rule.startswith("schema.")]
            if refused and not trust[0]:
                # Made here, refused by the schemas the other side's upgrade brings: no record of
                # theirs is to blame, and committing would leave a ledger its own schemas refuse.
                raise MergeRefused("sync.merge_schema_refuses_mine", finding=refused[0].text())
        # What is left is as mine has it. Broken here already (a hand edit), it is not the merge's
        # doing; broken only now, by a record of theirs whose own check did not say so, it would be
        # a rule declared from one side only (tests/test_rules_both_ways.py): refuse rather than guess.
        broken = {rid for rid, found in bad.items() if any(f.rule not in rules.ONE_SIDED for f in found)}
        if check_records(Overlay(index, {}), {rid: tm.records[rid].mine for rid in broken}, schemas).keys() != broken:
            break
        return
    raise MergeRefused("sync.merge_unsettled", records="、".join(sorted(bad)[:10]))


def _back_to_mine(state: RecordState, found: list[Finding]) -> None:
    _back_to(state, "mine", found)


def _back_to(state: RecordState, side: str, found: list[Finding]) -> None:
    state.result = state.mine if side == "mine" else state.theirs
    state.blob = None
    state.kept = side
    state.kind = "rule"
    state.findings = found
    state.conflicts = [FieldConflict((), MISSING if state.base is None else state.base,
                                     MISSING if state.mine is None else state.mine,
                                     MISSING if state.theirs is None else state.theirs)]
