"""When a term closes for the audit: at its end, or when the ledger's `closed_through` setting
in bangfu.json covers it. A closed term's payments are no longer edited (the audit reports such
an edit in history written without a hub; the hub refuses one)."""
from __future__ import annotations

import datetime as dt
import re

_TERM = re.compile(r"(\d{4})-(\d{4})-([12])")


def term_end(term: str) -> dt.date | None:
    """The last day of a term: 2024-2025-1 ends 2025-01-31, 2024-2025-2 ends 2025-08-31."""
    m = _TERM.fullmatch(term) if isinstance(term, str) else None
    if not m:
        return None
    year = int(m.group(2))
    return dt.date(year, 1, 31) if m.group(3) == "1" else dt.date(year, 8, 31)


def term_start(term: str) -> dt.date | None:
    """The first day of a term: 2024-2025-1 starts 2024-09-01, 2024-2025-2 starts 2025-02-01."""
    m = _TERM.fullmatch(term) if isinstance(term, str) else None
    if not m:
        return None
    return dt.date(int(m.group(1)), 9, 1) if m.group(3) == "1" else dt.date(int(m.group(2)), 2, 1)


def _term_key(term: str) -> tuple[int, int] | None:
    m = _TERM.fullmatch(term) if isinstance(term, str) else None
    return (int(m.group(1)), int(m.group(3))) if m else None


def closed(term: str, on: dt.date, closed_through: str | None = None) -> str | None:
    """Why a term is closed on a date ('ended' / 'setting'), or None while it is open."""
    end = term_end(term)
    if end and on > end:
        return "ended"
    if closed_through and _term_key(term) and _term_key(closed_through) and _term_key(term) <= _term_key(closed_through):
        return "setting"
    return None
