"""Which months a plan or school logged nothing in, counted as a county inspector counts them: only
months in session (no February, July or August), inside the plan's period, begun by today; a month
is missed once it has ended with nothing logged, and the month under way is open, not missed."""
from __future__ import annotations

import datetime as dt

from store.twinning.completeness import gaps, session_months

AUTUMN, SPRING = "2026-2027-1", "2026-2027-2"


def test_months_in_session_inside_the_period_and_begun_by_today():
    # a plan from 15 October to 20 March, seen on 5 December: October, November, December so far
    assert session_months([], None, dt.date(2026, 10, 15), dt.date(2027, 3, 20), dt.date(2026, 12, 5)) == [
        (AUTUMN, "2026-10"), (AUTUMN, "2026-11"), (AUTUMN, "2026-12")]
    # the whole school year seen after it: no February, July or August
    assert [m for _t, m in session_months([], None, dt.date(2026, 9, 1), dt.date(2027, 8, 31),
                                          dt.date(2027, 9, 5))] == [
        "2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-03", "2027-04", "2027-05", "2027-06"]
    assert session_months([], None, dt.date(2027, 3, 1), dt.date(2026, 9, 1), dt.date(2027, 9, 5)) == []
    # one day touches its month
    assert session_months([], None, dt.date(2026, 10, 1), dt.date(2026, 10, 1), dt.date(2026, 12, 5)) == [
        (AUTUMN, "2026-10")]
    # a plan that ends on 1 October touches October; seen on 1 November, November has begun
    assert session_months([], None, dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 12, 5)) == [
        (AUTUMN, "2026-09"), (AUTUMN, "2026-10")]
    assert session_months([], None, dt.date(2026, 9, 1), dt.date(2027, 1, 31), dt.date(2026, 11, 1))[-1] == (
        AUTUMN, "2026-11")


def test_a_month_is_missed_once_ended_and_the_month_under_way_is_open():
    months = [(AUTUMN, "2026-09"), (AUTUMN, "2026-10"), (AUTUMN, "2026-11"), (AUTUMN, "2026-12")]
    # on 30 November, November has not ended: only October is missed; November is the open month
    g = gaps("plan", "plan-1", months, ["2026-09"], dt.date(2026, 11, 30))
    assert (g.empty_months, g.empty_terms, g.open_month, g.complete) == (("2026-10",), (), "2026-11", False)
    # on 1 December November has ended with nothing: missed; December is open
    g = gaps("plan", "plan-1", months, ["2026-09"], dt.date(2026, 12, 1))
    assert (g.empty_months, g.open_month) == (("2026-10", "2026-11"), "2026-12")
    # something logged in December: no month is open
    g = gaps("plan", "plan-1", months, ["2026-09", "2026-12"], dt.date(2026, 12, 5))
    assert (g.empty_months, g.open_month) == (("2026-10", "2026-11"), "")
    assert g.months == ("2026-09", "2026-10", "2026-11", "2026-12")


def test_a_term_is_empty_when_every_ended_month_of_it_is_and_december_ends_on_the_31st():
    months = [(AUTUMN, "2026-12"), (AUTUMN, "2027-01"), (SPRING, "2027-03")]
    g = gaps("school", "school-1", months, [], dt.date(2027, 1, 31))
    assert (g.empty_months, g.empty_terms, g.open_month) == (("2026-12",), (AUTUMN,), "2027-01")
    g = gaps("school", "school-1", months, ["2027-01"], dt.date(2027, 2, 1))
    assert (g.empty_months, g.empty_terms, g.complete) == (("2026-12",), (), False)
    # 31 December is still December
    g = gaps("school", "school-1", [(AUTUMN, "2026-12")], [], dt.date(2026, 12, 31))
    assert (g.empty_months, g.open_month) == ((), "2026-12")
    g = gaps("school", "school-1", [(AUTUMN, "2026-12")], [], dt.date(2027, 1, 1))
    assert (g.empty_months, g.open_month) == (("2026-12",), "")
