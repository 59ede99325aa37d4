"""The dashboard's school-year view of a county (`v` on home): the demo's 叶集区 in 2025-2026, at
80x24 in Chinese and in English; a line opens its records; `x` and `m` make the report and the
summary draft in a dialog. Driven with Pilot; waits are for conditions."""
from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from textual.widgets import Input

from store.core import i18n
from tui.app import BangfuApp
from tui.modals.report import PeriodReportDialog
from tui.screens.section import SectionScreen
from tui.widgets.figure_list import FigureList

TODAY = dt.date(2026, 12, 5)


async def until(pilot, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the screen never got there")
        await pilot.pause(0.05)


def lines(app) -> list[str]:
    return [f.prompt.plain.strip() for f in app.screen.query_one("#year-figures", FigureList).figures]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_school_year_view_of_the_county(demo, lang, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    i18n.set_lang(lang)
    words = {"zh": ("帮扶学校 19 所，受帮扶学校 8 所", "支教挂职 36 人、36 人次（1 批）", "2025-2026 学年"),
             "en": ("19 supporting, 8 supported schools", "seconded: 36 people, 36 person-times (1 batches)",
                    "school year 2025-2026")}[lang]

    async def scenario():
        app = BangfuApp(demo, today=TODAY)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.id == "home")
            await pilot.press("v")
            await until(pilot, lambda: app.screen.id == "year" and len(lines(app)) > 3)
            await pilot.press("left_square_bracket")            # 2026-2027 → 2025-2026
            # 叶集区 is the demo's first county by name (六安市叶集区)
            await until(pilot, lambda: words[0] in lines(app))
            assert words[1] in lines(app)
            bar = str(app.screen.query_one("#year-bar").render())
            assert words[2] in bar and "六安市叶集区" in bar
            # the secondments line opens the year's 20 secondment records (18 of the district plan's
            # third batch, 2 of 实验学校's own plan)
            panel = app.screen.query_one("#year-figures", FigureList)
            n = next(i for i, f in enumerate(panel.figures) if f.prompt.plain.strip() == words[1])
            wanted = panel.figures[n].ids
            panel.focus()
            panel.highlighted = n
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SectionScreen))
            assert len(wanted) == 20
            app.switch_mode("home")                              # back where it was: the year view
            await until(pilot, lambda: app.screen.id == "year" and words[0] in lines(app))
            # x: the report of the year and county on view, in a dialog (HTML for A4 first)
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, PeriodReportDialog))
            assert app.screen.query_one("#period-text", Input).value == "2025-2026"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen.id == "year" and len(list(tmp_path.glob("*.html"))) == 1)
            # m: the summary draft
            await pilot.press("m")
            await until(pilot, lambda: isinstance(app.screen, PeriodReportDialog))
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen.id == "year" and len(list(tmp_path.glob("*.md"))) == 1)
            said = [n.message for n in app._notifications]
            assert any(str(next(tmp_path.glob("*.md")).resolve()) in m for m in said), said
            await app.workers.wait_for_complete()
    try:
        asyncio.run(scenario())
    finally:
        i18n.set_lang("zh")
    page = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert "@page{size:A4" in page and "六安市叶集区" in page
    draft = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
    assert "2025-2026" in draft and "六安市叶集区" in draft


HAIYUAN = "unit-01M7W4VN1T0000000000000009"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_year_view_is_remembered_with_the_term(demo, lang):
    """The year view is the school year of the term on view and keeps its county: closed (Esc)
    and opened again, or left for another page and the home again, it is where it was; the home's
    term follows the year chosen in it."""
    from tui.screens.pick import PickScreen

    i18n.set_lang(lang)
    bar = {"zh": ("2025-2026 学年", "宁夏回族自治区海原县"), "en": ("school year 2025-2026", "宁夏回族自治区海原县")}[lang]

    def year_bar(app) -> str:
        return str(app.screen.query_one("#year-bar").render())

    async def scenario():
        app = BangfuApp(demo, today=TODAY)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.id == "home")
            await pilot.press("v")
            await until(pilot, lambda: app.screen.id == "year" and len(lines(app)) > 3)
            await pilot.press("left_square_bracket")                 # 2026-2027 → 2025-2026
            await pilot.press("u")
            await until(pilot, lambda: isinstance(app.screen, PickScreen))
            app.screen.dismiss(HAIYUAN)                              # another county
            await until(pilot, lambda: app.screen.id == "year" and all(w in year_bar(app) for w in bar))
            await pilot.press("escape")                              # the term view, of that year
            await until(pilot, lambda: app.screen.id == "home")
            assert app.term == "2025-2026-1"
            await until(pilot, lambda: "2025-2026-1" in str(app.screen.query_one("#term-bar").render()))
            await pilot.press("v")                                   # opened again: as it was left
            await until(pilot, lambda: app.screen.id == "year" and all(w in year_bar(app) for w in bar))
            await pilot.press("3")                                   # another page and back
            await until(pilot, lambda: isinstance(app.screen, SectionScreen))
            await pilot.press("1")
            await until(pilot, lambda: app.screen.id == "year" and all(w in year_bar(app) for w in bar))
            await pilot.press("f2")                                  # the other language
            await until(pilot, lambda: app.screen.id == "year" and "宁夏回族自治区海原县" in year_bar(app))
            assert ("2025-2026" in year_bar(app)) and app.year_view
            await pilot.press("escape")
            await until(pilot, lambda: app.screen.id == "home")
            assert not app.year_view
            await app.workers.wait_for_complete()
    try:
        asyncio.run(scenario())
    finally:
        i18n.set_lang("zh")
