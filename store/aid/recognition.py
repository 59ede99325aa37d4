"""The recognition steps a coordinator takes, each one commit by the person acting: the application
(申请), the class review (民主评议), the school's check (学校审核), the public notice (公示),
objections raised and settled (异议), the approval (审批). The rules (store/rules/checks.py) hold
the order: a step before the one it follows, an approval before the notice ended or with an
objection open, is refused with the record, field and rule named.

The notice lists the recognitions under review (reviewed and passed, checked by the school, not yet
on a notice nor approved), is posted for at least five working days, and is recorded in one commit as a posting record
(where, from when to when, which recognitions). Approval comes after the notice has ended (store/rules/checks.py)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from store.core import ids
from store.core.errors import BangfuError
from store.core.i18n import Word
from store.ledger.ledger import NEW, Change
from store.privacy.notice import working_days_end
from store.rules import checks, recognitions, situation


class NoticeRefused(BangfuError):
    pass


def under_review(ledger, school: str, year: str) -> list[dict]:
    """The school's recognitions of a school year that are ready for the notice."""
    posted = {rid for p in ledger.find("posting", school_year=year) for rid in p.get("recognitions") or []}
    out = []
    for r in ledger.find("recognition", school=school, school_year=year):
        if (r.get("review") or {}).get("result") == "通过" and r.get("check") and r["id"] not in posted \
                and not r.get("approval"):
            out.append(r)
    return sorted(out, key=lambda r: r["id"])


def post_notice(ledger, school: str, year: str, *, where: str, start: dt.date,
                days: int = recognitions.NOTICE_DAYS) -> tuple[dict, list[dict]]:
    """Record the notice of the recognitions under review: (the notice record, the recognitions)."""
    listed = under_review(ledger, school, year)
    if not listed:
        name = (ledger.index.get(school) or {}).get("name", school)
        raise NoticeRefused("aid.notice.nothing", school=name, year=year)
    if days < recognitions.NOTICE_DAYS:
        raise NoticeRefused("aid.notice.too_short", days=days, minimum=recognitions.NOTICE_DAYS)
    notice = {"id": ids.new_id("posting"), "type": "posting", "schema_version": 2, "school": school,
              "school_year": year, "where": where, "start": start.isoformat(),
              "end": working_days_end(start, days).isoformat(), "recognitions": [r["id"] for r in listed]}
    ledger.commit([Change(notice["id"], notice, NEW)], action="notice",
                  extra_trailers={"School": school, "School-Year": year})
    return notice, listed


# --- the steps before and after the notice: each one commit, for one student or a school's list ------

class StepRefused(BangfuError):
    pass


def _name(ledger, rid: str | None) -> str:
    return (ledger.index.get(rid or "") or {}).get("name", rid or "?")


def of_student(ledger, student: str, year: str) -> dict:
    """The student's recognition of a school year (made by the application)."""
    found = ledger.find("recognition", student=student, school_year=year)
    if not found:
        raise StepRefused("aid.step.no_application", student=_name(ledger, student), year=year)
    return found[0]


def waiting(ledger, school: str, year: str, step: str) -> list[dict]:
    """The school's recognitions of the year whose next step is `step` (review, check, approval)."""
    mine = ledger.find("recognition", school=school, school_year=year)
    if step == "review":
        found = [r for r in mine if not r.get("review")]
    elif step == "check":
        found = [r for r in mine if (r.get("review") or {}).get("result") == "通过" and not r.get("check")]
    else:
        posted = {rid for p in ledger.find("posting", school=school, school_year=year)
                  for rid in p.get("recognitions") or []}
        found = [r for r in mine if r["id"] in posted and not r.get("approval")]
    if not found:
        raise StepRefused("aid.step.nothing_waiting", school=_name(ledger, school), year=year,
                          step=Word(f"rule.step.{step}"))
    return sorted(found, key=lambda r: r["id"])


def _save(ledger, docs: list[dict], action: str, what: str, author=None) -> str:
    schools = sorted({_name(ledger, d.get("school")) for d in docs})
    saved = ledger.commit([Change(d["id"], d, ledger.version(d["id"]) if action != "apply" else NEW) for d in docs],
                          action=action, author=author,
                          message=f"recognition: {what} {len(docs)} of {docs[0]['school_year']} at {'、'.join(schools)}")
    return saved[0].commit or ""


def _not_yet(ledger, r: dict, step: str) -> None:
    done = r.get(step)
    if done:
        raise StepRefused("aid.step.already", student=_name(ledger, r.get("student")), year=r.get("school_year"),
                          step=Word(f"rule.step.{step}"), date=done.get("date", ""),
                          by=done.get("by") or done.get("applicant") or "、".join(done.get("members") or []))


