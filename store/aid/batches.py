"""Payment batches (发放批次): how a coordinator pays a programme for a term.

A batch is a record that goes through four commits, each by the person who took the step:
1. made: every entitlement the rules give on the batch date for the term, programme and school (or
   all schools): the student eligible on that day (recognised for the school year where the
   programme needs it), the standard for their situation and county, the amount for the term
   (store/aid/duty.py works it out: a per-year standard halves, a per-day one times the school days
   of the term's calendar). Students already paid the programme this term are left out;
2. reviewed: a student removed or added, each with a reason, kept in the record's `review`;
3. approved: who and when; approving twice is refused;
4. paid: every payment of the batch, an aid record naming it, in ONE commit with the batch's
   disbursement (date, method, funding shares in percent, voucher or bank-file reference).

After approval the batch and its payments are locked: changing either needs an adjustment record
(store/ledger/adjustments.py) in the same commit, which the guard below looks for on every write."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from store.aid import duty
from store.core import collector, describe, i18n, ids
from store.core.errors import BangfuError
from store.core.findings import Finding
from store.ledger import adjustments, hooks
from store.ledger.ledger import NEW, Change
from store.rules import situation, standards, terms

DRAFT, APPROVED, PAID = "草拟", "已审批", "已发放"
REMOVE, ADD = "移除", "增加"


class BatchRefused(BangfuError):
    pass


def status(batch: dict) -> str:
    return PAID if batch.get("payment") else APPROVED if batch.get("approval") else DRAFT


def total_fen(batch: dict) -> int:
    return sum(int(e.get("amount_fen", 0)) for e in batch.get("entries") or [])


@dataclass(frozen=True)
class Made:
    batch: dict
    already_paid: tuple[str, ...]      # students due but paid this programme and term already


def _counties(ledger, school: str | None) -> set[str | None]:
    if school:
        return {(ledger.index.get(school) or {}).get("county")}
    return {s.get("county") for s in ledger.scan("school")}


def _calendar_or_refuse(ledger, term: str, school: str | None) -> None:
    """A term is paid by its calendar: a per-day standard needs its school days, and no batch is
    made for a term the ledger has no calendar of."""
    calendars = ledger.find("calendar", term=term)
    for county in sorted(_counties(ledger, school), key=str):
        if standards.calendar_for(calendars, term, county) is None:
            raise BatchRefused("aid.batch.no_calendar", term=term, county=county or "—")


def make(ledger, term: str, programme: str, *, on: dt.date, school: str | None = None, author=None) -> Made:
    """Work out the entitlements and commit the batch (step 1)."""
    if school and (ledger.index.get(school) or {}).get("type") != "school":
        raise BatchRefused("aid.promote.no_school", school=school)
    if not standards.is_due_by_rule(programme):
        raise BatchRefused("aid.batch.on_application", programme=programme)
    start, end = terms.term_span(term)
    if not start <= on <= end:
        raise BatchRefused("aid.batch.date_outside", date=on.isoformat(), term=term)
    _calendar_or_refuse(ledger, term, school)
    with collector.held():   # (every student of the ledger read, each due one an entitlement)
        return _make(ledger, term, programme, on, school, author)


def _make(ledger, term: str, programme: str, on: dt.date, school: str | None, author) -> Made:
    due = duty.entitlements(ledger, term, programme, school=school, on=on)
    paid = {a.get("student") for a in ledger.find("aid", term=term, programme=programme)}
    entries = [_entry(e) for e in due if e.student not in paid]
    batch = {"id": ids.new_id("batch"), "type": "batch", "schema_version": 2, "term": term, "programme": programme,
             "date": on.isoformat(), "entries": entries}
    if school:
        batch["school"] = school
    ledger.commit([Change(batch["id"], batch, NEW)], action="make", author=author,
                  message=_title(ledger, "make", batch), extra_trailers={"Batch": batch["id"]})
    return Made(batch, tuple(sorted(e.student for e in due if e.student in paid)))


def _title(ledger, action: str, batch: dict, what: str = "") -> str:
    """A step's commit title as every commit of the ledger has one: `type: action record`, the
    record's values as stored (store/core/describe.py), then what the step did."""
    return describe.summary(batch, action, ledger) + (f": {what}" if what else "")


