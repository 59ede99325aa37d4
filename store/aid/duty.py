"""应助尽助 and 精准 by programme: for a term (and a school, or all), which (student, programme) pairs
the rules say are due, and how the payments of the term stand against them.

A student is due a programme in a term when they stand in the term's school year (promoted into
it, or entered for it), a standard of that programme covers their situation that year (stage,
boarding, the county of their school, their level) on the day the figures are taken, and they are
on the roll: recognised and eligible for a programme that needs it (认定), not gone for the others.
Programmes paid on application (a loan, the school bus) are never due. The figures' day is the
term's last day once it is over, today within it, and its first day before it begins: who is due is
who will be on the roll when the term begins, not who is today. A term of a school year nobody
stands in yet (the promotion has not been run) cannot be counted: the figures say so.

Per programme the inspector reads: due and unpaid, paid but not due (or not eligible on the day
paid), paid twice, paid off the standard; and the same person (the keyed hash of the ID number)
paid by two student records, as two sites may each have entered one. A programme with no payment
at all in the term is "not yet paid" as a whole, with the number due, not one line per student."""
from __future__ import annotations

import contextlib
import copy
import datetime as dt
import itertools
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Iterable

from store.core.money import fen_of
from store.rules import checks, recognitions, situation, standards, terms


@dataclass(frozen=True, slots=True)
class Entitlement:
    student: str
    programme: str
    standard: str
    amount_fen: int | None          # for the term; None when it cannot be told (a per-day standard, no calendar)
    days: int | None = None         # the school days a per-day standard pays for


@dataclass(frozen=True, slots=True)
class Pair:
    student: str
    programme: str
    payments: tuple[str, ...]       # the payments behind the finding (none for an unpaid pair)
    expected_fen: int | None = None
    paid_fen: int = 0


class _Columns(Sequence):
    """Many findings of one programme, held as columns: the students, and for each an index into the
    few distinct rest of them (a standard and its amount). A county's decade has 290,000 students
    due in a term and 210,000 of them unpaid: an object each took about 35 MB in every dashboard,
    the columns 12 bytes a student. Read as a tuple of the findings (each made when asked)."""

    def __init__(self, programme: str, items: Iterable):
        students, rests, which = [], {}, array("I")
        names = [f.name for f in fields(self.kind)][1:]   # (the student first, then the rest)
        for item in items:
            student, rest = item.student, tuple(getattr(item, name) for name in names)
            students.append(student)
            which.append(rests.setdefault(rest, len(rests)))
        self.programme, self.students, self._rests, self._which = programme, tuple(students), tuple(rests), which

    def __len__(self) -> int:
        return len(self.students)

    def __getitem__(self, n):
        if isinstance(n, slice):
            return tuple(self[i] for i in range(*n.indices(len(self))))
        return self.kind(self.students[n], *self._rests[self._which[n]])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (tuple, _Columns)) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


def held_in(findings: "_Columns | tuple", table) -> "_Columns | tuple":
    """The same findings with their students as numbers into `table` (store/core/ids.py `IdTable`);
    findings given as a tuple stay one."""
    if not isinstance(findings, _Columns):
        return findings
    held = copy.copy(findings)
    held.students = table.list(findings.students)
    return held


def students_of(findings: "_Columns | tuple") -> Sequence[str]:
    """The students of findings (`Dues`, `Unpaid`, or a tuple of `Entitlement`s or `Pair`s), in order."""
    return findings.students if isinstance(findings, _Columns) else tuple(f.student for f in findings)


class Dues(_Columns):
    """The students due a programme (`Entitlement`s)."""
    kind = Entitlement


class Unpaid(_Columns):
    """The students due a programme and not paid (`Pair`s without payments)."""
    kind = Pair


@dataclass(frozen=True)
class ProgrammeDuty:
    programme: str
    due: Dues | tuple[Entitlement, ...]
    payments: tuple[str, ...]
    unpaid: Unpaid | tuple[Pair, ...]
    not_due: tuple[Pair, ...]       # paid, but not eligible on the day or not covered by any standard
    twice: tuple[Pair, ...]
    off: tuple[Pair, ...]           # paid an amount the standard does not give

    @property
    def started(self) -> bool:
        return bool(self.payments)

    @property
    def findings(self) -> int:
        return len(self.unpaid) + len(self.not_due) + len(self.twice) + len(self.off)


