"""The year-end summary draft (工作总结初稿): every figure a county's twinning summary carries,
filled from the ledger, with marked places for what people write (measures, typical cases,
problems, next steps). Markdown that a word processor opens (pandoc, WPS, Word).

The figures are store/figures/period.py's; nothing here counts anything itself.
"""
from __future__ import annotations

from typing import Any

from store.core import i18n
from store.core.money import yuan
from store.figures.dashboard import term_of
from store.figures.period import PeriodFigures
from store.io import export, period_report

# What a coordinator still writes: a marker no ledger text can look like by accident.
TO_WRITE = "【{what}】"


def T(key: str, **params: Any) -> str:
    return i18n.t(f"io.summary.{key}", **params)


def _write(what: str) -> str:
    return TO_WRITE.format(what=T("to_write", what=T(f"write_{what}")))


def _list(items: list[str]) -> str:
    return i18n.listing(items)


def _missed(p, term, t) -> str:
    """A target missed, in the stretch it counts over: a term, a school year, the plan."""
    if t.per == "全程":
        return T("missed_plan", plan=p.title, target=t.label)
    if t.per == "学年":
        return T("missed_year", plan=p.title, target=t.label, year=term_of(term.start)[:9])
    return T("missed", plan=p.title, target=t.label, term=term_of(term.start))


def draft(f: PeriodFigures) -> str:
    n = f.names
    md = lambda x: str(x).replace("\n", " ")  # noqa: E731  (a line of text stays one line)
    L = [f"# {md(T('title', unit=f.scope.name, period=period_report.period_words(f)))}", "",
         f"> {T('source', ledger=f.ledger_name, commit=f.commit[:12], date=f.today.isoformat())}", ""]

    L += [f"## {T('h_basics')}", ""]
    L += [f"- {T('schools', level=period_report.level_word(f.scope.level), supporting=len(f.supporting), supported=len(f.supported), plans=len(f.plans))}"]
    both = sorted(set(f.supporting) & set(f.supported), key=lambda s: n.get(s, s))
    if both:
        L += [f"- {T('both', schools=_list([n.get(s, s) for s in both]))}"]
    pairs = dict.fromkeys(x for p in f.plans for x in p.pairs)     # a pair in two plans is said once
    L += [f"- {T('pair', supporter=n.get(x.supporter, x.supporter), supported=n.get(x.supported, x.supported), dims=i18n.values(list(x.dimensions)) or '—')}"
          for x in pairs]
    L += ["", _write("basis"), ""]

    L += [f"## {T('h_organisation')}", ""]
    for p in f.plans:
        heads = [name for role, name, _pos, _s in p.leading_group if role == "组长"]
        L += [f"- {md(T('plan', title=p.title, start=p.start, end=p.end, status=p.status))}"]
        if p.leading_group:
            L += [f"  - {T('group', heads=_list(heads) or '—', members=len(p.leading_group))}"]
        for area, text in p.goals:
            L += [f"  - {md(T('goal', area=area, text=text))}"]
        if p.budget_fen is not None:
            L += [f"  - {T('budget', amount=yuan(p.budget_fen))}"]
    L += ["", _write("organisation"), ""]

    L += [f"## {T('h_measures')}", ""]
    if f.kinds:
        L += [f"- {T('activities', count=len(f.visits), kinds=_list([T('kind', kind=k.kind, count=k.count) for k in f.kinds]))}"]
    L += [f"- {T('hours', hours=period_report._num(f.hours_sent), lectures=f.lectures)}"]
    if f.batches:
        last = f.batches[-1]
        L += [f"- {T('secondments', people=last.total_people, times=last.total_times, batches=len(f.batches))}"]
        L += [f"  - {T('batch', batch=b.batch, first=b.first_day, people=b.people, times=b.times)}" for b in f.batches]
    served = [s for s in f.service if s.years]
    if served:
        L += [f"- {T('service', count=len(served))}"]
    if f.donations:
        L += [f"- {T('donations', cash=yuan(f.cash_fen), goods=yuan(f.goods_fen), total=yuan(f.cash_fen + f.goods_fen))}"]
        L += [f"  - {md(T('donor', donor=d, cash=yuan(c), goods=yuan(g)))}" for d, c, g in f.by("donor")]
    L += ["", _write("measures"), ""]

    L += [f"## {T('h_results')}", ""]
    met = [(p, t) for p, _term, t in f.targets() if t.met is True]
    missed = [(p, term, t) for p, term, t in f.targets() if t.met is False and not t.open]
    running = [(p, t) for p, _term, t in f.targets() if t.open]
    L += [f"- {T('targets', met=len(met), missed=len(missed), open=len(running))}"]
    unmeasured = list(dict.fromkeys(f"{p.title}·{t.label}" for p, _term, t in f.targets() if t.missing))
    if unmeasured:
        L += [f"- {md(T('missing', count=len(unmeasured), targets=_list(unmeasured)))}"]
    L += [f"- {period_report.T('dropout')}：{period_report.rate_text(f)}", "", _write("results"), ""]

    L += [f"## {T('h_cases')}", "", _write("cases"), ""]

    L += [f"## {T('h_problems')}", ""]
    # (a target is missed in the stretch it counts over: its term, its school year or the plan)
    L += [f"- {md(_missed(p, term, t))}" for p, term, t in missed]
    L += [f"- {md(T('short', names=s.names, kind=s.kind))}" for s in f.secondments if s.short]
    L += [f"- {md(T('gap', what=period_report.T('what_' + g.kind), name=n.get(g.record, g.record), months=_list(list(g.empty_months))))}"
          for g in f.gaps if g.empty_months]
    L += ["", _write("problems"), ""]

    L += [f"## {T('h_next')}", "", _write("next"), ""]
    L += ["", f"{f.scope.name}　　{f.today.isoformat()}", ""]
    return "\n".join(L)


def default_name(f: PeriodFigures) -> str:
    return file_name(f.scope.name, f.period.name)


def file_name(unit: str, period: str) -> str:
    return export.file_name(T('file_stem'), unit, period.replace('..', '_'), ext="md")
