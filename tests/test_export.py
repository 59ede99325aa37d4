"""Exports to xlsx and csv: headers from the schema titles, real numbers and dates, masked
identifiers only, lists on sheets of their own. Every file is opened again with openpyxl.

`small_ledger(ledger)` builds the small Chinese ledger the import and report tests use too.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
import zipfile

import pytest
from openpyxl import load_workbook

from store.io import export
from store.core import i18n
from store.rules.idcard import check_char
from store.core.ids import new_id
from store import NEW, Change


def idno(first17: str) -> str:
    return first17 + check_char(first17)


ID_ZHANG, ID_LI = idno("64052220140305122"), idno("64052220130611153")
ID_WANG, ID_ZHAO = idno("64052220110923004"), idno("64052220120101103")
CLEAR_IDS = (ID_ZHANG, ID_LI, ID_WANG, ID_ZHAO)


def rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 1, **fields}


def small_ledger(ledger) -> dict:
    """Three schools, one plan for 2024-09..2025-08 with seven activities in the autumn term,
    two standards, four students (one has left), two payments (one 50 yuan short)."""
    shahe = rec("school", name="沙河镇第二中心小学", short_name="沙河二小", stage="小学", county="示范县", area="镇区",
                headcount={"classes": 24, "teachers": 50, "students": 1247, "counted_on": "2024-09-01"})
    shiqiao = rec("school", name="石桥镇第二中心小学", short_name="石桥二小", stage="小学", county="示范县", area="乡村")
    haiyuan = rec("school", name="海原县第四中学", short_name="海原四中", stage="初中", county="海原县", area="城区")
    a, b = shahe["id"], shiqiao["id"]
    plan = rec("plan", title="沙河二小帮扶石桥二小", status="执行中", period={"start": "2024-09-01", "end": "2025-08-31"},
               parties=[{"school": a, "role": "帮扶", "dimensions": ["师资", "教学"]}, {"school": b, "role": "受帮扶"}],
               targets=[{"key": "songjiao", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时",
                         "per": "学期"},
                        {"key": "lecture", "metric": "专题讲座", "comparison": ">=", "value": 2, "unit": "次", "per": "学期"},
                        {"key": "visit", "metric": "互访", "comparison": ">=", "value": 1, "unit": "次", "per": "月"},
                        {"key": "dropout", "metric": "辍学率", "comparison": "<=", "value": 2, "unit": "%", "per": "学年"}],
               schedule=[{"month": "2024-09", "kinds": ["互访"], "text": "制定计划，校长互访"},
                         {"month": "2024-10", "kinds": ["送教下乡"], "text": "送教"},
                         {"month": "2024-11", "kinds": ["专题讲座"], "text": "讲座"},
                         {"month": "2024-12", "kinds": ["送教下乡"], "text": "送教"}],
               budget={"total_fen": 1_000_000})
    p = plan["id"]
    visits = [
        rec("visit", plan=p, kind="互访", date="2024-09-10", host_school=b, visiting_school=a,
            participants=[{"name": "丁校长", "school": a, "role": "校长"}, {"name": "管老师", "school": a}]),
        rec("visit", plan=p, kind="送教下乡", date="2024-10-12", host_school=b, visiting_school=a, hours=4),
        rec("visit", plan=p, kind="送教下乡", date="2024-11-20", host_school=b, visiting_school=a, hours=3),
        rec("visit", plan=p, kind="专题讲座", date="2024-11-05", host_school=b, visiting_school=a, topic="课堂教学"),
        rec("visit", plan=p, kind="捐赠", date="2024-12-03", host_school=b, visiting_school=a,
            donation={"donor": "沙河二小", "recipient": "石桥二小", "cash_fen": 500_000,
                      "items": [{"category": "图书", "name": "课外读物", "quantity": 100, "unit": "册",
                                 "unit_value_fen": 2500}], "total_fen": 750_000}),
        rec("visit", plan=p, kind="支教", date="2024-09-01", host_school=b, visiting_school=a,
            secondment={"person": "王老师", "from_school": a, "to_school": b, "start": "2024-09-01", "end": "2025-01-31"}),
        rec("visit", plan=p, kind="挂职", date="2024-10-08", host_school=b, visiting_school=a,
            secondment={"person": "李老师", "from_school": a, "to_school": b, "start": "2024-10-08", "end": "2025-03-07"}),
    ]
    std_p = rec("standard", programme="义务教育寄宿生生活补助", stage="小学", boarding=True, amount_fen=100_000, unit="年",
                region="示范县", valid_from="2020-01-01")
    std_j = rec("standard", programme="义务教育寄宿生生活补助", stage="初中", boarding=True, amount_fen=125_000, unit="年",
                region="示范县", valid_from="2020-01-01")
    ev = [{"date": "2024-09-01", "event": "认定"}]
    students = [
        rec("student", name="张小花", sex="女", school=b, stage="小学", grade="四年级", class_name="1班", boarding=True,
            groups=["建档立卡"], difficulty="特别困难", events=ev, identity={"id_number": ID_ZHANG}),
        rec("student", name="李明", sex="男", school=b, stage="小学", grade="五年级", boarding=True, groups=["低保"],
            difficulty="困难", events=ev, identity={"id_number": ID_LI}),
        rec("student", name="王芳", sex="女", school=haiyuan["id"], stage="初中", grade="八年级", boarding=True,
            groups=["建档立卡", "孤儿"], events=ev, identity={"id_number": ID_WANG}),
        rec("student", name="赵强", sex="男", school=b, stage="小学", grade="六年级", boarding=False,
            events=[{"date": "2023-09-01", "event": "认定"}, {"date": "2024-07-01", "event": "退出", "reason": "毕业"}],
            identity={"id_number": ID_ZHAO}),
    ]
    aid = [
        rec("aid", student=students[0]["id"], programme="义务教育寄宿生生活补助", term="2024-2025-1", amount_fen=50_000,
            standard=std_p["id"], paid_on="2024-10-15", source="中央", method="银行卡", voucher="SQ-2024-001"),
        rec("aid", student=students[1]["id"], programme="义务教育寄宿生生活补助", term="2024-2025-1", amount_fen=45_000,
            standard=std_p["id"], paid_on="2024-11-15", source="省", method="银行卡", voucher="SQ-2024-002"),
    ]
    everything = [shahe, shiqiao, haiyuan, plan, *visits, std_p, std_j, *students, *aid]
    ledger.commit([Change(r["id"], r, NEW) for r in everything], action="add", message="test: small ledger")
    return {"shahe": shahe, "shiqiao": shiqiao, "haiyuan": haiyuan, "plan": plan, "visits": visits,
            "std_p": std_p, "std_j": std_j, "students": students, "aid": aid}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One small ledger shared by the tests of this module (none of them writes to it)."""
    from store import Ledger
    from store.privacy.acts import init_keys

    led = Ledger.init(tmp_path_factory.mktemp("export") / "ledger", site="测试站")
    init_keys(led)
    data = small_ledger(led)
    yield led, data
    led.close()


