"""The dashboard shell (tui/): home, sections, filters, detail, keys, language, read-only,
record text shown as data, live updates from another writer. Driven with Textual's Pilot
on real ledgers in temporary folders; today is pinned to 2026-11-25 (term 2026-2027-1)."""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
import subprocess
from pathlib import Path

import pytest
from textual import events
from textual.command import CommandList
from textual.widgets import Input, Static

from store.core import canonical, i18n, ids
from store import NEW, Change, Ledger
from store.privacy.acts import init_keys
from tui.app import BangfuApp
from tui.screens.help import HelpScreen, key_rows
from tui.screens.section import SectionScreen
from tui.widgets.figure_list import FigureList
from tui.widgets.record_list import RecordList

TODAY = dt.date(2026, 11, 25)
SIZES = [(80, 24), (120, 40)]
VALID_ID = "11010519491231002X"


def rid(record_type: str, n: int) -> str:
    """A fixed record id (so screenshots do not change from run to run)."""
    return f"{record_type}-01JC{n:022d}"


SHAHE, SHIQIAO, PLAN = rid("school", 1), rid("school", 2), rid("plan", 1)
STUDENT, STANDARD, AID = rid("student", 1), rid("standard", 1), rid("aid", 1)


def records() -> list[dict]:
    def school(n, name, short, **extra):
        return {"id": rid("school", n), "type": "school", "schema_version": 1, "name": name, "short_name": short,
                "stage": "小学", "county": "连云港市赣榆区", "area": "乡村", **extra}

    def visit(n, day, kind, **extra):
        return {"id": rid("visit", n), "type": "visit", "schema_version": 1, "plan": PLAN, "date": day,
                "kind": kind, "host_school": SHIQIAO, "visiting_school": SHAHE, **extra}

    return [
        school(1, "沙河镇第二中心小学", "沙河二小", area="镇区",
               headcount={"classes": 24, "teachers": 50, "students": 1247, "counted_on": "2026-09-01"}),
        school(2, "石桥镇第二中心小学", "石桥二小",
               headcount={"classes": 20, "teachers": 42, "students": 979, "counted_on": "2026-09-01"}),
        {"id": PLAN, "type": "plan", "schema_version": 1, "title": "沙河二小对口帮扶石桥二小计划（2026—2027学年）",
         "status": "执行中", "period": {"start": "2026-09-01", "end": "2027-08-31"},
         "parties": [{"school": SHAHE, "role": "帮扶", "dimensions": ["师资", "教学"]},
                     {"school": SHIQIAO, "role": "受帮扶"}],
         "targets": [
             {"key": "sent", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时", "per": "学期"},
             {"key": "lectures", "metric": "专题讲座", "comparison": ">=", "value": 2, "unit": "次", "per": "学期"},
             {"key": "visits", "metric": "互访", "comparison": ">=", "value": 1, "unit": "次", "per": "月"}]},
        visit(1, "2026-09-15", "送教下乡", hours=4, topic="三年级语文示范课"),
        visit(2, "2026-10-20", "送教下乡", hours=3, topic="五年级数学示范课"),
        visit(3, "2026-10-28", "专题讲座", topic="新课标解读"),
        visit(4, "2026-09-05", "互访", topic="调研教学与管理现状"),
        {"id": STUDENT, "type": "student", "schema_version": 1, "name": "马晓梅", "sex": "女", "school": SHIQIAO,
         "stage": "小学", "grade": "五年级", "class_name": "2班", "boarding": True, "groups": ["建档立卡", "留守"],
         "difficulty": "特别困难", "identity": {"id_number": VALID_ID},
         "events": [{"date": "2025-09-05", "event": "认定", "reason": "建档立卡户"}]},
        {"id": STANDARD, "type": "standard", "schema_version": 1, "programme": "义务教育寄宿生生活补助",
         "stage": "小学", "boarding": True, "amount_fen": 100000, "unit": "年", "region": "连云港市",
         "valid_from": "2020-01-01"},
        {"id": AID, "type": "aid", "schema_version": 1, "student": STUDENT, "programme": "义务教育寄宿生生活补助",
         "term": "2026-2027-1", "amount_fen": 50000, "standard": STANDARD, "paid_on": "2026-10-15",
         "source": "中央", "method": "银行卡", "voucher": "GY-2026-001"},
    ]


def _git(path: Path, *args: str, env: dict | None = None, stdin: bytes | None = None) -> str:
    import os
    proc = subprocess.run(["git", "--git-dir", str(path), *args], capture_output=True, input=stdin,
                          env={**os.environ, **(env or {})}, check=True)
    return proc.stdout.decode()


def pin_dates(path: Path) -> None:
    """Rewrite the ledger's commits with fixed dates (git commit-tree), so that what the
    dashboard shows of them is the same on every run."""
    parent = None
    for n, commit in enumerate(_git(path, "rev-list", "--reverse", "main").split()):
        stamp = f"2026-11-20T{9 + n:02d}:30:00+08:00"
        env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_NAME": "测试员",
               "GIT_COMMITTER_NAME": "测试员", "GIT_AUTHOR_EMAIL": "tester@example.cn",
               "GIT_COMMITTER_EMAIL": "tester@example.cn"}
        message = subprocess.run(["git", "--git-dir", str(path), "cat-file", "commit", commit], capture_output=True,
                                 check=True).stdout.split(b"\n\n", 1)[1]
        tree = _git(path, "rev-parse", f"{commit}^{{tree}}").strip()
        parents = ["-p", parent] if parent else []
        parent = _git(path, "commit-tree", tree, *parents, env=env, stdin=message).strip()
    _git(path, "update-ref", "refs/heads/main", parent)


