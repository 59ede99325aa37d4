"""The text search finds what the lists show: the names of the records a record refers to (a
payment's student, an activity's plan and schools, a student's school), in Chinese and pinyin
initials, kept right when one of them is renamed. The store, the command line and the list."""
from __future__ import annotations

import subprocess
import sys

from store import Change, Ledger
from test_tui_app import (AID, STUDENT, TODAY, BangfuApp, open_ledger, pilot_test, rid,
                          section, settle, small)  # noqa: F401 (small is a fixture)


def found(led: Ledger, rtype: str, text: str, **where) -> list[str]:
    return sorted(r["id"] for r in led.query(rtype, text=text, **where))


def test_search_covers_the_names_of_referenced_records(small):
    led = Ledger(small)
    assert found(led, "aid", "马晓梅") == found(led, "aid", "mxm") == [AID]       # the student's name
    assert found(led, "student", "石桥") == found(led, "student", "sq") == [STUDENT]  # the school's name
    visits = [rid("visit", n) for n in (1, 2, 3, 4)]
    assert found(led, "visit", "石桥二小") == visits                               # host school
    assert found(led, "visit", "对口帮扶") == visits                               # the plan's title
    assert found(led, "visit", "石桥", kind="送教下乡") == [rid("visit", 1), rid("visit", 2)]
    # Renamed: the payment is found by the new name, no more by the old one.
    student = led.get(STUDENT)
    led.commit([Change(STUDENT, {**student, "name": "马小梅"}, led.version(STUDENT))], message="student: 改名")
    assert found(led, "aid", "马小梅") == [AID] and found(led, "aid", "马晓梅") == []
    led.close()


def test_cli_list_text_finds_by_the_names_shown(small):
    def listed(*args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(small), "list", *args],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert AID in listed("aid", "--text", "马晓梅")
    shown = listed("visit", "--where", "kind=送教下乡", "--text", "石桥")
    assert (rid("visit", 1) in shown, rid("visit", 2) in shown, rid("visit", 3) in shown) == (True, True, False)


@pilot_test
async def test_filter_puts_the_cursor_on_the_first_match(small):
    app = BangfuApp(open_ledger(small), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = section(app)
        await pilot.press("end")                       # the cursor on the oldest activity
        await settle(pilot)
        assert screen.list.cursor == 3
        await pilot.press("slash", *"sfk")             # 示范课: the two lessons sent
        await settle(pilot)
        assert screen.list.ids == [rid("visit", 2), rid("visit", 1)]
        assert screen.list.cursor == 0 and screen.list.highlighted == screen.list.ids[0]


def test_a_picker_lists_the_closest_names_first():
    from store.ledger.search import closeness

    schools = {"三元中心小学": ["叶集区三元乡中心小学", "三元中心小学"],
               "三元中心学校": ["叶集区三元乡中心学校", "三元中心学校"],
               "三元中学": ["叶集区三元中学", "三元中学"],
               "桥店中学": ["叶集区桥店中学", "桥店中学"]}          # found by its township, 三元乡

    def ranked(typed):
        return sorted(schools, key=lambda s: (closeness(typed, schools[s]), s))

    # A name typed whole first (as initials, as taught, as written), then names it begins.
    assert ranked("syzx") == ranked("syzhx") == ranked("三元中学") == ["三元中学", "三元中心学校", "三元中心小学", "桥店中学"]
    assert closeness("syzx", schools["三元中学"]) == (0, 4)
    assert closeness("syzx", schools["三元中心小学"]) == (1, 6)
    assert closeness("zx", schools["三元中学"]) == (2, 4)           # a run inside a name
    assert closeness("syzx", schools["桥店中学"]) == (3, 0)         # matched elsewhere
    # A word of a label typed whole ranks as a beginning: 小学 in a standard's label.
    assert closeness("小学", ["营养改善计划 小学 4.00元/天"]) == (1, 17)
    assert closeness("", schools["三元中学"]) == (3, 0)             # nothing typed: name order
