"""The hub protects itself: a pre-receive hook that refuses what would damage the shared ledger.

Refused, with a message in Chinese and English that says what to do:
- a ref the hub's policy (store/ledger/policy.py, a file no push can change) does not allow: only
  `refs/heads/main` unless it names more; an allowed ref gets every check main gets, and a tag
  is never moved or deleted;
- deleting `main`, or moving it to a commit that does not contain it (rewritten history);
- any pushed commit that writes a record file that is not valid JSON, not at the path its
  id names, not in canonical form, or not valid against the schemas of that commit, or that
  holds a submodule;
- any pushed commit whose own edits change a record outside the pusher's schools (the
  policy's access list), or a locked record (an inspected plan's, a closed term's, an approved
  batch's) without an adjustment in that commit: every site clones the whole history, so an
  edit a later commit of the push puts back is kept all the same;
- a final state in which a changed record breaks a rule (schemas and rules, as a save
  checks it), or a deleted record is still referred to;
- a clear identifier (resident ID, mobile or bank card number, store/rules/cleartext.py) in a
  commit message, a file name, a tag's message or a ref's name: children's identifiers live
  only sealed in their protected fields, and git keeps every message and name for good;
- a change to anything outside `records/` (schemas, bangfu.json, .gitattributes, allowed_signers)
  except by one of the settings steps, pushed by one of the policy's admins, changing only what
  that step changes:
  - the schema upgrade (`Action: schema-upgrade`, `schema_upgrade()` makes it): schemas/ and
    bangfu.json, where `schema_version` rises by exactly one over the commit's first parent
    (one upgrade per commit: two made before a sync are two commits; the same version again or
    a jump is refused) and nothing else changes; every protected identifier field stays as
    protected as it was, and every record of the ledger fits;
  - closing a term (`Action: close-term`, `bangfu close-term`): `closed_through` in bangfu.json,
    to a later term than before (never reopening one);
  - signing (`Action: signing`, `bangfu signing add`): allowed_signers.
  A merge may take such files as they are in one of its parents.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from store.core import canonical, clock, i18n, ids
from store.core.errors import BangfuError, InvalidRecord, ReadOnly
from store.core.findings import Finding, errors
from store.ledger.gitstore import BRANCH, EMPTY_TREE, ZERO, GitStore, signing_kinds
from store.ledger.index import Index
from store.ledger import policy as hub_policy
from store.rules import scope, terms
from store.sync.merge import CONFIG_FILE, check_records, diff_tree, layout_at, settings_in
from store.sync.pushed import Pushed, judge_rules
from store.rules import cleartext, identifiers
from store.rules.schema import Schemas
from store.aid import batches
from store.twinning import locks
from store.core.trailers import Trailers

HOOK = """#!/bin/sh
# Bangfu hub: refuses pushes with invalid or non-canonical records, rewritten or deleted
# history, or schema changes without the schema upgrade step (store/sync/hub.py).
exec {python} -m bangfu hook pre-receive
"""
UPGRADE = "schema-upgrade"
SYNC_GRACE = dt.timedelta(days=31)   # how long after a term's end a payment edited in it may still come
MAX_SHOWN = 20


def install(store: GitStore) -> None:
    hook = store.gitdir / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(HOOK.format(python=shlex.quote(sys.executable)), encoding="utf-8")
    hook.chmod(0o755)
    for key, value in (("receive.denyNonFastForwards", "true"), ("receive.denyDeletes", "true")):
        store.set_config(key, value)
    # Bangfu's own files in the hub (a group-writable hub keeps the record index per pusher, in
    # each one's cache folder: see Ledger.cache_dir).
    cache = store.gitdir / "bangfu"
    cache.mkdir(exist_ok=True)
    cache.chmod(0o2775)
    hub_policy.write_default(store.gitdir)


@dataclass
class Refusal:
    key: str
    params: dict = field(default_factory=dict)
    finding: Finding | None = None

    def text(self) -> str:
        detail = self.finding.text() if self.finding else ""
        # Masked whole: a path, ref or message the pusher wrote may hold an identifier, and the
        # refusal is shown to them and kept in the hub's logs.
        return cleartext.mask_text(i18n.t(self.key, **{k: _printable(v) for k, v in self.params.items()},
                                          detail=detail))


def _printable(value: object) -> object:
    """A path or ref as the pusher reads it: a newline or control character in it shown escaped."""
    if isinstance(value, str) and any(ord(c) < 32 or c == "\x7f" for c in value):
        return json.dumps(value, ensure_ascii=False)[1:-1]
    return value


def pre_receive(gitdir: Path, updates: list[tuple[str, str, str]]) -> list[Refusal]:
    store = GitStore(gitdir)
    try:
        try:
            rules = hub_policy.load(gitdir)
        except hub_policy.PolicyError as exc:
            return [Refusal("hub.bad_policy", {"error": str(exc)})]
        guard = _Guard(store, rules, hub_policy.pusher())
        refused: list[Refusal] = []
        for old, new, ref in updates:
            refused += guard.update(old, new, ref)
        if len(refused) > MAX_SHOWN:
            refused = refused[:MAX_SHOWN] + [Refusal("hub.more", {"count": len(refused) - MAX_SHOWN})]
        return refused
    finally:
        store.close()


@dataclass
class _Guard:
    store: GitStore
    policy: hub_policy.Policy
    pusher: str

    def update(self, old: str, new: str, ref: str) -> list[Refusal]:
        if not self.policy.ref_allowed(ref):
            return [Refusal("hub.other_ref", {"ref": ref, "policy": str(self.policy.path)})]
        if new == ZERO:
            return [Refusal("hub.delete", {"ref": ref})]
        if ref.startswith("refs/tags/") and old != ZERO:
            return [Refusal("hub.tag_moved", {"ref": ref})]
        return _clear_in_ref(self.store, ref, new) + self._commits(old, new, ref)

    def _commits(self, old: str, new: str, ref: str) -> list[Refusal]:
        store = self.store
        commit = _peeled(store, new)
        if not commit:
            return [Refusal("hub.not_commit", {"ref": ref, "new": new[:10]})]
        if old != ZERO and not _is_ancestor(store, old, commit):
            return [Refusal("hub.non_fast_forward", {"ref": ref, "old": old[:10], "new": new[:10]})]
        main = store.tip() or ZERO
        if ref == BRANCH and main != old:
            return []   # another push landed meanwhile: git's own compare-and-swap refuses this one
        try:
            index = _index_at(store, main)
        except _Moved:
            # Another push landed meanwhile: git's own compare-and-swap on the ref refuses this
            # one ("cannot lock ref"), and bangfu sync fetches, merges and tries again.
            return []
        # Every ref is checked as main is: its new commits one by one, then the ledger it names
        # as a change from the hub's main (nothing to check when main already holds it).
        since = old if ref == BRANCH else ZERO
        refused, contents, parsed, judged, walked, diffs = _check_commits(store, since, commit, index, self, main)
        # (main moved on from `old` to this commit holds nothing main has not: no ancestor of it)
        if refused or (ref != BRANCH and main != ZERO and _is_ancestor(store, commit, main)):
            return refused
        main_tree = store.commit_tree(main) if main != ZERO else EMPTY_TREE
        docs, blobs = _changed(store, commit, index, contents, parsed, diffs.get((main_tree, store.commit_tree(commit))))
        # Scope and locks of a change from the hub's version to the pushed one were judged where
        # one commit made it whole; what else the push changes (say, a merge that takes an older
        # version from one side) is judged here.
        rest = {rid: doc for rid, doc in docs.items() if (rid, index.blobs.get(rid), blobs[rid]) not in judged}
        pushed = Pushed(index)
        for rid, doc in docs.items():
            pushed.set(rid, doc)
        return _check_scope(self, index, rest, pushed) or _check_final(store, commit, index, docs, rest, pushed, main,
                                                                       ruled=walked)


def _clear_in(text: str, key: str, params: dict, kinds: tuple[str, ...] = cleartext.KINDS) -> list[Refusal]:
    """A refusal for each line of a message (or a name) that holds a clear identifier, showing
    that line masked."""
    if not cleartext.may_hold(text):   # (most messages and names: one search, no line masked)
        return []
    out = []
    for line in text.splitlines():
        for found in identifiers.misplaced_in_text(line, _excerpt(line), kinds):
            out.append(Refusal(key, params, found))
    return out


def _clear_in_people(head: dict, key: str, params: dict) -> list[Refusal]:
    """A resident ID number as a commit's author or committer name (or a tag's tagger): git
    keeps it with the commit for good. (A mobile number is many a coordinator's own e-mail name.)"""
    out = []
    for part in ("author", "committer", "tagger"):
        who = head.get(part)
        if who:
            out += _clear_in(who.rsplit(" ", 2)[0], key, {**params, "part": i18n.Word(f"hub.part_{part}")},
                             ("id_number",))
    return out


def _excerpt(line: str, width: int = 60) -> str:
    """The line masked, cut to about `width` characters around its first masked value."""
    masked = cleartext.mask_text(line.strip())
    at = max(masked.find("*") - width // 2, 0)
    return ("…" if at else "") + masked[at:at + width] + ("…" if at + width < len(masked) else "")


def _clear_in_ref(store: GitStore, ref: str, new: str) -> list[Refusal]:
    """The ref's name, and the name and message of every annotated tag it points through."""
    out = _clear_in(ref, "hub.clear_in_ref", {"ref": ref, "part": i18n.Word("hub.part_ref_name")})
    kind, data = store.read(new)
    while kind == "tag":
        head, _, message = data.decode("utf-8", "replace").partition("\n\n")
        fields = dict(line.split(" ", 1) for line in head.splitlines() if " " in line)
        out += _clear_in(fields.get("tag", ""), "hub.clear_in_ref", {"ref": ref, "part": i18n.Word("hub.part_ref_name")})
        out += _clear_in(message, "hub.clear_in_ref", {"ref": ref, "part": i18n.Word("hub.part_tag_message")})
        out += _clear_in_people(fields, "hub.clear_in_ref", {"ref": ref})
        kind, data = store.read(fields.get("object", ZERO))
    return _unique(out)


def _peeled(store: GitStore, sha: str) -> str | None:
    """The commit a pushed id names, through annotated tags; None when it names none."""
    try:
        kind, data = store.read(sha)
        while kind == "tag":
            sha = data.split(b"\n", 1)[0].split(b" ", 1)[1].decode().strip()
            kind, data = store.read(sha)
    except Exception:   # (a missing object, a tag that names nothing)
        return None
    return sha if kind == "commit" else None


def _is_ancestor(store: GitStore, a: str, b: str) -> bool:
    import subprocess
    return subprocess.run(["git", "merge-base", "--is-ancestor", a, b], cwd=store.gitdir,
                          capture_output=True).returncode == 0


def _check_commits(store: GitStore, old: str, new: str, index: Index, guard: _Guard, main: str
                   ) -> tuple[list[Refusal], dict[str, bytes], dict[str, dict], set[tuple], bool, dict]:
    """Each new commit: record files well-formed and schema-valid; nothing else changed
    outside the settings steps; no submodule; its own edits within the pusher's schools and off
    locked records (see _check_edits). A record file the hub already has as it is (a merge taking
    the hub's side) was checked when it came. Also returns the record files read, the records
    parsed (by blob), the edits (record id, blob before, blob after) judged commit by commit,
    whether the rules were judged commit by commit (there were new commits), and the tree diffs
    of each commit against each parent."""
    span = [new, "--not", old] if old != ZERO else [new, "--not", "--all"]
    # (--topo-order: a commit's parents before it, whatever dates its author's clock wrote)
    listing = store.run("rev-list", "--reverse", "--topo-order", "--parents", *span).decode().split("\n")
    refused: list[Refusal] = []
    checked: set[tuple[str, str]] = set()
    schemas_cache: dict[str, Schemas] = {}
    later: list[tuple] = []   # what each commit's record files need, once they are all read
    edits: list[_Edits] = []
    # Every commit, its parents' trees and the files each changes against each parent, read
    # in three git processes for the whole push (not a few per commit).
    commits = [line.split() for line in listing if line]
    infos = store.commit_infos([c for c, *_ in commits])
    tree_of = {c: info["tree"] for c, info in infos.items()}
    tree_of.update({p: store.commit_tree(p) for _c, *parents in commits for p in parents if p not in tree_of})
    pairs = [(tree_of[p], tree_of[c]) for c, *parents in commits for p in parents]
    pairs += [(EMPTY_TREE, tree_of[c]) for c, *parents in commits if not parents]
    gitlinks: set[tuple[tuple[str, str], str]] = set()
    diffs = store.diff_tree_pairs(pairs, gitlinks=gitlinks, paired=False)
    schemas_at = _schemas_trees(store, commits, tree_of, diffs)
    settings_at = _settings_before(store, commits, tree_of, diffs)
    layouts: dict[str | None, int] = {}
    # A record is paired by its id across a change of layout (`bangfu upgrade-layout`, or a merge
    # with the ledger moved on one side) and nowhere else: a record moved within one layout is a
    # file at a path that layout does not name.
    configs = store.lookup_many((t, CONFIG_FILE) for pair in diffs for t in pair)
    diffs = {(a, b): ids.paired(d) if _layout(store, configs[(a, CONFIG_FILE)], layouts)
             != _layout(store, configs[(b, CONFIG_FILE)], layouts) else d for (a, b), d in diffs.items()}
    for commit, *parents in commits:
        info = infos[commit]
        tree = info["tree"]
        parent_trees = [tree_of[p] for p in parents] or [EMPTY_TREE]
        # What a person wrote beside the records (its message, names, the names of the files it
        # writes) looked at once: most commits hold no run of ten digits in any of it.
        written = {path for pt in parent_trees for path, (_b, after) in diffs[(pt, tree)].items() if after}
        names = [info[part].rsplit(" ", 2)[0] for part in ("author", "committer") if info.get(part)]
        said = cleartext.may_hold("\nx\n".join([info["message"], *names, *written]))
        if said:
            refused += _clear_in(info["message"], "hub.clear_in_commit",
                                 {"commit": commit[:10], "part": i18n.Word("hub.part_message")},
                                 signing_kinds(info["message"]))
            refused += _clear_in_people(info, "hub.clear_in_commit", {"commit": commit[:10]})
        files: dict[str, str] = {}
        outside: set[str] = set()
        named: set[str] = set()
        paid: list[tuple[str, str, str | None]] = []   # payments this commit edits or deletes
        edited = _Edits(commit, settings_at[commit])
        own_config = diffs[(parent_trees[0], tree)].get(CONFIG_FILE)
        layout = _layout(store, own_config[1] if own_config else settings_at[commit], layouts)
        moving = (Trailers.parse(info["message"]).get("Action") or [""])[0] == ids.MOVE_ACTION
        for ptree in parent_trees:
            for path, (before, after) in diffs[(ptree, tree)].items():
                if ((ptree, tree), path) in gitlinks:
                    # (its id names a commit of another repository: nothing here to read)
                    refused.append(Refusal("hub.submodule", {"commit": commit[:10], "path": path}))
                    continue
                if said and after and path not in named:
                    named.add(path)
                    refused += _clear_in(path, "hub.clear_in_commit",
                                         {"commit": commit[:10], "part": i18n.Word("hub.part_file")})
                # The commit's own edit: against its one parent, or for a merge, a version none
                # of its parents has (the merge's own edit, not one side's taken).
                own = all(path in diffs[(pt, tree)] for pt in parent_trees)
                if before and own and ptree == parent_trees[0] and path.startswith(f"{ids.RECORDS_DIR}/aid/"):
                    paid.append((path, before, after))
                if path.startswith(ids.RECORDS_DIR + "/"):
                    rid = ids.id_from_path(path)
                    if rid and after and ids.id_from_path(path, layout=layout) is None:
                        # A record written where an older layout keeps it, in a ledger already
                        # moved on (an older Bangfu's save or merge): a second copy of the record.
                        refused.append(Refusal("hub.old_layout", {"commit": commit[:10], "path": path, "record": rid,
                                                                  "format": layout}))
                        continue
                    if moving and own:
                        # The move changes no record: each is at its new path with its blob (the
                        # diffs pair them by id), anything else it does to one is refused.
                        refused.append(Refusal("hub.layout_not_pure", {"commit": commit[:10], "path": path}))
                        continue
                    if rid and own:
                        edited.own.setdefault(rid, ([], after))[0].append(before)
                    elif rid and after and path.startswith(f"{ids.RECORDS_DIR}/adjustment/"):
                        edited.brought[rid] = after   # (an adjustment one side of a merge made)
                    if rid and index.blobs.get(rid) == after:
                        continue
                    if after and (path, after) not in checked:
                        files[path] = after
                        checked.add((path, after))
                elif not (len(parents) > 1 and any(store.lookup(pt, path) == store.lookup(tree, path)
                                                   for pt in parent_trees)):
                    outside.add(path)   # (a merge taking the file as one parent has it is fine)
        if outside and not (not parents and _is_empty(store)):   # (the first commit of a new hub)
            refused += _check_settings(store, commit, tree, parents, parent_trees, sorted(outside), guard)
        later.append((commit, schemas_at[commit], files))
        edits.append(edited)
        if paid:
            refused += _check_closed(store, commit, parent_trees[0], paid)
    # The record files of every commit in one read (one git process, not one per commit).
    contents = dict(store.read_blobs(sorted({blob for _c, _t, files in later for blob in files.values()})))
    parsed: dict[str, dict] = {}
    for commit, schemas_tree, files in later:
        if files:
            refused += _check_files(commit, files, contents, _schemas_of(store, schemas_tree, schemas_cache), parsed)
    judged: set[tuple] = set()
    if not refused:   # (the versions to judge are all readable records)
        refused += _check_edits(store, edits, contents, parsed, index, guard, main)
        judged = {(rid, b, after) for e in edits for rid, (befores, after) in e.own.items() for b in befores}
    if not refused:
        main_tree = store.commit_tree(main) if main != ZERO else EMPTY_TREE
        refused += [Refusal("hub.rule", {"commit": c[:10], "path": ids.path_of(rid, layout_at(store, tree_of[c])),
                                         "record": rid}, f)
                    for c, rid, f in judge_rules(store, commits, tree_of, diffs, index, main_tree, parsed,
                                                 lambda c: _schemas_of(store, schemas_at[c], schemas_cache),
                                                 MAX_SHOWN + 1)]
    return _unique(refused), contents, parsed, judged, bool(commits), diffs


def _schemas_trees(store: GitStore, commits: list[list[str]], tree_of: dict[str, str], diffs: dict
                   ) -> dict[str, str | None]:
    """Each commit's `schemas/` tree: its first parent's unless the commit changes a schema file
    (a thousand commits of records are one lookup, not a thousand)."""
    def changes_schemas(commit: str, parents: list[str]) -> bool:
        return any(path.startswith("schemas/") for p in parents or [None]
                   for path in diffs[(tree_of[p] if p else EMPTY_TREE, tree_of[commit])])
    pushed = {c for c, *_ in commits}
    wanted = [tree_of[p] for c, *parents in commits for p in parents[:1] if p not in pushed]
    wanted += [tree_of[c] for c, *parents in commits if not parents or changes_schemas(c, parents)]
    found = store.lookup_many((tree, "schemas") for tree in wanted)
    out: dict[str, str | None] = {}
    for commit, *parents in commits:   # (parents come first: rev-list --reverse)
        if not parents or changes_schemas(commit, parents):
            out[commit] = found[(tree_of[commit], "schemas")]
        else:
            first = parents[0]
            out[commit] = out[first] if first in out else found[(tree_of[first], "schemas")]
    return out


@dataclass
class _Edits:
    """What one pushed commit itself does to the records: record id -> (its version in each
    parent, its version after), and the adjustment records a merge brings from one side."""
    commit: str
    settings: str | None   # the blob of bangfu.json in its first parent: the settings it was made under
    own: dict[str, tuple[list[str | None], str | None]] = field(default_factory=dict)
    brought: dict[str, str] = field(default_factory=dict)


def _check_edits(store: GitStore, edits: list[_Edits], contents: dict[str, bytes], parsed: dict[str, dict],
                 index: Index, guard: _Guard, main: str) -> list[Refusal]:
    """Commit by commit, as each site's save checked it: every record a commit itself edits lies
    within the pusher's schools before and after, and no commit touches a locked record (an
    inspected plan, a closed term, an approved batch) without an adjustment in the same commit.
    Every site clones the whole history, so an edit put back by a later commit of the same push
    is still kept for good: the push's end alone does not say what it carries."""
    allowed = guard.policy.schools_of(guard.pusher)
    mine = frozenset(allowed) if allowed is not None else None
    hub_blob: dict[str, str | None] = {}

    def at_hub(rid: str) -> str | None:
        if rid not in hub_blob:
            hub_blob[rid] = index.blobs.get(rid)
        return hub_blob[rid]
    wanted = {(rid, b) for e in edits for rid, (befores, after) in e.own.items() for b in (*befores, after) if b}
    wanted |= {(rid, b) for e in edits for rid, b in e.brought.items()}
    unread = sorted({b for rid, b in wanted if b not in parsed and b not in contents and at_hub(rid) != b})
    contents = {**contents, **dict(store.read_blobs(unread))} if unread else contents

    def doc(rid: str, blob: str | None) -> dict | None:
        if blob is None:
            return None
        if blob not in parsed:
            parsed[blob] = index.get(rid) if at_hub(rid) == blob else _doc(contents.get(blob))
        return parsed[blob]
    closed_at = _closed_through_at(store, main, [e.settings for e in edits])
    state = Pushed(index)
    out: list[Refusal] = []
    names = "、".join(allowed or ()) or "—"
    for e in edits:
        where = {"commit": e.commit[:10]}
        changes = [(rid, doc(rid, befores[0]), doc(rid, after)) for rid, (befores, after) in e.own.items()]
        changes += [(rid, None, doc(rid, blob)) for rid, blob in e.brought.items() if rid not in e.own]
        # (a record's place, and so its school, is read as the ledger stood: before the commit for
        # the version it had, after it for the one it writes)
        outside = set()
        if mine is not None:
            outside = {rid for rid, (befores, _a) in e.own.items()
                       if not all(scope.within(doc(rid, b), state, mine) for b in befores)}
        locked = locks.refused(changes, state, closed_at[e.settings]) + batches.refused(changes, state)
        for rid, _old, new in changes:
            state.set(rid, new)
        if mine is not None:
            outside |= {rid for rid, _old, new in changes if rid in e.own and not scope.within(new, state, mine)}
        out += [Refusal("hub.out_of_scope_commit", {**where, "record": rid, "pusher": guard.pusher, "schools": names,
                                                    "policy": str(guard.policy.path)}) for rid in sorted(outside)]
        out += [Refusal("hub.locked_commit", {**where, "record": f.record}, f) for f in locked]
    return out


def _layout(store: GitStore, config: str | None, cache: dict[str | None, int]) -> int:
    """The layout a ledger with this bangfu.json (its blob) keeps its records in."""
    if config not in cache:
        cache[config] = ids.layout_of(_doc(store.read_blob(config)) if config else {})
    return cache[config]


def _settings_before(store: GitStore, commits: list[list[str]], tree_of: dict[str, str], diffs: dict
                     ) -> dict[str, str | None]:
    """Each commit's first parent's bangfu.json (its blob): the settings the commit was made under.
    Followed along the push from the diffs (a thousand commits are a lookup or two, not a thousand)."""
    after: dict[str, str | None] = {}   # commit -> its own bangfu.json
    out: dict[str, str | None] = {}
    for commit, *parents in commits:   # (parents first)
        first = parents[0] if parents else None
        if first is None:
            out[commit] = None
        else:
            out[commit] = after[first] if first in after else store.lookup(tree_of[first], CONFIG_FILE)
        change = diffs[(tree_of[first] if first else EMPTY_TREE, tree_of[commit])].get(CONFIG_FILE)
        after[commit] = change[1] if change else out[commit]
    return out


def _closed_through_at(store: GitStore, main: str, settings: list[str | None]) -> dict[str | None, str | None]:
    """bangfu.json blob -> the last closed term a commit made under it is held to: the later of
    the hub's setting and its own (a term closed by an earlier commit of the same push is closed)."""
    at_hub = settings_in(store, store.commit_tree(main)).get("closed_through") if main != ZERO else None
    read = dict(store.read_blobs(sorted({b for b in settings if b})))
    out = {}
    for blob in set(settings):
        own = _doc(read.get(blob)).get("closed_through")
        out[blob] = max((t for t in (at_hub, own) if isinstance(t, str) and terms.term_end(t)),
                        key=terms.term_end, default=None)
    return out


def _is_empty(store: GitStore) -> bool:
    return not store.run("for-each-ref", "--count=1", "refs/").strip()


def _check_closed(store: GitStore, commit: str, parent_tree: str, paid: list[tuple[str, str, str | None]]
                  ) -> list[Refusal]:
    """Payments of a closed term are not edited or deleted (what the audit reports where no hook
    runs): closed at the term's end, or by `closed_through` in bangfu.json before the commit.
    The commit's date is the pusher's to write (GIT_COMMITTER_DATE): it is believed only as far
    back as SYNC_GRACE before the hub's own today, so a site that saved in the term and syncs
    within that time is not refused, and a commit dated back further is no way round a closed term;
    nor later than the hub's today, so a site whose clock runs ahead is not refused an edit in a
    term the hub still holds open."""
    dated = dt.datetime.fromtimestamp(int(store.commit_info(commit).get("committer", "0 0").rsplit(" ", 2)[-2]),
                                      dt.timezone.utc).date()
    today = clock.today()
    when = min(max(dated, today - SYNC_GRACE), today)
    through = settings_in(store, parent_tree).get("closed_through")
    contents = dict(store.read_blobs(sorted({b for _p, o, n in paid for b in (o, n) if b})))
    out = []
    for path, old, new in paid:
        closed = terms.payment_closed(_doc(contents.get(old)), _doc(contents.get(new)) if new else None, when, through)
        if closed:
            term, why = closed
            out.append(Refusal("hub.closed_term", {"commit": commit[:10], "record": ids.id_from_path(path) or path,
                                                   "term": term, "end": str(terms.term_end(term)),
                                                   "why": i18n.Word(f"hub.closed_{why}")}))
    return out


def _doc(data: bytes | None) -> dict:
    try:
        doc = json.loads(data) if data else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


# What an administrator's commit may change outside records/, by its `Action` trailer: the
# commands that make such commits (bangfu schema-upgrade, close-term, signing add).
SETTINGS_STEPS = {UPGRADE: ("schemas/", CONFIG_FILE), "close-term": (CONFIG_FILE,), "signing": ("allowed_signers",),
                  ids.MOVE_ACTION: (CONFIG_FILE,)}


def _check_settings(store: GitStore, commit: str, tree: str, parents: list[str], parent_trees: list[str],
                    paths: list[str], guard: _Guard) -> list[Refusal]:
    """A commit that changes files outside records/ must be one of the settings steps
    (SETTINGS_STEPS), pushed by one of the policy's admins, changing only what that step changes."""
    info = store.commit_info(commit)
    action = (Trailers.parse(info["message"]).get("Action") or [""])[0]
    if not parents or action not in SETTINGS_STEPS:
        return [Refusal("hub.outside_records", {"commit": commit[:10], "path": p}) for p in paths]
    where = {"commit": commit[:10]}
    if not guard.policy.may_upgrade(guard.pusher):
        return [Refusal("hub.upgrade_not_allowed", {**where, "pusher": guard.pusher,
                                                    "admins": "、".join(guard.policy.admins) or "—",
                                                    "policy": str(guard.policy.path)})]
    steps = SETTINGS_STEPS[action]
    other = [p for p in paths if not any(p == s or s.endswith("/") and p.startswith(s) for s in steps)]
    if other:
        return [Refusal("hub.settings_other_file", {**where, "path": p, "action": action}) for p in other]
    # What an admin writes there is kept and cloned like a record: no clear identifier in it either.
    written = {p: store.lookup(tree, p) for p in paths}
    contents = dict(store.read_blobs(sorted({b for b in written.values() if b})))
    kinds = signing_kinds(info["message"])   # (allowed_signers names coordinators by e-mail)
    clear = [r for p, b in written.items() if b
             for r in _clear_in(contents[b].decode("utf-8", "replace"), "hub.clear_in_commit", {**where, "part": p},
                                kinds)]
    if clear:
        return clear
    before, after = settings_in(store, parent_trees[0]), settings_in(store, tree)
    if after.get("ledger_id") != before.get("ledger_id"):
        return [Refusal("hub.upgrade_ledger_id", where)]
    changed = sorted(k for k in before.keys() | after.keys() if k != "ledger_id" and before.get(k) != after.get(k))
    if action == "close-term":
        return _check_closing(where, before, after, changed)
    if action == ids.MOVE_ACTION:
        return _check_move(store, where, tree, before, after, changed)
    if action != UPGRADE:
        return []
    moved = [k for k in changed if k != "schema_version"]
    if moved:   # (closing a term again, or reopening one, goes by close-term and its own check)
        return [Refusal("hub.upgrade_setting", {**where, "setting": k}) for k in moved]
    # One upgrade, one commit, one version up from the commit before it: what bangfu
    # schema-upgrade writes. Two upgrades made before a sync are two commits, each checked
    # against its own parent; the same version again, or a jump, is no upgrade it makes.
    was, now = before.get("schema_version", 1), after.get("schema_version")
    if type(was) is not int or type(now) is not int or now != was + 1:
        return [Refusal("hub.upgrade_version", {**where, "old": json.dumps(was), "new": json.dumps(now),
                                                "expected": json.dumps(was + 1 if type(was) is int else 2)})]
    try:
        old_schemas, new_schemas = _schemas(store, parent_trees[0], {}), _schemas(store, tree, {})
        weakened = _weakened(old_schemas, new_schemas)
        if weakened:
            return [Refusal("hub.upgrade_weakens", {**where, "field": f}) for f in weakened]
        return _unfit(store, commit, tree, new_schemas)
    except Exception as exc:   # pushed schemas that cannot even be used (broken JSON, bad $ref, …)
        return [Refusal("hub.upgrade_broken", {**where, "error": f"{type(exc).__name__}: {exc}"[:160]})]


def _check_closing(where: dict, before: dict, after: dict, changed: list[str]) -> list[Refusal]:
    """`bangfu close-term`: closed_through alone changes, to a term after the one closed before
    (a closed term is never opened again: its payments were audited as they stand)."""
    moved = [k for k in changed if k != "closed_through"]
    if moved:
        return [Refusal("hub.upgrade_setting", {**where, "setting": k}) for k in moved]
    old, new = before.get("closed_through"), after.get("closed_through")
    if not isinstance(new, str) or terms.term_end(new) is None or (
            isinstance(old, str) and terms.term_end(old) is not None and terms.term_end(new) <= terms.term_end(old)):
        return [Refusal("hub.closing_back", {**where, "old": json.dumps(old, ensure_ascii=False),
                                             "new": json.dumps(new, ensure_ascii=False)})]
    return []


def _check_move(store: GitStore, where: dict, tree: str, before: dict, after: dict, changed: list[str]
                ) -> list[Refusal]:
    """`bangfu upgrade-layout`: `format` in bangfu.json alone changes, from an older layout to the
    newest, and every record is where that layout keeps it. (That the commit moved each record
    with its blob unchanged, and changed none, is seen where its record files are: a record
    moved and edited, added or deleted is an own edit of the commit, refused as a step's.)"""
    moved = [k for k in changed if k != "format"]
    if moved:
        return [Refusal("hub.upgrade_setting", {**where, "setting": k}) for k in moved]
    old, new = ids.layout_of(before), ids.layout_of(after)
    if old not in ids.LAYOUTS or new != ids.LATEST or new <= old:
        return [Refusal("hub.layout_format", {**where, "old": json.dumps(before.get("format", 1)),
                                              "new": json.dumps(after.get("format")), "expected": ids.LATEST})]
    records = store.lookup(tree, ids.RECORDS_DIR)
    left = [f"{ids.RECORDS_DIR}/{rel}" for rel, _blob in (store.ls_tree(records, "") if records else ())
            if ids.id_from_path(f"{ids.RECORDS_DIR}/{rel}", layout=new) is None]
    return [Refusal("hub.layout_not_moved", {**where, "path": p, "format": new}) for p in left[:MAX_SHOWN + 1]]


# Keywords that say what a field is called or means, not what it accepts.
_ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "default", "readOnly", "x-key"})


