"""A list of activities or payments shows one school year: the dashboard term's, until the
coordinator chooses another year or every year (`t`). A figure's records are shown whatever
their year; a record saved into another year is counted in the bar and said where it went.
Today is pinned to 2026-11-25 (term 2026-2027-1, school year 2026-2027)."""
from __future__ import annotations

import pytest
from textual.widgets import Input

from store import NEW, Change
from store.core import i18n
from test_tui_app import (AID, SHAHE, SHIQIAO, app_for, build_ledger, footer_keys, open_ledger, palette, pilot_test,
                          pin_dates, rid, section, settle, static_text)
from test_tui_year import until
from tui.modals.record_form import RecordForm
from tui.screens.pick import PickScreen

V1, V2, V3, V4, V5, V6, V7 = (rid("visit", n) for n in range(1, 8))
AID2, PLAN2 = rid("aid", 2), rid("plan", 2)


def _visit(n: int, day: str, kind: str, topic: str) -> dict:
    return {"id": rid("visit", n), "type": "visit", "schema_version": 1, "plan": PLAN2, "date": day, "kind": kind,
            "host_school": SHIQIAO, "visiting_school": SHAHE, "topic": topic}


@pytest.fixture
def years(tmp_path):
    """test_tui_app's small ledger (four activities of 2026-2027, a payment of 2026-2027-1), and
    a plan of 2024-2026 with three activities and a payment of earlier school years, on the years' edges:
    2026-2027: V1-V4; 2025-2026: V5 (2026-08-31), V6 (2025-09-01); 2024-2025: V7 (2025-08-31).
    Payments: AID 2026-2027-1, AID2 2025-2026-2."""
    path = build_ledger(tmp_path / "ledger")
    led = open_ledger(path)
    led.put({"id": PLAN2, "type": "plan", "schema_version": 1, "title": "沙河二小对口帮扶石桥二小计划（2024—2026）",
             "status": "执行中", "period": {"start": "2024-09-01", "end": "2026-08-31"},
             "parties": [{"school": SHAHE, "role": "帮扶", "dimensions": ["教学"]}, {"school": SHIQIAO, "role": "受帮扶"}]},
            base=NEW)
    led.commit([Change(r["id"], r, NEW) for r in (
        _visit(5, "2026-08-31", "送教下乡", "暑期语文培训"), _visit(6, "2025-09-01", "专题讲座", "语文教研"),
        _visit(7, "2025-08-31", "互访", "语文组互访"))], action="import", message="visit: 导入往年")
    led.put({**led.get(AID), "id": AID2, "term": "2025-2026-2", "paid_on": "2026-04-15", "voucher": "GY-2026-000"},
            base=NEW)
    led.close()
    pin_dates(path)
    return path


def bar(app) -> str:
    return static_text(section(app).query_one("#section-bar"))


def shown(app) -> set[str]:
    return set(section(app).list.ids)


async def type_into(pilot, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.pause()
    field.value = ""
    await pilot.press(*text)


async def filter_by(pilot, text: str) -> None:
    await pilot.press("slash", *text)
    await until(pilot, lambda: not section(pilot.app).waiting)
    await settle(pilot)


async def pick_year(pilot, year: str) -> None:
    await pilot.press("t")
    await until(pilot, lambda: isinstance(pilot.app.screen, PickScreen))
    picker = pilot.app.screen.query_one("#pick-list")
    picker.highlighted = next(n for n in range(picker.option_count) if picker.get_option_at_index(n).id == year)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, PickScreen) and not section(pilot.app).waiting)
    await settle(pilot)


