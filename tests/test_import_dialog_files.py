"""Where the dashboard's import and export dialogs take their files from: a folder outside the
ledger's own."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Input

from conftest import git, school
from store import Ledger
from store.core import i18n
from test_import_dialog import Host, until
from tui.modals.export import ExportDialog
from tui.modals.import_preview import ImportDialog, SpreadsheetTree


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