def build_ledger(path: Path) -> Path:
    """A small Chinese ledger: two schools, a plan with targets, four activities, a student,
    a standard and a payment; commits dated 2026-11-20."""
    led = Ledger.init(path, site="测试站", name="帮扶台账")
    init_keys(led)
    by_type: dict[str, list[dict]] = {}
    for record in records():
        by_type.setdefault(record["type"], []).append(record)
    for rtype in ("school", "plan", "visit", "student", "standard", "aid"):
        led.commit([Change(r["id"], r, NEW) for r in by_type[rtype]], action="import", message=f"{rtype}: 导入")
    led.close()
    pin_dates(path)
    return path


def open_ledger(path: Path) -> Ledger:
    from store.privacy.acts import attach_keys
    led = Ledger(path)
    attach_keys(led)
    return led


@pytest.fixture
def small(tmp_path) -> Path:
    return build_ledger(tmp_path / "ledger")


def pilot_test(test):
    """Run an async Pilot test (one event loop per test)."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))
    return run


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and their answers be shown."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def app_for(path: Path, **options) -> BangfuApp:
    return BangfuApp(open_ledger(path), today=TODAY, **options)


async def palette(pilot, *keys: str) -> CommandList:
    """Open the command palette, type keys, wait for its hits."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*keys)
    hits = pilot.app.screen.query_one(CommandList)
    for _ in range(40):
        await asyncio.sleep(0.05)
        if hits.option_count:
            break
    return hits


def section(app) -> SectionScreen:
    assert isinstance(app.screen, SectionScreen)
    return app.screen


def lines(record_list: RecordList) -> list[str]:
    """What the list shows, line by line (header first)."""
    return [record_list.render_line(y).text for y in range(record_list.page_height + 1)]


def static_text(widget: Static) -> str:
    return str(widget.render())


def footer_keys(app) -> dict[str, str]:
    return {b.key: b.description for _k, (_n, b, enabled, _t) in app.screen.active_bindings.items()
            if enabled and b.show}


