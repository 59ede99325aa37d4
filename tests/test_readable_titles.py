"""Commit titles are written once, the same for every reader (`aid: add …`); the dashboard reads
them in its language: the record types and the action in words, the record's own line as it is."""
from __future__ import annotations

import pytest

from store.core import i18n
from store.core.describe import readable


@pytest.fixture
def english():
    i18n.set_lang("en")
    yield
    i18n.set_lang("zh")


@pytest.mark.parametrize("title,action,shown", [
    ("aid: add 张小花 2026-10-10 500.00元", "add", "资助：新增 张小花 2026-10-10 500.00元"),
    ("batch: make 海原四中 2026-2027-1 营养改善计划 ×5 2,450.00元", "make",
     "发放批次：生成发放名单 海原四中 2026-2027-1 营养改善计划 ×5 2,450.00元"),
    ("aid: import 3 records from 春季资助.xlsx", "import", "资助：导入 3 条记录（来自 春季资助.xlsx）"),
    ("aid: import 1 record from 秋季资助.xlsx", "import", "资助：导入 1 条记录（来自 秋季资助.xlsx）"),
    ("visit/aid: edit 2 records", "edit", "活动、资助：修改 2 条记录"),
    # what a step did follows the record's line; the approver in words
    ("batch: review 海原四中 2026-2027-1 营养改善计划 ×4 2,625.00元: 移除 马国庆", "review",
     "发放批次：审核发放名单 海原四中 2026-2027-1 营养改善计划 ×4 2,625.00元：移除 马国庆"),
    ("batch: approve 海原四中 2026-2027-1 营养改善计划 ×5 2,450.00元: by 校长 周明", "approve",
     "发放批次：审批 海原四中 2026-2027-1 营养改善计划 ×5 2,450.00元：审批人 校长 周明"),
    # a notice's step and its record have one word: said once
    ("posting: notice 海原四中 2026-2027 公示 2026-09-15—2026-09-21", "notice",
     "公示：海原四中 2026-2027 公示 2026-09-15—2026-09-21"),
    # a sync's merge and a conflict resolved, as the home screen's latest changes list them
    ("ledger: merge hub: 1 record in, 1 conflict", "merge", "台账：合并 hub：收到 1 条记录，1 处冲突"),
    ("ledger: merge hub: 12 records in, 0 conflicts", "merge", "台账：合并 hub：收到 12 条记录，0 处冲突"),
    ("aid: resolve conflict 马晓梅 义务教育寄宿生生活补助 2026-2027-1 750.00元", "resolve",
     "资助：解决冲突 马晓梅 义务教育寄宿生生活补助 2026-2027-1 750.00元"),
    ("aid: 导入三条", "import", "资助：导入三条"),               # written by hand: only the type read
    ("hand edit", "", "hand edit"),                             # not Bangfu's: as it is
    ("notes: a title of someone's own", "", "notes: a title of someone's own"),
])
def test_titles_in_chinese(title, action, shown):
    assert readable(title, action) == shown


def test_titles_in_english(english):
    assert readable("aid: import 3 records from 春季资助.xlsx", "import") == "aid: import 3 records from 春季资助.xlsx"
    assert readable("aid: import 1 record from 春季资助.xlsx", "import") == "aid: import 1 record from 春季资助.xlsx"
    assert readable("batch: pay 海原四中 ×5", "pay") == "payment batch: pay 海原四中 ×5"
    assert readable("ledger: merge hub: 1 record in, 1 conflict", "merge") == "ledger: merge hub: 1 record in, 1 conflict"
    assert readable("aid: resolve conflict 马晓梅 750.00元", "resolve") == "aid: resolve conflict 马晓梅 750.00 yuan"


