"""The export and import dialogs of the dashboard, driven with Textual's Pilot on a real ledger."""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from openpyxl import Workbook, load_workbook
from textual.app import App
from textual.widgets import Button, Checkbox, DataTable, Input

from test_export import ID_LI, ID_ZHANG, small_ledger
from tui.modals.export import ExportDialog
from tui.modals.import_preview import ImportDialog

HEADERS = ["姓名", "身份证号", "学校", "资助项目", "学期", "金额", "发放日期", "资金来源", "发放方式"]


class Host(App):
    def __init__(self, screen) -> None:
        super().__init__()
        self.dialog = screen
        self.result = "open"

    def on_mount(self) -> None:
        self.push_screen(self.dialog, callback=self._record)

    def _record(self, value) -> None:
        self.result = value


async def until(pilot, condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the dialog did not get there in time")


def cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]



def sheet(folder, *rows: list, merged: str | None = None):
    """名单.xlsx in `folder`, the rows as a coordinator's Excel has them."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if merged:
        ws.merge_cells(merged)
    path = folder / "名单.xlsx"
    wb.save(path)
    return path


async def previewed(pilot, app) -> ImportDialog:
    """The dialog once its preview (F5) is there."""
    await until(pilot, lambda: isinstance(app.screen, ImportDialog))
    dialog = app.screen
    await pilot.press("f5")
    await until(pilot, lambda: dialog.pv is not None)
    return dialog

def test_export_dialog_writes_the_file_named_in_it(ledger, tmp_path):
    small_ledger(ledger)

    async def run() -> None:
        app = Host(ExportDialog(ledger, "aid", folder=tmp_path))
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ExportDialog))
            field = app.screen.query_one("#export-path", Input)
            assert field.value.startswith(str(tmp_path / "资助发放-")) and field.value.endswith(".xlsx")
            field.value = str(tmp_path / "发放.xlsx")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.result != "open")
        assert app.result == tmp_path / "发放.xlsx"

    asyncio.run(run())
    rows = list(load_workbook(tmp_path / "发放.xlsx").active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][0] == "编号"


def test_import_dialog_previews_good_and_bad_rows_then_commits_the_good_ones(ledger, tmp_path):
    small_ledger(ledger)
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(["张小花", ID_ZHANG, "石桥二小", "义务教育寄宿生生活补助", "2024-2025-2", 500, dt.datetime(2025, 4, 1), "中央",
               "银行卡"])
    ws.append(["[bold red]李明[/]", ID_LI, "石桥二小", "义务教育寄宿生生活补助", "2024-2025-2", 500, "2025-04-01", "中央",
               "银行卡"])
    ws.append(["李明", ID_LI, "石桥二小", "义务教育寄宿生生活补助", "2024-2025-2", "五百", "2025-04-01", "中央", "银行卡"])
    path = tmp_path / "春季.xlsx"
    wb.save(path)
    tip = ledger.tip

    async def run() -> None:
        app = Host(ImportDialog(ledger, "aid", folder=tmp_path, path=path))
        async with app.run_test(size=(110, 36)) as pilot:
            dialog = await previewed(pilot, app)
            good = cells(dialog.query_one("#import-good", DataTable))
            bad = cells(dialog.query_one("#import-bad", DataTable))
            assert [r[:2] for r in good] == [["2", "新增"]]
            reasons = {(r[1], r[2]): r[4] for r in bad}
            # markup in a name is data: shown as typed, named as the mismatch it is
            assert "姓名「[bold red]李明[/]」与身份证号" in reasons[("3", "姓名")]
            assert reasons[("4", "金额")].startswith("「五百」不是金额")
            commit = dialog.query_one("#import-commit", Button)
            assert commit.disabled and ledger.tip == tip
            dialog.query_one("#import-skip", Checkbox).value = True
            await until(pilot, lambda: not commit.disabled)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.result != "open")
        assert app.result.added == 1

    asyncio.run(run())
    assert ledger.tip != tip and len(ledger.query("aid", term="2024-2025-2")) == 1


def test_both_dialogs_name_the_records_in_english(ledger, tmp_path):
    """`--lang en`: the import dialog said 'import aid: …' (the record type's code), lower case."""
    from textual.widgets import Static

    from store.core import i18n
    small_ledger(ledger)

    async def run() -> None:
        for dialog, title in ((ExportDialog(ledger, "aid", folder=tmp_path), "Export Aid payments (2 records)"),
                              (ImportDialog(ledger, "aid", folder=tmp_path), "Import Aid payments: preview first, then commit")):
            app = Host(dialog)
            async with app.run_test(size=(80, 24)) as pilot:
                await until(pilot, lambda: app.screen is dialog)
                assert str(dialog.query_one(".io-title", Static).render()) == title

    i18n.set_lang("en")
    try:
        asyncio.run(run())
    finally:
        i18n.set_lang("zh")


@pytest.mark.parametrize("lang,detail", [
    ("zh", "Sheet 第 3 行「身份证号」（6405**********0048）：「居民身份证号」被表格软件存成了数字"),
    ("en", "Sheet row 3, 身份证号 (6405**********0048): \"Resident ID number\" was stored by the spreadsheet")])
def test_a_reason_too_long_for_80_columns_is_read_in_full_under_the_table(ledger, tmp_path, lang, detail):
    """A coordinator's own sheet at 80x24: the reason column was cut at the dialog's edge, so
    why a row could not be taken was never on the screen."""
    from store.core import i18n
    from test_tui_app import static_text
    from test_tui_forms import screen_text
    small_ledger(ledger)
    path = sheet(tmp_path, ["沙河镇2024年秋季学期家庭经济困难学生名单"],
                 ["姓名", "性别", "学校", "学段", "年级", "身份证号 "],
                 ["赵强 ", "男", "沙河镇第二中心小学 ", "小学", "六年级", 640522201201010041],   # typed as a number
                 merged="A1:E1")

    async def run() -> None:
        app = Host(ImportDialog(ledger, "student", folder=tmp_path, path=path))
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await previewed(pilot, app)
            [problem] = dialog.pv.all_problems()
            await pilot.pause()
            shown = "".join(c for c in screen_text(app) if c not in " \n█▀▄│")
            assert "".join(problem.reason.split()) in shown
            assert "640522201201010041" not in screen_text(app)
            assert static_text(dialog.query_one("#import-detail")).startswith(detail)

    i18n.set_lang(lang)      # (conftest sets Chinese back after each test)
    asyncio.run(run())


def test_a_column_the_ledger_has_no_field_for_is_said_to_be_left_out(ledger, tmp_path):
    """家长姓名 was dropped without a word on the dashboard (the command line says so)."""
    from test_tui_forms import screen_text
    small_ledger(ledger)
    path = sheet(tmp_path, ["姓名", "性别", "学校", "学段", "年级", "身份证号", "家长姓名"],
                 ["刘洋", "男", "沙河二小", "小学", "二年级", "640522201801010010", "刘大山"])

    async def run() -> None:
        app = Host(ImportDialog(ledger, "student", folder=tmp_path, path=path))
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await previewed(pilot, app)
            await pilot.pause()
            assert [i.action for i in dialog.pv.items] == ["add"]
            shown = "".join(c for c in screen_text(app) if c not in " \n█▀▄│")
            assert "不认识的列「家长姓名」已忽略" in shown, screen_text(app)

    asyncio.run(run())
