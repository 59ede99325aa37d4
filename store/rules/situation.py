"""A student's situation (school, stage, grade, class, boarding) on a date, and the school-year arithmetic.

A student record holds its present situation in its top-level fields, for the school year named in
`school_year`, and earlier school years in `years` (one entry each, written by promotion or by the
upgrade of an older ledger). Every rule and figure about a date asks `situation(student, date)`, so
changing the present never changes what a past payment is checked against.

A school year runs from 1 September to 31 August: `2025-2026`. Its terms are `2025-2026-1` (autumn)
and `2025-2026-2` (spring)."""
from __future__ import annotations

import datetime as dt

from store.rules import idcard

FIELDS = ("school", "stage", "grade", "class_name", "boarding")

# The grades in the order pupils go through them, by stage. 中职 counts its own 一年级 to 三年级.
GRADES: dict[str, tuple[str, ...]] = {
    "学前": ("小班", "中班", "大班"),
    "小学": ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级"),
    "初中": ("七年级", "八年级", "九年级"),
    "高中": ("高一", "高二", "高三"),
    "中职": ("一年级", "二年级", "三年级"),
}
# The number grade_number gives the first grade of a stage (初一 is 7, 高一 10).
_FIRST_NUMBER = {"小学": 1, "初中": 7, "高中": 10, "中职": 1}


def ladder_grade(stage: str, grade: object, *, only_stage: bool = False) -> str | None:
    """The ladder's word for a grade written another way (3, 3年级, 初一 → 三年级, 七年级), or None
    when it is none of the stage's grades. With `only_stage` (the school teaches no other stage) a
    bare number counts from the stage's first grade: 1 in a 初中 is 七年级."""
    ladder = GRADES.get(stage, ())
    text = str(grade).strip() if isinstance(grade, (str, int)) and not isinstance(grade, bool) else ""
    if text in ladder:
        return text
    number = int(text) if text.isdigit() else idcard.grade_number(text)
    if number is None or stage not in _FIRST_NUMBER:
        return None
    at = number - _FIRST_NUMBER[stage]
    if not 0 <= at < len(ladder) and only_stage and text.isdigit():
        at = number - 1
    return ladder[at] if 0 <= at < len(ladder) else None


# The stage a pupil goes on to after the last grade of a stage (中职 and 高中 end school).
NEXT_STAGE = {"学前": "小学", "小学": "初中", "初中": "高中"}
# Which pupils' stages a school of each kind teaches.
SCHOOL_TEACHES: dict[str, tuple[str, ...]] = {
    "幼儿园": ("学前",), "小学": ("小学",), "教学点": ("学前", "小学"), "初中": ("初中",),
    "九年一贯制": ("小学", "初中"), "高中": ("高中",), "完全中学": ("初中", "高中"), "中职": ("中职",),
}


def _day(on: dt.date | str) -> dt.date:
    return on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on)[:10])


def school_year_of(on: dt.date | str) -> str:
    day = _day(on)
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def school_year_of_term(term: str) -> str:
    return str(term)[:9]


def next_school_year(year: str) -> str:
    first = int(year[:4]) + 1
    return f"{first}-{first + 1}"


def previous_school_year(year: str) -> str:
    first = int(year[:4]) - 1
    return f"{first}-{first + 1}"


def present_year(student: dict) -> str | None:
    return student.get("school_year")


def stands_in(student: dict, year: str) -> bool:
    """Whether the student stands in the school year: promoted into it or entered for it (a record
    that names no school year, from before situations were kept by year, stands in every one)."""
    present = present_year(student)
    return not isinstance(present, str) or present >= year


def situation(student: dict, on: dt.date | str | None = None, *, year: str | None = None) -> dict:
    """The student's school, stage, grade, class and boarding in the school year of `on` (or `year`).

    The present fields hold from `school_year` on (or always, when the record names none); an
    earlier year takes its own entry, or the latest entry before it (a situation lasts until it
    changes), or the first entry for a year before all of them; a record without entries has only
    its present."""
    wanted = year or (school_year_of(on) if on is not None else None)
    present = {k: student.get(k) for k in FIELDS}
    present["boarding"] = bool(present["boarding"])
    since = present_year(student)
    if wanted is None or since is None or wanted >= since:
        return present
    entries = sorted(student.get("years") or [], key=lambda e: str(e.get("school_year", "")))
    if not entries:
        return present
    earlier = [e for e in entries if str(e.get("school_year", "")) <= wanted]
    # Before the first known year the first known situation is the closest there is.
    entry = earlier[-1] if earlier else entries[0]
    found = {k: entry.get(k, present[k]) for k in FIELDS}
    found["boarding"] = bool(found["boarding"])
    return found


def next_grade(stage: str, grade: str) -> tuple[str, str] | None:
    """(stage, grade) a pupil moves to after this grade; None after the last grade of school."""
    ladder = GRADES.get(stage, ())
    if grade not in ladder:
        return None
    i = ladder.index(grade)
    if i + 1 < len(ladder):
        return stage, ladder[i + 1]
    following = NEXT_STAGE.get(stage)
    return (following, GRADES[following][0]) if following else None


def previous_grade(stage: str, grade: str) -> tuple[str, str] | None:
    """(stage, grade) a pupil was in the year before; None before the first grade."""
    ladder = GRADES.get(stage, ())
    if grade not in ladder:
        return None
    i = ladder.index(grade)
    if i > 0:
        return stage, ladder[i - 1]
    before = next((s for s, n in NEXT_STAGE.items() if n == stage), None)
    return (before, GRADES[before][-1]) if before else None
