"""The `bangfu` command: a scriptable front door to the ledger (and to the dashboard).

Exit codes: 0 ok, 1 invalid input or a rule broken, 2 usage, 3 conflict.
Every failure is a message in the user's language; a traceback only ever goes to
the crash log, never to the screen.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from store.core import clock, crashlog, i18n
from store.core.errors import BangfuError, UsageError
from store.core.ids import BadId
from store.core.text import wrap_cells
from store.ledger.gitstore import GitFailed

from . import output

Handler = Callable[[argparse.Namespace], int]


# argparse's own words (usage, "positional arguments", its errors) from our catalogue: argparse asks
# gettext for each through its module's `_` and `ngettext`, the hook it offers for translations.
ARGPARSE_WORDS = {
    "usage: ": "usage", "positional arguments": "positional", "options": "options",
    "show this help message and exit": "help", "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "the following arguments are required: %s": "required", "unrecognized arguments: %s": "unrecognized",
    "expected one argument": "expected_one", "expected at least one argument": "expected_at_least_one",
    "expected at most one argument": "expected_at_most_one", "invalid %(type)s value: %(value)r": "invalid_value",
    "argument %(argument_name)s: %(message)s": "argument", "ambiguous option: %(option)s could match %(matches)s":
    "ambiguous", "not allowed with argument %s": "not_allowed_with", "one of the arguments %s is required":
    "one_required", "ignored explicit argument %r": "ignored_explicit",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "unknown_parser",
    "expected %s argument": "expected_n_one", "expected %s arguments": "expected_n",
}


def argparse_text(message: str) -> str:
    key = ARGPARSE_WORDS.get(message)
    return i18n.t(f"cli.argparse.{key}") if key else message


argparse._ = argparse_text
argparse.ngettext = lambda one, many, n: argparse_text(one if n == 1 else many)

GLOBAL_FLAGS = {"--json", "--read-only"}
GLOBAL_VALUED = {"-L", "--ledger", "--lang"}


def globals_first(argv: list[str]) -> list[str]:
    """The options of `bangfu` itself (-L, --lang, --json, --read-only) wherever they are typed:
    `bangfu list plan --json`, `bangfu show ID --lang en` mean what they say."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        name = arg.split("=", 1)[0]
        if arg in GLOBAL_FLAGS or (name in GLOBAL_VALUED and "=" in arg and name.startswith("--")):
            front.append(arg)
        elif arg in GLOBAL_VALUED and i + 1 < len(argv):
            front += argv[i:i + 2]
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


