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
from typing import Callable

from store.aid import duty as aid_duty
from store.core import ids
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


# A ledger this large has its figures worked out in a process of their own (store/figures/apart.py):
# at 1M records the working-out walks 250,000 students and grew a dashboard by 170 MB that it kept;
# below it, starting that process (0.3 s) costs more than the working-out.
APART_FROM = 100_000


def term_figures(ledger, term: str, today: dt.date, *, apart: bool | None = None,
                 stop: Callable[[], bool] = lambda: False) -> TermFigures:
    """The figures of a term as of today, remembered for this version of the ledger. Worked out
    in a process of their own when the ledger holds APART_FROM records or more (`apart` None) or
    `apart` says so; `stop()`: they are no longer wanted (store/ledger/ledger.py `remembered`).
    (What the walks over every student read is handed back to the system once the figures are
    worked out here: store/ledger/ledger.py `remembered`. No collection of cycles: the walks
    leave none, and a collection over all a dashboard holds kept its event loop, in the other
    thread, from painting for 0.5 s.)"""
    def elsewhere() -> list[str] | None:
        if apart is False or (apart is None and ledger.count() < APART_FROM):
            return None
        return ["store.figures.apart", str(ledger.path), term, today.isoformat(),
                *(["--read-only"] if ledger.read_only else [])]
    return ledger.remembered(MEMO, _key(term, today), lambda: work_out(ledger, term, today), apart=elsewhere,
                             stop=stop)


def remembered(ledger, term: str, today: dt.date, at: str | None = None) -> bool:
    """Whether the figures of this term and day are kept for the ledger's tip (or commit `at`)."""
    return ledger.remembers(MEMO, _key(term, today), at)


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
    return held_compactly(TermFigures(term, plans, aid, months, paid, tuple(sorted(ledger.broken))))


def held_compactly(figures: TermFigures) -> TermFigures:
    """The same figures with every list of record ids held as numbers into one table of the ids
    (store/core/ids.py `IdTable`): what a dashboard keeps for as long as it shows them, and what is
    remembered on disk and read back."""
    table = ids.IdTable()
    held = table.list
    replace = dataclasses.replace
    aid = figures.aid
    duty = replace(aid.duty, programmes=tuple(
        replace(p, payments=held(p.payments), due=aid_duty.held_in(p.due, table), unpaid=aid_duty.held_in(p.unpaid, table))
        for p in aid.duty.programmes))
    aid = replace(aid, by_status={k: held(v) for k, v in aid.by_status.items()},
                  by_group={k: held(v) for k, v in aid.by_group.items()},
                  programmes=tuple(replace(p, payments=held(p.payments), off=held(p.off), unchecked=held(p.unchecked))
                                   for p in aid.programmes), duty=duty)
    plans = [replace(p, visits=held(p.visits), targets=tuple(replace(t, records=held(t.records)) for t in p.targets))
             for p in figures.plans]
    months = {plan: [replace(bar, records=held(bar.records)) for bar in bars] for plan, bars in figures.months.items()}
    table.done()
    return replace(figures, plans=plans, aid=aid, months=months)
