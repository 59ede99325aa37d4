"""Keys typed ahead (a fast typist over SSH, a paste) are handled in the order typed, each one
after what the one before set off: a field left by Tab, a picker opened by Enter, its results.
Driven with Pilot on a real ledger at 80x24."""
from __future__ import annotations

import threading
import time

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from store import NEW, Change, Ledger
from store.core import i18n
from tui.app import BangfuApp
from tui.modals.record_form import RecordForm
from store.ledger.search import pinyin_order
from tui.widgets.form_support import ref_label
from test_tui_app import PLAN, SHAHE, SHIQIAO, TODAY, open_ledger, pilot_test, rid, settle, small  # noqa: F401

OTHER_PLAN = rid("plan", 2)
HALF, FULL, DAY = rid("standard", 2), rid("standard", 3), rid("standard", 4)


def more_records(path) -> None:
    """A second plan (its label sorts before the first) and more standards for the pickers."""
    led = Ledger(path)
    plan = {"id": OTHER_PLAN, "type": "plan", "schema_version": 1, "title": "城关联片教研计划",
            "status": "执行中", "period": {"start": "2026-09-01", "end": "2027-08-31"},
            "parties": [{"school": SHAHE, "role": "帮扶"}, {"school": SHIQIAO, "role": "受帮扶"}]}

    def standard(rid_, programme, stage, amount, unit):
        return {"id": rid_, "type": "standard", "schema_version": 1, "programme": programme, "stage": stage,
                "boarding": True, "amount_fen": amount, "unit": unit, "region": "连云港市",
                "valid_from": "2020-01-01"}
    led.commit([Change(OTHER_PLAN, plan, NEW),
                Change(HALF, standard(HALF, "义务教育寄宿生生活补助", "初中", 125000, "年"), NEW),
                Change(FULL, standard(FULL, "普通高中国家助学金", "高中", 200000, "年"), NEW),
                Change(DAY, standard(DAY, "营养改善计划", "小学", 400, "天"), NEW)],
               action="import", message="test: more")
    led.close()


def burst(app, *keys: str | events.Event) -> None:
    """Keys arriving in one read from the terminal. (Pilot's press() waits for the app to go idle
    after every key, which hides the very problem: these are queued all at once.)"""
    for key in keys:
        if isinstance(key, events.Event):
            app.post_message(key)
        elif len(key) == 1:
            app.post_message(events.Key(key if key.isalnum() and key.isascii() else _character_to_key(key), key))
        else:
            app.post_message(events.Key(key, {"tab": "\t", "enter": "\r"}.get(key)))


async def until(pilot, condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the interface did not get there in time")


async def new_form(pilot, page: str) -> RecordForm:
    app = pilot.app
    await pilot.press(page)
    await settle(pilot)
    await pilot.press("escape", "n")
    await until(pilot, lambda: isinstance(app.screen, RecordForm))
    await settle(pilot)
    return app.screen


def lit(form) -> list[str]:
    """The fields whose title is shown in the colour of the field with the focus."""
    focused = form.query_one(f"#{form.app.focused.id.removesuffix('-input')}")
    accent = focused.query_one(".field-title").styles.color
    return [row.id for row in form.query(".field-row") if row.query_children(".field-title")
            and row.query_children(".field-title").first().styles.color == accent]


def value(app, field: str):
    return app.screen.query_one(f"#f-{field}").value


@pilot_test
async def test_tab_between_numbers_moves_on_before_the_next_digit(small):
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "3")
        form.query_one("#f-hours-input").focus()
        await pilot.pause()
        burst(app, "1", "tab", "2", "tab", "3")
        await until(pilot, lambda: value(app, "person_times") == "3")
        assert (value(app, "hours"), value(app, "sessions")) == ("1", "2")
        assert app.focused is form.query_one("#f-person_times-input")
        # Its title is the one lit, not the form's first (once the keys typed ahead are handled).
        await until(pilot, lambda: lit(form) == ["f-person_times"])
        # A paste with tabs fills field after field, as typing it would.
        for field in ("hours", "sessions", "person_times"):
            form.query_one(f"#f-{field}-input", Input).value = ""
        form.query_one("#f-hours-input").focus()
        await pilot.pause()
        burst(app, events.Paste("4\t6\t30"))
        await until(pilot, lambda: value(app, "person_times") == "30")
        assert (value(app, "hours"), value(app, "sessions")) == ("4", "6")
        # A letter in 人次 puts its error under it and the check its line over the fields, two lines
        # more above the field five Tabs on (备注, at the window's foot): it is kept in view.
        burst(app, "x", *["tab"] * 5)
        notes, status = form.query_one("#f-notes-input"), form.query_one("#form-status")
        await until(pilot, lambda: app.focused is notes and status.display and status.region.height)
        assert form.query_one("#f-person_times").errors
        await until(pilot, lambda: form.can_view_entire(notes))   # (once a scroll under way is done)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pilot_test