def _weakened(old: Schemas, new: Schemas) -> list[str]:
    """Protected identifier fields the new schemas no longer protect exactly as the old ones did."""
    out = []
    for rtype, paths in old.protected.items():
        kept = set(new.protected.get(rtype, []))
        for path in paths:
            if path not in kept or _substance(_at(new, rtype, path)) != _substance(_at(old, rtype, path)):
                out.append(f"{rtype}." + ".".join(path))
    return out


def _at(schemas: Schemas, rtype: str, path: tuple) -> dict:
    return schemas.field(rtype, tuple(0 if p == "*" else p for p in path))


def _substance(node):
    if isinstance(node, dict):
        return {k: _substance(v) for k, v in node.items() if k not in _ANNOTATIONS}
    return [_substance(x) for x in node] if isinstance(node, list) else node


def _unfit(store: GitStore, commit: str, tree: str, schemas: Schemas) -> list[Refusal]:
    """Every record of the ledger at the upgrade must fit the new schemas."""
    records = store.lookup(tree, ids.RECORDS_DIR)
    listing = list(store.ls_tree(records, "")) if records else []
    out: list[Refusal] = []
    blobs = {}
    for rel, blob in listing:
        blobs.setdefault(blob, []).append(f"{ids.RECORDS_DIR}/{rel}")
    for blob, data in store.read_blobs(sorted(blobs)):
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue   # (a broken file is refused where it was written)
        for path in blobs[blob]:
            out += [Refusal("hub.upgrade_unfit", {"commit": commit[:10], "path": path}, f)
                    for f in errors(schemas.check(doc))]
        if len(out) > MAX_SHOWN:
            break
    return out


