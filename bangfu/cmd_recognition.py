"""`bangfu aid apply|review|check|publish|object|settle|approve|list`: the recognition (认定) of a
school year step by step, each step one commit by the person acting (store/aid/recognition.py).

A step names its students (name or id; several at once, as a class is reviewed together) or, with
--school, takes every recognition of the school and year waiting for it."""
from __future__ import annotations

import argparse
import datetime as dt

from store.aid import recognition
from store.core import clock, i18n, ids
from store.core.errors import UsageError
from store.rules import recognitions, situation

from . import output
from .cmd_aid import _year, cmd_notice, school_id
from .cmd_records import open_ledger
from .commands import command, day, usage
from .output import data, out

LEVELS = ("特别困难", "困难", "一般困难")
GROUPS = ("脱贫家庭", "防止返贫监测对象", "最低生活保障家庭", "特困供养", "孤儿", "事实无人抚养儿童", "残疾", "其他")


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    group = command(sub, "aid", "aid.step.cmd.group")
    group.set_defaults(handler=lambda args: usage(group))
    steps = group.add_subparsers(dest="aid_command", metavar="COMMAND")

    def step(name: str, handler, *, school_picks: bool = True) -> argparse.ArgumentParser:
        p = command(steps, name, f"aid.step.cmd.{name}")
        p.add_argument("students", nargs="*" if school_picks else "+", metavar="STUDENT", help=t("aid.step.cmd.students"))
        p.add_argument("--school", help=t("aid.step.cmd.school") if school_picks else t("aid.cmd.promote_school"))
        p.add_argument("--year", help=t("aid.step.cmd.year"))
        p.add_argument("--date", help=t("aid.step.cmd.date"))
        p.set_defaults(handler=handler)
        return p

    p = step("apply", cmd_apply, school_picks=False)
    p.add_argument("--applicant", help=t("aid.step.cmd.applicant"))
    p.add_argument("--group", action="append", choices=GROUPS, default=[], dest="groups", help=t("aid.step.cmd.groups"))
    p.add_argument("--reasons", help=t("aid.step.cmd.reasons"))
    p.add_argument("--evidence", action="append", default=[], metavar="FILE", help=t("aid.step.cmd.evidence"))
    p.add_argument("--pledge-signed", action="store_true", help=t("aid.step.cmd.pledge"))

    p = step("review", cmd_review)
    p.add_argument("--members", required=True, help=t("aid.step.cmd.members"))
    p.add_argument("--result", choices=("通过", "不通过"), default="通过", help=t("aid.step.cmd.result"))
    p.add_argument("--level", choices=LEVELS, help=t("aid.step.cmd.level"))

    p = step("check", cmd_check)
    p.add_argument("--by", help=t("aid.step.cmd.by"))

    p = command(steps, "publish", "aid.cmd.notice")
    p.add_argument("--school", required=True, help=t("aid.cmd.promote_school"))
    p.add_argument("--year", required=True, help=t("aid.cmd.promote_year"))
    p.add_argument("--where", required=True, help=t("aid.cmd.notice_where"))
    p.add_argument("--start", help=t("aid.cmd.notice_start"))
    p.add_argument("--days", type=int, default=recognitions.NOTICE_DAYS, help=t("aid.cmd.notice_days"))
    p.add_argument("-o", "--out", help=t("aid.cmd.notice_out"))
    p.add_argument("--no-mask", action="store_true", help=t("aid.cmd.notice_no_mask"))
    p.set_defaults(handler=cmd_notice)

    p = step("object", cmd_object, school_picks=False)
    p.add_argument("--raised-by", required=True, help=t("aid.step.cmd.raised_by"))
    p.add_argument("--content", required=True, help=t("aid.step.cmd.content"))

    p = step("settle", cmd_settle, school_picks=False)
    p.add_argument("--settlement", required=True, help=t("aid.step.cmd.settlement"))
    p.add_argument("--raised-on", metavar="DATE", help=t("aid.step.cmd.raised_on"))

    p = step("approve", cmd_approve)
    p.add_argument("--by", help=t("aid.step.cmd.approver"))
    p.add_argument("--reject", action="store_true", help=t("aid.step.cmd.reject"))

    p = command(steps, "list", "aid.step.cmd.list")
    p.add_argument("--school", required=True, help=t("aid.cmd.promote_school"))
    p.add_argument("--year", help=t("aid.step.cmd.year"))
    p.set_defaults(handler=cmd_list)


def student_id(ledger, given: str, school: str | None = None) -> str:
    """A student named by id or by name (at `school`, when given)."""
    if ids.is_id(given) and (ledger.index.get(given) or {}).get("type") == "student":
        return given
    found = [s["id"] for s in ledger.find("student", name=given) if school is None or s.get("school") == school]
    if len(found) != 1:
        raise UsageError("aid.batch.cmd.student_unknown" if not found else "aid.batch.cmd.student_ambiguous",
                         student=given)
    return found[0]


