"""The recognition steps a coordinator takes for a school's list: the public notice (公示).

The notice lists the recognitions under review (reviewed and passed, checked by the school, not yet
on a notice nor approved), is posted for at least five working days, and is recorded in one commit as a posting record
(where, from when to when, which recognitions). Approval comes after the notice has ended (store/rules/checks.py)."""
from __future__ import annotations

import datetime as dt

from store.core import ids
from store.core.errors import BangfuError
from store.ledger.ledger import NEW, Change
from store.privacy.notice import working_days_end
from store.rules import recognitions


class NoticeRefused(BangfuError):
    pass


def under_review(ledger, school: str, year: str) -> list[dict]:
    """The school's recognitions of a school year that are ready for the notice."""
    posted = {rid for p in ledger.find("posting", school_year=year) for rid in p.get("recognitions") or []}
    out = []
    for r in ledger.find("recognition", school=school, school_year=year):
        if (r.get("review") or {}).get("result") == "通过" and r.get("check") and r["id"] not in posted \
                and not r.get("approval"):
            out.append(r)
    return sorted(out, key=lambda r: r["id"])


def post_notice(ledger, school: str, year: str, *, where: str, start: dt.date,
                days: int = recognitions.NOTICE_DAYS) -> tuple[dict, list[dict]]:
    """Record the notice of the recognitions under review: (the notice record, the recognitions)."""
    listed = under_review(ledger, school, year)
    if not listed:
        name = (ledger.index.get(school) or {}).get("name", school)
        raise NoticeRefused("aid.notice.nothing", school=name, year=year)
    if days < recognitions.NOTICE_DAYS:
        raise NoticeRefused("aid.notice.too_short", days=days, minimum=recognitions.NOTICE_DAYS)
    notice = {"id": ids.new_id("posting"), "type": "posting", "schema_version": 2, "school": school,
              "school_year": year, "where": where, "start": start.isoformat(),
              "end": working_days_end(start, days).isoformat(), "recognitions": [r["id"] for r in listed]}
    ledger.commit([Change(notice["id"], notice, NEW)], action="notice", message=f"notice: {len(listed)} recognitions of {year} posted at {where}",
                  extra_trailers={"School": school, "School-Year": year})
    return notice, listed
