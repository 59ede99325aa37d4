"""Rules beyond JSON Schema: what one record must satisfy given the rest of the ledger.

`check(record, source)` is called on a record that already passed its schema and
returns findings (errors block a commit, warnings are kept for auditors). The
rest of the ledger is reached only through a `RecordSource` (the store's index;
a dict in tests). Each rule is one small generator in the `RULES` table below.

`student_status` / `is_eligible` derive a student's aid status on a date from
the status events; dashboards and reports use them too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Protocol

from store.rules import (calendar as school_calendar, cleartext, idcard, identifiers, prefetch, protected, recognitions,
                         situation, standards)
from store.core import i18n, ids
from store.core.describe import label
from store.core.findings import Finding, dotted
from store.core.i18n import Title, Word
from store.core.money import yuan
from store.rules.fieldnames import title_of
from store.rules.schema import Schemas


class RecordSource(Protocol):
    def get(self, record_id: str) -> dict | None: ...

    def find(self, type: str, **equal: object) -> list[dict]:
        """Records of `type` whose top-level fields equal the given values (all of them if none given)."""
        ...


# --- student status -----------------------------------------------------------

ENROLLED, LIFTED_KEPT, LIFTED, LEFT, UNRECOGNISED = "在册", "脱贫保留", "已脱贫", "已退出", "未认定"
STATUSES = (ENROLLED, LIFTED_KEPT, LIFTED, LEFT, UNRECOGNISED)
ELIGIBLE = frozenset({ENROLLED, LIFTED_KEPT})
_STATUS_WORD = {ENROLLED: "enrolled", LIFTED_KEPT: "lifted_kept", LIFTED: "lifted",
                LEFT: "left", UNRECOGNISED: "unrecognised"}


def _status_word(status: str) -> Word:
    return Word(f"rule.status.{_STATUS_WORD[status]}")


def _status_after(event: dict | None, student: dict, on: str | None = None) -> str:
    """The status a student has on `on` (default: the event's own date) when `event` was the
    last one (None: before any event)."""
    if event is None:
        return UNRECOGNISED
    kind = event.get("event")
    if kind in ("认定", "返贫"):
        return ENROLLED
    if kind == "退出":
        return LEFT
    if kind == recognitions.LAPSE:
        return UNRECOGNISED
    if kind == "脱贫":
        # Lifted out of poverty keeps eligibility until the student changes stage: the stage
        # of the lifting against the stage in the school year of the day asked about.
        lifted_on = _date(event.get("date"))
        lifted_in = event.get("stage") or situation.situation(student, lifted_on).get("stage")
        stage_then = situation.situation(student, _date(on) or lifted_on).get("stage")
        return LIFTED_KEPT if stage_then == lifted_in else LIFTED
    return UNRECOGNISED


def _events_by_date(student: dict, recognised: list[dict] | None = None) -> list[tuple[int, dict]]:
    """(index in the record, event), oldest first; events of one day keep their written order. With
    recognition records, their approvals and lapses take the place of the 认定 events."""
    events = list(enumerate(student.get("events") or []))
    if recognised:
        events = [(i, e) for i, e in events if e.get("event") != "认定"]
        events += [(-1, e) for e in recognitions.events(recognised)]
    return sorted(events, key=lambda pair: str(pair[1].get("date", "")))


def student_status(student: dict, on_date: dt.date | str, recognised: list[dict] | None = None) -> str:
    """One of 在册, 脱贫保留, 已脱贫, 已退出, 未认定, from the events up to and including `on_date`,
    with the student's stage in the school year of `on_date` (store/rules/situation.py); `recognised`
    are the student's recognition records, if any."""
    day = on_date.isoformat() if isinstance(on_date, dt.date) else str(on_date)
    last = None
    for _, event in _events_by_date(student, recognised):
        # A recognition lapsing changes nothing for a student who has left.
        lapsed_after_leaving = event.get("event") == recognitions.LAPSE and last and last.get("event") == "退出"
        if str(event.get("date", "")) <= day and not lapsed_after_leaving:
            last = event
    return _status_after(last, student, day)


def is_eligible(student: dict, on_date: dt.date | str) -> bool:
    return student_status(student, on_date) in ELIGIBLE


def may_be_paid(student: dict, programme: str, on_date: dt.date | str, recognised: list[dict] | None = None) -> bool:
    """A programme that needs recognition (认定) pays an eligible student; the others (营养膳食补助,
    免费教科书) any pupil who has not left."""
    return may_be_paid_as(student_status(student, on_date, recognised), programme)


def may_be_paid_as(status: str, programme: str) -> bool:
    """may_be_paid for a student whose status on the day is known already."""
    return status in ELIGIBLE if standards.needs_recognition(programme) else status != LEFT


# --- the checking context -------------------------------------------------------

@lru_cache(maxsize=1)
def _project_schemas() -> Schemas:
    return Schemas.from_dir()


@dataclass
class _Ctx:
    record: dict
    source: RecordSource
    schemas: Schemas
    _got: dict = field(default_factory=dict)

    @property
    def rid(self) -> str:
        return str(self.record.get("id", "?"))

    def ref(self, record_id: object, record_type: str) -> dict | None:
        """The referenced record if it exists and has the expected type."""
        if not isinstance(record_id, str):
            return None
        if record_id not in self._got:
            self._got[record_id] = self.source.get(record_id)
        found = self._got[record_id]
        return found if isinstance(found, dict) and found.get("type") == record_type else None

    def exists(self, record_id: object, record_type: str) -> bool:
        """Whether the referenced record exists and has the expected type (`ref`), asked of the
        source without reading the record where it can tell (a batch's 50,000 students)."""
        kind = getattr(self.source, "kind", None)
        if kind is None or not isinstance(record_id, str) or record_id in self._got:
            return self.ref(record_id, record_type) is not None
        return kind(record_id) == record_type

    def name(self, record_id: str, record_type: str) -> str:
        """What a person calls a referenced record: its short name or name, else its id."""
        found = self.ref(record_id, record_type) or {}
        return found.get("short_name") or found.get("name") or found.get("title") or record_id

    def finding(self, level: str, path: tuple, rule: str, params: dict) -> Finding:
        # Dates as ISO text, so params stay JSON-friendly.
        shown = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in params.items()}
        return Finding(self.rid, path, rule, shown, level)

    def error(self, path: tuple, rule: str, **params: object) -> Finding:
        return self.finding("error", path, rule, params)

    def warning(self, path: tuple, rule: str, **params: object) -> Finding:
        return self.finding("warning", path, rule, params)


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


Rule = Callable[[_Ctx, dict], Iterable[Finding]]


# --- references -------------------------------------------------------------------