@pytest.mark.parametrize("title,action,shown", [
    # amounts and enumerated values read in English; names and terms as written
    ("batch: make 海原四中 2026-2027-1 营养改善计划 ×5 2,450.00元", "make",
     "payment batch: make a batch 海原四中 2026-2027-1 nutrition improvement ×5 2,450.00 yuan"),
    ("aid: add 张小花 营养改善计划 2026-2027-1 -1,250.50元", "add",
     "aid: add 张小花 nutrition improvement 2026-2027-1 -1,250.50 yuan"),
    ("standard: add 义务教育寄宿生生活补助 小学寄宿 1,000.00元/学期 2026-09-01—", "add",
     "standard: add boarding living allowance primary boarding 1,000.00 yuan/term 2026-09-01—"),
    ("batch: review 海原四中 2026-2027-1 营养改善计划 ×4 2,625.00元: 移除 马国庆", "review",
     "payment batch: review 海原四中 2026-2027-1 nutrition improvement ×4 2,625.00 yuan: remove 马国庆"),
    ("visit: edit 2026-09-15 送教下乡 沙河二小 → 石桥二小", "edit",
     "activity: edit 2026-09-15 teaching sent 沙河二小 → 石桥二小"),
    ("batch: approve 海原四中 2026-2027-1 营养改善计划 ×5 2,450.00元: by 校长 周明", "approve",
     "payment batch: approve 海原四中 2026-2027-1 nutrition improvement ×5 2,450.00 yuan: by 校长 周明"),
    ("posting: notice 海原四中 2026-2027 公示 2026-09-15—2026-09-21", "notice",
     "notice: 海原四中 2026-2027 notice 2026-09-15—2026-09-21"),
    ("hand edit 100.00元", "", "hand edit 100.00元"),           # not Bangfu's: as it is
])
def test_amounts_and_values_of_titles_in_english(english, title, action, shown):
    assert readable(title, action) == shown


# ---- the history and audit screens read titles the same way (Pilot, 80x24) -------------------

from textual.app import App  # noqa: E402
from textual.widgets import DataTable, Input, Static  # noqa: E402

from test_tui_app import open_ledger, pilot_test, rid, small  # noqa: E402,F401
from tui.screens.audit import AuditScreen  # noqa: E402
from tui.screens.history import HistoryScreen  # noqa: E402

VISIT_1 = rid("visit", 1)
TITLES = {   # the small ledger's commits, newest first, after the activity's topic was edited
    "zh": ["活动：修改 2026-09-15 送教下乡 沙河二小 → 石桥二小", "资助：导入", "资助标准：导入", "学生：导入",
           "活动：导入", "帮扶计划：导入", "学校：导入"],
    "en": ["activity: edit 2026-09-15 teaching sent 沙河二小 → 石桥二小", "aid: 导入", "standard: 导入", "student: 导入",
           "activity: 导入", "plan: 导入", "school: 导入"],
}


class Harness(App):
    def __init__(self, screen) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


async def until(pilot, condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the screen did not get there in time")


def messages(table: DataTable, column: int) -> list[str]:
    return [str(table.get_row_at(n)[column]) for n in range(table.row_count)]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pilot_test
async def test_history_and_audit_read_titles_in_the_readers_language(small, lang):
    led = open_ledger(small)
    led.put({**led.get(VISIT_1), "topic": "三年级语文公开课"}, base=led.version(VISIT_1))
    assert led.log(limit=1)[0]["title"] == "visit: edit 2026-09-15 送教下乡 沙河二小 → 石桥二小"   # as written
    i18n.set_lang(lang)
    try:
        app = Harness(HistoryScreen(led, VISIT_1))
        async with app.run_test(size=(80, 24)) as pilot:
            table = app.screen.query_one("#history-versions", DataTable)
            await until(pilot, lambda: table.row_count == 2)
            assert messages(table, 4) == [TITLES[lang][0], TITLES[lang][4]]
        app = Harness(AuditScreen(led))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            table = screen.query_one("#audit-commits", DataTable)
            await until(pilot, lambda: table.row_count >= len(TITLES[lang]))
            assert messages(table, 4)[:len(TITLES[lang])] == TITLES[lang]
            detail = screen.query_one("#audit-detail-body", Static)
            await until(pilot, lambda: TITLES[lang][0] in str(detail.render()))
            # the record the commit changed is said as what it is, beside its id
            heading = {"zh": f"活动 2026-09-15 送教下乡 沙河二小 → 石桥二小 {VISIT_1}  [修改]",
                       "en": f"activity 2026-09-15 teaching sent 沙河二小 → 石桥二小 {VISIT_1}  [edited]"}[lang]
            assert heading in str(detail.render()).splitlines()
            # the filter finds a commit by the words it is shown in
            screen.query_one("#audit-filter", Input).value = {"zh": "修改", "en": "activity: edit"}[lang]
            await until(pilot, lambda: table.row_count == 1)
            assert messages(table, 4) == [TITLES[lang][0]]
    finally:
        i18n.set_lang("zh")
        led.close()
