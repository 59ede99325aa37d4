"""Conflicts a merge could not decide, kept IN the ledger as event records.

A conflict is an `event` record (action 冲突) written in the merge commit itself, so no
crash can lose it: its subject is the record, `conflict.fields` hold base, mine and theirs
of each field (an absent key: the field, or the record, did not exist on that side), and
`conflict.mine` / `conflict.theirs` say which site, person and commit each value came
from. The record itself keeps one side's value, so the ledger stays valid. A conflict is
open until `resolution` is set, by a normal commit that also writes the chosen values.

"mine" and "theirs" are as the merging site saw them. Read through `list_conflicts` and
`resolve`, they are turned to the reader: at the other site of the conflict, "mine" is
that site's own value.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from store.core import i18n, ids
from store.core.describe import label
from store.core.diff import MISSING
from store.core.errors import BangfuError, UsageError
from store.ledger.gitstore import GitStore
from store.ledger.ledger import NEW, Change, Ledger, Saved
from store.sync.merge import Key, RecordState, path_from_json, path_to_json, show_path
from store.core.trailers import Trailers

ACTION = "冲突"
SIDES = ("mine", "theirs")


class NoSuchConflict(BangfuError):
    key = "sync.no_conflict"


# -- writing a conflict (during a merge) ---------------------------------------------

def sides(store: GitStore, *, site: str, bases: list[str], mine: str, theirs: str, records: list[str],
          theirs_site: str) -> dict[str, tuple[dict, dict]]:
    """For each record, who last changed it on each side since the base (one `git log` a side)."""
    found = [_last_touches(store, tip, bases, records, fallback) for tip, fallback in ((mine, site), (theirs, theirs_site))]
    return {rid: (found[0][rid], found[1][rid]) for rid in records}


def _last_touches(store: GitStore, tip: str, bases: list[str], records: list[str], fallback_site: str) -> dict:
    out = {rid: {"site": fallback_site, "commit": tip} for rid in records}
    if not records:
        return out
    # (every path a record had: the side may have moved the ledger to another layout since the base)
    text = store.run("log", "--no-merges", "-z", "--name-only", "--format=%x01%H%x1f%an%x1f%B%x02", tip,
                     *(["--not", *bases] if bases else []), "--",
                     *(p for rid in records for p in ids.paths_of(rid))).decode("utf-8", "replace")
    seen: set[str] = set()
    for chunk in text.split("\x01")[1:]:
        head, _, names = chunk.partition("\x02")
        commit, author, body = head.split("\x1f", 2)
        trailers = Trailers.parse(body)
        if (trailers.get("Action") or [""])[0] == ids.MOVE_ACTION:
            continue   # (it moved every record and changed none)
        site = (trailers.get("Site") or [fallback_site])[0] or fallback_site
        for name in filter(None, (n.strip("\n") for n in names.split("\0"))):
            rid = ids.id_from_path(name)
            if rid in out and rid not in seen:
                seen.add(rid)
                out[rid] = {"site": site, "author": author, "commit": commit}
    return out


def last_touch(store: GitStore, tip: str, bases: list[str], path: str, fallback_site: str) -> dict:
    """Site, author and commit of the last change to path on the way from the bases to tip."""
    text = store.run("log", "-1", "--no-merges", "--format=%H%x1f%an%x1f%B", tip,
                     *(["--not", *bases] if bases else []), "--", path).decode("utf-8", "replace")
    if not text.strip():
        return {"site": fallback_site, "commit": tip}
    commit, author, body = text.split("\x1f", 2)
    site = (Trailers.parse(body).get("Site") or [fallback_site])[0] or fallback_site
    return {"site": site, "author": author, "commit": commit}


def make_event(actor: str, state: RecordState, mine: dict, theirs: dict) -> dict:
    conflict: dict[str, Any] = {
        "kind": state.kind, "kept": state.kept, "mine": mine, "theirs": theirs,
        "fields": [_field_json(fc.path, fc.base, fc.mine, fc.theirs) for fc in state.conflicts],
    }
    if state.findings:
        conflict["findings"] = [{"record": f.record, "field": f.field_path, "rule": f.rule,
                                 "params": i18n.params_json(f.params)} for f in state.findings]
    shown = ", ".join(show_path(fc.path) for fc in state.conflicts if fc.path) or "*"
    return {"id": ids.new_id("event"), "type": "event", "schema_version": 1, "action": ACTION,
            "actor": actor, "at": _now(), "subject": state.id,
            "field": shown if len(shown) <= 100 else shown[:99] + "…", "conflict": conflict}


def finding_text(finding: dict) -> str:
    """A rule the merged record broke, as stored in the conflict, in the reader's language."""
    rule = str(finding.get("rule", "?"))
    params = i18n.params_from_json(finding.get("params") or {})
    return i18n.t(rule, **params) if i18n.has(rule) else rule


