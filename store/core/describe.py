"""One line that says what a record is, for commit messages and lists."""
from __future__ import annotations

from typing import Protocol

from store.core.money import yuan


class Lookup(Protocol):
    def find(self, record_type: str, **equal: object) -> list[dict]: ...


def school_name(school_id: str | None, ledger) -> str:
    if not school_id:
        return "?"
    doc = ledger.index.get(school_id) if hasattr(ledger, "index") else ledger.get(school_id)
    if not doc:
        return school_id
    return doc.get("short_name") or doc.get("name") or school_id


def label(record: dict, ledger) -> str:
    t = record.get("type")
    if t == "visit":
        host = school_name(record.get("host_school"), ledger)
        guest = record.get("visiting_school")
        route = f"{school_name(guest, ledger)} → {host}" if guest else host
        return f"{record.get('date', '?')} {record.get('kind', '?')} {route}"
    if t == "plan":
        return str(record.get("title", record.get("id")))
    if t == "school":
        return str(record.get("name", record.get("id")))
    if t == "student":
        return f"{record.get('name', '?')} {school_name(record.get('school'), ledger)} {record.get('grade', '')}".strip()
    if t == "aid":
        student = ledger.index.get(record.get("student", "")) if hasattr(ledger, "index") else None
        who = student.get("name") if student else record.get("student", "?")
        return f"{who} {record.get('programme', '?')} {record.get('term', '?')} {yuan(int(record.get('amount_fen', 0)))}元"
    if t == "standard":
        board = {True: "寄宿", False: "走读"}.get(record.get("boarding"), "")
        level = f" {record['level']}" if record.get("level") else ""
        valid = f"{record.get('valid_from', '?')}—{record.get('valid_to', '')}"   # (two alike standards differ here)
        return (f"{record.get('programme', '?')} {record.get('stage', '')}{board}{level} "
                f"{yuan(int(record.get('amount_fen', 0)))}元/{record.get('unit', '?')} {valid}")
    if t == "event":
        return f"{record.get('action', '?')} {record.get('subject', '')}".strip()
    return str(record.get("id", "?"))


def summary(record: dict, action: str, ledger) -> str:
    return f"{record.get('type', '?')}: {action} {label(record, ledger)}"
