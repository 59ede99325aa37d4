"""Declaring a subcommand: its help line and its description are the same catalogue text."""
from __future__ import annotations

import argparse

from store.core import i18n


def command(sub: argparse._SubParsersAction, name: str, key: str, **kwargs) -> argparse.ArgumentParser:
    text = i18n.t(key)
    return sub.add_parser(name, help=text, description=text, **kwargs)

