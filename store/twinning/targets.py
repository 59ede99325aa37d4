"""What counts towards a plan's target, and how far the target is met.

A target names the activities that count: its `kinds` (3 次观摩 over 听课评课, 集体备课, 示范课,
公开课), or its metric when that is an activity kind, and/or a `direction` (到受帮扶学校: any
activity a supporting school holds at a supported one, which is what 每月有专人到被帮扶单位
asks). Activities are measured in the target's unit and held against its value per month, term,
school year or the whole plan.

A direction counts trips: a 支教 or 挂职 teacher's arrival is one, on its first day; the term or
year of the stay that follows is no trip of its own (else one 支教 would meet 每月有专人到 in every
month without anyone going there), unless the target names the secondment's kind.

Per-month targets are counted on the months in session (store/rules/calendar.py) that the plan
period and the term share. A month that has ended is met or missed; the month holding `today` is
open until it is met; months to come are blank. A per-term or per-year target whose period has
not ended is open, not missed, until it is met.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Iterable

from store.rules import calendar as school_calendar
from store.rules import checks as rules
from store.twinning import measured as measurements

ACTIVITY_KINDS = frozenset({
    "互访", "送教下乡", "示范课", "公开课", "专题讲座", "听课评课", "集体备课", "联合教研", "跟班学习",
    "师徒结对", "挂职", "支教", "培训", "联席会议", "联谊活动", "捐赠", "家访"})
SECONDMENTS = frozenset(school_calendar.SECONDMENT_SPAN)
TO_SUPPORTED, TO_SUPPORTING = "到受帮扶学校", "到帮扶学校"

# Month states of a per-month target.
MET, MISSED, OPEN, FUTURE = "met", "missed", "open", "future"


@dataclass(frozen=True)
class MonthMark:
    month: str                  # YYYY-MM
    state: str                  # met | missed | open | future
    amount: float               # what was logged that month, in the target's unit
    records: tuple[str, ...]


@dataclass(frozen=True)
class TargetProgress:
    key: str
    metric: str
    comparison: str            # ">=", "<=" or "="
    value: float               # the target as written in the plan
    unit: str
    per: str                   # 月, 学期, 学年, 全程
    text: str
    actual: float | None       # None: measured, not counted from activity records
    goal: float                # what `actual` is held against (months decided so far for a per-month target)
    met: bool | None           # None: nothing to hold it against yet
    records: tuple[str, ...]   # the activities counted
    kinds: tuple[str, ...] = ()        # the activity kinds that count (empty: any, with a direction)
    direction: str = ""
    open: bool = False                 # its period is not over and it is not met yet: not a failure
    months: tuple[MonthMark, ...] = ()  # per-month targets: every month in session of the window
    short: tuple[str, ...] = ()        # secondments that overlap the period but are too short to count
    unmeasured: bool = False           # a measured target with no measurement for its period yet

    @property
    def missing(self) -> bool:
        """Its period is over and it was never measured."""
        return self.unmeasured and not self.open

    @property
    def counted(self) -> str:
        """What is counted: the direction for a target of any activity in it (互访 would say
        that only visits count), else the metric."""
        return self.direction if self.direction and not self.kinds else self.metric

    @property
    def label(self) -> str:
        """What the plan calls the target: its own text, else what it counts."""
        return self.text or self.counted

    @property
    def ratio(self) -> float:
        """How full the progress bar is, 0..1."""
        if self.actual is None:
            return 0.0
        if self.comparison == "<=":
            return 1.0 if self.met else 0.0
        return 1.0 if self.goal <= 0 else max(0.0, min(1.0, self.actual / self.goal))


def number(value: object, default: float | None = 0.0) -> float | None:
    """A number from a record; anything else (a file edited by hand that the schema would
    refuse, which `bangfu validate` names) counts as the default instead of stopping the figures."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else default


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def span(visit: dict) -> tuple[dt.date, dt.date] | None:
    """The days an activity takes: a secondment from its start to its end, else its date to its
    end date."""
    s = visit.get("secondment") or {}
    first = _date(s.get("start")) or _date(visit.get("date"))
    last = _date(s.get("end")) or _date(visit.get("end_date")) or first
    if first is None:
        return None
    return first, max(first, last or first)


def overlaps(visit: dict, start: dt.date, end: dt.date) -> bool:
    days = span(visit)
    return bool(days) and days[0] <= end and days[1] >= start


def visitor(visit: dict) -> str | None:
    """The school that came: the visiting school, else the sending school of a secondment or a mentor's."""
    return (visit.get("visiting_school") or (visit.get("secondment") or {}).get("from_school")
            or (visit.get("mentorship") or {}).get("mentor_school"))