def _entry(e: duty.Entitlement) -> dict:
    if e.amount_fen is None:
        raise BatchRefused("aid.batch.amount_unknown", student=e.student, standard=e.standard)
    entry = {"student": e.student, "standard": e.standard, "amount_fen": e.amount_fen}
    if e.days is not None:
        entry["days"] = e.days
    return entry


def batch_record(ledger, batch_id: str) -> dict:
    """The batch of that id; anything else (another record, no record, not an id) is refused."""
    try:
        # As stored, not a copy (a batch of 50,000 entries takes a second to copy): every step
        # makes its new version beside it.
        batch = ledger.peek([ids.check_id(batch_id)])[0] or ledger.get(batch_id)
    except ids.BadId:
        raise BatchRefused("aid.batch.not_a_batch", record=batch_id) from None
    if batch.get("type") != "batch":
        raise BatchRefused("aid.batch.not_a_batch", record=batch_id)
    return batch


def _draft(ledger, batch_id: str) -> dict:
    batch = batch_record(ledger, batch_id)
    if batch.get("approval"):
        raise BatchRefused("aid.batch.approved_already", batch=batch_id, by=batch["approval"].get("by", ""),
                           date=batch["approval"].get("date", ""))
    return batch


def _student_name(ledger, student: str) -> str:
    return (ledger.index.get(student) or {}).get("name", student)


def remove(ledger, batch_id: str, student: str, *, reason: str, by: str, on: dt.date, author=None) -> dict:
    """Take a student off the list, saying why (step 2)."""
    batch = _draft(ledger, batch_id)
    kept = [e for e in batch["entries"] if e["student"] != student]
    if len(kept) == len(batch["entries"]):
        raise BatchRefused("aid.batch.not_listed", student=_student_name(ledger, student), batch=batch_id)
    return _reviewed(ledger, batch, kept, REMOVE, student, reason, by, on, author)


def add(ledger, batch_id: str, student: str, *, reason: str, by: str, on: dt.date,
        amount_fen: int | None = None, author=None) -> dict:
    """Put a student the rules left out on the list, saying why (step 2): at the amount their
    standard gives for the term, or the amount given where no standard covers them."""
    batch = _draft(ledger, batch_id)
    record = ledger.index.get(student)
    if not record or record.get("type") != "student":
        raise BatchRefused("aid.batch.no_student", student=student)
    if any(e["student"] == student for e in batch["entries"]):
        raise BatchRefused("aid.batch.listed_already", student=record.get("name", student), batch=batch_id)
    found = duty.entitlement_of(ledger, record, batch["programme"], batch["term"], dt.date.fromisoformat(batch["date"]))
    if found and found.amount_fen is not None:
        entry = _entry(found)
        if amount_fen is not None and amount_fen != found.amount_fen:
            entry["amount_fen"] = amount_fen
    elif amount_fen is not None:
        entry = {"student": student, "amount_fen": amount_fen}
    else:
        raise BatchRefused("aid.batch.add_amount", student=record.get("name", student), programme=batch["programme"])
    return _reviewed(ledger, batch, [*batch["entries"], entry], ADD, student, reason, by, on, author)


def _reviewed(ledger, batch: dict, entries: list[dict], action: str, student: str, reason: str, by: str,
              on: dt.date, author) -> dict:
    if not reason.strip():
        raise BatchRefused("aid.batch.reason_missing")
    step = {"action": action, "student": student, "reason": reason.strip(), "date": on.isoformat()}
    if by:
        step["by"] = by
    doc = {**batch, "entries": entries, "review": [*(batch.get("review") or []), step]}
    ledger.commit([Change(batch["id"], doc, ledger.version(batch["id"]))], action="review", author=author,
                  message=_title(ledger, "review", doc, f"{action} {_student_name(ledger, student)}"),
                  extra_trailers={"Batch": batch["id"], "Reason": reason.strip()})
    return doc


