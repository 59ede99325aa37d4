"""The term report and the aid notice made from the dashboard (issue 14, part 5): Ctrl+P 报告 / 公示,
the term and format chosen in a dialog, the file's path said when done."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook
from textual.widgets import Input

from store.core import i18n
from test_tui_app import app_for, palette, pilot_test, settle, small  # noqa: F401
from tui.modals.report import ReportDialog


@pytest.mark.parametrize("kind, words, lang", [("report", "报告", "zh"), ("notice", "公示", "zh"),
                                               ("notice", "notice", "en")])
@pilot_test
async def test_report_and_notice_from_the_palette(small, tmp_path, kind, words, lang):
    i18n.set_lang(lang)
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        hits = await palette(pilot, *words)
        assert hits.option_count >= 1
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReportDialog) and dialog.kind == kind
        assert dialog.query_one("#report-term", Input).value == "2026-2027-1"     # the term on view
        assert dialog.query_one("#report-path", Input).value.endswith("-2026-2027-1.xlsx")
        target = tmp_path / f"out-{kind}.xlsx"
        dialog.query_one("#report-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not dialog and target.exists()
        said = [n.message for n in app._notifications]
        assert any(str(target) in m for m in said), said
        cells = [c for ws in load_workbook(target).worksheets for row in ws.iter_rows(values_only=True) for c in row]
        if kind == "notice":
            assert "马**" in cells and "马晓梅" not in cells and "11010519491231002X" not in cells
        else:
            assert any(isinstance(c, str) and "沙河二小对口帮扶石桥二小计划" in c for c in cells)
    i18n.set_lang("zh")


@pilot_test
async def test_a_wrong_term_is_said_in_the_dialog(small, tmp_path):
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.make("report")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#report-term", Input).value = "2026秋"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "不是学期" in str(dialog.query_one("#report-status").render())
