"""`bangfu audit`: every commit checked, each finding naming the commit and the record.

What is checked, commit by commit (oldest first):
- records against the schemas of their own commit and the rules of the ledger as it
  stood then (`store.verify.check_history`), and canonical form; a problem is reported
  where it appears, not again by every later commit that keeps it;
- trailers against what the commit changed: a commit that touches records without any
  trailer was made by hand; Record-Id / Record-Type / Action must match the files;
- merges: a value one side changed that the result dropped, or a record both sides had
  that the merge deleted, unless a Conflict/Resolution trailer names the record;
- aid of a closed term edited or deleted (a term closes at its end, `term_end`, or when
  the ledger's `closed_through` setting in bangfu.json covers it);
- adjustments: each change to an inspected plan or a closed term came with an adjustment
  record (store/twinning/locks.py); every one is listed (a warning) with its reason and approver;
- signatures, once the ledger keeps an `allowed_signers` file (store/ledger/signing.py);
- clear personal identifiers in history (`store.privacy.scan_history`, when present);
- rewritten history: the local branch's or a remote's reflog moving off commits, or a
  remote no longer containing what the auditor's earlier audit saw (kept in their own state folder);
  unpushed commits a site set aside (`bangfu unpushed set-aside`) are listed as such (a warning):
  each commit of the history that says so, and each one this copy keeps under refs/bangfu/set-aside/.

`--since` audits only the commits after a revision; each auditor's own state folder
remembers the tip their last audit reached (never the repository: nobody else moves it, and
an auditor who may only read writes nothing there), so `--since audited` picks up where
that auditor's last audit stopped.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from store.rules.terms import payment_closed, term_end
from store.core import i18n, ids
from store.ledger import policy, signing
from store.rules import cleartext, scope
from store.history.changes import (Commit, Names, describe, field_changes, is_date, last_before, names_in, overlaps,
                                   parse, resolve, title_of, walk)
from store.core.diff import value_at
from store.core.diff import diff
from store.core.findings import Finding, dotted
from store.ledger.gitstore import ZERO, GitFailed
from store.history.verify import check_history

AUDITED = "audited"   # what `--since` takes for "after my last audit"
ACCEPTED = "accepted-rewrites"
CONFIG_FILE = "bangfu.json"
KINDS = ("invalid", "hand_commit", "trailer", "merge", "closed_term", "scope", "adjustment", "signature", "privacy",
         "rewrite", "set_aside")
# Action trailer -> what the files must show for each record the commit touched.
_SHAPE = {"add": "add", "edit": "edit", "fmt": "edit", "delete": "delete"}
_EXPLAINS = re.compile(r"conflict|resol", re.I)   # trailers that explain a merge's choice
PARALLEL_FROM = 1000   # commits: below this the second process costs more than it saves


@dataclass
class AuditFinding:
    kind: str                       # one of KINDS
    key: str                        # message in the catalogue
    params: dict = field(default_factory=dict)
    commit: Commit | None = None
    sha: str | None = None          # the commit when it is not in the walk (a dropped one)
    record: str | None = None
    path: tuple = ()
    level: str = "error"
    inner: Finding | None = None    # the schema/rule finding an `invalid` wraps
    change: tuple[str, str, str] | None = None   # (field title, old, new) that made it
    names: Names | None = None      # records named as the ledger names them (else by their ids)

    @property
    def commit_id(self) -> str | None:
        return self.commit.sha if self.commit else self.sha

    def name(self) -> str:
        """The record as a reader knows it (its id when nothing else names it)."""
        if not self.record:
            return ""
        return cleartext.mask_text(self.names(self.record)) if self.names and ids.is_id(self.record) else self.record

    def kind_title(self) -> str:
        """What kind of finding it is; a rule's warning (a secondment short of its minimum) is to check, not invalid."""
        return i18n.t("audit.kind.to_check" if self.kind == "invalid" and self.level != "error" else f"audit.kind.{self.kind}")

    def called(self) -> str:
        """The record as a reader knows it, its id beside: '张小花 营养改善计划 … 490.00元（aid-01J…）'."""
        return _called(self.names, self.record) if self.record else ""

    def message(self) -> str:
        """The finding without its commit: '资助 张小花 …（aid-01J…）：金额 1,250.00 → 12,500.00：…'."""
        if self.inner is not None:
            what = i18n.t("audit.record", rtype=i18n.t(f"audit.rtype.{_rtype(self.record)}"), record=self.called())
            if self.change:
                what += i18n.t("audit.changed", title=self.change[0], old=self.change[1], new=self.change[2])
            elif self.inner.path:
                what += i18n.t("audit.field", field=self.params.get("field_title") or self.inner.field_path)
            return i18n.t("audit.invalid", what=what, rule=i18n.t(self.inner.rule, **self.inner.params))
        params = dict(self.params)
        if ids.is_id(params.get("record")):
            params["record"] = _called(self.names, params["record"])
        if isinstance(params.get("records"), list):
            params["records"] = i18n.listing(_called(self.names, r) for r in params["records"])
        return i18n.t(self.key, **params)

    def text(self) -> str:
        level = i18n.t(f"finding.{self.level}")
        where = self.commit.where() if self.commit else (
            i18n.t("audit.commit_short", commit=self.sha[:10]) if self.sha else "")
        if not where:
            return f"{level} {self.message()}"
        return i18n.t("audit.text", level=level, where=where, message=self.message())

    def as_json(self) -> dict[str, Any]:
        c = self.commit
        return {"kind": self.kind, "level": self.level, "commit": self.commit_id,
                "author": c.author if c else None, "email": c.email if c else None, "date": c.date if c else None,
                "record": self.record, "name": self.name(), "field": dotted(self.path),
                "rule": self.inner.rule if self.inner else self.key, "message": self.message(), "text": self.text()}


