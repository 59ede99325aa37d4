"""The home dashboard's figures for one term, in one bundle: each plan against its targets with
its activities per month, aid against the standards with what was paid per month.

Worked out once per version of the ledger, term and day, and remembered on disk under the
version's tree id (store/ledger/memo.py): opening the dashboard again shows them before a single
record has been read.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from store.figures import charts, dashboard
from store.core import money
from store.rules import calendar, checks as rules, schema
from store.twinning import measured, secondments, targets


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


@functools.lru_cache(maxsize=1)
def _code() -> str:
    """The code that works the figures out: after an upgrade that counts differently, figures
    kept for the same version of the ledger are worked out again."""
    digest = hashlib.sha1()
    for module in (sys.modules[__name__], dashboard, charts, rules, money, schema, calendar, targets, secondments,
                   measured):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def _key(term: str, today: dt.date) -> tuple:
    return term, today.isoformat(), _shape(), _code()


def term_figures(ledger, term: str, today: dt.date) -> TermFigures:
    """The figures of a term as of today, remembered for this version of the ledger."""
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
    paid = charts.aid_months(ledger.scan("aid", term=term), term)   # (aid.payments: one query, not one each)
    return TermFigures(term, plans, aid, months, paid, tuple(sorted(ledger.broken)))
