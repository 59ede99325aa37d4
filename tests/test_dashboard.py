"""The dashboard's figures (store/figures/dashboard.py), checked against numbers worked out by hand
on a small ledger built here (today is 2026-11-25, the term 2026-2027-1)."""
from __future__ import annotations

import datetime as dt

import pytest

from store.figures import dashboard as d
from store import NEW, Change

TODAY = dt.date(2026, 11, 25)
TERM = "2026-2027-1"


def test_terms():
    assert d.term_of(TODAY) == TERM
    assert d.term_of(dt.date(2027, 1, 31)) == TERM
    assert d.term_of(dt.date(2027, 2, 1)) == "2026-2027-2"
    assert d.term_of(dt.date(2027, 8, 31)) == "2026-2027-2"
    assert d.term_span(TERM) == (dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    assert d.term_span("2026-2027-2") == (dt.date(2027, 2, 1), dt.date(2027, 8, 31))
    assert d.shift_term(TERM, 1) == "2026-2027-2"
    assert d.shift_term(TERM, -1) == "2025-2026-2"
    assert d.shift_term(TERM, 2) == "2027-2028-1"
    assert d.months(dt.date(2026, 11, 3), dt.date(2027, 2, 1)) == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert not d.is_term("2026-2028-1") and not d.is_term("2026-2027-3") and d.is_term(TERM)
    with pytest.raises(ValueError):
        d.term_span("autumn")


def _school(name):
    return {"type": "school", "schema_version": 1, "name": name, "stage": "初中", "county": "某县", "area": "乡村"}


@pytest.fixture
def small(ledger):
    """Two schools, three plans, seven activities, five students, four payments."""
    r: dict[str, dict] = {}

    def add(key, record):
        from store.core.ids import new_id
        record = {"schema_version": 1, **record}
        record["id"] = new_id(record["type"])
        r[key] = record
        return record["id"]

    a, b = add("A", _school("城关中学")), add("B", _school("三元中学"))
    parties = [{"school": a, "role": "帮扶"}, {"school": b, "role": "受帮扶"}]
    targets = [
        {"key": "sent", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时", "per": "学期"},
        {"key": "lect", "metric": "专题讲座", "comparison": ">=", "value": 2, "unit": "次", "per": "学期"},
        {"key": "visit", "metric": "互访", "comparison": ">=", "value": 1, "unit": "次", "per": "月"},
        {"key": "meet", "metric": "联席会议", "comparison": ">=", "value": 3, "unit": "次", "per": "学期"},
        {"key": "cadre", "metric": "挂职", "comparison": ">=", "value": 1, "unit": "人", "per": "学年"},
        {"key": "meet-all", "metric": "联席会议", "comparison": ">=", "value": 2, "unit": "次", "per": "全程"},
        {"key": "drop", "metric": "辍学率", "comparison": "<=", "value": 2, "unit": "%", "per": "学年"},
    ]
    plan = add("P", {"type": "plan", "title": "城关中学帮扶三元中学", "status": "执行中", "parties": parties,
                     "period": {"start": "2026-08-25", "end": "2027-08-31"}, "targets": targets})
    add("Old", {"type": "plan", "title": "旧计划", "status": "已总结", "parties": parties,
                "period": {"start": "2025-09-01", "end": "2026-08-31"}})
    add("Draft", {"type": "plan", "title": "草拟计划", "status": "草拟", "parties": parties,
                  "period": {"start": "2027-01-01", "end": "2027-06-30"}})

    def visit(key, day, kind, **extra):
        return add(key, {"type": "visit", "plan": plan, "date": day, "kind": kind, "host_school": b,
                         "visiting_school": a, **extra})

    visit("v_aug", "2026-08-28", "送教下乡", hours=5)          # in the plan, before the term
    visit("v_sep", "2026-09-10", "送教下乡", hours=4)
    visit("v_sep_visit", "2026-09-05", "互访")
    visit("v_oct", "2026-10-15", "送教下乡", hours=3)
    visit("v_lect", "2026-10-20", "专题讲座")
    visit("v_meet", "2026-10-22", "联席会议")
    visit("v_meet_next", "2027-03-01", "联席会议")             # next term
    visit("v_cadre", "2026-09-01", "挂职", secondment={"person": "李老师", "from_school": a, "to_school": b,
                                                       "start": "2026-09-01", "end": "2026-10-30"})

    s1 = add("st1", {"type": "student", "name": "马晓梅", "sex": "女", "school": b, "stage": "初中", "grade": "八年级",
                     "boarding": True, "groups": ["建档立卡", "留守"],
                     "events": [{"date": "2025-09-01", "event": "认定"}]})
    s2 = add("st2", {"type": "student", "name": "李小军", "sex": "男", "school": b, "stage": "小学", "grade": "五年级",
                     "groups": ["低保"], "events": [{"date": "2025-09-01", "event": "认定"},
                                                    {"date": "2026-06-01", "event": "脱贫", "stage": "小学"}]})
    add("st3", {"type": "student", "name": "王一", "sex": "男", "school": b, "stage": "初中", "grade": "九年级",
                "groups": ["低保"], "events": [{"date": "2024-09-01", "event": "认定"},
                                               {"date": "2026-07-01", "event": "退出"}]})
    add("st4", {"type": "student", "name": "赵二", "sex": "女", "school": b, "stage": "初中", "grade": "七年级"})
    add("st5", {"type": "student", "name": "钱三", "sex": "女", "school": b, "stage": "初中", "grade": "七年级",
                "groups": ["孤儿"], "events": [{"date": "2026-12-10", "event": "认定"}]})
    board = add("S1", {"type": "standard", "programme": "义务教育寄宿生生活补助", "stage": "初中", "boarding": True,
                       "amount_fen": 125000, "unit": "年", "region": "某县", "valid_from": "2020-01-01"})
    meal = add("S2", {"type": "standard", "programme": "营养改善计划", "stage": "小学", "amount_fen": 400,
                      "unit": "天", "region": "某县", "valid_from": "2020-01-01"})

    def aid(key, student, programme, fen, day, term=TERM, **extra):
        return add(key, {"type": "aid", "student": student, "programme": programme, "term": term, "amount_fen": fen,
                         "paid_on": day, "source": "中央", "method": "银行卡", **extra})

    aid("a1", s1, "义务教育寄宿生生活补助", 62500, "2026-10-10", standard=board)
    aid("a2", s2, "营养改善计划", 30000, "2026-11-01", standard=meal, days=80)     # 80 days x 4 元 = 320 元
    aid("a3", s1, "社会捐助", 10000, "2026-11-02")                                 # no standards for it
    aid("a4", s1, "义务教育寄宿生生活补助", 62500, "2026-04-15", term="2025-2026-2", standard=board)
    ledger.commit([Change(rec["id"], rec, NEW) for rec in r.values()], action="import", message="test data")
    return {k: v["id"] for k, v in r.items()}


def test_plan_progress_against_targets(ledger, small):
    [plan, draft] = d.plan_progress(ledger, TERM, today=TODAY)
    assert (plan.plan, draft.plan) == (small["P"], small["Draft"])   # 旧计划 ended before the term
    assert (plan.start, plan.end) == (dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    got = {t.key: t for t in plan.targets}
    # 4 + 3 teaching hours in the term; the 5 hours of August belong to the year before.
    assert (got["sent"].actual, got["sent"].goal, got["sent"].met) == (7.0, 10.0, False)
    assert got["sent"].ratio == pytest.approx(0.7)
    assert set(got["sent"].records) == {small["v_sep"], small["v_oct"]}
    assert (got["lect"].actual, got["lect"].met) == (1.0, False)
    assert (got["meet"].actual, got["meet"].records) == (1.0, (small["v_meet"],))
    # September had a visit, October none: 1 of 2 months; November is under way (open, not
    # missed), December and January are still to come.
    assert (got["visit"].actual, got["visit"].goal, got["visit"].met) == (1.0, 2.0, False)
    assert [(m.month, m.state) for m in got["visit"].months] == [
        ("2026-09", "met"), ("2026-10", "missed"), ("2026-11", "open"), ("2026-12", "future"), ("2027-01", "future")]
    assert not got["visit"].open        # October is already missed
    # The term is not over: 7 of 10 hours is not met yet, and not failed either.
    assert got["sent"].open and got["lect"].open
    # 李老师's 挂职 covers 44 of the 102 school days (Monday to Friday) of the autumn term (09-01
    # to 01-20 by the default calendar): too short to count for "挂职 ≥ 1人", and shown as short.
    assert (got["cadre"].actual, got["cadre"].met, got["cadre"].short) == (0.0, False, (small["v_cadre"],))
    # Over the whole plan: the meeting logged for next March has not happened yet.
    assert (got["meet-all"].actual, got["meet-all"].met, got["meet-all"].open) == (1.0, False, True)
    assert got["drop"].actual is None and got["drop"].met is None
    assert plan.empty_months == ()        # November is under way: not yet a month with nothing logged
    assert plan.in_term and len(plan.visits) == 6 and plan.calendar is None
    [short] = plan.short_secondments
    assert (short.visit, short.person, short.days, short.minimum, short.period) == (
        small["v_cadre"], "李老师", 44, 102, "2026-2027-1")
    # The draft plan starts in January: only January is in the term, and it has not come yet.
    assert (draft.start, draft.end, draft.empty_months, draft.targets) == (
        dt.date(2027, 1, 1), dt.date(2027, 1, 31), (), ())


def test_plan_still_active_outside_its_period(ledger, small):
    old = ledger.get(small["Old"])
    ledger.put({**old, "status": "执行中"}, base=ledger.version(small["Old"]))
    # In the current term the plan shows (its period ended in August: it needs closing) ...
    stale = next(p for p in d.plan_progress(ledger, TERM, today=TODAY) if p.plan == small["Old"])
    assert (stale.in_term, stale.start, stale.end, stale.targets) == (
        False, dt.date(2025, 9, 1), dt.date(2026, 8, 31), ())
    # ... but not in a later term, nor when no today is given.
    assert small["Old"] not in [p.plan for p in d.plan_progress(ledger, "2026-2027-2", today=TODAY)]
    assert small["Old"] not in [p.plan for p in d.plan_progress(ledger, TERM)]


def test_plans_starting_the_same_day_are_listed_by_title(ledger, small):
    # 城关中学帮扶三元中学 starts 2026-08-25; two more start that day, their ids in the other order of titles.
    parties = ledger.get(small["P"])["parties"]
    for title in ("甲校计划", "乙校计划"):
        ledger.put({"type": "plan", "schema_version": 1, "title": title, "status": "执行中", "parties": parties,
                    "period": {"start": "2026-08-25", "end": "2027-07-31"}})
    assert [p.title for p in d.plan_progress(ledger, TERM, today=TODAY)] == [
        "乙校计划", "城关中学帮扶三元中学", "甲校计划", "草拟计划"]   # the draft starts 2027-01-01


def test_past_term_counts_every_month(ledger, small):
    [plan] = [p for p in d.plan_progress(ledger, TERM) if p.plan == small["P"]]
    assert plan.empty_months == ("2026-11", "2026-12", "2027-01")
    visit = {t.key: t for t in plan.targets}["visit"]
    assert (visit.actual, visit.goal) == (1.0, 5.0)


def test_aid_summary(ledger, small):
    aid = d.aid_summary(ledger, TERM, today=TODAY)
    assert aid.on == aid.duty.on == TODAY        # 应助尽助 (and the report's "unpaid as of") taken on the same day
    assert aid.by_status == {"在册": (small["st1"],), "脱贫保留": (small["st2"],), "已脱贫": (),
                             "已退出": (small["st3"],), "未认定": tuple(sorted((small["st4"], small["st5"])))}
    assert aid.by_group == {"建档立卡": (small["st1"],), "低保": (small["st2"],), "留守": (small["st1"],)}
    board, meal, gift = aid.programmes
    assert (board.programme, board.payments, board.students, board.paid_fen, board.expected_fen, board.off) == (
        "义务教育寄宿生生活补助", (small["a1"],), 1, 62500, 62500, ())
    assert (meal.programme, meal.payments, meal.students, meal.paid_fen, meal.expected_fen) == (
        "营养改善计划", (small["a2"],), 1, 30000, 32000)
    assert (meal.off, meal.unchecked) == ((small["a2"],), ())
    assert (gift.programme, gift.paid_fen, gift.expected_fen, gift.unchecked) == ("社会捐助", 10000, 0, (small["a3"],))
    assert (aid.paid_fen, aid.expected_fen) == (102500, 94500)
    # At the end of the term 钱三 has been recognised.
    assert d.aid_summary(ledger, TERM).by_status["在册"] == tuple(sorted((small["st1"], small["st5"])))
    assert d.aid_summary(ledger, "2025-2026-2").payments == (small["a4"],)


def test_latest_changes_and_terms(ledger, small):
    [change, init] = d.latest_changes(ledger, limit=10)
    assert (change.author, change.title, change.action) == ("测试员", "test data", "import")
    assert set(change.records) == set(small.values())
    assert init.action == "init" and init.records == ()
    # From the 2025 plan's autumn term to the end of the plan running into 2027.
    assert d.known_terms(ledger, TODAY) == ["2026-2027-2", TERM, "2025-2026-2", "2025-2026-1"]


def test_figures_are_remembered_for_a_version_and_worked_out_again_after_a_change(ledger, small):
    from store.figures import overview
    from store import Ledger

    first = overview.term_figures(ledger, TERM, TODAY)
    [plan, _draft] = first.plans
    assert plan.plan == small["P"] and len(plan.visits) == 6
    # The next start (another process: a fresh Ledger) shows them without reading a record.
    again = Ledger(ledger.path)
    assert overview.remembered(again, TERM, TODAY)
    assert overview.term_figures(again, TERM, TODAY) == first
    assert not again.index_loaded
    # Another day of the term is worked out anew (November is under way with nothing logged; on
    # 01-20 November and December have ended with nothing, January is under way).
    later = overview.term_figures(again, TERM, dt.date(2027, 1, 20))
    assert later.plans[0].empty_months == ("2026-11", "2026-12") and again.index_loaded
    # A save is a new version: its figures include the new activity.
    visit = {"type": "visit", "schema_version": 1, "plan": small["P"], "date": "2026-11-20", "kind": "互访",
             "host_school": small["B"], "visiting_school": small["A"]}
    saved = ledger.put(visit)
    other = Ledger(ledger.path)
    assert not overview.remembered(other, TERM, TODAY)
    after = overview.term_figures(other, TERM, TODAY)
    assert saved.id in after.plans[0].visits and after.plans[0].empty_months == ()
    # A damaged file only costs the time to work the figures out again.
    for kept in (ledger.cache_dir / "memo").glob("*.pickle"):
        kept.write_bytes(b"\x80\x05 not a pickle")
    assert overview.term_figures(Ledger(ledger.path), TERM, TODAY) == after


def test_figures_worked_out_are_answered_as_kept_and_worked_out_again_when_the_file_is_gone_meanwhile(
        ledger, small, monkeypatch):
    """The figures worked out are answered as read back from the file they were kept in (the same
    figures: the plan's six activities); when another process pruned that file before it was read
    back (here every file is pruned as soon as it is written), they are worked out once more and the
    same figures answered, not none."""
    from store.figures import overview
    from store.ledger import memo
    from store import Ledger

    worked = []
    work_out = overview.work_out
    monkeypatch.setattr(overview, "work_out", lambda *args: worked.append(1) or work_out(*args))
    kept = overview.term_figures(Ledger(ledger.path), TERM, TODAY)
    assert len(worked) == 1 and kept.plans[0].plan == small["P"] and len(kept.plans[0].visits) == 6
    monkeypatch.setattr(memo, "KEEP", 0)
    pruned = overview.term_figures(Ledger(ledger.path), TERM, dt.date(2026, 12, 1))   # (another day: not kept)
    assert len(worked) == 3 and pruned.plans[0].plan == small["P"] and len(pruned.plans[0].visits) == 6
    assert not list((ledger.cache_dir / "memo").glob("*.pickle"))


def test_figures_remembered_by_older_code_are_worked_out_again(ledger, small, tmp_path):
    """A coordinator saved today's figures; Bangfu is upgraded and a module the figures are worked
    out by changes (here the aid duty that the home's aid figures come from): the next start works
    them out again instead of showing the old ones, whichever module of store/ it is."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import store

    code = tmp_path / "code"
    shutil.copytree(Path(store.__file__).parent, code / "store", ignore=shutil.ignore_patterns("__pycache__"))
    ask = ("import datetime as dt, store; from store import Ledger; from store.figures import overview as o;"
           f"assert store.__file__.startswith({str(code)!r}), store.__file__;"
           f"l = Ledger({str(ledger.path)!r}); t = dt.date.fromisoformat({TODAY.isoformat()!r});"
           f"print(o.remembered(l, {TERM!r}, t)); o.term_figures(l, {TERM!r}, t)")
    env = {**os.environ, "PYTHONPATH": str(code)}

    def start() -> str:
        done = subprocess.run([sys.executable, "-c", ask], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert start() == "False"          # first start: worked out and kept
    assert start() == "True"           # kept for this version of the ledger and of the code
    with open(code / "store" / "aid" / "duty.py", "a", encoding="utf-8") as f:
        f.write("\n# an upgrade\n")
    assert start() == "False"          # older code's figures are not shown