@pilot_test
async def test_the_list_shows_the_terms_school_year_then_another_then_every_year(years):
    app = app_for(years)     # (the English words: the picture below)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert shown(app) == {V1, V2, V3, V4}          # 2026-2027: four of the seven
        assert "2026-2027学年 · 显示 4 / 7 条" in bar(app)
        assert footer_keys(app)["t"] == "学年"
        await filter_by(pilot, "语文")                  # within the year: V1 (三年级语文示范课) only
        assert shown(app) == {V1} and "2026-2027学年 · 显示 1 / 7 条" in bar(app)
        await pilot.press("escape")
        await until(pilot, lambda: shown(app) == {V1, V2, V3, V4})

        await pick_year(pilot, "2025-2026")             # V5 on 2026-08-31 and V6 on 2025-09-01
        assert shown(app) == {V5, V6} and "2025-2026学年 · 显示 2 / 7 条" in bar(app)
        hits = await palette(pilot, "x", "n")           # the palette finds it too: 学年 (xn)
        assert str(hits.get_option_at_index(0).prompt).startswith("学年")
        await pilot.press("enter")                      # (the best hit is highlighted: run it)
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        picker = app.screen.query_one("#pick-list")
        assert [picker.get_option_at_index(n).id for n in range(picker.option_count)] == [
            "*", "2026-2027", "2025-2026", "2024-2025"]
        await pilot.press("escape")
        await pick_year(pilot, "*")
        assert shown(app) == {V1, V2, V3, V4, V5, V6, V7} and "共 7 条" in bar(app)
        await filter_by(pilot, "语文")                  # every year: V1, V5, V6, V7
        assert shown(app) == {V1, V5, V6, V7} and "显示 4 / 7 条" in bar(app)

        await pilot.press("enter", "5")                 # payments: the term's school year
        await settle(pilot)
        assert shown(app) == {AID} and "2026-2027学年 · 显示 1 / 2 条" in bar(app)
        await pilot.press("6")                          # schools belong to no year: all of them
        await settle(pilot)
        assert "共 2 条" in bar(app) and "t" not in footer_keys(app)


@pilot_test
async def test_a_figures_records_of_two_years_are_shown_and_the_list_follows_the_term(years):
    app = app_for(years)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_records("visit", (V2, V6, AID, "不是编号"), "两学年的活动")   # (a payment, no id: not activities)
        await settle(pilot)
        assert shown(app) == {V2, V6}
        assert "显示 2 / 7 条" in bar(app) and "来自首页：两学年的活动" in bar(app)
        await pilot.press("escape")                     # back to the term's school year
        await until(pilot, lambda: shown(app) == {V1, V2, V3, V4})
        await pilot.press("1", "left_square_bracket")   # the dashboard goes to 2025-2026-2
        await settle(pilot)
        await pilot.press("3")
        await until(pilot, lambda: shown(app) == {V5, V6})
        assert "2025-2026学年 · 显示 2 / 7 条" in bar(app)


@pilot_test
async def test_a_record_saved_into_the_year_shown_is_listed_one_saved_into_another_is_counted(years):
    app = app_for(years)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pick_year(pilot, "2025-2026")
        screen = section(app)
        assert list(screen.list.ids) == [V5, V6]        # newest first
        await pilot.press("c")                          # a copy of V5 (2026-08-31): the same year
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        await type_into(pilot, "#f-topic-input", "暑期数学培训")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and len(screen.list.ids) == 3)
        await settle(pilot)
        assert "2025-2026学年 · 显示 3 / 8 条" in bar(app)
        copy = screen.list.highlighted
        assert copy not in (V5, V6) and app.ledger.get(copy)["topic"] == "暑期数学培训"

        screen.list.move_to(V6)
        await pilot.pause()
        await pilot.press("c")                          # a copy of V6 moved to 2024-10-10
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        await type_into(pilot, "#f-date-input", "2024-10-10")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and "/ 9 条" in bar(app))
        assert shown(app) == {V5, V6, copy}             # not listed, but counted
        assert "2025-2026学年 · 显示 3 / 9 条" in bar(app)
        notes = [n.message for n in app._notifications]
        assert any("这条记录属于2024-2025学年，不在正显示的2025-2026学年中" in n for n in notes), notes
        await pick_year(pilot, "2024-2025")
        assert len(shown(app)) == 2 and V7 in shown(app)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_year_picker_over_the_list_at_80x24(snap_compare, years, lang):
    i18n.set_lang(lang)

    async def picker(pilot) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(pilot.app.screen, PickScreen))
        await settle(pilot)

    # No polling while the picture is taken: nothing else writes to this ledger.
    assert snap_compare(app_for(years, poll_interval=3600), terminal_size=(80, 24), run_before=picker)
