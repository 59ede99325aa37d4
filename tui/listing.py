"""What a section's list reads, apart from the screen (bench/bench_scale.py reads it the same way).

The list of a type that belongs to a school year (store/rules/calendar.py `YEAR_FIELDS`: the
activities by their date, the payments by their term) shows one school year at a time: the
records of that year, read through the index of the field that places them (SQLite's, on disk),
in the list's order, and the typed filter picks among those. A county's decade holds ten school
years: a list of every activity read and sorted all 400,000 at a million records (8 to 10 s of
processor time) and held their ids for the filter; the year a coordinator works in is a tenth of
that. Every year, or the records behind a dashboard figure (whatever their year), are one choice away.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from store.core import i18n
from store.rules import calendar

from .columns import COLUMNS, Names
from .workers import settled

PAGE = 2000     # records read at a time for their sort keys


def yearly(record_type: str) -> bool:
    """Whether the list of this type shows a school year at a time."""
    return record_type in calendar.YEAR_FIELDS


@dataclass(frozen=True)
class Rows:
    ids: list[str]          # what the list shows, in its order
    total: int              # the records of the type, every year
    unsearched: int = 0     # records the filter did not see (their text index is being made)


class Listing:
    """The rows of one type's list: kept in order for as long as the ledger's tip stays, so each
    keystroke of the filter only searches."""

    def __init__(self, ledger, record_type: str, names: Names) -> None:
        self.ledger = ledger
        self.record_type = record_type
        self.names = names
        self._sorted: tuple[tuple, list[str]] = ((), [])
        self._counted: tuple[str | None, int] = (None, 0)

    def rows(self, column: int, reverse: bool, *, year: str | None = None, only: frozenset[str] | None = None,
             text: str = "", stop: Callable[[], bool] = lambda: False) -> Rows:
        """The ids shown: those of `only` (a dashboard figure's, whatever their year), else of the
        school year `year` (None: every year), in the list's order, holding `text` when given.
        (Not waiting for the text index: on a fresh cache at a million records it takes minutes;
        `unsearched` says how many records the filter did not see until it is made.)"""
        order = self.order(column, reverse, year=year, only=only)
        total = self.total()
        if not text.strip():
            return Rows(order, total)
        found = self.ledger.matching(order, text, stop=stop, types=[self.record_type], whole=False)
        return Rows(found, total, found.unsearched)

    def total(self) -> int:
        """The records of the type, every year (counted once per tip)."""
        tip, total = self._counted
        if tip != self.ledger.tip:
            tip = self.ledger.tip
            total = self.ledger.count(self.record_type)
            self._counted = (tip, total)
        return total

    def order(self, column: int, reverse: bool, *, year: str | None = None,
              only: frozenset[str] | None = None) -> list[str]:
        """The records' ids in the list's order, sorted again only when the tip or the choice moves."""
        if not yearly(self.record_type):
            year = None
        key = (self.ledger.tip, i18n.lang(), column, reverse, year, only)   # (some columns sort on translated words)
        kept_key, kept = self._sorted
        if kept_key == key:
            return kept
        col, names = COLUMNS[self.record_type][column], self.names
        # Each record's key read as the records go by, a page at a time: held all at once, the
        # 400,000 activities of a county's decade took 1.3 GB to sort. Ties in the order of the ids.
        keyed = settled(lambda: [(col.sort_key(r, names), r["id"]) for r in self._records(year, only)])
        keyed.sort(reverse=reverse)
        order = [rid for _key, rid in keyed]
        self._sorted = (key, order)
        return order

    def _records(self, year: str | None, only: frozenset[str] | None):
        if only is not None:
            # (a figure may name records of other types, or what is no id: not listed here)
            wanted = sorted(rid for rid in only if isinstance(rid, str) and rid.partition("-")[0] == self.record_type)
            for start in range(0, len(wanted), PAGE):
                yield from (r for r in self.ledger.index.get_many(wanted[start:start + PAGE]).values() if r)
        elif year is None:
            yield from self.ledger.walk(self.record_type)
        else:
            yield from self.ledger.walk(self.record_type, **calendar.year_filters(self.record_type, year))

    def years(self) -> list[str]:
        """The school years the records of the type belong to, newest first (read from the index of
        the field that places them, not from the records)."""
        field = calendar.YEAR_FIELDS[self.record_type]
        found = {calendar.year_of_value(self.record_type, v) for v in self.ledger.distinct(self.record_type, field)}
        return sorted((y for y in found if y), reverse=True)