async def test_a_burst_marks_and_explains_each_field_it_fills(small, lang):
    """Empty fields are marked valid from the start (not at their first key, mid-burst); a wrong
    value typed in a burst is marked and explained under its field, in the reader's language, and
    righted in the next burst; the field the burst ends on looks focused, those it passed do not;
    the form hears every key (Esc at the end of the burst asks first)."""
    i18n.set_lang(lang)
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "3")
        hours, sessions, persons = (form.query_one(f"#f-{f}-input", Input) for f in ("hours", "sessions", "person_times"))
        assert all(i.has_class("-valid") and not i.has_class("-invalid") for i in (hours, sessions, persons))
        hours.focus()
        await pilot.pause()
        focused_look, other_look = hours.styles.background_tint, sessions.styles.background_tint
        assert focused_look != other_look
        burst(app, "x", "tab", "2", "tab", "3", "escape")
        status = form.query_one("#form-status")
        await until(pilot, lambda: str(status.content) == i18n.t("forms.form.confirm_discard"))
        # Restyled for the focus once the burst is handled: only the field the focus ended on looks focused.
        await until(pilot, lambda: persons.styles.background_tint == focused_look)
        assert sessions.styles.background_tint == other_look
        assert hours.styles.background_tint not in (focused_look, other_look)   # (the tint of a wrong value)
        assert (hours.value, sessions.value, persons.value) == ("x", "2", "3")
        assert hours.has_class("-invalid") and not hours.has_class("-valid")
        assert sessions.has_class("-valid") and persons.has_class("-valid")
        wrong = {"zh": "「课时」应为数字，而不是 x", "en": '"Teaching hours" must be a number, not x'}[lang]
        assert form.query_one("#f-hours").errors == [wrong]
        assert form.query_one("#f-hours .field-error").display
        burst(app, "shift+tab", "shift+tab", "backspace", "4")
        await until(pilot, lambda: hours.value == "4" and not form.query_one("#f-hours").errors)
        assert hours.has_class("-valid") and not hours.has_class("-invalid")
        assert app.screen is form   # (the keys typed after Esc answered its question: nothing discarded)


@pilot_test
async def test_a_long_paste_is_painted_as_it_goes_not_after_every_key(small):
    """Keys typed ahead hold the frames, but a burst that outlasts the hold (a long paste, a loaded
    server) shows what is typed so far once per hold, then holds again: not a frame after each key
    (each frame held the keys after it)."""
    class Watched(BangfuApp):
        PAINT_HOLD = 0.05
        frames: list[float] = []

        def _display(self, screen, renderable) -> None:   # (a frame that reaches the terminal)
            super()._display(screen, renderable)
            if renderable is not None and not self._batch_count:
                self.frames.append(time.monotonic())

    app = Watched(open_ledger(small), today=TODAY)
    text = "送教下乡数学示范课与评课研讨活动" * 14
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "3")
        topic = form.query_one("#f-topic-input", Input)
        chooser, student = form.query_one("#f-visiting_school-input"), form.query_one("#f-student-input")

        def look(widget) -> tuple:
            return widget.styles.background_tint, widget.styles.text_style

        chooser.focus()
        await settle(pilot)
        focused_look, other_look = look(chooser), look(student)
        assert focused_look != other_look
        start = time.monotonic()
        app.frames.clear()
        burst(app, "tab", "tab", *text)   # (through the two references' buttons to 主题)
        await until(pilot, lambda: topic.value == text and not app._held_keys)
        # The buttons the burst passed through look as they do without the focus (restyled once it is over).
        await until(pilot, lambda: look(chooser) == look(student) == other_look)
        assert app.focused is topic
        done = time.monotonic()
        during = [t for t in app.frames if t < done]
        assert during, "nothing of the paste was shown while it was typed"
        assert len(during) <= (done - start) / Watched.PAINT_HOLD + 2, (len(during), done - start)


@pilot_test
async def test_chinese_typed_ahead_stays_in_its_field(small):
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "4")
        form.query_one("#f-grade-input").focus()
        await pilot.pause()
        burst(app, *"四年级", "tab", *"2班")
        await until(pilot, lambda: value(app, "class_name") == "2班")
        assert value(app, "grade") == "四年级"


@pilot_test
async def test_enter_search_enter_on_a_reference_picks_what_was_searched(small):
    more_records(small)
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "3")
        form.query_one("#f-plan-input").focus()
        await pilot.pause()
        # Unsearched, 城关联片教研计划 comes first; "dkbf" (对口帮扶) leaves only the other plan.
        burst(app, "enter", "d", "k", "b", "f", "enter")
        await until(pilot, lambda: app.screen is form and value(app, "plan"))
        assert value(app, "plan") == PLAN
        # Typed on the field without Enter: the search opens with the first letter, none lost (the
        # letters were dropped, and the host school typed there was never chosen).
        form.query_one("#f-host_school-input").focus()
        await pilot.pause()
        burst(app, "s", "h", "q", "enter")
        await until(pilot, lambda: app.screen is form and value(app, "host_school"))
        assert value(app, "host_school") == SHIQIAO
        # the search held all three letters (a first letter selected on focus was replaced by the next)
        form.query_one("#f-host_school-input").focus()
        await pilot.pause()
        burst(app, "s", "h", "q")
        await until(pilot, lambda: app.screen is not form and app.screen.shown_for == "shq")
        burst(app, "escape")


