"""The aid form helps: the standard picker offers only the standards that fit, choosing one fills
the term's amount, and the notes an auditor will see are shown before the form closes."""
from __future__ import annotations

from textual.widgets import Input, OptionList, Select

from store import NEW, Change, Ledger
from test_tui_app import STANDARD, STUDENT, rid, small  # noqa: F401 (small is a fixture)
from test_tui_forms import Harness, pilot_test, until
from tui.modals.record_form import RecordForm
from tui.modals.ref_picker import RefPicker

JUNIOR, EXPIRED, MEALS = rid("standard", 2), rid("standard", 3), rid("standard", 4)


def standards(path) -> Ledger:
    led = Ledger(path)

    def standard(id_, programme, stage, fen, unit, **extra):
        return Change(id_, {"id": id_, "type": "standard", "schema_version": 1, "programme": programme, "stage": stage,
                            "boarding": True, "amount_fen": fen, "unit": unit, "region": "连云港市",
                            "valid_from": "2020-01-01", **extra}, NEW)
    led.commit([standard(JUNIOR, "义务教育寄宿生生活补助", "初中", 125000, "年"),
                standard(EXPIRED, "义务教育寄宿生生活补助", "小学", 80000, "年", valid_from="2015-01-01",
                         valid_to="2019-12-31"),
                standard(MEALS, "营养改善计划", "小学", 400, "天")], action="import", message="test: standards")
    return led


async def aid_form(pilot, programme: str, days: str = "", term: str = "2026-2027-1") -> RecordForm:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, RecordForm))
    form = app.screen
    form.query_one("#f-student").set_value(STUDENT)
    form.query_one("#f-programme-input", Select).value = programme
    form.query_one("#f-term-input", Input).value = term
    form.query_one("#f-paid_on-input", Input).value = "2026-10-15" if term.endswith("-1") else "2026-03-16"
    form.query_one("#f-days-input", Input).value = days
    await pilot.pause()
    return form


async def offered(pilot, form: RecordForm) -> list[str]:
    form.query_one("#f-standard-input").focus()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, RefPicker) and pilot.app.screen.shown_for == "")
    results = pilot.app.screen.query_one(OptionList)
    return [results.get_option_at_index(i).id for i in range(results.option_count)]


@pilot_test
async def test_standard_picker_offers_what_fits_and_fills_half_a_year(small):
    led = standards(small)
    assert {r["id"] for r in led.query("standard", text="jss")} == {STANDARD, JUNIOR, EXPIRED}   # 寄宿生
    app = Harness(lambda: RecordForm(led, "aid"))
    async with app.run_test(size=(80, 24)) as pilot:
        form = await aid_form(pilot, "义务教育寄宿生生活补助")
        # Not the junior school's standard (the pupil is at primary school), not the expired one.
        assert await offered(pilot, form) == ["-", STANDARD]
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is form and form.query_one("#f-standard").value == STANDARD)
        assert form.query_one("#f-amount_fen-input", Input).value == "500.00"   # 1000 元 a year, one term


@pilot_test
async def test_a_per_day_standard_fills_rate_times_days(small):
    led = standards(small)
    app = Harness(lambda: RecordForm(led, "aid"))
    async with app.run_test(size=(80, 24)) as pilot:
        form = await aid_form(pilot, "营养改善计划", days="80")
        assert await offered(pilot, form) == ["-", MEALS]
        await pilot.press("enter")
        await until(pilot, lambda: form.query_one("#f-amount_fen-input", Input).value == "320.00")   # 4 元 x 80


@pilot_test
async def test_notes_are_shown_before_the_form_closes(small):
    led = standards(small)
    app = Harness(lambda: RecordForm(led, "aid"))
    async with app.run_test(size=(80, 24)) as pilot:
        form = await aid_form(pilot, "义务教育寄宿生生活补助", term="2025-2026-2")   # (autumn is paid)
        form.query_one("#f-standard").set_value(JUNIOR)            # a junior school standard for a pupil
        form.query_one("#f-amount_fen-input", Input).value = "1000"
        form.query_one("#f-source-input", Select).value = "中央"
        form.query_one("#f-method-input", Select).value = "银行卡"
        await pilot.pause()
        await pilot.press("ctrl+s")
        status = form.query_one("#form-status")
        await until(pilot, lambda: "保存前请看" in str(status.render()))
        assert app.results == [] and app.screen is form
        assert "初中" in str(status.render()) and "小学" in str(status.render())
        await pilot.press("ctrl+s")                                # save anyway
        await until(pilot, lambda: app.results)
        assert led.get(app.results[0].saved_id)["standard"] == JUNIOR