def _called(names: Names | None, record: str) -> str:
    name = cleartext.mask_text(names(record)) if names and ids.is_id(record) else record
    return record if name == record else i18n.t("audit.named", name=name, record=record)


def _rtype(record: str | None) -> str:
    kind = (record or "").split("-", 1)[0]
    return kind if kind in ids.RECORD_TYPES else "file"


@dataclass
class AuditResult:
    tip: str
    since: str | None
    commits: int
    findings: list[AuditFinding]
    signers: dict[str, int] = field(default_factory=dict)   # principal -> commits it signed

    @property
    def errors(self) -> list[AuditFinding]:
        return [f for f in self.findings if f.level == "error"]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.findings if strict else self.errors)


# -- the audit ---------------------------------------------------------------------------------

def run(ledger, since: str | None = None, *, remember: bool = True, accept_rewrite: bool = False) -> AuditResult:
    """Audit the commits after `since` (all of them without it; "audited" = after the last audit; a date YYYY-MM-DD: the commits from that day on)."""
    store = ledger.git
    ledger.refresh()
    tip = ledger.tip
    if since == AUDITED:
        since = audited_tip(ledger)
    base = last_before(store, tip, since) if is_date(since) else resolve(store, since) if since else None
    commits = list(walk(store, [tip] + ([f"^{base}"] if base else [])))
    by_sha = {c.sha: c for c in commits}
    hits = _privacy_scan(ledger, base, parallel=len(commits) >= PARALLEL_FROM)
    findings: list[AuditFinding] = []
    findings += check_rewrites(ledger, accept=accept_rewrite, update=remember)
    findings += _invalid(ledger, base, by_sha)
    for c in commits:
        if not c.is_merge:
            findings += _trailers(c)
    findings += _closed_terms(ledger, commits)
    findings += _out_of_scope(ledger, commits)
    findings += _adjustments(ledger, commits)
    findings += _merges(ledger, [c for c in commits if c.is_merge])
    findings += _set_asides(ledger, commits)
    sig_findings, signers = _signatures(ledger, commits)
    findings += sig_findings
    findings += _privacy(_collect(hits, ledger, base), by_sha)
    order = {c.sha: i for i, c in enumerate(commits)}
    findings.sort(key=lambda f: (f.kind != "rewrite", order.get(f.commit_id or "", -1)))
    names = names_in(ledger)
    for f in findings:
        f.names = names
    if remember:
        _remember(ledger, tip)
    return AuditResult(tip, base, len(commits), findings, signers)


