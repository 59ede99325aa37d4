"""Where the dashboard's import and export dialogs take their files from: a mapping file for a
sheet of other headers (as `bangfu import --mapping`), and a folder outside the ledger's own."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openpyxl import Workbook
from textual.widgets import Button, DataTable, Input, Static

from conftest import git, school
from store import Ledger
from store.core import i18n
from test_export import ID_ZHANG, small_ledger
from test_import_dialog import Host, cells, previewed, until
from tui.modals.export import ExportDialog
from tui.modals.import_preview import ImportDialog, SpreadsheetTree


@pytest.mark.parametrize("lang,new,no_file", [("zh", "新增", "找不到文件 "), ("en", "new", "no such file: ")])
def test_the_import_dialog_takes_a_mapping_file_as_the_command_line_does(ledger, tmp_path, lang, new, no_file):
    """A county's sheet names its columns 学生名字, 证件号, 本次发放 and leaves out the funding source
    and the method, the same for every row: the mapping file says so (the dialog had no field for it)."""
    small_ledger(ledger)
    wb = Workbook()
    wb.active.append(["学生名字", "证件号", "项目", "学期", "本次发放", "日期"])
    wb.active.append(["张小花", ID_ZHANG, "义务教育寄宿生生活补助", "2025春", 500, "2025-04-01"])
    path = tmp_path / "县发放表.xlsx"
    wb.save(path)
    mapping = tmp_path / "对照.toml"
    mapping.write_text('[columns]\n"学生名字" = "姓名"\n"证件号" = "身份证号"\n"本次发放" = "amount_fen"\n'
                       '[defaults]\n"资金来源" = "县"\nmethod = "银行卡"\n', encoding="utf-8")
    i18n.set_lang(lang)

    async def run() -> None:
        app = Host(ImportDialog(ledger, "aid", folder=tmp_path, path=path))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ImportDialog))
            dialog = app.screen
            dialog.query_one("#import-mapping", Input).value = str(tmp_path / "没有这个.toml")
            await pilot.press("f5")
            status = dialog.query_one("#import-status", Static)
            await until(pilot, lambda: not dialog.busy and str(status.render()).startswith(no_file))
            dialog.query_one("#import-mapping", Input).value = str(mapping)
            dialog = await previewed(pilot, app)
            assert [r[:2] for r in cells(dialog.query_one("#import-good", DataTable))] == [["2", new]]
            assert cells(dialog.query_one("#import-bad", DataTable)) == []
            await until(pilot, lambda: not dialog.query_one("#import-commit", Button).disabled)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.result != "open")

    asyncio.run(run())
    [paid] = ledger.find("aid", term="2024-2025-2", amount_fen=50000)
    assert (paid["source"], paid["method"], paid["paid_on"]) == ("县", "银行卡", "2025-04-01")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dialogs_start_outside_a_working_tree_ledger(tmp_path, monkeypatch, lang):
    """Started from inside a working-tree ledger, the export's file went into the ledger's own tree:
    a file in the repository's folder that git status shows and a careless `git add .` commits."""
    ledger = Ledger.init(tmp_path / "台账", worktree=True, site="测试站")
    ledger.put(school())
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path / "台账")
    i18n.set_lang(lang)

    async def run() -> None:
        app = Host(ExportDialog(ledger, "school"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ExportDialog))
            field = app.screen.query_one("#export-path", Input)
            assert Path(field.value).parent == home and field.value.endswith(".xlsx")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.result != "open")
        app = Host(ImportDialog(ledger, "school"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ImportDialog))
            assert Path(app.screen.query_one("#import-tree", SpreadsheetTree).path) == home

    asyncio.run(run())
    assert [p.suffix for p in home.iterdir()] == [".xlsx"]
    assert git(tmp_path / "台账", "status", "--porcelain") == ""
    ledger.close()


def test_started_elsewhere_the_dialogs_start_where_the_dashboard_was_started(tmp_path, monkeypatch):
    ledger = Ledger.init(tmp_path / "台账", worktree=True, site="测试站")
    (tmp_path / "表格").mkdir()
    monkeypatch.chdir(tmp_path / "表格")
    assert ExportDialog(ledger, "school").folder == (tmp_path / "表格").resolve()
    ledger.close()
