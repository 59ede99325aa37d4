"""The term report a coordinator hands to the county: figures (`build`) and writers (md, html, xlsx).

Per plan: targets against what was logged with the shortfalls, activities by month against the
schedule, secondments (flagged when shorter than the minimum of store/rules/checks.py), donations in
cash and goods by donor and recipient. Aid: paid by programme, stage and funding source against
the standards, students by status and group, and the anomalies an inspector looks for
(duplicate payments, eligible students not paid, amounts off the standard, payments to students
not eligible on the day).

Figures the dashboard already computes come from store/figures/dashboard.py (plan progress, aid by
programme against the standards, students by status and group); this module adds what a report
needs beyond the screen: per-month and per-kind activity tables, every secondment, donations,
aid by stage, funding source and month, and the anomaly lists.
"""
from __future__ import annotations

import datetime as dt
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from store.figures import charts, dashboard, period
from store.core import clock, i18n
from store.rules import checks as rules, situation
from store.figures.dashboard import AidSummary, PlanProgress
from store.figures.period import DonationLine
from store.core.errors import BangfuError, UsageError
from store.io.export import Progress, file_name
from store.core.money import fen_of, yuan
from store.core.text import display_width
from store.twinning import secondments as twinning_secondments
from store.twinning import targets as twinning_targets

FORMATS = ("md", "html", "xlsx")


@dataclass(frozen=True)
class Secondment:
    visit: str
    person: str
    kind: str
    from_school: str
    to_school: str
    start: str
    end: str
    days: int
    minimum: int | None
    people: tuple[str, ...] = ()     # each person sent (a teacher record's id, else the name): one 人次 each

    @property
    def short(self) -> bool:
        return self.minimum is not None and self.days < self.minimum


@dataclass(frozen=True)
class Shortfall:
    metric: str
    text: str          # 送教下乡 ≥ 10 课时/学期
    actual: str
    gap: str           # what is missing, '' when met or not measured
    met: bool | None
    months: tuple[str, ...] = ()   # per-month targets: the months that fell short
    open: bool = False             # its period (or month) is not over: not met yet, not failed
    unmeasured: bool = False       # a measured target with no measurement for its period yet


@dataclass
class PlanSection:
    plan: dict
    progress: PlanProgress
    targets: list[Shortfall]
    months: list[charts.MonthBar]
    kinds: list[str]                       # activity types logged, in schema order
    secondments: list[Secondment]
    donations: list[DonationLine]
    by_donor: list[tuple[str, int, int]]   # (donor, cash, goods)
    by_recipient: list[tuple[str, int, int]]


@dataclass(frozen=True)
class Money:
    label: str
    payments: int
    students: int
    paid_fen: int
    expected_fen: int | None          # None: no payment of the group has a standard to check
    checked_fen: int | None = None    # paid by the payments that have one (the difference is theirs)


@dataclass(frozen=True)
class Anomaly:
    kind: str           # duplicate | unpaid | off_standard | ineligible
    student: str
    school: str
    programme: str
    amount_fen: int | None
    expected_fen: int | None
    detail: str
    records: tuple[str, ...]


@dataclass
class AidSection:
    summary: AidSummary
    by_programme: list[Money]
    by_stage: list[Money]
    by_source: list[Money]
    months: list[charts.AidMonth]
    anomalies: list[Anomaly]
    students: int


@dataclass
class TermReport:
    term: str
    ledger_name: str
    commit: str
    made_on: dt.date
    start: dt.date
    end: dt.date
    plan_filter: str | None
    plans: list[PlanSection] = field(default_factory=list)
    aid: AidSection | None = None
    unreadable: list[str] = field(default_factory=list)   # record files left out: the figures lack them


# ---- figures --------------------------------------------------------------------------------

def build(ledger, term: str | None = None, *, plan: str | None = None, today: dt.date | None = None,
          progress: Progress | None = None) -> TermReport:
    """The figures of a term (the current one by default), for all active plans or one."""
    today = today or clock.today()
    term = term or dashboard.term_of(today)
    if not dashboard.is_term(term):
        raise UsageError("io.report.bad_term", term=term)
    ledger.refresh()
    docs = ledger.index.docs
    if plan is not None and (plan not in docs or docs[plan].get("type") != "plan"):
        raise BangfuError("io.report.no_plan", plan=plan)
    step = _steps(progress, 3)
    start, end = dashboard.term_span(term)
    report = TermReport(term, str(ledger.config.get("name", "")), ledger.tip, today, start, end, plan,
                        unreadable=sorted(ledger.broken))
    visits: dict[str, list[dict]] = {}
    for v in ledger.records("visit"):
        visits.setdefault(v.get("plan", ""), []).append(v)
    progress_list = [p for p in dashboard.plan_progress(ledger, term, today) if plan is None or p.plan == plan]
    if plan is not None and not progress_list:
        # A plan whose period misses the term: shown, and said to be outside it.
        doc = docs[plan]
        first = _date((doc.get("period") or {}).get("start")) or start
        last = _date((doc.get("period") or {}).get("end")) or end
        progress_list = [PlanProgress(plan, doc.get("title", plan), doc.get("status", ""), first, last, False,
                                      (), (), (), ())]
    step()
    for p in progress_list:
        report.plans.append(_plan_section(ledger, docs[p.plan], p, visits.get(p.plan, []), today))
    step()
    schools = None
    if plan is not None:
        schools = {party.get("school") for party in docs[plan].get("parties") or []}
    report.aid = _aid_section(ledger, term, today, schools)
    step()
    return report