def _context(args: argparse.Namespace, ledger) -> tuple[dt.date, str, str | None]:
    """(the step's date, the school year, the school) as given or taken from the date."""
    on = day(args.date)
    year = _year(args.year) if args.year else situation.school_year_of(on)
    return on, year, school_id(ledger, args.school) if args.school else None


def _found(args: argparse.Namespace, ledger, step: str) -> tuple[dt.date, str, list[dict]]:
    """The recognitions the step is for: of the students named, or those of --school waiting for it."""
    on, year, school = _context(args, ledger)
    if args.students:
        return on, year, [recognition.of_student(ledger, student_id(ledger, s, school), year) for s in args.students]
    if school is None:
        raise UsageError("aid.step.cmd.who")
    return on, year, recognition.waiting(ledger, school, year, step)


def _done(ledger, key: str, docs: list[dict], commit: str, **params) -> int:
    if output.JSON:
        data({"recognitions": [d["id"] for d in docs], "commit": commit})
        return 0
    names = [(ledger.index.get(d["student"]) or {}).get("name", d["student"]) for d in docs]
    school = (ledger.index.get(docs[0].get("school") or "") or {}).get("name", "")
    out(i18n.t(key, count=len(docs), students=i18n.listing(names), year=docs[0]["school_year"], school=school,
               commit=commit[:10], **params))
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    on, year, school = _context(args, ledger)
    students = [student_id(ledger, s, school) for s in args.students]
    docs, commit = recognition.apply(ledger, students, year, on=on, applicant=args.applicant, groups=args.groups,
                                     reasons=args.reasons, evidence=args.evidence, pledge=args.pledge_signed)
    return _done(ledger, "aid.step.applied", docs, commit, date=on.isoformat())


def cmd_review(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    on, _year_, found = _found(args, ledger, "review")
    members = [m.strip() for m in args.members.replace("，", ",").replace("、", ",").split(",") if m.strip()]
    docs, commit = recognition.review(ledger, found, on=on, members=members, result=args.result, level=args.level)
    return _done(ledger, "aid.step.reviewed", docs, commit, date=on.isoformat(), result=i18n.value(args.result))


def cmd_check(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    on, _year_, found = _found(args, ledger, "check")
    by = args.by or ledger.author().name
    docs, commit = recognition.check(ledger, found, on=on, by=by)
    return _done(ledger, "aid.step.checked", docs, commit, date=on.isoformat(), by=by)


def cmd_object(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    on, _year_, found = _one(args, ledger)
    doc, commit = recognition.object_to(ledger, found, on=on, raised_by=args.raised_by, content=args.content)
    return _done(ledger, "aid.step.objected", [doc], commit, date=on.isoformat(), raised_by=args.raised_by)


def cmd_settle(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    on, _year_, found = _one(args, ledger)
    doc, commit = recognition.settle(ledger, found, on=on, settlement=args.settlement, raised_on=args.raised_on)
    return _done(ledger, "aid.step.settled", [doc], commit, date=on.isoformat())


def _one(args: argparse.Namespace, ledger) -> tuple[dt.date, str, dict]:
    """An objection is about one student's recognition."""
    if len(args.students) != 1:
        raise UsageError("aid.step.cmd.one_student")
    on, year, school = _context(args, ledger)
    return on, year, recognition.of_student(ledger, student_id(ledger, args.students[0], school), year)


def cmd_approve(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    on, _year_, found = _found(args, ledger, "approval")
    by = args.by or ledger.author().name
    outcome = "不予认定" if args.reject else "认定"
    docs, commit = recognition.approve(ledger, found, on=on, by=by, outcome=outcome)
    return _done(ledger, "aid.step.approved", docs, commit, date=on.isoformat(), by=by, outcome=i18n.value(outcome))


def cmd_list(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    school = school_id(ledger, args.school)
    year = _year(args.year) if args.year else situation.school_year_of(clock.today())
    found = recognition.standings(ledger, school, year)
    if output.JSON:
        data([vars(s) for s in found])
        return 0
    output.table([[s.name, s.grade_class, s.applied, s.reviewed, s.checked, s.notice,
                   str(s.open_objections) if s.open_objections else "", s.approved, i18n.value(s.outcome)]
                  for s in found],
                 [i18n.t(f"aid.step.cmd.col_{c}") for c in
                  ("student", "class", "application", "review", "check", "notice", "objections", "approval", "outcome")],
                 wrap=(5, 8, 6, 1), drop=(3, 4, 2))
    out(i18n.t("aid.step.cmd.listed", count=len(found), year=year))
    return 0
