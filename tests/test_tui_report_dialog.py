"""The term report and the aid notice made from the dashboard (issue 14, part 5): Ctrl+P 报告 / 公示,
the term and format chosen in a dialog, the file's path said when done."""
from __future__ import annotations

from pathlib import Path

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


@pytest.mark.parametrize("lang, words", [("zh", "报告"), ("en", "report")])
@pilot_test
async def test_the_documents_are_offered_on_every_page(small, lang, words):
    """A coordinator on the aid page (or the audit view) asks the palette for the report: it
    answered "No matching action" anywhere but home."""
    i18n.set_lang(lang)
    try:
        app = app_for(small)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for page in ("aid", "audit"):
                app.show_page(page)
                await settle(pilot)
                hits = await palette(pilot, *words)
                assert hits.option_count >= 1
                await pilot.press("enter")
                await settle(pilot)
                assert isinstance(app.screen, ReportDialog) and app.screen.kind == "report"
                assert app.screen.query_one("#report-term", Input).value == "2026-2027-1"
                await pilot.press("escape")
                await settle(pilot)
    finally:
        i18n.set_lang("zh")


@pilot_test
async def test_a_wrong_term_is_said_in_the_dialog(small, tmp_path):
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.make_document("report")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#report-term", Input).value = "2026秋"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "不是学期" in str(dialog.query_one("#report-status").render())


@pytest.mark.parametrize("lang, words, fmt", [("zh", "学年报表", "xlsx"), ("en", "school-year report", "xlsx"),
                                              ("zh", "总结", "summary"), ("en", "summary draft", "summary")])
@pilot_test
async def test_school_year_report_and_summary_from_the_palette(demo, tmp_path, lang, words, fmt):
    """Ctrl+P offers the school-year report and the summary draft beside the term report: the
    school year of the term on view, the county, the format and the file chosen in a dialog at
    80x24; a period that is not one is said there; the file's path is said when done."""
    import datetime as dt

    from textual.widgets import RadioButton, Select

    from tui.app import BangfuApp
    from tui.modals.report import PeriodReportDialog

    i18n.set_lang(lang)
    try:
        app = BangfuApp(demo, today=dt.date(2026, 12, 5))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.home.set_term("2025-2026-2")
            hits = await palette(pilot, *words)
            assert hits.option_count >= 1
            await pilot.press("enter")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, PeriodReportDialog)
            assert dialog.query_one("#period-text", Input).value == "2025-2026"     # the term's school year
            # no county chosen yet: the first by name, 六安市叶集区
            assert dialog.query_one("#period-unit", Select).value == "unit-01M7W4VN1T0000000000000004"
            if fmt != "summary":
                dialog.query_one(f"#pfmt-{fmt}", RadioButton).value = True
            await settle(pilot)
            path = dialog.query_one("#period-path", Input).value
            assert path.endswith(("-六安市叶集区-2025-2026." + ("md" if fmt == "summary" else fmt)))
            dialog.query_one("#period-text", Input).value = "2025年"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is dialog
            assert "2025-2026-1" in str(dialog.query_one("#period-status").render())   # how to write one
            dialog.query_one("#period-text", Input).value = "2025-2026"
            target = tmp_path / Path(path).name
            dialog.query_one("#period-path", Input).value = str(target)
            await pilot.press("ctrl+s")
            for _ in range(400):
                if app.screen is not dialog:
                    break
                await pilot.pause(0.05)
            assert app.screen is not dialog and target.exists()
            said = [n.message for n in app._notifications]
            assert any(str(target) in m for m in said), said
    finally:
        i18n.set_lang("zh")
    if fmt == "summary":
        text = target.read_text(encoding="utf-8")
        # the seed district's 19 schools helping 8, and its third batch of 36 (tests/test_twinning_district.py)
        lines = {"zh": ("全县（区）有 19 所学校担负结对帮扶任务，结对帮扶 8 所受援学校", "累计 36 人、36 人次。"),
                 "en": ("19 schools of the county carried twinning tasks, helping 8 supported schools",
                        "36 people, 36 person-times in all.")}[lang]
        assert all(line in text for line in lines)
    else:
        cells = [c for ws in load_workbook(target).worksheets for row in ws.iter_rows(values_only=True) for c in row]
        assert any(isinstance(c, str) and "六安市叶集区" in c for c in cells)


@pilot_test
async def test_the_report_of_one_plan_from_the_dialog(demo, tmp_path):
    """The dialog's scope takes a school or a plan as well: the seed plan of 民治二小 and 大康小学 for
    2015-2016 in Markdown, its figures as counted by hand in tests/test_world_seed_dakang.py."""
    import datetime as dt

    from textual.widgets import RadioButton, Select

    from tui.app import BangfuApp
    from tui.modals.report import PeriodReportDialog

    plan = "plan-01M7W5DAKX0000000000000001"
    app = BangfuApp(demo, today=dt.date(2026, 12, 5))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.make_document("period")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PeriodReportDialog)
        dialog.query_one("#period-unit", Select).value = plan
        dialog.query_one("#period-text", Input).value = "2015-2016"
        dialog.query_one("#pfmt-md", RadioButton).value = True
        await settle(pilot)
        path = Path(dialog.query_one("#period-path", Input).value)
        assert path.name == "帮扶统计表-民治二小结对帮扶大康小学计划（2015—2016学年）-2015-2016.md"
        target = tmp_path / path.name
        dialog.query_one("#period-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        for _ in range(400):
            if app.screen is not dialog:
                break
            await pilot.pause(0.05)
        assert target.exists()
    text = target.read_text(encoding="utf-8")
    assert "- 填报单位：民治二小结对帮扶大康小学计划（2015—2016学年）（帮扶计划）" in text
    assert "| 帮扶活动（次） | 14 |" in text and "| 支教、挂职（人次） | 2 |" in text
    # (by hand: 互访 monthly, lectures, learning in each term, the head teachers' 挂职 of the school year and
    # the rooms of the whole plan once: met the rooms and the spring's lectures and learning)
    assert "| 量化指标（各按其周期） | 达标 3 项，未达标 5 项，进行中 0 项 |" in text
