"""The ledger as each pushed commit leaves it, for the hub's checks (store/sync/hub.py).

`Pushed` answers what the rules, scopes and locks ask (get, find, before) from the hub's
records with the push's versions laid over them. `judge_rules` walks the push's commits, parents
first, and checks each one's changes as the save that made it did: in the ledger as the commit
leaves it, against its first parent. Every site clones the whole history, so a commit that
breaks a rule is kept for good even when a later commit of the same push repairs it.
"""
from __future__ import annotations

import json
from typing import Callable

from store.core import ids
from store.core.diff import MISSING
from store.core.findings import Finding
from store.ledger.gitstore import EMPTY_TREE, GitStore
from store.ledger.index import Index
from store.rules.schema import Schemas
from store.sync.merge import check_records, same


class Pushed:
    """The hub's records with the versions a push has written up to some commit (set)."""

    def __init__(self, index: Index):
        self.index = index
        self.changes: dict[str, dict | None] = {}
        self.by_type: dict[str, dict[str, dict]] = {}
        self.prior: dict[str, dict | None] = {}   # (what `before` answers for the records it holds)
        # The hub's answers, kept while the push is checked: a thousand visits ask after a few plans.
        self.got: dict[str, dict | None] = {}
        self.found: dict[tuple, list[dict]] = {}

    def set(self, rid: str, doc: dict | None) -> None:
        old = self.changes.get(rid)
        if old is not None:
            self.by_type.get(old.get("type"), {}).pop(rid, None)
        self.changes[rid] = doc
        if doc is not None:
            self.by_type.setdefault(doc.get("type"), {})[rid] = doc

    def get(self, rid: str) -> dict | None:
        if rid in self.changes:
            return self.changes[rid]
        if rid not in self.got:
            self.got[rid] = self.index.get(rid)
        return self.got[rid]

    def before(self, rid: str) -> dict | None:
        """The record before the change being judged: as the hub has it unless told (`prior`)."""
        return self.prior[rid] if rid in self.prior else self.index.get(rid)

    def find(self, rtype: str, **equal) -> list[dict]:
        try:
            key = (rtype, *sorted(equal.items()))
            if key not in self.found:
                self.found[key] = self.index.find(rtype, **equal)
            at_hub = self.found[key]
        except TypeError:   # (a value that is no key: a list)
            at_hub = self.index.find(rtype, **equal)
        found = [d for d in at_hub if d.get("id") not in self.changes]
        return found + [d for d in self.by_type.get(rtype, {}).values()
                        if all(same(d.get(k, MISSING), v) for k, v in equal.items())]


def _records(diff: dict[str, tuple[str | None, str | None]]) -> dict[str, str | None]:
    """record id -> its blob after the change (None: deleted), from a diff of whole trees."""
    out = {}
    for path, (_before, after) in diff.items():
        if path.startswith(ids.RECORDS_DIR + "/"):
            rid = ids.id_from_path(path)
            if rid:
                out[rid] = after
    return out


def judge_rules(store: GitStore, commits: list[list[str]], tree_of: dict[str, str], diffs: dict,
                index: Index, main_tree: str, parsed: dict[str, dict], schemas_of: Callable[[str], Schemas],
                limit: int) -> list[tuple[str, str, Finding]]:
    """(commit, record id, error) for each record a pushed commit changes (against its first
    parent) that breaks a rule in the ledger as that commit leaves it, or that it deletes while
    another record still refers to it. `commits`: [commit, *parents], parents first; `diffs`: the
    tree diffs of each commit against each parent; `parsed`: blob -> record already read.
    Stops once `limit` errors are found (the pusher is shown that many)."""
    # One ledger is moved along the walk, from the hub's main. A commit whose first parent's tree
    # is not the one the walk stands on (the push's first commit, made on an older commit of the
    # hub, or a second line of history within the push) first moves it there, by the diff
    # between the two trees: a few records, not the whole ledger again.
    jumps: list[tuple[str, str]] = []
    at = main_tree
    for commit, *parents in commits:
        first = tree_of[parents[0]] if parents else EMPTY_TREE
        if first != at:
            jumps.append((at, first))
        at = tree_of[commit]
    jumped = store.diff_tree_pairs(jumps)
    moves = {pair: _records(jumped[pair]) for pair in jumps}
    steps = {c: _records(diffs[(tree_of[parents[0]] if parents else EMPTY_TREE, tree_of[c])])
             for c, *parents in commits}

    # Every version the walk lays over the hub's records, read in one git process.
    hub_blob = index.blobs
    wanted = {(rid, b) for changes in (*moves.values(), *steps.values()) for rid, b in changes.items() if b}
    unread = sorted({b for rid, b in wanted if b not in parsed and hub_blob.get(rid) != b})
    for blob, data in store.read_blobs(unread):
        parsed[blob] = json.loads(data)

    def doc(rid: str, blob: str | None) -> dict | None:
        if blob is None:
            return None
        if blob not in parsed:   # (the hub's own version)
            parsed[blob] = index.get(rid)
        return parsed[blob]

    state = Pushed(index)
    out: list[tuple[str, str, Finding]] = []
    at = main_tree
    for commit, *parents in commits:
        first = tree_of[parents[0]] if parents else EMPTY_TREE
        if first != at:
            for rid, blob in moves[(at, first)].items():
                state.set(rid, doc(rid, blob))
        changed = steps[commit]
        prior = {rid: state.get(rid) for rid in changed}
        for rid, blob in changed.items():
            state.set(rid, doc(rid, blob))
        state.prior = prior
        # (each version's schema and clear-identifier scan were done file by file already)
        bad = check_records(state, {rid: state.get(rid) for rid in changed}, schemas_of(commit),
                            known_valid=set(changed), scanned=set(changed))
        out += [(commit, rid, f) for rid, found in sorted(bad.items()) for f in found]
        if len(out) >= limit:
            break
        at = tree_of[commit]
    return out
