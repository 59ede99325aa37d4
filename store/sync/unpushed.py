"""The commits of this site the hub has not got, and setting one of them aside (`bangfu unpushed`).

The hub checks every pushed commit on its own (store/sync/hub.py): a commit it refuses, say an
edit of a closed term's payment made by an older Bangfu or with plain git, blocks every later
push, and a correcting commit after it does not help. Setting it aside takes it out of the
unpushed history: each later unpushed commit is made again on the set-aside commit's parent
from its own record changes (trees built here, never a `git rebase` in a work tree), keeping its
author, committer, dates and message, and the branch moves with the ledger's compare-and-swap.

Nothing is lost and nothing vanishes silently:
- `refs/bangfu/set-aside/<commit>` keeps the branch as it stood before (the set-aside commit and
  the replayed ones' originals stay reachable); `bangfu unpushed` lists them with their changes,
  so the coordinator can enter the change again as a correction of the open term;
- one commit on top of the replayed ones (`Action: set-aside`, a `Set-Aside` trailer per commit and
  a `Set-Aside-Record` per record it changed) goes to the hub with the rest: the auditors reading
  the hub see who set what aside and when, though the commit itself never reaches them;
- `bangfu audit` at the site reports the branch's move off those commits as a set-aside, naming
  its ref, not as an unexplained rewrite.

Only commits the hub has not got are ever made again: the hub is fetched first, and a commit it
holds is refused by name.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from store.core import ids
from store.core.errors import BangfuError, ReadOnly, UsageError
from store.core.trailers import Trailers
from store.ledger.gitstore import GitFailed
from store.ledger.ledger import Ledger
from store.sync import remote as sync
from store.sync.merge import Overlay, check_records, layout_at

_HEX = re.compile(r"^[0-9a-fA-F]{4,40}$")


class SetAsideRefused(BangfuError):
    key = "unpushed.pushed"


class Busy(BangfuError):
    """Someone saved on this ledger while the commits were made again: nothing was changed."""
    exit_code = 3
    key = "unpushed.busy"


class ReplayConflict(BangfuError):
    """A later unpushed commit changes what the set-aside commit changed: it cannot be made again
    without it. Nothing was changed."""
    exit_code = 3
    key = "unpushed.conflict"


@dataclass
class SetAside:
    commit: str                 # the commit set aside
    before: str                 # the branch as it stood when it was set aside (the ref's target)
    ref: str


@dataclass
class Outcome:
    remote: str
    set_aside: list[str]        # the commits set aside, oldest first
    replayed: dict[str, str]    # old commit -> the commit made again in its place
    note: str                   # the commit that says so, on the branch
    before: str
    after: str
    refs: list[str] = field(default_factory=list)


def unpushed(ledger: Ledger, remote: str | None = None) -> tuple[str, list[str]]:
    """(the remote, the git revisions naming the local commits its main has not got as of the
    last fetch): `git log` and `git rev-list` take them as they are."""
    target = sync._remote(ledger, remote)
    ledger.refresh()
    return target.name, _revs(ledger, target.name)


def _revs(ledger: Ledger, name: str) -> list[str]:
    hub = ledger.git.tip(sync.tracking(name))
    return [ledger.tip] + ([f"^{hub}"] if hub else [])


def _listing(ledger: Ledger, name: str) -> list[list[str]]:
    """Each unpushed commit with its parents, parents first."""
    out = ledger.git.run("rev-list", "--reverse", "--topo-order", "--parents", *_revs(ledger, name)).decode()
    return [line.split() for line in out.splitlines() if line.strip()]


def set_aside_refs(ledger: Ledger) -> list[SetAside]:
    """Every commit set aside in this copy, with the branch as it stood then."""
    out = ledger.git.run("for-each-ref", "--sort=creatordate", "--format=%(refname) %(objectname)",
                         ids.SET_ASIDE_REFS).decode()
    found = []
    for line in out.splitlines():
        ref, before = line.split()
        found.append(SetAside(ref[len(ids.SET_ASIDE_REFS):], before, ref))
    return found


def resolve(ledger: Ledger, name: str) -> str:
    """The full id of a commit named by its id or a prefix of it (only hex digits: a name typed is
    never taken for an option or a ref)."""
    if not _HEX.match(name):
        raise UsageError("unpushed.bad_commit", commit=name)
    try:
        return ledger.git.run("rev-parse", "--verify", "-q", f"{name}^{{commit}}").decode().strip()
    except GitFailed:
        raise UsageError("unpushed.no_commit", commit=name) from None


def set_aside(ledger: Ledger, names: list[str], remote: str | None = None, *, say=None) -> Outcome:
    """Take the named unpushed commits out of the branch: the later unpushed ones are made again
    without them (ReplayConflict when one changes what a set-aside one changed), one commit says
    what was set aside, and the branch moves only if nobody saved meanwhile."""
    if ledger.read_only:
        raise ReadOnly(path=str(ledger.path))
    store = ledger.git
    target = sync._remote(ledger, remote)
    # What the hub holds now, not as last seen: a commit it has is never made again.
    sync.fetch(ledger, target.name, say or (lambda key, params: None))
    ledger.refresh()
    tip = ledger.tip
    listing = _listing(ledger, target.name)
    parents_of = {c: parents for c, *parents in listing}
    wanted = []
    for name in names:
        sha = resolve(ledger, name)
        if sha not in parents_of:
            hub = store.tip(sync.tracking(target.name))
            pushed = hub and sync.is_ancestor(store, sha, hub)
            raise SetAsideRefused("unpushed.pushed" if pushed else "unpushed.not_on_branch",
                                  commit=sha[:10], remote=target.name)
        if len(parents_of[sha]) != 1:   # (a merge, or the ledger's first commit: no one parent to go back to)
            raise SetAsideRefused("unpushed.merge" if parents_of[sha] else "unpushed.first", commit=sha[:10])
        if sha not in wanted:
            wanted.append(sha)
    wanted.sort(key=[c for c, *_ in listing].index)
    infos = store.commit_infos([c for c, *_ in listing])
    tree_of = {c: info["tree"] for c, info in infos.items()}
    new_of: dict[str, str] = {}
    # Each later commit's own change, against its first parent, applied on its new first parent:
    # a file it changes must stand there as it stood before it (else the set-aside commit's change
    # is under it, and that is a conflict to settle by hand).
    todo = [(c, parents) for c, *parents in listing if c not in wanted]
    pairs = [(_tree(store, tree_of, parents[0]), tree_of[c]) for c, parents in todo]
    diffs = store.diff_tree_pairs(pairs, paired=False)
    for c, *parents in listing:
        if c in wanted:
            new_of[c] = new_of.get(parents[0], parents[0])
            continue
        moved = [new_of.get(p, p) for p in parents]
        if moved == parents:
            continue
        if moved[1:] != parents[1:]:
            raise ReplayConflict("unpushed.conflict_merge", commit=c[:10])
        changes = diffs[(_tree(store, tree_of, parents[0]), tree_of[c])]
        base = _tree(store, tree_of, moved[0])
        standing = store.lookup_many((base, path) for path in changes)
        clash = sorted(path for path, (before, _after) in changes.items() if standing[(base, path)] != before)
        if clash:
            raise ReplayConflict(commit=c[:10], record=ids.id_from_path(clash[0], check_shard=False) or clash[0],
                                 aside=" ".join(s[:10] for s in wanted))
        tree = store.write_tree(base, {path: after for path, (_before, after) in changes.items()})
        new_of[c] = store.rewrite_commit(c, tree, moved)
        tree_of[new_of[c]] = tree
    last = new_of.get(tip, tip)
    records = _changed_records(store, tree_of, parents_of, wanted)
    _check_rules(ledger, tip, last)
    note = _note(ledger, last, wanted, records)
    refs = []
    try:
        for sha in wanted:
            ref = ids.SET_ASIDE_REFS + sha
            if not store.swap_ref(tip, None, f"bangfu: set aside {sha[:10]}", ref=ref, who=ledger.author()):
                raise Busy()
            refs.append(ref)
        if not ledger.move_to(note, tip, f"set aside {', '.join(s[:10] for s in wanted)}"):
            raise Busy()
    except BaseException:
        for ref in refs:
            store.run("update-ref", "-d", ref, tip, check=False)
        raise
    replayed = {c: n for c, n in new_of.items() if c not in wanted}
    return Outcome(target.name, wanted, replayed, note, tip, note, refs)


def _tree(store, tree_of: dict[str, str], commit: str) -> str:
    if commit not in tree_of:
        tree_of[commit] = store.commit_tree(commit)
    return tree_of[commit]


def _changed_records(store, tree_of: dict[str, str], parents_of: dict[str, list[str]], wanted: list[str]) -> list[str]:
    """The records the set-aside commits change, by id."""
    pairs = [(_tree(store, tree_of, parents_of[c][0]), tree_of[c]) for c in wanted]
    found = store.diff_tree_pairs(pairs)
    return _records_of(path for pair in pairs for path in found[pair])


def _records_of(paths) -> list[str]:
    """The ids of the record files among paths, each once, in order."""
    return sorted({rid for path in paths if (rid := ids.id_from_path(path, check_shard=False))})


def _states(ledger: Ledger, commit: str, records: list[str]) -> dict[str, dict | None]:
    """The given records as they are at `commit` (None: absent there)."""
    store = ledger.git
    tree = store.commit_tree(commit)
    layout = layout_at(store, tree)
    blobs = {rid: store.lookup(tree, ids.path_of(rid, layout)) for rid in records}
    read = dict(store.read_blobs(sorted({b for b in blobs.values() if b})))
    return {rid: json.loads(read[b]) if b else None for rid, b in blobs.items()}


def _check_rules(ledger: Ledger, tip: str, last: str) -> None:
    """The ledger without the set-aside changes still keeps its rules: a later commit may refer to
    a record a set-aside commit added (the hub would refuse it as it came)."""
    store = ledger.git
    pair = (store.commit_tree(tip), store.commit_tree(last))
    states = _states(ledger, last, _records_of(store.diff_tree_pairs([pair])[pair]))
    bad = check_records(Overlay(ledger.index, states), states, ledger.schemas())
    if bad:
        rid, found = sorted(bad.items())[0]
        raise ReplayConflict("unpushed.conflict_rule", record=rid, detail=found[0].text())


def _note(ledger: Ledger, last: str, wanted: list[str], records: list[str]) -> str:
    """The commit that tells the hub's readers what was set aside here, by whom and when: it
    changes nothing in the ledger."""
    store = ledger.git
    title = f"ledger: set aside {', '.join(s[:10] for s in wanted)}"
    trailers = {"Action": ids.SET_ASIDE_ACTION, "Set-Aside": wanted, "Set-Aside-Record": records,
                "Site": ledger.site}
    return store.make_commit(store.commit_tree(last), [last], ledger.author(), Trailers.message(title, trailers))