def _steps(progress: Progress | None, total: int) -> Callable[[], None]:
    done = [0]

    def step() -> None:
        done[0] += 1
        if progress:
            progress(i18n.t("io.progress.report"), done[0], total)
    return step


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _name(docs: dict, rid: str | None) -> str:
    doc = docs.get(rid or "") or {}
    return doc.get("short_name") or doc.get("name") or doc.get("title") or (rid or "")


def _num(v: float) -> str:
    return f"{v:g}"


def _plan_section(ledger, plan: dict, p: PlanProgress, mine: list[dict], today: dt.date) -> PlanSection:
    docs = ledger.index.docs
    window = [v for v in mine if (d := _date(v.get("date"))) and p.start <= d <= p.end] if p.in_term else []
    bars = charts.activity_months(plan, window, p.start, p.end, today) if p.in_term else []
    order = {k: i for i, k in enumerate(ledger.schemas().field("visit", ("kind",)).get("enum") or [])}
    kinds = sorted({v.get("kind", "") for v in window}, key=lambda k: (order.get(k, 99), k))
    targets = [shortfall(t, bars, window) for t in p.targets]
    secondments = []
    calendars = ledger.scan("calendar")
    covers = twinning_secondments.covers(mine, calendars, lambda sid: (docs.get(sid or "") or {}).get("county"))
    school_days = twinning_secondments.school_days(calendars, dashboard.plan_county(plan, docs))
    for v in mine:
        s = v.get("secondment") or {}
        first, last = _date(s.get("start")), _date(s.get("end"))
        # listed in a term where it has school days (one starting on 08-28 belongs to the autumn)
        if not (first and last) or school_days(max(first, p.start), min(last, p.end)) == 0:
            continue
        cover = covers.get(v["id"])
        # school days of the year (支教) or term (挂职) it had to cover; calendar days for other kinds
        days, minimum = (cover.days, cover.required) if cover else ((last - first).days + 1, None)
        secondments.append(Secondment(v["id"], twinning_targets.person_names(v), v.get("kind", ""),
                                      _name(docs, s.get("from_school")),
                                      _name(docs, s.get("to_school")), s["start"], s["end"], days, minimum,
                                      tuple(twinning_targets.persons(v))))
    donations = [period.donation_line(v) for v in window if v.get("donation")]
    return PlanSection(plan, p, targets, bars, kinds, sorted(secondments, key=lambda s: (s.start, s.person)),
                       donations, period.donation_totals(donations, "donor"),
                       period.donation_totals(donations, "recipient"))


def shortfall(t: dashboard.TargetProgress, bars: list[charts.MonthBar], window: list[dict]) -> Shortfall:
    # The plan's own words first: "其他 ≥ 30 %" says nothing to an inspector.
    rule = f"{_cmp(t.comparison)} {_quantity(t.value, t.unit)}/{i18n.value(t.per)}"
    counted = f"{i18n.value(t.counted)} {rule}"
    text = f"{t.text}（{counted}）" if t.text else counted
    if t.actual is None:
        return Shortfall(t.metric, text, "", "", None, (), t.open, t.unmeasured)
    if t.per == "月":
        missed = [m.month for m in t.months if m.state == "missed"]
        actual = i18n.t("io.report.months_met", met=_num(t.actual), total=_num(t.goal)) if t.met is not None \
            else i18n.t("io.report.months_none")        # (not "0/0 months met")
        sep = "、" if i18n.lang() == "zh" else ", "
        gap = i18n.t("io.report.months_short", months=sep.join(i18n.t(f"io.report.month_{int(m[5:])}")
                                                                 for m in missed)) if missed else ""
        return Shortfall(t.metric, text, actual, gap, t.met, tuple(missed), t.open)
    actual = _quantity(t.actual, t.unit)
    gap = ""
    if t.met is False:
        diff = abs(t.goal - t.actual)
        gap = i18n.t("io.report.short_by" if t.comparison != "<=" else "io.report.over_by", amount=_quantity(diff, t.unit))
    return Shortfall(t.metric, text, actual, gap, t.met, (), t.open)


def _quantity(amount: float, unit: str) -> str:
    return f"{_num(amount)} {i18n.unit(unit, _num(amount))}"


def _cmp(c: str) -> str:
    return {">=": "≥", "<=": "≤", "=": "="}.get(c, c)


