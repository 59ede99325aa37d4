"""The first opening of a ledger without its index cache reads every record before any figure can
be worked out (15 s at a million records, then 20 s for the term's figures): the pages say what is
being done and how far, as the ledger reports it, and no line of it stays once the records are read.
The ledger's report is checked against git's own count of the record files; the pages are driven
with Pilot at 80x24 in Chinese and English, the opening held back by the ledger's own lock."""
from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sys
import threading

import pytest

from conftest import git
from test_tui_year import until
from store import Ledger
from store.core import i18n
from tui.app import BangfuApp
from tui.widgets.figure_list import FigureList

TODAY = dt.date(2026, 12, 5)


@pytest.fixture
def uncached(demo_master, tmp_path):
    """A copy of the demo ledger that has never been opened: no index cache, no remembered figures."""
    copy = tmp_path / "demo"
    shutil.copytree(demo_master, copy, symlinks=True)
    led = Ledger(copy)
    shutil.rmtree(led.cache_dir, ignore_errors=True)
    yield led
    led.close()


def test_the_ledger_says_how_far_its_first_reading_has_come(uncached):
    files = len(git(uncached.path, "ls-tree", "-r", "--name-only", "HEAD", "records").split())
    assert files > 100
    assert uncached.reading is None and not uncached.index_loaded
    counted: list[int] = [0]
    listed = uncached._listed(uncached._records_tree(uncached.git.tip()), {}, counted)
    first_listed = next(listed)
    assert uncached.reading == (0, 0)          # listing them: how many is not known yet
    pairs = [first_listed, *listed]
    assert counted == [files]
    reading = uncached._read(iter(pairs), counted[0], {}, uncached.layout)
    first = next(reading)
    assert uncached.reading == (0, files)      # every record file is to be read; none is yet
    rest = list(reading)
    assert 1 + len(rest) == files
    assert [first[0]] + [r[0] for r in rest] == [rid for rid, _blob in pairs]   # in the order asked
    assert uncached.reading == (files, files)
    # a real opening: nothing said once the index is made
    assert Ledger(uncached.path).count() == files
    opened = Ledger(uncached.path)
    opened.count()
    assert opened.reading is None


class Held:
    """The ledger's lock held by another thread, as a long first reading holds it: the pages wait."""

    def __init__(self, ledger) -> None:
        self.ledger, self.held, self.go = ledger, threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)
        self.thread.start()
        assert self.held.wait(10)

    def _hold(self) -> None:
        with self.ledger._lock:
            self.held.set()
            self.go.wait(60)

    def release(self) -> None:
        self.go.set()
        self.thread.join(10)


def plans_panel(app) -> list[str]:
    return [f.prompt.plain for f in app.home.query_one("#plans", FigureList).figures]


def year_figures(app) -> list[str]:
    return [f.prompt.plain for f in app.screen.query_one("#year-figures", FigureList).figures]