def _expand(node: object, path: tuple, prefix: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """(concrete path, value) for a reference path; '*' walks each array item."""
    if not path:
        yield prefix, node
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from _expand(item, rest, prefix + (i,))
    elif isinstance(node, dict) and head in node:
        yield from _expand(node[head], rest, prefix + (head,))


@lru_cache(maxsize=1024)
def _target(schemas: Schemas, record_type: str, path: tuple) -> str | None:
    # (asked for each reference of each record: 100,000 times in a disbursement's save)
    return schemas.field(record_type, tuple(0 if p == "*" else p for p in path)).get("x-ref")


def _referring(r: dict, path: tuple) -> Iterable[tuple[tuple, object]]:
    """_expand for a reference path; a top-level field (a payment's student, standard and batch)
    read straight off the record."""
    if len(path) == 1 and path[0] != "*":
        return ((path, r[path[0]]),) if isinstance(r, dict) and path[0] in r else ()
    return _expand(r, path)


def _references(c: _Ctx, r: dict) -> Iterator[Finding]:
    rtype = r.get("type")
    for path in c.schemas.references.get(rtype, []):
        target = _target(c.schemas, rtype, path)
        for where, value in _referring(r, path):
            if target and not c.exists(value, target):
                yield c.error(where, "rule.ref_missing", id=value, target=target, field=dotted(where),
                              title=Title(c.schemas.field(rtype, where).get("title", dotted(where))),
                              target_title=Title(c.schemas.docs.get(target, {}).get("title", target)))


def referrers(record_id: str, source: RecordSource, schemas: Schemas | None = None,
              types: Iterable[str] | None = None) -> list[tuple[str, tuple]]:
    """(referring record id, field path) for every record (of `types`, default any) that refers to
    `record_id`.

    Top-level reference fields are looked up with `find(type, field=id)`; references
    inside objects and arrays need `find(type)` (every record of that type) and a scan."""
    schemas = schemas or _project_schemas()
    if not ids.is_id(record_id):
        return []
    wanted = ids.type_of(record_id)
    out: list[tuple[str, tuple]] = []
    for rtype, paths in schemas.references.items():
        if types is not None and rtype not in types:
            continue
        for path in paths:
            if _target(schemas, rtype, path) != wanted:
                continue
            candidates = source.find(rtype, **{path[0]: record_id}) if len(path) == 1 else source.find(rtype)
            for rec in candidates:
                for where, value in _expand(rec, path):
                    hit = (str(rec.get("id")), where)
                    if value == record_id and rec.get("id") != record_id and hit not in out:
                        out.append(hit)
    return out


def _deletion(c: _Ctx, r: dict) -> list[Finding]:
    found = [c.error((), "rule.still_referenced", referrer=other, field=dotted(where))
             for other, where in referrers(c.rid, c.source, c.schemas)]
    return found or readers_broken(r, _Without(c.source, c.rid), c.schemas)


def readers_broken(record: dict, source: RecordSource, schemas: Schemas) -> list[Finding]:
    """For a record about to go (absent from `source`): the error its going causes in the records
    that read it without naming it (a payment, its student's recognition of the year)."""
    if record.get("type") not in READERS:
        return []
    return list(_referrers_kept(_Ctx(record, source, schemas), record))


class _Without:
    """A source as it is once one record is gone."""

    def __init__(self, source: RecordSource, gone: str):
        self.source, self.gone = source, gone

    def get(self, record_id: str) -> dict | None:
        return None if record_id == self.gone else self.source.get(record_id)

    def find(self, type: str, **equal: object) -> list[dict]:
        return [d for d in self.source.find(type, **equal) if d.get("id") != self.gone]


# --- plan -----------------------------------------------------------------------------

def _period(record: dict) -> tuple[dt.date | None, dt.date | None]:
    period = record.get("period") or {}
    return _date(period.get("start")), _date(period.get("end"))


def _plan_period(c: _Ctx, r: dict) -> Iterator[Finding]:
    start, end = _period(r)
    if start and end and start > end:
        yield c.error(("period", "end"), "rule.plan_period_order", start=start, end=end)


def _plan_roles(c: _Ctx, r: dict) -> Iterator[Finding]:
    roles = {p.get("role") for p in r.get("parties") or []}
    for role, word in (("帮扶", "supporting"), ("受帮扶", "supported")):
        if role not in roles:
            yield c.error(("parties",), "rule.plan_role_missing", role=Word(f"rule.word.{word}"))


# Arrays whose items must not repeat a key: (type, array, key field, rule, how to show the key).
_UNIQUE: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("plan", "parties", "school", "rule.plan_party_twice", "school"),
    ("plan", "targets", "key", "rule.plan_target_twice", None),
    ("student", "years", "school_year", "rule.student_year_twice", None),
)


def _unique_keys(c: _Ctx, r: dict) -> Iterator[Finding]:
    for rtype, array, key, rule, ref_type in _UNIQUE:
        if r.get("type") != rtype:
            continue
        first: dict[object, int] = {}
        for i, item in enumerate(r.get(array) or []):
            value = item.get(key)
            if value in first:
                shown = c.name(value, ref_type) if ref_type else value
                yield c.error((array, i, key), rule, value=shown, first=first[value] + 1, again=i + 1)
            else:
                first[value] = i


def _plan_budget(c: _Ctx, r: dict) -> Iterator[Finding]:
    budget = r.get("budget") or {}
    if "by_year" in budget:
        total = budget.get("total_fen", 0)
        parts = sum(y.get("fen", 0) for y in budget["by_year"])
        if parts != total:
            yield c.error(("budget", "by_year"), "rule.plan_budget_sum", sum=yuan(parts), total=yuan(total))


def _plan_schedule(c: _Ctx, r: dict) -> Iterator[Finding]:
    start, end = _period(r)
    if not (start and end) or start > end:
        return  # the period itself is reported
    first, last = start.isoformat()[:7], end.isoformat()[:7]
    for i, item in enumerate(r.get("schedule") or []):
        month = str(item.get("month", ""))
        if not first <= month <= last:
            yield c.error(("schedule", i, "month"), "rule.plan_schedule_month", month=month, start=start, end=end)


# Targets counted from activities take these units; the others are measured (measurement records).
ACTIVITY_UNITS = frozenset({"课时", "次", "人次", "场", "人", "天", "周"})
# Metrics that are not an activity kind: their value is measured, never counted from activities.
MEASURED_METRICS = frozenset({"辍学率", "培训率", "巩固率", "合格率", "其他"})


def _plan_targets(c: _Ctx, r: dict) -> Iterator[Finding]:
    """A target counted from activities needs a unit activities have; a rate is measured."""
    for i, t in enumerate(r.get("targets") or []):
        counted = bool(t.get("kinds") or t.get("direction")) or t.get("metric") not in MEASURED_METRICS
        if counted and t.get("unit") not in ACTIVITY_UNITS:
            yield c.error(("targets", i, "unit"), "rule.target_unit_not_counted", key=t.get("key", ""),
                          unit=t.get("unit", ""), units="、".join(sorted(ACTIVITY_UNITS)))