@dataclass(frozen=True)
class Duty:
    term: str
    on: dt.date
    schools: frozenset[str] | None
    programmes: tuple[ProgrammeDuty, ...]
    same_person: tuple[Pair, ...]   # one person paid one programme through two student records
    knowable: bool = True           # False: the students there, but none stands in the term's school year yet

    @property
    def started(self) -> bool:
        """Whether anything at all has been paid in the term (else: 本学期尚未发放)."""
        return any(p.started for p in self.programmes)

    @property
    def findings(self) -> int:
        return sum(p.findings for p in self.programmes if p.started) + len(self.same_person)


def figures_day(term: str, today: dt.date | None) -> dt.date:
    """The day a term's figures are taken: its last day once over (or without a today), today within
    it, its first day before it begins."""
    start, end = terms.term_span(term)
    return end if today is None else max(start, min(end, today))


class _Ledger:
    """What the figures read, once: the records of the types they need, and the index's look-ups."""

    def __init__(self, source):
        self.source = source
        self.standards = list(source.scan("standard"))
        self._entitled: dict[tuple, dict | None] = {}
        self._valid: dict[tuple, tuple[int, list[dict]]] = {}
        self._sets: dict[tuple[str, ...], int] = {}
        # A standard fits only its own programme and stage, on the days it is valid: each
        # situation walks those few, its dates read once, not every standard of every year
        # (17,866 situations × 2,009 standards at 200k records).
        self._of: dict[tuple, list[tuple[dict, dt.date | None, dt.date | None]]] = {}
        for s in self.standards:
            with contextlib.suppress(TypeError):   # (a list where a word belongs: it fits nothing)
                self._of.setdefault((s.get("programme"), s.get("stage")), []).append((s, *standards.validity(s)))
        self._by_id = {s["id"]: s for s in self.standards}
        self.calendars = list(source.scan("calendar"))
        self._county = {s["id"]: s.get("county") for s in source.scan("school")}   # (the schools' county only)
        self._days: dict[str, int | None] = {}
        self.recognised: dict[str, list[dict]] = {}
        for r in source.scan("recognition"):
            self.recognised.setdefault(str(r.get("student", "")), []).append(r)

    def standard(self, rid: str) -> dict:
        return self._by_id[rid]

    def entitled(self, programme: str, stage: object, boarding: bool, county: object, difficulty: object,
                 on: dt.date) -> dict | None:
        """standards.entitled, asked once per situation and set of standards valid on the day: every
        student of a county's ledger asks, in a handful of situations, and a payment asks on the day
        it was paid (a term's payments fall on a few hundred days and the standards change on few)."""
        try:
            valid, chosen = self._valid_on(programme, stage, on)
            key = (programme, stage, boarding, county, difficulty, valid)
            try:
                return self._entitled[key]
            except KeyError:
                found = self._entitled[key] = standards.entitled(chosen, programme, stage, boarding, county,
                                                                 difficulty, on)
                return found
        except TypeError:   # (a list where a word belongs, in a file edited by hand)
            return standards.entitled(self.standards, programme, stage, boarding, county, difficulty, on)

    def _valid_on(self, programme: str, stage: object, on: dt.date) -> tuple[int, list[dict]]:
        """The standards of a programme and stage valid on a day, and a number naming that set."""
        key = (programme, stage, on)
        if key not in self._valid:
            chosen = [s for s, start, end in self._of.get((programme, stage), ()) if standards.valid_between(start, end, on)]
            ids = tuple(str(s.get("id")) for s in chosen)
            self._valid[key] = (self._sets.setdefault(ids, len(self._sets)), chosen)
        return self._valid[key]

    def county(self, school: str | None) -> str | None:
        return self._county.get(school or "")

    def school_days(self, term: str, county: str | None) -> int | None:
        """The school days of the term's calendar for the county, counted once per calendar."""
        calendar = standards.calendar_for(self.calendars, term, county)
        if calendar is None:
            return None
        if calendar["id"] not in self._days:
            self._days[calendar["id"]] = standards.school_days(calendar)
        return self._days[calendar["id"]]