def _notes(ledger) -> Path:
    """This auditor's notes on this ledger, in their own state folder (never the repository:
    nobody else moves them, and an auditor who may only read writes nothing there): the tip
    the last audit reached, the tip each remote was last seen at, rewrites acknowledged."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "bangfu" / "audit"
    where = f"{ledger.git.gitdir.resolve()}\0{ledger.config.get('ledger_id', '')}"
    return base / hashlib.sha1(where.encode()).hexdigest()[:16]


def _note(ledger, name: str) -> list[str]:
    try:
        return (_notes(ledger) / name).read_text().split()
    except OSError:
        return []


def _keep_note(ledger, name: str, words: list[str]) -> None:
    # Bookkeeping of this auditor, not a change to the ledger; a report is still given when
    # it cannot be kept.
    path = _notes(ledger) / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "ledger").write_text(f"{ledger.git.gitdir.resolve()}\n")
        staging = path.with_name(f".{name}.{os.getpid()}")
        staging.write_text("".join(w + "\n" for w in words))
        staging.replace(path)
    except OSError:
        pass


def audited_tip(ledger) -> str | None:
    """The tip this user's last audit of this ledger reached (None: never audited it)."""
    return next(iter(_note(ledger, AUDITED)), None)


def seen_tip(ledger, remote: str) -> str | None:
    """The tip of a remote's main as this user's last audit saw it."""
    return next(iter(_note(ledger, _seen(remote))), None)


def _seen(remote: str) -> str:
    return "seen-" + urllib.parse.quote(remote, safe="")


def _remember(ledger, tip: str) -> None:
    _keep_note(ledger, AUDITED, [tip])


# -- records: schemas, rules, canonical form --------------------------------------------------

def _invalid(ledger, base: str | None, by_sha: dict[str, Commit]) -> Iterator[AuditFinding]:
    """check_history's findings, each reported by the commit that brought it in: a problem a
    record keeps through later edits is not reported again until an edit has mended it."""
    grouped: dict[str | None, dict[str, list[Finding]]] = {}
    for located in check_history(ledger, base):
        grouped.setdefault(located.commit, {}).setdefault(located.finding.record, []).append(located.finding)
    open_now: dict[str, set] = {}
    for sha, _parents, files in ledger.git.walk(ledger.tip, since=base):
        found = grouped.pop(sha, {})
        for path, _old, _new in files:
            rid = ids.id_from_path(path)
            if rid is None:
                continue
            keys = {(f.path, f.rule) for f in found.get(rid, [])}
            before = open_now.get(rid, set())
            for f in found.pop(rid, []):
                if (f.path, f.rule) not in before:
                    yield _wrap(ledger, by_sha.get(sha), sha, f)
            open_now[rid] = keys
        for rest in found.values():      # files that are not records (a bad path, a broken file)
            for f in rest:
                yield _wrap(ledger, by_sha.get(sha), sha, f)


def _wrap(ledger, commit: Commit | None, sha: str, f: Finding) -> AuditFinding:
    change = None
    params: dict = {}
    if ids.is_id(f.record) and f.path:
        if commit is not None:
            change = _change_at(ledger, commit, f.record, f.path)
        params["field_title"] = title_of(ledger.schemas(sha), _rtype(f.record), f.path)
    return AuditFinding("invalid", f.rule, params, commit, sha, f.record, f.path, f.level, f, change)