def sheet_rows(path, title=None):
    wb = load_workbook(path)
    ws = wb[title] if title else wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)], ws


def every_string_in(path) -> str:
    """All text inside an xlsx (its XML parts), to look for identifiers anywhere."""
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_aid_export_has_chinese_headers_numbers_dates_and_names_with_ids(built, tmp_path):
    led, data = built
    path = tmp_path / "aid.xlsx"
    assert export.export(led, "aid", path) == 2
    rows, ws = sheet_rows(path)
    head = rows[0]
    for title in ("编号", "学生", "学生编号", "学校", "资助项目", "学期", "金额", "发放日期", "资金来源", "发放方式", "凭证号"):
        assert title in head
    by_voucher = {r[head.index("凭证号")]: r for r in rows[1:]}
    li = by_voucher["SQ-2024-002"]
    assert li[head.index("金额")] == 450 and isinstance(li[head.index("金额")], (int, float))
    assert li[head.index("发放日期")] == dt.datetime(2024, 11, 15)
    assert li[head.index("学生")] == "李明" and li[head.index("学生编号")] == data["students"][1]["id"]
    assert li[head.index("学校")] == "石桥镇第二中心小学"
    money_cell = ws.cell(3, head.index("金额") + 1)
    assert money_cell.number_format == "#,##0.00"
    assert ws.cell(3, head.index("发放日期") + 1).is_date
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")


