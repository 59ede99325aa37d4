"""Textual's own words on our screens come from the catalogue: the palette's "no matches", the
key of an open list in the footer."""
from __future__ import annotations

from textual.command import CommandList

from store.core import i18n
from test_tui_app import TODAY, BangfuApp, open_ledger, pilot_test, settle, small  # noqa: F401
from test_tui_typing import new_form, until


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pilot_test
async def test_palette_says_no_matches_in_chinese(small):
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: app.screen.query(CommandList))
        await pilot.press(*"zzzq")
        listed = app.screen.query_one(CommandList)
        await until(pilot, lambda: listed.option_count == 1)
        assert str(listed.get_option_at_index(0).prompt.renderable) == "没有找到相符的操作"


@pilot_test
async def test_an_open_list_names_its_key_in_the_language_shown(small):
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "3")
        form.query_one("#f-kind-input").focus()
        await pilot.press("enter")
        await until(pilot, lambda: "收起列表" in screen_text(app))
        assert "Dismiss" not in screen_text(app)
        await pilot.press("escape", "escape", "escape")
        await pilot.press("f2")
        await until(pilot, lambda: i18n.lang() == "en")
        form = await new_form(pilot, "3")
        form.query_one("#f-kind-input").focus()
        await pilot.press("enter")
        await until(pilot, lambda: "close the list" in screen_text(app))
