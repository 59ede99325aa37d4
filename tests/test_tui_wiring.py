"""The pieces wired into the dashboard: the sync line and key (y), the conflicts of syncs on the
dashboard and their resolution field by field, the marks of a record in conflict in its section,
the auditor's view (8), export and import in each section (x, i), read-only mode, and the new
keys in the help and the palette in both languages.

Real sites cloned with `store.sync.clone` from a real bare hub in a temporary folder (the
approach of test_sync_local), driven with Textual's Pilot."""
from __future__ import annotations


import pytest
from textual.widgets import Button, DataTable, Input, RadioSet, Static

from conftest import git, school
from store.sync import remote as sync
from store.sync.conflicts import list_conflicts
from store import Ledger
from test_sync_local import edit, make_site, student
from test_tui_app import TODAY, footer_keys, lines, palette, pilot_test, settle, static_text
from tui.app import BangfuApp
from tui.modals.export import ExportDialog
from tui.modals.import_preview import ImportDialog
from tui.modals.resolve import ResolveDialog
from tui.screens.audit import AuditScreen
from tui.screens.help import HelpScreen
from tui.screens.section import SectionScreen
from tui.widgets.conflicts_panel import ConflictsPanel
from tui.widgets.sync_status import SyncStatus


@pytest.fixture
def sites(tmp_path):
    """Two sites (沙河二小, 石桥二小) of one hub, both holding a school and a student."""
    Ledger.init(tmp_path / "hub", site="县中心").close()
    a = make_site(str(tmp_path / "hub"), tmp_path / "a", "沙河二小")
    b = make_site(str(tmp_path / "hub"), tmp_path / "b", "石桥二小")
    pupil = a.put(student(a.put(school()).id)).id
    sync.sync(a)
    sync.sync(b)
    yield a, b, pupil
    a.close()
    b.close()


@pytest.fixture
def conflicted(sites):
    """Both sites changed the student's grade and notes differently; B merged, A has synced since."""
    a, b, pupil = sites
    edit(a, pupil, grade="四年级", notes="沙河二小的备注")
    edit(b, pupil, grade="五年级", notes="石桥二小的备注")
    sync.sync(a)
    assert len(sync.sync(b).conflicts) == 1
    sync.sync(a)
    return a, b, pupil


async def until(pilot, condition, timeout: float = 20.0) -> None:
    """Let the app run (workers, messages) until `condition()` holds."""
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError("the app did not get there in time")


def sync_line(app: BangfuApp) -> str:
    return static_text(app.home.query_one("#sync-status", SyncStatus))


def notes(app: BangfuApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


# -- conflicts ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pilot_test
async def test_a_conflict_waits_on_the_dashboard_and_is_resolved_field_by_field(conflicted, size):
    a, b, pupil = conflicted
    [conflict] = list_conflicts(a)
    app = BangfuApp(a, today=TODAY)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        panel = app.home.query_one("#conflicts", ConflictsPanel)
        assert panel.display and [c.id for c in panel.conflicts] == [conflict.id]
        line = panel.get_option_at_index(0).prompt.plain
        assert "⚠ 学生 王小明" in line and "年级、备注" in line
        assert "本站 沙河二小（测试员）" in line and "对方 石桥二小（测试员）" in line
        assert "待解决冲突 1 处" in sync_line(app)
        await pilot.press("enter")                       # the panel's title says Enter resolves
        await until(pilot, lambda: isinstance(app.screen, ResolveDialog))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.home)

        await pilot.press("4")                           # the students: the record is marked
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SectionScreen) and screen.list.ids == [pupil]
        assert "⚠" in lines(screen.list)[1]
        note = screen.query_one("#conflict-note", Static)
        assert note.display and "⚠ 同步冲突：年级、备注" in static_text(note)

        await pilot.press("1")
        await settle(pilot)
        panel.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResolveDialog))
        dialog = app.screen
        fields = {f.name: n for n, f in enumerate(dialog.conflict.fields)}
        grade, remark = fields["grade"], fields["notes"]
        row = dialog.query(".resolve-field")[grade]
        assert [static_text(w) for w in row.query(".resolve-values Static")][:3] == ["三年级", "四年级", "五年级"]
        row = dialog.query(".resolve-field")[remark]
        assert static_text(row.query_one(".resolve-base")) == "（无）"          # not there before
        # B made the merge: the record holds B's values, so "theirs" is chosen for now.
        assert dialog.choices() == {"grade": "theirs", "notes": "theirs"}
        await pilot.press("m")                                                   # all mine ...
        await pilot.pause()
        assert dialog.choices() == {"grade": "mine", "notes": "mine"}
        dialog.query_one(f"#choice-{remark}", RadioSet).focus()                  # ... but their notes
        await pilot.press("right", "enter")
        await pilot.pause()
        assert dialog.choices() == {"grade": "mine", "notes": "theirs"}
        assert dialog.query_one(f"#theirs-{remark}").has_class("-chosen")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is app.home and not panel.display)
        assert any("已解决" in n for n in notes(app))

    record = a.get(pupil)
    assert (record["grade"], record["notes"]) == ("四年级", "石桥二小的备注")
    assert list_conflicts(a) == []
    last = a.history(pupil)[0]
    assert last["trailers"]["Action"] == ["resolve"] and last["trailers"]["Conflict"] == [conflict.id]
    assert last["author"] == "测试员"