def open_objections(ledger, batch: dict) -> list[tuple[str, dict]]:
    """(student, objection) for each objection to a listed student's recognition of the school year
    that was never settled: the list is not approved over it."""
    year = situation.school_year_of_term(batch["term"])
    out = []
    for entry in batch.get("entries") or []:
        for r in ledger.find("recognition", student=entry["student"], school_year=year):
            out += [(entry["student"], o) for o in r.get("objections") or []
                    if not (o.get("settled_on") and o.get("settlement"))]
    return out


def approve(ledger, batch_id: str, *, by: str, on: dt.date, author=None) -> dict:
    """The approver's decision (step 3): once, after the batch date, with no objection open."""
    batch = _draft(ledger, batch_id)
    if not by.strip():
        raise BatchRefused("aid.batch.approver_missing")
    if on < dt.date.fromisoformat(batch["date"]):
        raise BatchRefused("aid.batch.approved_before", date=on.isoformat(), batch_date=batch["date"])
    if not batch["entries"]:
        raise BatchRefused("aid.batch.empty", batch=batch_id)
    objections = open_objections(ledger, batch)
    if objections:
        student, objection = objections[0]
        raise BatchRefused("aid.batch.objection_open", student=_student_name(ledger, student),
                           raised_by=objection.get("raised_by", ""), date=objection.get("date", ""),
                           count=len(objections))
    doc = {**batch, "approval": {"by": by.strip(), "date": on.isoformat()}}
    ledger.commit([Change(batch["id"], doc, ledger.version(batch["id"]))], action="approve", author=author,
                  message=_title(ledger, "approve", doc, f"by {by.strip()}"),
                  extra_trailers={"Batch": batch["id"]})
    return doc