def _schemas(store: GitStore, tree: str, cache: dict[str, Schemas]) -> Schemas:
    return _schemas_of(store, store.lookup(tree, "schemas"), cache)


def _schemas_of(store: GitStore, sha: str | None, cache: dict[str, Schemas]) -> Schemas:
    """The schemas of the `schemas/` tree `sha` (the project's where a ledger has none)."""
    sha = sha or ""
    if sha not in cache:
        files = {name: store.read_blob(b.hex()) for b, _m, name in store.tree_entries(sha)} if sha else {}
        cache[sha] = Schemas(files) if files else Schemas.from_dir()
    return cache[sha]


def _check_files(commit: str, files: dict[str, str], contents: dict[str, bytes], schemas: Schemas,
                 parsed: dict[str, dict]) -> list[Refusal]:
    """Each file a record as the hub keeps it; `parsed` gains blob -> record of each one read."""
    out: list[Refusal] = []
    by_blob: dict[str, list[str]] = {}
    for path, blob in files.items():
        by_blob.setdefault(blob, []).append(path)
    for blob in sorted(by_blob):
        data = contents[blob]
        for path in by_blob[blob]:
            where = {"commit": commit[:10], "path": path}
            rid = ids.id_from_path(path)
            if rid is None:
                out.append(Refusal("hub.bad_path", where))
                continue
            try:
                doc = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                if b"\n<<<<<<< " in b"\n" + data:   # a text merge by a clone without the merge driver
                    out.append(Refusal("hub.conflict_markers", where))
                else:
                    out.append(Refusal("hub.broken_json", {**where, "error": str(exc)[:120]}))
                continue
            if not isinstance(doc, dict) or doc.get("id") != rid:
                out.append(Refusal("hub.wrong_id", {**where, "record": rid}))
                continue
            parsed[blob] = doc
            canonical_form = canonical.dumps(doc) == data
            if not canonical_form:
                out.append(Refusal("hub.not_canonical", {**where, "record": rid}))
            out += [Refusal("hub.invalid", {**where, "record": rid}, f) for f in errors(schemas.check(doc))]
            # Every commit, not just the last: a clear identifier removed again is still in the
            # history. (A canonical file, digits as typed, with no run of ten digits anywhere
            # holds none: most records are done with one search of their text.)
            if not canonical_form or cleartext.may_hold_json(data.decode("utf-8")):
                out += [Refusal("hub.invalid", {**where, "record": rid}, f)
                        for f in identifiers.misplaced(doc, schemas)]
    return out


