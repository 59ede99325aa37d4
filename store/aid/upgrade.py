"""The data step of the upgrade to schema version 2: what an older ledger's records become.

An older student record holds only its present situation. The upgrade keeps it as the situation
of the present school year and writes one entry per earlier school year since the student's first
event, each a grade lower (the school and boarding as today: nothing older is known), so every
earlier payment is checked against the stage the student was in then."""
from __future__ import annotations

import copy

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
