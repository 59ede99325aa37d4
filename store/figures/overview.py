"""The home dashboard's figures for one term, in one bundle: each plan against its targets with
its activities per month, aid against the standards with what was paid per month.

Worked out once per version of the ledger, term, day and version of the code that works them
out, and remembered on disk under the ledger version's tree id (store/ledger/memo.py): opening the
dashboard again shows them before a single record has been read.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from store.figures import charts, code, dashboard


MEMO = "term-figures"


@dataclass(frozen=True)
class TermFigures:
    term: str
    plans: list[dashboard.PlanProgress]
    aid: dashboard.AidSummary
    months: dict[str, list[charts.MonthBar]]      # plan id -> activities per month against its schedule
    aid_months: list[charts.AidMonth]             # aid paid per month of the term
    unreadable: tuple[str, ...] = ()              # record files that do not parse: the figures lack them


def _shape() -> tuple:
    """The fields of everything remembered: figures kept by an older version of Bangfu whose
    classes had other fields are worked out again, not shown half-filled."""
    kinds = (TermFigures, dashboard.PlanProgress, dashboard.TargetProgress, dashboard.ShortSecondment,
             dashboard.AidSummary, dashboard.ProgrammeFigures, charts.MonthBar, charts.AidMonth)
    return tuple((k.__name__, *(f.name for f in dataclasses.fields(k))) for k in kinds)


def _key(term: str, today: dt.date) -> tuple:
    return term, today.isoformat(), _shape(), code.digest(Path(__file__))


def term_figures(ledger, term: str, today: dt.date) -> TermFigures:
    """The figures of a term as of today, remembered for this version of the ledger. (What the
    walks over every student read is handed back to the system once the figures are worked out:
    store/ledger/ledger.py `remembered`. No collection of cycles: the walks leave none, and a
    collection over all a dashboard holds kept its event loop, in the other thread, from painting
    for 0.5 s.)"""
    return ledger.remembered(MEMO, _key(term, today), lambda: work_out(ledger, term, today))


def remembered(ledger, term: str, today: dt.date) -> bool:
    """Whether the figures of this term and day are kept for the ledger's tip."""
    return ledger.remembers(MEMO, _key(term, today))


def work_out(ledger, term: str, today: dt.date) -> TermFigures:
    plans = dashboard.plan_progress(ledger, term, today=today)
    aid = dashboard.aid_summary(ledger, term, today=today)
    months = {}
    for p in plans:
        if p.in_term:
            months[p.plan] = charts.activity_months(ledger.peek([p.plan])[0], [v for v in ledger.peek(p.visits) if v],
                                                    p.start, p.end, today)
    with contextlib.closing(ledger.walk("aid", term=term)) as payments:   # (a page at a time; the walk holds the ledger still)
        paid = charts.aid_months(payments, term)
    return TermFigures(term, plans, aid, months, paid, tuple(sorted(ledger.broken)))