def _on_ledger(data: _Ledger, student: dict, on: dt.date) -> bool:
    """Taken onto the aid ledger by `on` (a 认定 event or an approved recognition): a programme for
    every pupil is due only to the students the ledger keeps from then on."""
    day = on.isoformat()
    dates = [str(e.get("date", "")) for e in student.get("events") or [] if e.get("event") == "认定"]
    dates += [e["date"] for e in recognitions.events(data.recognised.get(student["id"], [])) if e["event"] == "认定"]
    return any(d <= day for d in dates)


def _difficulty(data: _Ledger, student: dict, year: str) -> str | None:
    """The level the year's recognition gave (its review), else the student's own."""
    approved = recognitions.approved_for(data.recognised.get(student["id"], []), year)
    return (approved or {}).get("review", {}).get("level") or student.get("difficulty")


def _standing(data: _Ledger, student: dict, year: str, then: dict | None = None) -> tuple:
    """What the standards look at in a school year: (stage, boarding, county, difficulty); `then` is
    the student's situation that year, when known already."""
    then = then or situation.situation(student, year=year)
    return then.get("stage"), then["boarding"], data.county(then.get("school")), _difficulty(data, student, year)


def _entitled(data: _Ledger, student: str, standing: tuple, programme: str, term: str,
              on: dt.date) -> Entitlement | None:
    standard = data.entitled(programme, *standing, on)
    if standard is None:
        return None
    days = data.school_days(term, standing[2]) if standard.get("unit") == "天" else None
    amounts = standards.term_amounts(standard, days)
    return Entitlement(student, programme, standard["id"], max(amounts) if amounts and not standard.get("cap")
                       else None, days)


def entitlement(data: _Ledger, student: dict, programme: str, term: str, on: dt.date) -> Entitlement | None:
    """What the rules give this student for this programme in this term (None: nothing)."""
    return _entitled(data, student["id"], _standing(data, student, situation.school_year_of_term(term)), programme,
                     term, on)


def entitlement_of(source, student: dict, programme: str, term: str, on: dt.date) -> Entitlement | None:
    """What the standards give this student for the programme in the term, on the day `on`, whether
    or not the student is on the roll that day (a coordinator adding a student by hand)."""
    return entitlement(_Ledger(source), student, programme, term, on)


def programmes_of(source) -> list[str]:
    return list(source.schemas().field("aid", ("programme",)).get("enum") or [])


@dataclass(frozen=True, slots=True)
class Pupil:
    """One student as the figures of a term see them on their day: what every programme asks of a
    student, worked out once rather than once per programme. (A county's students share a few
    hundred schools and situations: the roll keeps one copy of each, not one per student.)"""
    id: str
    school: object           # in the term's school year
    status: str              # checks.STATUSES, on the day
    enrolled: bool           # stands in the term's school year (situation.stands_in)
    on_ledger: bool          # taken onto the aid ledger by the day
    standing: tuple          # what the standards look at (_standing)
    groups: object           # as the record has them


@dataclass(frozen=True, slots=True)
class Paid:
    """A student paid in the term, as the checks of their payments read them: the pupil (school and
    standing that year), the status on each day they were paid, and the keyed hash of the ID number
    (the same person under two records). A look-up of every pupil by id took 4.7 MB at 200k.
    (The student's record itself, held for each of a county's 87,000 students paid in a term at
    a decade's ledger, took 185 MB.)"""
    pupil: Pupil
    digest: str | None
    days: tuple[tuple[dt.date, str], ...]   # (day paid, checks.STATUSES on it): each pair one copy for all

    def status(self, day: dt.date) -> str:
        return next(status for paid_on, status in self.days if paid_on == day)


