"""Adjustments (调整记录): the one way to change a record a layer above has locked (a plan that
passed its inspection, a closed term's activities, an approved payment batch and its payments).

An adjustment record names the records it changes, says why and who approved it, and goes in the
same commit as the change; the guards registered in store/ledger/hooks.py let through what it names,
and the audit lists every one."""
from __future__ import annotations

from typing import Iterable

from store.core import ids
from store.ledger.ledger import NEW, Change


def adjusted(changes: Iterable[tuple[str, dict | None, dict | None]]) -> set[str]:
    """The records an adjustment record among the changes (record id, before, after) names."""
    return {rid for _id, _before, after in changes if after and after.get("type") == "adjustment"
            for rid in after.get("records") or []}


def adjust(ledger, changes: list[Change], *, reason: str, approver: str, date: str):
    """Commit changes to locked records with the adjustment record that names them and says why."""
    adjustment = {"id": ids.new_id("adjustment"), "type": "adjustment", "schema_version": 2, "date": date,
                  "reason": reason, "approver": approver, "records": list(dict.fromkeys(c.id for c in changes))}
    return ledger.commit([*changes, Change(adjustment["id"], adjustment, NEW)], action="adjust")