def _aid_section(ledger, term: str, today: dt.date, schools: set[str] | None) -> AidSection:
    docs = ledger.index.docs
    view = ledger if schools is None else _Schools(ledger, schools, situation.school_year_of_term(term))
    summary = dashboard.aid_summary(view, term, today, schools=schools)
    payments = sorted(view.query("aid", term=term), key=lambda a: (a.get("paid_on", ""), a["id"]))
    standards = {s["id"]: s for s in ledger.query("standard")}
    # A programme without standards (社会捐助) has nothing to be off from: no figure, not 0.00.
    amounts = {a["id"]: int(dashboard.number(a.get("amount_fen"))) for a in payments}
    by_programme = [Money(f.programme, len(f.payments), f.students, f.paid_fen,
                          None if len(f.unchecked) == len(f.payments) else f.expected_fen,
                          sum(amounts.get(i, 0) for i in f.payments if i not in f.unchecked))
                    for f in summary.programmes]
    stage_order = {s: i for i, s in enumerate(ledger.schemas().field("student", ("stage",)).get("enum") or [])}
    source_order = {s: i for i, s in enumerate(ledger.schemas().field("aid", ("source",)).get("enum") or [])}
    year = situation.school_year_of_term(term)

    def stage(a: dict) -> str:   # (the stage the student was at in the term's school year, not today's)
        student = docs.get(a.get("student", ""))
        return str(situation.situation(student, year=year).get("stage") or "?") if student else "?"

    def expected(a: dict) -> int | None:
        standard = standards.get(a.get("standard", ""))
        per_day = standard is not None and standard.get("unit") == "天" and a.get("days") is None
        return dashboard.expected_fen(a, standard, rules.term_days(a, ledger) if per_day else None)
    by_stage = _group(payments, stage, expected, stage_order)
    by_source = _group(payments, lambda a: a.get("source", "?"), expected, source_order)
    anomalies = _anomalies(ledger, summary, payments, standards)
    return AidSection(summary, by_programme, by_stage, by_source, charts.aid_months(payments, term), anomalies,
                      sum(len(v) for v in summary.by_status.values()))


class _Schools:
    """The ledger limited to the students of some schools in a school year, and their payments (a
    --plan report: a pupil who has since moved on counts where she was that year)."""

    def __init__(self, ledger, schools: set[str], year: str):
        self.ledger, self.schools, self.year = ledger, schools, year

    def _there(self, student: dict | None) -> bool:
        return bool(student) and situation.situation(student, year=self.year).get("school") in self.schools

    def query(self, rtype: str, **filters):
        return self._limited(rtype, self.ledger.query(rtype, **filters))

    def scan(self, rtype: str, **filters):
        return self._limited(rtype, self.ledger.scan(rtype, **filters))

    def walk(self, rtype: str, **filters):
        return (r for r in self.ledger.walk(rtype, **filters) if self._limited(rtype, [r]))

    def _limited(self, rtype: str, found: list[dict]) -> list[dict]:
        if rtype == "student":
            return [s for s in found if self._there(s)]
        if rtype == "aid":
            docs = self.ledger.index.docs
            return [a for a in found if self._there(docs.get(a.get("student", "")))]
        return found

    def schemas(self, *a):
        return self.ledger.schemas(*a)


def _group(payments: list[dict], key: Callable[[dict], str], expected_of: Callable[[dict], int | None],
           order: dict) -> list[Money]:
    groups: dict[str, list[dict]] = {}
    for a in payments:
        groups.setdefault(key(a), []).append(a)
    out = []
    for label in sorted(groups, key=lambda k: (order.get(k, 99), k)):
        paid = groups[label]
        expected = [expected_of(a) for a in paid]
        checked = [e for e in expected if e is not None]
        out.append(Money(label, len(paid), len({a.get("student") for a in paid}),
                         sum(fen_of(a, "amount_fen") for a in paid), sum(checked) if checked else None,
                         sum(fen_of(a, "amount_fen") for a, e in zip(paid, expected) if e is not None)))
    return out


def _anomalies(ledger, summary: AidSummary, payments: list[dict], standards: dict) -> list[Anomaly]:
    """The 应助尽助 findings (store/aid/duty.py) as rows: a programme not yet paid in the term is one
    row with the number due, not one row per student."""
    docs = ledger.index.docs
    by_id = {a["id"]: a for a in payments}
    out: list[Anomaly] = []

    def student(sid: str) -> tuple[str, str]:
        s = docs.get(sid) or {}
        return s.get("name", sid), _name(docs, s.get("school"))

    def paid_on(pair) -> str:
        return "、".join((by_id.get(i) or docs.get(i) or {}).get("paid_on", "") for i in pair.payments)

    for p in summary.duty.programmes:
        if not p.started:
            if p.due and summary.duty.started:
                out.append(Anomaly("not_started", "", "", p.programme, None, None,
                                   i18n.t("io.report.not_started_detail", count=len(p.due)),
                                   tuple(e.student for e in p.due)))
            continue
        for x in p.twice:
            out.append(Anomaly("duplicate", *student(x.student), p.programme, x.paid_fen, None,
                               i18n.t("io.report.dup_detail", count=len(x.payments), dates=paid_on(x)), x.payments))
        for x in p.unpaid:
            out.append(Anomaly("unpaid", *student(x.student), p.programme, None, x.expected_fen,
                               i18n.t("io.report.unpaid_detail", date=summary.duty.on.isoformat()), (x.student,)))
        for x in p.off:
            out.append(Anomaly("off_standard", *student(x.student), p.programme, x.paid_fen, x.expected_fen,
                               i18n.t("io.report.off_detail", diff=yuan(x.paid_fen - (x.expected_fen or 0))), x.payments))
        for x in p.not_due:
            out.append(Anomaly("ineligible", *student(x.student), p.programme, x.paid_fen, None,
                               _not_due_detail(ledger, docs.get(x.student), x.payments, by_id), x.payments))
    for x in summary.duty.same_person:
        out.append(Anomaly("same_person", *student(x.student), x.programme, x.paid_fen, None,
                           i18n.t("io.report.same_person_detail", count=len(x.payments)), x.payments))
    kinds = {"duplicate": 0, "same_person": 1, "unpaid": 2, "not_started": 3, "off_standard": 4, "ineligible": 5}
    return sorted(out, key=lambda x: (kinds[x.kind], x.school, x.student, x.programme))