def _plan_pairs(c: _Ctx, r: dict) -> Iterator[Finding]:
    """Who helps whom: with three or more parties the plan says it pair by pair; each pair joins a
    supporting party to a supported one, and every party is in some pair."""
    parties = {p.get("school"): p.get("role") for p in r.get("parties") or []}
    pairs = r.get("pairs") or []
    if len(parties) >= 3 and not pairs:
        yield c.error(("pairs",), "rule.plan_pairs_missing", count=len(parties))
        return
    seen: set[str] = set()
    for i, pair in enumerate(pairs):
        for side, role, word in (("from", "帮扶", "supporting"), ("to", "受帮扶", "supported")):
            school = pair.get(side)
            if school not in parties:
                yield c.error(("pairs", i, side), "rule.plan_pair_not_party", school=c.name(school, "school"))
            elif parties[school] != role:
                yield c.error(("pairs", i, side), "rule.plan_pair_role", school=c.name(school, "school"),
                              role=Word(f"rule.word.{word}"))
            seen.add(school)
    if pairs:
        for i, p in enumerate(r.get("parties") or []):
            if p.get("school") not in seen:
                yield c.error(("parties", i, "school"), "rule.plan_party_unpaired",
                              school=c.name(p.get("school"), "school"))


# --- unit -------------------------------------------------------------------------------

def _unit_parent(c: _Ctx, r: dict) -> Iterator[Finding]:
    """A township sits under a county; a county under nothing."""
    parent = c.ref(r.get("parent"), "unit")
    if r.get("level") == "乡镇" and not r.get("parent"):
        yield c.error(("parent",), "rule.unit_township_parent", unit=r.get("name", c.rid))
    elif r.get("level") == "乡镇" and parent and parent.get("level") != "县":
        yield c.error(("parent",), "rule.unit_township_parent", unit=r.get("name", c.rid))
    elif r.get("level") == "县" and r.get("parent"):
        yield c.error(("parent",), "rule.unit_county_parent", unit=r.get("name", c.rid))


# --- visit ------------------------------------------------------------------------------

def _visit_plan(c: _Ctx, r: dict) -> Iterator[Finding]:
    """Every activity belongs to a plan but a home visit (家访), which may name the student instead."""
    if r.get("plan"):
        return
    if r.get("kind") != "家访":
        yield c.error(("plan",), "rule.visit_plan_missing", kind=r.get("kind", ""))
    elif not r.get("student"):
        yield c.error(("student",), "rule.visit_home_student")


def _visit_dates(c: _Ctx, r: dict) -> Iterator[Finding]:
    day, end_day = _date(r.get("date")), _date(r.get("end_date"))
    if day and end_day and end_day < day:
        yield c.error(("end_date",), "rule.visit_end_before_start", date=day, end_date=end_day)
    plan = c.ref(r.get("plan"), "plan")
    start, end = _period(plan) if plan else (None, None)
    if not (start and end):
        return
    for name, value in (("date", day), ("end_date", end_day)):
        if value and not start <= value <= end:
            yield c.error((name,), "rule.visit_out_of_period", date=value, start=start, end=end,
                          plan=plan.get("title", plan.get("id")))


def _visit_host_is_visitor(c: _Ctx, r: dict) -> Iterator[Finding]:
    host = r.get("host_school")
    if host and host == r.get("visiting_school"):
        yield c.error(("visiting_school",), "rule.visit_host_is_visitor", school=c.name(host, "school"))


def _visit_parties(c: _Ctx, r: dict) -> Iterator[Finding]:
    plan = c.ref(r.get("plan"), "plan")
    if not plan:
        return
    parties = {p.get("school") for p in plan.get("parties") or []}
    for name in ("host_school", "visiting_school"):
        school = r.get(name)
        if school and school not in parties and c.ref(school, "school"):
            yield c.error((name,), "rule.visit_school_not_party", school=c.name(school, "school"),
                          plan=plan.get("title", plan.get("id")))


def _visit_secondment(c: _Ctx, r: dict) -> Iterator[Finding]:
    s = r.get("secondment")
    if not s:
        return
    if s.get("from_school") == s.get("to_school"):
        yield c.error(("secondment", "to_school"), "rule.secondment_same_school",
                      school=c.name(s.get("to_school"), "school"))
    start, end = _date(s.get("start")), _date(s.get("end"))
    if not (start and end):
        return
    # a batch (people) is named by all its people
    person = s.get("person") or "、".join(str(p.get("name", "")) for p in s.get("people") or [])
    kind = r.get("kind", "")
    if start > end:
        yield c.error(("secondment", "end"), "rule.secondment_order", person=person, kind=kind, start=start, end=end)
        return
    county = (c.ref(s.get("to_school"), "school") or {}).get("county")
    cover = school_calendar.secondment_cover(kind, start, end, c.source.find("calendar"), county)
    if cover and cover.short:
        yield c.warning(("secondment", "end"), "rule.secondment_short", person=person, kind=kind, start=start,
                        end=end, days=cover.days, minimum=cover.required, period=cover.period)


def _visit_donation(c: _Ctx, r: dict) -> Iterator[Finding]:
    d = r.get("donation")
    if not d:
        return
    cash = d.get("cash_fen", 0)
    goods = sum(item.get("quantity", 0) * item.get("unit_value_fen", 0) for item in d.get("items") or [])
    total = d.get("total_fen", 0)
    if cash + goods != total:
        yield c.error(("donation", "total_fen"), "rule.donation_total",
                      total=yuan(total), cash=yuan(cash), items=yuan(goods), parts=yuan(cash + goods))


# --- student ------------------------------------------------------------------------------

def _student_id_number(c: _Ctx, r: dict) -> Iterator[Finding]:
    # Only a clear value typed in is checked; a protected (sealed) value is a dict.
    # The message never repeats the number: findings end up in logs and on screens.
    value = (r.get("identity") or {}).get("id_number")
    if isinstance(value, str):
        problem = idcard.problem(value)
        if problem:
            yield c.error(("identity", "id_number"), problem)
            return
    shown = idcard.normal(value) if isinstance(value, str) else value.get("masked") if isinstance(value, dict) else None
    if isinstance(shown, str) and isinstance(r.get("sex"), str) and not idcard.sex_fits(shown, r["sex"]):
        yield c.warning(("identity", "id_number"), "idcard.sex", sex=r["sex"])


_GRADE_ALIASES = {"初一": "七年级", "初二": "八年级", "初三": "九年级"}


def grade_stages(grade: object) -> set[str]:
    """The stages a grade is taught in (七年级: 初中; 一年级: 小学 or 中职); empty when it reads otherwise."""
    if not isinstance(grade, str):
        return set()
    text = grade.strip()
    for alias, word in _GRADE_ALIASES.items():
        if text.startswith(alias):
            text = word
    return {stage for stage, grades in situation.GRADES.items() if any(text.startswith(g) for g in grades)}


def _student_grade_stage(c: _Ctx, r: dict) -> Iterator[Finding]:
    """七年级 under 小学 is a slip of the form (a pupil's stage and grade are typed apart)."""
    stages = grade_stages(r.get("grade"))
    if stages and r.get("stage") in situation.GRADES and r["stage"] not in stages:
        yield c.warning(("grade",), "rule.student_grade_stage", grade=r.get("grade"), stage=r["stage"],
                        stages="、".join(sorted(stages, key=list(situation.GRADES).index)))


