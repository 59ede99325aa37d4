"""`bangfu batch new|list|show|remove|add|approve|pay|roster|notice`: payment batches (发放批次),
each step one commit by the person who takes it (store/aid/batches.py)."""
from __future__ import annotations

import argparse

from store.aid import batches
from store.core import i18n, ids
from store.core.errors import UsageError
from store.core.money import parse_yuan, yuan
from store.io import roster
from store.privacy import notice as notices

from . import output
from .cmd_aid import school_id
from .cmd_records import open_ledger
from .commands import command, day, usage
from .output import data, out

METHODS = ("银行卡", "实物", "餐费抵扣", "现金")


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    group = command(sub, "batch", "aid.batch.cmd.group")
    group.set_defaults(handler=lambda args: usage(group))
    bs = group.add_subparsers(dest="batch_command", metavar="COMMAND")

    p = command(bs, "new", "aid.batch.cmd.new")
    p.add_argument("--term", required=True, help=t("aid.batch.cmd.term"))
    p.add_argument("--programme", required=True, help=t("aid.batch.cmd.programme"))
    p.add_argument("--school", help=t("aid.batch.cmd.school"))
    p.add_argument("--date", help=t("aid.batch.cmd.date"))
    p.set_defaults(handler=cmd_new)

    p = command(bs, "list", "aid.batch.cmd.list")
    p.add_argument("--term", help=t("aid.batch.cmd.term"))
    p.set_defaults(handler=cmd_list)

    p = command(bs, "show", "aid.batch.cmd.show")
    p.add_argument("batch", help=t("aid.batch.cmd.batch"))
    p.set_defaults(handler=cmd_show)

    for name, handler in (("remove", cmd_remove), ("add", cmd_add)):
        p = command(bs, name, f"aid.batch.cmd.{name}")
        p.add_argument("batch", help=t("aid.batch.cmd.batch"))
        p.add_argument("student", help=t("aid.batch.cmd.student"))
        p.add_argument("--reason", required=True, help=t("aid.batch.cmd.reason"))
        p.add_argument("--by", default="", help=t("aid.batch.cmd.by"))
        p.add_argument("--date", help=t("aid.batch.cmd.date"))
        if name == "add":
            p.add_argument("--amount", help=t("aid.batch.cmd.amount"))
        p.set_defaults(handler=handler)

    p = command(bs, "approve", "aid.batch.cmd.approve")
    p.add_argument("batch", help=t("aid.batch.cmd.batch"))
    p.add_argument("--by", required=True, help=t("aid.batch.cmd.by"))
    p.add_argument("--date", help=t("aid.batch.cmd.date"))
    p.set_defaults(handler=cmd_approve)

    p = command(bs, "pay", "aid.batch.cmd.pay")
    p.add_argument("batch", help=t("aid.batch.cmd.batch"))
    p.add_argument("--method", choices=METHODS, default="银行卡", help=t("aid.batch.cmd.method"))
    p.add_argument("--share", action="append", required=True, metavar="SOURCE=PERCENT", help=t("aid.batch.cmd.share"))
    p.add_argument("--reference", required=True, help=t("aid.batch.cmd.reference"))
    p.add_argument("--date", help=t("aid.batch.cmd.date"))
    p.set_defaults(handler=cmd_pay)

    p = command(bs, "roster", "aid.batch.cmd.roster")
    p.add_argument("batch", help=t("aid.batch.cmd.batch"))
    p.add_argument("-o", "--out", required=True, help=t("aid.batch.cmd.out"))
    p.add_argument("--reveal", metavar="REASON", help=t("aid.batch.cmd.reveal"))
    p.set_defaults(handler=cmd_roster)

    p = command(bs, "notice", "aid.batch.cmd.notice")
    p.add_argument("batch", help=t("aid.batch.cmd.batch"))
    p.add_argument("-o", "--out", help=t("aid.cmd.notice_out"))
    p.add_argument("--start", help=t("aid.cmd.notice_start"))
    p.add_argument("--days", type=int, default=notices.WORKING_DAYS, help=t("aid.cmd.notice_days"))
    p.add_argument("--no-mask", action="store_true", help=t("aid.cmd.notice_no_mask"))
    p.set_defaults(handler=cmd_notice)


def _student(ledger, given: str) -> str:
    if ids.is_id(given) and ledger.index.get(given):
        return given
    found = [s["id"] for s in ledger.find("student", name=given)]
    if len(found) != 1:
        raise UsageError("aid.batch.cmd.student_unknown" if not found else "aid.batch.cmd.student_ambiguous",
                         student=given)
    return found[0]


def _name(ledger, student: str) -> str:
    return (ledger.index.get(student) or {}).get("name", student)


def _shares(given: list[str]) -> list[dict]:
    shares = []
    for item in given:
        source, sep, percent = item.partition("=")
        if not sep or not percent.strip().isdigit() or not source.strip():
            raise UsageError("aid.batch.bad_share", share=item)
        shares.append({"source": source.strip(), "percent": int(percent)})
    return shares


