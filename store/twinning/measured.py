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


# --- 辍学率: measured, else worked out from the ledger ----------------------------------------

@dataclass(frozen=True)
class Dropout:
    """辍学率 of some schools over a period, by one rule wherever it is shown (the target row, the
    report's overview, the school-year view, the summary): a school's rate is its latest
    measurement that ends in the period; else its students who left for 辍学 in the period over
    its headcount (school record, 规模·学生数); else it has none and is left out, named. Several
    schools are weighed by their headcounts: a measured school without one cannot be weighed, so it
    is left out of the rate of several and named with its own rate (`unweighable`), never guessed."""
    source: str                       # measured | worked_out | mixed | unknown
    rate: float | None                # per cent; None: cannot be worked out (`reason` says why)
    measurements: tuple[str, ...]     # the measurement records it stands on
    dropouts: tuple[str, ...]         # students who left for 辍学 (schools worked out)
    headcount: int | None             # students the rate is over (None: no headcount used)
    measured: tuple[str, ...]         # schools with a measurement
    worked_out: tuple[str, ...]       # schools worked out from their students
    left_out: tuple[str, ...]         # schools with neither a measurement nor a headcount
    reason: str = ""                  # no_schools | no_data | unweighable (rate None)
    unweighable: tuple[str, ...] = ()  # measured schools without a headcount, left out of the rate
    unweighed: tuple[tuple[str, float], ...] = ()   # (school, its measured rate) of those left out
    as_of: str = ""                    # the last day the measurements cover

    @property
    def schools(self) -> tuple[str, ...]:
        """The schools the rate is over."""
        return (*self.measured, *self.worked_out)

    @property
    def records(self) -> tuple[str, ...]:
        """What opens behind the figure: the measurements, else the students counted."""
        return self.measurements or self.dropouts


def dropped_out(student: dict, start: dt.date, end: dt.date) -> bool:
    return any(e.get("event") == "退出" and "辍学" in str(e.get("reason", "")) and (day := _date(e.get("date")))
               and start <= day <= end for e in student.get("events") or [])


def _headcount(school: dict) -> int | None:
    count = (school.get("headcount") or {}).get("students")
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else None


def _value(m: dict) -> float | None:
    v = m.get("value")
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def dropout(students: Iterable[dict], schools: dict[str, dict], start: dt.date, end: dt.date,
            measurements: Iterable[dict] = ()) -> Dropout:
    """辍学率 of `schools` (id -> school record) over start..end. `measurements` are the 辍学率
    measurements that may stand for them; one without a school stands for every school given
    (a plan's). Only the students the ledger keeps can be counted as dropouts."""
    ordered = sorted(measurements, key=lambda m: ((m.get("period") or {}).get("end", ""), m.get("id", "")))
    found: dict[str, dict] = {}
    for sid in schools:
        m, _ = latest([m for m in ordered if m.get("school") in (sid, None) and _value(m) is not None], start, end)
        if m is not None:
            found[sid] = m
    worked = tuple(sorted(s for s in schools if s not in found and _headcount(schools[s])))
    unweighable = tuple(sorted(s for s in found if not _headcount(schools[s])))
    if len(found) == 1 and not worked:
        unweighable = ()                  # (one school's rate needs no weighing)
    elif found and len(unweighable) == len(found) and not worked:
        # nothing to weigh them with: no rate, and the schools named
        return Dropout("unknown", None, measurements=tuple(dict.fromkeys(found[s]["id"] for s in unweighable)),
                       dropouts=(), headcount=None, measured=unweighable, worked_out=(),
                       left_out=tuple(sorted(set(schools) - set(found))), reason="unweighable",
                       unweighable=unweighable, unweighed=tuple((s, _value(found[s])) for s in unweighable))
    measured = tuple(sorted(s for s in found if s not in unweighable))
    left_out = tuple(sorted(set(schools) - set(found) - set(worked)))
    mine = set(worked)
    gone = tuple(sorted(s["id"] for s in students if s.get("school") in mine and dropped_out(s, start, end)))
    used = tuple(dict.fromkeys(found[s]["id"] for s in measured))
    source = "mixed" if measured and worked else "measured" if measured else "worked_out" if worked else "unknown"
    as_of = max(((found[s].get("period") or {}).get("end", "") for s in measured), default="")
    common = dict(measurements=used, dropouts=gone, measured=measured, worked_out=worked, left_out=left_out,
                  as_of=as_of, unweighable=unweighable, unweighed=tuple((s, _value(found[s])) for s in unweighable))
    if not measured and not worked:
        return Dropout(source, None, headcount=None, reason="no_data" if schools else "no_schools", **common)
    if len(measured) == 1 and not worked:
        return Dropout(source, _value(found[measured[0]]), headcount=_headcount(schools[measured[0]]), **common)
    headcount = sum(_headcount(schools[s]) for s in (*measured, *worked))
    left = len(gone) + sum(_value(found[s]) * _headcount(schools[s]) / 100 for s in measured)
    return Dropout(source, 100.0 * left / headcount, headcount=headcount, **common)