def _changed(store: GitStore, new: str, index: Index, read: dict[str, bytes], parsed: dict[str, dict],
             made: dict | None) -> tuple[dict[str, dict | None], dict[str, str | None]]:
    """The records the push changes against the hub's main, as they are at `new` (None: deleted),
    and their blobs; `read`: record files read already, `parsed`: records parsed already, `made`:
    the diff of the two whole trees when the walk made it already (a merge with the hub's main)."""
    under = ids.RECORDS_DIR + "/"
    if made is not None:
        changed = {path[len(under):]: after for path, (_b, after) in made.items() if path.startswith(under)}
    else:
        new_records = store.lookup(store.commit_tree(new), ids.RECORDS_DIR) or EMPTY_TREE
        old_records = index.records_tree or EMPTY_TREE
        changed = {path: after for path, (_b, after)
                   in ids.paired(diff_tree(store, old_records, new_records), under).items()}
    unread = sorted({b for b in changed.values() if b and b not in read and b not in parsed})
    contents = {**read, **dict(store.read_blobs(unread))} if unread else read
    docs: dict[str, dict | None] = {}
    blobs: dict[str, str | None] = {}
    for rel, blob in changed.items():
        rid = ids.id_from_path(f"{ids.RECORDS_DIR}/{rel}")
        if rid:
            docs[rid] = None if not blob else parsed[blob] if blob in parsed else json.loads(contents[blob])
            blobs[rid] = blob
    return docs, blobs