def _student_years(c: _Ctx, r: dict) -> Iterator[Finding]:
    """Earlier school years lie before the present one (the present holds from `school_year` on)."""
    present = r.get("school_year")
    for i, entry in enumerate(r.get("years") or []):
        year = entry.get("school_year")
        if present and year >= present:
            yield c.error(("years", i, "school_year"), "rule.student_year_not_earlier", year=year, present=present)


def _approved_by(c: _Ctx, student: dict, day: object) -> bool:
    """A recognition record approved by `day` stands in for a first 认定 event (a pupil recognised
    through the steps, who then graduates or moves away)."""
    return any(recognitions.approved(x) and str(x["approval"]["date"]) <= str(day)
               for x in c.source.find("recognition", student=student.get("id")))


def _student_events(c: _Ctx, r: dict) -> Iterator[Finding]:
    previous: dict | None = None
    exit_event: dict | None = None
    for n, (i, event) in enumerate(_events_by_date(r)):
        kind, day, path = event.get("event"), event.get("date"), ("events", i, "event")
        status = _status_after(previous, r)
        if n == 0 and kind != "认定" and not _approved_by(c, r, day):
            yield c.error(path, "rule.student_first_event", event=kind, date=day)
        elif kind == "脱贫" and status != ENROLLED:
            yield c.error(path, "rule.student_lift_unrecognised", date=day, status=_status_word(status))
        elif exit_event and kind not in ("返贫", "认定"):
            yield c.warning(path, "rule.student_after_exit", event=kind, date=day, exit_date=exit_event.get("date"))
        exit_event = event if kind == "退出" else (None if kind in ("返贫", "认定") else exit_event)
        previous = event


# --- recognition and notice ------------------------------------------------------------------

def _step(step: str) -> Word:
    return Word(f"rule.step.{step}")


def _posting(c: _Ctx, r: dict) -> dict | None:
    """The notice (公示) that listed the recognition."""
    return recognitions.posting_of(r, c.source.find("posting", school_year=r.get("school_year")))


def _recognition_steps(c: _Ctx, r: dict) -> Iterator[Finding]:
    """Application, review, check, notice, approval: none before the one it follows, in date order."""
    if r.get("from_event"):
        return  # made by the upgrade from a 认定 event: no steps were recorded
    notice = _posting(c, r)
    steps = recognitions.step_dates(r, notice)
    last: tuple[str, dt.date] | None = None
    for i, (step, day, present) in enumerate(steps):
        if not present:
            continue
        missing = [s for s, _d, p in steps[:i] if not p]
        if missing:
            yield c.error((step,), "rule.recognition_step_missing", step=_step(step), missing=_step(missing[-1]))
        if day and last and day < last[1]:
            yield c.error((step,), "rule.recognition_step_order", step=_step(step), date=day,
                          before=_step(last[0]), before_date=last[1])
        if day:
            last = (step, day)
    approval, end = _date((r.get("approval") or {}).get("date")), _date((notice or {}).get("end"))
    if approval and end and approval <= end:
        yield c.error(("approval", "date"), "rule.recognition_before_notice_end", date=approval, end=end)
    for i, objection in enumerate(r.get("objections") or []):
        settled = _date(objection.get("settled_on"))
        if approval and (not settled or not objection.get("settlement") or settled > approval):
            yield c.error(("objections", i), "rule.recognition_objection_open", raised_by=objection.get("raised_by"),
                          date=objection.get("date"), approval=approval)
    review = r.get("review") or {}
    if review.get("result") == "通过" and not review.get("level"):
        yield c.error(("review", "level"), "rule.recognition_level_missing")
    if r.get("outcome") == "认定" and not r.get("approval"):
        yield c.error(("outcome",), "rule.recognition_outcome_unapproved")
    elif r.get("outcome") == "认定" and review.get("result") == "不通过":
        yield c.error(("outcome",), "rule.recognition_outcome_rejected")


def _recognition_once(c: _Ctx, r: dict) -> Iterator[Finding]:
    for other in c.source.find("recognition", student=r.get("student"), school_year=r.get("school_year")):
        if other.get("id") != r.get("id"):
            yield c.error(("school_year",), "rule.recognition_twice", other=other.get("id"),
                          year=r.get("school_year"), student=c.name(r.get("student"), "student"))


def _notice_period(c: _Ctx, r: dict) -> Iterator[Finding]:
    start, end = _date(r.get("start")), _date(r.get("end"))
    if not (start and end):
        return
    days = recognitions.working_days(start, end)
    if days < recognitions.NOTICE_DAYS:
        yield c.error(("end",), "rule.notice_too_short", start=start, end=end, days=days,
                      minimum=recognitions.NOTICE_DAYS)


# --- standard ------------------------------------------------------------------------------

def _standard_validity(c: _Ctx, r: dict) -> Iterator[Finding]:
    start, end = _date(r.get("valid_from")), _date(r.get("valid_to"))
    if start and end and start > end:
        yield c.error(("valid_to",), "rule.standard_validity_order", valid_from=start, valid_to=end)


def _standard_overlap(c: _Ctx, r: dict) -> Iterator[Finding]:
    """Two standards for the same programme, stage, boarding, level and county on the same day would
    leave it to chance which one a payment is checked against."""
    for other in c.source.find("standard", programme=r.get("programme")):
        if standards.overlap(r, other):
            yield c.error(("valid_from",), "rule.standard_overlap", other=other.get("id"),
                          programme=r.get("programme"), stage=r.get("stage"),
                          valid_from=other.get("valid_from"), valid_to=other.get("valid_to") or Word("rule.word.open_end"))


# --- aid ------------------------------------------------------------------------------------

def _aid_term(c: _Ctx, r: dict) -> Iterator[Finding]:
    first, second, half = str(r.get("term", "0-0-1")).split("-")
    if int(second) != int(first) + 1:
        yield c.error(("term",), "rule.aid_term", term=r.get("term"), next=int(first) + 1,
                      example=f"{first}-{int(first) + 1}-{half}")


def _aid_duplicate(c: _Ctx, r: dict) -> Iterator[Finding]:
    others = c.source.find("aid", student=r.get("student"), programme=r.get("programme"), term=r.get("term"))
    for other in others:
        if other.get("id") != r.get("id"):
            # The other payment as the coordinator knows it (date, amount, voucher), not its id.
            paid = " · ".join(str(x) for x in (other.get("paid_on"), yuan(other["amount_fen"])
                                               if isinstance(other.get("amount_fen"), int) else None,
                                               other.get("voucher")) if x)
            yield c.error(("term",), "rule.aid_duplicate", other=other.get("id"), paid=paid or str(other.get("id")),
                          term=r.get("term"), programme=r.get("programme"),
                          student=c.name(r.get("student"), "student"))


def _boarding_word(value: bool | None) -> Word:
    return Word("rule.word." + {True: "boarding", False: "day_student", None: "any_boarding"}[value])