def _change_at(ledger, commit: Commit, record: str, path: tuple) -> tuple[str, str, str] | None:
    """(title, old, new) of the change this commit made at or around path, if it made one."""
    for p, old, new in commit.files:
        if ids.id_from_path(p) != record:
            continue
        before = parse(ledger.git.read_blob(old)) if old else None
        after = parse(ledger.git.read_blob(new)) if new else None
        schemas = ledger.schemas(commit.sha)
        for fc in field_changes(before, after, schemas):
            if overlaps(fc.path, path) and before is not None:
                return describe(schemas, _rtype(record), fc, names_in(ledger))
    return None


# -- trailers --------------------------------------------------------------------------------

def _trailers(c: Commit) -> Iterator[AuditFinding]:
    touched: dict[str, str] = {}
    for path, old, new in c.record_files():
        rid = ids.id_from_path(path)
        if rid:
            touched[rid] = "add" if old is None else "delete" if new is None else "edit"
    trailers = c.trailers
    claimed = list(dict.fromkeys(trailers.get("Record-Id", [])))
    if not touched:
        for rid in claimed:
            yield AuditFinding("trailer", "audit.trailer_claims", {"record": rid}, c, record=rid)
        return
    if not trailers.get("Record-Id") and not trailers.get("Action"):
        listed = sorted(touched)
        yield AuditFinding("hand_commit", "audit.hand_commit",
                           {"count": len(listed), "records": listed[:5] + (["…"] if len(listed) > 5 else [])},
                           c, record=listed[0])
        return
    for rid in sorted(set(touched) - set(claimed)):
        yield AuditFinding("trailer", "audit.trailer_unclaimed", {"record": rid}, c, record=rid)
    for rid in claimed:
        if rid not in touched:
            yield AuditFinding("trailer", "audit.trailer_claims", {"record": rid}, c, record=rid)
    claimed_types = set(trailers.get("Record-Type", []))
    actual_types = {rid.split("-", 1)[0] for rid in touched}
    if claimed_types != actual_types:
        yield AuditFinding("trailer", "audit.trailer_type",
                           {"claimed": "、".join(sorted(claimed_types)) or "—", "actual": "、".join(sorted(actual_types))},
                           c, record=sorted(touched)[0])
    action = (trailers.get("Action") or [""])[0]
    shape = _SHAPE.get(action)
    if shape:
        for rid, did in sorted(touched.items()):
            if did != shape:
                yield AuditFinding("trailer", "audit.trailer_action",
                                   {"record": rid, "claimed": action, "actual": i18n.t(f"audit.action.{did}")},
                                   c, record=rid)


# -- adjustments --------------------------------------------------------------------------------

def _adjustments(ledger, commits: list[Commit]) -> Iterator[AuditFinding]:
    """Every adjustment record a commit added: who approved which change to locked records, and why."""
    added = [(c, path, new) for c in commits if not c.is_merge for path, old, new in c.record_files()
             if new and not old and path.startswith(f"{ids.RECORDS_DIR}/adjustment/")]
    if not added:
        return
    blobs = dict(ledger.git.read_blobs(sorted({b for _c, _p, b in added})))
    for c, path, blob in added:
        doc = parse(blobs.get(blob)) or {}
        rid = ids.id_from_path(path)
        yield AuditFinding("adjustment", "audit.adjustment",
                           {"adjustment": rid, "approver": str(doc.get("approver", "")), "reason": str(doc.get("reason", "")),
                            "records": [str(r) for r in doc.get("records") or []]},
                           c, record=rid, level="warning")


# -- closed terms ------------------------------------------------------------------------------