def _check_final(store: GitStore, new: str, index: Index, docs: dict[str, dict | None],
                 unjudged: dict[str, dict | None], pushed: Pushed, main: str, ruled: bool) -> list[Refusal]:
    """The ledger as the push leaves it (`pushed`): the changes not judged commit by commit keep
    off locked records; and unless the rules were judged commit by commit (the last commit's
    ledger is this one), every changed record passes them and no deleted record is still
    referred to (a ref moved to a commit the hub already has)."""
    bad: dict[str, list[Finding]] = {}
    if not ruled:
        # (every record's schema and clear-identifier scan were done when its commit came)
        bad = check_records(pushed, docs, _schemas(store, store.commit_tree(new), {}),
                            known_valid=set(docs), scanned=set(docs))
    # An inspected plan or a closed term takes changes only with an adjustment record.
    closed_through = settings_in(store, store.commit_tree(main)).get("closed_through") if main != ZERO else None
    changes = [(rid, index.get(rid), doc) for rid, doc in unjudged.items()]
    # ... and so do an approved payment batch and its payments.
    for f in locks.refused(changes, index, closed_through) + batches.refused(changes, index):
        bad.setdefault(f.record, []).append(f)
    layout = layout_at(store, store.commit_tree(new))
    return [Refusal("hub.rule", {"commit": new[:10], "path": ids.path_of(rid, layout), "record": rid}, f)
            for rid, found in sorted(bad.items()) for f in found]


