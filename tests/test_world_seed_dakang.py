"""The seed plan of 民治二小 helping 大康小学 (2015—2016, 深教〔2015〕48号) as the demo carries it: its
monthly arrangement, targets and activities, every figure counted by hand on the default calendar
(no calendar record for 2015-16: autumn 09-01 to 01-20 with September to January in session,
spring 03-01 to 07-10 with March to June)."""
from __future__ import annotations

import datetime as dt

from store.figures import dashboard as d
from store.figures import period as P

PLAN = "plan-01M7W5DAKX0000000000000001"
LONGGANG = "unit-01M7W5DAKX0000000000000001"
TODAY = dt.date(2026, 12, 5)


def _term(demo, term):
    [p] = [x for x in d.plan_progress(demo, term, today=TODAY) if x.plan == PLAN]
    return p, {t.key: t for t in p.targets}


def test_the_autumn_term_of_the_dakang_plan(demo):
    p, t = _term(demo, "2015-2016-1")
    assert p.calendar is None                                   # the default calendar
    # 互访互查或观摩 each month: 互访 09-24, 跟班学习 10-15, 集体备课 11-05 and 听课评课 11-19;
    # nothing in December; January has only the 联席会议 of 01-08, which is not one of the kinds.
    assert [(m.month, m.state, m.amount) for m in t["exchange"].months] == [
        ("2015-09", "met", 1.0), ("2015-10", "met", 1.0), ("2015-11", "met", 2.0),
        ("2015-12", "missed", 0.0), ("2016-01", "missed", 0.0)]
    assert (t["exchange"].actual, t["exchange"].goal, t["exchange"].met) == (3.0, 5.0, False)
    # no lecture at 大康小学 this term
    assert (t["lectures"].actual, t["lectures"].met) == (0.0, False)
    # 陈丽娟's 挂职 at 民治二小 (09-01 to 01-20) covers the term: 1 of the year's 2 head teachers
    assert (t["head-teachers"].actual, t["head-teachers"].met, t["head-teachers"].short) == (1.0, False, ())
    # 6 teachers of 大康小学 learnt at 民治二小 on 10-15; 10 were planned
    assert (t["learning"].actual, t["learning"].met) == (6.0, False)
    # 3 rooms measured against 2 for the whole plan
    assert (t["rooms"].actual, t["rooms"].met, t["rooms"].records) == (
        3.0, True, ("measurement-01M7W5DAKX0000000000000001",))
    assert p.empty_months == ("2015-12",)
    assert len(p.visits) == 7           # 6 activities from 09-10 to 01-08, and the 挂职 from 09-01


def test_the_spring_term_of_the_dakang_plan(demo):
    p, t = _term(demo, "2015-2016-2")
    # March 跟班学习 03-17; April only a lecture; May 听课评课 05-12; June only the students' visit (联谊活动)
    assert [(m.month, m.state) for m in t["exchange"].months] == [
        ("2016-03", "met"), ("2016-04", "missed"), ("2016-05", "met"), ("2016-06", "missed")]
    assert (t["exchange"].actual, t["exchange"].goal) == (2.0, 4.0)
    assert (t["lectures"].actual, t["lectures"].met) == (1.0, True)
    # the year so far: 陈丽娟 counts; 黄志明's seven weeks (03-14 to 04-29) do not make a term:
    # 35 school days of the spring's 94 (March 23, April 21, May 22, June 22, July 1–10 6)
    assert (t["head-teachers"].actual, t["head-teachers"].met) == (1.0, False)
    assert t["head-teachers"].short == ("visit-01M7W5DAKX0000000000000014",)
    [short] = p.short_secondments
    assert (short.person, short.days, short.minimum) == ("黄志明", 35, 94)
    assert (t["learning"].actual, t["learning"].met) == (12.0, True)


def test_the_school_year_report_of_longgang(demo):
    f = P.figures(demo, P.period_of(year="2015-2016"), "county", LONGGANG, TODAY)
    assert [p.plan for p in f.plans] == [PLAN]
    assert (len(f.supporting), len(f.supported)) == (1, 1)
    # 12 activities and the 2 挂职
    assert len(f.visits) == 14
    assert [(k.kind, k.count, k.person_times) for k in f.kinds] == [
        ("互访", 1, 4), ("专题讲座", 1, 40), ("听课评课", 2, 7), ("集体备课", 1, 5), ("跟班学习", 2, 18),
        ("挂职", 2, 2), ("联席会议", 3, 22), ("联谊活动", 2, 65)]
    assert (f.seconded_people, f.seconded_times, f.lectures, f.hours_sent) == (2, 2, 1, 0)
    # targets by term: 互访 (a month), lectures and learning (a term) in each term, head-teachers (a
    # school year) and rooms (the whole plan) once: met are rooms, spring's lectures and learning
    results = [(t.key, t.met) for _p, _term, t in f.targets()]
    assert sorted(k for k, _m in results) == ["exchange", "exchange", "head-teachers", "learning", "learning",
                                              "lectures", "lectures", "rooms"]
    assert ([m for _k, m in results].count(True), [m for _k, m in results].count(False)) == (3, 5)
    # nine months in session, December 2015 empty for the plan and both schools
    assert [(g.kind, len(g.months), g.empty_months) for g in f.gaps] == [
        ("plan", 9, ("2015-12",)), ("school", 9, ("2015-12",)), ("school", 9, ("2015-12",))]


def test_the_summary_draft_of_longgang_names_the_term_of_each_target_missed(demo):
    from store.io import summary

    text = summary.draft(P.figures(demo, P.period_of(year="2015-2016"), "county", LONGGANG, TODAY))
    title = "《民治二小结对帮扶大康小学计划（2015—2016学年）》的指标"
    # autumn: the monthly exchange (3 of 5), the lecture (0), the learning (6 of 10 人次); spring: the
    # monthly exchange (2 of 4); the school year: the head teachers (1 of 2), once
    assert [line for line in text.splitlines() if line.startswith("- " + title)] == [
        f"- {title}“两校每月至少一次互访互查或观摩学习”在 2015-2016-1 学期未达标。",
        f"- {title}“民治二小教师每学期到大康小学开专题讲座”在 2015-2016-1 学期未达标。",
        f"- {title}“大康小学师生到民治二小听课、参观和学用现代化教学设备”在 2015-2016-1 学期未达标。",
        f"- {title}“两校每月至少一次互访互查或观摩学习”在 2015-2016-2 学期未达标。",
        f"- {title}“大康小学班主任到民治二小挂职学习（每人至少一学期）”在 2015-2016 学年未达标。"]
    assert "- 开展帮扶活动 14 次：互访 1 次、专题讲座 1 次、听课评课 2 次、集体备课 1 次、跟班学习 2 次、挂职 2 次、" \
           "联席会议 3 次、联谊活动 2 次。" in text
    assert "- 黄志明 的挂职不足最短期限。" in text
