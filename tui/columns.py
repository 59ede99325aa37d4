"""What the list of each record type shows: its columns, their texts and sort keys.

Values come from records, so they are plain text (never markup) and go through
`store.text.printable` before they reach the terminal.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from store.core import i18n
from store.rules import checks as rules
from store.core.describe import name_of
from store.core.money import yuan
from store.core.text import printable
from store.ledger.search import pinyin_order

SECTIONS = ("plan", "visit", "student", "aid", "school", "standard")
PAGES = ("home", *SECTIONS, "audit")     # keys 1-8
PAGE_KEY = "bangfu.go."                  # binding ids of the page keys: bangfu.go.<page>


class Names:
    """Names of referenced records, read from the ledger's index (no I/O)."""

    def __init__(self, ledger, today: dt.date):
        self.ledger = ledger
        self.today = today

    def __call__(self, record_id: object) -> str:
        return name_of(record_id, self.ledger)


@dataclass(frozen=True)
class Column:
    key: str                                   # tui.col.<key> in the catalogue
    text: Callable[[dict, Names], str]
    width: int                                 # cells it needs
    sort: Callable[[dict, Names], Any] | None = None
    flex: int = 0                              # share of the spare width
    right: bool = False                        # numbers are right-aligned
    keep: int = 0                              # higher stays longer when the list is narrow
    en_width: int = 0                          # cells it needs in English, when more

    @property
    def need(self) -> int:
        return max(self.width, self.en_width) if i18n.lang() == "en" else self.width

    @property
    def title(self) -> str:
        return i18n.t(f"tui.col.{self.key}")

    def cell(self, record: dict, names: Names) -> str:
        try:
            return printable(str(self.text(record, names)))
        except (TypeError, ValueError, KeyError, AttributeError):
            return "?"  # a damaged record still lists

    def sort_key(self, record: dict, names: Names) -> Any:
        try:
            value = self.sort(record, names) if self.sort else self.text(record, names)
        except (TypeError, ValueError, KeyError, AttributeError):
            value = None
        # Mixed or missing values must still sort: (missing last, numbers before text).
        if value is None or value == "":
            return (1, 0, "")
        return (0, 0, value) if isinstance(value, (int, float)) else (0, 1, pinyin_order(str(value)), str(value))


def _money(fen: object) -> str:
    return f"{yuan(int(fen))}" if isinstance(fen, int) else ""


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value)


def _route(record: dict, names: Names) -> str:
    host, guest = names(record.get("host_school")), names(record.get("visiting_school"))
    return f"{guest} → {host}" if guest else host


def _parties(record: dict, names: Names) -> str:
    parties = record.get("parties") or []
    helping = "、".join(names(p.get("school")) for p in parties if p.get("role") == "帮扶")
    helped = "、".join(names(p.get("school")) for p in parties if p.get("role") == "受帮扶")
    return f"{helping} → {helped}"


def _period(record: dict, names: Names) -> str:
    period = record.get("period") or {}
    return f"{period.get('start', '')}–{period.get('end', '')}"


def _student_name(record: dict, names: Names) -> str:
    return names(record.get("student"))


def _boarding(value: object) -> str:
    return {True: i18n.t("tui.word.boarding"), False: i18n.t("tui.word.day")}.get(value, "")


def _status(record: dict, names: Names) -> str:
    return i18n.value(rules.student_status(record, names.today))


def _per_unit(record: dict, names: Names) -> str:
    return f"{_money(record.get('amount_fen'))}/{_value(record.get('unit'))}"


