"""Imports from xlsx and csv: usual Chinese headers, every row checked, one commit or nothing,
a report of each bad row in Chinese and an xlsx of the rejected rows that imports again."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from openpyxl import Workbook, load_workbook

from conftest import TODAY
from store.io import export, importer
from store.core.errors import BangfuError
from store.rules.calendar import term_of
from test_export import ID_LI, ID_WANG, ID_ZHANG, idno, small_ledger

AID_HEADERS = ["序号", "姓名", "身份证号", "学校", "资助项目", "学期", "金额（元）", "发放日期", "资金来源", "发放方式", "凭证号"]
NEW_ID = idno("64052220140101231")


def xlsx(path, headers, rows, title="Sheet1", before=()):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in before:
        ws.append(r)
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def spring_aid(n=1, name="张小花", number=ID_ZHANG, school="石桥二小", amount=500, paid=dt.datetime(2025, 4, 1)):
    return [n, name, number, school, "义务教育寄宿生生活补助", "2024-2025学年第二学期", amount, paid, "中央", "银行卡",
            f"SQ-2025-{n:03d}"]


@pytest.fixture
def small(ledger):
    return ledger, small_ledger(ledger)


def reasons(pv):
    return {(p.row, p.column): p.reason for p in pv.all_problems() if p.level == "error"}


# ---- round trips ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("rtype", ["school", "plan", "visit", "student", "aid", "standard"])
def test_export_then_import_changes_nothing_and_makes_no_commit(small, tmp_path, rtype):
    led, _data = small
    tip = led.tip
    for fmt in ("xlsx", "csv"):
        path = tmp_path / f"{rtype}.{fmt}"
        export.export(led, rtype, path)
        pv, result = importer.run(led, rtype, path)
        assert not pv.bad and not pv.problems, [p.as_json() for p in pv.all_problems()]
        assert [i.action for i in pv.items] == ["same"] * led.count(rtype)
        assert result.commit is None
    assert led.tip == tip


def test_every_other_record_type_of_the_demo_comes_back_unchanged(demo, tmp_path):
    """The record types of the aid process and the twinning measures, as the demo holds them: an
    export in each format reads back as the same records (no change, no commit)."""
    tip = demo.tip
    for rtype in ("calendar", "recognition", "posting", "teacher", "measurement", "inspection", "batch",
                  "sponsorship", "unit"):
        assert demo.count(rtype), rtype
        for fmt in ("xlsx", "csv"):
            path = tmp_path / f"{rtype}.{fmt}"
            export.export(demo, rtype, path)
            pv, result = importer.run(demo, rtype, path)
            assert not pv.bad and not pv.problems, (rtype, fmt, [p.as_json() for p in pv.all_problems()])
            assert [i.action for i in pv.items] == ["same"] * demo.count(rtype) and result.commit is None
    assert demo.tip == tip


def test_a_payments_batch_is_named_by_its_schools_name_and_reads_back(demo, tmp_path):
    """The 发放批次 column named the batch by its school's id (school-01M7… 2026-2027-1 …)."""
    path = tmp_path / "aid.xlsx"
    export.export(demo, "aid", path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    batches = {r[rows[0].index("发放批次")] for r in rows[1:]} - {None}
    assert batches and not any("school-" in b for b in batches)
    assert any(b.startswith("海原四中 2026-2027-1 ") for b in batches), batches
    pv, result = importer.run(demo, "aid", path)
    assert not pv.bad and {i.action for i in pv.items} == {"same"} and result.commit is None


def test_exported_records_import_into_an_empty_ledger_as_the_same_records(small, tmp_path):
    from store import Ledger
    from store.privacy.acts import attach_keys

    led, _data = small
    other = Ledger.init(tmp_path / "other", site="县中心")
    attach_keys(other)  # another ledger: no key, which these record types do not need
    for rtype in ("school", "plan", "visit"):
        export.export(led, rtype, tmp_path / f"{rtype}.xlsx")
        pv, result = importer.run(other, rtype, tmp_path / f"{rtype}.xlsx")
        assert result.commit and not pv.bad, [p.as_json() for p in pv.all_problems()]
    for rtype in ("school", "plan", "visit"):
        assert sorted(other.query(rtype), key=lambda r: r["id"]) == sorted(led.query(rtype), key=lambda r: r["id"])
    other.close()


# ---- a coordinator's own spreadsheet -------------------------------------------------------------------

def test_usual_aid_sheet_imports_as_one_commit_and_again_without_duplicates(small, tmp_path):
    led, data = small
    path = xlsx(tmp_path / "春季资助.xlsx", AID_HEADERS,
                [spring_aid(1), spring_aid(2, "李明", ID_LI), spring_aid(3, "王芳", ID_WANG, "海原四中", 625),
                 [None, "合计", None, None, None, None, 1625]],
                before=[["2024—2025学年春季学期资助发放台账"]])
    before = led.count("aid")
    pv, result = importer.run(led, "aid", path)
    assert not pv.bad and [i.action for i in pv.items] == ["add"] * 3
    assert result.commit and led.count("aid") == before + 3
    commits = led.log(limit=2)
    assert commits[0]["title"] == "aid: import 3 records from 春季资助.xlsx"
    assert commits[1]["title"] == "test: small ledger"
    wang = led.find("aid", student=data["students"][2]["id"])[0]
    assert (wang["term"], wang["amount_fen"], wang["paid_on"], wang["standard"]) == (
        "2024-2025-2", 62_500, "2025-04-01", data["std_j"]["id"])  # the standard found by stage and boarding
    pv, result = importer.run(led, "aid", path)
    assert [i.action for i in pv.items] == ["same"] * 3 and result.commit is None
    assert led.count("aid") == before + 3


def open_aid(n=1, amount=500):
    """A row of spring_aid's shape paid today, in the term still open: its payment may be corrected."""
    today = TODAY
    first, second, half = term_of(today).split("-")
    row = spring_aid(n, amount=amount, paid=dt.datetime(today.year, today.month, today.day))
    row[5] = f"{first}-{second}学年第{'一' if half == '1' else '二'}学期"
    return row


def test_a_changed_row_updates_the_record_it_matches(small, tmp_path):
    led, data = small
    path = xlsx(tmp_path / "a.xlsx", AID_HEADERS, [open_aid(1)])
    importer.run(led, "aid", path)
    paid = led.find("aid", student=data["students"][0]["id"], term=term_of(TODAY))[0]
    version = led.version(paid["id"])
    xlsx(path, AID_HEADERS, [open_aid(1, amount=480)])
    pv, result = importer.run(led, "aid", path)
    assert [i.action for i in pv.items] == ["update"] and pv.items[0].base == version
    assert led.get(paid["id"])["amount_fen"] == 48_000
    assert led.history(paid["id"])[0]["commit"] == result.commit


def test_a_changed_row_of_an_ended_term_is_a_bad_row(small, tmp_path):
    """A closed term's payments stay as paid (store/aid/closed.py): the row is sent back with the
    reason, and nothing of the sheet is committed."""
    led, data = small
    path = xlsx(tmp_path / "a.xlsx", AID_HEADERS, [spring_aid(1)])
    importer.run(led, "aid", path)
    paid = led.find("aid", student=data["students"][0]["id"], term="2024-2025-2")[0]
    tip = led.tip
    xlsx(path, AID_HEADERS, [spring_aid(1, amount=480)])
    pv, result = importer.run(led, "aid", path)
    assert result.commit is None and led.tip == tip and led.get(paid["id"])["amount_fen"] == 50_000
    [why] = [p.reason for p in pv.all_problems() if p.level == "error"]
    assert "学期 2024-2025-2 已于 2025-08-31 结束" in why and "不能再改或删除" in why, why


def test_students_by_usual_headers_get_sealed_id_numbers_and_a_recognition_event(small, tmp_path):
    led, data = small
    path = xlsx(tmp_path / "名单.xlsx", ["姓名", "性别", "身份证号", "学校", "学段", "年级", "班级", "寄宿", "特殊群体", "认定日期"],
                [["马小军", "男", NEW_ID, "石桥二小", "小学", "三年级", "2班", "是", "建档立卡、留守", "2024/9/2"]])
    pv, result = importer.run(led, "student", path)
    assert result.commit, [p.as_json() for p in pv.all_problems()]
    ma = led.find("student", name="马小军")[0]
    assert ma["school"] == data["shiqiao"]["id"] and ma["boarding"] is True
    assert ma["groups"] == ["建档立卡", "留守"]
    assert ma["events"] == [{"date": "2024-09-02", "event": "认定", "stage": "小学"}]
    assert ma["identity"]["id_number"]["masked"] == NEW_ID[:4] + "**********" + NEW_ID[-4:]
    assert ma["identity"]["id_number"]["sealed"].startswith("v1:")
    blob = led.git.read_blob(led.version(ma["id"])).decode()
    assert NEW_ID not in blob


def test_a_township_sheet_without_stage_takes_the_schools_and_writes_grades_as_words(small, tmp_path):
    """A coordinator's sheet names the school and the grade, not the stage, and Excel keeps 3 for
    三年级: every row was refused (缺少必填项「学段」), and a grade imported as "3" was never promoted."""
    led, data = small
    path = xlsx(tmp_path / "名单.xlsx", ["姓名", "性别", "学校", "年级", "身份证号"],
                [["马小军 ", "男", "石桥二小", 3, NEW_ID],
                 ["马小兰", "女", "石桥镇第二中心小学 ", "4年级", idno("64052220150101232")],
                 ["白雪", "女", "海原四中", "初一", idno("64052220130202242")],
                 ["海燕", "女", "海原四中", 8, idno("64052220120303252")]],
                before=[["2024年秋季学期家庭经济困难学生名单"]])
    pv, result = importer.run(led, "student", path)
    assert result.commit, [p.as_json() for p in pv.all_problems()]
    got = {s["name"]: (s["stage"], s["grade"]) for s in led.find("student") if s["name"] in ("马小军", "马小兰", "白雪", "海燕")}
    assert got == {"马小军": ("小学", "三年级"), "马小兰": ("小学", "四年级"), "白雪": ("初中", "七年级"),
                   "海燕": ("初中", "八年级")}


def test_a_mapping_file_names_odd_headers_and_fills_defaults(small, tmp_path):
    led, _data = small
    path = xlsx(tmp_path / "a.xlsx", ["学生名字", "证件号", "项目", "学期", "本次发放", "日期"],
                [["张小花", ID_ZHANG, "义务教育寄宿生生活补助", "2025春", 500, "2025-04-01"]])
    mapping = tmp_path / "对照.toml"
    mapping.write_text('[columns]\n"学生名字" = "姓名"\n"证件号" = "身份证号"\n"本次发放" = "amount_fen"\n'
                       '[defaults]\n"资金来源" = "县"\nmethod = "银行卡"\n', encoding="utf-8")
    pv, result = importer.run(led, "aid", path, mapping=importer.Mapping.load(mapping))
    assert result.commit, [p.as_json() for p in pv.all_problems()]
    assert pv.items[0].record["source"] == "县" and pv.items[0].record["term"] == "2024-2025-2"


def test_an_instructions_sheet_first_and_a_gbk_csv_are_fine(small, tmp_path):
    led, _data = small
    wb = Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["请按下表填写，金额单位为元。"])
    data = wb.create_sheet("发放明细")
    data.append(AID_HEADERS)
    data.append(spring_aid(1))
    wb.save(tmp_path / "a.xlsx")
    pv = importer.preview(led, "aid", tmp_path / "a.xlsx")
    assert [i.action for i in pv.items] == ["add"] and pv.items[0].table.name == "发放明细"
    text = ",".join(AID_HEADERS) + "\n" + ",".join(str(v) for v in spring_aid(1, paid="2025-04-01")) + "\n"
    (tmp_path / "a.csv").write_bytes(text.encode("gb18030"))  # what Excel saves on a Chinese Windows
    pv = importer.preview(led, "aid", tmp_path / "a.csv")
    assert [i.action for i in pv.items] == ["add"] and pv.items[0].record["amount_fen"] == 50_000