def apply(ledger, students: list[str], year: str, *, on: dt.date, applicant: str | None = None,
          groups: list[str] = (), reasons: str | None = None, evidence: list[str] = (), pledge: bool = False,
          author=None) -> tuple[list[dict], str]:
    """The application (申请): a recognition for each student, at the school they stand at that year."""
    docs = []
    for sid in students:
        student = ledger.get(sid)
        gone = [e for e in student.get("events") or [] if e.get("event") == "退出" and str(e.get("date", "")) <= on.isoformat()]
        if checks.student_status(student, on) == checks.LEFT and gone:
            raise StepRefused("aid.step.left", student=student.get("name", sid), date=gone[-1].get("date", ""),
                              reason=gone[-1].get("reason") or "—")
        if not situation.stands_in(student, year):
            raise StepRefused("aid.step.not_in_year", student=student.get("name", sid), year=year,
                              present=student.get("school_year", ""))
        if ledger.find("recognition", student=sid, school_year=year):
            _not_yet(ledger, ledger.find("recognition", student=sid, school_year=year)[0], "application")
        application = {"date": on.isoformat(), "applicant": applicant or student.get("name", ""),
                       "pledge_signed": pledge}
        if groups:
            application["groups"] = list(groups)
        if reasons:
            application["reasons"] = reasons
        if evidence:
            application["evidence"] = list(evidence)
        docs.append({"id": ids.new_id("recognition"), "type": "recognition", "schema_version": 2, "student": sid,
                     "school_year": year, "school": situation.situation(student, year=year).get("school"),
                     "application": application})
    return docs, _save(ledger, docs, "apply", "apply", author)


def review(ledger, found: list[dict], *, on: dt.date, members: list[str], result: str, level: str | None,
           author=None) -> tuple[list[dict], str]:
    """The class or grade group's review (民主评议): its members, result and level."""
    docs = []
    for r in found:
        _not_yet(ledger, r, "review")
        step = {"date": on.isoformat(), "members": list(members), "result": result}
        if level:
            step["level"] = level
        docs.append({**r, "review": step})
    return docs, _save(ledger, docs, "assess", "review", author)


def check(ledger, found: list[dict], *, on: dt.date, by: str, author=None) -> tuple[list[dict], str]:
    """The school's check of the review (学校审核)."""
    docs = []
    for r in found:
        _not_yet(ledger, r, "check")
        docs.append({**r, "check": {"date": on.isoformat(), "by": by}})
    return docs, _save(ledger, docs, "check", "check", author)


def object_to(ledger, r: dict, *, on: dt.date, raised_by: str, content: str, author=None) -> tuple[dict, str]:
    """An objection raised during the notice (异议), recorded as it came."""
    doc = {**r, "objections": [*(r.get("objections") or []),
                               {"date": on.isoformat(), "raised_by": raised_by, "content": content}]}
    return doc, _save(ledger, [doc], "object", "objection to", author)


def open_objections(r: dict) -> list[tuple[int, dict]]:
    """(place in the record's list, objection) of each objection not settled yet."""
    return [(i, o) for i, o in enumerate(r.get("objections") or []) if not o.get("settlement")]


def settle(ledger, r: dict, *, on: dt.date, settlement: str, raised_on: str | None = None,
           number: int | None = None, author=None) -> tuple[dict, str]:
    """How an open objection was settled: the only open one, the one raised on `raised_on`, or the
    one at place `number` of the record's list (the dashboard's choice among several)."""
    open_ = [i for i, o in open_objections(r) if (raised_on is None or o.get("date") == raised_on)
             and (number is None or i == number)]
    if len(open_) != 1:
        raise StepRefused("aid.step.no_open_objection" if not open_ else "aid.step.which_objection",
                          student=_name(ledger, r.get("student")), year=r.get("school_year"), count=len(open_))
    objections = [dict(o) for o in r["objections"]]
    objections[open_[0]].update(settled_on=on.isoformat(), settlement=settlement)
    doc = {**r, "objections": objections}
    return doc, _save(ledger, [doc], "object", "objection settled for", author)


def approve(ledger, found: list[dict], *, on: dt.date, by: str, outcome: str = "认定",
            author=None) -> tuple[list[dict], str]:
    """The approval (审批) after the notice ended, with the outcome (认定 or 不予认定)."""
    docs = []
    for r in found:
        _not_yet(ledger, r, "approval")
        docs.append({**r, "approval": {"date": on.isoformat(), "by": by}, "outcome": outcome})
    return docs, _save(ledger, docs, "approve", "approve", author)


@dataclass(frozen=True)
class Standing:
    """Where one recognition stands: the date of each step taken, as the list of a school shows it."""
    recognition: str
    student: str
    name: str
    grade_class: str                # in the school year
    applied: str
    reviewed: str
    checked: str
    notice: str                     # "start—end" of the notice that listed it
    open_objections: int
    approved: str
    outcome: str                    # the outcome once approved, else the level the review gave


def standings(ledger, school: str, year: str) -> list[Standing]:
    """The school's recognitions of a school year, by name, with the steps each has taken."""
    postings = ledger.find("posting", school=school, school_year=year)
    out = []
    for r in ledger.find("recognition", school=school, school_year=year):
        student = ledger.index.get(r["student"]) or {}
        then = situation.situation(student, year=year)
        notice = recognitions.posting_of(r, postings)
        out.append(Standing(
            r["id"], r["student"], student.get("name", r["student"]),
            f"{then.get('grade') or ''} {then.get('class_name') or ''}".strip(),
            *[str((r.get(s) or {}).get("date", "")) for s in ("application", "review", "check")],
            f"{notice.get('start', '')}—{notice.get('end', '')}" if notice else "",
            len(open_objections(r)),
            str((r.get("approval") or {}).get("date", "")),
            r.get("outcome") or (r.get("review") or {}).get("level") or ""))
    return sorted(out, key=lambda s: (s.name, s.recognition))