def _closed_terms(ledger, commits: list[Commit]) -> Iterator[AuditFinding]:
    store = ledger.git
    edits = [(c, path, old, new) for c in commits if not c.is_merge for path, old, new in c.record_files()
             if old and path.startswith(f"{ids.RECORDS_DIR}/aid/")]
    if not edits:
        return
    blobs = dict(store.read_blobs(sorted({b for _c, _p, o, n in edits for b in (o, n) if b})))
    settings: dict[str, str | None] = {}
    for c, path, old, new in edits:
        before, after = parse(blobs.get(old)), parse(blobs.get(new)) if new else None
        when = dt.datetime.fromtimestamp(c.time).date()
        through = _closed_through(store, c, settings)
        found = payment_closed(before, after, when, through)
        if found:
            term, why = found
            rid = ids.id_from_path(path)
            schemas = ledger.schemas(c.sha)
            names = names_in(ledger)
            shown = [describe(schemas, "aid", fc, names) for fc in field_changes(before, after, schemas)]
            what = "；".join(i18n.t("audit.change_item", title=t, old=o, new=n) for t, o, n in shown) \
                if after is not None else i18n.t("audit.action.delete")
            yield AuditFinding("closed_term", "audit.closed_term",
                               {"record": rid, "term": term, "end": term_end(term).isoformat(),
                                "why": i18n.t(f"audit.closed_{why}", through=through or ""), "what": what},
                               c, record=rid, path=("term",))


def _out_of_scope(ledger, commits: list[Commit]) -> Iterator[AuditFinding]:
    """Where no hook runs (a ledger written directly on a shared server), the access list of the
    ledger's policy file is held to the history: a commit whose author (account, or the local
    part of the e-mail, as Bangfu writes it for an account without a git identity) may change only
    some schools' records and changed another's."""
    rules = policy.load(ledger.git.gitdir)
    if all(rules.schools_of(a) is None for a in [policy.ALL, *rules.access]):
        return
    store = ledger.git
    edits = []
    for c in commits:
        if c.is_merge:
            continue
        account = next((a for a in (c.author, c.email.split("@")[0]) if a in rules.access), policy.ALL)
        allowed = rules.schools_of(account)
        if allowed is not None:
            edits += [(c, account, frozenset(allowed), path, old, new) for path, old, new in c.record_files()]
    blobs = dict(store.read_blobs(sorted({b for *_x, o, n in edits for b in (o, n) if b})))
    for c, account, allowed, path, old, new in edits:
        rid = ids.id_from_path(path)
        before, after = parse(blobs.get(old)) if old else None, parse(blobs.get(new)) if new else None
        if not (scope.within(before, ledger.index, allowed) and scope.within(after, ledger.index, allowed)):
            yield AuditFinding("scope", "audit.out_of_scope", {"record": rid or path, "account": account,
                                                              "schools": "、".join(sorted(allowed)) or "—"},
                               c, record=rid)


def _closed_through(store, c: Commit, cache: dict[str, str | None]) -> str | None:
    """The ledger's `closed_through` setting as it stood before this commit."""
    if not c.parents:
        return None
    blob = store.lookup(store.commit_tree(c.parents[0]), CONFIG_FILE)
    if blob not in cache:
        doc = parse(store.read_blob(blob)) if blob else None
        cache[blob] = (doc or {}).get("closed_through")
    return cache[blob]


# -- merges ----------------------------------------------------------------------------------

def _merges(ledger, merges: list[Commit]) -> Iterator[AuditFinding]:
    store = ledger.git
    for m in merges:
        explained = " ".join(v for k, vs in m.trailers.items() if _EXPLAINS.search(k) for v in vs)
        base = store.run("merge-base", m.parents[0], m.parents[1], check=False).decode().strip() or None
        records: set[str] = set()
        for parent in m.parents[:2]:
            records |= _changed_records(store, parent, m.sha)
        for rid in sorted(records - {None}):
            if rid in explained:
                continue
            docs = [_doc_at(store, c, rid) for c in (base, m.parents[0], m.parents[1], m.sha)]
            yield from _dropped(ledger, m, rid, *docs)


def _changed_records(store, a: str, b: str) -> set[str | None]:
    """The records two commits hold differently (one that only moved to another layout: none)."""
    trees = (store.commit_tree(a), store.commit_tree(b))
    return {ids.id_from_path(path) for path in store.diff_tree_pairs([trees])[trees]
            if path.startswith(ids.RECORDS_DIR + "/")}


