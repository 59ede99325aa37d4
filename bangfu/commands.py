"""Declaring a subcommand (its help line and its description are the same catalogue text), and what
the commands read from their arguments alike."""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from store.core import clock, i18n
from store.core.errors import UsageError


def command(sub: argparse._SubParsersAction, name: str, key: str, **kwargs) -> argparse.ArgumentParser:
    text = i18n.t(key)
    return sub.add_parser(name, help=text, description=text, **kwargs)



def usage(parser: argparse.ArgumentParser) -> int:
    """A group of commands called without one: its help on stderr, and the exit code of a usage error."""
    parser.print_help(sys.stderr)
    return 2


def day(value: str | None) -> dt.date:
    """A date typed as YYYY-MM-DD; today when none."""
    if not value:
        return clock.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError("privacy.notice.bad_date", value=value) from None
