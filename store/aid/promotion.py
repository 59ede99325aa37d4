"""Promotion (升级): a school's students move to the next grade at the start of a school year.

One commit for the whole school: each student's present situation is kept as the entry of the
year that ends, and the present becomes the next grade for the new year. A pupil after the last
grade of a stage goes on at the same school when it teaches the next stage and the user lets them
(`graduates="continue"`), else leaves with a 退出 event (毕业). Run twice for the same school year
it is refused: the students already stand in that year."""
from __future__ import annotations

import copy
from dataclasses import dataclass

from store.core import i18n
from store.core.errors import BangfuError
from store.ledger.ledger import Change
from store.rules import checks, situation

GRADUATES = ("auto", "continue", "exit")


class PromotionRefused(BangfuError):
    pass


@dataclass(frozen=True)
class Move:
    student: str
    name: str
    before: dict                 # the situation in the year that ends
    after: dict | None           # the situation in the new year; None: leaves (毕业退出)


def _start(year: str) -> str:
    return f"{year[:4]}-09-01"


def plan(ledger, school: str, year: str, *, graduates: str = "auto") -> list[Move]:
    """What promoting `school` into school year `year` would do, student by student (the preview)."""
    record = ledger.index.get(school)
    if not record or record.get("type") != "school":
        raise PromotionRefused("aid.promote.no_school", school=school)
    ending = situation.previous_school_year(year)
    teaches = situation.SCHOOL_TEACHES.get(record.get("stage", ""), ())
    students = sorted(ledger.find("student", school=school), key=lambda s: (s.get("grade", ""), s.get("name", ""), s["id"]))
    already = [s for s in students if (s.get("school_year") or "") >= year]
    if already:
        raise PromotionRefused("aid.promote.twice", school=record.get("name", school), year=year,
                               count=len(already), student=already[0].get("name", already[0]["id"]))
    moves = []
    for s in students:
        if checks.student_status(s, _start(year)) == checks.LEFT:
            continue
        before = situation.situation(s, year=ending)
        # A grade written another way (3 or 初一, as sheets were imported before they were read as
        # the ladder's words) is promoted as the grade it means, and kept for the year in those words.
        word = situation.ladder_grade(before["stage"], before["grade"], only_stage=len(teaches) == 1)
        if word:
            before = {**before, "grade": word}
        following = situation.next_grade(before["stage"], before["grade"])
        if following is None and before["grade"] not in situation.GRADES.get(before["stage"], ()):
            raise PromotionRefused("aid.promote.unknown_grade", student=s.get("name", s["id"]),
                                   grade=before["grade"], stage=before["stage"])
        stays = following is not None and (following[0] == before["stage"] or
                                           (graduates != "exit" and following[0] in teaches))
        after = {**before, "stage": following[0], "grade": following[1]} if stays else None
        moves.append(Move(s["id"], s.get("name", s["id"]), before, after))
    if not moves:
        raise PromotionRefused("aid.promote.nobody", school=record.get("name", school), year=year)
    return moves


def apply(ledger, school: str, year: str, *, graduates: str = "auto", author=None) -> tuple[list[Move], str]:
    """Promote: one commit for every student of the school; (the moves, the commit)."""
    moves = plan(ledger, school, year, graduates=graduates)
    ending = situation.previous_school_year(year)
    changes = []
    for move in moves:
        doc = copy.deepcopy(ledger.get(move.student))
        if move.after is None:
            doc.setdefault("events", []).append({"date": _start(year), "event": "退出", "reason": "毕业"})
            doc.setdefault("school_year", ending)
        else:
            kept = {"school_year": ending, **{k: v for k, v in move.before.items() if v is not None}}
            doc["years"] = [e for e in doc.get("years") or [] if e.get("school_year") != ending] + [kept]
            doc.update({k: v for k, v in move.after.items() if v is not None})
            doc["school_year"] = year
        doc["schema_version"] = 2
        changes.append(Change(doc["id"], doc, ledger.version(doc["id"])))
    name = (ledger.index.get(school) or {}).get("name", school)
    saved = ledger.commit(changes, action="promote", author=author, message=f"student: promote {name} to {year} ({i18n.counted(len(changes), 'student')})",
                          extra_trailers={"School": school, "School-Year": year})
    return moves, saved[0].commit or ""
