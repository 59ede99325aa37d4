"""Measured targets: rates and amounts that activities cannot count (优课率, 合格率, 辍学率,
classrooms with multimedia, desk sets), read from measurement records.

The figure of a measured target over a period is the latest measurement of that target whose
own period ends inside it (a later one replaces an earlier one; both stay in the ledger and in
the records behind the figure).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def by_target(measurements: Iterable[dict]) -> dict[tuple[str, str], list[dict]]:
    """(plan, target key) -> its measurements, oldest period end first."""
    out: dict[tuple[str, str], list[dict]] = {}
    for m in measurements:
        out.setdefault((m.get("plan", ""), m.get("target", "")), []).append(m)
    for found in out.values():
        found.sort(key=lambda m: ((m.get("period") or {}).get("end", ""), m.get("id", "")))
    return out


def latest(measurements: list[dict], start: dt.date, end: dt.date) -> tuple[dict | None, tuple[str, ...]]:
    """The measurement that stands for start..end, and every one that ended inside it."""
    inside = [m for m in measurements if (day := _date((m.get("period") or {}).get("end"))) and start <= day <= end]
    return (inside[-1] if inside else None), tuple(m["id"] for m in inside)


# --- worked out from the ledger instead of measured -------------------------------------------

@dataclass(frozen=True)
class Dropout:
    dropouts: tuple[str, ...]        # students with a 退出 event for 辍学 inside the period
    headcount: int | None            # students of the schools with a headcount (None: no school has one)
    schools: tuple[str, ...]         # schools counted
    without_headcount: tuple[str, ...]  # schools left out: no headcount to divide by

    @property
    def rate(self) -> float | None:
        """Per cent, or None when it cannot be worked out."""
        return None if not self.headcount else 100.0 * len(self.dropouts) / self.headcount


def dropped_out(student: dict, start: dt.date, end: dt.date) -> bool:
    return any(e.get("event") == "退出" and "辍学" in str(e.get("reason", "")) and (day := _date(e.get("date")))
               and start <= day <= end for e in student.get("events") or [])


def dropout(students: Iterable[dict], schools: dict[str, dict], start: dt.date, end: dt.date) -> Dropout:
    """辍学率 of some schools over a period: the ledger's students who left for 辍学 in it, over the
    schools' headcounts (school records, 规模·学生数). Only the students the ledger keeps can be
    counted as dropouts; a school without a headcount is left out and named."""
    counted = sorted(s for s, doc in schools.items() if isinstance((doc.get("headcount") or {}).get("students"), int))
    without = tuple(sorted(set(schools) - set(counted)))
    mine = set(counted)
    gone = tuple(sorted(s["id"] for s in students if s.get("school") in mine and dropped_out(s, start, end)))
    headcount = sum(schools[s]["headcount"]["students"] for s in counted) if counted else None
    return Dropout(gone, headcount, tuple(counted), without)