def _aid_standard_match(c: _Ctx, r: dict) -> Iterator[Finding]:
    standard = c.ref(r.get("standard"), "standard")
    if not standard:
        return
    # (field of the standard, whose value it must equal, that value, level). Stage and boarding
    # are the student's in the school year of the payment's term, not today's.
    compared = [("programme", "of_payment", r.get("programme"), "error")]
    then = _then(c, r)
    if then:
        compared.append(("stage", "of_student", then.get("stage"), "warning"))
        if "boarding" in standard:
            compared.append(("boarding", "of_student", then["boarding"], "warning"))
    for name, whose, actual, level in compared:
        expected = standard.get(name)
        if expected != actual:
            show = _boarding_word if name == "boarding" else (lambda v: v)
            yield c.finding(level, ("standard",), "rule.aid_standard_mismatch",
                            {"what": Word(f"rule.word.field_{name}"), "whose": Word(f"rule.word.{whose}"),
                             "expected": show(expected), "actual": show(actual)})


def _aid_standard_missing(c: _Ctx, r: dict) -> Iterator[Finding]:
    """A payment of a programme that has standards names the one it follows: otherwise nothing checks it."""
    if r.get("standard") is None and c.source.find("standard", programme=r.get("programme")):
        yield c.error(("standard",), "rule.aid_standard_missing", programme=r.get("programme"))


def _then(c: _Ctx, r: dict) -> dict | None:
    """The student's situation in the school year of the payment's term."""
    student = c.ref(r.get("student"), "student")
    return situation.situation(student, year=situation.school_year_of_term(str(r.get("term", "")))) if student else None


def _aid_region(c: _Ctx, r: dict) -> Iterator[Finding]:
    standard, then = c.ref(r.get("standard"), "standard"), _then(c, r)
    if not (standard and then and standard.get("counties")):
        return
    school = c.ref(then.get("school"), "school")
    county = school.get("county") if school else None
    if school and not standards.covers_county(standard, county):
        yield c.error(("standard",), "rule.aid_region", county=county, school=c.name(school["id"], "school"),
                      region=standard.get("region", ""), counties="、".join(standard["counties"]))


def _aid_standard_valid(c: _Ctx, r: dict) -> Iterator[Finding]:
    standard = c.ref(r.get("standard"), "standard")
    paid = _date(r.get("paid_on"))
    if not (standard and paid):
        return
    start, end = _date(standard.get("valid_from")), _date(standard.get("valid_to"))
    if (start and paid < start) or (end and paid > end):
        yield c.error(("paid_on",), "rule.aid_standard_not_valid", paid_on=paid, valid_from=start,
                      valid_to=end or Word("rule.word.open_end"))


_UNIT_WORD = {"年": "year", "学期": "term", "天": "day"}


def term_days(r: dict, source: RecordSource) -> int | None:
    """The school days a per-day payment is for: its own `days`, else its term's calendar for the
    county of the student's school that year."""
    if r.get("days") is not None:
        return r.get("days")
    student = source.get(str(r.get("student", "")))
    if not student:
        return None
    then = situation.situation(student, year=situation.school_year_of_term(str(r.get("term", ""))))
    school = source.get(str(then.get("school", ""))) or {}
    calendar = standards.calendar_for(source.find("calendar", term=r.get("term")), str(r.get("term")), school.get("county"))
    return standards.school_days(calendar) if calendar else None


def _aid_amount(c: _Ctx, r: dict) -> Iterator[Finding]:
    standard = c.ref(r.get("standard"), "standard")
    if not standard or standard.get("programme") != r.get("programme"):
        return  # no standard, or the wrong one (reported above)
    unit, rate, actual = standard.get("unit"), standard.get("amount_fen", 0), r.get("amount_fen")
    days = term_days(r, c.source) if unit == "天" else None
    if unit == "天" and days is None:
        yield c.error(("days",), "rule.aid_days_missing", rate=yuan(rate))
        return
    if standard.get("cap"):
        if standards.within_cap(standard, actual, days) is False:
            yield c.error(("amount_fen",), "rule.aid_above_cap", actual=yuan(actual), cap=yuan(rate),
                          unit=Word(f"rule.word.unit_{_UNIT_WORD[unit]}"), programme=standard.get("programme"))
        return
    expected = standards.term_amounts(standard, days)
    meant = [e for e in expected or () if isinstance(actual, int) and actual and e in (actual * 100, actual / 100)]
    if meant and actual not in expected:
        # A hundred times off is yuan and fen mixed up (500 typed for 500.00 元), not a payment off the standard.
        yield c.error(("amount_fen",), "rule.aid_amount_hundredfold", actual=yuan(actual), meant=yuan(meant[0]),
                      fen=meant[0])
        return
    if expected and actual not in expected:
        yield c.warning(("amount_fen",), "rule.aid_amount_off", actual=yuan(actual), expected=yuan(min(expected)),
                        rate=yuan(rate), unit=Word(f"rule.word.unit_{_UNIT_WORD[unit]}"),
                        programme=standard.get("programme"), stage=standard.get("stage"),
                        boarding=_boarding_word(standard.get("boarding")))


def _aid_shares(c: _Ctx, r: dict) -> Iterator[Finding]:
    shares = r.get("shares") or []
    total = sum(int(s.get("fen", 0)) for s in shares)
    if shares and total != r.get("amount_fen"):
        yield c.error(("shares",), "rule.aid_shares_sum", sum=yuan(total), amount=yuan(r.get("amount_fen", 0)),
                      parts="、".join(f"{s.get('source')} {yuan(int(s.get('fen', 0)))}" for s in shares))
    if shares and r.get("source") not in {s.get("source") for s in shares}:
        yield c.error(("source",), "rule.aid_source_not_shared", source=r.get("source"))


def _aid_eligible(c: _Ctx, r: dict) -> Iterator[Finding]:
    """Eligible on the day paid; for a programme that needs recognition and a student whose
    recognitions are recorded, approved for the payment's school year and paid after its notice ended."""
    student = c.ref(r.get("student"), "student")
    paid = _date(r.get("paid_on"))
    if not (student and paid):
        return
    programme = str(r.get("programme", ""))
    recognised = c.source.find("recognition", student=student["id"])
    if recognised and standards.needs_recognition(programme):
        year = situation.school_year_of_term(str(r.get("term", "")))
        approved = recognitions.approved_for(recognised, year)
        if approved is None:
            yield c.error(("student",), "rule.aid_not_recognised", student=c.name(student["id"], "student"),
                          year=year, programme=programme)
            return
        end = _date((_posting(c, approved) or {}).get("end"))
        if end and paid <= end:
            yield c.error(("paid_on",), "rule.aid_before_notice_end", paid_on=paid, end=end)
            return
    if not may_be_paid(student, programme, paid, recognised):
        status = student_status(student, paid, recognised)
        yield c.error(("paid_on",), "rule.aid_not_eligible", student=c.name(student["id"], "student"),
                      paid_on=paid, status=_status_word(status))


