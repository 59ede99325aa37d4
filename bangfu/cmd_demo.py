"""`bangfu demo`: a fresh demo ledger built from the project's records/, opened in the dashboard."""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from store.core import i18n
from store.core.errors import UsageError

from . import output
from .commands import command


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    p = command(sub, "demo", "cli.demo")
    p.add_argument("path", nargs="?", help=t("cli.demo_path"))
    p.add_argument("--records", type=int, default=0, metavar="N", help=t("cli.demo_records"))
    p.add_argument("--no-tui", action="store_true", help=t("cli.demo_no_tui"))
    p.add_argument("--shared", action="store_true", help=t("cli.init_shared"))
    p.add_argument("--group", help=t("cli.init_group"))
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from store.demo.build import build_demo

    if args.records < 0:
        raise UsageError("cli.demo_negative")
    # A throw-away demo keeps its key beside it in the same temporary folder, not among the user's keys.
    folder = None if args.path else Path(tempfile.mkdtemp(prefix="bangfu-demo-"))
    path = Path(args.path) if args.path else folder / "ledger"

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            sys.stderr.write("\r" + i18n.t("cli.demo_progress", done=done, total=total))
            sys.stderr.flush()

    ledger = build_demo(path, records=args.records, progress=progress,
                        keyfile=folder / "keys.json" if folder else None, shared=args.shared, group=args.group)
    if sys.stderr.isatty() and args.records:
        sys.stderr.write("\n")
    if output.JSON:
        output.data({"path": str(path.resolve()), "records": ledger.count()})
    else:
        output.out(str(path.resolve()))
    if args.no_tui:
        return 0
    try:
        from tui.app import run as run_tui
    except ImportError:
        return 0
    return run_tui(ledger, read_only=args.read_only, notice=i18n.t("cli.demo_opened", path=str(path.resolve())))