# ---- each kind of bad row ------------------------------------------------------------------------------

def test_bad_rows_are_reported_in_chinese_and_nothing_is_committed(small, tmp_path):
    led, _data = small
    rows = [spring_aid(1),
            spring_aid(2, "李明", idno("64052220130611153")[:-1] + "0"),       # bad ID number (check character)
            spring_aid(3, "王芳", ID_WANG, "海原四中", "六百二十五"),             # text in a money column
            spring_aid(4, "李明", ID_LI, paid="2025-02-30"),                    # not a date
            spring_aid(5, "张小花", ID_ZHANG),                                  # the same payment as row 2 (n=1)
            spring_aid(6, "马小军", NEW_ID)]                                    # no such student
    path = xlsx(tmp_path / "a.xlsx", AID_HEADERS, rows)
    tip = led.tip
    pv, result = importer.run(led, "aid", path)
    assert result.commit is None and led.tip == tip
    got = reasons(pv)
    assert got[(3, "身份证号")] == "居民身份证号的校验码不对，请逐位核对号码"
    assert got[(4, "金额（元）")] == "「六百二十五」不是金额（应为数字，最多两位小数，例如 1250.00）"
    assert got[(5, "发放日期")] == "「2025-02-30」不是日期（可写成 2024-09-01）"
    assert got[(6, "学期")].startswith("与第 2 行是同一条记录")
    assert got[(7, "身份证号")].startswith("台账中没有身份证号为 6405**********")
    assert [i.number for i in pv.good] == [2]
    assert {p.value for p in pv.all_problems() if p.column == "身份证号"} <= {
        v[:4] + "**********" + v[-4:] for v in (idno("64052220130611153")[:-1] + "0", NEW_ID)}


