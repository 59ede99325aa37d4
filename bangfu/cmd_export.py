"""Ledgers in and out: `export`, `export notice`, `import` (reports: bangfu/cmd_report.py)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from store.core import clock, i18n, ids
from store.core.errors import UsageError

from . import output
from .commands import command, usage
from .cmd_records import open_ledger


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    p = command(sub, "export", "io.cli.export")
    kinds = p.add_subparsers(dest="export_type", metavar="TYPE", parser_class=type(p))
    for rtype in ids.RECORD_TYPES:
        k = kinds.add_parser(rtype, help=t("io.cli.export_type", type=t(f"audit.rtype.{rtype}")))
        k.add_argument("--format", choices=("xlsx", "csv"), help=t("io.cli.format"))
        k.add_argument("--where", action="append", default=[], metavar="FIELD=VALUE", help=t("cli.list_where"))
        k.add_argument("-o", "--out", metavar="FILE", help=t("io.cli.out"))
        k.set_defaults(handler=cmd_export, record_type=rtype)
    k = command(kinds, "notice", "privacy.cmd.notice")
    k.add_argument("--term", help=t("io.cli.term"))
    k.add_argument("--format", choices=("csv", "md", "xlsx"), help=t("io.cli.format"))
    k.add_argument("-o", "--out", metavar="FILE", help=t("io.cli.notice_out"))
    k.add_argument("--no-mask", action="store_true", help=t("io.cli.no_mask"))
    k.add_argument("--start", metavar="DATE", help=t("io.cli.notice_start"))
    k.add_argument("--days", type=int, default=5, help=t("io.cli.notice_days"))
    k.add_argument("--school", metavar="ID", help=t("io.cli.notice_school"))
    k.set_defaults(handler=cmd_notice)
    p.set_defaults(handler=lambda args: usage(p))

    p = command(sub, "import", "io.cli.import", epilog=t("io.cli.import_epilog"))
    p.add_argument("type", choices=ids.RECORD_TYPES, metavar="TYPE",
                   help=t("io.cli.import_type", types=", ".join(ids.RECORD_TYPES)))
    p.add_argument("file", help=t("io.cli.import_file"))
    p.add_argument("--mapping", metavar="FILE", help=t("io.cli.mapping"))
    p.add_argument("--skip-invalid", action="store_true", help=t("io.cli.skip_invalid"))
    p.add_argument("--id-changed", choices=("update", "new"), help=t("io.cli.id_changed"))
    p.add_argument("--report", metavar="FILE", help=t("io.cli.import_report"))
    p.add_argument("--dry-run", action="store_true", help=t("io.cli.dry_run"))
    p.set_defaults(handler=cmd_import)


def progress_printer():
    """Progress on stderr when it is a terminal (a long export or import must not look hung)."""
    if not sys.stderr.isatty() or output.JSON:
        return None, lambda: None
    state = {"shown": False}

    def show(what: str, done: int, total: int) -> None:
        sys.stderr.write("\r\x1b[K" + i18n.t("io.progress.line", what=what, done=done, total=total))
        sys.stderr.flush()
        state["shown"] = True

    def finish() -> None:
        if state["shown"]:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
    return show, finish


def _out_path(args, fmt: str, default: str) -> Path:
    return Path(args.out) if args.out else Path(default)


# ---- export ------------------------------------------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    from store.io import export

    ledger = open_ledger(args)
    fmt = args.format or (export.format_of(Path(args.out)) if args.out and args.out != "-" else "xlsx")
    lay = export.layout(ledger.schemas(), args.record_type)
    show, finish = progress_printer()
    if args.out == "-":
        if fmt != "csv":
            raise UsageError("io.cli.stdout_csv_only")
        records = export.select(ledger, args.record_type, args.where)
        export.write_csv_to(ledger, lay, records, sys.stdout)
        output.unreadable(ledger, args.record_type)
        return 0
    path = _out_path(args, fmt, export.default_name(lay, fmt))
    try:
        count = export.export(ledger, args.record_type, path, fmt, where=args.where, progress=show)
    finally:
        finish()
    if output.JSON:
        output.data({"path": str(path.resolve()), "count": count, "format": fmt})
    else:
        output.out(i18n.t("io.export.done", count=count, what=lay.main.title, path=path))
    output.unreadable(ledger, args.record_type)
    return 0


def cmd_notice(args: argparse.Namespace) -> int:
    from store.figures.dashboard import term_of
    from store.privacy.notice import build_notice, write_notice

    ledger = open_ledger(args)
    term = args.term or term_of(clock.today())
    kwargs = {"start": args.start, "days": args.days, "school": args.school}
    notice = build_notice(ledger, term, mask_names=not args.no_mask,
                          **{k: v for k, v in kwargs.items() if v is not None})
    write_notice(notice, args.out, args.format)
    if args.out and args.out != "-":
        output.err(i18n.t("io.export.notice_done", path=args.out))
    return 0


# ---- import -----------------------------------------------------------------------------------------

def cmd_import(args: argparse.Namespace) -> int:
    from store.io import importer

    ledger = open_ledger(args, write=not args.dry_run)
    mapping = importer.Mapping.load(args.mapping)
    show, finish = progress_printer()
    source = Path(args.file)
    try:
        # A real import leaves the schemas and rules to the commit (one check per record, not
        # two); a dry run has no commit, so it checks here.
        pv = importer.preview(ledger, args.type, source, mapping=mapping, progress=show, check=args.dry_run,
                              id_changed=args.id_changed)
        result = importer.Result(None, 0, 0, pv.count("same"), len(pv.bad))
        if not args.dry_run:
            result = importer.commit(ledger, pv, skip_invalid=args.skip_invalid, progress=show)
    finally:
        finish()
    problems = pv.all_problems()
    errors = [p for p in problems if p.level == "error"]
    rejects = None
    if errors:
        rejects = Path(args.report) if args.report else importer.rejects_path(source)
        importer.write_rejects(pv, rejects)
    committed = result.commit is not None
    if output.JSON:
        output.data({"file": str(source), "rows": len(pv.items), "valid": len(pv.good), "bad": len(pv.bad),
                     "added": result.added if committed else 0, "updated": result.updated if committed else 0,
                     "unchanged": pv.count("same"), "commit": result.commit,
                     "problems": [p.as_json() for p in problems], "notes": pv.notes,
                     "rejects": str(rejects) if rejects else None})
    else:
        _print_import(pv, result, errors, problems, rejects, args)
    if pv.fatal or (errors and not args.skip_invalid):
        return 1
    return 0


def _print_import(pv, result, errors, problems, rejects, args) -> None:
    for note in pv.notes:
        output.err(note)
    output.out(i18n.t("io.import.summary", path=args.file, total=len(pv.items), good=len(pv.good),
                      added=pv.count("add"), updated=pv.count("update"), same=pv.count("same"), bad=len(pv.bad)))
    if errors:
        rows = [[p.sheet, str(p.row or ""), p.column, p.value, p.reason] for p in errors[:200]]
        output.table(rows, [i18n.t(f"io.import.col_{c}") for c in ("sheet", "row", "column", "value", "reason")])
        if len(errors) > 200:
            output.out(i18n.t("io.import.more", count=len(errors) - 200, path=rejects))
    warnings = [p for p in problems if p.level == "warning"]
    if warnings:
        output.out(i18n.t("io.import.warnings", count=len(warnings)))
        for p in warnings[:50]:
            output.out(f"  {p.sheet} {p.row} {p.column}: {p.reason}")
    if (hint := pv.mapping_hint()):
        output.out(hint)
    if rejects:
        output.out(i18n.t("io.import.rejects_written", path=rejects))
    if args.dry_run:
        output.out(i18n.t("io.cli.dry_run_done"))
    elif result.commit:
        output.out(i18n.t("io.import.committed", added=result.added, updated=result.updated,
                          commit=result.commit[:10]))
    elif errors and not args.skip_invalid or pv.fatal:
        output.out(i18n.t("io.import.nothing_committed"))
    else:
        output.out(i18n.t("io.import.nothing_to_do"))
