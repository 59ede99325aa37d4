"""A save says which warnings it gives other records: a standard's amount or a pupil's stage
changed leaves payments off their standard. Those payments are still saved as they are (a
warning never stops a save), but the person who made the change is told which records now
warn, in Chinese and English; a warning the change clears, or one the record had already, is
not repeated. A real ledger, the command line in-process."""
from __future__ import annotations

from conftest import run
from store.core import i18n
from test_export import small_ledger


def warned(saved) -> list[str]:
    return [w.text() for w in saved.warnings]


def test_a_save_names_the_records_it_gives_a_warning(ledger):
    data = small_ledger(ledger)
    std, (first, short) = data["std_p"], data["aid"]    # 500.00 paid (the standard's half year), 450.00 (50 short)
    raised = ledger.put({**ledger.get(std["id"]), "amount_fen": 120_000}, base=ledger.version(std["id"]))
    # the first payment is now off its standard (600.00 a term); the second was already
    assert warned(raised) == [
        f"警告 {std['id']}: 这样修改使引用它的 1 条记录出现警告：张小花 义务教育寄宿生生活补助 2024-2025-1 500.00元（{first['id']}）的「金额」（"
        f"用 bangfu show "
        f"{first['id']} 查看）"]
    assert ledger.get(first["id"])["amount_fen"] == 50_000 and raised.commit
    back = ledger.put({**ledger.get(std["id"]), "amount_fen": 100_000}, base=ledger.version(std["id"]))
    assert warned(back) == []                                       # a warning cleared is no news
    student = data["students"][0]
    i18n.set_lang("en")
    moved = ledger.put({**ledger.get(student["id"]), "stage": "初中", "grade": "七年级"},
                       base=ledger.version(student["id"]))
    assert [w for w in warned(moved) if "records" in w or "1 record " in w] == [
        f"warning {student['id']}: this change gives 1 record referring to it a warning: "
        f"张小花 boarding living allowance 2024-2025-1 500.00 yuan ({first['id']}) \"Aid standard\" "
        f"(see bangfu show {first['id']})"]


def test_the_command_line_shows_the_warnings_a_set_gives_other_records(ledger, capsys):
    data = small_ledger(ledger)
    std, first = data["std_p"], data["aid"][0]
    code, _out, err = run(capsys, "-L", str(ledger.path), "set", std["id"], "amount_fen=120000")
    assert code == 0 and f"这样修改使引用它的 1 条记录出现警告：张小花 义务教育寄宿生生活补助 2024-2025-1 500.00元（{first['id']}）的「金额」" in err, err