def _check_scope(guard: "_Guard", index: Index, docs: dict[str, dict | None], pushed: Pushed) -> list[Refusal]:
    """Records the pusher may not change by the policy's access list: both the version the hub
    has and the pushed one must belong to one of the pusher's schools (`pushed`: the ledger as
    the push leaves it, where the pushed version's school is looked up)."""
    allowed = guard.policy.schools_of(guard.pusher)
    if allowed is None:
        return []
    mine, after = frozenset(allowed), pushed
    names = "、".join(allowed) or "—"
    return [Refusal("hub.out_of_scope", {"record": rid, "pusher": guard.pusher, "schools": names,
                                         "policy": str(guard.policy.path)})
            for rid, doc in sorted(docs.items())
            if not (scope.within(index.get(rid), index, mine) and scope.within(doc, after, mine))]


def _index_at(store: GitStore, old: str) -> Index:
    """The hub's records at its current tip: the ledger's own index (kept on disk between
    pushes), or an empty one for a hub receiving its first ledger."""
    if old == ZERO:
        index = Index()
        index.load([], EMPTY_TREE)
        return index
    from store.ledger.ledger import Ledger
    ledger = Ledger(store.gitdir)
    try:
        if ledger.tip != old:
            raise _Moved()
        return ledger.index
    finally:
        ledger.close()