# --- measurement -------------------------------------------------------------------------------

def _measurement_target(c: _Ctx, r: dict) -> Iterator[Finding]:
    """A measurement is of a measured target of its plan, in the target's unit, inside the plan period."""
    start, end = _period(r)
    if start and end and start > end:
        yield c.error(("period", "end"), "rule.measurement_period_order", start=start, end=end)
    plan = c.ref(r.get("plan"), "plan")
    if not plan:
        return
    title = plan.get("title", plan.get("id"))
    target = next((t for t in plan.get("targets") or [] if t.get("key") == r.get("target")), None)
    if target is None:
        keys = "、".join(str(t.get("key")) for t in plan.get("targets") or []) or "—"
        yield c.error(("target",), "rule.measurement_target_unknown", target=r.get("target"), plan=title, keys=keys)
    elif bool(target.get("kinds") or target.get("direction")) or target.get("metric") not in MEASURED_METRICS:
        yield c.error(("target",), "rule.measurement_target_counted", target=r.get("target"), plan=title)
    elif target.get("unit") != r.get("unit"):
        yield c.error(("unit",), "rule.measurement_unit", unit=r.get("unit"), target=r.get("target"),
                      expected=target.get("unit"))
    first, last = _period(plan)
    if start and end and first and last and (start < first or end > last):
        yield c.error(("period",), "rule.measurement_out_of_period", start=start, end=end, first=first, last=last,
                      plan=title)


# --- inspection -----------------------------------------------------------------------------------

def _inspection_plan(c: _Ctx, r: dict) -> Iterator[Finding]:
    plan = c.ref(r.get("plan"), "plan")
    if not plan:
        return
    start, _end = _period(plan)
    day = _date(r.get("date"))
    title = plan.get("title", plan.get("id"))
    if start and day and day < start:
        yield c.error(("date",), "rule.inspection_before_start", date=day, start=start, plan=title)
    keys = {t.get("key") for t in plan.get("targets") or []}
    for i, f in enumerate(r.get("findings") or []):
        if f.get("target") not in keys:
            yield c.error(("findings", i, "target"), "rule.inspection_target_unknown", target=f.get("target"),
                          plan=title)


def _plan_accepted(c: _Ctx, r: dict) -> Iterator[Finding]:
    """已验收 is what an inspection says, never a status typed in."""
    if r.get("status") != "已验收":
        return
    if not any(i.get("result") == "通过" for i in c.source.find("inspection", plan=r.get("id"))):
        yield c.error(("status",), "rule.plan_accepted_without_inspection")


# --- calendar --------------------------------------------------------------------------------

def _calendar_term(c: _Ctx, r: dict) -> Iterator[Finding]:
    """A term's calendar: its first day before its last, its months in session inside them."""
    term = str(r.get("term", ""))
    first, last = _date(r.get("first_day")), _date(r.get("last_day"))
    if not (first and last):
        return
    if first > last:
        yield c.error(("last_day",), "rule.calendar_term_order", term=term, first=first, last=last)
        return
    for j, month in enumerate(r.get("months") or []):
        if not first.isoformat()[:7] <= str(month) <= last.isoformat()[:7]:
            yield c.error(("months", j), "rule.calendar_month_outside", month=month, term=term, first=first, last=last)


def _calendar_once(c: _Ctx, r: dict) -> Iterator[Finding]:
    """One calendar of a term for a county: with two (a correction entered as a new record), which
    one's school days a per-day payment counts on would be left to the order of their ids."""
    mine = set(r.get("counties") or [])
    for other in c.source.find("calendar", term=r.get("term")):
        theirs = set(other.get("counties") or [])
        if other.get("id") != r.get("id") and (mine & theirs or not (mine or theirs)):
            yield c.error(("term",), "rule.calendar_twice", term=r.get("term"), other=other.get("id"))


def _calendar_overlap(c: _Ctx, r: dict) -> Iterator[Finding]:
    """Two terms of the same counties never share a day."""
    first, last = _date(r.get("first_day")), _date(r.get("last_day"))
    if not (first and last) or first > last:
        return
    mine = set(r.get("counties") or [])
    for other in c.source.find("calendar"):
        theirs = set(other.get("counties") or [])
        if other.get("id") == r.get("id") or other.get("term") == r.get("term") or (mine and theirs and not mine & theirs):
            continue
        if mine != theirs and not (mine and theirs):
            continue  # a county's own calendar and the one for every county are alternatives, not neighbours
        a, b = _date(other.get("first_day")), _date(other.get("last_day"))
        if a and b and first <= b and a <= last:
            yield c.error(("first_day",), "rule.calendar_terms_overlap", term=r.get("term"), other=other.get("term"),
                          first=first, last=last, other_first=a, other_last=b)

# --- help that is not a payment by policy --------------------------------------------------------

def _aid_donation(c: _Ctx, r: dict) -> Iterator[Finding]:
    """A payment out of a donation names a 捐赠 activity with cash, and a donation's payments never
    add up to more than its cash."""
    if not r.get("donation"):
        return
    visit = c.ref(r.get("donation"), "visit")
    if not visit:
        return
    cash = (visit.get("donation") or {}).get("cash_fen")
    if visit.get("kind") != "捐赠" or not isinstance(cash, int):
        yield c.error(("donation",), "rule.aid_donation_not_cash", visit=visit.get("id"))
        return
    paid = sum(int(a.get("amount_fen", 0)) for a in c.source.find("aid", donation=visit["id"]) if a.get("id") != r.get("id"))
    total = paid + int(r.get("amount_fen", 0))
    if total > cash:
        yield c.error(("amount_fen",), "rule.aid_donation_exceeded", paid=yuan(total), cash=yuan(cash),
                      donor=(visit.get("donation") or {}).get("donor", ""))


def _sponsorship_period(c: _Ctx, r: dict) -> Iterator[Finding]:
    start, end = _period(r)
    if start and end and start > end:
        yield c.error(("period", "end"), "rule.sponsorship_period_order", start=start, end=end)


# --- payment batch ----------------------------------------------------------------------------

def _batch_steps(c: _Ctx, r: dict) -> Iterator[Finding]:
    """A batch is made, then approved, then paid: no step dated before the one it follows."""
    steps = (("batch", ("date",), _date(r.get("date"))),
             ("approval", ("approval", "date"), _date((r.get("approval") or {}).get("date"))),
             ("payment", ("payment", "date"), _date((r.get("payment") or {}).get("date"))))
    last = None
    for step, path, day in steps:
        if day and last and day < last[1]:
            yield c.error(path, "rule.batch_step_order", step=_step(step), date=day, before=_step(last[0]),
                          before_date=last[1])
        if day:
            last = (step, day)


# --- the table ---------------------------------------------------------------------------