def cmd_new(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    school = school_id(ledger, args.school) if args.school else None
    made = batches.make(ledger, args.term, args.programme, on=day(args.date), school=school)
    commit = ledger.last_change(made.batch["id"]).get("commit", "")
    if output.JSON:
        data({"batch": made.batch, "already_paid": list(made.already_paid), "commit": commit})
        return 0
    _entries(ledger, made.batch)
    out(i18n.t("aid.batch.cmd.made", batch=made.batch["id"], count=len(made.batch["entries"]),
               total=yuan(batches.total_fen(made.batch)), commit=commit[:10]))
    if made.already_paid:
        out(i18n.t("aid.batch.cmd.already_paid", count=len(made.already_paid)))
    return 0


def _entries(ledger, batch: dict) -> None:
    rows = []
    for e in batch["entries"]:
        student = ledger.index.get(e["student"]) or {}
        school = (ledger.index.get(student.get("school", "")) or {}).get("short_name") or \
            (ledger.index.get(student.get("school", "")) or {}).get("name", "")
        standard = ledger.index.get(e.get("standard", "")) or {}
        rule = f"{yuan(standard['amount_fen'])}/{standard.get('unit', '')}" if standard else "—"
        rows.append([student.get("name", e["student"]), school,
                     f"{student.get('grade', '')} {student.get('class_name', '')}".strip(),
                     yuan(e["amount_fen"]), rule, str(e.get("days", ""))])
    output.table(rows, [i18n.t(f"aid.batch.cmd.col_{c}") for c in ("student", "school", "class", "amount", "standard",
                                                                    "days")])


def cmd_list(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    found = sorted(ledger.find("batch", **({"term": args.term} if args.term else {})), key=lambda b: (b["date"], b["id"]))
    if output.JSON:
        data(found)
        return 0
    # At 80 columns the id (what batch show takes) goes on a line of its own, whole, above its batch.
    output.table([[b["id"], b["term"], b["programme"], _school(ledger, b, short=True), b["date"],
                   i18n.value(batches.status(b)), str(len(b["entries"])), yuan(batches.total_fen(b))] for b in found],
                 [i18n.title("编号"), i18n.title("学期"), i18n.title("资助项目"), i18n.t("aid.batch.cmd.col_school"),
                  i18n.title("批次日期"), i18n.t("aid.batch.cmd.col_status"), i18n.t("aid.batch.cmd.col_count"),
                  i18n.t("aid.batch.cmd.col_amount")], wrap=(2, 3), alone=(0,), drop=(1, 4))
    return 0


def _school(ledger, batch: dict, short: bool = False) -> str:
    if not batch.get("school"):
        return i18n.t("aid.batch.cmd.all_schools")
    school = ledger.index.get(batch["school"]) or {}
    return (short and school.get("short_name")) or school.get("name", batch["school"])


def cmd_show(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    batch = batches.batch_record(ledger, args.batch)
    if output.JSON:
        data(batch)
        return 0
    out(i18n.t("aid.batch.cmd.head", batch=batch["id"], term=batch["term"], programme=batch["programme"],
               school=_school(ledger, batch), date=batch["date"], status=batches.status(batch)))
    _entries(ledger, batch)
    out(i18n.t("aid.batch.cmd.total", count=len(batch["entries"]), total=yuan(batches.total_fen(batch))))
    for step in batch.get("review") or []:
        out(i18n.t("aid.batch.cmd.review_line", date=step["date"], action=step["action"],
                   student=_name(ledger, step["student"]), reason=step["reason"], by=step.get("by", "")))
    if batch.get("approval"):
        out(i18n.t("aid.batch.cmd.approval_line", **batch["approval"]))
    if batch.get("payment"):
        pay = batch["payment"]
        out(i18n.t("aid.batch.cmd.payment_line", date=pay["date"], method=pay["method"], reference=pay["reference"],
                   shares=i18n.listing(f"{s['source']} {s['percent']}%" for s in pay["shares"])))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    student = _student(ledger, args.student)
    batches.remove(ledger, args.batch, student, reason=args.reason, by=args.by, on=day(args.date))
    out(i18n.t("aid.batch.cmd.removed", batch=args.batch, student=_name(ledger, student), reason=args.reason))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    student = _student(ledger, args.student)
    amount = None
    if args.amount is not None:
        try:
            amount = parse_yuan(args.amount)
        except ValueError:
            raise UsageError("aid.batch.cmd.bad_amount", amount=args.amount) from None
    doc = batches.add(ledger, args.batch, student, reason=args.reason, by=args.by, on=day(args.date),
                      amount_fen=amount)
    entry = next(e for e in doc["entries"] if e["student"] == student)
    out(i18n.t("aid.batch.cmd.added", batch=args.batch, student=_name(ledger, student), amount=yuan(entry["amount_fen"]),
               reason=args.reason))
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    doc = batches.approve(ledger, args.batch, by=args.by, on=day(args.date))
    out(i18n.t("aid.batch.cmd.approved", batch=doc["id"], by=doc["approval"]["by"], date=doc["approval"]["date"],
               count=len(doc["entries"]), total=yuan(batches.total_fen(doc))))
    return 0


def cmd_pay(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    doc, made = batches.pay(ledger, args.batch, on=day(args.date), method=args.method, shares=_shares(args.share),
                            reference=args.reference)
    commit = ledger.last_change(doc["id"]).get("commit", "")
    if output.JSON:
        data({"batch": doc, "payments": [a["id"] for a in made], "commit": commit})
        return 0
    out(i18n.t("aid.batch.cmd.paid", batch=doc["id"], count=len(made), total=yuan(batches.total_fen(doc)),
               date=doc["payment"]["date"], reference=doc["payment"]["reference"], commit=commit[:10]))
    return 0


def cmd_roster(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=bool(args.reveal))
    batch = batches.batch_record(ledger, args.batch)
    if args.reveal is not None and not args.reveal.strip():
        raise UsageError("aid.batch.reveal_reason")
    count = roster.write(ledger, batch, args.out, reveal_reason=args.reveal)
    out(i18n.t("aid.batch.cmd.roster_done", path=args.out, count=count))
    return 0


def cmd_notice(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    batch = batches.batch_record(ledger, args.batch)
    notice = notices.build_batch_notice(ledger, batch, not args.no_mask, start=args.start, days=args.days)
    notices.write_notice(notice, args.out)
    return 0