def _doc_at(store, commit: str | None, rid: str) -> dict | None:
    if not commit:
        return None
    tree = store.commit_tree(commit)
    blob = next((found for path in ids.paths_of(rid) if (found := store.lookup(tree, path))), None)
    return parse(store.read_blob(blob)) if blob else None


def _dropped(ledger, m: Commit, rid: str, base, ours, theirs, result) -> Iterator[AuditFinding]:
    """Each side's change to the record that the merge result does not keep (and did not
    have to choose against the other side's change: that is a conflict, judged below)."""
    sides = ((ours, theirs, m.parents[0]), (theirs, ours, m.parents[1]))
    if result is None:
        if ours is not None and theirs is not None:
            yield AuditFinding("merge", "audit.merge_deleted", {"record": rid}, m, record=rid)
        else:
            for side, other, parent in sides:
                if side is not None and side != base:   # one side deleted it, the other edited it
                    yield AuditFinding("merge", "audit.merge_deleted_edit",
                                       {"record": rid, "side": parent[:10]}, m, record=rid)
        return
    schemas = ledger.schemas(m.sha)
    names = names_in(ledger)
    for side, other, parent in sides:
        if side is None:
            if base is not None and other is not None:  # this side deleted it; the result kept it
                yield AuditFinding("merge", "audit.merge_undeleted", {"record": rid, "side": parent[:10]},
                                   m, record=rid)
            continue
        other_changes = {fc.path: fc.new for fc in diff(base or {}, other or {})}
        for fc in diff(base or {}, side):
            kept = value_at(result, fc.path)
            if kept == fc.new:
                continue
            if fc.path in other_changes and other_changes[fc.path] != fc.new:
                if kept == other_changes[fc.path]:
                    continue      # a conflict resolved for the other side: its value is there
                if side is theirs:
                    continue      # a conflict resolved with neither: reported once, for ours
            elif any(p != fc.path and overlaps(p, fc.path) for p in other_changes):
                continue          # both sides changed parts of one list: merged item by item, not judged here
            title, old, new = describe(schemas, rid.split("-", 1)[0], fc, names)
            yield AuditFinding("merge", "audit.merge_dropped",
                               {"record": rid, "field": title, "value": new, "side": parent[:10],
                                "kept": describe(schemas, rid.split("-", 1)[0],
                                                 type(fc)(fc.path, fc.old, kept), names)[2]},
                               m, record=rid, path=fc.path)


# -- signatures --------------------------------------------------------------------------------

_SIG_KEYS = {"N": "audit.sig_missing", "B": "audit.sig_bad", "U": "audit.sig_unknown", "E": "audit.sig_unchecked",
             "X": "audit.sig_expired", "Y": "audit.sig_expired", "R": "audit.sig_revoked"}


def _signatures(ledger, commits: list[Commit]) -> tuple[list[AuditFinding], dict[str, int]]:
    """Commits made after the ledger started keeping allowed_signers must be signed by one
    of them (as the file stood before the commit; the commit adding it by a key it lists)."""
    store = ledger.git
    findings: list[AuditFinding] = []
    signers: dict[str, int] = {}
    ever = store.lookup(store.commit_tree(ledger.tip), signing.ALLOWED_SIGNERS) or any(
        p == signing.ALLOWED_SIGNERS for c in commits for p, _o, _n in c.files)
    if signing.required(store) and not ever:
        findings.append(AuditFinding("signature", "audit.sig_no_signers", {}))
    if not ever:
        return findings, signers
    groups: dict[str, list[Commit]] = {}
    for c in commits:
        blob = store.lookup(store.commit_tree(c.parents[0]), signing.ALLOWED_SIGNERS) if c.parents else None
        blob = blob or store.lookup(store.commit_tree(c.sha), signing.ALLOWED_SIGNERS)
        if blob:
            groups.setdefault(blob, []).append(c)
    for blob, group in groups.items():
        verdicts = signing.verify(store, [c.sha for c in group], store.read_blob(blob))
        for c in group:
            letter, signer, fingerprint = verdicts.get(c.sha, ("E", "", ""))
            if letter == "G":
                signers[signer] = signers.get(signer, 0) + 1
                continue
            findings.append(AuditFinding("signature", _SIG_KEYS.get(letter, "audit.sig_unchecked"),
                                         {"fingerprint": fingerprint or "—", "letter": letter}, c))
    return findings, signers


