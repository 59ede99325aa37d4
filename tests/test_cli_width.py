"""The tables of the command line on an 80-column terminal (an SSH session's usual width): every line
fits, ids stay whole to be copied, nothing is cut without a word; piped, every column is there."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from rich.cells import cell_len

from tests.terminal import on_terminal

SCHOOL = "海原县第四中学"


def widest(text: str) -> int:
    return max(cell_len(line) for line in text.splitlines())


@pytest.mark.parametrize("lang,boarding,nutrition", [
    ("zh", ["  2026-2027-1  义务教育寄宿生生  海原四中  2026-10-12  已发放  5     3,375.00",
            "               活补助"],
     ["  2026-2027-1  营养改善计划      海原四中  2026-11-02  草拟    5     2,450.00"]),
    ("en", ["  2026-2027-1  义务教育   海原四中  2026-10-12  paid    5         3,375.00",
            "               寄宿生生",
            "               活补助"],
     ["  2026-2027-1  营养改善   海原四中  2026-11-02  draft   5         2,450.00",
      "               计划"])])
def test_batch_list_fits_80_columns_each_id_whole_on_a_line_above_its_batch(demo, lang, boarding, nutrition):
    """It was 123 columns wide. The demo's two batches of 海原四中: the boarding allowance paid to five
    (750 × 4 + 375 = 3,375.00 元), the nutrition draft of five (2,450.00 元)."""
    board, meals = sorted(demo.query("batch"), key=lambda b: b["date"])
    shown = on_terminal("-L", str(demo.path), "--lang", lang, "batch", "list")
    assert shown.returncode == 0 and widest(shown.stdout) <= 80, shown.stdout
    lines = shown.stdout.splitlines()
    at = lines.index(board["id"])
    assert lines[at + 1:at + 1 + len(boarding)] == boarding
    assert lines[at + 1 + len(boarding)] == meals["id"]
    assert lines[at + 2 + len(boarding):] == nutrition
    assert shown.stderr == ""


@pytest.mark.parametrize("lang,first,left_out", [
    ("zh", ["李梦瑶  七年级 4班  2026-09-07  2026-09-15—               2026-09-22  认定",
            "                                2026-09-21"],
     "（终端宽 80 列，未显示：评议、审核；输出到管道或文件时各列都在）"),
    ("en", ["李梦瑶   七年级 4班  2026-09-07  2026-09-15              2026-09-22  recognised",
            "                                 —",
            "                                 2026-09-21"],
     "(the terminal is 80 columns wide: reviewed, checked not shown; piped or written to a file, every column is)")])
def test_aid_list_fits_80_columns_and_says_which_columns_it_left_out(demo, lang, first, left_out):
    """It was 112 columns wide. The demo's five recognitions at 海原四中, 李梦瑶's first."""
    args = ("-L", str(demo.path), "--lang", lang, "aid", "list", "--school", SCHOOL, "--year", "2026-2027")
    shown = on_terminal(*args)
    assert shown.returncode == 0 and widest(shown.stdout) <= 80, shown.stdout
    lines = shown.stdout.splitlines()
    assert lines[0].split() == (["学生", "年级班级", "申请", "公示", "未处理异议", "审批", "结果/程度"] if lang == "zh" else
                                ["student", "grade,", "applied", "notice", "open", "approved", "outcome,"])
    at = next(n for n, line in enumerate(lines) if line.startswith("李梦瑶"))
    assert lines[at:at + len(first)] == first
    assert sum(1 for line in lines if line.startswith(("李梦瑶", "白雪", "苏婉婷", "马国庆", "马振宇"))) == 5
    assert shown.stderr.splitlines() == [left_out]
    piped = subprocess.run([sys.executable, "-m", "bangfu", *args], capture_output=True, text=True,
                           env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    assert piped.stderr == "" and "2026-09-07  2026-09-11  2026-09-14  2026-09-15—2026-09-21" in piped.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_list_plan_fits_80_columns_its_long_titles_wrapped_not_cut(demo, lang):
    """It was 98 columns wide. The demo's nine plans; the longest title goes on to a second line."""
    shown = on_terminal("-L", str(demo.path), "--lang", lang, "list", "plan")
    assert shown.returncode == 0 and widest(shown.stdout) <= 80, shown.stdout
    lines = shown.stdout.splitlines()
    at = lines.index("plan-01M7W31C53M4SATYD221NEFQXR  沙河镇第二中心小学对口帮扶石桥镇第二中心小学计")
    assert lines[at + 1] == " " * 33 + "划（2006—2007学年）"
    assert sum(1 for line in lines if line.startswith("plan-")) == 9 and "…" not in shown.stdout
    assert shown.stderr == ("共 9 条\n" if lang == "zh" else "9 records\n")
