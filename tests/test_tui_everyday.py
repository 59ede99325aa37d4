"""Small walls of a coordinator's day: names in pinyin order, an item's typed text kept from one
stray Esc, a record shown as a card on the command line."""
from __future__ import annotations

from test_cli import bangfu
from test_tui_app import AID, STUDENT, small  # noqa: F401 (small is a fixture)
from test_tui_forms import Harness, ItemForm, RecordForm, pilot_test, type_into, until, visit, world  # noqa: F401
from tui.columns import COLUMNS


def test_names_sort_by_pinyin():
    by_name = COLUMNS["student"][0]
    names = ["余梦洁", "何志强", "韩梅梅", "刘思琪", "Anna", "李文博"]
    ordered = sorted(names, key=lambda n: by_name.sort_key({"name": n}, None))
    assert ordered == ["Anna", "韩梅梅", "何志强", "李文博", "刘思琪", "余梦洁"]


@pilot_test
async def test_esc_in_an_item_form_asks_before_discarding_what_was_typed(world):
    saved = world.ledger.put(visit(world))
    app = Harness(lambda: RecordForm(world.ledger, "visit", world.ledger.get(saved.id), base=saved.version))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        app.screen.query_one("#f-participants-input").focus()
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ItemForm))
        item = app.screen
        await type_into(pilot, "#f-name-input", "王老师")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is item and "再按一次 Esc 放弃" in str(item.query_one("#form-status").render())
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        # An untouched item form closes at once.
        app.screen.query_one("#f-participants-input").focus()
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ItemForm))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))


def test_show_prints_a_card_and_json_on_request(small):
    shown = bangfu("-L", str(small), "show", AID)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[1] == AID
    assert any(line.startswith("学生") and "马晓梅" in line for line in lines)          # the name, not the id
    assert any(line.startswith("金额") and line.endswith("500.00 元") for line in lines)
    assert STUDENT not in shown.stdout
    english = bangfu("-L", str(small), "show", AID, "--lang", "en").stdout
    assert any(line.startswith("Amount") and "500.00" in line for line in english.splitlines())
    student = bangfu("-L", str(small), "show", STUDENT).stdout
    assert "1101**********002X" in student and "11010519491231002X" not in student
    assert '"amount_fen": 50000' in bangfu("-L", str(small), "show", AID, "--json").stdout