# -- opening and the dashboard ---------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
@pilot_test
async def test_home_shows_plan_progress_and_aid(small, size):
    app = app_for(small)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.title == "帮扶台账 · 测试站"
        bar = static_text(app.screen.query_one("#term-bar"))
        assert "学期 2026-2027-1" in bar and "本学期" in bar
        plans = [f.prompt.plain for f in app.screen.query_one("#plans", FigureList).figures]
        assert plans[0].startswith("沙河二小对口帮扶石桥二小计划")
        assert any("送教下乡" in p and "7/10课时" in p for p in plans)      # 4 + 3 hours
        assert any("专题讲座" in p and "1/2次" in p for p in plans)
        assert any("互访" in p and "1/2 个月" in p for p in plans)        # Sep yes, Oct no; Nov under way
        # November is under way on 11-25: not yet a month with nothing logged
        assert not any("无活动记录的月份" in p for p in plans)
        aid = [f.prompt.plain for f in app.screen.query_one("#aid", FigureList).figures]
        assert any(p.strip().startswith("在册") and "1 人" in p for p in aid)
        assert any("义务教育寄宿生生活补助" in p and "500.00" in p for p in aid)
        changes = [f.prompt.plain for f in app.screen.query_one("#changes", FigureList).figures]
        assert changes[0].startswith("11-20 15:30 ") and "测试员" in changes[0] and "资助：导入" in changes[0]


@pytest.mark.parametrize("lang,said", [("zh", "1 条记录无法读取"), ("en", "1 record could not be read")])
@pilot_test
async def test_home_lists_a_record_file_that_cannot_be_read(small, lang, said):
    """A record file broken by a hand edit or a bad merge: the dashboard says its figures lack it."""
    visit = next(r["id"] for r in records() if r["type"] == "visit")
    path = ids.path_of(visit, ids.LATEST)
    led = Ledger(small)
    g = led.git
    tree = g.write_tree(g.commit_tree(led.tip), {path: g.write("blob", b'{"id": "' + visit.encode() + b'", "kind": ')})
    from store.ledger.gitstore import Person
    assert g.swap_ref(g.make_commit(tree, [led.tip], Person("手工", "hand@example.cn"), "hand edit"), led.tip, "t")
    led.close()
    i18n.set_lang(lang)
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        plans = [f.prompt.plain for f in app.screen.query_one("#plans", FigureList).figures]
        assert said in plans[0] and plans[1].strip() == path, plans[:3]
        assert any(("送教下乡" if lang == "zh" else "teaching sent") in p for p in plans)   # the other figures are still there


@pilot_test
async def test_a_figure_opens_the_records_behind_it(small):
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#plans", FigureList)
        target = next(n for n, f in enumerate(panel.figures) if "送教下乡" in f.prompt.plain)
        panel.focus()
        panel.highlighted = target
        await pilot.press("enter")
        await settle(pilot)
        screen = section(app)
        assert screen.record_type == "visit"
        assert sorted(screen.list.ids) == [rid("visit", 1), rid("visit", 2)]
        assert "来自首页" in static_text(screen.query_one("#section-bar"))
        await pilot.press("escape")      # back to every activity
        await settle(pilot)
        assert len(screen.list.ids) == 4


@pilot_test
async def test_term_keys_change_the_term(small):
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.term == "2025-2026-2"
        assert "学期 2025-2026-2" in static_text(app.screen.query_one("#term-bar"))
        plans = [f.prompt.plain for f in app.screen.query_one("#plans", FigureList).figures]
        assert plans == ["本学期没有执行中的帮扶计划。"]
        await pilot.press("t")           # the picker offers the terms with data, newest first
        await settle(pilot)
        picker = app.screen.query_one("#pick-list")
        assert picker.get_option_at_index(0).id == "2026-2027-2"
        picker.highlighted = 1
        await pilot.press("enter")
        await settle(pilot)
        assert app.term == "2026-2027-1"