@pilot_test
async def test_the_conflict_line_lists_its_fields_as_english_does(conflicted):
    """--lang en read "Grade、Notes" (the Chinese enumeration comma)."""
    from store.core import i18n
    a, b, pupil = conflicted
    i18n.set_lang("en")
    try:
        app = BangfuApp(a, today=TODAY)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            line = app.home.query_one("#conflicts", ConflictsPanel).get_option_at_index(0).prompt.plain
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ResolveDialog))
    finally:
        i18n.set_lang("zh")
    assert "、" not in line and "Grade, Notes" in line, line


@pilot_test
async def test_read_only_shows_conflicts_but_neither_syncs_resolves_nor_imports(conflicted, tmp_path):
    a, b, pupil = conflicted
    edit(b, pupil, notes="后来的修改")
    sync.sync(b)
    sync.fetch(a, "hub", lambda *x: None)          # A knows there is something to receive
    tip, hub = a.tip, git(tmp_path / "hub", "rev-parse", "main")
    app = BangfuApp(a, read_only=True, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "y" not in footer_keys(app)
        assert "待接收 1" in sync_line(app)
        await pilot.press("y")
        await settle(pilot)
        assert "待接收 1" in sync_line(app) and not notes(app)
        app.home.query_one("#conflicts", ConflictsPanel).focus()
        await pilot.press("enter")                     # both values can be read ...
        await until(pilot, lambda: isinstance(app.screen, ResolveDialog))
        assert app.screen.query_one("#resolve-save", Button).disabled
        await pilot.press("ctrl+s")                    # ... nothing can be saved
        await settle(pilot)
        assert isinstance(app.screen, ResolveDialog)
        await pilot.press("escape")
        await pilot.press("4")
        await settle(pilot)
        assert "i" not in footer_keys(app) and "x" in footer_keys(app)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, SectionScreen)
        await pilot.press("x")                         # exporting reads only
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await pilot.press("escape")
        await pilot.press("8")                         # the auditor's view is for read-only users
        await until(pilot, lambda: isinstance(app.screen, AuditScreen))
    a.refresh()
    assert a.tip == tip and git(tmp_path / "hub", "rev-parse", "main") == hub
    assert len(list_conflicts(a)) == 1


# -- sync ----------------------------------------------------------------------------------

@pilot_test
async def test_the_sync_key_syncs_and_the_status_comes_back_to_zero(sites, tmp_path):
    a, b, pupil = sites
    edit(b, pupil, grade="六年级")                 # waits at the hub
    sync.sync(b)
    edit(a, pupil, notes="沙河二小补充")           # waits here
    sync.fetch(a, "hub", lambda *x: None)
    app = BangfuApp(a, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "hub：待推送 1，待接收 1" in sync_line(app)
        assert footer_keys(app)["y"] == "同步"
        await pilot.press("y")
        await until(pilot, lambda: "待推送 0，待接收 0" in sync_line(app))
        assert any(n.startswith("已与 hub 同步：收到 1 条记录的改动，送出 1 条") for n in notes(app))
        assert not any(n.severity == "error" for n in app._notifications)
    record = a.get(pupil)
    assert (record["grade"], record["notes"]) == ("六年级", "沙河二小补充")
    assert git(tmp_path / "hub", "rev-parse", "main").strip() == a.tip


# -- a ledger without remotes: audit, export, import, help, palette -----------------------

@pilot_test
async def test_without_a_remote_the_sync_key_says_how_to_add_one(ledger):
    app = BangfuApp(ledger, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "还没有远程（bangfu remote add 名称 地址）" in sync_line(app)
        await pilot.press("y")
        await until(pilot, lambda: notes(app))
        [note] = app._notifications
        assert note.severity == "warning" and "bangfu remote add 名称 地址" in str(note.message)


@pilot_test
async def test_audit_export_and_import_keys_open_their_screens(ledger, tmp_path):
    ledger.put(school())
    sheet = tmp_path / "学校.csv"
    sheet.write_text("校名,简称,学段,县（区）,城乡类别\n石桥镇第二中心小学,石桥二小,小学,某县,乡村\n", encoding="utf-8")
    app = BangfuApp(ledger, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("8")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen))
        await until(pilot, lambda: app.screen.query_one("#audit-commits", DataTable).row_count == 2)
        await pilot.press("6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SectionScreen) and screen.list.row_count == 1
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert app.screen.record_type == "school"
        await pilot.press("escape")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportDialog))
        dialog = app.screen
        dialog.query_one("#import-path", Input).value = str(sheet)
        await pilot.press("f5")
        await until(pilot, lambda: dialog.pv is not None and not dialog.query_one("#import-commit").disabled)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and screen.list.row_count == 2)
    assert ledger.log(limit=1)[0]["trailers"]["Action"] == ["import"]


@pilot_test
async def test_help_and_palette_list_the_new_keys_in_both_languages(ledger):
    app = BangfuApp(ledger, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        rows = {text: key for key, text in app.screen.rows}
        assert rows["同步"] == "y" and rows["审计"] == "8"
        await pilot.press("escape", "6")
        await settle(pilot)
        await pilot.press("question_mark")
        rows = {text: key for key, text in app.screen.rows}
        assert rows["导出"] == "x" and rows["导入"] == "i"
        await pilot.press("escape", "f2", "1")           # English
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        rows = {text: key for key, text in app.screen.rows}
        assert rows["sync"] == "y" and rows["Audit"] == "8"
        await pilot.press("escape")
        hits = await palette(pilot, *"sync")
        assert "sync" in str(hits.get_option_at_index(0).prompt)
        await pilot.press("enter", "enter")           # runs it: there is no remote, it says so
        await until(pilot, lambda: notes(app))
        assert "bangfu remote add NAME URL" in notes(app)[0]
