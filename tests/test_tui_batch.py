"""The payment batch dialog (发放批次) at 80x24, in Chinese and English: reached from the aid section
(`b`) and from the palette, a batch made, a student removed with a reason, approved and paid, each
step a commit; a refusal is read in the status line and nothing is committed."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from textual.widgets import DataTable, Input, Select, Static
from textual.widgets._select import SelectOverlay

from store.core import i18n
from test_tui_app import palette, pilot_test, settle, static_text
from test_world_batch import BOARD, county  # noqa: F401  (the hand-worked ledger)
from tui.app import BangfuApp
from tui.modals.batch import BatchDialog
from tui.modals.ref_picker import RefChoice


async def until(pilot, condition, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError("the app did not get there in time")


def status(dialog) -> str:
    return static_text(dialog.query_one("#batch-status", Static))


def head(dialog) -> str:
    return static_text(dialog.query_one("#batch-head", Static))


async def batch_list(pilot, dialog) -> list[str]:
    """The term's batches as the list to open one from shows them (opened, read, closed)."""
    pick = dialog.query_one("#batch-pick", Select)
    pick.focus()
    await pilot.press("enter")
    overlay = pick.query_one(SelectOverlay)
    await until(pilot, lambda: overlay.display and overlay.option_count)
    shown = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
    await pilot.press("escape")
    await until(pilot, lambda: not pick.expanded)
    return shown[1:]   # (the first row is the prompt)


def entries(dialog) -> list[str]:
    return [r.value for r in dialog.query_one("#batch-entries", DataTable).rows]


async def type_into(pilot, dialog, widget: str, text: str) -> None:
    dialog.query_one(f"#{widget}", Input).focus()
    await pilot.pause()
    await pilot.press(*text)


