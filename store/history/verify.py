"""Checking a ledger: the tip (`bangfu validate`) and every commit (`--history`)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

from store.core import canonical, ids
from store.rules import checks as rules
from store.core.findings import Finding
from store.ledger.index import Index


@dataclass(frozen=True)
class Located:
    """A finding and the commit it was found in (None for the tip)."""
    commit: str | None
    finding: Finding


def check_tip(ledger) -> list[Finding]:
    ledger.refresh()
    found: list[Finding] = [Finding(path, (), "verify.bad_path") if detail == "path" else
                            Finding(path, (), "verify.broken_file", {"detail": detail})
                            for path, detail in sorted(ledger.broken.items())]
    # Opening trusts each file's folder; here every path must be the one its id gives in the
    # ledger's layout (a file at the other layout's path is a second copy a save never finds).
    records_tree = ledger.git.lookup(ledger.git.commit_tree(ledger.tip), ids.RECORDS_DIR)
    for rel, _blob in (ledger.git.ls_tree(records_tree, "") if records_tree else []):
        path = f"{ids.RECORDS_DIR}/{rel}"
        if path not in ledger.broken and ids.id_from_path(path, layout=ledger.layout) is None:
            rid = ids.id_from_path(path)
            found.append(Finding(path, (), "verify.bad_path") if rid is None else
                         Finding(rid, (), "verify.wrong_layout", {"path": path, "expected": ids.path_of(rid, ledger.layout),
                                                                  "format": ledger.layout}))
    for rid in sorted(ledger.index.docs):
        doc = ledger.index.docs[rid]
        if canonical.blob_id(canonical.dumps(doc)) != ledger.index.blobs[rid]:
            found.append(Finding(rid, (), "verify.not_canonical", {"path": ids.path_of(rid, ledger.layout)}))
        found.extend(ledger.check(doc))
    return found


def check_history(ledger, since: str | None = None) -> Iterator[Located]:
    """Every record each commit wrote, checked with the schemas of that commit and the
    rules against the ledger as it stood then (first-parent history, oldest first)."""
    store = ledger.git
    index = Index()
    if since:
        index.load([], None)
        _seed(ledger, index, since)
    walk = list(store.walk(ledger.tip, since=since))
    wanted = sorted({new for _c, _p, files in walk for path, _o, new in files
                     if new and path.startswith(ids.RECORDS_DIR + "/")})
    contents = dict(store.read_blobs(wanted))
    for commit, _parents, files in walk:
        schemas = ledger.schemas(commit)
        changes = []
        for path, _old, new in files:
            if not path.startswith(ids.RECORDS_DIR + "/"):
                continue
            rid = ids.id_from_path(path)
            if rid is None:
                if new:
                    yield Located(commit, Finding(path, (), "verify.bad_path"))
                continue
            if new is None:
                changes.append((rid, None, None))
                continue
            data = contents[new]
            try:
                doc = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                yield Located(commit, Finding(path, (), "verify.broken_file", {"detail": str(exc)}))
                changes.append((rid, None, None))
                continue
            if not isinstance(doc, dict) or doc.get("id") != rid:
                yield Located(commit, Finding(path, (), "verify.broken_file", {"detail": "id"}))
                changes.append((rid, None, None))
                continue
            if canonical.dumps(doc) != data:
                yield Located(commit, Finding(rid, (), "verify.not_canonical", {"path": path}))
            changes.append((rid, new, doc))
        index.apply(changes, None)
        for rid, blob, doc in changes:
            if doc is None:
                continue
            found = schemas.check(doc)
            if not [f for f in found if f.level == "error"]:
                found += rules.check(doc, index, schemas=schemas)
            for f in found:
                yield Located(commit, f)


def _seed(ledger, index: Index, commit: str) -> None:
    tree = ledger.git.lookup(ledger.git.commit_tree(commit), ids.RECORDS_DIR)
    if not tree:
        return
    listing = [(ids.id_from_path(f"{ids.RECORDS_DIR}/{p}"), b) for p, b in ledger.git.ls_tree(tree, "")]
    listing = [(rid, b) for rid, b in listing if rid]
    contents = dict(ledger.git.read_blobs(sorted({b for _r, b in listing})))
    items = []
    for rid, blob in listing:
        try:
            items.append((rid, blob, json.loads(contents[blob])))
        except ValueError:
            continue
    index.load(items, tree)
