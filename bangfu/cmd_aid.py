"""Commands of the aid process: `promote` (a school's students into the next school year) and
`recognition-notice` (the public notice of the recognitions under review, exported and recorded)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from store.aid import donations, promotion, recognition
from store.privacy import notice as notices
from store.core import clock, i18n
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

    p = command(sub, "recognition-notice", "aid.cmd.notice")
    p.add_argument("--school", required=True, help=t("aid.cmd.promote_school"))
    p.add_argument("--year", required=True, help=t("aid.cmd.promote_year"))
    p.add_argument("--where", required=True, help=t("aid.cmd.notice_where"))
    p.add_argument("--start", help=t("aid.cmd.notice_start"))
    p.add_argument("--days", type=int, default=5, help=t("aid.cmd.notice_days"))
    p.add_argument("-o", "--out", help=t("aid.cmd.notice_out"))
    p.add_argument("--no-mask", action="store_true", help=t("aid.cmd.notice_no_mask"))
    p.set_defaults(handler=cmd_notice)

    p = command(sub, "donation-notice", "aid.donation.cmd")
    p.add_argument("visit", help=t("aid.donation.cmd_visit"))
    p.add_argument("-o", "--out", help=t("aid.donation.cmd_out"))
    p.add_argument("--no-mask", action="store_true", help=t("aid.cmd.notice_no_mask"))
    p.set_defaults(handler=cmd_donation_notice)


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


def _year(year: str) -> str:
    if not (len(year) == 9 and year[4] == "-" and year[:4].isdigit() and year[5:].isdigit()
            and int(year[5:]) == int(year[:4]) + 1):
        raise UsageError("aid.cmd.bad_year", year=year)
    return year


def cmd_notice(args: argparse.Namespace) -> int:
    year = _year(args.year)
    try:
        start = dt.date.fromisoformat(args.start) if args.start else clock.today()
    except ValueError:
        raise UsageError("privacy.notice.bad_date", value=args.start) from None
    fmt = Path(args.out).suffix.lstrip(".").lower() if args.out else "csv"
    if fmt not in ("csv", "md"):
        raise UsageError("privacy.notice.bad_format", format=fmt, allowed="csv, md")
    ledger = open_ledger(args, write=True)
    school = school_id(ledger, args.school)
    record, listed = recognition.post_notice(ledger, school, year, where=args.where, start=start, days=args.days)
    data_ = notices.recognition_notice_bytes(notices.build_recognition_notice(ledger, record, not args.no_mask), fmt)
    if args.out:
        Path(args.out).write_bytes(data_)
    else:
        sys.stdout.buffer.write(data_)
        sys.stdout.flush()
    commit = ledger.last_change(record["id"]).get("commit", "")
    message = i18n.t("aid.cmd.notice_done", notice=record["id"], count=len(listed), start=record["start"],
                     end=record["end"], where=record["where"], commit=commit[:10])
    if output.JSON:
        data({"notice": record, "commit": commit})
    elif args.out:
        out(message)
    else:
        output.err(message)
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    _year(args.year)
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


def cmd_donation_notice(args: argparse.Namespace) -> int:
    fmt = Path(args.out).suffix.lstrip(".").lower() if args.out else "md"
    if fmt not in ("csv", "md"):
        raise UsageError("privacy.notice.bad_format", format=fmt, allowed="csv, md")
    ledger = open_ledger(args)
    use = donations.use_of(ledger, args.visit, mask_names=not args.no_mask)
    if output.JSON:
        data({"donation": use.donation, "received_fen": use.received_fen, "paid_fen": use.paid_fen,
              "left_fen": use.left_fen, "rows": [vars(r) for r in use.rows]})
        return 0
    text = donations.csv_bytes(use) if fmt == "csv" else "\n".join(donations.lines(use)).encode("utf-8")
    if args.out:
        Path(args.out).write_bytes(text)
    else:
        sys.stdout.buffer.write(text)
        sys.stdout.flush()
    return 0