COMMON: tuple[Rule, ...] = (_references,)
RULES: dict[str, tuple[Rule, ...]] = {
    "plan": (_plan_period, _plan_roles, _unique_keys, _plan_budget, _plan_schedule, _plan_targets, _plan_accepted,
             _plan_pairs),
    "unit": (_unit_parent,),
    "visit": (_visit_plan, _visit_dates, _visit_host_is_visitor, _visit_parties, _visit_secondment, _visit_donation),
    "calendar": (_calendar_term, _calendar_once, _calendar_overlap),
    "measurement": (_measurement_target,),
    "inspection": (_inspection_plan,),
    "student": (_student_id_number, _unique_keys, _student_years, _student_grade_stage, _student_events),
    "standard": (_standard_validity, _standard_overlap),
    "recognition": (_recognition_steps, _recognition_once),
    "posting": (_notice_period,),
    "batch": (_batch_steps,),
    "sponsorship": (_sponsorship_period,),
    "aid": (_aid_term, _aid_duplicate, _aid_standard_missing, _aid_standard_match, _aid_region, _aid_standard_valid,
            _aid_amount, _aid_shares, _aid_eligible, _aid_donation),
}


# --- personal identifiers (store/rules/protected.py: compared by keyed hash, no key needed) ------

def _duplicate_identity(c: _Ctx, r: dict) -> Iterator[Finding]:
    """The same ID number (or 学籍号) on two students, compared by keyed hash: an error naming the other."""
    yield from protected.duplicate_identifiers(r, c.source, c.schemas)


RULES["student"] = RULES["student"] + (_duplicate_identity,)


def _clear_identifiers(c: _Ctx, r: dict) -> Iterator[Finding]:
    """A clear ID, mobile or card number outside its protected field (store/rules/identifiers.py)."""
    yield from identifiers.misplaced(r, c.schemas)


COMMON = COMMON + (_clear_identifiers,)


# --- rules in both directions --------------------------------------------------------------
# The rules of a record that read a record it refers to. When that record changes, they are run
# again on every record referring to it: a plan's new period must still hold its visits and its
# targets their measurements and inspections' findings, a standard's validity and counties its
# payments, a student's events and school the payments made while eligible, a donation's cash the
# payments out of it; a school's county its pupils' payments, a term's calendar the per-day payments
# that count its days, a notice (公示) the recognitions it lists and their payments, a passing
# inspection its plan's 已验收 (READERS: they do not name it). tests/test_rules_both_ways.py finds
# every such read.

DEPENDENT: dict[str, tuple[tuple[str, Rule], ...]] = {
    "plan": (("visit", _visit_dates), ("visit", _visit_parties), ("measurement", _measurement_target),
             ("inspection", _inspection_plan)),
    "unit": (("unit", _unit_parent),),
    "student": (("aid", _aid_eligible), ("aid", _aid_region), ("aid", _aid_amount), ("aid", _aid_standard_match)),
    "standard": (("aid", _aid_standard_match), ("aid", _aid_standard_valid), ("aid", _aid_region),
                 ("aid", _aid_amount)),
    "visit": (("aid", _aid_donation),),
}

# Records that read another without naming it, and how to find them from it.
Finder = Callable[[dict, RecordSource, Schemas], Iterable[dict]]


def _kept(r: dict, source: RecordSource, fields: tuple[str, ...]) -> bool:
    """The record stays, with these fields as they were before the change (`before`: the ledger's,
    the merge's and the hub's sources): what its readers read of it is unchanged."""
    was = getattr(source, "before", None)
    before = was(r["id"]) if was is not None else None
    return bool(before) and source.get(r["id"]) is not None and all(before.get(k) == r.get(k) for k in fields)


def _payments_of_student(r: dict, source: RecordSource, schemas: Schemas) -> list[dict]:
    """A recognition's readers: its student's payments (they read the student's recognitions)."""
    return source.find("aid", student=r["student"]) if isinstance(r.get("student"), str) else []


def _payments_of_pupils(r: dict, source: RecordSource, schemas: Schemas) -> list[dict]:
    """A school's readers: the payments to its pupils of now or of an earlier year (a payment reads
    the county of its student's school in its term). They read its county alone, so a school saved
    with its county as before has none to re-check; else one find of the students and one of the
    payments, not one per pupil."""
    if _kept(r, source, ("county",)):
        return []
    pupils = {rid for rid, _where in referrers(r["id"], source, schemas, types=("student",))}
    return [a for a in source.find("aid") if a.get("student") in pupils] if pupils else []


def _plan_inspected(r: dict, source: RecordSource, schemas: Schemas) -> list[dict]:
    """An inspection's reader: its plan, 已验收 only while an inspection passed it."""
    plan = source.get(r["plan"]) if isinstance(r.get("plan"), str) else None
    return [plan] if isinstance(plan, dict) else []


def _per_day_payments_of_term(r: dict, source: RecordSource, schemas: Schemas) -> list[dict]:
    """A calendar's readers: the term's payments at a per-day standard that give no days of their
    own (they count the calendar's school days). Found through the few per-day standards, not
    through every payment of the term."""
    return [a for standard in source.find("standard", unit="天")
            for a in source.find("aid", standard=standard["id"], term=r.get("term")) if a.get("days") is None]


def _listed_recognitions(r: dict, source: RecordSource, schemas: Schemas) -> list[dict]:
    """A notice's readers: the recognitions it lists, now or before this change (a recognition reads
    the notice listing it: that there is one, and its dates). None when those stay as they were."""
    if _kept(r, source, ("school_year", "start", "end", "recognitions")):
        return []
    was = getattr(source, "before", None)
    before = (was(r["id"]) if was is not None else None) or {}
    listed = dict.fromkeys([*(r.get("recognitions") or []), *(before.get("recognitions") or [])])
    return [x for x in map(source.get, listed) if isinstance(x, dict) and x.get("type") == "recognition"]


def _payments_after_notice(r: dict, source: RecordSource, schemas: Schemas) -> list[dict]:
    """A notice's other readers: the payments to the students it lists (paid after it ended)."""
    students = dict.fromkeys(x.get("student") for x in _listed_recognitions(r, source, schemas))
    return [a for s in students if isinstance(s, str) for a in source.find("aid", student=s)]


# Findings of rules read from one side only, knowingly: "a payment of a programme that has standards
# names the one it follows" is not declared from the standard's side, because a programme's first
# standard would then be refused while payments of it name none, and they cannot name it before it
# is saved. A save, a merge and the hub let such a standard in; `bangfu validate` names the payments.
ONE_SIDED = frozenset({"rule.aid_standard_missing"})

READERS: dict[str, tuple[tuple[str, Finder, Rule], ...]] = {
    "calendar": (("aid", _per_day_payments_of_term, _aid_amount),),
    "posting": (("recognition", _listed_recognitions, _recognition_steps),
                ("aid", _payments_after_notice, _aid_eligible)),
    "recognition": (("aid", _payments_of_student, _aid_eligible),),
    "school": (("aid", _payments_of_pupils, _aid_region), ("aid", _payments_of_pupils, _aid_amount)),
    "inspection": (("plan", _plan_inspected, _plan_accepted),),
}
MAX_LISTED = 10