@dataclass
class Roll:
    """The students of the ledger for a term's figures, read in one walk a page at a time (at a
    county's decade, every student's record held at once took hundreds of MB, and the figures read
    them once for the statuses and again for each programme), with what the checks of the term's
    `payments` read of the students they pay (`Paid`)."""
    data: _Ledger
    term: str
    on: dt.date
    pupils: list[Pupil]         # in the order of their ids
    students: dict[str, Paid]

    @classmethod
    def read(cls, source, term: str, on: dt.date, payments: Iterable[dict] = ()) -> "Roll":
        data = _Ledger(source)
        year = situation.school_year_of_term(term)
        days: dict[str, set[dt.date]] = {}
        for a in payments:
            paid = days.setdefault(str(a.get("student", "")), set())
            with contextlib.suppress(KeyError, TypeError, ValueError):   # (the checks name a day that is no date)
                paid.add(dt.date.fromisoformat(a["paid_on"]))
        pupils: list[Pupil] = []
        students: dict[str, Paid] = {}
        one: dict = {}   # (each school, situation, list of groups and day once)
        with contextlib.closing(source.walk("student")) as walk:   # (the walk holds the ledger still until closed)
            for student in walk:
                sid = student["id"]
                recognised = data.recognised.get(sid)
                status = checks.student_status(student, on, recognised)
                then = situation.situation(student, year=year)
                groups = student.get("groups")
                if isinstance(groups, list) and all(isinstance(g, str) for g in groups):
                    groups = tuple(groups)
                pupil = Pupil(sid, _once(one, then.get("school")), status, situation.stands_in(student, year),
                              _on_ledger(data, student, on), _once(one, _standing(data, student, year, then)),
                              _once(one, groups))
                pupils.append(pupil)
                if sid in days:
                    students[sid] = Paid(pupil, _id_digest(student), tuple(
                        _once(one, (d, checks.student_status(student, d, recognised))) for d in sorted(days[sid])))
        if any(a.id > b.id for a, b in itertools.pairwise(pupils)):   # (the ledger walks them in this order)
            pupils.sort(key=lambda p: p.id)
        return cls(data, term, on, pupils, students)

    def calendar_days(self, payment: dict) -> int | None:
        """The school days of the payment's term in its student's county that year (a per-day
        payment without its own days is for them); None when there is no calendar for it."""
        paid = self.students.get(str(payment.get("student", "")))
        if paid is None or payment.get("days") is not None:
            return None
        school = paid.pupil.school
        return self.data.school_days(self.term, self.data.county(school if isinstance(school, str) else None))


def _once(kept: dict, value: object) -> object:
    try:
        return kept.setdefault(value, value)
    except TypeError:   # (a list where a word belongs)
        return value


# What the figures read of a payment: a term's payments at a county's decade are 94,000 records,
# each read whole (voucher, source, method, ...) 1.8 kB in memory, the fields below 0.5 kB as a
# dict, 0.1 kB as a `Payment`.
_PAYMENT_FIELDS = ("id", "student", "programme", "paid_on", "amount_fen", "standard", "days")
_ABSENT = object()


class Payment:
    """The fields of a payment the term's figures read, read as the record is (`get`, `[]`): a
    field the record has not is absent here too."""
    __slots__ = _PAYMENT_FIELDS

    def __init__(self, record: dict, one: dict) -> None:
        for k in _PAYMENT_FIELDS:
            setattr(self, k, _ABSENT if k not in record else record[k] if k == "id" else _once(one, record[k]))

    def get(self, field: str, default=None):
        value = getattr(self, field, _ABSENT) if field in _PAYMENT_FIELDS else _ABSENT
        return default if value is _ABSENT else value

    def __getitem__(self, field: str):
        value = self.get(field, _ABSENT)
        if value is _ABSENT:
            raise KeyError(field)
        return value

    def __contains__(self, field: str) -> bool:
        return self.get(field, _ABSENT) is not _ABSENT

    def fields(self) -> dict:
        """The fields as the record's dict has them."""
        return {k: v for k in _PAYMENT_FIELDS if (v := getattr(self, k)) is not _ABSENT}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Payment):
            other = other.fields()
        return isinstance(other, dict) and self.fields() == other

    __hash__ = None   # type: ignore[assignment]   (equal to a dict, as unhashable as one)

    def __repr__(self) -> str:
        return f"Payment({self.fields()!r})"


