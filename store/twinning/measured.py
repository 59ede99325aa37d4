"""Measured targets: rates and amounts that activities cannot count (优课率, 合格率, 辍学率,
classrooms with multimedia, desk sets), read from measurement records.

The figure of a measured target over a period is the latest measurement of that target whose
own period ends inside it (a later one replaces an earlier one; both stay in the ledger and in
the records behind the figure).
"""
from __future__ import annotations

import datetime as dt
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
