"""What the record form looks like at 80x24 with Chinese data and an error under its field."""
from __future__ import annotations

from test_tui_forms import Harness, until, visit, world  # noqa: F401 (world is a fixture)
from textual.widgets import Input
from tui.modals.record_form import RecordForm


def test_visit_form_with_a_date_error_at_80x24(world, snap_compare):
    saved = world.ledger.put(visit(world, participants=[{"name": "王老师", "school": world.a, "role": "语文教师"}]))
    app = Harness(lambda: RecordForm(world.ledger, "visit", world.ledger.get(saved.id), base=saved.version))

    async def typo(pilot) -> None:
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        date = app.screen.query_one("#f-date-input", Input)
        date.focus()
        date.value = "2006-10-32"
        await until(pilot, lambda: app.screen.query_one("#f-date").errors)
        await pilot.pause(0.6)   # the debounced check has run: nothing moves any more
        date.cursor_blink = False

    assert snap_compare(app, terminal_size=(80, 24), run_before=typo)