class _Moved(Exception):
    pass


def _unique(refused: list[Refusal]) -> list[Refusal]:
    seen, out = set(), []
    for r in refused:
        key = (r.key, tuple(sorted(r.params.items())), r.finding)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def report(refused: list[Refusal]) -> str:
    """What the pusher reads (git shows it as `remote:` lines): both languages, then what to do."""
    before = i18n.lang()
    parts = []
    # (the commits a site can set aside, named in the advice's command as the refusals name them)
    commits = " ".join(dict.fromkeys(str(r.params["commit"]) for r in refused
                                     if _ADVICE.get(r.key) == "hub.advice_set_aside" and "commit" in r.params))
    try:
        for lang in i18n.LANGS:
            i18n.set_lang(lang)
            lines = [i18n.t("hub.refused")] + ["  " + r.text() for r in refused]
            advice = sorted({_ADVICE.get(r.key, "hub.advice_fix") for r in refused})
            lines += [i18n.t(a, commits=commits) for a in advice]
            parts.append("\n".join(lines))
    finally:
        i18n.set_lang(before)
    return "\n\n".join(parts) + "\n"


_ADVICE = {"hub.non_fast_forward": "hub.advice_sync", "hub.delete": "hub.advice_sync",
           "hub.outside_records": "hub.advice_upgrade", "hub.other_ref": "hub.advice_ref",
           "hub.tag_moved": "hub.advice_ref", "hub.not_commit": "hub.advice_ref",
           "hub.bad_policy": "hub.advice_policy", "hub.upgrade_not_allowed": "hub.advice_upgrade_admin",
           "hub.upgrade_ledger_id": "hub.advice_upgrade", "hub.upgrade_version": "hub.advice_upgrade",
           "hub.upgrade_broken": "hub.advice_upgrade", "hub.upgrade_weakens": "hub.advice_upgrade_protected",
           "hub.upgrade_unfit": "hub.advice_fix", "hub.out_of_scope": "hub.advice_scope",
           "hub.closed_term": "hub.advice_set_aside", "hub.conflict_markers": "hub.advice_setup",
           "hub.clear_in_commit": "hub.advice_clear", "hub.clear_in_ref": "hub.advice_clear",
           "hub.settings_other_file": "hub.advice_upgrade", "hub.upgrade_setting": "hub.advice_upgrade",
           "hub.closing_back": "hub.advice_closed", "hub.out_of_scope_commit": "hub.advice_set_aside",
           "hub.locked_commit": "hub.advice_set_aside", "hub.submodule": "hub.advice_submodule",
           "hub.old_layout": "hub.advice_layout_update", "hub.layout_format": "hub.advice_layout",
           "hub.layout_not_moved": "hub.advice_layout", "hub.layout_not_pure": "hub.advice_layout"}