def roles(plan: dict) -> tuple[set[str], set[str]]:
    """(supporting schools, supported schools) of a plan."""
    parties = plan.get("parties") or []
    return ({p.get("school") for p in parties if p.get("role") == "帮扶"},
            {p.get("school") for p in parties if p.get("role") == "受帮扶"})


def kinds_of(target: dict) -> tuple[str, ...]:
    """The kinds that count; none (any kind) for a target with a direction and no kinds of its own."""
    if target.get("kinds"):
        return tuple(target["kinds"])
    if target.get("direction"):
        return ()
    metric = target.get("metric", "")
    return (metric,) if metric in ACTIVITY_KINDS else ()


def is_counted(target: dict) -> bool:
    """Counted from activities (else measured: a rate, a number of 套 or 台 ...)."""
    return bool(kinds_of(target) or target.get("direction")) and target.get("unit") in rules.ACTIVITY_UNITS


def counts(target: dict, plan: dict, visit: dict) -> bool:
    """Whether an activity counts towards the target (whatever its date)."""
    kinds = kinds_of(target)
    if kinds and visit.get("kind") not in kinds:
        return False
    direction = target.get("direction")
    if direction:
        supporting, supported = roles(plan)
        host, came = visit.get("host_school"), visitor(visit)
        if direction == TO_SUPPORTED:
            return host in supported and came in supporting
        return host in supporting and came in supported
    return True


# --- amounts ---------------------------------------------------------------------------------

def persons(visit: dict) -> list[str]:
    """The people of an activity, each once per activity: a teacher record's id where one is
    named (the same person across plans and years), else the name. A batch of secondments
    (14 teachers sent on one day) names each of them."""
    s = visit.get("secondment") or {}
    out = [s.get("teacher") or s["person"]] if s.get("person") else []
    out += [p.get("teacher") or p["name"] for p in s.get("people") or [] if p.get("name")]
    out += [p.get("teacher") or p["name"] for p in visit.get("participants") or [] if p.get("name")]
    return list(dict.fromkeys(out))


def person_names(visit: dict) -> str:
    s = visit.get("secondment") or {}
    names = ([s["person"]] if s.get("person") else []) + [p.get("name", "") for p in s.get("people") or []]
    return "、".join(n for n in names if n)


def person_times(visit: dict) -> float:
    if visit.get("kind") in SECONDMENTS:
        return float(len(persons(visit)))      # each person sent is one 人次
    return number(visit.get("person_times")) or float(len(persons(visit)))


def amount(visits: Iterable[dict], unit: str, start: dt.date, end: dt.date) -> float:
    """What activities come to in a unit, over start..end (天 and 周 count their days inside it)."""
    visits = list(visits)
    if unit == "人":
        return float(len({name for v in visits for name in persons(v)}))
    if unit == "课时":
        return float(sum(number(v.get("hours")) for v in visits))
    if unit == "场":
        return float(sum(number(v.get("sessions"), 1.0) or 1.0 for v in visits))
    if unit == "人次":
        return float(sum(person_times(v) for v in visits))
    if unit in ("天", "周"):
        days = 0
        for v in visits:
            first, last = span(v)
            first, last = max(first, start), min(last, end)
            days += max(0, (last - first).days + 1)
        return float(days) if unit == "天" else days / 7
    return float(len(visits))


def meets(actual: float, comparison: str, value: float) -> bool:
    return {"<=": actual <= value, "=": actual == value}.get(comparison, actual >= value)


# --- months -----------------------------------------------------------------------------------

def month_span(month: str) -> tuple[dt.date, dt.date]:
    y, m = int(month[:4]), int(month[5:7])
    nxt = dt.date(y + 1, 1, 1) if m == 12 else dt.date(y, m + 1, 1)
    return dt.date(y, m, 1), nxt - dt.timedelta(days=1)


def session_months(calendar: school_calendar.SchoolCalendar, term: str, start: dt.date, end: dt.date) -> list[str]:
    """The term's months in session that start..end (the plan period inside the term) touches."""
    t = calendar.term(term)
    if t is None:
        return []
    return [m for m in t.months if month_span(m)[0] <= end and month_span(m)[1] >= start]


def _month_state(month: str, good: bool, today: dt.date | None) -> str:
    first, last = month_span(month)
    if today is None or last < today:
        return MET if good else MISSED
    if first > today:
        return FUTURE
    return MET if good else OPEN


# --- a target ----------------------------------------------------------------------------------