def test_student_export_shows_only_masked_id_numbers(built, tmp_path):
    led, data = built
    xlsx, csv_path = tmp_path / "s.xlsx", tmp_path / "s.csv"
    export.export(led, "student", xlsx)
    export.export(led, "student", csv_path)
    rows, _ws = sheet_rows(xlsx)
    col = rows[0].index("居民身份证号")
    assert {r[col] for r in rows[1:]} == {ID[:4] + "*" * 10 + ID[-4:] for ID in CLEAR_IDS}
    text = every_string_in(xlsx) + csv_path.read_text(encoding="utf-8-sig")
    for clear in CLEAR_IDS:
        assert clear not in text
    assert "v1:" not in text  # no sealed value
    hmacs = [s["identity"]["id_number"]["hmac"] for s in led.query("student")]
    assert not any(h in text for h in hmacs)


def test_lists_of_objects_get_their_own_sheets(built, tmp_path):
    led, data = built
    path = tmp_path / "plan.xlsx"
    export.export(led, "plan", path)
    wb = load_workbook(path)
    assert {"结对帮扶计划", "结对学校", "量化指标", "月度安排"} <= set(wb.sheetnames)
    targets = [list(r) for r in wb["量化指标"].iter_rows(values_only=True)]
    assert targets[0][:4] == ["结对帮扶计划编号", "结对帮扶计划", "指标代号", "指标"]
    assert [r[3] for r in targets[1:]] == ["送教下乡", "专题讲座", "互访", "辍学率"]
    parties = [list(r) for r in wb["结对学校"].iter_rows(values_only=True)]
    assert parties[1][2:6] == ["沙河镇第二中心小学", data["shahe"]["id"], "帮扶", "师资、教学"]
    main = [list(r) for r in wb["结对帮扶计划"].iter_rows(values_only=True)]
    assert main[1][main[0].index("帮扶期限·开始")] == dt.datetime(2024, 9, 1)
    assert main[1][main[0].index("经费·总额")] == 10000


def test_donation_items_and_participants_of_visits(built, tmp_path):
    led, _data = built
    path = tmp_path / "visit.xlsx"
    export.export(led, "visit", path)
    items, _ = sheet_rows(path, "物品")
    assert items[1][2:] == ["图书", "课外读物", 100, "册", 25]
    # the list's one-cell summary in the visit's own sheet reads money in 元 as its sheet does
    # (it read the stored fen: 2500 for 25.00 元), and the batch a payment names by its school's name
    main, _ = sheet_rows(path, "活动记录")
    [summary] = [r[main[0].index("捐赠·物品")] for r in main[1:] if r[main[0].index("捐赠·物品")]]
    assert summary == "图书，课外读物，100，册，25.00"
    people, _ = sheet_rows(path, "参加人员")
    assert [r[2] for r in people[1:]] == ["丁校长", "管老师"]


def test_english_headers_with_lang_en(built, tmp_path):
    led, _data = built
    i18n.set_lang("en")
    path = tmp_path / "aid.xlsx"
    export.export(led, "aid", path)
    rows, ws = sheet_rows(path)
    assert ws.title == "Aid payments"
    assert rows[0][:7] == ["ID", "Student", "Student id", "School", "Programme", "Term", "Amount"]


