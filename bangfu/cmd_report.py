"""Reports: `report term` (a term's twinning and aid), `report period` (twinning figures of any
period and level, printed on A4) and `report summary` (the year-end summary draft)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from store.core import clock, i18n
from store.core.errors import UsageError

from . import output
from .cmd_export import _out_path, progress_printer
from .cmd_records import open_ledger
from .commands import command, usage


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    p = command(sub, "report", "io.cli.report")
    kinds = p.add_subparsers(dest="report_kind", metavar="KIND", parser_class=type(p))
    k = command(kinds, "term", "io.cli.report_term")
    k.add_argument("term", nargs="?", help=t("io.cli.term"))
    k.add_argument("--plan", metavar="ID", help=t("io.cli.plan"))
    k.add_argument("--format", choices=("md", "html", "xlsx"), help=t("io.cli.format"))
    k.add_argument("-o", "--out", metavar="FILE", help=t("io.cli.report_out"))
    k.set_defaults(handler=cmd_report)
    for name, key, handler, formats in (("period", "io.cli.report_period", cmd_period, ("md", "html", "xlsx")),
                                        ("summary", "io.cli.report_summary", cmd_summary, ("md",))):
        k = command(kinds, name, key)
        k.add_argument("--term", help=t("io.cli.term"))
        k.add_argument("--year", metavar="YYYY-YYYY", help=t("io.cli.period_year"))
        k.add_argument("--years", metavar="YYYY-YYYY..YYYY-YYYY", help=t("io.cli.period_years"))
        k.add_argument("--from", dest="start", metavar="DATE", help=t("io.cli.period_from"))
        k.add_argument("--to", dest="end", metavar="DATE", help=t("io.cli.period_to"))
        k.add_argument("--level", default="county", metavar="county|township|school|plan", help=t("io.cli.period_level"))
        k.add_argument("--unit", metavar="ID", help=t("io.cli.period_unit"))
        k.add_argument("--format", choices=formats, help=t("io.cli.format"))
        k.add_argument("-o", "--out", metavar="FILE", help=t("io.cli.report_out"))
        k.set_defaults(handler=handler)
    p.set_defaults(handler=lambda args: usage(p))


def _format(args, known: tuple[str, ...]) -> str:
    if args.format:
        return args.format
    suffix = Path(args.out).suffix.lower().lstrip(".") if args.out and args.out != "-" else "md"
    return suffix if suffix in known else "md"


def _emit(args, fmt: str, data: bytes, default: str, done_key: str, extra: dict) -> int:
    from store.io import report

    if (args.out in (None, "-") and fmt == "md") or args.out == "-":
        if fmt == "xlsx":
            raise UsageError("io.cli.stdout_xlsx")
        sys.stdout.write(data.decode("utf-8"))
        return 0
    path = report.write_bytes(_out_path(args, fmt, default), data)
    if output.JSON:
        output.data({"path": str(path.resolve()), "format": fmt, **extra})
    else:
        output.out(i18n.t(done_key, path=path))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from store.io import report

    ledger = open_ledger(args)
    fmt = _format(args, report.FORMATS)
    show, finish = progress_printer()
    try:
        built = report.build(ledger, args.term, plan=args.plan, today=clock.today(), progress=show)
    finally:
        finish()
    output.unreadable(ledger)
    return _emit(args, fmt, report.render(built, fmt), report.default_name(built, fmt), "io.report.done",
                 {"term": built.term})


def _figures(args):
    from store.figures import period

    chosen = period.period_of(term=args.term, year=args.year, years=args.years, start=args.start, end=args.end)
    ledger = open_ledger(args)
    figures = period.figures(ledger, chosen, args.level, args.unit, clock.today())
    output.unreadable(ledger)
    return figures


def cmd_period(args: argparse.Namespace) -> int:
    from store.io import period_report

    figures = _figures(args)
    fmt = _format(args, period_report.FORMATS)
    return _emit(args, fmt, period_report.render(figures, fmt), period_report.default_name(figures, fmt),
                 "io.period.done", {"period": figures.period.name, "unit": figures.scope.record})


def cmd_summary(args: argparse.Namespace) -> int:
    from store.io import summary

    figures = _figures(args)
    return _emit(args, "md", summary.draft(figures).encode("utf-8"), summary.default_name(figures),
                 "io.summary.done", {"period": figures.period.name, "unit": figures.scope.record})
