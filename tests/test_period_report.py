"""Reports of any period and level, counted by hand on a small county: 某县 with two townships,
three schools and one from outside, two plans (one of three parties), secondments in two batches,
donations, dropouts and months with nothing logged. Then the writers: A4 HTML and xlsx with the
reporting unit, period, date and signature lines; the summary draft; the command line."""
from __future__ import annotations

import datetime as dt

import pytest

from store import NEW, Change
from store.core import i18n
from store.core.ids import new_id
from store.figures import period as P
from store.io import period_report, summary
from store.io import report as report_io

from conftest import run

COUNTY = "某县"
TODAY = dt.date(2026, 12, 5)


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}


def _term(term, first, last, months):
    return _rec("calendar", term=term, first_day=first, last_day=last, months=months, counties=[COUNTY])


@pytest.fixture
def county(ledger):
    r: dict[str, dict] = {}
    r["C"] = _rec("unit", name="某县", level="县")
    r["T1"] = _rec("unit", name="城关镇", level="乡镇", parent=r["C"]["id"])
    r["T2"] = _rec("unit", name="河口乡", level="乡镇", parent=r["C"]["id"])

    def school(key, name, unit, area, students):
        r[key] = _rec("school", name=name, stage="小学", county=COUNTY, area=area,
                      **({"unit": r[unit]["id"]} if unit else {}),
                      **({"headcount": {"students": students, "counted_on": "2025-09-01"}} if students else {}))
    school("A", "城关小学", "T1", "城区", 800)
    school("B", "河口小学", "T2", "乡村", 200)
    school("D", "河口中学", "T2", "乡村", 400)
    school("E", "外县小学", None, "城区", None)
    # Months in session: September to January, March to June (9). No holidays: school days are
    # Monday to Friday. Autumn 2025-09-01 (Mon) .. 2026-01-23 (Fri) = 21 weeks = 105 days;
    # spring 2026-03-02 (Mon) .. 2026-07-10 (Fri) = 19 weeks = 95 days; the year 200.
    cals = [_term("2025-2026-1", "2025-09-01", "2026-01-23", ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01"]),
            _term("2025-2026-2", "2026-03-02", "2026-07-10", ["2026-03", "2026-04", "2026-05", "2026-06"])]
    r["t1"] = _rec("teacher", name="王老师", school=r["A"]["id"], title="一级教师")
    r["t2"] = _rec("teacher", name="李老师", school=r["A"]["id"], title="高级教师")
    a, b, d, e = (r[k]["id"] for k in "ABDE")
    year = {"start": "2025-09-01", "end": "2026-08-31"}
    r["P1"] = _rec("plan", title="城关小学帮扶河口两校", status="执行中", period=year,
                   parties=[{"school": a, "role": "帮扶"}, {"school": b, "role": "受帮扶"}, {"school": d, "role": "受帮扶"}],
                   pairs=[{"from": a, "to": b, "dimensions": ["师资", "教学"]}, {"from": a, "to": d, "dimensions": ["物质", "资金"]}],
                   leading_group=[{"name": "张校长", "role": "组长", "position": "校长"}, {"name": "刘主任", "role": "成员"}],
                   goals=[{"area": "师资队伍", "text": "每学期送教十课时"}],
                   budget={"total_fen": 3000000, "by_year": [{"year": 2025, "fen": 1000000}, {"year": 2026, "fen": 2000000}]},
                   targets=[{"key": "hours", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时", "per": "学期"}])
    r["P2"] = _rec("plan", title="外县小学帮扶河口中学", status="执行中", period=year,
                   parties=[{"school": e, "role": "帮扶"}, {"school": d, "role": "受帮扶"}])
    p1, p2 = r["P1"]["id"], r["P2"]["id"]

    def visit(key, plan, day, kind, host, came, **extra):
        r[key] = _rec("visit", plan=plan, date=day, kind=kind, host_school=host, visiting_school=came, **extra)
    visit("v1", p1, "2025-09-15", "送教下乡", b, a, hours=4)
    visit("v2", p1, "2025-10-20", "送教下乡", d, a, hours=6)
    visit("v3", p1, "2025-11-10", "专题讲座", b, a, sessions=2)
    visit("v4", p1, "2025-12-05", "捐赠", d, a, donation={
        "donor": "城关小学", "recipient": "河口中学", "cash_fen": 500000, "total_fen": 700000,
        "items": [{"category": "图书", "name": "图书", "quantity": 100, "unit": "册", "unit_value_fen": 2000}]})
    visit("v5", p1, "2026-03-10", "捐赠", b, a, donation={
        "donor": "城关小学家委会", "recipient": "河口小学", "cash_fen": 100000, "total_fen": 100000})
    visit("s1", p1, "2025-09-01", "支教", b, a, secondment={
        "from_school": a, "to_school": b, "start": "2025-08-28", "end": "2026-07-15", "batch": "第一批",
        "people": [{"name": "王老师", "teacher": r["t1"]["id"]}, {"name": "李老师", "teacher": r["t2"]["id"]}]})
    visit("s2", p1, "2026-03-02", "挂职", d, a, secondment={
        "from_school": a, "to_school": d, "start": "2026-03-02", "end": "2026-07-10", "batch": "第二批", "person": "赵老师"})
    visit("s3", p1, "2026-03-02", "支教", b, a, secondment={
        "from_school": a, "to_school": b, "start": "2026-03-02", "end": "2026-06-30", "batch": "第二批", "person": "钱老师"})
    visit("v6", p2, "2025-10-08", "互访", d, e)

    def student(key, school_key, left, reason):
        r[key] = _rec("student", name="学生" + key, sex="女", school=r[school_key]["id"], stage="初中", grade="七年级",
                      events=[{"date": "2025-03-01", "event": "认定"}, {"date": left, "event": "退出", "reason": reason}])
    student("st1", "D", "2026-04-01", "辍学")          # counted
    student("st2", "D", "2026-06-30", "转学")          # left, not a dropout
    student("st3", "B", "2025-08-20", "辍学")          # before the school year
    records = [r[k] for k in ("C", "T1", "T2", "A", "B", "D", "E")] + cals + [r["t1"], r["t2"], r["P1"], r["P2"]] + \
        [r[k] for k in ("v1", "v2", "v3", "v4", "v5", "s1", "s2", "s3", "v6", "st1", "st2", "st3")]
    ledger.commit([Change(x["id"], x, NEW) for x in records], action="import", message="县")
    return {k: v["id"] for k, v in r.items()}


def _figures(ledger, level, record, **period):
    return P.figures(ledger, P.period_of(**period), level, record, TODAY)


def test_county_school_year_counted_by_hand(ledger, county):
    c = county
    f = _figures(ledger, "county", None, year="2025-2026")       # the ledger's only county
    assert f.scope.record == c["C"] and f.scope.schools == {c["A"], c["B"], c["D"]}   # 外县小学 has no unit
    assert [p.plan for p in f.plans] == [c["P1"], c["P2"]]       # P2 has 河口中学 among its parties
    assert f.supporting == (c["A"],) and set(f.supported) == {c["B"], c["D"]}         # 外县小学 is outside
    # activities dated in the year: v1–v5, s1–s3 of P1 and v6 of P2
    assert set(f.visits) == {c[k] for k in ("v1", "v2", "v3", "v4", "v5", "s1", "s2", "s3", "v6")}
    assert f.hours_sent == 10                                     # 4 + 6
    assert f.lectures == 2                                        # one lecture of 2 场
    # people and 人次: 王、李 (s1), 赵 (s2), 钱 (s3): 4 people, 2 + 1 + 1 = 4 人次
    assert (f.seconded_people, f.seconded_times) == (4, 4)
    assert [(b.batch, b.people, b.times, b.total_people, b.total_times) for b in f.batches] == [
        ("第一批", 2, 2, 2, 2), ("第二批", 2, 2, 4, 4)]
    # a 支教 of 2026-03-02..06-30 covers 87 of the year's 200 school days: short
    assert [s.visit for s in f.secondments if s.short] == [c["s3"]]
    # cash 5000 + 1000 元; goods 100 册 × 20 元 = 2000 元
    assert (f.cash_fen, f.goods_fen) == (600000, 200000)
    assert f.by("donor") == [("城关小学", 500000, 200000), ("城关小学家委会", 100000, 0)]
    assert f.by("recipient") == [("河口中学", 500000, 200000), ("河口小学", 100000, 0)]
    # 1 dropout (st1; st2 transferred, st3 left before the year) over 800 + 200 + 400 = 1400
    assert f.dropout.dropouts == (c["st1"],) and f.dropout.headcount == 1400
    assert round(f.dropout.rate, 4) == round(100 / 1400, 4) == 0.0714
    # 送教 ≥ 10 课时/学期: autumn 4 + 6 = 10 met; spring 0, ended: not met
    assert [(t.actual, t.met, t.open) for _p, _term, t in f.targets()] == [(10, True, False), (0, False, False)]


def test_completeness_counted_by_hand(ledger, county):
    c = county
    f = _figures(ledger, "county", c["C"], year="2025-2026")
    gaps = {(g.kind, g.record): g for g in f.gaps}
    assert set(gaps) == {("plan", c["P1"]), ("plan", c["P2"]), ("school", c["A"]), ("school", c["B"]),
                         ("school", c["D"])}
    # 9 months in session; P1 logged in 09 (v1, s1), 10, 11, 12, 03 (v5, s2, s3)
    assert gaps["plan", c["P1"]].months == ("2025-09", "2025-10", "2025-11", "2025-12", "2026-01",
                                            "2026-03", "2026-04", "2026-05", "2026-06")
    assert gaps["plan", c["P1"]].empty_months == ("2026-01", "2026-04", "2026-05", "2026-06")
    assert gaps["plan", c["P1"]].empty_terms == ()
    # P2 logged only in October: eight empty months, the whole spring term
    assert gaps["plan", c["P2"]].empty_months == ("2025-09", "2025-11", "2025-12", "2026-01",
                                                  "2026-03", "2026-04", "2026-05", "2026-06")
    assert gaps["plan", c["P2"]].empty_terms == ("2025-2026-2",)
    # 河口小学: v1 and s1 in 09, v3 in 11, v5 and s3 in 03
    assert gaps["school", c["B"]].empty_months == ("2025-10", "2025-12", "2026-01", "2026-04", "2026-05", "2026-06")
    # 河口中学 in both plans: v2 and v6 in 10, v4 in 12, s2 in 03
    assert gaps["school", c["D"]].empty_months == ("2025-09", "2025-11", "2026-01", "2026-04", "2026-05", "2026-06")


def test_levels_roll_up(ledger, county):
    c = county
    t2 = _figures(ledger, "township", c["T2"], year="2025-2026")     # 河口乡: 河口小学, 河口中学
    assert t2.scope.schools == {c["B"], c["D"]} and len(t2.plans) == 2 and len(t2.visits) == 9
    assert (t2.supporting, set(t2.supported)) == ((), {c["B"], c["D"]})
    assert t2.dropout.headcount == 600
    t1 = _figures(ledger, "township", c["T1"], year="2025-2026")     # 城关镇: 城关小学 in P1 only
    assert [p.plan for p in t1.plans] == [c["P1"]] and len(t1.visits) == 8
    d = _figures(ledger, "school", c["D"], term="2025-2026-1")       # 河口中学, autumn: v2, v4, v6
    assert set(d.visits) == {c["v2"], c["v4"], c["v6"]} and d.hours_sent == 6
    p = _figures(ledger, "plan", c["P1"], start="2026-03-01", end="2026-03-31")
    # March: v5, s2, s3 dated in it; s1 runs through it (counted among the secondments)
    assert set(p.visits) == {c["v5"], c["s2"], c["s3"]}
    assert (p.seconded_people, p.seconded_times) == (4, 4) and p.cash_fen == 100000
    several = _figures(ledger, "county", None, years="2024-2025..2025-2026")
    assert (several.period.start, several.period.end) == (dt.date(2024, 9, 1), dt.date(2026, 8, 31))
    assert set(several.dropout.dropouts) == {c["st1"], c["st3"]}     # st3 left in August 2025: inside these years


def test_teacher_service_across_plans_and_years(ledger, county):
    f = _figures(ledger, "county", None, year="2025-2026")
    rows = {s.name: (s.days, s.school_days, s.years, len(s.secondments)) for s in f.service}
    # 王、李: 2025-08-28..2026-07-15 = 322 days, the year's 200 school days, the whole of 2025-2026
    assert rows["王老师"] == (322, 200, ("2025-2026",), 1) and rows["李老师"] == rows["王老师"]
    # 赵 (挂职, a spring term): 131 days, 95 school days; 钱 (支教 too short): 121 days, 17 weeks + 2 = 87
    assert rows["赵老师"] == (131, 95, (), 1)
    assert rows["钱老师"] == (121, 87, (), 1)
    assert [s.title for s in f.service if s.name == "李老师"] == ["高级教师"]


def test_bad_periods_and_levels_say_so(ledger, county):
    for kwargs, key in (({"year": "2025-2027"}, "io.period.bad_year"), ({"years": "2025-2026"}, "io.period.bad_years"),
                        ({"start": "2026-03-01", "end": "2026-02-01"}, "io.period.range_order"),
                        ({"term": "2025-2026-1", "year": "2025-2026"}, "io.period.one_period"),
                        ({"start": "2026-03-01"}, "io.period.bad_date")):
        with pytest.raises(Exception) as err:
            P.period_of(**kwargs)
        assert err.value.key == key
    with pytest.raises(Exception) as err:
        _figures(ledger, "township", county["A"], year="2025-2026")
    assert err.value.key == "io.period.not_level"


def test_writers_carry_unit_period_date_and_signatures(ledger, county, tmp_path):
    from openpyxl import load_workbook

    f = _figures(ledger, "county", None, year="2025-2026")
    page = period_report.html_page(f)
    assert "@page{size:A4" in page
    for text in ("填报单位：某县（县（区））", "统计期间：2025-09-01 — 2026-08-31（2025-2026 学年）", "制表日期：2026-12-05",
                 "制表人：", "审核人：", "单位（盖章）：", "城关小学 → 河口中学（物质、资金）", "组长：张校长（校长）",
                 "30,000.00 元（2025：10,000.00；2026：20,000.00）"):
        assert text in page, text
    path = report_io.write_bytes(tmp_path / "r.xlsx", period_report.workbook_bytes(f))
    ws = load_workbook(path).active
    assert int(ws.page_setup.paperSize) == 9                # A4 in the OOXML paper codes
    cells = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "填报单位" in cells and "制表日期" in cells and "2026-12-05" in cells
    assert {"制表人：__________", "审核人：__________", "单位（盖章）：__________"} <= set(cells)
    # money stays a number: the donor row of 城关小学 holds 5000.0 and 2000.0
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "城关小学")
    assert row[1:4] == (5000.0, 2000.0, 7000.0)
    md = period_report.markdown(f)
    assert "| 送教下乡（课时） | 10 |" in md and "| 支教、挂职（人次） | 4 |" in md and "| 辍学率 | 0.07%（由学生记录计算：辍学 1 人 / 在校 1400 人） |" in md
    i18n.set_lang("en")
    try:
        english = period_report.markdown(f)
    finally:
        i18n.set_lang("zh")
    assert "- Reporting unit: 某县 (county)" in english and "- Period: 2025-09-01 — 2026-08-31 (school year 2025-2026)" in english
    assert "Prepared by: __________" in english
    # the plan's enumerated values in words (status, dimensions and roles were Chinese)
    assert "| Status | active |" in english and "| Who helps whom | 城关小学 → 河口中学 (goods, funds) |" in english
    assert "| Leading group | leader: 张校长（校长） |" in english and "| Leading group | member: 刘主任 |" in english


def test_summary_draft_has_the_figures_and_marks_what_to_write(ledger, county):
    f = _figures(ledger, "county", None, year="2025-2026")
    text = summary.draft(f)
    for line in ("全县（区）有 1 所学校担负结对帮扶任务，结对帮扶 2 所受援学校，执行帮扶计划 2 个。",
                 "城关小学 在物质、资金方面帮扶 河口中学。",
                 "送教下乡 10 课时，专题讲座 2 场。",
                 "分 2 批选派教师支教、挂职，累计 4 人、4 人次。",
                 "第一批（2025-08-28 起）：2 人、2 人次",
                 "捐赠资金 6,000.00 元，物资折价 2,000.00 元，合计 8,000.00 元。",
                 "量化指标（各按其周期计：学期、学年或计划全程）达标 1 项，未达标 1 项，进行中 0 项。",
                 "辍学率：0.07%（由学生记录计算：辍学 1 人 / 在校 1400 人）",
                 "钱老师 的支教不足最短期限。",
                 "【待填写：主要做法与措施】", "【待填写：存在的问题与原因】", "【待填写：下一步打算】"):
        assert line in text, line
    i18n.set_lang("en")
    try:
        assert "- 城关小学 helps 河口中学 on goods, funds." in summary.draft(f)   # (物质、资金 in words)
    finally:
        i18n.set_lang("zh")


def test_command_line_writes_the_reports(ledger, county, capsys, tmp_path):
    path = str(ledger.path)
    code, out, err = run(capsys, "-L", path, "report", "period", "--year", "2025-2026", "--level", "township",
                         "--unit", county["T2"], "--format", "html", "-o", str(tmp_path / "t.html"))
    assert code == 0, err
    assert "填报单位：河口乡（乡镇）" in (tmp_path / "t.html").read_text(encoding="utf-8")
    code, out, err = run(capsys, "-L", path, "report", "summary", "--year", "2025-2026")
    assert code == 0 and out.startswith("# 某县2025-2026 学年结对帮扶工作总结（初稿）")
    code, out, err = run(capsys, "-L", path, "--lang", "en", "report", "period", "--year", "2025-26")
    assert code == 2 and "2025-26 is not a school year" in err
    code, out, err = run(capsys, "-L", path, "--lang", "zh", "report", "period", "--term", "2025-2026-1", "--level", "plan")
    assert (code, err) == (2, "请用 --unit 指定帮扶计划的编号\n")


def test_dropout_rate_target_is_worked_out_from_the_students(ledger, county):
    """A plan's 辍学率 target reads the ledger: P1's supported schools 河口小学 (200) and 河口中学 (400);
    st1 left 河口中学 for 辍学 on 2026-04-01: 1 / 600 = 0.1667 % for the school year, 0 in autumn."""
    from store.figures import dashboard

    plan = ledger.get(county["P1"])
    target = {"key": "drop", "metric": "辍学率", "comparison": "<=", "value": 0.1, "unit": "%", "per": "学年"}
    ledger.put({**plan, "targets": [*plan["targets"], target]}, base=ledger.version(plan["id"]))
    found = {}
    for term in ("2025-2026-1", "2025-2026-2"):
        [p] = [p for p in dashboard.plan_progress(ledger, term, TODAY) if p.plan == county["P1"]]
        found[term] = next(t for t in p.targets if t.key == "drop")
    assert (found["2025-2026-1"].actual, found["2025-2026-1"].met) == (0.0, True)
    autumn_and_spring = found["2025-2026-2"]
    assert round(autumn_and_spring.actual, 4) == 0.1667 and autumn_and_spring.met is False     # over 0.1 %
    assert autumn_and_spring.records == (county["st1"],)


def _dropout_measured(ledger, county, value, end, school=None):
    """A measurement of P1's 辍学率 target at 河口中学 (headcount 400) or another school, for 2025-09-01..end."""
    plan = ledger.get(county["P1"])
    if not any(t["key"] == "drop" for t in plan["targets"]):
        target = {"key": "drop", "metric": "辍学率", "comparison": "<=", "value": 0.3, "unit": "%", "per": "学年"}
        ledger.put({**plan, "targets": [*plan["targets"], target]}, base=ledger.version(plan["id"]))
    m = _rec("measurement", plan=county["P1"], target="drop", school=school or county["D"], unit="%", value=value,
             period={"start": "2025-09-01", "end": end}, evidence=[{"file": "控辍保学月报.xlsx"}])
    ledger.put(m)
    return m["id"]


def test_dropout_rate_is_measured_else_worked_out_else_says_why(ledger, county):
    """One rule everywhere: a school's latest measurement of the period, else its students' 退出（辍学）
    over its headcount, else it is left out and named. By hand, school year 2025-2026:
    河口中学 (400) measured 0.5 % to 2026-01-31 — its own student st1 (辍学 2026-04-01) is not
    counted beside it; 城关小学 (800) and 河口小学 (200) from their students: no dropout in the year.
    County: (0.5 % × 400 = 2 + 0) / 1400 = 0.142857 %. P1's target over its supported schools
    河口小学 and 河口中学: 2 / 600 = 0.3333 % > 0.3 %: missed in the spring."""
    from store.figures import dashboard

    c = county
    m1 = _dropout_measured(ledger, c, 0.5, "2026-01-31")
    school = _figures(ledger, "school", c["D"], year="2025-2026")
    d = school.dropout
    assert (d.source, d.rate, d.measurements, d.dropouts, d.headcount) == ("measured", 0.5, (m1,), (), 400)
    assert period_report.rate_text(school) == "0.50%（实测：河口中学，测至 2026-01-31）"
    overview = dict(period_report.sections(school)[0].rows)
    assert overview["辍学率"] == "0.50%（实测：河口中学，测至 2026-01-31）"
    county_f = _figures(ledger, "county", None, year="2025-2026")
    d = county_f.dropout
    assert (d.source, d.measured, set(d.worked_out), d.headcount, d.left_out) == (
        "mixed", (c["D"],), {c["A"], c["B"]}, 1400, ())
    assert round(d.rate, 6) == round(100 * 2 / 1400, 6) == 0.142857
    assert period_report.rate_text(county_f) == "0.14%（1 所学校实测，2 所由学生记录计算（辍学 0 人），按在校 1400 人加权）"
    # The target row beside it reads the same rule over P1's supported schools.
    [p] = [p for p in dashboard.plan_progress(ledger, "2025-2026-2", TODAY) if p.plan == c["P1"]]
    drop = next(t for t in p.targets if t.key == "drop")
    assert (round(drop.actual, 4), drop.met, drop.records) == (0.3333, False, (m1,))
    # A later measurement of the same school replaces it: 0.25 % to 2026-06-30.
    m2 = _dropout_measured(ledger, c, 0.25, "2026-06-30")
    again = _figures(ledger, "school", c["D"], year="2025-2026").dropout
    assert (again.rate, again.measurements, again.as_of) == (0.25, (m2,), "2026-06-30")
    # 外县小学 has neither: it says so, and why.
    outside = _figures(ledger, "school", c["E"], year="2025-2026")
    assert (outside.dropout.rate, outside.dropout.left_out) == (None, (c["E"],))
    assert period_report.rate_text(outside) == "无法计算：所涉 1 所学校既没有辍学率测量，也没有登记在校学生数"
    i18n.set_lang("en")
    try:
        assert period_report.rate_text(school) == "0.50 % (measured: 河口中学, up to 2026-01-31)"
        assert period_report.rate_text(outside) == ("cannot be worked out: no dropout-rate measurement and no "
                                                    "headcount recorded (1 school)")
    finally:
        i18n.set_lang("zh")


def test_a_measured_school_without_a_headcount_is_left_out_of_a_level_by_name(ledger, county):
    """河口乡 is 河口小学 (200 pupils, worked out) and 河口中学 (measured 0.8 %, its headcount taken
    away). By hand: 河口中学 cannot be weighed against the other, so the township's rate is 河口小学's
    alone — st4 dropped out on 2026-05-11: 1 / 200 = 0.50 % — and 河口中学 is named with its own
    0.80 %. P1's target over both supported schools has no figure. With 河口小学 measured 0.3 % and
    no headcount either, nothing can be weighed: no rate, both named."""
    from store.figures import dashboard
    from tui.screens.year import year_figures

    c = county
    m_d = _dropout_measured(ledger, c, 0.8, "2026-01-31")
    d_school = {k: v for k, v in ledger.get(c["D"]).items() if k != "headcount"}
    ledger.put(d_school, base=ledger.version(c["D"]))
    st4 = _rec("student", name="学生st4", sex="男", school=c["B"], stage="小学", grade="五年级",
               events=[{"date": "2025-03-01", "event": "认定"}, {"date": "2026-05-11", "event": "退出", "reason": "辍学"}])
    ledger.put(st4)
    assert _figures(ledger, "school", c["D"], year="2025-2026").dropout.rate == 0.8     # its own figure stands
    township = _figures(ledger, "township", c["T2"], year="2025-2026")
    d = township.dropout
    assert (d.rate, d.headcount, d.dropouts, d.worked_out, d.measured) == (0.5, 200, (st4["id"],), (c["B"],), ())
    assert (d.unweighable, d.unweighed, d.measurements, d.left_out) == ((c["D"],), ((c["D"], 0.8),), (), ())
    assert period_report.rate_text(township) == ("0.50%（由学生记录计算：辍学 1 人 / 在校 200 人）"
                                                 "；未计入 河口中学（实测 0.80%）：没有登记在校学生数，无法加权合并")
    table = dict(period_report.sections(township)[-1].rows)
    assert table["有实测但未计入的学校（未登记在校学生数）"] == "河口中学（实测 0.80%）"
    assert table["计入的学校（所）"] == 1
    [line] = [x.prompt.plain.strip() for x in year_figures(township) if x.prompt.plain.strip().startswith("辍学率 ")]
    assert line == "辍学率 0.50%（由学生记录计算：1/200），未计入 河口中学 实测 0.80%（无学生数，无法合并）"
    [p] = [p for p in dashboard.plan_progress(ledger, "2025-2026-2", TODAY) if p.plan == c["P1"]]
    assert next(t for t in p.targets if t.key == "drop").actual is None
    i18n.set_lang("en")
    try:
        assert period_report.rate_text(township) == (
            "0.50 % (worked out from student records: 1 dropped out of 200); left out: 河口中学 (measured 0.80 %), "
            "with no headcount to weigh it by")
    finally:
        i18n.set_lang("zh")
    b_school = {k: v for k, v in ledger.get(c["B"]).items() if k != "headcount"}
    ledger.put(b_school, base=ledger.version(c["B"]))
    m_b = _dropout_measured(ledger, c, 0.3, "2026-06-30", school=c["B"])
    d = _figures(ledger, "township", c["T2"], year="2025-2026").dropout
    assert (d.rate, d.reason, d.unweighable, set(d.measurements)) == (None, "unweighable", (c["B"], c["D"]), {m_b, m_d})
    assert period_report.rate_text(_figures(ledger, "township", c["T2"], year="2025-2026")) == (
        "无法计算：河口小学、河口中学 有实测辍学率，但都没有登记在校学生数，无法加权合并")


def test_what_a_reader_sees_named_and_listed(ledger, county):
    c = county
    f = _figures(ledger, "county", None, year="2025-2026")
    # Plans by their titles, schools by their short names where they have one, teachers by name.
    assert (f.names[c["P1"]], f.names[c["A"]], f.names[c["t1"]]) == ("城关小学帮扶河口两校", "城关小学", "王老师")
    # The leading group as written: nobody's school was given, so none is shown.
    assert f.plans[0].leading_group == (("组长", "张校长", "校长", ""), ("成员", "刘主任", "", ""))
    # The donation's goods as the receipt lists them; the lecture that gave its two sessions.
    assert [(d.donor, d.items) for d in f.donations] == [("城关小学", "图书 100册"), ("城关小学家委会", "")]
    assert f.lecture_records == (c["v3"],)
    assert P.period_of(start="2026-03-01", end="2026-03-31").name == "2026-03-01..2026-03-31"
    with pytest.raises(Exception) as err:
        P.period_of(years="2025-2026")
    assert str(err.value) == "2025-2026 不是学年范围（应写成 2022-2023..2025-2026）"


def test_with_two_counties_the_report_asks_which(ledger, county):
    other = {**_rec("unit", name="邻县", level="县"), "id": "unit-01ZZZZZZZZZZZZZZZZZZZZZZZZ"}
    ledger.put(other)
    with pytest.raises(Exception) as err:
        _figures(ledger, "county", None, year="2025-2026")
    assert str(err.value) == (f"请用 --unit 指定县（区）的编号（台账中的县（区）：某县 {county['C']}、"
                              "邻县 unit-01ZZZZZZZZZZZZZZZZZZZZZZZZ）")


def test_a_plan_with_nothing_logged_this_year_has_every_month_empty_and_none_to_come(ledger, county):
    # A plan of 2026-2027 with no activity yet, seen on 2026-12-05: September to November have
    # ended empty (its monthly target missed three times), December is under way, the months after
    # it are still to come (neither met nor missed).
    c = county
    plan = _rec("plan", title="城关小学帮扶河口小学（2026—2027学年）", status="执行中",
                period={"start": "2026-09-01", "end": "2027-08-31"},
                parties=[{"school": c["A"], "role": "帮扶"}, {"school": c["B"], "role": "受帮扶"}],
                targets=[{"key": "monthly", "metric": "送教下乡", "comparison": ">=", "value": 1, "unit": "次",
                          "per": "月"}])
    ledger.put(plan)
    f = _figures(ledger, "plan", plan["id"], term="2026-2027-1")
    [(_p, _term, monthly)] = f.targets()
    assert (monthly.actual, monthly.goal, monthly.met, monthly.open) == (0, 3, False, False)
    [gaps] = [g for g in f.gaps if g.kind == "plan"]
    assert gaps.empty_months == ("2026-09", "2026-10", "2026-11")


def test_schools_by_their_short_names_in_name_order_and_a_secondment_where_it_goes(ledger, county):
    c = county
    # Two more supporting schools, made 河西 first and 城南 second: listed by name (城 before 河), not
    # in the order they were made; 河口中学 is called by its short name.
    hexi = _rec("school", name="河西小学", stage="小学", county=COUNTY, area="乡村", unit=c["T1"])
    chengnan = _rec("school", name="城南小学", stage="小学", county=COUNTY, area="城区", unit=c["T1"])
    hexi["id"], chengnan["id"] = sorted((hexi["id"], chengnan["id"]))          # 河西 first by id
    year = {"start": "2026-09-01", "end": "2027-08-31"}
    plans = [_rec("plan", title=f"{s['name']}帮扶河口小学", status="执行中", period=year,
                  parties=[{"school": s["id"], "role": "帮扶"}, {"school": c["B"], "role": "受帮扶"}])
             for s in (hexi, chengnan)]
    d = {**ledger.get(c["D"]), "short_name": "河口中"}
    ledger.commit([Change(x["id"], x, NEW) for x in (hexi, chengnan, *plans)], action="import", message="t")
    ledger.put(d, base=ledger.version(c["D"]))
    f = _figures(ledger, "county", None, year="2026-2027")
    assert [f.names[s] for s in f.supporting] == ["城南小学", "河西小学"]
    assert f.names[c["D"]] == "河口中"
    # A 挂职 to 河口中学 logged as an activity at 河口小学: it is in 河口中学's report all the same.
    seconded = _rec("visit", plan=c["P1"], date="2026-03-02", kind="挂职", host_school=c["B"], visiting_school=c["A"],
                    secondment={"from_school": c["A"], "to_school": c["D"], "start": "2026-03-02",
                                "end": "2026-07-10", "person": "孙老师"})
    ledger.put(seconded)
    school = _figures(ledger, "school", c["D"], term="2025-2026-2")
    assert seconded["id"] in {s.visit for s in school.secondments}


def test_a_periods_figures_are_remembered_for_a_version_of_the_ledger(ledger, county):
    """The school-year view opened again (the next start) reads no record; after a save the
    figures are worked out again and count it."""
    from store import Ledger

    first = _figures(ledger, "county", None, year="2025-2026")
    again = Ledger(ledger.path)
    assert P.figures(again, P.period_of(year="2025-2026"), "county", None, TODAY) == first
    assert not again.index_loaded
    visit = _rec("visit", plan=county["P1"], date="2026-05-12", kind="送教下乡", host_school=county["B"],
                 visiting_school=county["A"], hours=2)
    ledger.put(visit)
    after = P.figures(Ledger(ledger.path), P.period_of(year="2025-2026"), "county", None, TODAY)
    assert after.hours_sent == 12 and visit["id"] in after.visits and after.commit == ledger.tip


def test_the_year_view_counts_one_and_two_in_english(ledger, county):
    """By hand (school year 2025-2026): the county has P1 and P2, 城关小学 supporting 河口小学 and
    河口中学, 2 batches of 2 + 2 people; P2 alone is 1 plan, 外县小学 supporting 河口中学, 1 activity."""
    from tui.screens.year import year_figures

    c = county
    i18n.set_lang("en")
    shown = lambda f: [x.prompt.plain.strip() for x in year_figures(f)]  # noqa: E731
    lines = shown(_figures(ledger, "county", None, year="2025-2026"))
    assert {"2 plans", "1 supporting, 2 supported schools", "seconded: 4 people, 4 person-times (2 batches)",
            "第一批: 2 people, 2 person-times, 2 so far"} <= set(lines)
    lines = shown(_figures(ledger, "plan", c["P2"], year="2025-2026"))
    assert {"1 plan", "1 supporting, 1 supported school", "1 activity, 0 hours sent, 0 lectures",
            "seconded: 0 people, 0 person-times (0 batches)"} <= set(lines)


def test_every_line_of_the_year_view_and_the_report_overview_counted_by_hand(ledger, county):
    """What an inspector reads first, line by line, for 某县 in 2025-2026 (see the fixture):
    9 activities dated in the year (v1–v5, s1–s3, v6); 送教 4 + 6 课时; one lecture of 2 场; the
    secondments s1 (王、李, 第一批), s2 (赵) and s3 (钱, 第二批, short); cash 5000 + 1000, goods
    100 × 20; the dropout st1 over 800 + 200 + 400; P1's 送教 target met in autumn (v1, v2) and
    missed in spring; months with nothing logged: P1 01, 04–06; P2 all but October; 城关小学 01,
    04–06; 河口中学 09, 11, 01, 04–06; 河口小学 10, 12, 01, 04–06. By kind: 支教 s1 + s3 = 2
    records of 2 + 1 人次, 挂职 s2 one of 1."""
    from tui.screens.year import year_figures

    f = _figures(ledger, "county", None, year="2025-2026")
    assert [(x.prompt.plain.strip(), x.record_type, len(x.ids)) for x in year_figures(f)] == [
        ("总体情况", None, 0),
        ("帮扶计划 2 个", "plan", 2),
        ("帮扶学校 1 所，受帮扶学校 2 所", "school", 3),
        ("活动 9 次，送教 10 课时，讲座 2 场", "visit", 9),
        ("支教挂职 4 人、4 人次（2 批）", "visit", 3),
        ("捐赠资金 6,000.00 元，物资 2,000.00 元", "visit", 2),
        ("辍学率 0.07%（由学生记录计算：1/1400）", "student", 1),
        ("支教挂职分批", None, 0),
        ("第一批：2 人、2 人次，累计 2 人次", "visit", 1),
        ("第二批：2 人、2 人次，累计 4 人次", "visit", 2),
        ("量化指标（各按其周期）", None, 0),
        ("城关小学帮扶河口两校", "plan", 1),
        ("2025-09 送教下乡  达标", "visit", 2),
        ("2026-02 送教下乡  未达标", "visit", 0),
        ("外县小学帮扶河口中学", "plan", 1),
        ("有月份无记录：5", None, 0),
        ("城关小学帮扶河口两校：4 个月（2026-01…2026-06）", "plan", 1),
        ("外县小学帮扶河口中学：8 个月（2025-09…2026-06）", "plan", 1),
        ("城关小学：4 个月（2026-01…2026-06）", "school", 1),
        ("河口中学：6 个月（2025-09…2026-06）", "school", 1),
        ("河口小学：6 个月（2025-10…2026-06）", "school", 1)]
    assert period_report.headline(f) == [
        ["帮扶计划（个）", 2], ["帮扶学校（所）", 1], ["受帮扶学校（所）", 2], ["帮扶活动（次）", 9],
        ["送教下乡（课时）", "10"], ["专题讲座（场）", 2], ["支教、挂职（人）", 4], ["支教、挂职（人次）", 4],
        ["支教、挂职批次", 2], ["不足最短期限的支教、挂职（条）", 1], ["捐赠资金", "6,000.00 元"],
        ["捐赠物资（折价）", "2,000.00 元"], ["量化指标（各按其周期）", "达标 1 项，未达标 1 项，进行中 0 项"],
        ["期满未测量的指标（项）", 0], ["有月份无任何记录的计划（个）", 2], ["有月份无任何记录的学校（所）", 3],
        ["辍学率", "0.07%（由学生记录计算：辍学 1 人 / 在校 1400 人）"]]
    assert [(k.kind, k.count, k.hours, k.person_times) for k in f.kinds] == [
        ("互访", 1, 0, 0), ("送教下乡", 2, 10, 0), ("专题讲座", 1, 0, 0), ("挂职", 1, 0, 1), ("支教", 2, 0, 3),
        ("捐赠", 2, 0, 0)]


def test_a_yearly_target_counts_once_in_the_year(demo):
    """The demo's 六安市叶集区 in 2026-2027, by hand from its two plans on 2026-12-05: 城关中学→三元中学
    has four targets a month or a term (visits every month, 送教, lectures, joint meetings) and three
    a school year (支教 1 人: 韦志刚, met; 辍学率 0.51 % ≤ 2 %, met; 培训率 62.5 % of 85 %, open);
    三元中学→梓园小学 two a month or a term (互访 every month, 家访) and one a year (挂职, open: 程立伟's
    is short). Autumn: both monthly targets missed, the four others open; spring: no month in session
    yet for the monthly ones, the four others open. Met 2, missed 2, open 4 + 4 + 2 = 10."""
    f = P.figures(demo, P.period_of(year="2026-2027"), "county", "unit-01M7W4VN1T0000000000000004",
                  dt.date(2026, 12, 5))
    met = sorted(t.key for _p, _term, t in f.targets() if t.met is True)
    missed = [t.key for _p, _term, t in f.targets() if t.met is False and not t.open]
    running = [t.key for _p, _term, t in f.targets() if t.open]
    assert (met, missed, len(running)) == (["dropout", "secondment"], ["monthly-visit", "monthly-visit"], 10)
    assert "量化指标（各按其周期计：学期、学年或计划全程）达标 2 项，未达标 2 项，进行中 10 项" in summary.draft(f)
    from tui.screens.year import year_figures
    shown = [x.prompt.plain.strip() for x in year_figures(f)]
    assert [x for x in shown if "支教不少于一学年" in x] == ["2026-2027学年 支教不少于一学年  达标"]
    assert [x for x in shown if "送教下乡" in x and "进行中" in x] == ["2026-09 送教下乡  进行中", "2027-02 送教下乡  进行中"]