@pilot_test
async def test_down_down_in_the_standard_picker_picks_the_second_row(small):
    more_records(small)
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "5")
        form.query_one("#f-standard-input").focus()
        await pilot.pause()
        burst(app, "enter", "down", "down", "enter")
        await until(pilot, lambda: app.screen is form and value(app, "standard"))
        # The rows under "（不选）": the standards sorted by label; the second of them is chosen.
        labels = {r["id"]: ref_label(form.ledger, r["id"]) for r in form.ledger.query("standard")}
        picker_rows = sorted(labels, key=lambda i: (pinyin_order(labels[i]), labels[i]))
        assert value(app, "standard") == picker_rows[1]



class GatedSearch(Ledger):
    """A ledger whose text searches wait for the test to let them through: a search that takes
    longer than the app's patience, as on a loaded server."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.waiting: list[str] = []

    def query(self, *args, text=None, **kwargs):
        if text:
            self.waiting.append(text)
            self.gate.wait(30)
        return super().query(*args, text=text, **kwargs)


@pilot_test
async def test_enter_waits_for_a_search_slower_than_the_settle_limit(small):
    from store.privacy.acts import attach_keys
    more_records(small)
    led = GatedSearch(small)
    attach_keys(led)
    app = BangfuApp(led, today=TODAY)
    app.SETTLE_LIMIT = 0.2
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "3")
        form.query_one("#f-plan-input").focus()
        await pilot.pause()
        burst(app, "enter", "d", "k", "b", "f", "enter")
        await until(pilot, lambda: "dkbf" in led.waiting)
        # The search stays slower than the limit (a loaded server), twice over, while the picker
        # still shows the unsearched list with 城关联片教研计划 first.
        slow_since = time.monotonic()
        try:
            await until(pilot, lambda: time.monotonic() - slow_since > 2 * app.SETTLE_LIMIT)
            assert app.screen is not form and value_of_plan(form) == ""
        finally:
            led.gate.set()
        await until(pilot, lambda: app.screen is form and value(app, "plan"))
        assert value(app, "plan") == PLAN


def value_of_plan(form) -> str:
    return form.query_one("#f-plan").value


@pilot_test
async def test_initials_typed_in_a_burst_pick_the_closest_school(demo):
    """叶集区三元中学 is 三元中学 (syzx) exactly; 三元中心小学 and 三元中心学校 only begin with those
    letters and come after it, though their names sort first."""
    sanyuan = demo.query("school", short_name="三元中学")[0]["id"]
    app = BangfuApp(demo, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "4")
        form.query_one("#f-school-input").focus()
        await pilot.pause()
        burst(app, "enter", "s", "y", "z", "x", "enter")
        await until(pilot, lambda: app.screen is form and value(app, "school"))
        assert value(app, "school") == sanyuan


@pilot_test
async def test_down_from_the_filter_goes_to_the_first_match(small):
    """Seen in tmux: `/syzx`, Down Down, p (progress) typed 'p' into the filter and found nothing."""
    from tui.screens.history import HistoryScreen
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        burst(app, "slash", *"sfk", "down", "h")                # 示范课: two activities; h: its history
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        section = app.screen_stack[-2]
        assert app.screen.record_id == section.list.highlighted == section.list.ids[0]
        assert section.query_one("#filter", Input).value == "sfk" and len(section.list.ids) == 2


@pilot_test
async def test_every_tab_stop_of_a_long_form_is_a_field_or_a_button(small):
    """Shift+Tab from a form's first field went to its scrolling body, a stop nobody sees, where a
    key typed went nowhere (seen in tmux: an Enter meant for a field saved the form a stop later)."""
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(pilot, "4")
        first = app.focused
        await pilot.press("shift+tab")
        await until(pilot, lambda: app.focused is not first)
        assert app.focused.id == "form-cancel"
        await pilot.press("tab")                                # and Tab from the last button: the first field
        await until(pilot, lambda: app.focused is first)
        stops = []
        for _ in range(60):
            await pilot.press("tab")
            await settle(pilot)
            if app.focused is first:
                break
            stops.append(app.focused)
        assert app.focused is first and len(stops) > 10
        # each a field's input (f-…) or the form's own buttons, never a container
        assert [w for w in stops if not (w.id or "").startswith(("f-", "form-"))] == []
        assert all(form in w.ancestors for w in stops)
