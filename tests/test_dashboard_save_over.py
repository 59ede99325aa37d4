"""The issue's case, two processes: coordinator 2 has a school's form open in the dashboard;
coordinator 1 sets its 乡镇 from the command line; coordinator 2 types a school code and saves.
Coordinator 1's 乡镇 stays (it was never coordinator 2's to undo) and no dialog asks about it."""
from __future__ import annotations

import subprocess
import sys

from textual.widgets import Input

from conftest import school
from test_tui_forms import Harness, pilot_test, type_into, until
from tui.modals.conflict import ConflictScreen
from tui.modals.record_form import RecordForm


@pilot_test
async def test_a_dashboard_save_keeps_the_township_another_coordinator_set_meanwhile(ledger):
    saved = ledger.put(school(township="CLI二镇"))
    app = Harness(lambda: RecordForm(ledger, "school", ledger.get(saved.id), base=saved.version))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        other = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(ledger.path), "set", saved.id,
                                "township=CLI镇"], capture_output=True, text=True)
        assert other.returncode == 0, other.stderr
        await type_into(pilot, "#f-code-input", "4101234567")
        assert app.screen.query_one("#f-township-input", Input).value == "CLI二镇"   # (the form as opened)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.results, timeout=15)
        assert not isinstance(app.screen, ConflictScreen)
    now = ledger.get(saved.id)
    assert (now["township"], now["code"]) == ("CLI镇", "4101234567")
    lines = subprocess.run(["git", "log", "-p", "--format=%s", "main"], cwd=ledger.path, capture_output=True,
                           text=True).stdout
    assert "CLI镇" in lines and '-  "township": "CLI镇"' not in lines   # no commit ever set it back


@pilot_test
async def test_the_dialog_in_english_asks_only_about_the_field_both_changed(ledger):
    from store.core import i18n
    from test_tui_forms import screen_text
    i18n.set_lang("en")
    saved = ledger.put(school(township="甲镇"))
    app = Harness(lambda: RecordForm(ledger, "school", ledger.get(saved.id), base=saved.version))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        theirs = ledger.get(saved.id)
        ledger.put({**theirs, "township": "乙镇", "notes": "他们的备注"}, base=ledger.version(saved.id))
        await type_into(pilot, "#f-township-input", "丙镇")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        text = screen_text(app)
        assert "changed by both of you" in text and "mine: 丙镇" in text and "theirs: 乙镇" in text
        assert [r.path for r in app.screen.rows] == [("township",)]
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Not chosen yet" in screen_text(app))
        await pilot.press("t")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.results)
    now = ledger.get(saved.id)
    assert (now["township"], now["notes"]) == ("乙镇", "他们的备注")
