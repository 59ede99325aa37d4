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
    ("visit/aid: edit 2 records", "edit", "活动、资助：修改 2 条记录"),
    ("aid: 导入三条", "import", "资助：导入三条"),               # written by hand: only the type read
    ("hand edit", "", "hand edit"),                             # not Bangfu's: as it is
    ("notes: a title of someone's own", "", "notes: a title of someone's own"),
])
def test_titles_in_chinese(title, action, shown):
    assert readable(title, action) == shown


def test_titles_in_english(english):
    assert readable("aid: import 3 records from 春季资助.xlsx", "import") == "aid: import 3 record(s) from 春季资助.xlsx"
    assert readable("batch: pay 海原四中 ×5", "pay") == "payment batch: pay 海原四中 ×5"