def _field_json(path: tuple, base: Any, mine: Any, theirs: Any) -> dict:
    out: dict[str, Any] = {"path": path_to_json(path)}
    for name, value in (("base", base), ("mine", mine), ("theirs", theirs)):
        if value is not MISSING:
            out[name] = value
    return out


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


# -- reading conflicts ------------------------------------------------------------

@dataclass
class ConflictField:
    path: tuple
    base: Any          # MISSING where absent
    mine: Any
    theirs: Any

    @property
    def name(self) -> str:
        return show_path(self.path)


@dataclass
class OpenConflict:
    """An unresolved conflict, seen from this site: `mine` is this site's side where it is one
    of the two (else the merging site's), `theirs` the other."""
    id: str
    record: str
    label: str
    kind: str                        # field | delete | rule
    at: str
    mine: dict                       # site, author, commit
    theirs: dict
    fields: list[ConflictField]
    findings: list[dict] = field(default_factory=list)
    kept: str = "mine"               # whose values the record holds now
    flipped: bool = False            # True when this site was "theirs" in the merge

    def as_json(self) -> dict:
        return {"id": self.id, "record": self.record, "label": self.label, "kind": self.kind, "at": self.at,
                "mine": self.mine, "theirs": self.theirs, "kept": self.kept, "findings": self.findings,
                "fields": [{"field": f.name, **_field_json(f.path, f.base, f.mine, f.theirs)} for f in self.fields]}


def read_conflict(ledger: Ledger, event: dict) -> OpenConflict:
    """A conflict's event (open or resolved) as this site sees it."""
    c = event.get("conflict") or {}
    mine, theirs = c.get("mine") or {}, c.get("theirs") or {}
    flip = theirs.get("site") == ledger.site and mine.get("site") != ledger.site
    fields = []
    for f in c.get("fields", []):
        values = [f.get(n, MISSING) for n in ("base", "mine", "theirs")]
        if flip:
            values = [values[0], values[2], values[1]]
        fields.append(ConflictField(path_from_json(f.get("path", [])), *values))
    kept = c.get("kept", "mine")
    if flip:
        mine, theirs, kept = theirs, mine, {"mine": "theirs", "theirs": "mine"}[kept]
    record = ledger.index.get(event.get("subject", "")) or {"id": event.get("subject", "?"),
                                                              "type": ids.type_of(event["subject"])}
    return OpenConflict(event["id"], event.get("subject", "?"), label(record, ledger), c.get("kind", "field"),
                        event.get("at", ""), mine, theirs, fields, c.get("findings", []), kept, flip)


def list_conflicts(ledger: Ledger, record: str | None = None) -> list[OpenConflict]:
    """Open conflicts, oldest first (of one record when given)."""
    ledger.refresh()
    found = [e for e in ledger.index.find("event", action=ACTION)
             if "conflict" in e and "resolution" not in e and (record is None or e.get("subject") == record)]
    return [read_conflict(ledger, e) for e in sorted(found, key=lambda e: (e.get("at", ""), e["id"]))]


def conflicted_records(ledger: Ledger) -> set[str]:
    """Ids of the records with an open conflict (the dashboard marks them)."""
    return {c.record for c in list_conflicts(ledger)}


# -- resolving ----------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """A value typed by the person resolving, instead of one of the two sides."""
    value: Any


def conflict_event(doc: dict | None) -> bool:
    """A conflict's event is no record sent or received: the merge that met the conflict writes it,
    and a sync says it on a line of its own (new and open conflicts). Counted among the records,
    the other site's event read as one record more received."""
    return isinstance(doc, dict) and doc.get("type") == "event" and "conflict" in doc


