"""The dashboard's school-year view of a county (`v` on home): the demo's 叶集区 in 2025-2026, at
80x24 in Chinese and in English; a line opens its records; `x` and `m` make the report and the
summary draft in a dialog. Driven with Pilot; waits are for conditions."""
from __future__ import annotations

import asyncio
import gc
import json
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
             "en": ("19 supporting, 8 supported schools", "seconded: 36 people, 36 person-times (1 batch)",
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


def test_the_view_and_term_are_kept_for_the_next_start(demo, tmp_path, monkeypatch):
    """Open, switch to the year view of 2025-2026 on 海原县, quit; `bangfu` opened again on this
    ledger shows that view; closed to its term and quit, the next start shows the term. The file
    is the user's alone; a broken or unreadable one is ignored: the dashboard opens as new."""
    import os
    import stat

    from tui.screens.pick import PickScreen
    from tui.settings import Settings, View

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    kept = tmp_path / "config" / "bangfu" / "settings.json"

    def year_bar(app) -> str:
        return str(app.screen.query_one("#year-bar").render())

    def term_bar(app) -> str:
        return str(app.home.query_one("#term-bar").render())

    async def first():
        app = BangfuApp(demo, today=TODAY, settings=Settings(demo.path))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.id == "home" and "2026-2027-1" in term_bar(app))
            await pilot.press("v")
            await until(pilot, lambda: app.screen.id == "year" and len(lines(app)) > 3)
            await pilot.press("left_square_bracket")                 # 2026-2027 → 2025-2026
            await pilot.press("u")
            await until(pilot, lambda: isinstance(app.screen, PickScreen))
            app.screen.dismiss(HAIYUAN)
            await until(pilot, lambda: app.screen.id == "year" and "宁夏回族自治区海原县" in year_bar(app))
            await pilot.press("q")

    async def second():
        app = BangfuApp(demo, today=TODAY, settings=Settings(demo.path))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.id == "year" and "宁夏回族自治区海原县" in year_bar(app)
                        and "2025-2026 学年" in year_bar(app))
            # The home under the view reads its figures once the view's are painted, and the
            # start-up work after them (the latest changes) is done with the view still on top.
            await until(pilot, lambda: len(app.home.query_one("#changes", FigureList).figures) > 1)
            assert app.screen.id == "year" and gc.isenabled()
            await pilot.press("escape")                              # back to the term view, then quit
            await until(pilot, lambda: app.screen.id == "home" and "2025-2026-1" in term_bar(app))
            # the home's panels, left unlaid while the year view was on top, are laid out now
            await until(pilot, lambda: len(app.home.query_one("#plans", FigureList).figures) > 1)
            await pilot.press("q")

    async def third(expected_term: str) -> list[str]:
        app = BangfuApp(demo, today=TODAY, settings=Settings(demo.path))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.id == "home" and expected_term in term_bar(app))
            await until(pilot, lambda: len(app.home.query_one("#plans", FigureList).figures) > 1)
            assert app.screen.id == "home" and not app.year_view
            await app.workers.wait_for_complete()
            return [n.message for n in app._notifications]

    asyncio.run(first())
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert Settings(demo.path).load() == View("2025-2026-1", True, HAIYUAN)
    assert Settings(tmp_path / "another").load() == View()             # kept for this ledger only
    asyncio.run(second())
    assert gc.isenabled() and gc.get_freeze_count() == 0     # the collector as it was (tui/heap.py)
    assert asyncio.run(third("2025-2026-1")) == []
    kept.write_text('{"ledgers": {', encoding="utf-8")                  # broken: opens as new
    assert asyncio.run(third("2026-2027-1")) == []
    kept.unlink()
    kept.mkdir()                                                       # unreadable (a folder)
    assert Settings(demo.path).load() == View()
    Settings(demo.path).save(View("2025-2026-2"))                      # cannot be written: forgets
    assert Settings(demo.path).load() == View()
    kept.rmdir()
    kept.write_text(json.dumps({"ledgers": {str(demo.path.resolve()): {"term": "2025-13", "year_view": "yes",
                                                                       "year_unit": "<b>x</b>"}}}), encoding="utf-8")
    assert Settings(demo.path).load() == View()                        # nonsense values are not taken
    # The 32 ledgers looked at last are kept, the oldest drops out: the file does not grow forever.
    for n in range(33):
        Settings(tmp_path / f"ledger-{n}").save(View(f"2025-2026-{n % 2 + 1}"))
    assert Settings(tmp_path / "ledger-0").load() == View()
    assert Settings(tmp_path / "ledger-1").load() == View("2025-2026-2")
    assert len(json.loads(kept.read_text(encoding="utf-8"))["ledgers"]) == 32


def test_a_monthly_target_of_a_term_not_begun_is_not_begun_not_missed(demo):
    """On 2026-12-05 the 城关 plan's spring term has not begun: its "每月有专人到三元中学" has no
    month decided and reads 尚未开始 (it read 未达标); the autumn term's has October missed."""
    from store.figures import period
    from tui.screens.year import year_figures
    f = period.figures(demo, period.period_of(year="2026-2027"), "county", "unit-01M7W4VN1T0000000000000004", TODAY)
    shown = [x.prompt.plain.strip() for x in year_figures(f)]
    assert "2026-09 每月有专人到三元中学  未达标" in shown
    assert "2027-02 每月有专人到三元中学  尚未开始" in shown
