"""The term report on a small ledger, checked against figures worked out by hand, in md, html and xlsx.

The ledger (tests/test_export.py `small_ledger`), term 2024-2025-1 (2024-09-01 .. 2025-01-31):
- plan 沙河二小帮扶石桥二小: 送教下乡 4 + 3 = 7 课时 of at least 10 (3 short); 专题讲座 1 of 2 (1 short);
  互访 at least once a month: only in September (1 of 5 months; 10, 11, 12, 1 short); 辍学率 not measured;
  activities per month 2, 2, 2, 1, 0; the schedule plans 送教下乡 in December, which has only a 捐赠: ✗;
  January has nothing logged; by the default calendar (autumn 09-01..01-20, 101 school days, Monday
  to Friday; spring 03-01..07-10, 94) 支教 王老师 covers 101 of the year's 195 school days (short),
  挂职 李老师 (10-08 to 03-07) 75 of the autumn's 101 (short: it starts five weeks into the term);
  donation 5,000.00 cash + 100 × 25.00 goods = 7,500.00 from 沙河二小 to 石桥二小.
- aid: 张小花 500.00 (中央) and 李明 450.00 (省) against 1,000.00 a year = 500.00 a term each:
  paid 950.00, standard 1,000.00; students on 2025-01-31: 3 在册, 1 已退出; groups of the eligible:
  建档立卡 2, 低保 1, 孤儿 1; anomalies: 王芳 due the 初中 boarding subsidy (1,250.00 a year: 625.00 this
  term) and unpaid, 李明 50.00 under the standard.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from store.core import canonical, i18n, ids
from store.figures import charts
from store.io import report
from store.ledger.gitstore import Person

from test_export import ID_ZHANG, rec, small_ledger

AFTER = dt.date(2025, 3, 1)
TERM = "2024-2025-1"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from store import Ledger
    from store.privacy.acts import init_keys

    led = Ledger.init(tmp_path_factory.mktemp("report") / "ledger", site="测试站", name="示范县台账")
    init_keys(led)
    data = small_ledger(led)
    yield led, data
    led.close()


def test_targets_against_actual_with_the_shortfalls(built):
    led, _data = built
    r = report.build(led, TERM, today=AFTER)
    (sec,) = r.plans
    by_metric = {t.metric: t for t in sec.targets}
    assert (by_metric["送教下乡"].actual, by_metric["送教下乡"].gap, by_metric["送教下乡"].met) == ("7 课时", "还差 3 课时", False)
    assert (by_metric["专题讲座"].actual, by_metric["专题讲座"].gap) == ("1 次", "还差 1 次")
    assert by_metric["互访"].months == ("2024-10", "2024-11", "2024-12", "2025-01")
    assert by_metric["互访"].actual == "1/5 个月达到"
    assert (by_metric["互访"].gap, by_metric["互访"].open) == ("未达到的月份：10月、11月、12月、1月", False)
    drop = by_metric["辍学率"]       # never measured, and the term is over: no figure, nothing left open
    assert (drop.actual, drop.gap, drop.met, drop.months, drop.open, drop.unmeasured) == ("", "", None, (), False, True)
    assert sec.progress.empty_months == ("2025-01",)
    # On 2024-12-10, within the term: the months ended short are named, the term's counts still open.
    (now,) = report.build(led, TERM, today=dt.date(2024, 12, 10)).plans
    assert [(t.metric, t.gap, t.open) for t in now.targets] == [
        ("送教下乡", "还差 3 课时", True), ("专题讲座", "还差 1 次", True), ("互访", "未达到的月份：10月、11月", False),
        ("辍学率", "", True)]
    assert [(b.month, b.done) for b in now.months] == [
        ("2024-09", True), ("2024-10", True), ("2024-11", True), ("2024-12", None), ("2025-01", None)]   # not over yet
    (early,) = report.build(led, TERM, today=dt.date(2024, 10, 5)).plans     # September met, October under way
    assert [(t.metric, t.gap, t.open) for t in early.targets] == [
        ("送教下乡", "还差 10 课时", True), ("专题讲座", "还差 2 次", True), ("互访", "", True), ("辍学率", "", True)]


def test_activities_by_month_against_the_schedule(built):
    led, _data = built
    (sec,) = report.build(led, TERM, today=AFTER).plans
    assert [(b.month, b.count, b.done) for b in sec.months] == [
        ("2024-09", 2, True), ("2024-10", 2, True), ("2024-11", 2, True), ("2024-12", 1, False), ("2025-01", 0, None)]
    assert sec.months[3].planned == ("送教下乡",) and sec.months[3].kinds == {"捐赠": 1}
    assert sec.kinds == ["互访", "送教下乡", "专题讲座", "挂职", "支教", "捐赠"]     # in the schema's order


def test_secondments_and_donations(built):
    led, _data = built
    (sec,) = report.build(led, TERM, today=AFTER).plans
    assert [(s.person, s.kind, s.days, s.minimum, s.short) for s in sec.secondments] == [
        ("王老师", "支教", 101, 195, True), ("李老师", "挂职", 75, 101, True)]
    (d,) = sec.donations
    assert (d.cash_fen, d.goods_fen, d.total_fen) == (500_000, 250_000, 750_000)
    assert sec.by_donor == [("沙河二小", 500_000, 250_000)] and sec.by_recipient == [("石桥二小", 500_000, 250_000)]


def test_aid_against_the_standards_students_and_anomalies(built):
    led, _data = built
    aid = report.build(led, TERM, today=AFTER).aid
    assert [(m.label, m.payments, m.paid_fen, m.expected_fen) for m in aid.by_programme] == [
        ("义务教育寄宿生生活补助", 2, 95_000, 100_000)]
    assert [(m.label, m.paid_fen, m.expected_fen) for m in aid.by_source] == [("中央", 50_000, 50_000),
                                                                              ("省", 45_000, 50_000)]
    assert [(m.label, m.paid_fen) for m in aid.by_stage] == [("小学", 95_000)]
    assert {k: len(v) for k, v in aid.summary.by_status.items() if v} == {"在册": 3, "已退出": 1}
    assert {k: len(v) for k, v in aid.summary.by_group.items()} == {"建档立卡": 2, "低保": 1, "孤儿": 1}
    assert [(a.kind, a.student, a.amount_fen, a.expected_fen) for a in aid.anomalies] == [
        ("unpaid", "王芳", None, 62_500), ("off_standard", "李明", 45_000, 50_000)]
    assert aid.anomalies[0].programme == "义务教育寄宿生生活补助"
    assert [a.detail for a in aid.anomalies] == ["截至 2025-01-31 符合条件，本学期该项目未发放", "与标准相差 -50.00 元"]
    assert [(m.month, m.paid_fen) for m in aid.months if m.paid_fen] == [("2024-10", 50_000), ("2024-11", 45_000)]


def test_duplicate_payments_and_payments_while_not_eligible_are_listed(ledger):
    data = small_ledger(ledger)
    zhang, zhao = data["students"][0], data["students"][3]
    # The rules refuse both on save; a merge of two sites' work can still leave them. Write them
    # the way a merged commit would bring them: straight into git.
    again = rec("aid", student=zhang["id"], programme="义务教育寄宿生生活补助", term=TERM, amount_fen=50_000,
                standard=data["std_p"]["id"], paid_on="2024-12-20", source="县", method="现金")
    left = rec("aid", student=zhao["id"], programme="义务教育寄宿生生活补助", term=TERM, amount_fen=50_000,
               paid_on="2024-12-20", source="县", method="现金")
    # 王芳 (海原四中, 初中) paid her 625.00 as well: the report's stages read 小学 then 初中.
    fang = rec("aid", student=data["students"][2]["id"], programme="义务教育寄宿生生活补助", term=TERM,
               amount_fen=62_500, standard=data["std_j"]["id"], paid_on="2024-12-20", source="县", method="现金")
    g = ledger.git
    tree = g.write_tree(g.commit_tree(ledger.tip), {ids.path_of(r["id"], ids.LATEST): g.write("blob", canonical.dumps(r))
                                                    for r in (again, left, fang)})
    commit = g.make_commit(tree, [ledger.tip], Person("同步", "sync@example.cn"), "sync: merge")
    assert g.swap_ref(commit, ledger.tip, "test")
    aid = report.build(ledger, TERM, today=AFTER).aid
    kinds = [(a.kind, a.student) for a in aid.anomalies]
    assert ("duplicate", "张小花") in kinds and ("ineligible", "赵强") in kinds
    dup = next(a for a in aid.anomalies if a.kind == "duplicate")
    assert dup.amount_fen == 100_000 and set(dup.records) == {data["aid"][0]["id"], again["id"]}
    gone = next(a for a in aid.anomalies if a.kind == "ineligible")
    assert (gone.programme, gone.amount_fen, gone.records) == ("义务教育寄宿生生活补助", 50_000, (left["id"],))
    assert [m.label for m in aid.by_source] == ["中央", "省", "县"]     # in the schema's order
    # 小学: 张小花 500 + 500 again, 李明 450, 赵强 500 = 1,950.00; 初中: 王芳 625.00.
    assert [(m.label, m.paid_fen) for m in aid.by_stage] == [("小学", 195_000), ("初中", 62_500)]
    assert gone.detail == "2024-12-20 发放时学生状态为「已退出」"     # 赵强 graduated on 2024-07-01


def test_one_plan_limits_aid_to_its_schools(built):
    led, data = built
    r = report.build(led, TERM, plan=data["plan"]["id"], today=AFTER)
    assert len(r.plans) == 1
    assert {k: len(v) for k, v in r.aid.summary.by_status.items() if v} == {"在册": 2, "已退出": 1}
    assert [a.kind for a in r.aid.anomalies] == ["off_standard"]  # 王芳 of 海原四中 is not in this plan
    assert r.plan_filter == data["plan"]["id"]
    outside = report.build(led, "2026-2027-1", plan=data["plan"]["id"], today=AFTER)
    p = outside.plans[0].progress
    assert (p.title, p.status, p.start, p.end, p.in_term) == (
        "沙河二小帮扶石桥二小", "执行中", dt.date(2024, 9, 1), dt.date(2025, 8, 31), False)
    assert (p.targets, p.visits, p.empty_months, p.short_secondments) == ((), (), (), ())


def test_a_plan_report_counts_a_pupil_where_she_was_that_year(ledger):
    """李明 moved on to 海原四中 the next school year: the plan's report of the autumn he was at
    石桥二小 still counts him and his 450 yuan (it read his school of today)."""
    from store import Change
    data = small_ledger(ledger)
    li = data["students"][1]
    ledger.commit([Change(li["id"], {**li, "school": data["haiyuan"]["id"], "stage": "初中", "grade": "七年级",
                                     "school_year": "2025-2026",
                                     "years": [{"school_year": "2024-2025", "school": data["shiqiao"]["id"],
                                                "stage": "小学", "grade": "五年级"}]}, ledger.version(li["id"]))],
                  action="edit", message="test: moved on")
    r = report.build(ledger, TERM, plan=data["plan"]["id"], today=AFTER)
    assert {k: len(v) for k, v in r.aid.summary.by_status.items() if v} == {"在册": 2, "已退出": 1}
    assert [(m.label, m.payments, m.paid_fen) for m in r.aid.by_programme] == [("义务教育寄宿生生活补助", 2, 95_000)]


def test_markdown_has_the_tables_and_unicode_charts(built):
    led, _data = built
    md = report.markdown(report.build(led, TERM, today=AFTER))
    assert "| 送教下乡 ≥ 10 课时/学期 | 7 课时 | 未达标 | 还差 3 课时 |" in md
    assert "2024-12 ████████████             1  ✗ 计划：送教下乡" in md
    assert "| 符合条件但未发放 | 王芳 | 海原四中 |" in md
    assert "| 王老师 | 支教 | 沙河二小 | 石桥二小 | 2024-09-01 | 2025-01-31 | 101 | 195 | 不足最短期限 |" in md


def test_html_is_self_contained_escapes_data_and_draws_svg(ledger):
    data = small_ledger(ledger)
    plan = ledger.get(data["plan"]["id"])
    plan["title"] = "<script>alert(1)</script>计划"
    ledger.put(plan, base=ledger.version(plan["id"]))
    page = report.html_page(report.build(ledger, TERM, today=AFTER))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;计划" in page
    assert page.count("<svg") == 2  # activities per month, aid per month
    for external in ("src=", "href=", "@import", "url("):
        assert external not in page


def test_xlsx_report_sheets_numbers_and_charts(built, tmp_path):
    led, _data = built
    path = report.write(report.build(led, TERM, today=AFTER), tmp_path / "r.xlsx", "xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["概要", "指标完成", "月度活动", "挂职支教", "捐赠", "捐赠方汇总", "受赠方汇总", "资助·按项目",
                             "资助·按学段", "资助·按资金来源", "每月发放", "学生状态", "特殊群体", "异常核查"]
    summary = {r[0]: (r[1], c) for r, c in zip(wb["概要"].iter_rows(values_only=True), wb["概要"].iter_rows())}
    assert summary["本学期资助发放"][0] == 950 and summary["本学期资助发放"][1][1].number_format == "#,##0.00"
    aid_rows = [list(r) for r in wb["资助·按资金来源"].iter_rows(values_only=True)]
    assert ["中央", 1, 1, 500, 500, 0] in aid_rows and ["省", 1, 1, 450, 500, -50] in aid_rows
    sec = [list(r) for r in wb["挂职支教"].iter_rows(values_only=True)]
    assert sec[1][5] == dt.datetime(2024, 9, 1) and sec[1][-1] == "不足最短期限"
    assert len(wb["月度活动"]._charts) == 1 and len(wb["每月发放"]._charts) == 1
    assert wb["异常核查"].column_dimensions["G"].width > 20


def test_english_report(built):
    led, _data = built
    i18n.set_lang("en")
    md = report.markdown(report.build(led, TERM, today=AFTER))
    assert "targets against actual" in md and "NOT MET" in md
    # The units read in English, one and many ("short by 1 times" and "7 课时" were shown before).
    assert "| teaching sent ≥ 10 hours/term | 7 hours | NOT MET | short by 3 hours |" in md
    assert "| lecture ≥ 2 times/term | 1 time | NOT MET | short by 1 time |" in md
    # enumerated values in words, in every table (programme, stage, source, group, kind were Chinese)
    assert "| month | exchange visit | teaching sent | lecture | attachment | secondment | donation | total | planned" \
        " | done |" in md
    assert "| 王老师 | secondment | 沙河二小 | 石桥二小 | 2024-09-01 |" in md
    assert "| boarding living allowance | 2 | 2 | 950.00 | 1,000.00 | -50.00 |" in md
    assert "| primary | 2 | 2 | 950.00 | 1,000.00 | -50.00 |" in md
    assert "| province | 1 | 1 | 450.00 | 500.00 | -50.00 |" in md and "| registered poor | 2 |" in md
    assert "| amount off the standard | 李明 | 石桥二小 | boarding living allowance | 450.00 | 500.00 |" in md
    import io

    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(report.workbook_bytes(report.build(led, TERM, today=AFTER))))
    assert next(book["Activities by month"].iter_rows(values_only=True))[:5] == (
        "plan", "month", "exchange visit", "teaching sent", "lecture")
    visits = next(t for t in report.build(led, TERM, today=AFTER).plans[0].targets if t.metric == "互访")
    assert visits.gap == "months short: October, November, December, January"


def test_charts_render_as_plain_unicode():
    assert charts.sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert charts.bar(3, 4, 8) == "██████"
    assert charts.render_bars([("九月", 4, ""), ("2024-10", 1, "注")], width=8) == [
        "九月    ████████ 4", "2024-10 ██       1  注"]
    bars = charts.aid_months([{"paid_on": "2024-10-02", "amount_fen": 100}, {"paid_on": "2025-03-01",
                                                                           "amount_fen": 50}], TERM)
    assert [m.month for m in bars] == ["2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-03"]


def test_cli_report_writes_xlsx_and_prints_md(built, tmp_path):
    led, _data = built
    env = {**os.environ, "BANGFU_LEDGER": str(led.path)}
    out = tmp_path / "县报告.xlsx"
    r = subprocess.run([sys.executable, "-m", "bangfu", "report", "term", TERM, "--format", "xlsx", "-o", str(out)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert load_workbook(out).sheetnames[0] == "概要"
    r = subprocess.run([sys.executable, "-m", "bangfu", "report", "term", "2024-2025-3"], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 2 and "不是学期" in r.stderr and "Traceback" not in r.stderr





def test_xlsx_report_has_one_table_per_sheet_with_its_header_on_the_first_row(built, tmp_path):
    """What pandas.read_excel or a pivot table reads straight: one header row on top, every row
    below it as wide as the header, no caption, blank row or second table further down."""
    led, _data = built
    path = report.write(report.build(led, TERM, today=AFTER), tmp_path / "r.xlsx", "xlsx")
    wb = load_workbook(path)
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        header = rows[0]
        assert all(isinstance(h, str) and h for h in header), (ws.title, header)
        for row in rows[1:]:
            assert any(v is not None for v in row), (ws.title, rows)
            assert row[0] is not None, (ws.title, row)
            assert row[0] not in header, (ws.title, row)  # no second header further down
    by_source = [list(r) for r in wb["资助·按资金来源"].iter_rows(values_only=True)]
    assert by_source == [["资金来源", "笔数", "人数", "实发金额（元）", "标准金额（元）", "差额（元）"],
                         ["中央", 1, 1, 500, 500, 0], ["省", 1, 1, 450, 500, -50]]
    months = [list(r) for r in wb["月度活动"].iter_rows(values_only=True)]
    assert months[0][:2] == ["帮扶计划", "月份"] and [r[1] for r in months[1:]] == [
        "2024-09", "2024-10", "2024-11", "2024-12", "2025-01"]
    donors = [list(r) for r in wb["捐赠方汇总"].iter_rows(values_only=True)]
    assert donors[1] == ["沙河二小", 5000, 2500, 7500]
    assert wb["概要"]["A1"].value == "项目" and wb["概要"]["B2"].value == report.title(report.build(led, TERM, today=AFTER))


def test_the_term_report_prints_on_a4_with_the_lines_to_sign_and_seal(built, tmp_path):
    led, _data = built
    made = report.build(led, TERM, today=AFTER)
    signs = "制表人：__________　　审核人：__________　　单位（盖章）：__________"
    assert report.markdown(made).rstrip().endswith(signs)
    page = report.html_page(made)
    assert "@page{size:A4" in page
    assert '<div class="sign"><span>制表人：__________</span><span>审核人：__________</span>' in page
    wb = load_workbook(report.write(made, tmp_path / "r.xlsx", "xlsx"))
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9          # A4
        assert ws.oddFooter.center.text == "制表人：__________　审核人：__________　单位（盖章）：__________"


def test_a_month_note_reads_in_the_readers_language():
    """Seen on the English home: '✓ planned：联席会议' (a Chinese colon and the stored kinds)."""
    month = charts.MonthBar("2026-11", 2, {"捐赠": 1, "家访": 1}, planned=("捐赠", "家访"), scheduled=True)
    assert charts.plan_note(month) == "✓ 计划：捐赠、家访"
    i18n.set_lang("en")
    try:
        assert charts.plan_note(month) == "✓ planned: donation, home visit"
    finally:
        i18n.set_lang("zh")


def test_a_term_with_nothing_paid_yet_says_who_is_due_and_counted_on_which_day(built):
    led, _data = built
    # 张小花, 李明 and 王芳 (not 赵强, who left) are due the boarding subsidy in the spring term.
    assert report.duty_notes(report.build(led, "2024-2025-2", today=AFTER).aid) == [
        "本学期尚未发放；截至 2025-03-01，应发：义务教育寄宿生生活补助 3 人"]
    assert report.duty_notes(report.build(led, "2024-2025-2", today=dt.date(2025, 1, 20)).aid) == [
        "本学期尚未发放；按学期开始之日 2025-02-01 计，应发：义务教育寄宿生生活补助 3 人"]


def test_a_secondment_of_no_set_length_a_payment_before_recognition_and_one_child_under_two_records(ledger):
    data = small_ledger(ledger)
    a, b = data["shahe"]["id"], data["shiqiao"]["id"]
    # 跟班学习 from 11-04 to 11-15: 12 days by the calendar, no shortest length to hold it to.
    follow = rec("visit", plan=data["plan"]["id"], kind="跟班学习", date="2024-11-04", host_school=a, visiting_school=b,
                 secondment={"person": "周老师", "from_school": b, "to_school": a, "start": "2024-11-04",
                             "end": "2024-11-15"})
    # 王芳 was recognised on 2024-09-01: a payment of 2024-08-26 found her 未认定 (she is 在册 now).
    early = rec("aid", student=data["students"][2]["id"], programme="义务教育寄宿生生活补助", term=TERM,
                amount_fen=62_500, standard=data["std_j"]["id"], paid_on="2024-08-26", source="县", method="现金")
    # 李明 too, on 2024-08-26, besides his 450.00 of 2024-11-15 (when he was 在册): only the first day counts against him.
    before = rec("aid", student=data["students"][1]["id"], programme="义务教育寄宿生生活补助", term=TERM,
                 amount_fen=50_000, standard=data["std_p"]["id"], paid_on="2024-08-26", source="县", method="现金")
    # 张小花 entered again at 海原四中 with her ID number (a sync of that school's work), paid there too.
    from store.privacy.acts import seal_record
    zhang = data["students"][0]
    copy = seal_record(ledger, {**ledger.get(zhang["id"]), "id": ids.new_id("student"), "school": data["haiyuan"]["id"],
                                "identity": {"id_number": ID_ZHANG}})
    there = rec("aid", student=copy["id"], programme="义务教育寄宿生生活补助", term=TERM, amount_fen=50_000,
                standard=data["std_p"]["id"], paid_on="2024-12-02", source="县", method="现金")
    short = {**data["aid"][0], "amount_fen": 40_000}       # 张小花's 500.00 at 石桥二小 changed to 400.00
    g = ledger.git
    tree = g.write_tree(g.commit_tree(ledger.tip), {ids.path_of(r["id"], ids.LATEST): g.write("blob", canonical.dumps(r))
                                                    for r in (follow, early, before, copy, there, short)})
    assert g.swap_ref(g.make_commit(tree, [ledger.tip], Person("同步", "sync@example.cn"), "sync: merge"), ledger.tip, "t")
    # 示范县's own calendar of the autumn ends on Friday 01-17, not Monday 01-20: one school day fewer than
    # the default's 101; the spring keeps the default's 94. 王老师 100 of the year's 194, 李老师 74 of 100.
    ledger.put(rec("calendar", term=TERM, counties=["示范县"], first_day="2024-09-02", last_day="2025-01-17"))
    r = report.build(ledger, TERM, today=AFTER)
    assert [(s.person, s.kind, s.days, s.minimum) for s in r.plans[0].secondments] == [
        ("王老师", "支教", 100, 194), ("李老师", "挂职", 74, 100), ("周老师", "跟班学习", 12, None)]
    # In the order an inspector reads them: by kind, then school and name (海原四中 before 石桥二小).
    # In the order an inspector reads them: by kind, then school and name.
    assert [(x.kind, x.student, x.school, x.detail) for x in r.aid.anomalies] == [
        ("duplicate", "李明", "石桥二小", "本学期同一项目发放 2 次：2024-08-26、2024-11-15"),
        ("same_person", "张小花", "石桥二小", "同一身份证号（密钥散列相同）在 2 条学生记录下受助"),
        ("off_standard", "张小花", "石桥二小", "与标准相差 -100.00 元"),
        ("ineligible", "王芳", "海原四中", "2024-08-26 发放时学生状态为「未认定」"),
        ("ineligible", "李明", "石桥二小", "2024-08-26 发放时学生状态为「未认定」")]
    twice = r.aid.anomalies[1]
    assert (twice.amount_fen, set(twice.records)) == (90_000, {data["aid"][0]["id"], there["id"]})


def test_a_payment_without_its_student_a_programme_not_begun_and_no_such_plan(ledger):
    data = small_ledger(ledger)
    # Meals, 5 元 a school day for 小学 pupils: 张小花 and 李明 are due (赵强 left, 王芳 is at 初中);
    # nothing is paid for them in the autumn, where the boarding subsidy is.
    ledger.put(rec("standard", programme="营养改善计划", stage="小学", amount_fen=500, unit="天", region="全国",
                   valid_from="2021-09-01", notes="财政部 教育部（2021年）：自2021年秋季学期起每生每天5元"))
    # A payment a sync brought without its student.
    ghost = rec("aid", student="student-01M00000000000000000000000", programme="义务教育寄宿生生活补助", term=TERM,
                amount_fen=50_000, standard=data["std_p"]["id"], paid_on="2024-12-20", source="县", method="现金")
    g = ledger.git
    tree = g.write_tree(g.commit_tree(ledger.tip), {ids.path_of(ghost["id"], ids.LATEST): g.write("blob", canonical.dumps(ghost))})
    assert g.swap_ref(g.make_commit(tree, [ledger.tip], Person("同步", "sync@example.cn"), "sync: merge"), ledger.tip, "t")
    aid = report.build(ledger, TERM, today=AFTER).aid
    found = {(x.kind, x.programme): x.detail for x in aid.anomalies}
    assert found[("not_started", "营养改善计划")] == "本学期该项目尚无发放，应发 2 人"
    assert found[("ineligible", "义务教育寄宿生生活补助")] == "2024-12-20 发放时学生状态为「?」"
    # The spring, nothing paid yet: 3 due the boarding subsidy (not 赵强), 2 the meals.
    assert report.duty_notes(report.build(ledger, "2024-2025-2", today=AFTER).aid) == [
        "本学期尚未发放；截至 2025-03-01，应发：义务教育寄宿生生活补助 3 人、营养改善计划 2 人"]
    from store.core.errors import BangfuError
    for wrong in (data["shahe"]["id"], "plan-01M00000000000000000000000"):
        with pytest.raises(BangfuError) as caught:
            report.build(ledger, TERM, plan=wrong, today=AFTER)
        assert str(caught.value) == f"台账中没有帮扶计划 {wrong}"


def test_a_stage_with_a_payment_no_standard_checks_says_so(demo):
    """The demo's 2026-2027-1, 小学 counted by hand from its aid records: 24 payments to 8 pupils,
    7,560.00 元, of which 刘思琪's 500.00 元 社会捐助 has no standard; the other 7,060.00 元 match
    theirs to the fen. The row must not read 7,560.00 paid, 7,060.00 due and a difference of 0.00."""
    aid = report.build(demo, "2026-2027-1", today=dt.date(2027, 2, 1)).aid
    primary = next(r for r in report.money_rows(aid.by_stage) if r[0].startswith("小学"))
    assert primary[1:] == [24, 8, 756_000, 706_000, 0]
    assert primary[0] == "小学（其中 500.00 元没有标准可核对，不计入差额）"
    i18n.set_lang("en")
    try:
        english = next(r for r in report.money_rows(aid.by_stage) if r[0].startswith("primary"))
    finally:
        i18n.set_lang("zh")
    assert english[0].endswith("(500.00 yuan of it has no standard to check against and is left out of the difference)")
    assert [r[0] for r in report.money_rows(aid.by_stage)][2:] == ["初中", "高中", "中职"]
