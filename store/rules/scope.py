"""Which schools a record belongs to: what an access list (store/ledger/policy.py) is held to.

A school belongs to itself; a plan to its parties; a visit to its host and visiting schools; a
student, a recognition (认定) and a posted notice (公示) to their school; a payment and a
sponsorship (一对一资助) to their student's school; a payment batch to its school (one for all
schools is the county's); an event to the record it is about. A standard belongs to no school: it
is the county's (only an account with every school may change it). An event about nothing in
particular (a key rotation) is anyone's.
"""
from __future__ import annotations

from store.core import ids

EVERYONE = frozenset({"*"})


def schools(doc: dict, source) -> frozenset[str]:
    """The school ids the record belongs to (empty: the county's; EVERYONE: anyone's).
    `source.get(id)` finds the records it refers to (a payment's student)."""
    kind = doc.get("type")
    if kind == "school":
        return frozenset({str(doc.get("id"))})
    if kind == "plan":
        return frozenset(str(p.get("school")) for p in doc.get("parties") or [] if isinstance(p, dict))
    if kind == "visit":
        return frozenset(str(doc[k]) for k in ("host_school", "visiting_school") if doc.get(k))
    if kind in ("student", "recognition", "posting"):
        return frozenset({str(doc.get("school"))})
    if kind == "batch":
        return frozenset({str(doc["school"])}) if doc.get("school") else frozenset()
    if kind in ("aid", "sponsorship"):
        student = source.get(doc.get("student")) if ids.is_id(doc.get("student")) else None
        return frozenset({str(student.get("school"))}) if isinstance(student, dict) else frozenset()
    if kind == "event":
        subject = doc.get("subject")
        about = source.get(subject) if ids.is_id(subject) else None
        return schools(about, source) if isinstance(about, dict) and about.get("type") != "event" else EVERYONE
    return frozenset()


def within(doc: dict | None, source, allowed: frozenset[str] | None) -> bool:
    """Whether an account with these schools (None: every school) may change the record."""
    if doc is None or allowed is None:
        return True
    owners = schools(doc, source)
    return owners == EVERYONE or bool(owners & allowed)