# -- personal identifiers ----------------------------------------------------------------------

def _privacy_scan(ledger, base: str | None, parallel: bool):
    """The privacy layer's scan of the history for clear identifiers. On a long history it runs
    in a second process (it reads every blob again) beside the record checks: a plain child
    process answering in JSON on a pipe, which also works inside the dashboard."""
    from store.privacy import acts as privacy
    if getattr(privacy, "scan_history", None) is None:
        return []
    if parallel:
        try:
            return subprocess.Popen([sys.executable, "-c", "import store.history.audit as a; a._scan_in_child()",
                                     str(ledger.path), base or ""], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError:
            pass  # no second process to be had: scan in this one
    return privacy.scan_history(ledger, base)


def _collect(hits, ledger, base: str | None) -> list:
    if not isinstance(hits, subprocess.Popen):
        return hits
    out, _err = hits.communicate()
    if hits.returncode == 0:
        try:
            return [tuple(hit) for hit in json.loads(out)]
        except ValueError:
            pass
    from store.privacy import acts as privacy   # the child failed (killed, out of memory): scan here after all
    return privacy.scan_history(ledger, base)


def _scan_in_child() -> None:
    from store.privacy import acts as privacy
    from store.ledger.ledger import Ledger
    path, base = sys.argv[1], sys.argv[2] or None
    with Ledger(path, read_only=True) as ledger:
        json.dump([list(hit) for hit in privacy.scan_history(ledger, base)], sys.stdout)


def _privacy(hits, by_sha: dict[str, Commit]) -> Iterator[AuditFinding]:
    """Clear identifiers at the commit that brought each in (only those in the audited range)."""
    for hit in hits:
        sha, path, kind = (hit if isinstance(hit, tuple) else (hit.commit, hit.path, hit.kind))[:3]
        if sha not in by_sha:
            continue
        path, record = str(path or ""), ids.id_from_path(str(path or ""))
        where = record or (i18n.t("audit.privacy_message") if not path.startswith(ids.RECORDS_DIR) else path)
        yield AuditFinding("privacy", "audit.privacy", {"where": where, "kind": kind}, by_sha[sha], sha, record)


# -- rewritten history -------------------------------------------------------------------------

def _set_asides(ledger, commits: list[Commit]) -> Iterator[AuditFinding]:
    """Unpushed commits set aside: each commit of the history that says so (`Action: set-aside`,
    the hub's readers see it though the commit set aside never came), and each one this copy keeps
    under a ref, with the branch as it stood before."""
    store = ledger.git
    kept = {ref.rsplit("/", 1)[-1]: ref for ref in _set_aside_refs(store)}
    said = set()
    for c in commits:
        if (c.trailers.get("Action") or [""])[0] != ids.SET_ASIDE_ACTION:
            continue
        records = c.trailers.get("Set-Aside-Record", [])
        for sha in c.trailers.get("Set-Aside", []):
            said.add(sha)
            key = "audit.set_aside_kept" if sha in kept else "audit.set_aside"
            yield AuditFinding("set_aside", key, {"aside": sha[:10], "records": records or ["—"], "ref": kept.get(sha)},
                               c, record=records[0] if records else None, level="warning")
    for sha, ref in sorted(kept.items()):
        if sha not in said and not store.run("log", "-1", "--format=%H", "-F", f"--grep=Set-Aside: {sha}",
                                             ledger.tip).strip():
            yield AuditFinding("set_aside", "audit.set_aside_unsaid", {"aside": sha[:10], "ref": ref}, None, sha,
                               level="warning")


def _set_aside_refs(store) -> list[str]:
    return store.run("for-each-ref", "--format=%(refname)", ids.SET_ASIDE_REFS).decode().split()


def remotes(store) -> dict[str, str]:
    """remote name -> the commit its main branch points at (as last fetched)."""
    out = store.run("for-each-ref", "--format=%(refname) %(objectname)", "refs/remotes/").decode()
    found = {}
    for line in out.splitlines():
        ref, sha = line.split()
        parts = ref.split("/")
        if len(parts) == 4 and parts[3] == "main":
            found[parts[2]] = sha
    return found


def check_rewrites(ledger, *, accept: bool = False, update: bool = True) -> list[AuditFinding]:
    """History rewrites: a reflog entry that moved main (or a remote's main) off commits it
    no longer contains, an audited tip main no longer contains, or a remote that no longer
    contains what was seen of it before. Seen remotes advance only by fast-forward (or
    when `accept`). Sync calls this too, after fetching."""
    store = ledger.git
    findings: list[AuditFinding] = []
    refs = {"": ("refs/heads/main", ledger.tip)}
    refs.update({name: (f"refs/remotes/{name}/main", sha) for name, sha in remotes(store).items()})
    # (the branch moved off unpushed commits set aside: kept under their refs, listed as set aside)
    aside = _set_aside_refs(store)
    kept = set(store.run("rev-list", *aside, "--not", ledger.tip).decode().split()) if aside else set()
    for name, (ref, tip) in refs.items():
        reachable = set(store.run("rev-list", tip).decode().split())
        lost: dict[str, dict] = {}
        for entry in _reflog(store, ref):
            if entry["old"] != ZERO and entry["old"] not in reachable:
                lost.setdefault(entry["old"], entry)
        seen = seen_tip(ledger, name) if name else audited_tip(ledger)
        if seen and seen not in reachable and seen not in lost:
            lost[seen] = {"who": "", "when": "", "message": ""}
        known = set(_note(ledger, ACCEPTED))
        lost = {sha: entry for sha, entry in lost.items() if sha not in known and sha not in kept}
        if accept and lost:
            _keep_note(ledger, ACCEPTED, sorted(known | set(lost)))
        elif lost:
            findings += [_rewrite(store, name, ref, sha, tip, entry) for sha, entry in lost.items()]
        if name and update and (not seen or seen in reachable or accept):
            _keep_note(ledger, _seen(name), [tip])
    return findings


def _reflog(store, ref: str) -> Iterator[dict]:
    try:
        text = (store.gitdir / "logs" / ref).read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, IsADirectoryError):
        return
    for line in text.splitlines():
        head, _, message = line.partition("\t")
        parts = head.split(" ")
        if len(parts) < 4:
            continue
        who = " ".join(parts[2:-2]).split(" <")[0]
        try:
            when = dt.datetime.fromtimestamp(int(parts[-2])).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            when = "?"
        yield {"old": parts[0], "new": parts[1], "who": who, "when": when, "message": message}


def _rewrite(store, remote: str, ref: str, lost: str, tip: str, entry: dict) -> AuditFinding:
    dropped = []
    try:
        dropped = store.run("log", "--format=%h %an %s", lost, "--not", tip, "--").decode("utf-8", "replace").splitlines()
    except GitFailed:
        pass  # the commit itself is gone from this copy too
    params = {"ref": ref.removeprefix("refs/heads/").removeprefix("refs/remotes/"), "lost": lost[:10],
              "count": len(dropped) or "?", "titles": "；".join(d for d in dropped[:3]) or "—",
              "when": entry.get("when") or "?", "who": entry.get("who") or "?"}
    key = "audit.rewrite_remote" if remote else "audit.rewrite_local"
    return AuditFinding("rewrite", key, params, None, lost)


__all__ = ["AuditFinding", "AuditResult", "run", "check_rewrites", "term_end", "closed", "KINDS", "AUDITED", "audited_tip",
           "seen_tip"]