@pilot_test
async def test_a_plan_opens_its_progress_on_the_dashboard(small):
    writer = open_ledger(small)
    old = rid("plan", 2)
    writer.put({"id": old, "type": "plan", "schema_version": 1, "title": "沙河二小对口帮扶石桥二小计划（2006—2007学年）",
                "status": "已总结", "period": {"start": "2006-09-01", "end": "2007-08-31"},
                "parties": [{"school": SHAHE, "role": "帮扶"}, {"school": SHIQIAO, "role": "受帮扶"}],
                "targets": [{"key": "sent", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时",
                             "per": "学期"}]})
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        screen = section(app)
        screen.list.move_to(old)
        await pilot.press("p")
        await settle(pilot)
        assert app.screen is app.home and app.term == "2006-2007-2"      # the plan's last term
        panel = app.home.query_one("#plans", FigureList)
        assert app.focused is panel and panel.figures[panel.highlighted].ids == (old,)
        assert any("送教下乡" in f.prompt.plain and "0/10课时" in f.prompt.plain for f in panel.figures)


# -- sections ------------------------------------------------------------------------------

@pilot_test
async def test_every_section_lists_its_records(small):
    app = app_for(small)
    expected = {"2": ("plan", 1), "3": ("visit", 4), "4": ("student", 1), "5": ("aid", 1), "6": ("school", 2),
                "7": ("standard", 1)}
    async with app.run_test(size=(80, 24)) as pilot:
        for key, (rtype, count) in expected.items():
            await pilot.press(key)
            await settle(pilot)
            screen = section(app)
            assert (screen.record_type, screen.list.row_count) == (rtype, count)
            assert screen.detail.record_id == screen.list.highlighted is not None
        await pilot.press("1")
        assert app.screen is app.home


@pilot_test
async def test_filter_matches_text_and_pinyin_initials(small):
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # "6/shq" in one burst from the dashboard, as a fast typist's keys arrive over SSH: the
        # schools page opens and the filter has the focus before the letters are routed.
        for key in ("6", "slash", "s", "h", "q"):
            app.post_message(events.Key(key, "/" if key == "slash" else key))
        await settle(pilot)
        screen = section(app)
        assert screen.record_type == "school"
        assert app.focused is screen.query_one("#filter", Input)
        assert screen.query_one("#filter", Input).value == "shq"
        assert screen.list.ids == [SHIQIAO]
        assert "显示 1 / 2 条" in static_text(screen.query_one("#section-bar"))
        assert "石桥镇第二中心小学" in lines(screen.list)[1]
        await pilot.press("escape")
        await settle(pilot)
        assert screen.list.row_count == 2 and app.focused is screen.list
        await pilot.press("slash", *"zzz")
        await settle(pilot)
        assert screen.list.row_count == 0
        assert "没有符合条件的记录" in lines(screen.list)[1]
        await pilot.press("slash", "2")               # in the filter "/" and digits are text
        assert screen.query_one("#filter", Input).value == "zzz/2" and app.screen is screen
        screen.query_one("#filter", Input).select_all()
        await pilot.press("slash")                    # a selection is replaced, as by any character
        assert screen.query_one("#filter", Input).value == "/"


@pytest.mark.parametrize("lang, partial, whole, note", [
    ("zh", "显示 0 / 2 条，另有 2 条尚未检索（搜索索引正在建立）", "显示 1 / 2 条", "尚未检索"),
    ("en", "showing 0 of 2, 2 not searched yet (the search index is being made)", "showing 1 of 2", "not searched")],
    ids=["zh", "en"])
