"""A closed term's payments stay as paid: the ledger refuses to change or delete a payment of a
term that has ended or that `closed_through` in bangfu.json covers, by the rule the hub applies to
every push and the audit to the history (store/rules/terms.py `payment_closed`).

Without this guard a site saved such a change, and the hub then refused that commit on every
sync: nothing the site made after it could reach the hub. An adjustment record does not open a
closed term's payments (neither the hub nor the audit would take it); a correction is a new
payment in the term that is open."""
from __future__ import annotations

import datetime as dt

from store.core import clock
from store.core.findings import Finding
from store.ledger import hooks
from store.rules import terms


def refused(changes: list[tuple[str, dict | None, dict | None]], on: dt.date, closed_through: str | None
            ) -> list[Finding]:
    out = []
    for rid, old, new in changes:
        closed = terms.payment_closed(old if (old or {}).get("type") == "aid" else None, new, on, closed_through)
        if closed:
            term, why = closed
            out.append(Finding(rid, ("term",), f"rule.payment_closed_{why}",
                               {"term": term, "end": terms.term_end(term).isoformat(), "through": closed_through or ""}))
    return out


def _guard(ledger, changes: list[tuple[str, dict | None, dict | None]]) -> list[Finding]:
    # (the day the commit is made, as the hub believes a commit's date)
    return refused(changes, clock.today(), ledger.config.get("closed_through"))


hooks.register_guard(_guard, {"aid"})
