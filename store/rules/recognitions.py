"""Recognition (认定) records: the order of their steps, and what they mean for a student's status.

A recognition is for one school year. Its approval recognises the student from that day; at the
start of the next school year it lapses (动态调整: each year's recognition is made anew). When a
student has recognition records, they take the place of the student's 认定 events; 脱贫, 返贫 and 退出
stay dated events. A student without any recognition record keeps the events alone (an older
ledger before its upgrade).

A recognition the upgrade of an older ledger made from a 认定 event (`from_event`) has no recorded
steps: only its approval, on the event's day or the first day of a later school year."""
from __future__ import annotations

import datetime as dt

STEPS = ("application", "review", "check", "notice", "approval")
NOTICE_DAYS = 5   # a notice is posted at least five working days
LAPSE = "失效"   # the pseudo-event at the start of the school year after a recognition's


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def working_days(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days from start to end, both counted."""
    days, day = 0, start
    while day <= end:
        days += day.weekday() < 5
        day += dt.timedelta(days=1)
    return days


def approved(recognition: dict) -> bool:
    return recognition.get("outcome") == "认定" and bool((recognition.get("approval") or {}).get("date"))


def approved_for(recognitions: list[dict], school_year: str) -> dict | None:
    return next((r for r in recognitions if r.get("school_year") == school_year and approved(r)), None)


def events(recognitions: list[dict]) -> list[dict]:
    """认定 on each approval, and its lapse on the first day of the next school year."""
    out = []
    for r in recognitions:
        if approved(r):
            out.append({"date": r["approval"]["date"], "event": "认定"})
            following = int(str(r.get("school_year", "0"))[:4]) + 1
            out.append({"date": f"{following}-09-01", "event": LAPSE})
    # On the day one year's recognition lapses and the next one's is approved, the lapse comes first.
    return sorted(out, key=lambda e: (e["date"], e["event"] != LAPSE))


def posting_of(recognition: dict, postings: list[dict]) -> dict | None:
    """The notice (公示) that listed this recognition, if any."""
    return next((p for p in postings if recognition.get("id") in (p.get("recognitions") or [])), None)


def step_dates(recognition: dict, notice: dict | None) -> list[tuple[str, dt.date | None, bool]]:
    """(step, its date, whether the step is recorded) in the order the steps must come."""
    def present(step: str) -> bool:
        return bool(recognition.get(step)) if step != "notice" else notice is not None

    dates = {s: _day((recognition.get(s) or {}).get("date")) for s in ("application", "review", "check", "approval")}
    dates["notice"] = _day((notice or {}).get("start"))
    return [(s, dates[s], present(s)) for s in STEPS]