WORDS = {
    "zh": dict(made="已生成：2 名学生，合计 1,250.00 元", need_reason="移除或加入学生须写明原因",
               removed="已移除，现 1 名学生，合计 625.00 元", approved="已审批：1 名学生，合计 625.00 元",
               paid="已发放：1 笔，合计 625.00 元", search="fafang", hit="发放批次",
               draft="草拟", approved_status="已审批", paid_status="已发放", programme="义务教育寄宿生生活补助",
               written="已写出 "),
    "en": dict(made="Made: 2 students, 1,250.00 yuan", need_reason="removing or adding a student needs a reason",
               removed="Removed: 1 student, 625.00 yuan now", approved="Approved: 1 student, 625.00 yuan",
               paid="Paid: 1 payment, 625.00 yuan", search="payment", hit="payment batches",
               draft="draft", approved_status="approved", paid_status="paid", programme="boarding living allowance",
               written="Written: "),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pilot_test
async def test_a_batch_run_in_the_dashboard(ledger, county, lang, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    i18n.set_lang(lang)
    words = WORDS[lang]
    app = BangfuApp(ledger, today=dt.date(2026, 9, 21))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")                                  # the aid section ...
        await settle(pilot)
        await pilot.press("b")                                  # ... its payment batches
        await until(pilot, lambda: isinstance(app.screen, BatchDialog))
        dialog = app.screen
        for widget in ("#batch-make", "#batch-remove", "#batch-approve", "#batch-pay", "#batch-roster", "#batch-notice",
                       "#batch-close", "#batch-status"):
            region = dialog.query_one(widget).region
            assert region.right <= 80 and region.bottom <= 24 and region.height > 0, widget
        dialog.query_one("#batch-programme", Select).value = BOARD
        dialog.query_one("#batch-school").focus()                # the school found by its pinyin initials,
        await pilot.pause()
        await pilot.press(*"dyzx", "enter")                      # typed on the choice in one burst: its search
        await until(pilot, lambda: app.screen is dialog and dialog.query_one("#batch-school", RefChoice).value)
        assert dialog.query_one("#batch-school", RefChoice).value == county["mid"]
        await pilot.click("#batch-make")
        await until(pilot, lambda: status(dialog) == words["made"])
        table = dialog.query_one("#batch-entries", DataTable)
        assert table.row_count == 2
        [batch] = ledger.scan("batch")
        assert head(dialog).startswith(f"{words['draft']}{'：' if lang == 'zh' else ': '}2 ")
        [made] = await batch_list(pilot, dialog)                # the new batch is in the list to open
        assert made.startswith(words["programme"]) and made.endswith(f" · 2026-09-21 · {words['draft']}")

        table.focus()
        row = [r.value for r in table.rows].index(county["b"])
        for _ in range(row):
            await pilot.press("down")
        await pilot.click("#batch-remove")                      # no reason: refused, nothing committed
        await until(pilot, lambda: status(dialog) == words["need_reason"])
        assert len(ledger.get(batch["id"])["entries"]) == 2
        await type_into(pilot, dialog, "batch-reason", "已在外县领取")
        await pilot.click("#batch-remove")
        await until(pilot, lambda: status(dialog) == words["removed"])
        assert [e["student"] for e in ledger.get(batch["id"])["entries"]] == [county["a"]]
        assert entries(dialog) == [county["a"]]

        await type_into(pilot, dialog, "batch-by", "周明")
        await pilot.click("#batch-approve")
        await until(pilot, lambda: status(dialog) == words["approved"])
        assert head(dialog).startswith(words["approved_status"]) and entries(dialog) == [county["a"]]
        [approved] = await batch_list(pilot, dialog)
        assert approved.endswith(f" · {words['approved_status']}")
        # the funding share as the reader's language names it; stored as 中央 either way
        assert dialog.query_one("#batch-shares", Input).value == {"zh": "中央=100", "en": "central=100"}[lang]
        await type_into(pilot, dialog, "batch-reference", "YH-1")
        await pilot.click("#batch-pay")
        await until(pilot, lambda: status(dialog) == words["paid"])
        assert head(dialog).startswith(words["paid_status"])
        [paid] = await batch_list(pilot, dialog)
        assert paid.endswith(f" · {words['paid_status']}")
        [aid] = ledger.scan("aid")
        assert (aid["student"], aid["amount_fen"], aid["batch"], aid["voucher"]) == (county["a"], 62_500, batch["id"],
                                                                                    "YH-1")
        assert aid["source"] == "中央"
        # The bank roster and the notice, written where Bangfu was started: numbers and names masked.
        await pilot.click("#batch-roster")
        await until(pilot, lambda: status(dialog).startswith(words["written"]))
        [book] = tmp_path.glob("*.xlsx")
        # named without spaces, and said by its name on the status line: the whole path ran off it at 80x24
        assert book.name == {"zh": "代发名单-某县一中-2026-2027-1-义务教育寄宿生生活补助.xlsx",
                             "en": "bank-roster-某县一中-2026-2027-1-boarding-living-allowance.xlsx"}[lang]
        assert status(dialog) == words["written"] + book.name
        row = list(load_workbook(book).active.iter_rows(values_only=True))[1]
        assert (row[4], row[5], row[6], row[7]) == ("王小红", "1101**********002X", "*" * 15 + "3446", 625)
        await pilot.click("#batch-notice")
        await until(pilot, lambda: status(dialog).startswith(words["written"]) and len(list(tmp_path.glob("*.csv"))))
        [notice] = tmp_path.glob("*.csv")
        assert "王**" in notice.read_text(encoding="utf-8-sig") and "王小红" not in notice.read_text(encoding="utf-8-sig")
        # A roster that cannot be written (its folder is a file): said in the status line, in words.
        (tmp_path / "not-a-folder").write_text("")
        dialog.folder = tmp_path / "not-a-folder"
        await pilot.click("#batch-roster")
        await until(pilot, lambda: "-error" in dialog.query_one("#batch-status").classes)
        assert status(dialog).startswith({"zh": "无法写入 ", "en": "cannot write "}[lang]) and "not-a-folder" in status(dialog)
        # why, in the reader's words (the system's are English: "Not a directory")
        assert status(dialog).endswith({"zh": "：路径中有一段不是文件夹", "en": ": part of the path is not a folder"}[lang])
        await pilot.click("#batch-approve")                     # a second approval: the store's refusal
        await until(pilot, lambda: "-error" in dialog.query_one("#batch-status").classes)
        assert "周明" in status(dialog) and "2026-09-21" in status(dialog)

        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, BatchDialog))
        await pilot.press("1")                                   # home: the palette finds it too
        await settle(pilot)
        hits = await palette(pilot, *words["search"])
        prompts = [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]
        assert any(words["hit"] in p for p in prompts), prompts
