"""Locks: an inspected plan and a closed term keep their records as the inspection or the
closing saw them.

A plan with an inspection whose result is 通过 is locked: its own record, its activities,
measurements and inspections. A closed term (`bangfu close-term`, the ledger's
`closed_through` setting) locks the activities and measurements dated in it. Changing a locked
record (adding, editing or deleting) is refused unless the same commit carries an adjustment
record (调整记录: reason, approver, store/ledger/adjustments.py) that names it; the audit lists
every adjustment.

`refused(changes, before, closed_through)` is the one check: the ledger calls it on every write
(store/ledger/hooks.py `register_guard`) and the hub on every push (store/sync/hub.py).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from store.core.findings import Finding
from store.ledger import adjustments, hooks
from store.ledger.ledger import NEW, Change
from store.rules import calendar as school_calendar

LOCKED_BY_PLAN = ("plan", "visit", "measurement", "inspection")
LOCKED_BY_TERM = ("visit", "measurement")
PASSED = "通过"


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _plan_of(doc: dict) -> str | None:
    return doc.get("id") if doc.get("type") == "plan" else doc.get("plan")


def _day_of(doc: dict) -> dt.date | None:
    if doc.get("type") == "measurement":
        return _date((doc.get("period") or {}).get("end"))
    return _date(doc.get("date"))


def _term_key(term: str) -> tuple[int, int] | None:
    try:
        year, _next, half = term.split("-")
        return int(year), int(half)
    except (AttributeError, ValueError):
        return None


def inspection_of(plan: str, source) -> dict | None:
    """The passing inspection that locks a plan, if any (the earliest)."""
    passed = [i for i in source.find("inspection", plan=plan) if i.get("result") == PASSED]
    return min(passed, key=lambda i: (i.get("date", ""), i.get("id", ""))) if passed else None


def refused(changes: Iterable[tuple[str, dict | None, dict | None]], before, closed_through: str | None) -> list[Finding]:
    """Errors for the changes (record id, before, after) that touch a locked plan or term
    without an adjustment record in the same change naming them; `before` is the ledger as it
    stood (anything with `find`)."""
    changes = list(changes)
    adjusted = adjustments.adjusted(changes)
    closed = _term_key(closed_through or "")
    out: list[Finding] = []
    for rid, old, new in changes:
        if rid in adjusted:
            continue
        for doc in (d for d in (old, new) if d):
            found = None
            plan = _plan_of(doc) if doc.get("type") in LOCKED_BY_PLAN else None
            inspection = inspection_of(plan, before) if plan else None
            if inspection:
                found = Finding(rid, (), "rule.locked_plan", {"inspection": inspection.get("id"),
                                                               "date": inspection.get("date", "")}, "error")
            day = _day_of(doc) if doc.get("type") in LOCKED_BY_TERM else None
            term = school_calendar.term_of(day) if day else None
            if found is None and closed and term and _term_key(term) <= closed:
                found = Finding(rid, (), "rule.locked_term", {"term": term, "through": closed_through}, "error")
            if found:
                out.append(found)
                break
    return out


def _guard(ledger, changes: list[tuple[str, dict | None, dict | None]]) -> list[Finding]:
    return refused(changes, ledger.index, ledger.config.get("closed_through"))


hooks.register_guard(_guard, {*LOCKED_BY_PLAN, *LOCKED_BY_TERM, "adjustment"})


def inspect(ledger, inspection: dict):
    """Commit an inspection; when it passes, the plan's status 已验收 goes with it in the same commit
    (after it the plan is locked, so the status could not follow later)."""
    changes = [Change(inspection["id"], inspection, NEW)]
    plan = ledger.index.get(inspection.get("plan", ""))
    if inspection.get("result") == PASSED and plan and plan.get("status") != "已验收":
        changes.append(Change(plan["id"], {**plan, "status": "已验收"}, ledger.version(plan["id"])))
    return ledger.commit(changes, action="inspect")
