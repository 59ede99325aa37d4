"""Bringing another site's commit into this ledger: the merge commit a sync makes, and the merge
driver git calls for a plain `git pull`. Both join the tips record by record (store/sync/merge.py)
and keep what cannot be joined as conflict events (store/sync/conflicts.py)."""
from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

from store.core import canonical, i18n, ids
from store.core.findings import errors
from store.core.trailers import Trailers
from store.ledger.gitstore import GitStore
from store.ledger.ledger import Ledger, default_author
from store.rules.schema import Schemas
from store.sync import conflicts as conflict_events
from store.sync.merge import (MergeRefused, Outcome, RecordState, base_tree, merge_bases, merge_record, same,
                              settle, show_path, three_way, _record_blobs, layout_at, CONFIG_FILE)


# -- the merge commit --------------------------------------------------------------

def merge_into(ledger: Ledger, theirs: str, *, remote: str, theirs_site: str | None = None) -> Outcome:
    """Merge commit `theirs` into the ledger's branch: a commit with two parents, moved in
    with a compare-and-swap (a local save in between means merging again from the new tip)."""

    store = ledger.git
    for _attempt in range(10):
        ledger.refresh()
        mine = ledger.tip
        schemas_mine = ledger.schemas(mine)
        bases = merge_bases(store, mine, theirs)
        base = base_tree(store, mine, theirs, schemas_mine)
        if base is None:
            empty = store.lookup(store.commit_tree(theirs), "records") is None
            raise MergeRefused("sync.unrelated_empty" if empty else "sync.unrelated", remote=remote)
        tm = three_way(store, base, store.commit_tree(mine), store.commit_tree(theirs), schemas_mine)
        schemas = ledger.schemas(theirs) if tm.schemas_from == "theirs" else schemas_mine
        trees = [store.lookup(store.commit_tree(c), "schemas") for c in (mine, theirs)]
        result_schemas = trees[1] if tm.schemas_from == "theirs" else trees[0]
        settle(tm, ledger.index, schemas, (trees[0] == result_schemas, trees[1] == result_schemas))
        sides = conflict_events.sides(store, site=ledger.site, bases=bases, mine=mine, theirs=theirs,
                                      records=[r for r, s in tm.records.items() if s.conflicts],
                                      theirs_site=theirs_site or remote)
        events = [(rid, conflict_events.make_event(ledger.author().name, state, *sides[rid]))
                  for rid, state in sorted(tm.records.items()) if state.conflicts]
        problems = [f for _rid, ev in events for f in errors(schemas.check(ev))]
        if problems:  # a conflict the event schema cannot hold is a bug: stop before committing
            raise MergeRefused("sync.merge_event_invalid", detail=problems[0].text())
        mine_tree, theirs_tree = store.commit_tree(mine), store.commit_tree(theirs)
        layout = layout_at(store, theirs_tree) if CONFIG_FILE in tm.files else ledger.layout
        events_at = {ids.path_of(ev["id"], layout): store.write("blob", canonical.dumps(ev)) for _rid, ev in events}
        if layout == ledger.layout:
            changes = {**tm.files, **_record_blobs(store, tm, layout), **events_at}
            tree = store.write_tree(mine_tree, changes)
        else:
            # The other side moved the ledger to a new layout (`bangfu upgrade-layout`): the merge
            # is their tree, every record at its new path, with what this side brings.
            changes = {**tm.own_files, **_record_blobs(store, tm, layout, "theirs"), **events_at}
            tree = store.write_tree(theirs_tree, changes)
        # What the index is told the merge wrote against mine, by id (a file under records/ that is
        # no record: let it read the change from git, which notes such files)
        docs = {rid: s.result for rid, s in tm.records.items() if not same(s.result, s.mine)}
        docs.update((ev["id"], ev) for _rid, ev in events)
        written = None if any(p.startswith(ids.RECORDS_DIR + "/") for p in tm.files) else [
            (rid, store.lookup(tree, ids.path_of(rid, layout)), doc) for rid, doc in docs.items()]
        incoming = sorted(r for r, s in tm.records.items()
                          if not same(s.result, s.mine) and not conflict_events.conflict_event(s.result))
        conflicted = [rid for rid, _ev in events]
        title = f"ledger: merge {remote}: {i18n.counted(len(incoming), 'record')} in, {i18n.counted(len(events), 'conflict')}"
        trailers = {"Action": "merge", "Merged-Records": str(len(incoming)), "Conflicts": str(len(events)),
                    "Conflict": [ev["id"] for _r, ev in events], "Conflict-Record": conflicted,
                    "Remote": remote, "Schema-Version": str(ledger.config.get("schema_version", 1)),
                    "Site": ledger.site}
        commit = store.make_commit(tree, [mine, theirs], ledger.author(), Trailers.message(title, trailers))
        if ledger.move_to(commit, mine, title, written):
            sides = None if tm.strays else {
                **{rid: (s.mine, s.theirs, s.result) for rid, s in tm.records.items()
                   if not (same(s.result, s.mine) and same(s.result, s.theirs))},
                **{ev["id"]: (None, None, ev) for _rid, ev in events}}
            return Outcome(commit, bases[0], incoming, [ev["id"] for _r, ev in events], conflicted, mine, theirs,
                           sides)
        # someone saved locally meanwhile: merge again from the new tip
    raise MergeRefused("sync.busy", remote=remote)