def _dependants(record: dict, source: RecordSource, schemas: Schemas) -> dict[str, bool]:
    """The records whose rules read this one: id -> whether it names this one (a reader does not)."""
    out: dict[str, bool] = {}
    if record.get("type") in DEPENDENT:
        for other_id, _where in referrers(record["id"], source, schemas):
            out[other_id] = True
    for finder in dict.fromkeys(finder for _t, finder, _rule in READERS.get(record.get("type"), ())):
        for other in finder(record, source, schemas):
            out.setdefault(str(other.get("id")), False)
    return out


def broken_referrers(record: dict, source: RecordSource, schemas: Schemas) -> list[Finding]:
    """Errors the record as it is in `source` causes in the records that refer to it or read it."""
    return _dependants_checked(record, source, schemas)[0]


def _dependants_checked(record: dict, source: RecordSource, schemas: Schemas
                        ) -> tuple[list[Finding], list[Finding], dict[str, bool]]:
    """(broken_referrers, the warnings the change gives those records that they did not have
    before it, and of each record found: whether it names this one). The warnings are looked
    for only where `source` knows the record as it was before (a save, a merge, the hub) and it
    differs: a warning never stops a save, but whoever changed a standard or a pupil is told
    which payments it now leaves off their standard."""
    rules = DEPENDENT.get(record.get("type"), ()) + tuple((t, rule) for t, _finder, rule in READERS.get(record.get("type"), ()))
    if not rules or not ids.is_id(record.get("id")):
        return [], [], {}
    out: list[Finding] = []
    warned: list[Finding] = []
    wanted = {t for t, _rule in rules}
    dependants = _dependants(record, source, schemas)
    was = getattr(source, "before", None)
    was = was(record["id"]) if was is not None else record
    as_was = _As(source, record["id"], was) if was != record else None
    for other_id in dependants:
        other = source.get(other_id)
        if not isinstance(other, dict) or other.get("type") not in wanted:
            continue
        if any(f.level == "error" for f in schemas.check(other)):
            continue   # the rules run only on records that fit their schema (validate names it)
        c = _Ctx(other, source, schemas)
        found = [f for t, rule in rules if t == other["type"] for f in rule(c, other)]
        out += [f for f in found if f.level == "error"]
        warnings = [f for f in found if f.level == "warning"]
        if warnings and as_was is not None:
            c = _Ctx(other, as_was, schemas)
            had = {(f.path, f.rule) for t, rule in rules if t == other["type"] for f in rule(c, other)
                   if f.level == "warning"}
            warned += [f for f in warnings if (f.path, f.rule) not in had]
    return out, warned, dependants


class _As:
    """A source in which one record is as it was before the change (absent: it was not there)."""

    def __init__(self, source: RecordSource, record_id: str, was: dict | None):
        self.source, self.rid, self.was = source, record_id, was

    def get(self, record_id: str) -> dict | None:
        return self.was if record_id == self.rid else self.source.get(record_id)

    def find(self, type: str, **equal: object) -> list[dict]:
        found = [d for d in self.source.find(type, **equal) if d.get("id") != self.rid]
        was = self.was
        if was is not None and was.get("type") == type and all(_field(was, k) == v for k, v in equal.items()):
            found = sorted([*found, was], key=lambda d: str(d.get("id")))
        return found


def _field(record: dict, name: str) -> object:
    """A field as find names it (nested with `__` or dots)."""
    node: object = record
    for part in name.replace("__", ".").split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _referrer(c: _Ctx, record: str, path: tuple) -> str:
    """A record a change would break, as its reader knows it: 马晓梅 … 750.00元（aid-…）的「发放日期」."""
    doc = c.source.get(record)
    name = cleartext.mask_text(label(doc, c.source)) if doc else record
    who = record if name == record else i18n.t("rule.referrer", name=name, record=record)
    rtype = ids.type_of(record) if ids.is_id(record) else None
    # (a rule may name a step rather than a field: 公示 of a recognition; then the record alone)
    title = title_of(c.schemas, rtype, path) if rtype and path and c.schemas.field(rtype, path) else ""
    return i18n.t("rule.referrer_field", who=who, field=title) if title else who


def _referrers_kept(c: _Ctx, r: dict) -> Iterator[Finding]:
    broken, warned, dependants = _dependants_checked(r, c.source, c.schemas)
    for found, level, rule in ((broken, "error", "rule.breaks_referrers"), (warned, "warning", "rule.warns_referrers")):
        if not found:
            continue
        places = sorted({(f.record, f.path) for f in found}, key=lambda rp: (rp[0], dotted(rp[1])))
        listed = i18n.in_each_language(lambda: i18n.listing(_referrer(c, rid, path) for rid, path in places[:MAX_LISTED])
                                       + ("…" if len(places) > MAX_LISTED else ""))
        # Those naming it refer to it; a reader's rule reads it without naming it (a payment
        # checked against its pupil's recognition, its school's county, the term's calendar).
        naming = {dependants.get(f.record, True) for f in found}
        who = "rule.who_both" if len(naming) > 1 else "rule.who_naming" if naming == {True} else "rule.who_reading"
        yield c.finding(level, (), rule, {"who": Word(who), "count": len({f.record for f in found}),
                                          "list": listed,
                                          "first": found[0].record})


for _type in {**DEPENDENT, **READERS}:
    RULES[_type] = RULES.get(_type, ()) + (_referrers_kept,)


# What the rules of many records of a type ask the ledger, asked once for a whole save
# (store/rules/prefetch.py): a disbursement's payments ask for the student's payments of the
# programme in the term (_aid_duplicate) and the student's recognitions (_aid_eligible).
BULK: dict[str, prefetch.Bulk] = {
    "aid": prefetch.Bulk(finds=(prefetch.Grouped("aid", "student", ("programme", "term")),
                                prefetch.Grouped("recognition", "student"))),
}


def source_for(records: list[dict], source: RecordSource, schemas: Schemas | None = None) -> RecordSource:
    """The ledger as the rules of a save's records read it: each question asked once for the save,
    the records they refer to (students, standards, a batch's 50,000 entries) read together."""
    schemas = schemas or _project_schemas()
    referred = [value for r in records for path in schemas.references.get(r.get("type"), ())
                for _where, value in _referring(r, path) if isinstance(value, str)]
    return prefetch.Prefetched(source, records, BULK, referred)


def check(record: dict, source: RecordSource, *, deleting: bool = False,
          schemas: Schemas | None = None, scanned: bool = False) -> list[Finding]:
    """Findings of every rule beyond the schema for one record that passed its schema.

    With `deleting=True`, the only question is whether the record may go: one error per
    record (and field) that still refers to it. `scanned`: this very version was already looked
    through for clear identifiers (the hub does it commit by commit)."""
    c = _Ctx(record, source, schemas or _project_schemas())
    if deleting:
        return _deletion(c, record)
    out: list[Finding] = []
    for rule in COMMON + RULES.get(record.get("type"), ()):
        if not (scanned and rule is _clear_identifiers):
            out.extend(rule(c, record))
    return out
