"""Teachers as people (a batch of secondments entered once; people and 人次 counted apart) and
measured targets (rates and amounts from measurement records), against counts done by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from store import NEW, Change, InvalidRecord
from store.core.ids import new_id
from store.figures import dashboard as d


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}


@pytest.fixture
def world(ledger):
    city = _rec("school", name="叶集区实验学校", stage="九年一贯制", county="叶集区", area="城区")
    rural = _rec("school", name="叶集区平岗中学", stage="初中", county="叶集区", area="乡村")
    targets = [
        {"key": "teach-people", "metric": "支教", "comparison": ">=", "value": 10, "unit": "人", "per": "全程"},
        {"key": "teach-times", "metric": "支教", "comparison": ">=", "value": 16, "unit": "人次", "per": "全程"},
        {"key": "good-lessons", "metric": "其他", "comparison": ">=", "value": 30, "unit": "%", "per": "学年",
         "text": "教师优课率达30%"},
        {"key": "pass", "metric": "合格率", "comparison": "=", "value": 100, "unit": "%", "per": "学年",
         "text": "教师合格率达100%"},
        {"key": "desks", "metric": "其他", "comparison": ">=", "value": 200, "unit": "套", "per": "全程",
         "text": "添置课桌椅200套"},
    ]
    plan = _rec("plan", title="实验学校帮扶平岗中学（两学年）", status="执行中",
                period={"start": "2024-08-25", "end": "2026-08-31"},
                parties=[{"school": city["id"], "role": "帮扶"}, {"school": rural["id"], "role": "受帮扶"}],
                targets=targets)
    teachers = [_rec("teacher", name=f"教师{i:02d}", school=city["id"], subject="语文", title="一级教师")
                for i in range(1, 15)]

    def batch(people, start, end):
        return _rec("visit", plan=plan["id"], date=start, kind="支教", host_school=rural["id"],
                    visiting_school=city["id"],
                    secondment={"people": people, "from_school": city["id"], "to_school": rural["id"],
                                "start": start, "end": end})
    # 14 teachers sent on one day, entered once; a year later two of them go again with a newcomer.
    first = batch([{"name": t["name"], "teacher": t["id"]} for t in teachers], "2024-08-28", "2025-07-15")
    again = batch([{"name": teachers[0]["name"], "teacher": teachers[0]["id"]},
                   {"name": teachers[1]["name"], "teacher": teachers[1]["id"]}, {"name": "新来的"}],
                  "2025-08-28", "2026-07-15")
    records = [city, rural, plan, *teachers, first, again]
    ledger.commit([Change(r["id"], r, NEW) for r in records], action="import", message="test data")
    return {"plan": plan, "city": city["id"], "rural": rural["id"], "first": first["id"], "again": again["id"]}


def _measure(world, target, start, end, value, unit="%", **extra):
    return _rec("measurement", plan=world["plan"]["id"], target=target, period={"start": start, "end": end},
                value=value, unit=unit, **extra)


def _targets(ledger, term, today=None):
    [p] = d.plan_progress(ledger, term, today=today)
    return {t.key: t for t in p.targets}


def test_a_batch_counts_each_person_and_people_apart_from_person_times(ledger, world):
    t = _targets(ledger, "2025-2026-2", today=dt.date(2026, 8, 1))
    # People: the 14 of 2024 and the newcomer of 2025 (教师01 and 教师02 went twice) = 15.
    # 人次: 14 + 3 = 17.
    assert (t["teach-people"].actual, t["teach-people"].met) == (15.0, True)
    assert (t["teach-times"].actual, t["teach-times"].met) == (17.0, True)
    assert set(t["teach-people"].records) == {world["first"], world["again"]}


def test_measured_targets_read_the_latest_measurement_of_their_period(ledger, world):
    t = _targets(ledger, "2024-2025-2")
    assert t["good-lessons"].actual is None and t["good-lessons"].met is None      # nothing entered yet
    m1 = _measure(world, "good-lessons", "2024-09-01", "2025-01-20", 25, evidence=[{"file": "优课评比.pdf"}])
    m2 = _measure(world, "good-lessons", "2025-03-01", "2025-07-10", 35)
    m3 = _measure(world, "pass", "2024-09-01", "2025-07-10", 96)
    m4 = _measure(world, "desks", "2024-09-01", "2025-06-30", 120, unit="套")
    m5 = _measure(world, "desks", "2025-09-01", "2026-06-30", 210, unit="套")
    ledger.commit([Change(r["id"], r, NEW) for r in (m1, m2, m3, m4, m5)], message="measurements")
    autumn = _targets(ledger, "2024-2025-1")
    # In the autumn the year's latest measurement so far is January's 25 %: below 30 %.
    assert (autumn["good-lessons"].actual, autumn["good-lessons"].met, autumn["good-lessons"].records) == (
        25.0, False, (m1["id"],))
    spring = _targets(ledger, "2024-2025-2")
    assert (spring["good-lessons"].actual, spring["good-lessons"].met) == (35.0, True)
    assert spring["good-lessons"].records == (m1["id"], m2["id"])
    assert (spring["pass"].actual, spring["pass"].met) == (96.0, False)
    # 套 over the whole plan: the latest count, 210 in June 2026.
    assert (spring["desks"].actual, spring["desks"].met) == (210.0, True)


def test_report_prints_a_measured_targets_own_text(ledger, world):
    from store.io import report

    ledger.put(_measure(world, "good-lessons", "2025-03-01", "2025-07-10", 35))
    built = report.build(ledger, "2024-2025-2", today=dt.date(2025, 9, 1))
    rows = {r[0]: r for r in report.target_rows(built.plans[0])}
    assert rows["教师优课率达30%（其他 ≥ 30 %/学年）"][1:3] == ["35 %", "达标"]
    assert rows["教师合格率达100%（合格率 = 100 %/学年）"][1:3] == ["尚未测量", "缺测量"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_measured_target_not_measured_yet_is_in_progress_then_missing(ledger, world, lang):
    """合格率 = 100 %/学年 has no measurement: during the school year 2024-25 it is in progress,
    after 2025-08-31 missing; the same words in the term report, the period report and the home."""
    from store.core import i18n
    from store.figures import period
    from store.io import period_report, report
    from tui.screens.home import _target_figure

    words = {"zh": ("尚未测量", "进行中", "缺测量"), "en": ("not measured yet", "in progress", "missing")}[lang]
    i18n.set_lang(lang)
    try:
        during = _targets(ledger, "2024-2025-2", today=dt.date(2025, 5, 1))["pass"]
        after = _targets(ledger, "2024-2025-2", today=dt.date(2025, 9, 1))["pass"]
        assert (during.actual, during.met, during.open, during.missing) == (None, None, True, False)
        assert (after.actual, after.met, after.open, after.missing) == (None, None, False, True)
        for today, shown in ((dt.date(2025, 5, 1), words[:2]), (dt.date(2025, 9, 1), (words[0], words[2]))):
            built = report.build(ledger, "2024-2025-2", today=today)
            [row] = [r for r in report.target_rows(built.plans[0]) if r[0].startswith("教师合格率")]
            assert tuple(row[1:3]) == shown
            f = period.figures(ledger, period.period_of(year="2024-2025"), "plan", world["plan"]["id"], today)
            [table] = [t for t in period_report.sections(f) if t.title == period_report.T("targets")]
            # (a target of the school year is one row, judged as the year stands: not 缺测量 for the
            # autumn while the year is in progress)
            year = "2024-2025学年" if lang == "zh" else "school year 2024-2025"
            assert [(r[1], tuple(r[3:5])) for r in table.rows if r[2].startswith("教师合格率")] == [(year, shown)]
        home = _target_figure(during, "caption").prompt.plain
        assert home.endswith(f"— {words[0]}（{words[1]}）" if lang == "zh" else f"— {words[0]} ({words[1]})")
        assert "不由活动记录统计" not in home and "not counted from activities" not in home
    finally:
        i18n.set_lang("zh")


def test_bad_measurements_are_refused(ledger, world):
    cases = [
        (_measure(world, "good-lessons", "2026-09-01", "2026-12-31", 30), "rule.measurement_out_of_period", ("period",)),
        (_measure(world, "good-lessons", "2025-03-01", "2025-07-10", 30, unit="套"), "rule.measurement_unit", ("unit",)),
        (_measure(world, "nothing", "2025-03-01", "2025-07-10", 30), "rule.measurement_target_unknown", ("target",)),
        (_measure(world, "teach-people", "2025-03-01", "2025-07-10", 3, unit="人"), "rule.measurement_target_counted",
         ("target",)),
    ]
    for record, rule, path in cases:
        with pytest.raises(InvalidRecord) as err:
            ledger.put(record)
        assert [(f.rule, f.path) for f in err.value.findings] == [(rule, path)]
    assert ledger.count("measurement") == 0


def test_demo_kindergarten_plan_and_the_batch_of_fourteen(demo):
    [kg] = [p for p in d.plan_progress(demo, "2026-2027-1", today=dt.date(2026, 12, 5))
            if p.plan == "plan-01M7W3ZTWXN000000000000001"]
    t = {x.key: x for x in kg.targets}
    # 一幼 went to 九彩 on 09-16, 10-14 (and 10-28), 11-18; December is under way.
    assert [(m.month, m.state) for m in t["monthly-visit"].months] == [
        ("2026-09", "met"), ("2026-10", "met"), ("2026-11", "met"), ("2026-12", "open"), ("2027-01", "future")]
    # 4 + 3 hours sent of 10, 1 lecture of 2: the term is not over.
    assert (t["teaching-sent"].actual, t["teaching-sent"].open) == (7.0, True)
    assert (t["lectures"].actual, t["lectures"].open) == (1.0, True)
    # Measured: 优课率 25 % of 30 % (below, with the year to run: in progress), 合格率 100 % (met),
    # papers not measured yet: in progress until the autumn term ends.
    assert (t["good-lessons"].actual, t["good-lessons"].met, t["good-lessons"].open) == (25.0, False, True)
    assert (t["qualified"].actual, t["qualified"].met) == (100.0, True)
    assert (t["papers"].actual, t["papers"].met, t["papers"].unmeasured, t["papers"].open) == (None, None, True, True)
    # 实验学校 → 平岗中学 2025-26: 钱海涛 and the batch of 14 sent on 2025-08-28 = 15 people.
    [pg] = [p for p in d.plan_progress(demo, "2025-2026-1") if p.plan == "plan-01M7W32B2ZJDQZP7Z70S5SPQTA"]
    secondment = {x.key: x for x in pg.targets}["secondment"]
    assert (secondment.actual, secondment.met, len(secondment.records)) == (15.0, True, 2)


def test_report_counts_people_and_person_times_apart(ledger, world):
    from store.io import report

    def counts(term):
        rows = {r[0]: r[1] for r in report.headline(report.build(ledger, term, today=dt.date(2026, 9, 1)))}
        return rows[report.T("seconded_people")], rows[report.T("seconded_times")]
    # Spring 2025: the batch of 14. Autumn 2025: 教师01, 教师02 (again) and the newcomer.
    assert counts("2024-2025-2") == (14, 14)
    assert counts("2025-2026-1") == (3, 3)
    [row] = report.build(ledger, "2025-2026-1", today=dt.date(2026, 9, 1)).plans[0].secondments
    assert row.person == "教师01、教师02、新来的" and not row.short


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_home_shows_the_measured_dropout_rate_against_its_target(demo, lang):
    import asyncio

    from store.core import i18n
    from tui.app import BangfuApp
    from tui.widgets.figure_list import FigureList

    # 三元中学's measured 辍学率 for the autumn so far: 6 of 1186 pupils = 0.51 % (≤ 2 %: met), and
    # 培训率 60 of 96 teachers = 62.5 % of 85 %: short, with the school year still to run.
    words = {"zh": ("辍学率 ≤2% 每学年", "培训率 ≥85% 每学年"),
             "en": ("dropout rate ≤2% per school year", "training rate ≥85% per school year")}[lang]

    async def home():
        app = BangfuApp(demo, today=dt.date(2026, 12, 5))
        async with app.run_test(size=(80, 24)) as pilot:
            panel = app.screen.query_one("#plans", FigureList)
            for _ in range(400):
                if any(words[0] in f.prompt.plain for f in panel.figures):
                    break
                await pilot.pause(0.05)
            return [(f.prompt.plain.strip(), f.record_type, f.ids) for f in panel.figures]

    i18n.set_lang(lang)
    try:
        lines = asyncio.run(home())
    finally:
        i18n.set_lang("zh")
    [dropout] = [x for x in lines if x[0].startswith(words[0])]
    assert dropout[0].endswith("0.51/2%") and "█" * 10 in dropout[0]
    assert dropout[1:] == ("measurement", ("measurement-01M7W3ZTWXN000000000000004",))
    [training] = [x for x in lines if x[0].startswith(words[1])]
    assert training[0].endswith("62.5/85%")
    assert training[1:] == ("measurement", ("measurement-01M7W3ZTWXN000000000000005",))
    # every target of 城关中学's plan now has a figure
    start = next(i for i, x in enumerate(lines) if x[0].startswith("城关中学结对帮扶三元中学计划"))
    end = next(i for i, x in enumerate(lines) if i > start and x[1] == "plan")
    assert not [x for x in lines[start:end] if "不由活动记录统计" in x[0] or "not counted from activities" in x[0]]


SANYUAN, YEJI = "school-01M7W305FRBZ0CDJ9SQ57TJW27", "unit-01M7W4VN1T0000000000000004"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_period_report_reads_the_measured_dropout_rate_like_its_target_row(demo, lang):
    """三元中学 2026-2027: the overview's 辍学率 and the target row beside it are one figure, the
    measured 0.51 % (6 of 1,186, to 2026-11-30), and the year view's line opens that measurement.
    For 叶集区 it is weighed with the 21 schools worked out from their students (no dropout logged):
    2150 + 1980 + 1620 + 1410 + 1260 + 1130 + 1850 + 1540 + 1210 + 1320 + 980 + 860 + 920 + 780 + 890
    + 740 + 520 + 310 + 280 + 260 + 540 = 22,550 pupils; with 三元中学's 1,186: 0.51 % × 1186 / 23,736
    = 0.0255 %; 城关中学, 梓园小学, 实验学校, 平岗中学 and 段岗小学 have neither and are left out."""
    from store.core import i18n
    from store.figures import period
    from store.io import period_report
    from tui.screens.year import year_figures

    words = {"zh": ("0.51%（实测：三元中学，测至 2026-11-30）", "辍学率 0.51%（实测：三元中学，测至 2026-11-30）", "辍学率"),
             "en": ("0.51 % (measured: 三元中学, up to 2026-11-30)",
                    "dropout rate 0.51 % (measured: 三元中学, to 2026-11-30)", "Dropout rate")}[lang]
    i18n.set_lang(lang)
    try:
        today = dt.date(2026, 12, 5)
        f = period.figures(demo, period.period_of(year="2026-2027"), "school", SANYUAN, today)
        overview = dict(period_report.sections(f)[0].rows)
        assert overview[words[2]] == words[0]
        rows = [r for r in next(t for t in period_report.sections(f) if t.title == period_report.T("targets")).rows
                if r[2].startswith(("辍学率", "dropout", "Dropout"))]
        assert [r[3] for r in rows] == ["0.51 %"]                # a target of the school year: one row
        [line] = [x for x in year_figures(f) if x.prompt.plain.strip() == words[1]]
        assert (line.record_type, line.ids) == ("measurement", ("measurement-01M7W3ZTWXN000000000000004",))
        county = period.figures(demo, period.period_of(year="2026-2027"), "county", YEJI, today).dropout
        assert (county.source, county.headcount, len(county.worked_out), county.dropouts) == ("mixed", 23736, 21, ())
        assert round(county.rate, 4) == round(0.51 * 1186 / 23736, 4) == 0.0255
        assert len(county.left_out) == 5
    finally:
        i18n.set_lang("zh")


def test_targets_never_measured_are_counted_in_the_overview_and_the_summary(ledger, world):
    """School year 2024-2025, seen on 2025-09-01: 优课率 and 合格率 (each a school year's) have no
    measurement and the year is over: 2 targets never measured (not 2 × 2 terms), named once each.
    课桌椅 (全程, to 2026-08-31) is still in progress."""
    from store.figures import period
    from store.io import period_report, summary

    f = period.figures(ledger, period.period_of(year="2024-2025"), "plan", world["plan"]["id"], dt.date(2025, 9, 1))
    overview = dict(period_report.sections(f)[0].rows)
    assert overview["期满未测量的指标（项）"] == 2
    assert "- 另有 2 项指标期满仍未测量：实验学校帮扶平岗中学（两学年）·教师优课率达30%、实验学校帮扶平岗中学（两学年）·教师合格率达100%。" \
        in summary.draft(f).splitlines()


def test_the_latest_period_stands_whichever_was_entered_first_and_a_later_entry_of_it_replaces_it(ledger, world):
    # The spring survey (35 %) was entered before the autumn's (25 %, typed in late): spring stands.
    spring = _measure(world, "good-lessons", "2025-03-01", "2025-07-10", 35)
    autumn = _measure(world, "good-lessons", "2024-09-01", "2025-01-20", 25)
    ledger.commit([Change(r["id"], r, NEW) for r in (spring, autumn)], message="measurements")
    t = _targets(ledger, "2024-2025-2")["good-lessons"]
    assert (t.actual, t.met, t.records) == (35.0, True, (autumn["id"], spring["id"]))
    # The spring survey entered again, corrected to 28 %: the later entry of the same period stands.
    again = _measure(world, "good-lessons", "2025-03-01", "2025-07-10", 28)
    ledger.put(again)
    t = _targets(ledger, "2024-2025-2")["good-lessons"]
    assert (t.actual, t.met, t.records) == (28.0, False, (autumn["id"], spring["id"], again["id"]))


def test_dropout_rate_counts_a_pupil_who_left_on_the_first_day_and_says_why_it_cannot_be_worked_out():
    from store.twinning import measured
    start, end = dt.date(2025, 9, 1), dt.date(2026, 8, 31)
    school = _rec("school", name="叶集区平岗中学", stage="初中", county="叶集区", area="乡村", headcount={"students": 200})
    pupil = _rec("student", name="李明", sex="男", school=school["id"], stage="初中", grade="八年级",
                 events=[{"date": "2025-09-01", "event": "退出", "reason": "辍学"}])
    # 1 of 200 left for 辍学 on the year's first day: 0.5 %.
    rate = measured.dropout([pupil], {school["id"]: school}, start, end)
    assert (rate.source, rate.rate, rate.dropouts, rate.headcount) == ("worked_out", 0.5, (pupil["id"],), 200)
    # Another on its last day, 31 August: 2 of 200, 1 %.
    last = _rec("student", name="王芳", sex="女", school=school["id"], stage="初中", grade="九年级",
                events=[{"date": "2026-08-31", "event": "退出", "reason": "辍学"}])
    assert measured.dropout([pupil, last], {school["id"]: school}, start, end).rate == 1.0
    # No headcount and no measurement: no rate, for want of data; no school at all: for want of schools.
    bare = {k: v for k, v in school.items() if k != "headcount"}
    assert (measured.dropout([pupil], {school["id"]: bare}, start, end).reason,
            measured.dropout([pupil], {}, start, end).reason) == ("no_data", "no_schools")
