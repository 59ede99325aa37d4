"""The command line in the user's language down to argparse's own words and JSON's complaints,
with bangfu's options understood wherever they are typed."""
from __future__ import annotations

import json

from test_cli import bangfu, led  # noqa: F401 (led is a fixture)


def test_help_and_usage_errors_have_no_english_in_chinese():
    shown = bangfu("--help").stdout
    assert "位置参数" in shown and "显示本帮助并退出" in shown and shown.startswith("用法：")
    for english in ("positional arguments", "show this help message and exit", "usage:", "==SUPPRESS==",
                    "merge-driver", "hook"):
        assert english not in shown
    wrong = bangfu("list", "nosuchtype")
    assert wrong.returncode == 2 and "无效的选择：'nosuchtype'" in wrong.stderr and "invalid choice" not in wrong.stderr
    missing = bangfu("resolve")
    assert "缺少必需的参数：id, --take" in missing.stderr and "the following" not in missing.stderr
    english = bangfu("--lang", "en", "--help").stdout
    assert "positional arguments" in english and "位置参数" not in english
    kinds = bangfu("export", "--help").stdout
    assert "导出活动" in kinds and "导出发放批次" in kinds and "导出 visit" not in kinds
    # (a type whose name ends in 记录 is not said twice: it read 导出测量记录记录)
    assert "导出测量记录\n" in kinds and "导出调整记录\n" in kinds and "记录记录" not in kinds
    assert "export activity records" in bangfu("--lang", "en", "export", "--help").stdout


def test_bad_json_says_what_and_where_in_chinese(led, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name" "沙河二小"}', encoding="utf-8")
    r = bangfu("-L", str(led), "add", "school", str(bad))
    assert r.returncode == 1
    assert "第 1 行第 9 列：字段名后缺少冒号" in r.stderr and "Expecting" not in r.stderr
    r = bangfu("-L", str(led), "add", "school", str(bad), "--lang", "en")
    assert "line 1 column 9: a colon is missing after the field name" in r.stderr


def test_global_options_after_the_command(led):
    r = bangfu("-L", str(led), "list", "school", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = bangfu("list", "school", "--lang", "en", "-L", str(led))
    assert r.returncode == 0 and "0 records" in r.stderr and "record" in r.stdout
