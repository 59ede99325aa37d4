"""The auditor's view: every commit by date, author and record type (filterable), the field
changes of the highlighted commit, the audit's findings, and a record's own history.

- The commits come from one walk of the history (`store.changes.walk`) in a worker; the
  filter narrows them by author, message, record type or record id without going back to git.
- Enter on a finding opens its commit and record: the commit list narrows to the record's
  history with the cursor on that commit. `h` shows the history of the record in view;
  Escape goes back.
- Everything from the ledger is shown as text (`rich.text.Text`), never as markup.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static, TabbedContent, TabPane

from store.history import audit
from store.core import i18n, ids
from store.core.describe import action_words, readable
from store.history.changes import Commit, describe, names_in, record_changes, record_heading, setting_changes, walk
from store.core.text import printable

from ..widgets.key_footer import KeyFooter
from ..workers import background
from .base import LedgerScreen

MAX_ROWS = 500       # newest matching commits listed; the filter finds older ones
MAX_FIELDS = 60      # field changes shown per commit


def _text(value: object, style: str = "") -> Text:
    return Text(printable(str(value)), style=style)


def _field_line(body: Text, title: str, old: str, new: str) -> None:
    """A line of a change: the field, its old value in red, its new one in green."""
    body.append("\n  ")
    body.append_text(_text(title, "italic"))
    body.append(": " if i18n.lang() == "en" else "：")
    body.append_text(_text(old, "red"))
    body.append(" → ")
    body.append_text(_text(new, "green"))


@dataclass
class Row:
    commit: Commit
    records: list[str]
    types: list[str]
    title: str           # the commit's title in the reader's words (资助：新增 … for aid: add …)
    haystack: str        # what the filter matches, lower case


def _row(c: Commit) -> Row:
    records = sorted({rid for p, _o, _n in c.record_files() if (rid := ids.id_from_path(p))})
    types = sorted({r.split("-", 1)[0] for r in records})
    title = readable(c.title, (c.trailers.get("Action") or [""])[0])
    words = [c.when, c.author, c.email, c.title, title, c.sha, *records, *(i18n.t(f"audit.rtype.{t}") for t in types)]
    return Row(c, records, types, title, " ".join(words).lower())


class AuditScreen(LedgerScreen):
    CSS_PATH = Path(__file__).with_name("audit.tcss")
    KEYS = [
        Binding("slash", "focus_filter", "audit.tui.key_filter", id="bangfu.audit.filter"),
        Binding("c", "show('commits')", "audit.tui.key_commits", id="bangfu.audit.commits"),
        Binding("f", "show('findings')", "audit.tui.key_findings", id="bangfu.audit.findings"),
        Binding("h", "record_history", "audit.tui.key_record", id="bangfu.audit.record"),
        Binding("a", "run_audit", "audit.tui.key_audit", id="bangfu.audit.run"),
        Binding("escape", "back", "audit.tui.key_back", id="bangfu.audit.back"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[Row]) -> None:
            super().__init__()
            self.rows = rows

    class Detail(Message):
        def __init__(self, key: str, body: Text) -> None:
            super().__init__()
            self.key = key
            self.body = body

    class Audited(Message):
        def __init__(self, result: audit.AuditResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self, ledger, *, id: str | None = "audit") -> None:
        super().__init__(id=id)
        self._ledger = ledger
        self.rows: list[Row] = []
        self.shown: list[Row] = []
        self.findings: list[audit.AuditFinding] = []
        self.focus_record: str | None = None     # the record whose history the list shows
        self._detail_key = ""

    @property
    def ledger(self):
        return self._ledger

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(_text(i18n.t("audit.tui.title")), id="audit-title")
        with Horizontal(id="audit-bar"):
            yield Input(placeholder=i18n.t("audit.tui.filter"), id="audit-filter")
            yield Select([(i18n.t(f"audit.rtype.{t}"), t) for t in ids.RECORD_TYPES], prompt=i18n.t("audit.tui.all_types"),
                         id="audit-type")
        with TabbedContent(id="audit-tabs", initial="commits"):
            with TabPane(i18n.t("audit.tui.commits"), id="commits"):
                yield DataTable(id="audit-commits", cursor_type="row", zebra_stripes=True)
            with TabPane(i18n.t("audit.tui.findings"), id="findings"):
                yield DataTable(id="audit-findings", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="audit-detail"):
            yield Static(_text(i18n.t("audit.tui.loading")), id="audit-detail-body")
        yield Static("", id="audit-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        commits = self.query_one("#audit-commits", DataTable)
        for key in ("col_time", "col_author", "col_record", "col_action", "col_message"):
            commits.add_column(i18n.t(f"changes.{key}"), key=key)
        findings = self.query_one("#audit-findings", DataTable)
        for key in ("col_kind", "col_commit", "col_author", "col_record", "col_message"):
            findings.add_column(i18n.t(f"changes.{key}"), key=key)
        commits.focus()
        self.reload(set())
        self.action_run_audit()

    # -- the commits ------------------------------------------------------------------------
    def reload(self, changed: set[str]) -> None:
        self._load()

    @background("audit-load")
    def _load(self) -> None:
        self.ledger.refresh()
        rows = [_row(c) for c in walk(self.ledger.git, [self.ledger.tip])]
        rows.reverse()                                  # newest first
        self.post_message(self.Loaded(rows))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self._fill()

    def _matching(self) -> list[Row]:
        words = self.query_one("#audit-filter", Input).value.lower().split()
        kind = self.query_one("#audit-type", Select).value
        out = []
        for row in self.rows:
            if self.focus_record and self.focus_record not in row.records:
                continue
            if isinstance(kind, str) and kind not in row.types:
                continue
            if all(w in row.haystack for w in words):
                out.append(row)
        return out

    def _fill(self, cursor: str | None = None) -> None:
        table = self.query_one("#audit-commits", DataTable)
        matching = self._matching()
        self.shown = matching[:MAX_ROWS]
        table.clear()
        for row in self.shown:
            c = row.commit
            action = action_words(c.trailers.get("Action", []))
            kinds = i18n.listing(i18n.t(f"audit.rtype.{t}") for t in row.types)
            table.add_row(_text(c.when), _text(c.author), _text(kinds), _text(action), _text(row.title), key=c.sha)
        status = f"{len(self.shown)}/{len(matching)}"
        if self.focus_record:
            status = i18n.t("audit.tui.history_of", record=self.focus_record) + "  " + status
        self.query_one("#audit-status", Static).update(_text(status))
        if cursor:
            index = next((i for i, r in enumerate(self.shown) if r.commit.sha == cursor), None)
            if index is not None:
                table.move_cursor(row=index)
        if self.shown:
            self._show_commit(self.shown[table.cursor_row or 0], self.focus_record)
        else:
            self._set_detail(_text(i18n.t("audit.tui.no_commit")))

    @on(Input.Changed, "#audit-filter")
    @on(Select.Changed, "#audit-type")
    def _refilter(self) -> None:
        self._fill()

    @on(DataTable.RowHighlighted, "#audit-commits")
    def _commit_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row is not None and event.cursor_row < len(self.shown):
            self._show_commit(self.shown[event.cursor_row], self.focus_record)

    def _show_commit(self, row: Row, record: str | None = None, heading: Text | None = None) -> None:
        key = f"{row.commit.sha}:{record or ''}"
        self._detail_key = key
        self._commit_detail(row, record, key, heading)

    @background("audit-detail")
    def _commit_detail(self, row: Row, record: str | None, key: str, heading: Text | None) -> None:
        c = row.commit
        schemas = self.ledger.schemas()
        body = Text()
        if heading is not None:
            body.append_text(heading)
            body.append("\n\n")
        body.append_text(_text(f"{c.sha[:10]}  {c.when}  {c.author} <{c.email}>", "bold"))
        body.append("\n")
        body.append_text(_text(row.title))
        body.append("\n")
        shown = left = 0
        names = names_in(self.ledger)
        for change in record_changes(self.ledger.git, [c], lambda _c: schemas):
            if record and change.record != record:
                continue
            if shown >= MAX_FIELDS:
                left += len(change.fields)
                continue
            body.append("\n")
            body.append_text(_text(f"{record_heading(change, self.ledger)}  "
                                   f"[{i18n.t(f'audit.action.{change.action}')}]", "bold"))
            for fc in change.fields:
                if shown >= MAX_FIELDS:
                    left += 1
                    continue
                _field_line(body, *describe(schemas, change.type, fc, names, change.new or change.old))
                shown += 1
        settings = setting_changes(self.ledger.git, c) if not record else []
        if settings:
            body.append("\n")
            body.append_text(_text(i18n.t("audit.settings"), "bold"))
        for title, old, new in settings:
            _field_line(body, title, old, new)
        if left:
            body.append("\n")
            body.append_text(_text(i18n.t("audit.tui.more", count=left)))
        self.post_message(self.Detail(key, body))

    @on(Detail)
    def _detail(self, message: Detail) -> None:
        if message.key == self._detail_key:      # an older request that arrived late is dropped
            self._set_detail(message.body)

    def _set_detail(self, body: Text) -> None:
        self.query_one("#audit-detail-body", Static).update(body)

    # -- findings ---------------------------------------------------------------------------
    def action_run_audit(self) -> None:
        self.query_one("#audit-findings", DataTable).clear()
        self.query_one("#audit-status", Static).update(_text(i18n.t("audit.tui.auditing")))
        self._audit()

    @background("audit-run")
    def _audit(self) -> None:
        self.post_message(self.Audited(audit.run(self.ledger, remember=False)))

    @on(Audited)
    def _audited(self, message: Audited) -> None:
        # Errors first, each group in history order.
        self.findings = sorted(message.result.findings, key=lambda f: f.level != "error")
        table = self.query_one("#audit-findings", DataTable)
        table.clear()
        for n, f in enumerate(self.findings):
            c = f.commit
            who = f"{c.author} {c.day}" if c else ""
            style = "bold red" if f.level == "error" else "yellow"
            table.add_row(_text(f.kind_title(), style), _text((f.commit_id or "")[:10]), _text(who),
                          _text(f.name()), _text(f.message()), key=str(n))
        count = len(self.findings)
        self.query_one("#audit-tabs", TabbedContent).get_tab("findings").label = \
            f"{i18n.t('audit.tui.findings')} ({count})"
        self.query_one("#audit-status", Static).update(
            _text(i18n.t("audit.tui.clean") if not count else i18n.t("audit.tui.findings_count", count=count)))

    def _finding_at(self, row: int | None) -> audit.AuditFinding | None:
        return self.findings[row] if row is not None and 0 <= row < len(self.findings) else None

    @on(DataTable.RowHighlighted, "#audit-findings")
    def _finding_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.query_one("#audit-tabs", TabbedContent).active == "findings":
            self._show_finding(event.cursor_row)

    @on(TabbedContent.TabActivated, "#audit-tabs")
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        # The detail follows the list on view.
        if event.pane.id == "findings":
            self._show_finding(self.query_one("#audit-findings", DataTable).cursor_row)
        else:
            table = self.query_one("#audit-commits", DataTable)
            if self.shown and table.cursor_row is not None and table.cursor_row < len(self.shown):
                self._show_commit(self.shown[table.cursor_row], self.focus_record)

    def _show_finding(self, index: int | None) -> None:
        f = self._finding_at(index)
        if f is None:
            return
        row = next((r for r in self.rows if r.commit.sha == f.commit_id), None)
        heading = _text(f.text(), "bold red" if f.level == "error" else "yellow")
        if row is None:
            self._detail_key = f"finding:{index}"
            self._set_detail(heading)
        else:
            self._show_commit(row, f.record, heading)

    @on(DataTable.RowSelected, "#audit-findings")
    def _finding_selected(self, event: DataTable.RowSelected) -> None:
        self.open_finding(event.cursor_row)

    def open_finding(self, index: int) -> None:
        """The finding's commit, in the history of its record."""
        f = self._finding_at(index)
        if f is None:
            return
        self.focus_record = f.record if f.record and ids.is_id(f.record) else None
        self.query_one("#audit-tabs", TabbedContent).active = "commits"
        self.query_one("#audit-commits", DataTable).focus()
        self._fill(cursor=f.commit_id)

    # -- actions ----------------------------------------------------------------------------
    def action_show(self, tab: str) -> None:
        self.query_one("#audit-tabs", TabbedContent).active = tab
        self.query_one(f"#audit-{tab}", DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    def action_record_history(self) -> None:
        """The history of the record in view: the finding's, or the highlighted commit's first."""
        tabs = self.query_one("#audit-tabs", TabbedContent)
        record = None
        if tabs.active == "findings":
            f = self._finding_at(self.query_one("#audit-findings", DataTable).cursor_row)
            record = f.record if f else None
        else:
            table = self.query_one("#audit-commits", DataTable)
            if self.shown and table.cursor_row is not None and table.cursor_row < len(self.shown):
                records = self.shown[table.cursor_row].records
                record = records[0] if records else None
        if record and ids.is_id(record):
            cursor = self.shown[self.query_one("#audit-commits", DataTable).cursor_row or 0].commit.sha \
                if self.shown else None
            self.focus_record = record
            tabs.active = "commits"
            self.query_one("#audit-commits", DataTable).focus()
            self._fill(cursor=cursor)

    def action_back(self) -> None:
        """Back from a record's history to all commits; from there, leave the screen."""
        if self.focus_record:
            cursor = None
            table = self.query_one("#audit-commits", DataTable)
            if self.shown and table.cursor_row is not None and table.cursor_row < len(self.shown):
                cursor = self.shown[table.cursor_row].commit.sha
            self.focus_record = None
            self._fill(cursor=cursor)
        elif self.query_one("#audit-filter", Input).has_focus:
            self.query_one("#audit-commits", DataTable).focus()
        elif len(self.app.screen_stack) > 1:
            self.app.pop_screen()