def _not_due_detail(ledger, student: dict | None, payments: tuple[str, ...], by_id: dict) -> str:
    """The days paid while the student could not be (each with the status of its day); all the days
    when each of them could (a payment no standard covers), or when the student is not in the ledger."""
    days = [str((by_id.get(i) or ledger.index.docs.get(i) or {}).get("paid_on", "")) for i in payments]
    if not student:
        return i18n.t("io.report.ineligible_detail", date="、".join(days), status="?")
    recognised = ledger.find("recognition", student=student["id"])
    statuses = [(day, rules.student_status(student, day, recognised)) for day in days]
    shown = [(day, status) for day, status in statuses if status not in rules.ELIGIBLE] or statuses
    return "；".join(i18n.t("io.report.ineligible_detail", date="、".join(d for d, st in shown if st == status),
                           status=status_word(status)) for status in dict.fromkeys(st for _d, st in shown))


# ---- rows shared by the writers -------------------------------------------------------------------

def T(key: str, **params: Any) -> str:
    return i18n.t(f"io.report.{key}", **params)


def target_rows(sec: PlanSection) -> list[list[str]]:
    return [[t.text, *actual_and_result(t)] for t in sec.targets]


def actual_and_result(t: Shortfall) -> list[str]:
    """What was reached, the result and what is missing; a measured target without a measurement
    reads 尚未测量, in progress while its period runs, missing once it is over."""
    if t.unmeasured:
        return [T("not_measured"), T("open") if t.open else T("missing"), ""]
    return [t.actual, _met(t.met, t.open), t.gap]


def _met(met: bool | None, open: bool = False) -> str:
    if open and met is not True:
        return T("open")
    return {True: T("met"), False: T("not_met"), None: "—"}[met]


def month_rows(sec: PlanSection) -> list[list[Any]]:
    return [[b.month, *[b.kinds.get(k, 0) for k in sec.kinds], b.count,
             i18n.values(list(b.planned)) if b.planned else (T("scheduled") if b.scheduled else ""),
             {True: "✓", False: "✗", None: ""}[b.done]] for b in sec.months]


def month_headers(sec: PlanSection) -> list[str]:
    return [T("col_month"), *[i18n.value(k) for k in sec.kinds], *month_headers_tail()]


def month_headers_tail() -> list[str]:
    return [T("col_total"), T("col_planned"), T("col_done")]


def secondment_rows(sec: PlanSection) -> list[list[Any]]:
    return [[s.person, i18n.value(s.kind), s.from_school, s.to_school, s.start, s.end, s.days, s.minimum or "",
             T("too_short") if s.short else ""] for s in sec.secondments]


def duty_notes(aid: AidSection) -> list[str]:
    """What is said beside (or instead of) the findings: a term nobody stands in yet cannot be
    counted; a term with nothing paid gives the number due per programme on the figures' day (the
    first day of a term not yet begun)."""
    duty, out = aid.summary.duty, []
    if not duty.knowable:
        out.append(T("duty_unknowable", year=situation.school_year_of_term(duty.term)))
    if duty.started:
        return out
    if not duty.knowable:
        return [T("not_paid_yet"), *out]
    due = [T("due_count", programme=i18n.value(p.programme), count=len(p.due)) for p in duty.programmes if p.due]
    when = "due_on_first_day" if duty.on == dashboard.term_span(duty.term)[0] else "due_by"
    return [T(when, date=duty.on.isoformat(), due=T("list_sep").join(due) if due else T("due_nobody"))]


def anomaly_rows(aid: AidSection) -> list[list[Any]]:
    return [[T(f"anomaly_{a.kind}"), a.student, a.school, i18n.value(a.programme), a.amount_fen, a.expected_fen, a.detail]
            for a in aid.anomalies]


def money_rows(items: list[Money]) -> list[list[Any]]:
    return [[_money_label(m), m.payments, m.students, m.paid_fen, m.expected_fen,
             None if m.expected_fen is None else (m.paid_fen if m.checked_fen is None else m.checked_fen)
             - m.expected_fen] for m in items]


def _money_label(m: Money) -> str:
    # A group mixing payments with a standard and without (a 社会捐助 to a pupil of 小学): its paid
    # and due columns differ by what nothing checks, which the difference leaves out; say so.
    unchecked = m.paid_fen - m.checked_fen if m.expected_fen is not None and m.checked_fen is not None else 0
    return i18n.value(m.label) + (T("unchecked_part", amount=yuan(unchecked)) if unchecked else "")


