"""Which standard applies to a student for a programme on a date, and what it pays for a term.

A standard (资助标准) is a dated record: programme, stage, boarding (absent: either), level (档次),
the counties it covers (absent: every county of the ledger), valid from/to, an amount per year,
term or school day, and whether that amount is fixed or a cap (上限, the student loan). A term's
calendar (学期校历) gives the school days a per-day standard is paid for.

The programmes differ in who they are due to: those in RECOGNISED go only to students recognised as
in financial difficulty (认定) for that school year; the others to every pupil of the stage the
standard covers (营养膳食补助, 免学杂费, 免费教科书). ON_APPLICATION programmes are never due by
themselves (a loan is applied for, a school-bus subsidy needs the bus)."""
from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable

RECOGNISED = frozenset({"学前教育资助", "义务教育寄宿生生活补助", "普通高中国家助学金", "普通高中免学杂费",
                        "中职国家助学金"})
ON_APPLICATION = frozenset({"生源地助学贷款", "校车补助", "社会捐助", "其他"})

# Difficulty (认定的困难程度) -> the level (档次) of a levelled standard: the hardest case the first level.
LEVEL_ORDER = ("一档", "二档", "三档")
DIFFICULTY_RANK = {"特别困难": 0, "困难": 1, "一般困难": 2}


def needs_recognition(programme: str) -> bool:
    return programme in RECOGNISED


def is_due_by_rule(programme: str) -> bool:
    return programme not in ON_APPLICATION


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def validity(standard: dict) -> tuple[dt.date | None, dt.date | None]:
    """(valid from, valid to) of a standard; None where the date is missing or not a date."""
    return _day(standard.get("valid_from")), _day(standard.get("valid_to"))


def valid_on(standard: dict, on: dt.date) -> bool:
    return valid_between(*validity(standard), on)


def valid_between(start: dt.date | None, end: dt.date | None, on: dt.date) -> bool:
    return bool(start) and start <= on and (end is None or on <= end)


def covers_county(record: dict, county: str | None) -> bool:
    """Whether a standard (or a calendar) applies in a county: no list of counties means everywhere."""
    counties = record.get("counties")
    return not counties or county in counties


def fits(standard: dict, programme: str, stage: str | None, boarding: bool, county: str | None,
         on: dt.date) -> bool:
    """The standard is for this programme, stage, boarding status and county, and valid on `on`."""
    return (standard.get("programme") == programme and standard.get("stage") == stage
            and ("boarding" not in standard or standard["boarding"] == boarding)
            and covers_county(standard, county) and valid_on(standard, on))


def may_fit(standard: dict, programme: str | None, stage: str | None, boarding: bool | None,
            county: str | None, first: dt.date | None, last: dt.date | None) -> bool:
    """A standard a payment typed so far may be paid by: it matches what is known of the payment
    (None: not known yet, anything goes) and is valid on some day from `first` to `last` (a
    payment's date, or its term's first and last days)."""
    if programme and standard.get("programme") != programme:
        return False
    if stage and standard.get("stage") not in (None, stage):
        return False
    if boarding is not None and "boarding" in standard and standard["boarding"] != boarding:
        return False
    if county and not covers_county(standard, county):
        return False
    if first and last:
        start, end = validity(standard)
        return bool(start) and start <= last and (end is None or first <= end)
    return True


def level_for(difficulty: str | None, levels: Iterable[str]) -> str | None:
    """The level a student of this difficulty gets among the levels a programme has (a standard with
    two levels puts 困难 and 一般困难 both on the second)."""
    ordered = sorted(set(levels), key=lambda lv: (LEVEL_ORDER.index(lv) if lv in LEVEL_ORDER else 99, lv))
    if not ordered:
        return None
    rank = DIFFICULTY_RANK.get(difficulty or "", len(ordered) - 1)
    return ordered[min(rank, len(ordered) - 1)]


def entitled(standards: Iterable[dict], programme: str, stage: str | None, boarding: bool, county: str | None,
             difficulty: str | None, on: dt.date) -> dict | None:
    """The standard a student in this situation gets for a programme on a date (None: none applies)."""
    found = [s for s in standards if fits(s, programme, stage, boarding, county, on)]
    levelled = [s for s in found if s.get("level")]
    if levelled:
        level = level_for(difficulty, (s["level"] for s in levelled))
        found = [s for s in levelled if s["level"] == level]
    # A standard for this boarding status beats one for either; overlaps are refused on save.
    found.sort(key=lambda s: ("boarding" not in s, str(s.get("id"))))
    return found[0] if found else None


def overlap(a: dict, b: dict) -> bool:
    """Two standards that would both apply to the same student on some day."""
    if a.get("id") == b.get("id"):
        return False
    same = all(a.get(k) == b.get(k) for k in ("programme", "stage", "level"))
    boarding = "boarding" not in a or "boarding" not in b or a["boarding"] == b["boarding"]
    ca, cb = set(a.get("counties") or ()), set(b.get("counties") or ())
    counties = not ca or not cb or bool(ca & cb)
    a0, b0 = _day(a.get("valid_from")), _day(b.get("valid_from"))
    a1, b1 = _day(a.get("valid_to")) or dt.date.max, _day(b.get("valid_to")) or dt.date.max
    dates = bool(a0 and b0) and a0 <= b1 and b0 <= a1
    return same and boarding and counties and dates


# What one term pays by a standard's unit: a per-year amount is paid in two terms (an odd number of
# fen may round either way), a per-day amount for each school day.
PER_TERM: dict[str, Callable[[int, int | None], set[int]]] = {
    "年": lambda amount, days: {amount // 2, (amount + 1) // 2},
    "学期": lambda amount, days: {amount},
    "天": lambda amount, days: {amount * days} if days is not None else set(),
}


def term_amounts(standard: dict, days: int | None) -> set[int]:
    """The amounts one term's payment may have by this standard (empty: cannot be told)."""
    amount = standard.get("amount_fen")
    if not isinstance(amount, int) or isinstance(amount, bool):
        return set()
    return PER_TERM.get(standard.get("unit"), lambda a, d: set())(amount, days)


def within_cap(standard: dict, amount: int, days: int | None) -> bool | None:
    """For a cap (上限): whether the amount stays within it for the term (None: cannot be told)."""
    allowed = term_amounts({**standard, "unit": "学期" if standard.get("unit") == "年" else standard.get("unit")},
                           days)
    return None if not allowed else amount <= max(allowed)


def school_days(calendar: dict) -> int | None:
    """Monday-to-Friday days from the term's first to its last day, less its holidays."""
    first, last = _day(calendar.get("first_day")), _day(calendar.get("last_day"))
    if not (first and last) or first > last:
        return None
    off: set[dt.date] = set()
    for h in calendar.get("holidays") or []:
        start, end = _day(h.get("start")), _day(h.get("end")) or _day(h.get("start"))
        while start and end and start <= end:
            off.add(start)
            start += dt.timedelta(days=1)
    # 调休: a weekend day the school works counts, even inside a holiday's span.
    extra = {d for d in map(_day, calendar.get("workdays") or []) if d}
    off -= extra
    days, day = 0, first
    while day <= last:
        if (day.weekday() < 5 or day in extra) and day not in off:
            days += 1
        day += dt.timedelta(days=1)
    return days


def calendar_for(calendars: Iterable[dict], term: str, county: str | None) -> dict | None:
    """The term's calendar for a county: the county's own before one for every county."""
    found = [c for c in calendars if c.get("term") == term and covers_county(c, county)]
    found.sort(key=lambda c: (not c.get("counties"), str(c.get("id"))))
    return found[0] if found else None
