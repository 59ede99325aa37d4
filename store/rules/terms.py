"""Terms and their days, and when a term closes for the audit: at its end, or when the ledger's
`closed_through` setting in bangfu.json covers it. A closed term's payments are no longer edited
(the audit reports such an edit in history written without a hub; the hub refuses one)."""
from __future__ import annotations

import datetime as dt
import re

# A school year runs September to August: term 1 (autumn) Sep–Jan, term 2 (spring) Feb–Aug.
_TERM = re.compile(r"(\d{4})-(\d{4})-([12])")


def _parts(term: str) -> tuple[int, int]:
    """(first year, half) of a term such as 2024-2025-1; ValueError for anything else."""
    match = _TERM.fullmatch(term) if isinstance(term, str) else None
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(f"not a term: {term!r}")
    return int(match.group(1)), int(match.group(3))


def _term_key(term: str) -> tuple[int, int] | None:
    try:
        return _parts(term)
    except ValueError:
        return None


def is_term(text: str) -> bool:
    return _term_key(text) is not None


def term_span(term: str) -> tuple[dt.date, dt.date]:
    """First and last day of a term: 2024-2025-1 runs 2024-09-01 to 2025-01-31, 2024-2025-2
    2025-02-01 to 2025-08-31."""
    year, half = _parts(term)
    if half == 1:
        return dt.date(year, 9, 1), dt.date(year + 1, 1, 31)
    return dt.date(year + 1, 2, 1), dt.date(year + 1, 8, 31)


def term_start(term: str) -> dt.date | None:
    """The first day of a term; None for what is not a term."""
    return term_span(term)[0] if is_term(term) else None


def term_end(term: str) -> dt.date | None:
    """The last day of a term; None for what is not a term."""
    return term_span(term)[1] if is_term(term) else None


def school_year_span(term: str) -> tuple[dt.date, dt.date]:
    year, _half = _parts(term)
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


def shift_term(term: str, steps: int) -> str:
    """The term `steps` terms later (earlier when negative)."""
    year, half = _parts(term)
    index = year * 2 + (half - 1) + steps
    year, half = divmod(index, 2)
    return f"{year}-{year + 1}-{half + 1}"


def closed(term: str, on: dt.date, closed_through: str | None = None) -> str | None:
    """Why a term is closed on a date ('ended' / 'setting'), or None while it is open."""
    end = term_end(term)
    if end and on > end:
        return "ended"
    if closed_through and _term_key(term) and _term_key(closed_through) and _term_key(term) <= _term_key(closed_through):
        return "setting"
    return None


def payment_closed(old: dict | None, new: dict | None, on: dt.date, closed_through: str | None = None
                   ) -> tuple[str, str] | None:
    """(term, why) when changing the payment `old` into `new` (None: deleting it) on a date
    touches a closed term, by the term it was filed under or the one it would be: what was paid in
    a closed term stays as paid. The one rule of the ledger's guard (store/aid/closed.py), the
    hub and the audit. A new payment filed late is no change of a closed term's (`old` is None), nor
    is a rewrite that leaves the record as it was (`bangfu fmt`)."""
    if not old or old == new:
        return None
    for term in dict.fromkeys(v.get("term") for v in (old, new) if v and isinstance(v.get("term"), str)):
        why = closed(term, on, closed_through if isinstance(closed_through, str) else None)
        if why:
            return term, why
    return None
