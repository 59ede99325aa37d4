"""English mode at 80x24 (issue 14, part 5): enumerated values read in English (stored in
Chinese), a field's title never runs into its value, a folded group's button does not repeat
the group's title."""
from __future__ import annotations

import asyncio
import re

import pytest
from textual.geometry import Region
from textual.widgets import Button, Input, Select

from store.core import i18n
from test_tui_app import AID, STUDENT, app_for, open_ledger, rid, pilot_test, section, settle, small, static_text  # noqa: F401
from test_tui_forms import Harness, until, world  # noqa: F401 (world is a fixture)
from tui.modals.record_form import RecordForm
from tui.widgets.form_group import GroupRow
from tui.widgets.figure_list import FigureList
from tui.widgets.form_row import FieldRow

CJK = re.compile(r"[\u3400-\u9fff]")
TYPES = ("school", "plan", "visit", "student", "aid", "standard")


@pytest.fixture
def english():
    i18n.set_lang("en")
    yield
    i18n.set_lang("zh")


@pilot_test
async def test_lists_and_details_show_enumerated_values_in_english(small, english):
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        screen = section(app)
        row = screen.list.render_line(1).text
        assert "马晓梅" in row and "female" in row and "enrolled" in row and "女" not in row
        detail = static_text(screen.detail.query_one("#detail-body"))
        assert "female" in detail and "primary" in detail and "registered poor, left-behind" in detail
        await pilot.press("2")
        await settle(pilot)
        assert "active" in section(app).list.render_line(1).text
        await pilot.press("3")
        await settle(pilot)
        kinds = [section(app).list.render_line(y).text for y in range(1, 5)]
        assert any("teaching sent" in k for k in kinds) and not any("送教下乡" in k for k in kinds)
        await pilot.press("5")
        await settle(pilot)
        assert "central" in section(app).list.render_line(1).text


@pilot_test
async def test_english_words_of_a_value_find_the_rows_that_show_them(small, english):
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("slash", *"teaching sent")
        await settle(pilot)
        screen = section(app)
        assert sorted(screen.list.ids) == [rid("visit", 1), rid("visit", 2)]
        assert all("teaching sent" in screen.list.render_line(y).text for y in (1, 2))
        # The stored value and its pinyin initials still find them in English mode.
        screen.query_one("#filter", Input).value = ""
        await pilot.press(*"sjxx")
        await settle(pilot)
        assert sorted(screen.list.ids) == [rid("visit", 1), rid("visit", 2)]


@pilot_test
async def test_latest_changes_read_amounts_and_programmes_in_english(small, english):
    """Commit titles are written in Chinese (`aid: edit 马晓梅 义务教育寄宿生生活补助 … 500.00元`): the
    home reads their amounts and enumerated values in English, as the lists do."""
    writer = open_ledger(small)
    writer.put({**writer.get(AID), "voucher": "GY-2026-002"}, base=writer.version(AID))
    writer.close()
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#changes", FigureList)
        first = panel.figures[0].prompt.plain
        assert "500.00 yuan" in first and "boarding living allowance" in first, first
        assert "元" not in first and "义务教育" not in first and "马晓梅" in first


def label_text(label) -> str:
    return "".join(strip.text for strip in label.render_lines(Region(0, 0, label.size.width, label.size.height)))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("record_type", TYPES)
def test_every_field_title_is_whole_and_apart_from_its_value_at_80x24(world, record_type, lang):
    async def run() -> None:
        i18n.set_lang(lang)
        app = Harness(lambda: RecordForm(world.ledger, record_type))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, RecordForm))
            form = app.screen
            for row in form.query(FieldRow):
                title = row.query_one(".field-title")
                words = title.render().plain if hasattr(title.render(), "plain") else str(title.render())
                shown = label_text(title)
                assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", words), (row.field.path, shown)
                assert title.size.height == 1, (row.field.path, words)   # a wrapped title reads as two fields
                beside = [w for w in row.children if w is not title and w.region.y == title.region.y
                          and w.region.width and not w.has_class("field-error")]
                for widget in beside:
                    assert title.content_region.right < widget.region.x, (row.field.path, words)
            for group in form.query(GroupRow):
                for button in group.query(Button).filter(".group-open"):
                    assert group.field.title not in str(button.label), str(button.label)
            if lang == "en":
                choices = [str(prompt) for select in form.query(Select) for prompt, _v in select._options]
                assert not [c for c in choices if CJK.search(c) and "(" not in c], choices
    asyncio.run(run())
