"""Commands of the aid process: `promote` (a school's students into the next school year) and
`duty` (应助尽助 by programme for a term)."""
from __future__ import annotations

import argparse

from store.aid import promotion
from store.core import i18n
from store.core.errors import UsageError

from . import output
from .commands import command
from .cmd_records import open_ledger
from .output import data, out


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    p = command(sub, "promote", "aid.cmd.promote")
    p.add_argument("--school", required=True, help=t("aid.cmd.promote_school"))
    p.add_argument("--year", required=True, help=t("aid.cmd.promote_year"))
    p.add_argument("--graduates", choices=promotion.GRADUATES, default="auto", help=t("aid.cmd.promote_graduates"))
    p.add_argument("--yes", action="store_true", help=t("aid.cmd.promote_yes"))
    p.set_defaults(handler=cmd_promote)


def school_id(ledger, given: str) -> str:
    """A school named by id, name or short name."""
    if ledger.index.get(given):
        return given
    found = [s["id"] for s in ledger.scan("school") if given in (s.get("name"), s.get("short_name"))]
    if len(found) != 1:
        raise UsageError("aid.cmd.school_unknown" if not found else "aid.cmd.school_ambiguous", school=given)
    return found[0]


def _shown(s: dict | None) -> str:
    if s is None:
        return i18n.t("aid.promote.leaves")
    return f"{s.get('stage', '')} {s.get('grade', '')}" + (f" {s['class_name']}" if s.get("class_name") else "")


def cmd_promote(args: argparse.Namespace) -> int:
    if not (len(args.year) == 9 and args.year[4] == "-" and args.year[:4].isdigit() and args.year[5:].isdigit()
            and int(args.year[5:]) == int(args.year[:4]) + 1):
        raise UsageError("aid.cmd.bad_year", year=args.year)
    ledger = open_ledger(args, write=args.yes)
    school = school_id(ledger, args.school)
    if args.yes:
        moves, commit = promotion.apply(ledger, school, args.year, graduates=args.graduates)
    else:
        moves, commit = promotion.plan(ledger, school, args.year, graduates=args.graduates), None
    if output.JSON:
        data({"school": school, "year": args.year, "commit": commit,
              "moves": [{"student": m.student, "before": m.before, "after": m.after} for m in moves]})
        return 0
    output.table([[m.name, _shown(m.before), _shown(m.after)] for m in moves],
                 [i18n.t("aid.promote.col_student"), i18n.t("aid.promote.col_before"), i18n.t("aid.promote.col_after")])
    leaving = sum(1 for m in moves if m.after is None)
    if commit:
        out(i18n.t("aid.promote.done", count=len(moves), leaving=leaving, year=args.year, commit=commit[:10]))
    else:
        out(i18n.t("aid.promote.preview", count=len(moves), leaving=leaving, year=args.year))
    return 0