def _period(per: str, plan_span: tuple[dt.date, dt.date], window: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """The days a per-term, per-year or whole-plan target is counted over, seen from a term."""
    if per == "学年":
        first = dt.date(school_calendar.first_year(school_calendar.school_year_of(window[0])), 9, 1)
        return max(first, plan_span[0]), window[1]
    if per == "全程":
        return plan_span
    return window


def progress(target: dict, plan: dict, visits: list[dict], plan_span: tuple[dt.date, dt.date],
             window: tuple[dt.date, dt.date], term: str, calendar: school_calendar.SchoolCalendar,
             today: dt.date | None, covers: dict[str, school_calendar.Cover | None] | None = None,
             school_days=None, measured: list[dict] | None = None, worked_out=None) -> TargetProgress:
    """One target of a plan in a term: `window` is the part of the term inside the plan period,
    `covers` how far each secondment (by id) covers its school year or term, `school_days(start,
    end)` the school days between two dates (a secondment counts in a period where it has some),
    `measured` the measurement records of this target, `worked_out(metric, start, end, measured)`
    for a metric with a rule of its own (辍学率: measured, else worked out from students' 退出(辍学)
    events over the headcount; measured.py `dropout`) its value or None, with the records behind
    it; None for any other metric, which reads its latest measurement."""
    metric, per, unit = target.get("metric", ""), target.get("per", ""), target.get("unit", "")
    comparison, value = target.get("comparison", ">="), number(target.get("value"), math.nan)   # (nan: shown as "?")
    common = dict(key=target.get("key", ""), metric=metric, comparison=comparison, value=value, unit=unit, per=per,
                  text=target.get("text", ""), kinds=kinds_of(target), direction=target.get("direction", ""))
    if math.isnan(value):
        return TargetProgress(**common, actual=None, goal=value, met=None, records=())
    if not is_counted(target):
        period = _period(per, plan_span, window)
        # a rate measured before its term or year is over may still be measured again: open, not failed
        unfinished = today is not None and today <= period[1]
        ruled = worked_out(metric, *period, measured or []) if worked_out and unit == "%" else None
        if ruled is not None:
            got, records = ruled
        else:
            found, records = measurements.latest(measured or [], *period)
            got = number(found.get("value"), None) if found else None
        if got is None:
            # not measured yet: in progress while its period runs, missing once it is over
            return TargetProgress(**common, actual=None, goal=value, met=None, records=records,
                                  open=unfinished, unmeasured=True)
        met = meets(got, comparison, value)
        return TargetProgress(**common, actual=got, goal=value, met=met, records=records, open=unfinished and not met)
    covers = covers or {}

    trips = bool(target.get("direction")) and not target.get("kinds")

    def inside(v: dict, start: dt.date, end: dt.date) -> bool:
        if trips and v.get("kind") in SECONDMENTS:
            return start <= span(v)[0] <= end
        if not overlaps(v, start, end):
            return False
        if school_days is None or v.get("kind") not in SECONDMENTS:
            return True
        first, last = span(v)
        return school_days(max(first, start), min(last, end)) > 0

    # An activity logged ahead of its day has not happened yet.
    mine = [v for v in visits if counts(target, plan, v) and (today is None or span(v)[0] <= today)]
    # A secondment counts only when it covers its school year or term; the others are shown short.
    short = [v for v in mine if (c := covers.get(v["id"])) is not None and c.short]
    mine = [v for v in mine if v not in short]
    if per == "月":
        marks = []
        for month in session_months(calendar, term, *window):
            first, last = month_span(month)
            first, last = max(first, window[0]), min(last, window[1])
            logged = [v for v in mine if inside(v, first, last)]
            got = amount(logged, unit, first, last)
            marks.append(MonthMark(month, _month_state(month, meets(got, comparison, value), today), got,
                                   tuple(v["id"] for v in logged)))
        decided = [m for m in marks if m.state in (MET, MISSED)]
        good = sum(1 for m in decided if m.state == MET)
        counted = tuple(dict.fromkeys(i for m in marks for i in m.records))
        return TargetProgress(**common, actual=float(good), goal=float(len(decided)),
                              met=(good == len(decided)) if decided else None, records=counted,
                              open=any(m.state == OPEN for m in marks) and not any(m.state == MISSED for m in marks),
                              months=tuple(marks),
                              short=tuple(v["id"] for v in short if inside(v, *window)))
    period = _period(per, plan_span, window)
    counted = [v for v in mine if inside(v, *period)]
    actual = amount(counted, unit, *period)
    met = meets(actual, comparison, value)
    # (<=: a count may still grow past its cap, but being under it so far is not a failure)
    unfinished = today is not None and today <= period[1]
    return TargetProgress(**common, actual=actual, goal=value, met=met, records=tuple(v["id"] for v in counted),
                          open=unfinished and not met, short=tuple(v["id"] for v in short if inside(v, *period)))
