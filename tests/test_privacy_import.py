"""Imports that cannot corrupt identities: an ID a spreadsheet turned into a number is refused with
what to do in Excel; a student whose ID changed in a re-imported roster needs an explicit choice."""
from __future__ import annotations

import csv
import os
import stat

import pytest
from openpyxl import load_workbook

from conftest import run
from store.io import importer
from test_export import ID_ZHANG, idno, small_ledger
from test_import import xlsx

HEADERS = ["姓名", "性别", "身份证号", "学校", "学段", "年级", "班级", "寄宿"]
CORRECTED = idno("64052220140305124")   # 张小花's ID with a digit corrected


@pytest.fixture
def small(ledger):
    return ledger, small_ledger(ledger)


def reasons(pv):
    return {(p.row, p.column): p.reason for p in pv.all_problems() if p.level == "error"}


def csv_file(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(rows)
    return path


@pytest.mark.parametrize("cell", [
    "6.40522E+17", "6.40522201403051E+17", "640522201403051000", "640522201403051220.0",
])
def test_ids_a_spreadsheet_turned_into_numbers_are_refused_saying_how_to_keep_them_as_text(small, tmp_path, cell):
    led, _data = small
    path = csv_file(tmp_path / "s.csv", [["马小军", "男", cell, "石桥二小", "小学", "三年级", "2班", "是"]])
    pv, result = importer.run(led, "student", path)
    assert result.commit is None
    why = reasons(pv)[(2, "身份证号")]
    assert "Excel" in why and "文本" in why
    assert not led.find("student", name="马小军")


def test_a_float_cell_says_the_same_in_english(small, tmp_path):
    from store.core import i18n
    led, _data = small
    i18n.set_lang("en")
    path = xlsx(tmp_path / "s.xlsx", HEADERS, [["Ma", "男", 640522201403051220.0, "石桥二小", "小学", "三年级", "2班", "是"]])
    pv, _result = importer.run(led, "student", path)
    why = [p.reason for p in pv.all_problems() if p.level == "error"][0]
    assert "Excel" in why and "Text" in why


def test_a_corrected_id_is_reported_as_id_changed_and_needs_a_choice(small, tmp_path, capsys):
    led, data = small
    zhang = led.find("student", name="张小花")[0]
    rows = [["张小花", "女", CORRECTED, "石桥二小", "小学", "四年级", "1班", "是"]]
    path = xlsx(tmp_path / "s.xlsx", HEADERS, rows)
    tip = led.tip
    code, out, err = run(capsys, "-L", str(led.path), "import", "student", str(path))
    assert code == 1 and led.tip == tip
    assert "身份证号变了？" in out + err and zhang["id"] in out + err and CORRECTED not in out + err
    assert len(led.find("student", name="张小花")) == 1

    code, out, err = run(capsys, "-L", str(led.path), "import", "student", str(path), "--id-changed", "update")
    assert code == 0, out + err
    led.refresh()
    [same] = led.find("student", name="张小花")
    assert same["id"] == zhang["id"]
    assert same["identity"]["id_number"]["masked"] == CORRECTED[:4] + "**********" + CORRECTED[-4:]
    assert ID_ZHANG != CORRECTED


def test_id_changed_new_adds_a_second_student_on_purpose(small, tmp_path, capsys):
    led, _data = small
    path = xlsx(tmp_path / "s.xlsx", HEADERS, [["张小花", "女", CORRECTED, "石桥二小", "小学", "四年级", "1班", "是"]])
    code, out, err = run(capsys, "-L", str(led.path), "import", "student", str(path), "--id-changed", "new")
    assert code == 0, out + err
    led.refresh()
    assert len(led.find("student", name="张小花")) == 2


def test_the_rejected_rows_file_is_private(small, tmp_path, capsys):
    led, _data = small
    path = xlsx(tmp_path / "s.xlsx", HEADERS, [["白雪", "女", idno("64052220140202232"), "不存在小学", "小学", "三年级",
                                                "1班", "否"]])
    code, out, _err = run(capsys, "-L", str(led.path), "import", "student", str(path))
    assert code == 1
    rejects = importer.rejects_path(path)
    assert rejects.exists() and stat.S_IMODE(os.stat(rejects).st_mode) == 0o600
    assert "身份证号等只留脱敏后的号码" in out and "只有你本人可读" in out
    cells = [c for row in load_workbook(rejects).active.iter_rows(values_only=True) for c in row]
    assert idno("64052220140202232") not in cells and "6405**********" + idno("64052220140202232")[-4:] in cells


def test_an_export_holding_identifiers_is_private(small, tmp_path, capsys):
    led, _data = small
    out_file = tmp_path / "students.xlsx"
    assert run(capsys, "-L", str(led.path), "export", "student", "-o", str(out_file))[0] == 0
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600
