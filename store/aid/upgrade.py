"""The data step of the upgrade to schema version 2: what an older ledger's records become, committed
with the new schemas in one commit (`bangfu schema-upgrade`).

An older student record holds only its present situation. The upgrade keeps it as the situation
of the present school year and writes one entry per earlier school year since the student's first
event, each a grade lower (the school and boarding as today: nothing older is known), so every
earlier payment is checked against the stage the student was in then. Each 认定 event becomes a
recognition for its school year, renewed for each later year that began with the student still
recognised, so earlier payments keep their validity."""
from __future__ import annotations

import copy
import datetime as dt

from store.core import ids
from store.rules import checks, situation


def with_years(student: dict, present: str) -> dict:
    """The student record of schema version 2, its present standing in school year `present`."""
    doc = copy.deepcopy(student)
    doc["schema_version"] = 2
    if doc.get("school_year"):
        return doc
    doc["school_year"] = present
    dates = [str(e.get("date", "")) for e in doc.get("events") or [] if e.get("date")]
    if not dates:
        return doc
    first = situation.school_year_of(min(dates))
    known = {e.get("school_year") for e in doc.get("years") or []}
    stage, grade, year = doc.get("stage"), doc.get("grade"), present
    entries = []
    while year > first:
        before = situation.previous_grade(stage, grade)
        if before is None:
            break
        stage, grade, year = before[0], before[1], situation.previous_school_year(year)
        if year not in known:
            entry = {"school_year": year, "school": doc.get("school"), "stage": stage, "grade": grade}
            entry.update({k: doc[k] for k in ("class_name", "boarding") if k in doc})
            entries.append(entry)
    if entries or known:
        doc["years"] = sorted((doc.get("years") or []) + entries, key=lambda e: e["school_year"])
    return doc


def recognitions_from_events(student: dict, present: str, new_id) -> list[dict]:
    """The recognitions an older ledger's 认定 events stand for: one for the school year of each
    认定, and one for each later school year up to `present` that began with the student still
    recognised (the old records never lapsed). Their steps were not recorded: `from_event`."""
    made: dict[str, dict] = {}
    level = student.get("difficulty")
    for event in sorted(student.get("events") or [], key=lambda e: str(e.get("date", ""))):
        if event.get("event") != "认定" or not event.get("date"):
            continue
        year = situation.school_year_of(event["date"])
        while year <= present:
            first_day = event["date"] if year == situation.school_year_of(event["date"]) else f"{year[:4]}-09-01"
            if year != situation.school_year_of(event["date"]) and not checks.is_eligible(student, first_day):
                break
            if year not in made:
                then = situation.situation(student, year=year)
                made[year] = {"id": new_id("recognition"), "type": "recognition", "schema_version": 2,
                              "student": student["id"], "school_year": year, "school": then.get("school"),
                              "application": {"date": first_day, "applicant": student.get("guardian") or student.get("name", "")},
                              "approval": {"date": first_day, "by": "（升级前的认定记录）"},
                              "outcome": "认定", "from_event": event["date"]}
                if level:
                    made[year]["review"] = {"date": first_day, "members": ["（升级前的认定记录）"], "result": "通过",
                                            "level": level}
            year = situation.next_school_year(year)
    return [made[y] for y in sorted(made)]


def data_step(ledger, today: dt.date) -> list[dict]:
    """The records the upgrade changes or adds: students with their years, recognitions from events."""
    present = situation.school_year_of(today)
    recognised = {r.get("student") for r in ledger.scan("recognition")}
    out: list[dict] = []
    for student in sorted(ledger.scan("student"), key=lambda s: s["id"]):
        doc = with_years(student, present)
        if doc != student:
            out.append(doc)
        if student["id"] not in recognised:
            out += recognitions_from_events(doc, present, ids.new_id)
    return out