def test_a_school_written_a_little_differently_names_the_ledgers_close_ones(small, tmp_path):
    """"台账中找不到学校「石桥镇二小」" left the coordinator guessing how the ledger spells it;
    in English it read "no Schools …"."""
    from store.core import i18n
    led, _data = small
    path = xlsx(tmp_path / "s.xlsx", ["姓名", "性别", "身份证号", "学校", "学段", "年级"],
                [["白雪", "女", idno("64052220140202232"), "石桥镇二小", "小学", "三年级"]])
    got = reasons(importer.run(led, "student", path)[0])
    assert got[(2, "学校")] == "台账中找不到学校「石桥镇二小」；相近的有：石桥镇第二中心小学"
    i18n.set_lang("en")
    try:
        got = reasons(importer.run(led, "student", path)[0])
    finally:
        i18n.set_lang("zh")
    assert got[(2, "学校")] == 'no school "石桥镇二小" in the ledger; close: 石桥镇第二中心小学'


def test_unknown_school_and_bad_id_number_of_students(small, tmp_path):
    led, _data = small
    path = xlsx(tmp_path / "s.xlsx", ["姓名", "性别", "身份证号", "学校", "学段", "年级"],
                [["白雪", "女", idno("64052220140202232"), "不存在小学", "小学", "三年级"],
                 ["马小兰", "女", "64052220140101231X", "石桥二小", "小学", "三年级"]])
    pv, _result = importer.run(led, "student", path)
    got = reasons(pv)
    assert got[(2, "学校")] == "台账中找不到学校「不存在小学」"
    assert got[(3, "身份证号")] == "居民身份证号的校验码不对，请逐位核对号码"


