"""Every page, its help, each section's new-record form, the batch dialog and the command palette at 80x24, in
Chinese and in English (issue 14, part 5): no words of the other language on the screen (record
data is data: a school's Chinese name stays in English mode; enumerated values are not), and no
label or value cut off or run into the next (tests/tui_overflow.py)."""
from __future__ import annotations

import re

import pytest

from store.core import i18n
from test_tui_app import app_for, open_ledger, pilot_test, settle, small  # noqa: F401
from test_tui_words import screen_text
from tui_overflow import overflow

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3001-\u303f]+")
WORD = re.compile(r"[A-Za-z][A-Za-z']{3,}")
# Words that are the same in Chinese mode: names of formats and keys, the product's own commands.
SAME_IN_CHINESE = {"English", "Excel", "xlsx", "Markdown", "HTML", "ctrl", "bangfu", "remote", "json", "JSON",
                   "pinyin", "Ctrl", "Enter", "Shift", "Esc", "Tab", "Delete", "PageUp", "PageDown", "Home",
                   "Space", "Backspace", "Insert", "space", "enter", "escape", "home", "tab", "delete",
                   "backspace", "insert", "left", "right", "down", "pageup", "pagedown", "NAME", "EDITOR",
                   "nano", "keymap", "toml", "config", "bangfu.section.new"}
ENUMS = {k.removeprefix("value.") for k in i18n.catalogue() if k.startswith("value.")}


def data_words(path) -> list[str]:
    """The Chinese text of the ledger's records, but for enumerated values (those are translated)."""
    led = open_ledger(path)
    found: list[str] = ["帮扶台账", "测试站", "测试员"]

    def walk(node) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str) and node not in ENUMS and CJK.search(node):
            found.append(node)

    for rtype in ("school", "plan", "visit", "student", "aid", "standard"):
        for record in led.query(rtype):
            walk(record)
    found += [c["title"] for c in led.log(limit=100)]   # commit messages are what their authors wrote
    led.close()
    return found


GLOSS = re.compile(r"\(([\u3400-\u9fff]+)\)")
RECORD_ID = re.compile(r"\b[a-z]+-[0-9A-HJKMNP-TV-Z]{6,}")
EMAIL = re.compile(r"\S+@\S+")                 # an author's address: git data
TITLE_TYPE = re.compile(r"\b[a-z]+(?=: )")   # a commit title's record type (`aid: 导入`): git data
COMMIT = re.compile(r"\b[0-9a-f]{10}\b")     # a commit's short id (dcaa81f2c0): git data


def foreign(text: str, lang: str, data: list[str]) -> list[str]:
    if lang == "en":
        # the stored value beside its translation ('bank card (银行卡)'), and F2's own name for Chinese
        text = GLOSS.sub(lambda m: "" if m.group(1) in ENUMS else m.group(0), text).replace("中文", "")
        return [run for run in CJK.findall(text) if not any(run in d for d in data)]
    text = TITLE_TYPE.sub("", RECORD_ID.sub("", EMAIL.sub("", COMMIT.sub("", text))))
    return [w for w in WORD.findall(text) if not re.search(r"\d", w)
            and not any(same.startswith(w) for same in SAME_IN_CHINESE)]   # (a word cut short at the edge)


async def walk(pilot, lang: str, data: list[str]) -> dict[str, list[str]]:
    app = pilot.app
    seen: dict[str, list[str]] = {}

    async def look(name: str) -> None:
        await settle(pilot)
        bad = foreign(screen_text(app), lang, data) + overflow(app)
        if bad:
            seen[name] = bad

    for page in "12345678":
        await pilot.press(page)
        await look(f"page {page}")
        await pilot.press("question_mark")
        await look(f"help {page}")
        await pilot.press("escape")
        if page in "234567":
            await pilot.press("n")
            await look(f"new {page}")
            await pilot.press("escape")
            await settle(pilot)
    await pilot.press("1", "b")
    await look("batches")
    await pilot.press("escape")
    await pilot.press("1", "ctrl+p")
    await look("palette")
    await pilot.press("escape")
    return seen


@pytest.mark.parametrize("lang", ["zh", "en"])
@pilot_test
async def test_every_screen_speaks_one_language(small, lang):
    data = data_words(small)
    i18n.set_lang(lang)
    try:
        app = app_for(small)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            seen = await walk(pilot, lang, data)
    finally:
        i18n.set_lang("zh")
    assert seen == {}