# -- plain git: the merge driver -----------------------------------------------------

def driver(base_file: str, mine_file: str, theirs_file: str, path: str, *, cwd: Path | None = None) -> int:
    """`git merge` / `git pull` calls this for each record changed on both sides (see
    .gitattributes): the merged record goes to mine_file. A conflict keeps this side's values,
    writes a conflict event next to the records (so both values are in the working tree and
    go into the merge commit once added) and exits 1 so git stops for a person to look."""

    top = Path(cwd or Path.cwd())
    docs = []
    for name in (base_file, mine_file, theirs_file):
        try:
            data = Path(name).read_bytes()
            docs.append(json.loads(data.decode("utf-8")) if data.strip() else None)
        except (OSError, UnicodeDecodeError, ValueError):
            return 1  # not a record we can read: leave it to git's own conflict handling
    if not all(d is None or isinstance(d, dict) for d in docs):
        return 1
    store = _store_at(top)
    schemas = _driver_schemas(store)
    replayed = _replayed(store)
    if replayed:   # a rebase: git's "ours" is the upstream side, the user's own is the commit replayed
        docs = [docs[0], docs[2], docs[1]]
    merged = merge_record(*docs, schemas)
    Path(mine_file).write_bytes(canonical.dumps(merged.result) if merged.result is not None else b"")
    if not merged.conflicts:
        return 0
    rid = ids.id_from_path(path) or str((docs[1] or docs[2] or {}).get("id", "?"))
    site = (store.config("bangfu.site") if store else None) or socket.gethostname()
    head = _head(store)
    theirs_commit, theirs_name = _merging_commit(head)
    if replayed:
        head, theirs_commit, theirs_name = replayed, head, None
    state = RecordState(rid, *docs, merged.result, conflicts=merged.conflicts, kept=merged.kept,
                        kind="delete" if merged.conflicts[0].path == () else "field")
    actor = default_author(store).name if store else "?"
    mine_side, theirs_side = {"site": site, "commit": head or ""}, {"site": theirs_name or "?", "commit": theirs_commit or ""}
    if store and head and theirs_commit:
        bases = merge_bases(store, head, theirs_commit)
        mine_side = conflict_events.last_touch(store, head, bases, path, site)
        theirs_side = conflict_events.last_touch(store, theirs_commit, bases, path, "?")
    event = conflict_events.make_event(actor, state, mine_side, theirs_side)
    event_path = ids.path_of(event["id"], _worktree_layout(top))
    target = top / event_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(canonical.dumps(event))
    sys.stderr.write(i18n.t("sync.driver_conflict", record=rid, fields=", ".join(
        show_path(c.path) or "*" for c in merged.conflicts), event=event_path) + "\n")
    return 1


def _worktree_layout(top: Path) -> int:
    """The layout of the ledger checked out at `top` (its bangfu.json)."""
    try:
        config = json.loads((top / CONFIG_FILE).read_bytes())
    except (OSError, ValueError):
        config = {}
    return ids.layout_of(config if isinstance(config, dict) else {})


def _replayed(store: GitStore | None) -> str | None:
    """The user's commit git is replaying when the driver runs inside a rebase (None otherwise)."""
    if store is None:
        return None
    for name in ("rebase-merge/done", "rebase-apply/original-commit"):
        try:
            lines = (store.gitdir / name).read_text(encoding="utf-8").split("\n")
        except OSError:
            continue
        words = [line.split() for line in lines if line.strip() and not line.startswith("#")]
        sha = words[-1][1] if name.endswith("done") and words and len(words[-1]) > 1 else (words[-1][0] if words else "")
        full = store.run("rev-parse", "-q", "--verify", f"{sha}^{{commit}}", check=False).decode().strip()
        if full:
            return full
    return None


def _store_at(top: Path) -> GitStore | None:
    try:
        return GitStore(top)
    except Exception:  # outside a repository the merge still works, with the project's schemas
        return None


def _head(store: GitStore | None) -> str | None:
    if store is None:
        return None
    return store.run("rev-parse", "-q", "--verify", "HEAD", check=False).decode().strip() or None


def _driver_schemas(store: GitStore | None) -> Schemas:
    tip = _head(store)
    sha = store.lookup(store.commit_tree(tip), "schemas") if store and tip else None
    if sha:
        return Schemas({name: store.read_blob(b.hex()) for b, _m, name in store.tree_entries(sha)})
    return Schemas.from_dir()


def _merging_commit(head: str | None) -> tuple[str | None, str | None]:
    # git names the commits being merged in GITHEAD_<sha> variables for merge drivers.
    for key, value in os.environ.items():
        if key.startswith("GITHEAD_") and key[8:] != head:
            return key[8:], value
    return None, None
