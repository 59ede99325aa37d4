"""The auditor's screen, driven with Textual's Pilot at 80x24 and 120x40 in a tiny app."""
from __future__ import annotations

import asyncio

import pytest
from textual.app import App
from textual.widgets import DataTable, Input, Static, TabbedContent

from conftest import git
from store.core import canonical, ids
from store.ledger.gitstore import Person
from tui.screens.audit import AuditScreen

MARKUP = "[bold red]不是标记[/] \x1b[31m"


class Harness(App):
    def __init__(self, ledger) -> None:
        super().__init__()
        self.ledger = ledger

    def on_mount(self) -> None:
        self.push_screen(AuditScreen(self.ledger))


async def until(pilot, condition, timeout: float = 10.0) -> None:
    """Let the app run (workers, messages) until `condition()` holds."""
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        if condition() and not any(w.is_running for w in pilot.app.workers):
            return
    raise AssertionError("the screen did not get there in time")


def body(screen: AuditScreen) -> str:
    return str(screen.query_one("#audit-detail-body", Static).render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_auditor_filters_commits_reads_field_changes_and_opens_a_finding(demo, tmp_path, size):
    school = sorted(demo.find("school"), key=lambda r: r["id"])[0]
    record = dict(school, notes=MARKUP)
    demo.put(record, base=demo.version(school["id"]), author=Person("王老师", "w@example.cn"))
    work = tmp_path / "work"                     # and a hand-made commit: one finding
    git(tmp_path, "clone", "-q", str(demo.path), str(work))
    record["township"] = "手工街道"
    (work / ids.path_of(school["id"], ids.LATEST)).write_bytes(canonical.dumps(record))
    git(work, "commit", "-qam", "by hand")
    git(work, "push", "-q", "origin", "main")
    hand = git(work, "rev-parse", "HEAD").strip()
    demo.refresh()

    asyncio.run(drive(demo, school["id"], hand, size))


async def drive(demo, school: str, hand: str, size: tuple[int, int]) -> None:
    app = Harness(demo)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        commits = screen.query_one("#audit-commits", DataTable)
        await until(pilot, lambda: commits.row_count and screen.findings)
        assert commits.row_count == len(demo.log())
        assert screen.shown[0].commit.sha == hand
        # the second row: 王老师's edit, its notes shown as typed (data, never markup)
        await pilot.press("down")
        await until(pilot, lambda: "王老师" in body(screen))
        assert "王老师" in body(screen) and "不是标记" in body(screen) and "[bold red]" in body(screen)
        # filter by author
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"王老师")
        await until(pilot, lambda: len(screen.shown) == 1)
        assert [r.commit.author for r in screen.shown] == ["王老师"]
        await pilot.press("escape")              # leave the filter box
        screen.query_one("#audit-filter", Input).value = ""
        await until(pilot, lambda: len(screen.shown) > 1)
        # the findings list: the hand-made commit; Enter opens its commit in the record's history
        await pilot.press("f")
        await until(pilot, lambda: hand[:10] in body(screen))
        assert screen.query_one("#audit-tabs", TabbedContent).active == "findings"
        findings = screen.query_one("#audit-findings", DataTable)
        assert findings.row_count == len(screen.findings) and screen.findings[0].commit_id == hand
        assert [f.kind for f in screen.findings if f.level == "error"] == ["hand_commit"]
        await pilot.press("enter")
        await until(pilot, lambda: screen.focus_record is not None)
        assert screen.query_one("#audit-tabs", TabbedContent).active == "commits"
        assert screen.focus_record == school
        assert all(school in r.records for r in screen.shown)
        assert screen.shown[commits.cursor_row].commit.sha == hand
        assert "手工街道" in body(screen)
        await pilot.press("escape")              # back to every commit
        await until(pilot, lambda: screen.focus_record is None)
        assert screen.focus_record is None and commits.row_count == len(demo.log())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_findings_name_their_records_at_80x24(demo, lang):
    """The demo's four warnings (three secondments short of their minimum, 胡晓东's boarding
    subsidy of 600.00 元 against 750.00): each row names its record as people know it, and a
    warning is not filed as an invalid record."""
    from store.core import i18n
    i18n.set_lang(lang)      # (conftest sets Chinese back after each test)
    asyncio.run(_findings(demo, lang))


async def _findings(demo, lang: str) -> None:
    app = Harness(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await until(pilot, lambda: screen.findings)
        await pilot.press("f")
        table = screen.query_one("#audit-findings", DataTable)
        rows = [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]
        assert len(rows) == 4 and all(f.level == "warning" for f in screen.findings)
        aid = next(r for r in rows if r[3].startswith("胡晓东"))
        assert not any(r[3].startswith(("visit-", "aid-")) for r in rows)
        assert aid[0] == ("需核查" if lang == "zh" else "to check")
        status = str(screen.query_one("#audit-status", Static).render())
        assert status == ("审计发现 4 项" if lang == "zh" else "4 findings")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_term_closed_shows_what_it_set_at_80x24(demo, capsys, lang):
    """Closing 2025-2026-2 changes no record, only the ledger's settings: its commit says which."""
    from conftest import run
    from store.core import i18n

    assert run(capsys, "-L", str(demo.path), "close-term", "2025-2026-2")[0] == 0
    demo.refresh()
    i18n.set_lang(lang)      # (conftest sets Chinese back after each test)
    asyncio.run(_closed(demo, lang))


async def _closed(demo, lang: str) -> None:
    app = Harness(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await until(pilot, lambda: screen.shown and "2025-2026-2" in body(screen))
        text = " ".join(body(screen).split())
        assert ("台账：学期结账 2025-2026-2" if lang == "zh" else "ledger: close term 2025-2026-2") in text
        assert ("台账设置 结账至学期：— → 2025-2026-2" if lang == "zh"
                else "ledger settings Closed through term: — → 2025-2026-2") in text