@pytest.mark.parametrize("rtype", ["school", "plan", "visit", "student", "aid", "standard"])
def test_every_column_has_an_english_title_and_headers_are_unique(built, rtype):
    led, _data = built
    lay = export.layout(led.schemas(), rtype)
    for sheet in lay.sheets:
        zh = [c.zh for c in sheet.columns]
        assert len(zh) == len(set(zh)), sheet.key
        missing = [c.key for c in sheet.columns if not c.key.startswith("@") and export.english_title(rtype, c.key) is None]
        assert missing == []


def test_where_filters_and_csv_has_plain_numbers(built, tmp_path):
    led, _data = built
    path = tmp_path / "aid.csv"
    assert export.export(led, "aid", path, where=["source=省"]) == 1
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 2 and rows[1][rows[0].index("金额")] == "450.00"
    assert rows[1][rows[0].index("发放日期")] == "2024-11-15"


def test_text_that_looks_like_a_formula_stays_text(ledger, tmp_path):
    school = rec("school", name="=HYPERLINK(\"http://x\",\"点我\")", short_name="+1", stage="小学", county="-县",
                 area="乡村")
    ledger.put(school)
    xlsx, csv_path = tmp_path / "s.xlsx", tmp_path / "s.csv"
    export.export(ledger, "school", xlsx)
    export.export(ledger, "school", csv_path)
    _rows, ws = sheet_rows(xlsx)
    assert ws.cell(2, 2).data_type == "s" and ws.cell(2, 2).value.startswith("=HYPERLINK")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ",'+1," in text


def test_every_part_of_the_file_is_well_formed_xml_even_with_control_characters(ledger, tmp_path):
    import xml.etree.ElementTree as ET

    ledger.put(rec("school", name="沙河二小\x1b[31m & <b>", stage="小学", county="某县", area="乡村",
                   notes="  前后有空格  "))
    path = tmp_path / "s.xlsx"
    export.export(ledger, "school", path)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(z.read(name))
    rows, _ws = sheet_rows(path)
    assert rows[1][1] == "沙河二小_x001B_[31m & <b>" and rows[1][-1] == "  前后有空格  "
    from store.io import importer
    assert [i.action for i in importer.preview(ledger, "school", path).items] == ["same"]


def test_progress_is_reported_for_large_exports(built, tmp_path):
    led, _data = built
    seen = []
    export.export(led, "visit", tmp_path / "v.xlsx", progress=lambda what, done, total: seen.append((done, total)))
    assert seen[-1] == (7, 7)


def test_cli_export_writes_the_file_and_refuses_unknown_formats(built, tmp_path):
    led, _data = built
    env = {**os.environ, "BANGFU_LEDGER": str(led.path)}
    out = tmp_path / "学生.xlsx"
    r = subprocess.run([sys.executable, "-m", "bangfu", "export", "student", "-o", str(out)], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "已导出 4 条学生" in r.stdout and out.exists()
    r = subprocess.run([sys.executable, "-m", "bangfu", "export", "student", "-o", str(tmp_path / "x.pdf")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--format" in r.stderr
    # Without -o, in English: a name without spaces, which a shell user need not quote.
    r = subprocess.run([sys.executable, "-m", "bangfu", "--lang", "en", "export", "aid"], capture_output=True,
                       text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    [named] = tmp_path.glob("Aid*")
    assert named.name == "Aid-payments-2026-12-06.xlsx"   # (the day the tests take for today)


def test_cli_export_notice_lists_masked_names_and_no_identifiers(built, tmp_path):
    led, _data = built
    env = {**os.environ, "BANGFU_LEDGER": str(led.path)}
    out = tmp_path / "公示.csv"
    r = subprocess.run([sys.executable, "-m", "bangfu", "export", "notice", "--term", "2024-2025-1", "-o", str(out)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8-sig")
    assert "张**" in text and "张小花" not in text
    assert not any(clear in text for clear in CLEAR_IDS)