@pilot_test
async def test_before_the_date_is_typed_the_term_and_that_years_situation_choose(small):
    """A payment for last spring, typed before its date, offers the standard of the primary school
    the pupil was at then; this autumn's, that of her junior school now, in her county only, and
    not one that ended years before the term."""
    led = Ledger(small)
    here, far, old = rid("standard", 5), rid("standard", 6), rid("standard", 7)

    def junior(id_, fen, **extra):
        return Change(id_, {"id": id_, "type": "standard", "schema_version": 1, "programme": "义务教育寄宿生生活补助",
                            "stage": "初中", "boarding": True, "amount_fen": fen, "unit": "年", "region": "连云港市",
                            **extra}, NEW)
    pupil = led.get(STUDENT)
    promoted = {**pupil, "stage": "初中", "grade": "七年级", "school_year": "2026-2027",
                "years": [{"school_year": "2025-2026", "school": pupil["school"], "stage": "小学", "grade": "六年级",
                           "class_name": "2班", "boarding": True}]}
    led.commit([junior(here, 125000, valid_from="2020-01-01", counties=["连云港市赣榆区"]),
                junior(far, 150000, valid_from="2020-01-01", counties=["某县"]),
                junior(old, 100000, valid_from="2015-01-01", valid_to="2019-12-31"),
                Change(STUDENT, promoted, led.version(STUDENT))], action="import", message="test: promoted")
    app = Harness(lambda: RecordForm(led, "aid"))
    async with app.run_test(size=(80, 24)) as pilot:
        form = await aid_form(pilot, "义务教育寄宿生生活补助", term="2025-2026-2")
        form.query_one("#f-paid_on-input", Input).value = ""
        await pilot.pause()
        assert await offered(pilot, form) == ["-", STANDARD]          # 小学 last year
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is form)
        form.query_one("#f-term-input", Input).value = "2026-2027-1"
        await pilot.pause()
        assert await offered(pilot, form) == ["-", here]              # 初中 now, her county, still valid
        await pilot.press("enter")
        await until(pilot, lambda: form.query_one("#f-amount_fen-input", Input).value == "625.00")   # 1250 元 / 2


@pilot_test
async def test_a_per_day_amount_follows_the_days_or_else_the_terms_calendar(small):
    """Chosen before the days are typed, a per-day standard fills the amount from the school days
    of the term's calendar; days typed after replace it, until the amount is typed by hand."""
    led = standards(small)
    calendar = rid("calendar", 1)
    # September 2026: 22 weekdays (Tuesday 1st to Wednesday 30th), less 中秋节 on Friday 25th: 21 school days.
    led.commit([Change(calendar, {"id": calendar, "type": "calendar", "schema_version": 1, "term": "2026-2027-1",
                                  "first_day": "2026-09-01", "last_day": "2026-09-30",
                                  "holidays": [{"start": "2026-09-25", "name": "中秋节"}]}, NEW)],
               action="import", message="test: calendar")
    app = Harness(lambda: RecordForm(led, "aid"))
    async with app.run_test(size=(80, 24)) as pilot:
        form = await aid_form(pilot, "营养改善计划")
        amount = form.query_one("#f-amount_fen-input", Input)
        assert await offered(pilot, form) == ["-", MEALS]
        await pilot.press("enter")
        await until(pilot, lambda: amount.value == "84.00")                 # 4 元 x 21
        form.query_one("#f-days-input", Input).focus()
        await pilot.press("2", "0")
        await until(pilot, lambda: amount.value == "80.00")                 # 4 元 x 20 typed
        amount.focus()
        await pilot.press("end", "backspace", "backspace", "backspace", "backspace", "backspace", "7", "9")
        form.query_one("#f-days-input", Input).focus()
        await pilot.press("backspace")
        await pilot.pause(0.2)
        assert amount.value == "79"                                         # typed by hand: kept