def section_bar(app) -> str:
    return str(app.screen.query_one("#section-bar").render())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dashboard_says_how_far_the_first_opening_has_come(uncached, lang):
    i18n.set_lang(lang)
    words = {
        "zh": ("正在读取…", "正在建立索引（首次打开）：已读 4,096 / 10,000 条，40%",
               "正在建立索引（首次打开）：已读 8,192 / 10,000 条，81%", "只在第一次打开（或索引缓存被删除后）需要。",
               "正在建立索引（首次打开）：正在列出记录…", "本学期已记录活动",
               "正在建立索引（首次打开）：10,000 条已全部读完，正在整理…"),
        "en": ("loading…", "making the index (first opening): 4,096 of 10,000 records read, 40%",
               "making the index (first opening): 8,192 of 10,000 records read, 81%",
               "Needed only on the first opening (or after the index cache was deleted).",
               "making the index (first opening): listing the records…", "logged this term",
               "making the index (first opening): all 10,000 records read, putting them in order…"),
    }[lang]

    async def scenario():
        held = Held(uncached)
        app = BangfuApp(uncached, today=TODAY)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await until(pilot, lambda: app.screen.id == "home")
                assert plans_panel(app) == [words[0]]     # nothing read yet: nothing to say how far
                uncached.reading = (4096, 10000)
                await until(pilot, lambda: plans_panel(app) == list(words[:2]) + [words[3]])
                uncached.reading = (8192, 10000)
                await until(pilot, lambda: plans_panel(app)[1:2] == [words[2]])
                # the activities page says it in its bar
                await pilot.press("3")
                await until(pilot, lambda: app.screen.id == "section-visit" and words[2] in section_bar(app))
                uncached.reading = (0, 0)
                await until(pilot, lambda: words[4] in section_bar(app))
                uncached.reading = (10000, 10000)
                await until(pilot, lambda: words[6] in section_bar(app))
                uncached.reading = (0, 0)
                # and the school-year view, in its figures
                await pilot.press("1")
                await until(pilot, lambda: app.screen.id == "home")
                await pilot.press("v")
                await until(pilot, lambda: app.screen.id == "year" and year_figures(app) == [words[0], words[4], words[3]])
                # the lock let go: the real opening reads every record, and the figures and the
                # list take the place of every line that said how far it had come
                uncached.reading = None
                held.release()
                await until(pilot, lambda: len(year_figures(app)) > 3)
                assert not any(w in line for line in year_figures(app) for w in words[:5] + words[6:])
                await pilot.press("escape")
                await until(pilot, lambda: app.screen.id == "home" and any(words[5] in line for line in plans_panel(app)))
                assert not any(w in line for line in plans_panel(app) for w in words[:5] + words[6:])
                await pilot.press("3")
                await until(pilot, lambda: app.screen.id == "section-visit" and not app.screen.waiting)
                assert not any(w in section_bar(app) for w in words[:5] + words[6:])
        finally:
            held.release()

    asyncio.run(scenario())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_changes_while_the_figures_are_worked_out_wait_for_them(tmp_path, lang):
    """At a million records the term's figures take 20 s: changes coming meanwhile (other
    coordinators saving) do not start more workings-out beside it, each holding hundreds of MB;
    the bar says the figures shown are being updated, and once they are done they are worked out
    once more, for the newest tip. The working-out is held back here by the ledger's own lock."""
    from test_tui_app import PLAN, SHAHE, SHIQIAO, build_ledger, open_ledger, rid
    from tui.workers import LedgerChanged

    i18n.set_lang(lang)
    words = {"zh": ("数字正在更新…", "本学期已记录活动 4 条", "本学期已记录活动 6 条"),
             "en": ("figures updating…", "4 activities logged this term", "6 activities logged this term")}[lang]
    path = build_ledger(tmp_path / "ledger")
    ledger = open_ledger(path)

    def figuring() -> int:
        """Threads working the figures out now (one cancelled by a newer request runs on to its end)."""
        def working(frame) -> bool:
            while frame is not None:
                if frame.f_code.co_name == "_figures" and frame.f_code.co_filename.endswith("home.py"):
                    return True
                frame = frame.f_back
            return False
        return sum(working(f) for f in sys._current_frames().values())

    def bar() -> str:
        return str(app.home.query_one("#term-bar").render())

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: any(words[1] in line for line in plans_panel(app)))
            await until(pilot, lambda: not figuring())
            with open_ledger(path) as other:      # another coordinator saves two activities
                for n, day in ((50, "2026-11-02"), (51, "2026-11-09")):
                    other.put({"id": rid("visit", n), "type": "visit", "schema_version": 1, "plan": PLAN,
                               "date": day, "kind": "互访", "host_school": SHIQIAO, "visiting_school": SHAHE})
                tip = other.tip
            ledger.refresh()                       # (as the app's poll does before it says so)
            held = Held(ledger)
            try:
                for n in (50, 51, 50):             # the poll would say so three times
                    app.post_message(LedgerChanged({rid("visit", n)}, tip))
                    await pilot.pause(0.05)
                await until(pilot, lambda: figuring() >= 1)
                await pilot.pause(0.3)
                assert figuring() == 1        # one working-out, held by the lock; none beside it
                await until(pilot, lambda: words[0] in bar())
                assert any(words[1] in line for line in plans_panel(app))   # the figures shown meanwhile
            finally:
                held.release()
            await until(pilot, lambda: any(words[2] in line for line in plans_panel(app)) and words[0] not in bar())
            await until(pilot, lambda: not figuring())

    app = BangfuApp(ledger, today=TODAY, poll_interval=3600)
    asyncio.run(scenario())