def run_hook(stdin_text: str) -> int:
    """`bangfu hook pre-receive`: read `old new ref` lines, print refusals, exit 1 if any."""
    updates = [tuple(line.split()[:3]) for line in stdin_text.splitlines() if len(line.split()) >= 3]
    gitdir = Path(os.environ.get("GIT_DIR", ".")).resolve()
    refused = pre_receive(gitdir, updates)  # type: ignore[arg-type]
    if refused:
        sys.stderr.write(report(refused))
        return 1
    return 0


# -- the schema upgrade step ---------------------------------------------------------

def schema_changes(ledger, schemas_dir: Path) -> list[str]:
    """The schema files (by name) that the folder adds, changes or removes against the ledger's tip."""
    store = ledger.git
    old = store.lookup(store.commit_tree(ledger.tip), "schemas")
    stored = {name: binsha.hex() for binsha, _m, name in (store.tree_entries(old) if old else [])}
    given = {p.name: canonical.blob_id(p.read_bytes()) for p in sorted(Path(schemas_dir).glob("*.json"))}
    return sorted(name for name in stored.keys() | given.keys() if stored.get(name) != given.get(name))


def schema_upgrade(ledger, schemas_dir: Path, *, note: str = "", records: list[dict] = ()) -> str:
    """Commit new schemas with a higher schema_version: the one way the hub accepts a schema
    change. Every record must be valid against the new schemas, as it is or as `records` (the
    upgrade's data step, committed with the schemas) makes it."""
    if ledger.read_only:
        raise ReadOnly(path=str(ledger.path))
    new = Schemas({p.name: p.read_bytes() for p in sorted(Path(schemas_dir).glob("*.json"))})
    ledger.refresh()
    docs = {**ledger.index.docs, **{r["id"]: r for r in records}}
    problems = [f for doc in docs.values() for f in errors(new.check(doc))]
    if problems:
        raise InvalidRecord(problems[:50], record=problems[0].record)
    store = ledger.git
    tip = ledger.tip
    config = dict(ledger.config)
    config["schema_version"] = int(config.get("schema_version", 1)) + 1
    changes = {f"schemas/{p.name}": store.write("blob", p.read_bytes()) for p in sorted(Path(schemas_dir).glob("*.json"))}
    old = store.lookup(store.commit_tree(tip), "schemas")
    for _b, _m, name in (store.tree_entries(old) if old else []):
        changes.setdefault(f"schemas/{name}", None)
    changes[CONFIG_FILE] = store.write("blob", canonical.dumps(config))
    for record in records:
        changes[ids.path_of(record["id"], ledger.layout)] = store.write("blob", canonical.dumps(record))
    tree = store.write_tree(store.commit_tree(tip), changes)
    title = f"ledger: schema upgrade to version {config['schema_version']}" + (f" ({note})" if note else "")
    message = Trailers.message(title, {"Action": UPGRADE, "Schema-Version": str(config["schema_version"]),
                                       "Site": ledger.site})
    commit = store.make_commit(tree, [tip], ledger.author(), message)
    if not ledger.move_to(commit, tip, title):
        raise BangfuError("error.conflict_busy", record=CONFIG_FILE)
    return commit


# -- the layout step ---------------------------------------------------------------------------

class NotMovable(BangfuError):
    """A file under records/ that no record of the ledger's layout is (validate names it)."""
    key = "sync.layout_not_movable"


def upgrade_layout(ledger) -> tuple[str | None, int]:
    """Move every record to the newest layout (store/core/ids.py) in one commit that changes no
    record: each file's blob at its new path, and `format` in bangfu.json. (commit, records moved);
    (None, 0) when the ledger is in the newest layout already. The trees are made by git
    (`fast-import` from the listing of the records: no record is read), then the commit by Bangfu,
    signed like a save, moved in with a compare-and-swap."""
    if ledger.read_only:
        raise ReadOnly(path=str(ledger.path))
    ledger.refresh()
    new = ids.LATEST
    if ledger.layout == new:
        return None, 0
    store = ledger.git
    tip = ledger.tip
    old = ledger.layout
    records = store.lookup(store.commit_tree(tip), ids.RECORDS_DIR)
    listing = store.run("ls-tree", "-r", "-z", "--full-tree", records).decode("utf-8", "surrogateescape") if records else ""
    entries = [e for e in listing.split("\0") if e]
    lines: list[str] = []
    seen: set[str] = set()
    for entry in entries:
        meta, _, rel = entry.partition("\t")
        path = f"{ids.RECORDS_DIR}/{rel}"
        rid = ids.id_from_path(path, layout=old)
        if rid is None or rid in seen or not meta.startswith("100644 blob "):
            raise NotMovable(path=path)
        seen.add(rid)
        lines.append(f"M 100644 {meta[12:]} {ids.path_of(rid, new)}\n")
    config = {**ledger.config, "format": new}
    stream = "".join([
        f"commit {_MOVE_REF}\ncommitter bangfu <bangfu@localhost> 0 +0000\ndata 0\nfrom {tip}\n",
        f"D {ids.RECORDS_DIR}\n", *lines, "\ndone\n"]).encode("utf-8", "surrogateescape")
    try:
        store.run("fast-import", "--quiet", "--done", input=stream)
        tree = store.run("rev-parse", f"{_MOVE_REF}^{{tree}}").decode().strip()
    finally:
        store.run("update-ref", "-d", _MOVE_REF, check=False)
    tree = store.write_tree(tree, {CONFIG_FILE: store.write("blob", canonical.dumps(config))})
    title = f"ledger: upgrade layout {i18n.counted(len(lines), 'record')}"
    message = Trailers.message(title, {"Action": ids.MOVE_ACTION, "Format": str(new), "Records": str(len(lines)),
                                       "Schema-Version": str(config.get("schema_version", 1)), "Site": ledger.site})
    commit = store.make_commit(tree, [tip], ledger.author(), message)
    # (no record changed: the index follows without reading one, whatever the diff of the paths)
    if not ledger.move_to(commit, tip, title, written=[]):
        raise BangfuError("error.conflict_busy", record=CONFIG_FILE)
    return commit, len(lines)


_MOVE_REF = "refs/bangfu/layout-move"   # (fast-import's commit, only for the tree it makes)
