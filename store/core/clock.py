"""What day it is, for Bangfu: one place every rule that depends on today asks.

`BANGFU_TODAY` (an ISO date, `2027-03-15`) is the day Bangfu takes for today, the way git takes
GIT_COMMITTER_DATE for a commit's date: to replay an audit or a report as of a day, and for the
tests, whose demo ledger lies in the school year 2026-2027 and would otherwise see its term close
as the calendar moves on. Without it, today is the machine's.

Today decides which terms are closed to changes of their payments (at the site, at the hub, and in
the audit through the date of each commit), the current term, the date a report or an export is
made on, the date in a key's name, the day an adjustment is approved, how far back the hub believes
a commit's date, and the date of the commits Bangfu writes. A commit keeps the machine's time of day
on that day: commits made one after another stay in order within a day.

When something happened stays on the machine's clock: an identifier's time stamp (ids must keep
growing), when a conflict was recorded, when a site last synced, when a key was made or a value
revealed, a crash log's time, a lock's age. Those say when, not which day the rules take it to be."""
from __future__ import annotations

import datetime as dt
import os

from store.core.errors import BangfuError

ENV = "BANGFU_TODAY"


class BadToday(BangfuError):
    """BANGFU_TODAY is set to something that is no date."""
    exit_code = 2
    key = "error.bad_today"


def pinned() -> dt.date | None:
    """The day BANGFU_TODAY names, or None when it is unset or empty."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        if len(value) != 10:   # (fromisoformat also takes 20261206 and 2026-W49-7)
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadToday(variable=ENV, value=value[:40]) from None


def today() -> dt.date:
    return pinned() or dt.date.today()


def now() -> dt.datetime:
    """Now, in local time with its offset: on the day BANGFU_TODAY names, at the machine's time of day."""
    real = dt.datetime.now()
    day = pinned()
    if day is not None:
        real = dt.datetime.combine(day, real.time())
    return real.astimezone()