def status_word(status: str) -> str:
    return i18n.t(f"rule.status.{rules._STATUS_WORD[status]}") if status in rules._STATUS_WORD else status


def status_rows(aid: AidSection) -> list[list[Any]]:
    return [[status_word(s), len(ids)] for s, ids in aid.summary.by_status.items()]


def group_rows(aid: AidSection) -> list[list[Any]]:
    return [[i18n.value(g), len(ids)] for g, ids in aid.summary.by_group.items()]


def headline(report: TermReport) -> list[list[Any]]:
    """(label, value, is money) rows of the summary: numbers stay numbers for the xlsx."""
    aid = report.aid
    short = sum(1 for p in report.plans for t in p.targets if t.met is False and not t.open)
    rows: list[list[Any]] = [
        [T("term"), report.term, False], [T("span"), f"{report.start.isoformat()} — {report.end.isoformat()}", False],
        [T("ledger"), report.ledger_name, False], [T("commit"), report.commit[:12], False],
        [T("made_on"), report.made_on.isoformat(), False], [T("plans"), len(report.plans), False],
        [T("targets_short"), short, False],
        [T("short_secondments"), sum(1 for p in report.plans for s in p.secondments if s.short), False],
        # people and 人次 apart: a teacher sent twice is one person, two 人次
        [T("seconded_people"), len({who for p in report.plans for s in p.secondments for who in s.people}), False],
        [T("seconded_times"), sum(len(s.people) for p in report.plans for s in p.secondments), False]]
    if aid:
        rows += [[T("aid_paid"), aid.summary.paid_fen, True], [T("aid_expected"), aid.summary.expected_fen, True],
                 [T("aid_payments"), len(aid.summary.payments), False], [T("anomalies"), len(aid.anomalies), False]]
    return rows


def headline_rows(report: TermReport) -> list[list[Any]]:
    return [[label, yuan(v) + T("yuan") if money else v] for label, v, money in headline(report)]


def title(report: TermReport) -> str:
    return T("title", term=report.term, name=report.ledger_name)


def sign_lines() -> list[str]:
    """制表人, 审核人 and 单位盖章: the lines a filed report is signed and sealed on."""
    return [T("sign_maker"), T("sign_checker"), T("sign_seal")]


MONEY_HEADERS = ("col_payments", "col_students", "col_paid", "col_expected", "col_diff")


def money_headers(first: str) -> list[str]:
    return [T(first), *[T(h) for h in MONEY_HEADERS]]


def anomaly_headers() -> list[str]:
    return [T(h) for h in ("col_anomaly", "col_student", "col_school", "col_programme", "col_amount",
                           "col_expected", "col_detail")]


def target_headers() -> list[str]:
    return [T(h) for h in ("col_target", "col_actual", "col_result", "col_gap")]


def secondment_headers() -> list[str]:
    return [T(h) for h in ("col_person", "col_kind", "col_from", "col_to", "col_start", "col_end", "col_days",
                           "col_minimum", "col_flag")]


def donation_headers() -> list[str]:
    return [T(h) for h in ("col_date", "col_donor", "col_recipient", "col_cash", "col_goods", "col_total",
                           "col_items")]


def donation_rows(sec: PlanSection) -> list[list[Any]]:
    return [[d.date, d.donor, d.recipient, d.cash_fen, d.goods_fen, d.total_fen, d.items] for d in sec.donations]


def party_totals_rows(rows: list[tuple[str, int, int]]) -> list[list[Any]]:
    return [[name, cash, goods, cash + goods] for name, cash, goods in rows]


def _cell_text(v: Any, money: bool = False) -> str:
    if v is None:
        return ""
    if money and isinstance(v, int):
        return yuan(v)
    return str(v)


# ---- Markdown ------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~#])")


def _md(text: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(text).replace("\n", " "))


def _md_table(headers: list[str], rows: list[list[Any]], money: set[int] = frozenset()) -> list[str]:
    if not rows:
        return [T("none"), ""]
    out = ["| " + " | ".join(_md(h) for h in headers) + " |",
           "|" + "|".join("---:" if i in money else "---" for i in range(len(headers))) + "|"]
    for r in rows:
        out.append("| " + " | ".join(_md(_cell_text(v, i in money)) for i, v in enumerate(r)) + " |")
    return out + [""]


def unreadable_line(report: TermReport) -> str:
    paths = report.unreadable
    return i18n.t("error.unreadable_count", count=len(paths), paths="、".join(paths[:10]) + ("…" if len(paths) > 10 else ""))