def term_payments(source, term: str) -> list[Payment]:
    """The payments of a term, in the order of their ids, each with only the fields the term's
    figures read (and each value that repeats, a programme, a day, a standard, held once)."""
    one: dict = {}
    with contextlib.closing(source.walk("aid", term=term)) as walk:
        return [Payment(a, one) for a in walk]


def entitlements(source, term: str, programme: str, *, school: str | None = None,
                 on: dt.date | None = None) -> list[Entitlement]:
    """Every student due `programme` in `term` (at `school`, or anywhere), on the day `on`."""
    on = on or terms.term_span(term)[0]
    return list(_due(Roll.read(source, term, on), programme, frozenset({school}) if school else None))


def _due(roll: Roll, programme: str, schools: frozenset[str] | None) -> Dues:
    return Dues(programme, _entitlements(roll, programme, schools))


def _entitlements(roll: Roll, programme: str, schools: frozenset[str] | None) -> Iterable[Entitlement]:
    data = roll.data
    if not standards.is_due_by_rule(programme) or not any(s.get("programme") == programme for s in data.standards):
        return
    given: dict[tuple, Entitlement | None] = {}   # (a few hundred standings among a county's students)
    for pupil in roll.pupils:
        if schools is not None and pupil.school not in schools:
            continue
        if not (pupil.enrolled and pupil.on_ledger and checks.may_be_paid_as(pupil.status, programme)):
            continue
        try:
            found = given[pupil.standing]
        except KeyError:
            found = given[pupil.standing] = _entitled(data, pupil.id, pupil.standing, programme, roll.term, roll.on)
        except TypeError:   # (a list where a word belongs)
            found = _entitled(data, pupil.id, pupil.standing, programme, roll.term, roll.on)
        if found:
            yield Entitlement(pupil.id, programme, found.standard, found.amount_fen, found.days)


def duty(source, term: str, *, schools: Iterable[str] | None = None, today: dt.date | None = None,
         read: tuple[list[dict], Roll] | None = None) -> Duty:
    """The 应助尽助 figures of a term, for the students of `schools` that school year (or all): `source`
    is the ledger (anything with scan, walk and schemas); `read` the term's payments (`term_payments`)
    and the roll on the figures' day with those payments, when the caller has read them already (the
    dashboard's statuses read the same)."""
    schools = frozenset(schools) if schools is not None else None
    on = figures_day(term, today)
    if read is None:
        everything = term_payments(source, term)
        read = everything, Roll.read(source, term, on, everything)
    everything, roll = read
    data, students = roll.data, roll.students

    def at_school(sid: str) -> bool:
        return schools is None or sid in students and students[sid].pupil.school in schools

    payments = [a for a in everything if at_school(str(a.get("student", "")))]
    by_programme: dict[str, list[dict]] = {}
    for a in sorted(payments, key=lambda a: (a.get("paid_on", ""), a["id"])):
        by_programme.setdefault(a.get("programme", ""), []).append(a)
    order = programmes_of(source)
    shown = [p for p in order if p in by_programme or
             (standards.is_due_by_rule(p) and any(s.get("programme") == p for s in data.standards))]
    shown += sorted(p for p in by_programme if p not in shown)
    out = []
    for programme in shown:
        paid = by_programme.get(programme, [])
        due = _due(roll, programme, schools)
        out.append(_programme(roll, programme, due, paid))
    return Duty(term, on, schools, tuple(out), tuple(_same_person(payments, students)), _knowable(roll, schools))


def _knowable(roll: Roll, schools: frozenset[str] | None) -> bool:
    """Whether the figures can be told: no pupil (of the schools), or one standing in the school year."""
    mine = False
    for pupil in roll.pupils:
        if schools is None or pupil.school in schools:
            if pupil.enrolled:
                return True
            mine = True
    return not mine


