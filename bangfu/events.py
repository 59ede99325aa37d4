"""Conflicts and the ledger's other events as the command line says them (`bangfu conflicts`,
`bangfu show event-…`)."""
from __future__ import annotations

import json
from typing import Any

from store.core import i18n, ids
from store.core.diff import MISSING


def show_value(value: Any) -> str:
    """A conflicting value for the terminal: absent says so, a protected identifier shows only its mask."""
    if value is MISSING:
        return i18n.t("sync.cli.absent")
    if isinstance(value, dict) and "masked" in value and "hmac" in value:
        return str(value["masked"])
    if isinstance(value, dict) and "id" in value and "type" in value:
        return i18n.t("sync.cli.whole_record", id=value["id"])
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:79] + "…"


def conflict_lines(ledger, c, resolved: bool = False) -> list[str]:
    """A conflict's fields (each side's site, person and value, and the value before), the rules the
    merged record broke, and whose values the record holds: as `bangfu conflicts` and `show` say it."""
    from store.sync.conflicts import finding_text
    lines = [i18n.t("sync.cli.conflict_field", field=_field_shown(ledger, c.record, f),
                    mine_site=c.mine.get("site", "?"), mine_who=c.mine.get("author", "?"), mine=show_value(f.mine),
                    theirs_site=c.theirs.get("site", "?"), theirs_who=c.theirs.get("author", "?"),
                    theirs=show_value(f.theirs), base=show_value(f.base)) for f in c.fields]
    lines += ["    " + finding_text(finding) for finding in c.findings]
    if not resolved:   # (once resolved, the record holds the values chosen)
        lines.append(i18n.t("sync.cli.kept", side=i18n.t("sync.cli.side_" + c.kept)))
    return lines


def event_card(ledger, event: dict) -> list[str]:
    """An event of the ledger (a reveal, an erasure, a key rotation, a conflict) as a person reads it:
    the record it concerns by name (identifiers masked), its fields by their titles, a conflict as
    `bangfu conflicts` shows it, turned to this site, and how it was resolved."""
    from rich.cells import cell_len

    from store.core.describe import label
    from store.rules.cleartext import mask_text
    from store.rules.fieldnames import title_of
    from store.sync.conflicts import read_conflict

    subject = event.get("subject") if ids.is_id(event.get("subject")) else None
    doc = ledger.index.get(subject) if subject else None
    named = mask_text(label(doc, ledger)) if doc else subject
    conflict = read_conflict(ledger, event) if isinstance(event.get("conflict"), dict) else None
    if conflict is not None:
        fields = i18n.listing(_field_shown(ledger, conflict.record, f) for f in conflict.fields)
    elif subject and event.get("field"):
        path = tuple(int(p) if p.isdigit() else p for p in str(event["field"]).split("."))
        try:
            fields = title_of(ledger.schemas(), ids.type_of(subject), path)
        except (KeyError, TypeError, ValueError):
            fields = str(event["field"])
    else:
        fields = event.get("field")
    titled = [(i18n.title(title), value) for title, value in (
        ("事件", i18n.value(event.get("action", "?"))), ("操作人", event.get("actor")), ("时间", event.get("at")),
        ("对象", named), ("字段", fields), ("原因", event.get("reason")),
        ("冲突内容", conflict and i18n.t("sync.kind." + conflict.kind)),
        ("冲突解决", _resolution(event, conflict)), ("备注", event.get("notes"))) if value]
    width = max(cell_len(title) for title, _ in titled)
    lines = [" ".join(filter(None, (i18n.value(event.get("action", "?")), named))), event["id"]]
    for title, value in titled:
        lines.append(f"{title}{' ' * (width - cell_len(title))}  {value}")
        if title == i18n.title("冲突内容"):
            lines += conflict_lines(ledger, conflict, resolved="resolution" in event)
    return lines


def _resolution(event: dict, conflict) -> str | None:
    """Who resolved a conflict, when, and with which side's values (this site's, or the other's)."""
    done = event.get("resolution")
    if not isinstance(done, dict):
        return None
    choice = done.get("choice")
    if conflict is not None and conflict.flipped and choice in ("mine", "theirs"):
        choice = {"mine": "theirs", "theirs": "mine"}[choice]
    return i18n.t("sync.cli.resolution", choice=i18n.t(f"sync.cli.choice_{choice}") if choice in
                  ("mine", "theirs", "fields") else str(choice), by=done.get("by", "?"), at=done.get("at", "?"))


def _field_shown(ledger, record: str, f) -> str:
    """A top-level field by its title, with the name `resolve --take NAME=…` takes: 凭证号（voucher）."""
    if not f.name:
        return i18n.t("sync.cli.whole")
    if len(f.path) != 1 or not isinstance(f.path[0], str):
        return f.name
    try:
        title = ledger.schemas().field(ids.type_of(record), f.path).get("title")
    except (KeyError, TypeError):
        title = None
    return i18n.t("sync.cli.field_named", title=i18n.title(title), name=f.name) if title else f.name
