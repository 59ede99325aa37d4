"""Fields named as the screens name them (issue 14, part 7): `set`, `reveal` and `list --where`
take a field's title in Chinese or English as well as its path; an unknown field says which
fields come closest."""
from __future__ import annotations

import pytest

from conftest import run
from test_export import ID_ZHANG, small_ledger


@pytest.fixture
def small(ledger):
    return ledger, small_ledger(ledger)


def test_set_by_a_title_in_either_language(small, capsys):
    led, data = small
    visit = data["visits"][1]["id"]                      # 送教下乡, 4 hours
    code, _out, err = run(capsys, "-L", str(led.path), "set", visit, "课时=6")
    assert code == 0, err
    assert led.get(visit)["hours"] == 6
    code, _out, err = run(capsys, "-L", str(led.path), "set", visit, "Teaching hours=5", "--lang", "en")
    assert code == 0, err
    assert led.get(visit)["hours"] == 5
    code, _out, err = run(capsys, "-L", str(led.path), "set", visit, "hours=4")   # the path still works
    assert code == 0 and led.get(visit)["hours"] == 4


def test_an_unknown_field_says_which_fields_come_closest(small, capsys):
    led, data = small
    visit = data["visits"][1]["id"]
    tip = led.tip
    code, _out, err = run(capsys, "-L", str(led.path), "set", visit, "hourz=5")
    assert code == 2 and led.tip == tip
    assert "「hourz」" in err and "课时 (hours)" in err and "是不是" in err
    code, _out, err = run(capsys, "-L", str(led.path), "set", visit, "课时数=5")
    assert code == 2 and "课时 (hours)" in err
    code, _out, err = run(capsys, "-L", str(led.path), "--lang", "en", "list", "visit", "--where", "kindd=送教下乡")
    assert code == 2 and "Activity type (kind)" in err and "Did you mean" in err


def test_list_where_by_title(small, capsys):
    led, data = small
    code, out, err = run(capsys, "-L", str(led.path), "--json", "list", "visit", "--where", "活动类型=送教下乡")
    assert code == 0, err
    assert out.count('"kind": "送教下乡"') == 2
    code, out, _err = run(capsys, "-L", str(led.path), "--json", "list", "plan", "--where", "帮扶期限.开始日期=2024-09-01")
    assert code == 2   # a title names one field, not a path of titles
    code, out, err = run(capsys, "-L", str(led.path), "--json", "list", "plan", "--where", "period.start=2024-09-01")
    assert code == 0 and data["plan"]["id"] in out


def test_reveal_by_title(small, capsys):
    led, data = small
    student = data["students"][0]["id"]
    code, out, err = run(capsys, "-L", str(led.path), "reveal", student, "居民身份证号", "--reason", "核对资助名单")
    assert code == 0, err
    assert out.strip() == ID_ZHANG


def test_a_title_worded_shorter_on_screen_names_its_field_by_either_wording(small):
    from store.rules import fieldnames
    led, _data = small
    for name in ("个人标识（加密）", "个人标识（加密保存）", "Sealed identifiers"):   # shown, schema, English
        assert fieldnames.resolve(led.schemas(), "student", name) == "identity"


def test_list_one_school_year(small, capsys):
    led, _data = small       # seven activities, all dated 2024-09-01 to 2024-12-03: school year 2024-2025
    code, out, err = run(capsys, "-L", str(led.path), "list", "visit", "--year", "2024-2025")
    assert code == 0 and "共 7 条" in err
    code, out, err = run(capsys, "-L", str(led.path), "list", "visit", "--year", "2023-2024")
    assert code == 0 and "共 0 条" in err
    code, out, err = run(capsys, "-L", str(led.path), "list", "visit", "--year", "2024-2025", "--where", "kind=送教下乡")
    assert code == 0 and "共 2 条" in err
    code, _out, err = run(capsys, "-L", str(led.path), "list", "school", "--year", "2024-2025")
    assert code == 2 and "school 类记录不分学年" in err
    code, _out, err = run(capsys, "-L", str(led.path), "--lang", "en", "list", "visit", "--year", "2024")
    assert code == 2 and "2024 is not a school year (write it as 2025-2026)" in err