def test_missing_column_names_the_column(small, tmp_path):
    led, _data = small
    headers = [h for h in AID_HEADERS if h != "金额（元）"]
    row = [v for h, v in zip(AID_HEADERS, spring_aid(1)) if h != "金额（元）"]
    pv, result = importer.run(led, "aid", xlsx(tmp_path / "a.xlsx", headers, [row]))
    assert result.commit is None
    assert reasons(pv)[(2, "金额")] == "缺少必填项「金额」（表中没有「金额」这一列）"


def test_duplicate_of_an_existing_record_under_another_id(small, tmp_path):
    led, data = small
    exported = tmp_path / "aid.xlsx"
    export.export(led, "aid", exported)
    wb = load_workbook(exported)
    ws = wb.active
    ws.cell(2, 1).value = "aid-01JB0000000000000000000000"  # a new id, same student, programme and term
    ws.cell(3, 1).value = None
    wb.save(exported)
    pv, result = importer.run(led, "aid", exported)
    assert result.commit is None
    got = reasons(pv)
    assert got[(2, "学期")].startswith(f"与台账中已有的记录 {data['aid'][0]['id']} 重复")
    assert [i.action for i in pv.good] == ["same"]  # the row without id matched its payment


def test_empty_sheet_and_files_that_are_not_spreadsheets(small, tmp_path):
    led, _data = small
    pv, result = importer.run(led, "aid", xlsx(tmp_path / "e.xlsx", AID_HEADERS, []))
    assert pv.fatal and result.commit is None
    assert pv.problems[0].reason == "工作表「Sheet1」没有数据行"
    for name, data in (("x.xlsx", b"not a zip at all"), ("x.pdf", b"%PDF-1.4"), ("x.csv", b"\x00\x01\x02binary")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(BangfuError) as caught:
            importer.preview(led, "aid", tmp_path / name)
        assert "不是 xlsx 或 csv 表格" in str(caught.value)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(BangfuError, match="另存为"):
        importer.preview(led, "aid", tmp_path / "old.xls")


def test_id_numbers_that_excel_turned_into_numbers_are_refused(small, tmp_path):
    led, _data = small
    row = spring_aid(1, number=float(ID_ZHANG[:17] + "0"))
    pv, _result = importer.run(led, "aid", xlsx(tmp_path / "a.xlsx", AID_HEADERS, [row]))
    assert "存成了数字" in reasons(pv)[(2, "身份证号")] and "文本" in reasons(pv)[(2, "身份证号")]


def test_a_preview_checks_the_rules_as_a_save_would(small, tmp_path):
    led, _data = small
    from test_export import ID_ZHAO
    path = xlsx(tmp_path / "a.xlsx", AID_HEADERS, [spring_aid(1, "赵强", ID_ZHAO)])
    tip = led.tip
    pv = importer.preview(led, "aid", path)  # what the dashboard shows before anything is committed
    assert "已退出" in reasons(pv)[(2, "发放日期")] and led.tip == tip
    pv, result = importer.run(led, "aid", path)  # the shell's import: the commit finds the same
    assert result.commit is None and "已退出" in reasons(pv)[(2, "发放日期")]


def test_identifiers_cannot_be_imported_without_the_key(small, tmp_path):
    led, _data = small
    led.keys = None
    path = xlsx(tmp_path / "s.xlsx", ["姓名", "性别", "身份证号", "学校", "学段", "年级"],
                [["马小军", "男", NEW_ID, "石桥二小", "小学", "三年级"]])
    with pytest.raises(BangfuError, match="没有这个台账的密钥"):
        importer.preview(led, "student", path)


# ---- skip-invalid, the rejects file, and fixing it ---------------------------------------------------------

def test_skip_invalid_commits_the_good_rows_and_the_fixed_rejects_import_again(small, tmp_path):
    led, _data = small
    path = xlsx(tmp_path / "a.xlsx", AID_HEADERS,
                [spring_aid(1), spring_aid(2, "李明", ID_LI, amount="五百"), spring_aid(3, "王芳", ID_WANG, "海原四中", 625)])
    pv, result = importer.run(led, "aid", path, skip_invalid=True)
    assert result.commit and result.added == 2 and result.rejected == 1
    rejects = importer.write_rejects(pv, tmp_path / "错误.xlsx")
    wb = load_workbook(rejects)
    rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
    assert rows[0] == AID_HEADERS + ["错误原因"]
    assert rows[1][1] == "李明" and rows[1][-1].startswith("金额（元）：「五百」不是金额")
    wb.active.cell(2, 7).value = 500
    wb.save(rejects)
    pv, result = importer.run(led, "aid", rejects)
    assert result.commit and result.added == 1 and not pv.bad
    assert len(led.query("aid", term="2024-2025-2")) == 3


def test_cli_import_prints_the_bad_rows_writes_the_rejects_and_exit_code(small, tmp_path):
    led, _data = small
    path = xlsx(tmp_path / "资助.xlsx", AID_HEADERS, [spring_aid(1), spring_aid(2, "李明", ID_LI, paid="2025-13-01")])
    env = {**os.environ, "BANGFU_LEDGER": str(led.path)}
    r = subprocess.run([sys.executable, "-m", "bangfu", "import", "aid", str(path)], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 1, r.stderr
    assert "「2025-13-01」不是日期" in r.stdout and "未提交任何记录" in r.stdout
    assert (tmp_path / "资助.错误行.xlsx").exists()
    r = subprocess.run([sys.executable, "-m", "bangfu", "--json", "import", "aid", str(path), "--skip-invalid"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["added"] == 1 and out["bad"] == 1 and out["commit"]


@pytest.mark.parametrize("lang,says", [
    ("zh", ["bangfu export", "学段", "文本", "脱敏"]),
    ("en", ["bangfu export", "stage", "text", "masked"])])
def test_import_help_says_what_a_sheet_needs_and_fits_80_columns(lang, says):
    """The help listed the seventeen record types on one 170-column line and said nothing of the
    headers, the stage a student sheet may leave out, or ID numbers Excel turned into numbers."""
    import unicodedata
    env = {**os.environ, "COLUMNS": "80", "BANGFU_LANG": lang}
    r = subprocess.run([sys.executable, "-m", "bangfu", "import", "--help"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    width = lambda line: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
    assert max(width(line) for line in r.stdout.splitlines()) <= 80, r.stdout
    for word in says:
        assert word in r.stdout, (word, r.stdout)


def test_amounts_past_any_real_payment_are_refused_by_import(small, tmp_path):
    led, _data = small
    tip = led.tip
    for amount, reason in (("1e30", "「1e30」不是金额"), (30000, "30,000.00 元超过上限 20,000.00 元")):   # 1e30 元 (crashed); 30,000 元
        path = xlsx(tmp_path / "a.xlsx", AID_HEADERS, [spring_aid(2, "李明", ID_LI, amount=amount)])
        pv, result = importer.run(led, "aid", path)
        assert result.commit is None and led.tip == tip
        [(where, got)] = reasons(pv).items()
        assert where == (2, "金额（元）") and reason in got, got


def test_the_audit_trails_own_records_come_back_unchanged(ledger, tmp_path):
    """The two record types the demo does not hold: the reveal event a bank roster with clear
    numbers records, and the adjustment that changes a payment of an approved batch. Each exported
    in each format reads back as the same records (no change, no commit)."""
    import datetime as dt

    from store import Change
    from store.aid import batches
    from store.ledger import adjustments
    from store.privacy.acts import reveal_list
    from tests.test_world_batch import BOARD, DAY, TERM, build_county

    county = build_county(ledger)
    batch = batches.make(ledger, TERM, BOARD, on=DAY, school=county["mid"]).batch
    batches.approve(ledger, batch["id"], by="校长 周明", on=dt.date(2026, 9, 25))
    _doc, made = batches.pay(ledger, batch["id"], on=dt.date(2026, 10, 9), method="银行卡",
                             shares=[{"source": "中央", "percent": 100}], reference="YH-1")
    reveal_list(ledger, batch["id"], [ledger.get(county["a"])], ("identity.id_number",), "银行代发")
    aid = made[0]
    adjustments.adjust(ledger, [Change(aid["id"], {**aid, "amount_fen": 60_000}, ledger.version(aid["id"]))],
                       reason="银行退回手续费差额", approver="县资助中心 王主任", date="2026-10-20")
    tip = ledger.tip
    for rtype in ("event", "adjustment"):
        assert ledger.count(rtype) == 1, rtype
        for fmt in ("xlsx", "csv"):
            path = tmp_path / f"{rtype}.{fmt}"
            export.export(ledger, rtype, path)
            pv, result = importer.run(ledger, rtype, path)
            assert not pv.bad and not pv.problems, (rtype, fmt, [p.as_json() for p in pv.all_problems()])
            assert [i.action for i in pv.items] == ["same"] and result.commit is None
    assert ledger.tip == tip