def _value(stored: object) -> str:
    """An enumerated value in the user's language (records keep the Chinese)."""
    return "" if stored is None else i18n.value(stored)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "plan": (
        Column("title", lambda r, n: r.get("title", ""), 20, flex=3, keep=9),
        Column("parties", _parties, 16, flex=1, keep=5),
        Column("period", _period, 21, sort=lambda r, n: (r.get("period") or {}).get("start"), keep=4),
        Column("status", lambda r, n: _value(r.get("status")), 6, keep=8),
    ),
    "visit": (
        Column("date", lambda r, n: r.get("date", ""), 10, keep=9),
        Column("kind", lambda r, n: _value(r.get("kind")), 8, keep=8, en_width=14),
        Column("route", _route, 19, keep=7),
        Column("hours", lambda r, n: _number(r.get("hours")), 4, sort=lambda r, n: r.get("hours"), right=True,
               keep=3, en_width=5),
        Column("topic", lambda r, n: r.get("topic", ""), 10, flex=1, keep=5),
    ),
    "student": (
        Column("student_name", lambda r, n: r.get("name", ""), 8, keep=9),
        Column("sex", lambda r, n: _value(r.get("sex")), 4, keep=2, en_width=6),
        Column("school", lambda r, n: n(r.get("school")), 8, flex=1, keep=6),
        Column("grade", lambda r, n: f"{r.get('grade', '')}{r.get('class_name', '')}", 10, keep=5),
        Column("groups", lambda r, n: i18n.values(r.get("groups") or []), 8, flex=1, keep=4),
        Column("difficulty", lambda r, n: _value(r.get("difficulty")), 8, keep=3),
        Column("status", _status, 8, keep=8, en_width=12),
    ),
    "aid": (
        Column("student", _student_name, 8, keep=9),
        Column("programme", lambda r, n: _value(r.get("programme")), 12, flex=1, keep=8),
        Column("term", lambda r, n: r.get("term", ""), 11, keep=7),
        Column("amount", lambda r, n: _money(r.get("amount_fen")), 10, sort=lambda r, n: r.get("amount_fen"),
               right=True, keep=8),
        Column("paid_on", lambda r, n: r.get("paid_on", ""), 10, keep=4),
        Column("source", lambda r, n: _value(r.get("source")), 8, keep=2),
    ),
    "school": (
        Column("school_name", lambda r, n: r.get("name", ""), 16, flex=2, keep=9),
        Column("short_name", lambda r, n: r.get("short_name", ""), 8, keep=4),
        Column("stage", lambda r, n: _value(r.get("stage")), 10, keep=6),
        Column("place", lambda r, n: f"{r.get('county', '')}{r.get('township', '')}", 10, flex=1, keep=5),
        Column("area", lambda r, n: _value(r.get("area")), 4, keep=3),
        Column("students", lambda r, n: _number((r.get("headcount") or {}).get("students")), 6,
               sort=lambda r, n: (r.get("headcount") or {}).get("students"), right=True, keep=2),
    ),
    "standard": (
        Column("programme", lambda r, n: _value(r.get("programme")), 12, flex=2, keep=9),
        Column("stage", lambda r, n: _value(r.get("stage")), 4, keep=7),
        Column("boarding", lambda r, n: _boarding(r.get("boarding")), 4, keep=5),
        Column("amount", _per_unit, 12, sort=lambda r, n: r.get("amount_fen"), right=True, keep=8),
        Column("region", lambda r, n: r.get("region", ""), 8, flex=1, keep=3),
        Column("valid", lambda r, n: f"{r.get('valid_from', '')}–{r.get('valid_to', '')}", 21,
               sort=lambda r, n: r.get("valid_from"), keep=4),
    ),
}

# The order a list opens in: (column index, newest/largest first?).
DEFAULT_SORT: dict[str, tuple[int, bool]] = {
    "plan": (2, True), "visit": (0, True), "student": (0, False), "aid": (4, True), "school": (0, False),
    "standard": (0, False),
}


def fit(columns: tuple[Column, ...], width: int, gap: int = 1) -> list[tuple[int, int]]:
    """(column index, width) of the columns that fit in `width` cells: the least important
    columns go first when the list is narrow, spare width goes to the flexible ones."""
    shown = list(range(len(columns)))
    while len(shown) > 1 and sum(columns[i].need for i in shown) + gap * (len(shown) - 1) > width:
        shown.remove(min(shown, key=lambda i: columns[i].keep))
    used = sum(columns[i].need for i in shown) + gap * (len(shown) - 1)
    spare = max(0, width - used)
    flex_total = sum(columns[i].flex for i in shown)
    widths = {i: columns[i].need for i in shown}
    if flex_total:
        given = 0
        flexible = [i for i in shown if columns[i].flex]
        for n, i in enumerate(flexible):
            share = spare - given if n == len(flexible) - 1 else spare * columns[i].flex // flex_total
            widths[i] += share
            given += share
    elif shown:
        widths[shown[-1]] += spare
    if len(shown) == 1:
        widths[shown[0]] = max(1, width)
    return [(i, widths[i]) for i in shown]
