"""The recognition dialog (困难认定) at 80x24, in Chinese and English: reached from home (`r`), a
school's promotion into the next school year (previewed, then committed), applications, class review,
school check, notice (recorded and exported, names masked) and
approval, each step one commit by the person acting; an approval before the notice ended is refused
in the status line with the record, field and rule, and nothing is committed."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input, Select, Static

from store.core import i18n
from test_aid_steps_cli import school_of_three  # noqa: F401  (某县一中 and 甲 乙 丙 of 2026-2027)
from test_tui_app import pilot_test, settle, static_text
from test_tui_batch import until
from tui.app import BangfuApp
from tui.modals.recognition import ObjectionPicker, RecognitionDialog
from tui.modals.ref_picker import RefChoice, RefPicker
from store.aid import recognition

WORDS = {
    "zh": dict(applied="已记录申请：1 名学生", reviewed="已记录评议：2 名学生", checked="已记录学校审核：2 名学生",
               posted="公示已记录：2 名学生；名单已导出", approved="已记录审批：2 名学生",
               head="2026-2027 学年 2 条：待评议 0，待审核 0，待公示 0，待审批 2，异议未处理 1", file="认定公示-某县一中-2026-2027.csv",
               early="审批日期 2026-09-08 不在公示期结束（2026-09-08）之后", left="丙 已于 2026-09-01 退出（转学），不能申请认定"),
    "en": dict(applied="Application recorded: 1", left="丙 left on 2026-09-01 (转学): no application can be recorded"),
}


def status(dialog) -> str:
    return " ".join(static_text(dialog.query_one("#rec-status", Static)).split())


async def open_dialog(pilot) -> RecognitionDialog:
    """The dashboard settled, then `r`: the recognition dialog."""
    await settle(pilot)
    await pilot.press("r")
    await until(pilot, lambda: isinstance(pilot.app.screen, RecognitionDialog))
    return pilot.app.screen


async def step(pilot, dialog, button: str, **typed: str) -> None:
    for widget, text in typed.items():   # (filled in, not typed: the typing is Textual's own)
        dialog.query_one(f"#rec-{widget}", Input).value = text
    # (a button ignores a press while it still shows the last one, 0.2 s)
    await until(pilot, lambda: not dialog.query_one(f"#rec-{button}").has_class("-active"))
    await pilot.click(f"#rec-{button}")
    await pilot.pause()                                         # (the press handled: the step under way)
    await pilot.app.workers.wait_for_complete()
    await until(pilot, lambda: not dialog._busy)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pilot_test
async def test_a_schools_recognition_run_in_the_dashboard(school_of_three, tmp_path, monkeypatch, lang):  # noqa: F811
    ledger = school_of_three
    gone = next(s for s in ledger.scan("student") if s["name"] == "丙")
    ledger.put({**gone, "events": [{"date": "2025-09-01", "event": "认定"},
                                   {"date": "2026-09-01", "event": "退出", "reason": "转学"}]},
               base=ledger.version(gone["id"]))
    monkeypatch.chdir(tmp_path)
    i18n.set_lang(lang)
    words = WORDS[lang]
    app = BangfuApp(ledger, today=dt.date(2026, 9, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot)
        for widget in ("#rec-school", "#rec-apply", "#rec-approve", "#rec-close", "#rec-status", "#rec-list", "#rec-object",
                       "#rec-settle"):
            region = dialog.query_one(widget).region
            assert region.right <= 80 and region.bottom <= 24 and region.height > 0, widget
        assert dialog.query_one("#rec-year", Input).value == "2026-2027"
        school = next(s["id"] for s in ledger.scan("school"))
        dialog.query_one("#rec-school", RefChoice).choose(school)   # (typed in: test_settling_one_of_two_objections)
        await step(pilot, dialog, "apply", student="甲")
        assert status(dialog) == words["applied"]
        await step(pilot, dialog, "apply", student="丙")          # gone before the school year: refused
        assert status(dialog) == words["left"]
        if lang == "en":      # (the whole run once, in Chinese: English reads its words and refusals)
            await step(pilot, dialog, "approve")
            assert status(dialog) == "某县第一中学 has no recognition of 2026-2027 waiting for its approval"
            await pilot.click("#rec-promote")
            assert status(dialog).startswith("某县第一中学 has already been promoted to 2026-2027")
            return
        await step(pilot, dialog, "apply", student="乙")
        dialog.query_one("#rec-level", Select).value = "困难"
        await step(pilot, dialog, "review", by="班主任 田秀英,家长代表 马强")
        assert status(dialog) == words["reviewed"]
        await step(pilot, dialog, "check", by="资助专干 马红梅")
        assert status(dialog) == words["checked"]
        await step(pilot, dialog, "publish", where="校务公开栏")    # Wednesday 2 September: ends Tuesday 8th
        # the file where the dashboard was started, said by its name (a whole path ran off the line at 80x24)
        assert status(dialog) == f"{words['posted']} {words['file']}"
        exported = (tmp_path / words["file"]).read_text(encoding="utf-8-sig")
        assert "甲*" not in exported and "甲" not in exported.split("\n", 3)[3] and "2026-09-02" in exported
        await step(pilot, dialog, "object", date="2026-09-03", student="乙", by="家长代表 马强", objection="家中已有稳定收入")
        assert status(dialog) == "已记录异议：审批前须处理"
        assert static_text(dialog.query_one("#rec-head", Static)) == words["head"]
        await step(pilot, dialog, "approve", date="2026-09-08", by="校长 杨建国")
        assert words["early"] in status(dialog) and "-error" in dialog.query_one("#rec-status").classes
        await step(pilot, dialog, "approve", date="2026-09-09")
        assert "家长代表 马强 于 2026-09-03 提出的异议在审批（2026-09-09）前没有处理结果" in status(dialog)
        await step(pilot, dialog, "settle", objection="经核实收入不稳定，维持认定")
        assert status(dialog) == "已记录异议的处理结果"
        await step(pilot, dialog, "approve", by="校长 杨建国")
        assert status(dialog) == words["approved"]
        assert dialog.query_one("#rec-list", DataTable).row_count == 2
        # The next school year: the promotion previewed, then committed (丙 has left: not moved).
        dialog.query_one("#rec-year", Input).value = "2027-2028"
        await pilot.click("#rec-promote")
        assert status(dialog) == "将有 2 名学生升入 2027-2028 学年，其中 0 人毕业退出；再按「升级」提交"
        await step(pilot, dialog, "promote")
        assert status(dialog) == "已升级：2 名学生升入 2027-2028 学年，其中 0 人毕业退出"
    ledger.refresh()
    assert sorted((r["approval"]["by"], r["approval"]["date"], r["outcome"]) for r in ledger.scan("recognition")) == \
        [("校长 杨建国", "2026-09-09", "认定")] * 2
    assert [(e["author"], e["trailers"]["Action"][0]) for e in ledger.log(limit=9)] == [
        ("测试员", a) for a in ("promote", "approve", "object", "object", "notice", "check", "assess", "apply", "apply")]
    assert sorted((s["name"], s["grade"], s["school_year"]) for s in ledger.scan("student") if s["name"] != "丙") == [
        ("乙", "九年级", "2027-2028"), ("甲", "八年级", "2027-2028")]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pilot_test
async def test_settling_one_of_two_objections_with_the_school_typed(school_of_three, lang):  # noqa: F811
    """The school is found by typing (pinyin initials in one burst, as fast as a user types them),
    and with two objections open to 甲's recognition, the settlement goes to the one picked."""
    ledger = school_of_three
    ledger.put({"type": "school", "schema_version": 2, "name": "某县中心小学", "short_name": "某县中小", "stage": "小学",
                "county": "某县", "area": "乡村"})
    jia = next(s["id"] for s in ledger.scan("student") if s["name"] == "甲")
    [r], _ = recognition.apply(ledger, [jia], "2026-2027", on=dt.date(2026, 9, 2))
    [r], _ = recognition.review(ledger, [r], on=dt.date(2026, 9, 2), members=["班主任 田秀英"], result="通过", level="困难")
    [r], _ = recognition.check(ledger, [r], on=dt.date(2026, 9, 2), by="资助专干 马红梅")
    recognition.post_notice(ledger, r["school"], "2026-2027", where="校务公开栏", start=dt.date(2026, 9, 2))
    assert ledger.log(limit=1)[0]["title"] == "posting: notice 某县一中 2026-2027 公示 2026-09-02—2026-09-08"
    for day, who, what in (("2026-09-03", "家长代表 马强", "家中已有稳定收入"), ("2026-09-04", "村委会 李平", "已享受其他资助")):
        r, _ = recognition.object_to(ledger, r, on=dt.date.fromisoformat(day), raised_by=who, content=what)
    i18n.set_lang(lang)
    app = BangfuApp(ledger, today=dt.date(2026, 9, 5))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot)
        await pilot.press("enter")                                  # (the school's button has the focus)
        await until(pilot, lambda: isinstance(app.screen, RefPicker))
        await pilot.press(*"dyzx", "enter")                         # 第一中学: one burst, then Enter
        await until(pilot, lambda: app.screen is dialog)
        assert str(dialog.query_one("#rec-school", RefChoice).label).startswith("某县第一中学")
        assert dialog.query_one("#rec-list", DataTable).row_count == 1
        open_ = "异议未处理 2" if lang == "zh" else "2 objections open"
        assert open_ in static_text(dialog.query_one("#rec-head", Static))
        await step(pilot, dialog, "settle", student="甲", objection="经核实未享受其他资助")
        await until(pilot, lambda: isinstance(app.screen, ObjectionPicker))
        picker = app.screen
        for widget in ("#objection-dialog", "#objection-list"):
            region = picker.query_one(widget).region
            assert region.right <= 80 and region.bottom <= 24 and region.height > 0, widget
        listed = picker.query_one("#objection-list")
        assert [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)] == [
            "2026-09-03 · 家长代表 马强 · 家中已有稳定收入", "2026-09-04 · 村委会 李平 · 已享受其他资助"]
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.screen is dialog)
        await app.workers.wait_for_complete()
        await until(pilot, lambda: not dialog._busy)
        assert status(dialog) == {"zh": "已记录异议的处理结果", "en": "Settlement recorded"}[lang]
        assert {"zh": "异议未处理 1", "en": "; 1 objection open"}[lang] in static_text(dialog.query_one("#rec-head", Static))
    ledger.refresh()
    [done] = ledger.scan("recognition")
    assert [(o["raised_by"], o.get("settlement"), o.get("settled_on")) for o in done["objections"]] == [
        ("家长代表 马强", None, None), ("村委会 李平", "经核实未享受其他资助", "2026-09-05")]