@pilot_test
async def test_a_filter_while_the_search_index_is_made_says_what_it_did_not_see_then_finds_all(small, lang, partial,
                                                                                                 whole, note):
    """A fresh index cache at a million records made its text index before answering the first
    keystroke: minutes. The filter now answers from the records whose text is made, the bar says
    how many it did not see while the rest is made, and then it asks again and finds them all."""
    import sqlite3

    i18n.set_lang(lang)
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)            # (the list, then its text index made)
        screen = section(app)
        bars: list[str] = []
        shown = screen._update_bar

        def watched() -> None:
            shown()
            bars.append(static_text(screen.query_one("#section-bar")))
        screen._update_bar = watched
        # Another process makes the index file anew (its cache was deleted): no search texts yet.
        db = sqlite3.connect(app.ledger._cache_path())
        with db:
            db.execute("DELETE FROM texts")
            db.execute("INSERT INTO text_chars (text_chars) VALUES ('delete-all')")
            db.execute("DELETE FROM meta WHERE key LIKE 'texts%'")
        db.close()
        await pilot.press("slash", "s", "h", "q")
        await settle(pilot)
        assert any(partial in bar for bar in bars)
        assert screen.list.ids == [SHIQIAO]
        assert whole in bars[-1] and note not in bars[-1]


@pilot_test
async def test_pinyin_initials_find_the_enumerated_values_shown(small):
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "slash", *"sjxx")
        await settle(pilot)
        screen = section(app)
        assert sorted(screen.list.ids) == [rid("visit", 1), rid("visit", 2)]
        assert all("送教下乡" in lines(screen.list)[y] for y in (1, 2))
        # Chinese mode reads letters as pinyin: the English of a value finds nothing here.
        screen.query_one("#filter", Input).value = ""
        await pilot.press(*"teaching")
        await settle(pilot)
        assert screen.list.row_count == 0


@pilot_test
async def test_sort_key_cycles_columns_and_reverses(small):
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = section(app)
        assert screen.list.ids[0] == rid("visit", 3)            # newest first
        await pilot.press("S")
        await settle(pilot)
        assert screen.list.ids[0] == rid("visit", 4)            # oldest first
        await pilot.press("s")                                   # by kind
        await settle(pilot)
        assert "按类型升序排列" in static_text(screen.query_one("#section-bar"))
        assert lines(screen.list)[0].startswith("日期     ") and "类型 ↑" in lines(screen.list)[0]
        kinds = [app.ledger.index.get(i)["kind"] for i in screen.list.ids]
        assert kinds == ["互访", "送教下乡", "送教下乡", "专题讲座"]   # in pinyin order (hu, song, zhuan)


@pilot_test
async def test_detail_shows_titles_names_money_and_masked_ids(small):
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        student = static_text(section(app).detail.query_one(Static))
        assert "居民身份证号  1101**********002X" in student
        assert VALID_ID not in student
        assert "学校  石桥二小" in student and SHIQIAO not in student     # a reference shows as a name
        assert "特殊群体  建档立卡、留守" in student and "寄宿  是" in student
        assert "资助状态（2026-11-25）  在册" in student
        await pilot.press("5")
        await settle(pilot)
        aid = static_text(section(app).detail.query_one(Static))
        assert "金额  500.00 元" in aid and "学生  马晓梅" in aid
        assert "资助标准  义务教育寄宿生生活补助 小学寄宿 1,000.00元/年" in aid and STANDARD not in aid
        await pilot.press("2")
        await settle(pilot)
        plan = static_text(section(app).detail.query_one(Static))
        assert "帮扶期限" in plan and "开始  2026-09-01" in plan
        assert "1.  学校 沙河二小 · 角色 帮扶 · 帮扶内容 师资、教学" in plan


@pilot_test
async def test_moving_the_cursor_updates_the_detail(small):
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = section(app)
        first = screen.detail.record_id
        await pilot.press("down")
        await pilot.pause()
        assert screen.detail.record_id == screen.list.ids[1] != first
        await pilot.press("end")
        await pilot.pause()
        assert screen.detail.record_id == screen.list.ids[-1]


# -- keys, help, palette, language ------------------------------------------------------------