def split(amount_fen: int, shares: list[dict]) -> list[dict]:
    """A payment split by percent shares: each share its part rounded down, the fen left over to the
    largest share (the first of equal ones), so the parts add up to the amount."""
    parts = [{"source": s["source"], "fen": amount_fen * int(s["percent"]) // 100} for s in shares]
    largest = max(range(len(shares)), key=lambda i: (int(shares[i]["percent"]), -i))
    parts[largest]["fen"] += amount_fen - sum(p["fen"] for p in parts)
    return parts


def check_shares(shares: list[dict]) -> None:
    total = sum(int(s["percent"]) for s in shares)
    sources = [s["source"] for s in shares]
    if not shares or total != 100:
        raise BatchRefused("aid.batch.shares_sum", total=total,
                           parts=i18n.listing(f"{s['source']} {s['percent']}%" for s in shares) or "—")
    if len(set(sources)) != len(sources):
        raise BatchRefused("aid.batch.shares_twice", source=next(s for s in sources if sources.count(s) > 1))


def payments(batch: dict, *, on: dt.date, method: str, shares: list[dict], reference: str) -> list[dict]:
    """The aid records the disbursement makes, one per entry."""
    main = max(shares, key=lambda s: int(s["percent"]))["source"]
    out = []
    for entry, rid in zip(batch["entries"], ids.new_ids("aid", len(batch["entries"]))):
        aid = {"id": rid, "type": "aid", "schema_version": 2, "student": entry["student"],
               "programme": batch["programme"], "term": batch["term"], "amount_fen": entry["amount_fen"],
               "paid_on": on.isoformat(), "method": method, "source": main, "voucher": reference,
               "batch": batch["id"]}
        for key in ("standard", "days"):
            if key in entry:
                aid[key] = entry[key]
        if len(shares) > 1:
            aid["shares"] = split(entry["amount_fen"], shares)
        out.append(aid)
    return out


def pay(ledger, batch_id: str, *, on: dt.date, method: str, shares: list[dict], reference: str,
        author=None) -> tuple[dict, list[dict]]:
    """The disbursement (step 4): every payment of the batch and the batch's payment in one commit."""
    batch = batch_record(ledger, batch_id)
    if batch.get("payment"):
        raise BatchRefused("aid.batch.paid_already", batch=batch_id, date=batch["payment"].get("date", ""),
                           reference=batch["payment"].get("reference", ""))
    if not batch.get("approval"):
        raise BatchRefused("aid.batch.not_approved", batch=batch_id)
    if on < dt.date.fromisoformat(batch["approval"]["date"]):
        raise BatchRefused("aid.batch.paid_before", date=on.isoformat(), approved=batch["approval"]["date"])
    if not reference.strip():
        raise BatchRefused("aid.batch.reference_missing")
    check_shares(shares)
    with collector.held():   # (a payment and its file, findings and index row for each entry)
        return _pay(ledger, batch, on=on, method=method, shares=shares, reference=reference, author=author)


def _pay(ledger, batch: dict, *, on: dt.date, method: str, shares: list[dict], reference: str,
         author) -> tuple[dict, list[dict]]:
    made = payments(batch, on=on, method=method, shares=shares, reference=reference.strip())
    doc = {**batch, "payment": {"date": on.isoformat(), "method": method,
                                "shares": [{"source": s["source"], "percent": int(s["percent"])} for s in shares],
                                "reference": reference.strip()}}
    changes = [Change(batch["id"], doc, ledger.version(batch["id"]))] + [Change(a["id"], a, NEW) for a in made]
    ledger.commit(changes, action="pay", author=author,
                  message=_title(ledger, "pay", doc, reference.strip()),
                  extra_trailers={"Batch": batch["id"]})
    return doc, made


# --- the lock ----------------------------------------------------------------------------------

def _disbursing(old: dict | None, new: dict | None) -> bool:
    """The one change an approved batch takes: its payment added, nothing else."""
    return bool(old and new and old.get("approval") and not old.get("payment") and new.get("payment")
                and {k: v for k, v in new.items() if k != "payment"} == old)


def refused(changes: list[tuple[str, dict | None, dict | None]], before) -> list[Finding]:
    """Errors for changes to an approved batch or to a payment of one, without an adjustment record
    naming them in the same change; `before` is the ledger as it stood (anything with `get`)."""
    adjusted = adjustments.adjusted(changes)
    # Paid by these changes (at the hub, a push may hold a batch's every step, from its making on).
    disbursed = {rid for rid, old, new in changes
                 if new and new.get("type") == "batch" and new.get("payment") and not (old or {}).get("payment")}
    out: list[Finding] = []
    for rid, old, new in changes:
        if rid in adjusted:
            continue
        doc = old or new or {}
        if doc.get("type") == "batch" and old and old.get("approval") and not _disbursing(old, new):
            out.append(Finding(rid, (), "rule.batch_locked", {"by": old["approval"].get("by", ""),
                                                              "date": old["approval"].get("date", "")}))
        elif doc.get("type") == "aid":
            if old is None:
                if new and new.get("batch") and new["batch"] not in disbursed:
                    out.append(Finding(rid, ("batch",), "rule.batch_payment_outside", {"batch": new["batch"]}))
                continue
            batch = before.get(old["batch"]) if old.get("batch") else None
            if batch and batch.get("approval"):
                out.append(Finding(rid, (), "rule.batch_payment_locked",
                                   {"batch": i18n.in_each_language(lambda: describe.label(batch, before)), "by": batch["approval"].get("by", ""),
                                    "date": batch["approval"].get("date", "")}))
    return out


def _guard(ledger, changes: list[tuple[str, dict | None, dict | None]]) -> list[Finding]:
    return refused(changes, ledger.index)


hooks.register_guard(_guard, {"batch", "aid", "adjustment"})
