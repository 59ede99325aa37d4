"""Every form at 80x24: the focused field is always on screen (Tab, F8 to each error in turn,
the last field), and what that looks like, in Chinese and English."""
from __future__ import annotations

import asyncio

import pytest

from store.core import i18n
from test_tui_forms import Harness, until, world  # noqa: F401 (world is a fixture)
from tui.modals.record_form import RecordForm
from tui.widgets.form_row import FieldRow

TYPES = ("school", "plan", "visit", "student", "aid", "standard")


def on_screen(form: RecordForm, widget) -> bool:
    """Wholly visible: inside the scrolled body for a field, inside the window for the buttons."""
    body = form.query_one("#fm-body")
    frame = body.region if body in widget.ancestors else form.region
    return widget.region.height > 0 and frame.contains_region(widget.region)


async def saved_empty(pilot, record_type: str) -> RecordForm:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, RecordForm))
    form = app.screen
    await pilot.press("ctrl+s")   # refused: the required fields are marked
    await until(pilot, lambda: sum(bool(row.errors) for row in form.panel.rows()) > 0)
    await pilot.pause()
    return form


async def focus_last(pilot, form: RecordForm) -> None:
    last = form.panel.rows()[-1]
    for widget in last.query("Input, TextArea"):
        widget.cursor_blink = False   # before the focus: a blink already under way hid the cursor in a snapshot
    last.focus_input()
    await until(pilot, lambda: on_screen(form, form.focused))


@pytest.mark.parametrize("record_type", TYPES)
def test_f8_goes_to_each_error_in_view(world, record_type):
    async def run() -> None:
        app = Harness(lambda: RecordForm(world.ledger, record_type))
        async with app.run_test(size=(80, 24)) as pilot:
            form = await saved_empty(pilot, record_type)
            wrong = [row for row in form.panel.rows() if row.errors]
            for row in [*wrong[1:], wrong[0]]:   # F8 goes through them in order, then round again
                await pilot.press("f8")
                await until(pilot, lambda: row in form.focused.ancestors and on_screen(form, form.focused))
            await focus_last(pilot, form)
    asyncio.run(run())


def test_tab_reaches_every_field_of_the_student_form_in_view(world):
    """At 80x24 Tab went on into fields below the window (guardian, status events) without
    scrolling: they could not be seen nor reached."""
    async def run() -> None:
        app = Harness(lambda: RecordForm(world.ledger, "student"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, RecordForm))
            form = app.screen
            seen = set()
            for _ in range(24):
                await pilot.press("tab")
                assert on_screen(form, form.focused), form.focused
                rows = [row for row in form.focused.ancestors if isinstance(row, FieldRow)]
                seen |= {row.field.name for row in rows}
                # the focused field's title is the one lit (with its group's), whatever was before
                lit = {t.parent for t in form.query(".field-title.-current")}
                assert lit == set(rows), (lit, rows)
            assert {"guardian", "events", "notes"} <= seen
    asyncio.run(run())


def test_a_folded_group_opened_at_the_foot_of_the_window_is_scrolled_into_view(world):
    """At 80x24, Enter on 个人标识 (folded, below the window's middle) opened it and focused its first
    field, but the form did not scroll: the ID number was typed into a field out of sight."""
    async def run() -> None:
        app = Harness(lambda: RecordForm(world.ledger, "student"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, RecordForm))
            form = app.screen
            form.query_one("#f-identity-open").focus()
            await until(pilot, lambda: on_screen(form, form.focused))
            await pilot.press("enter", *"34052220100101123")
            number = form.query_one("#f-identity-id_number-input")
            await until(pilot, lambda: number.value == "34052220100101123")
            await pilot.pause()
            assert form.focused is number and on_screen(form, number)
    asyncio.run(run())


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("record_type", TYPES)
def test_form_at_80x24_with_errors_and_the_last_field_focused(world, snap_compare, record_type, lang):
    i18n.set_lang(lang)
    app = Harness(lambda: RecordForm(world.ledger, record_type))

    async def last_field(pilot) -> None:
        form = await saved_empty(pilot, record_type)
        # The scroll to the field at once: an animated one could be caught halfway (the scroll bar's
        # thumb a fraction of a line off from one run to the next).
        pilot.app.animation_level = "none"
        await focus_last(pilot, form)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=last_field)


LONG_PLAN = "沙河镇第二中心小学对口帮扶石桥镇第二中心小学计划（2006—2007学年）"   # 66 cells: wider than the field


def shown_in(app, widget) -> str:
    """The text the terminal shows inside a widget's region, its lines run together."""
    strips = app.screen._compositor.render_strips()
    region = widget.region
    return "".join(strips[y].crop(region.x, region.right).text.strip() for y in range(region.y, region.bottom))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_long_plan_title_chosen_in_the_activity_form_is_read_whole(world, lang):
    """At 80x24 the plan's button showed '…石桥镇第二中心小学计划（20': which school year the plan
    was for could not be read. Enter, the initials and Enter typed in one burst, as a person types."""
    long_plan = world.ledger.put({"type": "plan", "schema_version": 1, "title": LONG_PLAN,
                                  "period": {"start": "2006-09-01", "end": "2007-08-31"},
                                  "parties": [{"school": world.a, "role": "帮扶"}, {"school": world.b, "role": "受帮扶"}],
                                  "status": "执行中"}).id

    async def run() -> None:
        i18n.set_lang(lang)
        app = Harness(lambda: RecordForm(world.ledger, "visit"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, RecordForm))
            form = app.screen
            form.query_one("#f-plan-input").focus()
            await pilot.press("enter", *"shzd", "enter")
            plan = form.query_one("#f-plan", FieldRow)
            await until(pilot, lambda: app.screen is form and plan.value == long_plan)
            await pilot.pause()
            button = form.query_one("#f-plan-input")
            assert LONG_PLAN in shown_in(app, button), shown_in(app, button)
            assert on_screen(form, button)
            await pilot.press("tab")   # the rows below moved down, and the next field still takes the focus
            await until(pilot, lambda: form.focused is form.query_one("#f-kind-input"))
    try:
        asyncio.run(run())
    finally:
        i18n.set_lang("zh")