@pilot_test
async def test_every_binding_has_an_id_and_help_lists_the_keys(small):
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        from tui.screens.home import HomeScreen
        from tui.screens.pick import PickScreen
        declared = [*BangfuApp.KEYS, *HomeScreen.KEYS, *SectionScreen.KEYS, *RecordList.BINDINGS, *FigureList.KEYS,
                    *PickScreen.KEYS, *HelpScreen.KEYS]
        assert all(b.id and b.id.startswith("bangfu.") for b in declared)
        assert len({b.id for b in declared}) == len(declared)
        shown = [b for (_n, b, _e, _t) in app.screen.active_bindings.values() if b.show]
        assert shown and all(b.id for b in shown)
        shown = footer_keys(app)
        assert shown["n"] == "新建" and shown["e"] == "编辑" and shown["slash"] == "筛选"
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = dict((text, key) for key, text in app.screen.rows)
        assert rows["新建"] == "n" and rows["倒序"] == "S" and rows["帮助"] == "? / F1" and rows["学校"] == "6"
        await pilot.press("1")                  # a page key with a dialog open does not move the page under it
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SectionScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


def test_keys_can_be_remapped_by_binding_id(small, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "config" / "bangfu").mkdir(parents=True)
    (tmp_path / "config" / "bangfu" / "keymap.toml").write_text('"bangfu.section.sort" = "o"\n'
                                                               '"bangfu.go.school" = "f5,f6"\n', encoding="utf-8")
    _remapped(small)


@pilot_test
async def _remapped(small):
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert section(app).sort_column == 1
        await pilot.press("f6")                         # a page key given two keys by the keymap
        await settle(pilot)
        assert section(app).record_type == "school"
        assert ("F5 / F6", "学校") in key_rows(app.screen)
        # Under a dialog the palette offers no page: choosing one would leave the dialog behind.
        await pilot.press("n")
        await settle(pilot)
        hits = await palette(pilot, "x", "x")
        assert "按键" not in str(hits.get_option_at_index(0).prompt)


@pilot_test
async def test_command_palette_finds_screen_actions_by_pinyin(small):
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = section(app)
        assert screen.sort_reverse is True
        await palette(pilot, "d", "x")                 # 倒序
        await pilot.press("enter", "enter")             # highlight the best hit, run it
        await settle(pilot)
        assert app.screen is screen and screen.sort_reverse is False
        # The pages too, even when the palette is opened while typing in the filter.
        await pilot.press("slash", "x")
        assert app.focused is screen.query_one("#filter", Input)
        hits = await palette(pilot, "x", "x")           # 学校 (page 6)
        assert "按键 6" in str(hits.get_option_at_index(0).prompt)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert section(app).record_type == "school"
        await pilot.press("question_mark")              # the help lists the page keys
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and dict((t, k) for k, t in app.screen.rows)["学校"] == "6"


@pilot_test
async def test_english_interface(small):
    i18n.set_lang("en")
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "Term 2026-2027-1" in static_text(app.screen.query_one("#term-bar"))
        assert footer_keys(app)["left_square_bracket"] == "previous term"
        await pilot.press("3")
        await settle(pilot)
        screen = section(app)
        assert static_text(screen.query_one("#section-bar")).startswith("Activities  school year 2026-2027 · showing 4 of 4")
        assert lines(screen.list)[0].startswith("Date ↓")
        assert footer_keys(app)["n"] == "new"
        assert "Activity type  lecture" in static_text(screen.detail.query_one(Static))   # stored as 专题讲座


@pilot_test
async def test_language_switches_while_running(small):
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("slash", "s", "f", "k")         # 示范课
        await settle(pilot)
        screen = section(app)
        assert screen.list.row_count == 2
        await pilot.press("f2")
        await settle(pilot)
        assert footer_keys(app).get("n") == "new"
        assert static_text(screen.query_one("#section-bar")).startswith("Activities")
        assert screen.query_one("#filter", Input).value == "sfk"   # what was typed survives
        assert screen.list.row_count == 2
        await pilot.press("f2")
        await settle(pilot)
        assert footer_keys(app).get("n") == "新建"


