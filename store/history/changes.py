"""What changed in the ledger, commit by commit and field by field.

`walk()` streams commits with their authors, messages and changed files from one
`git log` (never a process per commit); `record_changes()` turns the record files
a commit changed into field-level changes; `report()` is `bangfu changes`.
Values are shown the way people read them (`shown()`): money as yuan, yes/no in
words, protected identifiers only in their masked form.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from store.core import i18n, ids
from store.core.describe import indicator_field, label, name_of
from store.core.diff import MISSING, FieldChange, diff, value_at
from store.core.errors import UsageError
from store.core.findings import dotted
from store.ledger.gitstore import ZERO
from store.core.money import yuan
from store.core.trailers import Trailers
from store.rules import cleartext
from store.rules.fieldnames import title_of

Names = Callable[[str], str]          # a referenced record's id → what it is called
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_GIT_LAST_SECOND = 4102444799  # 2099-12-31 23:59:59 UTC


@dataclass
class Commit:
    sha: str
    parents: list[str]
    author: str
    email: str
    date: str                 # author date, ISO 8601
    time: int                 # committer time (seconds): when it entered the ledger
    message: str
    files: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (path, old, new) vs 1st parent

    @property
    def trailers(self) -> dict[str, list[str]]:
        return Trailers.parse(self.message)

    @property
    def title(self) -> str:
        return self.message.strip().split("\n", 1)[0]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def day(self) -> str:
        return self.date[:10]

    @property
    def when(self) -> str:
        return self.date[:16].replace("T", " ")

    def where(self) -> str:
        """'提交 3f2a1c9e01（王老师，2024-10-12）': how a finding or a change names its commit."""
        return i18n.t("changes.commit_where", commit=self.sha[:10], author=self.author, date=self.day)

    def record_files(self) -> list[tuple[str, str | None, str | None]]:
        return [f for f in self.files if f[0].startswith(ids.RECORDS_DIR + "/")]


def walk(store, revs: Iterable[str], paths: Iterable[str] = (), *, since_date: str | None = None,
         until_date: str | None = None, author: str | None = None) -> Iterator[Commit]:
    """Commits oldest first with the files each changed against its first parent. A merge
    lists only the files it changed against every parent (a resolution, `git log -c`)."""
    args = ["log", "--reverse", "--raw", "-c", "--no-abbrev", "--no-renames", "-z", "--full-history",
            "--format=%x01%H%x02%P%x02%an%x02%ae%x02%aI%x02%ct%x02%B%x03"]
    # Dates as seconds since the epoch: git's own date parser ignores what it cannot read.
    if since_date:
        args.append(f"--since=@{_midnight(since_date)}")
    if until_date:
        args.append(f"--until=@{_midnight(until_date, 1) - 1}")
    if author:
        args += ["--fixed-strings", f"--author={author}"]
    args += list(revs)
    paths = list(paths)
    if paths:
        args += ["--", *paths]
    out = store.run(*args)
    for chunk in out.split(b"\x01")[1:]:
        head, _, raw = chunk.partition(b"\x03")
        sha, parents, name, email, date, ctime, body = head.decode("utf-8", "replace").split("\x02", 6)
        commit = Commit(sha, parents.split(), name, email, date, int(ctime or 0), body)
        parts = raw.lstrip(b"\0\n").split(b"\0")
        files = {}
        for meta, path in zip(parts[0::2], parts[1::2]):
            if not meta.startswith(b":"):
                continue
            n = len(meta) - len(meta.lstrip(b":"))  # one colon per parent
            fields = meta.lstrip(b":").split()
            shas = fields[n + 1: 2 * n + 2]
            old, new = shas[0].decode(), shas[-1].decode()
            files[path.decode("utf-8", "surrogateescape")] = (None if old == ZERO else old, None if new == ZERO else new)
        # A record moved to another layout's path (`bangfu upgrade-layout`) is the same record:
        # the move changes none, a record both moved and edited is one edit.
        commit.files = [(path, old, new) for path, (old, new) in ids.paired(files).items()]
        yield commit


def _midnight(day: str, plus_days: int = 0) -> int:
    """The first second of a day in local time, as seconds since the epoch (git ignores
    dates after 2099, so later ones are held to its last second)."""
    date = dt.date.fromisoformat(day) + dt.timedelta(days=plus_days)
    return min(int(dt.datetime(date.year, date.month, date.day).timestamp()), _GIT_LAST_SECOND)


# -- one record's change in one commit -----------------------------------------------------

@dataclass
class RecordChange:
    commit: Commit
    record: str
    action: str                     # add, edit or delete (what the files show)
    old: dict | None
    new: dict | None
    fields: list[FieldChange]

    @property
    def type(self) -> str:
        return self.record.split("-", 1)[0]


def parse(data: bytes | None) -> dict | None:
    if data is None:
        return None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def record_changes(store, commits: list[Commit], schemas_of=None, types: Iterable[str] = ()) -> Iterator[RecordChange]:
    """The record changes of each commit, its blobs read in one batch. `schemas_of(commit)`
    gives the schemas used to recognise protected fields (the tip's by default)."""
    types = set(types)
    wanted = []
    for c in commits:
        for path, old, new in c.record_files():
            rid = ids.id_from_path(path)
            if rid and (not types or rid.split("-", 1)[0] in types):
                wanted += [b for b in (old, new) if b]
    blobs = dict(store.read_blobs(sorted(set(wanted))))
    for c in commits:
        schemas = schemas_of(c) if schemas_of else None
        for path, old, new in c.record_files():
            rid = ids.id_from_path(path)
            if not rid or (types and rid.split("-", 1)[0] not in types):
                continue
            before, after = parse(blobs.get(old)) if old else None, parse(blobs.get(new)) if new else None
            action = "add" if old is None else "delete" if new is None else "edit"
            yield RecordChange(c, rid, action, before, after, field_changes(before, after, schemas))


SETTINGS_FILE = "bangfu.json"


def setting_changes(store, commit: Commit) -> list[tuple[str, str, str]]:
    """The ledger's own settings a commit changed (a term closed: closed_through), each as
    (title, old, new) in the reader's words: such a commit changes no record, yet it matters."""
    out = []
    for path, old, new in commit.files:
        if path != SETTINGS_FILE:
            continue
        before = parse(store.read_blob(old)) if old else None
        after = parse(store.read_blob(new)) if new else None
        for fc in diff(before or {}, after or {}):
            key = dotted(fc.path)
            title = i18n.t(f"audit.setting.{key}") if i18n.has(f"audit.setting.{key}") else key
            out.append((title, *(_setting(v) for v in (fc.old, fc.new))))
    return out


def _setting(value: Any) -> str:
    if value is MISSING:
        return "—"
    return cleartext.mask_text(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def field_changes(old: dict | None, new: dict | None, schemas=None) -> list[FieldChange]:
    """diff() of two versions, each protected identifier as one change of its masked form
    (its keyed hash and sealed value are not for people to read)."""
    changes = diff(old if old is not None else {}, new if new is not None else {})
    rtype = (new or old or {}).get("type")
    if not schemas or rtype not in getattr(schemas, "record_types", []):
        return changes
    changes.sort(key=lambda fc: form_order(schemas, rtype, fc.path))
    protected = schemas.protected.get(rtype, [])
    if not protected:
        return changes
    out: list[FieldChange] = []
    seen: set[tuple] = set()
    for fc in changes:
        root = protected_root(fc.path, protected)
        if root is None:
            out.append(fc)
        elif root not in seen:
            seen.add(root)
            a, b = masked_at(old, root), masked_at(new, root)
            if a != b or a is MISSING:
                out.append(FieldChange(root, a, b))
            else:  # same mask, new sealed value: say so without showing either
                out.append(FieldChange(root, a, _Resealed(b)))
    return out


def form_order(schemas, rtype: str, path: tuple) -> tuple:
    """Where a field stands in the record's form (its schema's order), for showing fields in the
    order people fill them rather than the stored (alphabetical) one."""
    rank = []
    for i, part in enumerate(path):
        if isinstance(part, int):
            rank.append(part)
            continue
        keys = list(schemas.field(rtype, path[:i]).get("properties", {}))
        rank.append(keys.index(part) if part in keys else len(keys))
    return tuple(rank)


class _Resealed(str):
    """A protected value whose masked form did not change but whose sealed value did."""


def protected_root(path: tuple, protected: list[tuple]) -> tuple | None:
    for pattern in protected:
        if len(path) >= len(pattern) and all(p == "*" or p == q for p, q in zip(pattern, path)):
            return path[: len(pattern)]
        if len(path) < len(pattern) and all(p == "*" or p == q for p, q in zip(pattern, path)):
            return path  # a whole object of identifiers added or removed at once
    return None


def overlaps(a: tuple, b: tuple) -> bool:
    """One field path lies within the other (or they are the same)."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def masked_at(doc: dict | None, path: tuple) -> Any:
    node = value_at(doc, path)
    if node is MISSING:
        return MISSING
    if isinstance(node, dict):
        if "masked" in node:
            return node["masked"]
        return {k: (v.get("masked") if isinstance(v, dict) else "***") for k, v in node.items()}
    return "***"


# -- showing values ----------------------------------------------------------------------------

def record_heading(change: RecordChange, ledger) -> str:
    """'学生 张小花 九彩中学 四年级 stu-…': the record's kind, what this version of it says it is,
    its id (a deleted record is named by what it was)."""
    doc = change.new or change.old
    what = cleartext.mask_text(label(doc, ledger)) if isinstance(doc, dict) else ""
    return " ".join(part for part in (i18n.t(f"audit.rtype.{change.type}"), what, change.record) if part)


class _LedgerNames:
    """References named as the ledger's tip names them (a record since deleted: by its id); a
    measurement's 指标代号 by the words its plan has for the target."""

    def __init__(self, ledger) -> None:
        self.ledger = ledger

    def __call__(self, record_id: str) -> str:
        return name_of(record_id, self.ledger)

    def indicator(self, record: dict, path: tuple, value: str) -> str | None:
        return indicator_field(record, path, value, self.ledger)


def names_in(ledger) -> Names:
    return _LedgerNames(ledger)


def shown(schemas, rtype: str | None, path: tuple, value: Any, names: Names | None = None,
          record: dict | None = None) -> str:
    """A field value as people read it: yuan for money, 是/否, Chinese as Chinese, a reference by
    its name (`names`: the ledger's, when there is one), — when absent. `record`: the record the
    value is of (a 指标代号 is named by its plan's target)."""
    if value is MISSING:
        return "—"
    if isinstance(record, dict) and isinstance(names, _LedgerNames):
        named = names.indicator(record, path, value)
        if named is not None:
            return cleartext.mask_text(named)
    if path == ("type",) and isinstance(value, str) and i18n.has(f"audit.rtype.{value}"):
        return i18n.t(f"audit.rtype.{value}")   # (a record's type in the reader's words: 资助, not aid)
    if isinstance(value, _Resealed):
        return i18n.t("changes.resealed", masked=str(value))
    node = schemas.field(rtype, path) if schemas and rtype in getattr(schemas, "record_types", []) and path else {}
    if node.get("x-money") and isinstance(value, int) and not isinstance(value, bool):
        return i18n.t("forms.model.yuan", amount=yuan(value))   # (as a record's card shows it: 375.00 元)
    if isinstance(value, bool):
        return i18n.t("changes.yes" if value else "changes.no")
    if isinstance(value, str) and node.get("x-ref") and names is not None:
        return cleartext.mask_text(names(value))
    if isinstance(value, list) and value and all(ids.is_id(v) for v in value) and names is not None:
        # (an adjustment's records: any type, a deleted one too, so the schema names no x-ref)
        return ("; " if i18n.lang() == "en" else "；").join(cleartext.mask_text(names(v)) for v in value)
    if isinstance(value, str) and node.get("enum"):
        return i18n.value(value, gloss=True)   # English mode: 'in kind (实物)', the stored value beside
    if isinstance(value, str):
        return cleartext.mask_text(value)  # one typed where it does not belong, before it was refused
    if value is None:
        return "null"
    if isinstance(value, dict) and node:
        return _object(schemas, rtype, path, value, names, record)
    if node and _objects(value):
        # (a batch's payees, a visit's participants: each as its fields read, the first few only;
        # the record itself lists them all, and a batch of 50,000 is not one line of the audit)
        items = [_object(schemas, rtype, (*path, n), item, names, record) for n, item in enumerate(value[:SHOWN_ITEMS])]
        if len(value) > SHOWN_ITEMS:
            items.append(i18n.t("changes.more_items", count=len(value)))
        return "; ".join(items) if i18n.lang() == "en" else "；".join(items)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        words = [shown(schemas, rtype, (*path, n), v, names) for n, v in enumerate(value)]   # (特殊群体：建档立卡、孤儿)
        return i18n.listing(words)
    return cleartext.mask_text(json.dumps(value, ensure_ascii=False, sort_keys=True))


SHOWN_ITEMS = 5


def _object(schemas, rtype: str | None, path: tuple, value: dict, names: Names | None,
            record: dict | None = None) -> str:
    """An object within a record (a payee of a batch) as its fields read: 学生 … 金额 490.00."""
    parts = []
    for key, item in sorted(value.items(), key=lambda kv: form_order(schemas, rtype, (*path, kv[0]))):
        node = schemas.field(rtype, (*path, key))
        title = i18n.title(node.get("title") or key) if node else key
        parts.append(f"{title} {shown(schemas, rtype, (*path, key), item, names, record)}")
    return ("{" + ", ".join(parts) + "}") if i18n.lang() == "en" else "（" + "，".join(parts) + "）"


def describe(schemas, rtype: str | None, fc: FieldChange, names: Names | None = None,
             record: dict | None = None) -> tuple[str, str, str]:
    """(field title, old, new) ready to show (`record`: the record changed, as `shown` takes it). Of a
    list of objects changed (a payee removed from a batch), the items taken out and those put in:
    the rest is said as a count."""
    title = title_of(schemas, rtype, fc.path) or i18n.t("changes.whole_record")
    if _objects(fc.old) and _objects(fc.new):
        gone = [item for item in fc.old if item not in fc.new]
        came = [item for item in fc.new if item not in fc.old]
        kept = len(fc.new) - len(came)
        if kept:
            def part(items: list) -> str:
                return shown(schemas, rtype, fc.path, items, names, record) if items else "—"
            return (i18n.t("changes.list_part", title=title, kept=kept), part(gone), part(came))
    return (title, shown(schemas, rtype, fc.path, fc.old, names, record),
            shown(schemas, rtype, fc.path, fc.new, names, record))


def _objects(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def field_json(schemas, rtype: str | None, fc: FieldChange, names: Names | None = None,
               record: dict | None = None) -> dict[str, Any]:
    title, old, new = describe(schemas, rtype, fc, names, record)
    return {"field": dotted(fc.path), "title": title, "kind": fc.kind,
            "old": None if fc.old is MISSING else _plain(fc.old), "new": None if fc.new is MISSING else _plain(fc.new),
            "old_text": old, "new_text": new}


def as_json(change: RecordChange, schemas=None, names: Names | None = None) -> dict[str, Any]:
    c = change.commit
    return {"commit": c.sha, "author": c.author, "email": c.email, "date": c.date, "title": c.title,
            "action": change.action, "trailer_action": ",".join(c.trailers.get("Action", [])),
            "record": change.record, "type": change.type,
            "fields": [field_json(schemas, change.type, fc, names, change.new or change.old) for fc in change.fields]}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, _Resealed) else value


# -- `bangfu changes` ---------------------------------------------------------------------------

def resolve(store, rev: str) -> str:
    """A commit id for what the user typed (a commit, a branch, HEAD~3, refs/bangfu/audited...)."""
    out = store.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False)
    sha = out.decode().strip()
    if not sha:
        raise UsageError("changes.bad_rev", rev=rev)
    return sha


def last_before(store, tip: str, day: str) -> str | None:
    """The newest commit of `tip`'s history that entered the ledger before the day began (None:
    the whole history is from that day on): what a range "since DATE" starts after."""
    out = store.run("rev-list", "-1", f"--before=@{_midnight(day) - 1}", tip, check=False)
    return out.decode().strip() or None


def is_date(text: str | None) -> bool:
    if not text or not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def report(ledger, since: str | None = None, until: str | None = None, author: str | None = None,
           types: Iterable[str] = ()) -> list[RecordChange]:
    """Every record change in the range, oldest first. since/until: a date (YYYY-MM-DD,
    inclusive, by when the commit entered the ledger) or a commit (exclusive since, inclusive until)."""
    store = ledger.git
    types = [t for t in types if t]
    for t in types:
        if t not in ids.RECORD_TYPES:
            raise UsageError("changes.bad_type", type=t, allowed="、".join(ids.RECORD_TYPES))
    paths = [f"{ids.RECORDS_DIR}/{t}/" for t in types] or [f"{ids.RECORDS_DIR}/"]
    commits = list(_walk_range(ledger, since, until, author, paths))
    schemas = ledger.schemas()
    return list(record_changes(store, commits, lambda c: schemas, types))


def settings_report(ledger, since: str | None = None, until: str | None = None, author: str | None = None
                    ) -> list[tuple[Commit, list[tuple[str, str, str]]]]:
    """The commits of the same range that changed the ledger's settings (a term closed), oldest first."""
    found = [(c, setting_changes(ledger.git, c)) for c in _walk_range(ledger, since, until, author, [SETTINGS_FILE])]
    return [(c, s) for c, s in found if s]


def _walk_range(ledger, since: str | None, until: str | None, author: str | None, paths: list[str]) -> Iterator[Commit]:
    store = ledger.git
    tip = resolve(store, until) if until and not is_date(until) else ledger.tip
    revs = [tip]
    since_date = until_date = None
    if since:
        if is_date(since):
            since_date = since
        else:
            revs.append(f"^{resolve(store, since)}")
    if until and is_date(until):
        until_date = until
    return walk(store, revs, paths, since_date=since_date, until_date=until_date, author=author)