def markdown(report: TermReport) -> str:
    L = [f"# {_md(title(report))}", ""]
    if report.unreadable:
        L += [f"**{_md(unreadable_line(report))}**", ""]
    L += _md_table([T("item"), T("value")], headline_rows(report))
    for sec in report.plans:
        p = sec.progress
        L += [f"## {_md(p.title)}", "", _md(T("plan_line", status=p.status, start=p.start.isoformat(),
                                                 end=p.end.isoformat())), ""]
        if not p.in_term:
            L += [_md(T("not_in_term")), ""]
            continue
        L += [f"### {T('targets')}", ""] + _md_table(target_headers(), target_rows(sec))
        if p.empty_months:
            L += [_md(T("empty_months", months=i18n.listing(p.empty_months))), ""]
        L += [f"### {T('activities')}", ""] + _md_table(month_headers(sec), month_rows(sec))
        L += ["```text", *charts.render_activity(sec.months), "```", ""]
        L += [f"### {T('secondments')}", ""] + _md_table(secondment_headers(), secondment_rows(sec))
        L += [f"### {T('donations')}", ""] + _md_table(donation_headers(), donation_rows(sec), {3, 4, 5})
        if sec.donations:
            L += _md_table([T("col_donor"), T("col_cash"), T("col_goods"), T("col_total")],
                           party_totals_rows(sec.by_donor), {1, 2, 3})
            L += _md_table([T("col_recipient"), T("col_cash"), T("col_goods"), T("col_total")],
                           party_totals_rows(sec.by_recipient), {1, 2, 3})
    aid = report.aid
    if aid:
        L += [f"## {T('aid')}", ""]
        L += [f"### {T('by_programme')}", ""] + _md_table(money_headers("col_programme"), money_rows(aid.by_programme),
                                                          {3, 4, 5})
        L += [f"### {T('by_stage')}", ""] + _md_table(money_headers("col_stage"), money_rows(aid.by_stage), {3, 4, 5})
        L += [f"### {T('by_source')}", ""] + _md_table(money_headers("col_source"), money_rows(aid.by_source),
                                                       {3, 4, 5})
        L += [f"### {T('aid_months')}", "", "```text", *charts.render_aid(aid.months), "```", ""]
        L += [f"### {T('students')}", ""] + _md_table([T("col_status"), T("col_count")], status_rows(aid))
        L += _md_table([T("col_group"), T("col_count")], group_rows(aid))
        L += [f"### {T('anomalies')}", ""]
        L += [*duty_notes(aid), ""] if duty_notes(aid) else []
        L += _md_table(anomaly_headers(), anomaly_rows(aid), {4, 5}) if aid.summary.duty.started else []
    L += ["", "　　".join(sign_lines()), ""]
    return "\n".join(L).rstrip() + "\n"


# ---- HTML (self-contained) --------------------------------------------------------------------------------

_CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{border-bottom:2px solid #4472c4;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #bbb;padding:.25em .6em}
th{background:#ddebf7}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{background:#fde9e7}.note{color:#555}svg{display:block;margin:.5em 0 1em}
.sign{display:flex;justify-content:space-between;margin-top:2.5em;break-inside:avoid}
@page{size:A4;margin:15mm 12mm}
@media print{body{margin:0}h2{page-break-before:auto}}"""


def _h(text: Any) -> str:
    return html.escape(str(text))


def _html_table(headers: list[str], rows: list[list[Any]], money: set[int] = frozenset(),
                numbers: set[int] = frozenset(), bad: Callable[[list[Any]], bool] | None = None) -> str:
    if not rows:
        return f'<p class="note">{_h(T("none"))}</p>'
    out = ["<table><thead><tr>", *[f"<th>{_h(h)}</th>" for h in headers], "</tr></thead><tbody>"]
    for r in rows:
        cls = ' class="bad"' if bad and bad(r) else ""
        out.append(f"<tr{cls}>" + "".join(
            f'<td class="n">{_h(_cell_text(v, i in money))}</td>' if (i in money or i in numbers)
            else f"<td>{_h(_cell_text(v))}</td>" for i, v in enumerate(r)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def html_page(report: TermReport) -> str:
    B = [f"<h1>{_h(title(report))}</h1>",
         *([f'<p class="note"><strong>{_h(unreadable_line(report))}</strong></p>'] if report.unreadable else []),
         _html_table([T("item"), T("value")], headline_rows(report))]
    for sec in report.plans:
        p = sec.progress
        B.append(f"<h2>{_h(p.title)}</h2><p>{_h(T('plan_line', status=p.status, start=p.start.isoformat(), end=p.end.isoformat()))}</p>")
        if not p.in_term:
            B.append(f'<p class="note">{_h(T("not_in_term"))}</p>')
            continue
        B.append(f"<h3>{_h(T('targets'))}</h3>")
        B.append(_html_table(target_headers(), target_rows(sec), bad=lambda r: r[2] == T("not_met")))
        if p.empty_months:
            B.append(f"<p><strong>{_h(T('empty_months', months=i18n.listing(p.empty_months)))}</strong></p>")
        B.append(f"<h3>{_h(T('activities'))}</h3>")
        B.append(_html_table(month_headers(sec), month_rows(sec), numbers=set(range(1, len(sec.kinds) + 2)),
                             bad=lambda r: r[-1] == "✗"))
        B.append(charts.svg_bars([(b.month, b.count, charts.plan_note(b)) for b in sec.months],
                                 title=T("activities"), shown=lambda v: str(int(v)),
                                 marks=[b.done for b in sec.months]))
        B.append(f"<h3>{_h(T('secondments'))}</h3>")
        B.append(_html_table(secondment_headers(), secondment_rows(sec), numbers={6, 7}, bad=lambda r: bool(r[-1])))
        B.append(f"<h3>{_h(T('donations'))}</h3>")
        B.append(_html_table(donation_headers(), donation_rows(sec), money={3, 4, 5}))
        if sec.donations:
            B.append(_html_table([T("col_donor"), T("col_cash"), T("col_goods"), T("col_total")],
                                 party_totals_rows(sec.by_donor), money={1, 2, 3}))
            B.append(_html_table([T("col_recipient"), T("col_cash"), T("col_goods"), T("col_total")],
                                 party_totals_rows(sec.by_recipient), money={1, 2, 3}))
    aid = report.aid
    if aid:
        B.append(f"<h2>{_h(T('aid'))}</h2>")
        for key, first, items in (("by_programme", "col_programme", aid.by_programme),
                                  ("by_stage", "col_stage", aid.by_stage), ("by_source", "col_source", aid.by_source)):
            B.append(f"<h3>{_h(T(key))}</h3>")
            B.append(_html_table(money_headers(first), money_rows(items), money={3, 4, 5}, numbers={1, 2},
                                 bad=lambda r: bool(r[5])))
        B.append(f"<h3>{_h(T('aid_months'))}</h3>")
        B.append(charts.svg_bars([(m.month, m.paid_fen, "") for m in aid.months], title=T("aid_months"),
                                 shown=lambda v: yuan(int(v))))
        B.append(f"<h3>{_h(T('students'))}</h3>")
        B.append(_html_table([T("col_status"), T("col_count")], status_rows(aid), numbers={1}))
        B.append(_html_table([T("col_group"), T("col_count")], group_rows(aid), numbers={1}))
        B.append(f"<h3>{_h(T('anomalies'))}</h3>")
        B += [f"<p class=\"note\">{_h(note)}</p>" for note in duty_notes(aid)]
        if aid.summary.duty.started:
            B.append(_html_table(anomaly_headers(), anomaly_rows(aid), money={4, 5}))
    B.append('<div class="sign">' + "".join(f"<span>{_h(s)}</span>" for s in sign_lines()) + "</div>")
    lang = "zh-CN" if i18n.lang() == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{_h(title(report))}</title><style>{_CSS}</style></head><body>"
            + "\n".join(B) + "</body></html>\n")


# ---- xlsx -----------------------------------------------------------------------------------------------

def workbook_bytes(report: TermReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    red = PatternFill("solid", fgColor="FDE9E7")

    def sheet(name: str, first: bool = False):
        ws = wb.active if first else wb.create_sheet()
        ws.title = name[:31]
        # Printed as handed over: A4 landscape, as wide as the page, signed and sealed at the foot
        # of each page (in the footer: the sheet stays one table).
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.oddFooter.center.text = "　".join(sign_lines()).replace("&", "&&")
        ws.oddFooter.right.text = "&P / &N"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        return ws

    def table(ws, headers: list[str], rows: list[list[Any]], *, money: set[int] = frozenset(),
              ints: set[int] = frozenset(), dates: set[int] = frozenset(),
              bad: Callable[[list[Any]], bool] | None = None) -> tuple[int, int]:
        """The sheet's one table, its header on the first row (what pandas or a pivot table reads
        straight); returns (header row, last row)."""
        for i, h in enumerate(headers, 1):
            c = ws.cell(1, i, h)
            c.font, c.fill = bold, fill
            c.alignment = Alignment(vertical="center", wrap_text=True)
        for n, r in enumerate(rows, 2):
            for i, v in enumerate(r):
                if i in money and isinstance(v, int):
                    c = ws.cell(n, i + 1, v / 100)
                    c.number_format = "#,##0.00"
                elif i in dates and _date(v):
                    c = ws.cell(n, i + 1, _date(v))
                    c.number_format = "yyyy-mm-dd"
                else:
                    c = ws.cell(n, i + 1, v)
                    if isinstance(v, str) and v.startswith("="):
                        c.data_type = "s"  # data, never a formula
                    if i in ints:
                        c.number_format = "0"
                if bad and bad(r):
                    c.fill = red
        widths(ws, headers, rows, money)
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
        return 1, max(len(rows), 1) + 1

    def widths(ws, headers: list[str], rows: list[list[Any]], money: set[int]) -> None:
        for i, h in enumerate(headers):
            vals = [display_width(_cell_text(r[i], i in money)) for r in rows[:300] if i < len(r)]
            want = min(max([display_width(h), *vals]) + 2, 60)
            letter = get_column_letter(i + 1)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, want, 8)

    def bars(ws, name: str, label_col: int, value_col: int, first: int, last: int, anchor: str) -> None:
        chart = BarChart()
        chart.type, chart.style = "col", 10
        chart.title = name[:80]
        chart.add_data(Reference(ws, min_col=value_col, min_row=first, max_row=last), titles_from_data=False)
        chart.set_categories(Reference(ws, min_col=label_col, min_row=first, max_row=last))
        chart.height, chart.width = 7, 16
        ws.add_chart(chart, anchor)

    ws = sheet(T("sheet_summary"), first=True)
    summary = [[T("report_title"), title(report)]]
    if report.unreadable:   # a row of the table too: the sheet stays one table
        summary.append([T("report_unreadable"), unreadable_line(report)])
    first_figure = len(summary) + 2
    summary += [[label, v] for label, v, _m in headline(report)]
    table(ws, [T("item"), T("value")], summary)
    if report.unreadable:
        ws.cell(3, 2).font = Font(bold=True, color="C00000")
    for n, (_label, _v, money) in enumerate(headline(report), first_figure):
        if money:
            ws.cell(n, 2).value = _v / 100
            ws.cell(n, 2).number_format = "#,##0.00"
    ws.column_dimensions["B"].width = 30

    if report.plans:
        table(sheet(T("sheet_targets")), [T("col_plan"), *target_headers()],
              [[sec.progress.title, *r] for sec in report.plans for r in target_rows(sec)],
              bad=lambda r: r[3] == T("not_met"))
        # One table for every plan: the activity kinds of all plans as columns, a plan's rows together.
        kinds = list(dict.fromkeys(k for sec in report.plans if sec.months for k in sec.kinds))
        ws = sheet(T("sheet_activities"))
        rows, spans = [], []
        for sec in report.plans:
            if not sec.months:
                continue
            first = len(rows) + 2
            for b, r in zip(sec.months, month_rows(sec)):
                rows.append([sec.progress.title, b.month, *[b.kinds.get(k, 0) for k in kinds], *r[len(sec.kinds) + 1:]])
            spans.append((sec, first, len(rows) + 1))
        total_col = len(kinds) + 3
        table(ws, [T("col_plan"), T("col_month"), *[i18n.value(k) for k in kinds], *month_headers_tail()], rows,
              ints=set(range(2, total_col)), bad=lambda r: r[-1] == "✗")
        for k, (sec, first, last) in enumerate(spans):
            bars(ws, f"{sec.progress.title} · {T('activities')}", 2, total_col, first, last,
                 f"{get_column_letter(total_col + 4)}{1 + 15 * k}")
        table(sheet(T("sheet_secondments")), [T("col_plan"), *secondment_headers()],
              [[s.progress.title, *r] for s in report.plans for r in secondment_rows(s)], ints={7, 8}, dates={5, 6},
              bad=lambda r: bool(r[-1]))
        table(sheet(T("sheet_donations")), [T("col_plan"), *donation_headers()],
              [[s.progress.title, *r] for s in report.plans for r in donation_rows(s)], money={4, 5, 6}, dates={1})
        donors = _merge([t for s in report.plans for t in s.by_donor])
        recipients = _merge([t for s in report.plans for t in s.by_recipient])
        table(sheet(T("sheet_by_donor")), [T("col_donor"), T("col_cash"), T("col_goods"), T("col_total")],
              party_totals_rows(donors), money={1, 2, 3})
        table(sheet(T("sheet_by_recipient")), [T("col_recipient"), T("col_cash"), T("col_goods"), T("col_total")],
              party_totals_rows(recipients), money={1, 2, 3})
    aid = report.aid
    if aid:
        for key, first, items in (("sheet_aid", "col_programme", aid.by_programme),
                                  ("sheet_aid_stage", "col_stage", aid.by_stage),
                                  ("sheet_aid_source", "col_source", aid.by_source)):
            table(sheet(T(key)), money_headers(first), money_rows(items), money={3, 4, 5}, ints={1, 2},
                  bad=lambda r: bool(r[5]))
        ws = sheet(T("sheet_aid_months"))
        head, last = table(ws, [T("col_month"), T("col_paid"), T("col_payments")],
                           [[m.month, m.paid_fen, m.payments] for m in aid.months], money={1}, ints={2})
        bars(ws, T("aid_months"), 1, 2, head + 1, last, "E2")
        table(sheet(T("sheet_students")), [T("col_status"), T("col_count")], status_rows(aid), ints={1})
        table(sheet(T("sheet_groups")), [T("col_group"), T("col_count")], group_rows(aid), ints={1})
        table(sheet(T("sheet_anomalies")), anomaly_headers(), anomaly_rows(aid), money={4, 5})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _merge(rows: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    sums: dict[str, list[int]] = {}
    for name, cash, goods in rows:
        slot = sums.setdefault(name, [0, 0])
        slot[0] += cash
        slot[1] += goods
    return [(k, c, g) for k, (c, g) in sorted(sums.items())]


# ---- writing ---------------------------------------------------------------------------------------------

def render(report: TermReport, fmt: str) -> bytes:
    if fmt == "md":
        return markdown(report).encode("utf-8")
    if fmt == "html":
        return html_page(report).encode("utf-8")
    if fmt == "xlsx":
        return workbook_bytes(report)
    raise UsageError("io.report.bad_format", format=fmt, allowed="、".join(FORMATS))


def write_bytes(path: Path | str, data: bytes) -> Path:
    """A report's bytes to its file; a folder that cannot be written is said plainly."""
    path = Path(path)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise BangfuError("io.cannot_write", path=str(path), detail=i18n.os_reason(exc)) from None
    return path


def write(report: TermReport, path: Path | str, fmt: str) -> Path:
    return write_bytes(path, render(report, fmt))


def default_name(report: TermReport, fmt: str) -> str:
    return file_name(T("file_stem"), report.term, ext=fmt)