class HelpFormatter(argparse.HelpFormatter):
    """Help wrapped by the cells Chinese takes on a terminal."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_cells(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap_cells(text, width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix) -> str:  # type: ignore[override]
        # (用法： is three characters and six cells: argparse counts characters, and a usage line it
        # thought fitted ran one to three cells past an 80-column terminal)
        from rich.cells import cell_len

        shown = argparse_text("usage: ") if prefix is None else prefix
        wider = cell_len(shown) - len(shown)
        self._width -= wider
        try:
            return super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += wider


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in the user's language, with exit code 2."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def _check_value(self, action: argparse.Action, value: object) -> None:  # type: ignore[override]
        # An unknown command is answered with the commands the help lists, not with those git runs
        # (merge-driver, hook: registered without help, never typed by a person).
        if isinstance(action, argparse._SubParsersAction) and value not in action.choices:
            listed = ", ".join(repr(choice.dest) for choice in action._choices_actions)
            raise argparse.ArgumentError(action, argparse_text("invalid choice: %(value)r (choose from %(choices)s)")
                                         % {"value": value, "choices": listed})
        super()._check_value(action, value)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        output.err(i18n.t("cli.usage_error", prog=self.prog, detail=message))
        raise SystemExit(2)


def build_parser(argv: list[str] = ()) -> Parser:
    """The parser of every command, or of the one git runs when `argv` is its call (GIT_CALLS)."""
    p = Parser(prog="bangfu", description=i18n.t("cli.description"))
    p.add_argument("-L", "--ledger", metavar="PATH", help=i18n.t("cli.opt_ledger"))
    p.add_argument("--lang", choices=i18n.LANGS, help=i18n.t("cli.opt_lang"))
    p.add_argument("--json", action="store_true", help=i18n.t("cli.opt_json"))
    p.add_argument("--read-only", action="store_true", help=i18n.t("cli.opt_read_only"))
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in command_modules(GIT_CALLS.get(argv[0]) if argv else None):
        module.register(sub)
    return p


# Commands git runs, and the module of each: the hub's hook on every push, the merge driver on
# every record a plain `git pull` merges. Their process starts with their module alone, not with
# every command's (importing all of them and building their parsers was a third of a hook's start).
GIT_CALLS = {"hook": "cmd_sync", "merge-driver": "cmd_sync"}


def command_modules(only: str | None = None) -> list:
    """Every bangfu/cmd_*.py registers its own subcommands (`only`: that one module)."""
    import importlib
    import pkgutil

    if only:
        return [importlib.import_module(f"bangfu.{only}")]
    package = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(package)]) if m.name.startswith("cmd_"))
    names.sort(key=lambda name: HELP_ORDER.index(name) if name in HELP_ORDER else len(HELP_ORDER))
    return [importlib.import_module(f"bangfu.{name}") for name in names]


# The order `bangfu --help` lists the commands in: a newcomer's first (init, add, show, list) on top,
# not promote and the notices, which came first by their module's name.
HELP_ORDER = ("cmd_records", "cmd_export", "cmd_report", "cmd_sync", "cmd_audit", "cmd_aid", "cmd_recognition",
              "cmd_batch", "cmd_privacy", "cmd_demo")


def main(argv: list[str] | None = None) -> int:
    argv = globals_first(list(sys.argv[1:] if argv is None else argv))
    _early_lang(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.lang:
        i18n.set_lang(args.lang)
    output.JSON = args.json
    handler: Handler | None = getattr(args, "handler", None)
    try:
        clock.pinned()   # a malformed BANGFU_TODAY is said before any work, whatever the command
        if handler is None:
            return _open_dashboard(args)
        return handler(args)
    except BangfuError as exc:
        output.fail(exc, getattr(args, "opened", None))
        return exc.exit_code
    except BadId as exc:
        # (shown as JSON: a newline or a control character in it is seen, not acted on)
        output.err(i18n.t("error.bad_id", value=json.dumps(exc.value, ensure_ascii=False)[:80]))
        return 1
    except KeyboardInterrupt:
        output.err(i18n.t("cli.interrupted"))
        return 130
    except PermissionError as exc:
        output.err(i18n.t("error.unreadable", path=exc.filename or "?", detail=i18n.os_reason(exc)))
        return 1
    except GitFailed as exc:
        output.err(i18n.t("error.git_failed", detail=exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else str(exc)))
        return 1
    except BrokenPipeError as exc:
        if _stdout_gone():   # `bangfu list … | head`: the reader has all it wanted
            _discard_stdout()
            return 0
        return _crash(exc)
    except Exception as exc:  # the last line of defence: a message, and the details in a log
        return _crash(exc)


def _crash(exc: BaseException) -> int:
    """Exit 1 with a message: no exception ends a command silently or with a traceback."""
    try:
        log = crashlog.write(exc, " ".join(sys.argv))
        output.err(i18n.t("cli.crash", log=log))
    except Exception:   # (no room for the log, stderr gone: the exit code still tells)
        try:
            output.err(i18n.t("cli.crash_unlogged", error=type(exc).__name__))
        except Exception:
            pass
    return 1


def _stdout_gone() -> bool:
    """Whether our standard output is a pipe nobody reads any more (a broken pipe may also come
    from a pipe to git, which is a failure like any other)."""
    import select
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _fd, event in poll.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _discard_stdout() -> None:
    # Python flushes stdout again on exit; into a closed pipe that prints an error of its own.
    import os
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _open_dashboard(args: argparse.Namespace) -> int:
    from store import Ledger
    try:
        from tui.app import run as run_tui
    except ImportError:
        build_parser().print_help()
        return 0
    ledger = Ledger.open(args.ledger, read_only=args.read_only)
    return run_tui(ledger, read_only=args.read_only)


def _early_lang(argv: list[str]) -> None:
    # Help texts are built before parsing, so pick the language first.
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv) and argv[i + 1] in i18n.LANGS:
            i18n.set_lang(argv[i + 1])
        elif a.startswith("--lang=") and a.split("=", 1)[1] in i18n.LANGS:
            i18n.set_lang(a.split("=", 1)[1])


def usage(key: str, /, **params: object) -> UsageError:
    return UsageError(key, **params)


if __name__ == "__main__":
    raise SystemExit(main())