def _programme(roll: Roll, programme: str, due: Dues, paid: list[dict]) -> ProgrammeDuty:
    data = roll.data
    paid_by: dict[str, list[dict]] = {}
    for a in paid:
        paid_by.setdefault(str(a.get("student", "")), []).append(a)
    # Before the first payment of a programme nobody is "unpaid": the programme is not yet paid.
    unpaid = Unpaid(programme, (Pair(e.student, programme, (), e.amount_fen) for e in due if e.student not in paid_by)
                    if paid else ())
    has_standards = any(s.get("programme") == programme for s in data.standards)
    not_due, twice, off = [], [], []
    for sid, theirs in sorted(paid_by.items()):
        ids = tuple(a["id"] for a in theirs)
        total = sum(fen_of(a, "amount_fen") for a in theirs)
        if len(theirs) > 1:
            twice.append(Pair(sid, programme, ids, None, total))
        student = roll.students.get(sid)
        days = [dt.date.fromisoformat(a["paid_on"]) for a in theirs]
        entitled = _entitled(data, sid, student.pupil.standing, programme, roll.term, days[0]) if student else None
        if student is None or not all(checks.may_be_paid_as(student.status(d), programme) for d in days) \
                or (has_standards and not entitled):
            not_due.append(Pair(sid, programme, ids, None, total))
            continue
        for a in theirs:
            if entitled and not _amount_fits(data, entitled, a):
                off.append(Pair(sid, programme, (a["id"],), entitled.amount_fen, fen_of(a, "amount_fen")))
    return ProgrammeDuty(programme, due, tuple(a["id"] for a in paid), unpaid, tuple(not_due), tuple(twice),
                         tuple(off))


def _amount_fits(data: _Ledger, entitled: Entitlement, payment: dict) -> bool:
    """The payment follows the standard the student is entitled to, at an amount it gives for the term."""
    standard = data.standard(entitled.standard)
    if payment.get("standard") != entitled.standard:
        return False
    amount = fen_of(payment, "amount_fen")
    # Days that are not a whole number (a hand edit) are as good as not given: the payment is held
    # against the calendar's days, and the figures still stand (money alone stops them).
    days = payment.get("days") if type(payment.get("days")) is int else None
    if standard.get("cap"):
        return standards.within_cap(standard, amount, days) is not False
    if standard.get("unit") == "天":
        allowed = standards.term_amounts(standard, days) if days is not None else \
            ({entitled.amount_fen} if entitled.amount_fen is not None else set())
    else:
        allowed = standards.term_amounts(standard, None)
    return not allowed or amount in allowed


def _id_digest(student: dict | None) -> str | None:
    """The keyed hash of a student's ID number; None where the record holds none (an identity that
    is not an object, as a hand edit or an older site may leave, is named by `bangfu validate`)."""
    identity = (student or {}).get("identity")
    number = identity.get("id_number") if isinstance(identity, dict) else None
    digest = number.get("hmac") if isinstance(number, dict) else None
    return digest if isinstance(digest, str) and digest else None


def _same_person(payments: list[Payment], students: dict[str, Paid]) -> list[Pair]:
    """Payments of one programme to one person under two student records (keyed hash of the ID number).
    A programme at a time, the persons paid under two records found first and only their payments
    gathered: grouping every payment by person held about 18 MB at a county's decade, for a handful of pairs."""
    def digest_of(a: Payment) -> str | None:
        paid = students.get(str(a.get("student", "")))
        return paid.digest if paid else None

    out = []
    for programme in sorted({a.get("programme", "") for a in payments}):
        first: dict[str, object] = {}   # person -> the student first paid
        twice: set[str] = set()         # persons paid under two records
        for a in payments:
            if a.get("programme", "") == programme and (digest := digest_of(a)):
                if first.setdefault(digest, a.get("student")) != a.get("student"):
                    twice.add(digest)
        if not twice:
            continue
        groups: dict[str, list[Payment]] = {}   # (in the order of each person's first payment)
        for a in payments:
            if a.get("programme", "") == programme and (digest := digest_of(a)) in twice:
                groups.setdefault(digest, []).append(a)
        out += [Pair(str(paid[0].get("student")), programme, tuple(a["id"] for a in paid), None,
                     sum(fen_of(a, "amount_fen") for a in paid)) for paid in groups.values()]
    return out