@pilot_test
async def test_edit_keys_open_the_record_dialogs(small):
    from tui.modals.record_form import RecordForm
    from tui.screens.history import HistoryScreen
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = section(app)
        current = screen.list.highlighted
        for key, kind, mode in (("n", RecordForm, "new"), ("e", RecordForm, "edit"), ("h", HistoryScreen, None)):
            await pilot.press(key)
            await settle(pilot, rounds=1)
            assert isinstance(app.screen, kind)
            if mode:
                assert (app.screen.record_type, app.screen.mode) == ("visit", mode)
                assert (app.screen.record_id == current) == (mode == "edit")
            app.pop_screen()
            await pilot.pause()
        assert app.screen is screen


# -- read-only, safety -------------------------------------------------------------------------

@pilot_test
async def test_read_only_disables_every_edit(small):
    app = BangfuApp(Ledger(small, read_only=True), read_only=True, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = section(app)
        shown = footer_keys(app)
        assert not {"n", "e", "c", "d", "r"} & set(shown)
        assert shown["h"] == "历史"                      # auditors read the history
        assert "只读" in app.format_title(app.title, "").plain
        for key in "necdr":
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen
        assert app.ledger.count("visit") == 4


@pilot_test
async def test_record_text_is_shown_as_data_never_markup(small):
    writer = open_ledger(small)
    names = ["[bold red]x[/]", "[@click=app.quit]y[/]", "\x1b[31m红\x1b[0m"]
    for n, name in enumerate(names):   # one commit each: the commit titles carry the names too
        writer.put({"id": rid("school", 10 + n), "type": "school", "schema_version": 1, "name": name,
                    "stage": "小学", "county": "某县", "area": "乡村"})
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        changes = [f.prompt.plain for f in app.home.query_one("#changes", FigureList).figures]
        assert "[31m红" in changes[0] and "\x1b" not in changes[0]   # the store already blanks ESC in titles
        assert "[@click=app.quit]y[/]" in changes[1]
        assert "[bold red]x[/]" in changes[2]
        await pilot.press("6")
        await settle(pilot)
        screen = section(app)
        shown = "\n".join(lines(screen.list))
        assert "[bold red]x[/]" in shown and "[@click=app.quit]y[/]" in shown
        assert "\\x1b[31m红\\x1b[0m" in shown and "\x1b" not in shown
        screen.list.move_to(rid("school", 11))
        await pilot.pause()
        assert "[@click=app.quit]y[/]" in static_text(screen.detail.query_one(Static))
        await pilot.click(RecordList, offset=(2, 1 + screen.list.cursor))
        await pilot.click("#detail", offset=(3, 0))
        await pilot.pause()
        assert app.is_running and app.screen is screen


# -- live updates and errors ----------------------------------------------------------------------

@pilot_test
async def test_another_writer_shows_up_within_two_seconds(small):
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = section(app)
        await pilot.press("slash", "s")                  # the user is typing a filter
        await settle(pilot)
        before = screen.list.row_count
        writer = open_ledger(small)
        new = rid("visit", 9)
        writer.put({"id": new, "type": "visit", "schema_version": 1, "plan": PLAN, "date": "2026-11-24",
                    "kind": "送教下乡", "hours": 2, "host_school": SHIQIAO, "visiting_school": SHAHE,
                    "topic": "送教：四年级数学"})
        for _ in range(25):
            await asyncio.sleep(0.1)
            if new in screen.list.ids:
                break
        await settle(pilot)
        assert new in screen.list.ids and screen.list.row_count == before + 1
        assert app.focused is screen.query_one("#filter", Input)
        assert screen.query_one("#filter", Input).value == "s"
        app.switch_mode("home")            # (keys typed now would go into the filter)
        await settle(pilot)
        plans = [f.prompt.plain for f in app.home.query_one("#plans", FigureList).figures]
        assert any("送教下乡" in p and "9/10课时" in p for p in plans)
        changes = [f.prompt.plain for f in app.home.query_one("#changes", FigureList).figures]
        assert "送教下乡" in changes[0]


@pilot_test
async def test_a_failing_background_read_is_a_message_not_a_crash(small):
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        (small / "refs" / "heads" / "main").unlink()    # the branch vanished under us
        (small / "packed-refs").unlink(missing_ok=True)
        await asyncio.sleep(2.5)                        # two polls fail: one message
        await settle(pilot)
        assert app.is_running
        [note] = [n for n in app._notifications if n.severity == "error"]
        assert "crash.log" in note.message and "Traceback" not in note.message


def commit_unchecked(path: Path, records: list[dict]) -> None:
    """Records committed the way plain git would, past every check (`bangfu validate` names them)."""
    with Ledger(path) as ledger:
        files = {ids.path_of(r["id"], ids.LATEST): ledger.git.write("blob", canonical.dumps(r)) for r in records}
        tree = ledger.git.write_tree(ledger.git.commit_tree(ledger.tip), files)
        commit = ledger.git.make_commit(tree, [ledger.tip], ledger.author(), "hand edit")
        assert ledger.git.swap_ref(commit, ledger.tip, "hand edit")


@pilot_test
async def test_records_the_schema_would_refuse_do_not_stop_the_dashboard(small):
    with Ledger(small) as ledger:
        plan = ledger.get(PLAN)
        visit = next(iter(ledger.records("visit")))
    plan["targets"][0]["value"] = "十"                          # text where a number belongs
    odd = {**plan, "id": rid("plan", 9), "title": "手工编辑的计划", "targets": ["每月一次"]}   # not even objects
    with Ledger(small) as ledger:
        aid, standard = next(iter(ledger.records("aid"))), next(iter(ledger.records("standard")))
    commit_unchecked(small, [plan, odd, {**visit, "hours": "四"}, {**aid, "days": "3"},
                             {**standard, "amount_fen": "一千"}])
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await asyncio.sleep(0.3)
        await settle(pilot)
        # The plans' figures cannot be worked out: said once, and the rest of the dashboard is there.
        changes = [f.prompt.plain for f in app.home.query_one("#changes", FigureList).figures]
        assert changes and "hand edit" in changes[0]
        messages = [n.message for n in app._notifications]
        assert len(messages) == 1 and "Traceback" not in messages[0]
        for panel in ("plans", "aid"):
            [line] = app.home.query_one(f"#{panel}", FigureList).figures
            assert "bangfu validate" in line.prompt.plain
    # Without the record that is not even readable, the figures are worked out; the target whose
    # value is text cannot be judged, the visit's hours in text count as none.
    commit_unchecked(small, [{**odd, "targets": []}])
    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        plans = [f.prompt.plain for f in app.home.query_one("#plans", FigureList).figures]
        assert any("送教下乡 ≥?课时" in p and "指标数值不是数字" in p for p in plans), plans
        aid_lines = [f.prompt.plain for f in app.home.query_one("#aid", FigureList).figures]
        assert any("没有可核对的标准 1 笔" in p for p in aid_lines), aid_lines   # its standard's amount is text
        assert not app._notifications


@pilot_test
async def test_the_footer_shows_the_keys_of_the_last_focus_after_a_burst_of_focus_changes(small):
    """The footer is rebuilt once for a burst of changes to the bindings (each rebuild held the
    dashboard's frames after its first paint): after focus moves back and forth in one go, it shows
    the keys of where the focus ended, both ways."""
    from textual.widgets._footer import FooterKey

    def shown() -> set[str]:
        return {k.action for k in app.screen.query(FooterKey) if not k.has_class("-command-palette")}

    def bound() -> set[str]:
        return {b.action for _k, (_n, b, _enabled, _t) in app.screen.active_bindings.items() if b.show}

    app = app_for(small)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = section(app)
        typed = screen.query_one("#filter", Input)
        ends = {}
        for last, other in ((typed, screen.list), (screen.list, typed)):
            for widget in (last, other, last, other, last):
                screen.set_focus(widget)
            await settle(pilot)
            assert app.focused is last and shown() == bound()
            ends[last] = shown()
        assert ends[typed] != ends[screen.list]