def resolve(ledger: Ledger, conflict_id: str, choices: str | dict[str, Any]) -> list[Saved]:
    """Close a conflict (or every open conflict of a record, given its id) with one commit.

    choices: "mine" or "theirs" for every field, or {field: "mine" | "theirs" | Value(x)};
    a field not named keeps the value the record has now."""
    ids.check_id(conflict_id)
    if ids.type_of(conflict_id) == "event":
        open_ = [c for c in list_conflicts(ledger) if c.id == conflict_id]
    else:
        open_ = list_conflicts(ledger, record=conflict_id)
    if not open_:
        raise NoSuchConflict(id=conflict_id)
    rid = open_[0].record
    base = ledger.version(rid)
    record = copy.deepcopy(ledger.index.get(rid)) if base else None
    known = {f.name for c in open_ for f in c.fields}
    if isinstance(choices, dict):
        unknown = sorted(set(choices) - known)
        if unknown:
            raise UsageError("sync.resolve_unknown_field", field=unknown[0], record=rid,
                             fields="、".join(sorted(known)) or "*")
    elif choices not in SIDES:
        raise UsageError("sync.resolve_bad_choice", choice=str(choices))
    for conflict in open_:
        for f in conflict.fields:
            choice = choices if isinstance(choices, str) else choices.get(f.name or "*", choices.get(f.name))
            if choice is None:
                continue
            value = choice.value if isinstance(choice, Value) else getattr(f, choice)
            record = set_path(record, f.path, value, rid)
    changes = [Change(rid, record, NEW if base is None else base)] if record is not None or base else []
    by = ledger.author().name
    for conflict in open_:
        event = copy.deepcopy(ledger.index.get(conflict.id))
        event["resolution"] = {"choice": _stored_choice(conflict, _how(conflict, choices)), "by": by, "at": _now()}
        changes.append(Change(conflict.id, event, ledger.version(conflict.id)))
    # in the ledger's own words, as every title (the label on view is in the reader's language)
    shown = record or ledger.index.get(rid) or {"id": rid, "type": ids.type_of(rid)}
    title = f"{ids.type_of(rid)}: resolve conflict {label(shown, ledger, word=str)}"
    taken = [_taken(c, choices) for c in open_ if _how(c, choices) == "fields"]
    if any(taken):   # (the event can say "fields" only: the title says which field took which side)
        title += ": " + ", ".join(part for parts in taken for part in parts)
    return ledger.commit(changes, action="resolve", message=title,
                         extra_trailers={"Conflict": [c.id for c in open_]})


def _how(conflict: OpenConflict, choices: str | dict[str, Any]) -> str:
    """One side named for every field of the conflict (as the dashboard's dialog does) is that
    side; "fields" is kept for values typed or sides mixed."""
    if isinstance(choices, str):
        return choices
    picked = [choices.get(f.name or "*", choices.get(f.name)) for f in conflict.fields]
    sides = {p for p in picked if isinstance(p, str)}
    return sides.pop() if len(sides) == 1 and len(picked) == sum(isinstance(p, str) for p in picked) \
        and picked[0] in SIDES else "fields"


def _taken(conflict: OpenConflict, choices: str | dict[str, Any]) -> list[str]:
    """`field=site` for each field of a conflict resolved field by field: the site whose value it
    took, or `field=typed` for a value typed instead of either."""
    parts = []
    for f in conflict.fields:
        choice = choices if isinstance(choices, str) else choices.get(f.name or "*", choices.get(f.name))
        if isinstance(choice, Value):
            parts.append(f"{f.name or '*'}=typed")
        elif choice in SIDES:
            parts.append(f"{f.name or '*'}={getattr(conflict, choice).get('site') or choice}")
    return parts


def _stored_choice(conflict: OpenConflict, how: str) -> str:
    # The event keeps the merging site's names, so a choice made from the other site is turned back.
    if how in SIDES and conflict.flipped:
        return {"mine": "theirs", "theirs": "mine"}[how]
    return how


def set_path(record: dict | None, path: tuple, value: Any, rid: str) -> dict | None:
    """The record with the field at path set to value (MISSING removes it; () is the whole record)."""
    if not path:
        return None if value is MISSING else copy.deepcopy(value)
    if record is None:
        raise UsageError("sync.resolve_record_gone", record=rid, field=show_path(path))
    out = copy.deepcopy(record)
    node: Any = out
    for i, part in enumerate(path[:-1]):
        nxt = _step(node, part)
        if nxt is None:
            if value is MISSING:
                return out
            if isinstance(part, Key):
                raise UsageError("sync.resolve_record_gone", record=rid, field=show_path(path[: i + 1]))
            node[part] = nxt = {}
        node = nxt
    last = path[-1]
    if isinstance(last, Key):
        items = node if isinstance(node, list) else None
        if items is None:
            raise UsageError("sync.resolve_record_gone", record=rid, field=show_path(path))
        where = [n for n, item in enumerate(items) if isinstance(item, dict) and item.get(last.name) == last.value]
        if value is MISSING:
            for n in reversed(where):
                del items[n]
        elif where:
            items[where[0]] = copy.deepcopy(value)
        else:
            items.append(copy.deepcopy(value))
    elif value is MISSING:
        node.pop(last, None)
    else:
        node[last] = copy.deepcopy(value)
    return out


def _step(node: Any, part: Any) -> Any:
    if isinstance(part, Key):
        if not isinstance(node, list):
            return None
        return next((x for x in node if isinstance(x, dict) and x.get(part.name) == part.value), None)
    return node.get(part) if isinstance(node, dict) else None
