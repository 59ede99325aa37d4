"""The history of one record: the commits that touched it (who, when, what), the field-by-field
difference between any two versions, and "restore this version" as a new commit."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from store.rules import formmodel as fm
from store.core import i18n, ids
from store.core.describe import action_words, label, readable
from store.core.errors import BangfuError
from store.core.text import printable
from tui.modals.confirm import ConfirmDialog
from tui.widgets.form_support import FORMS_CSS, data, localize, ref_label
from tui.widgets.key_footer import KeyFooter


def when(entry: dict) -> str:
    """'2006-10-12 14:03' from the commit's ISO date."""
    return entry.get("date", "")[:16].replace("T", " ")


def _text(value: object) -> Text:
    return Text(printable(str(value)))


class HistoryScreen(Screen[None]):
    CSS_PATH = FORMS_CSS
    BINDINGS = [
        Binding("escape,q", "close", "forms.key.close", id="forms.history.close"),
        Binding("space", "mark", "forms.key.mark", id="forms.history.mark"),
        Binding("r", "restore", "forms.key.restore", id="forms.history.restore"),
    ]

    def __init__(self, ledger, record_id: str) -> None:
        super().__init__()
        localize(self)
        self.ledger = ledger
        self.record_id = record_id
        self.form = fm.form_for(ledger.schemas(), ids.type_of(record_id))
        self.entries: list[dict] = []
        self.marked: str | None = None   # commit the cursor's version is compared against
        self._asked = 0

    def compose(self) -> ComposeResult:
        record = self.ledger.index.get(self.record_id)
        name = label(record, self.ledger) if record else self.record_id
        yield Static(data(i18n.t("forms.history.title", type=self.form.title, label=name)), id="history-title")
        yield DataTable(id="history-versions", cursor_type="row", zebra_stripes=True)
        yield Static("", id="history-compare")
        with VerticalScroll(id="history-diff"):
            yield Static("", id="history-diff-body")
        yield Static(data(i18n.t("forms.history.hint")), id="history-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("mark", "time", "author", "action", "message"):
            table.add_column(i18n.t(f"forms.history.col_{key}"), key=key)
        table.focus()
        self._load()

    def _status(self, text: str) -> None:
        self.query_one("#history-status", Static).update(data(text))

    # -- the list of versions -----------------------------------------------------------------
    @work(thread=True, exclusive=True, group="history-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            entries = self.ledger.history(self.record_id)
        except Exception as exc:
            detail = str(exc) if isinstance(exc, BangfuError) else type(exc).__name__
            self.app.call_from_thread(self._status, i18n.t("forms.history.failed", detail=detail))
            return
        self.app.call_from_thread(self._fill, entries)

    def _fill(self, entries: list[dict]) -> None:
        self.entries = entries
        table = self.query_one(DataTable)
        table.clear()
        for entry in entries:
            table.add_row(*self._cells(entry), key=entry["commit"])
        if entries:
            table.move_cursor(row=0)
            self._compare()
        else:
            self._status(i18n.t("forms.history.empty"))

    def _cells(self, entry: dict) -> list[Text]:
        actions = entry.get("trailers", {}).get("Action") or []
        action = actions[0] if actions else ""
        message = readable(entry.get("title", ""), action)   # (as the home's latest changes read it)
        reason = (entry.get("trailers", {}).get("Reason") or [""])[0]
        if reason:
            message = i18n.t("changes.with_reason", message=message, reason=reason)
        return [_text("◆" if entry["commit"] == self.marked else ""), _text(when(entry)),
                _text(entry.get("author", "")), _text(action_words(actions)), _text(message)]

    def _cursor_entry(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row is None or table.cursor_row >= len(self.entries):
            return None
        return self.entries[table.cursor_row]

    def action_mark(self) -> None:
        entry = self._cursor_entry()
        if entry is None:
            return
        self.marked = None if self.marked == entry["commit"] else entry["commit"]
        table = self.query_one(DataTable)
        for e in self.entries:
            table.update_cell(e["commit"], "mark", _text("◆" if e["commit"] == self.marked else ""))
        self._compare()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._compare()

    # -- the difference between two versions --------------------------------------------------
    def pair(self) -> tuple[dict | None, dict | None]:
        """(older, newer) versions compared: the cursor's against the marked one, or else
        against the version just before it."""
        entry = self._cursor_entry()
        if entry is None:
            return None, None
        index = self.entries.index(entry)
        marked = next((i for i, e in enumerate(self.entries) if e["commit"] == self.marked), None)
        if marked is None or marked == index:
            other = self.entries[index + 1] if index + 1 < len(self.entries) else None
            return other, entry
        older, newer = sorted((marked, index), reverse=True)
        return self.entries[older], self.entries[newer]

    def _compare(self) -> None:
        old, new = self.pair()
        if new is None:
            return
        self._asked += 1
        self.query_one("#history-compare", Static).update(data(i18n.t(
            "forms.history.comparing", old=self._version_name(old), new=self._version_name(new))))
        self._diff(old["commit"] if old else None, new["commit"], self._asked)

    def _version_name(self, entry: dict | None) -> str:
        if entry is None:
            return i18n.t("forms.history.nothing")
        return i18n.t("forms.history.version", time=when(entry), author=entry.get("author", ""))

    @work(thread=True, exclusive=True, group="history-diff", exit_on_error=False)
    def _diff(self, old_commit: str | None, new_commit: str, asked: int) -> None:
        try:
            old = self.ledger.read_at(self.record_id, old_commit) if old_commit else None
            new = self.ledger.read_at(self.record_id, new_commit)
            rows = fm.compare(self.form, old, new)
            shown = lambda rid: ref_label(self.ledger, rid)  # noqa: E731
            cells = [(row.title, fm.show(row.field, row.old, shown), fm.show(row.field, row.new, shown))
                     for row in rows]
        except Exception as exc:
            detail = str(exc) if isinstance(exc, BangfuError) else type(exc).__name__
            self.app.call_from_thread(self._status, i18n.t("forms.history.failed", detail=detail))
            return
        self.app.call_from_thread(self._show_diff, asked, cells, new is None)

    def _show_diff(self, asked: int, cells: list[tuple[str, str, str]], deleted: bool) -> None:
        if asked != self._asked:
            return
        body = self.query_one("#history-diff-body", Static)
        if not cells:
            body.update(data(i18n.t("forms.history.no_change")))
            return
        table = Table(expand=True, show_edge=False, pad_edge=False)
        for key in ("field", "before", "after"):
            table.add_column(i18n.t(f"forms.history.col_{key}"), ratio=1 if key == "field" else 2)
        for title, before, after in cells:
            table.add_row(_text(title), _text(before), _text(after))
        if deleted:
            table.caption = i18n.t("forms.history.deleted")
        body.update(table)

    # -- restoring ---------------------------------------------------------------------------
    def action_restore(self) -> None:
        entry = self._cursor_entry()
        if entry is None:
            return
        question = i18n.t("forms.history.confirm_restore", version=self._version_name(entry))
        self.app.push_screen(ConfirmDialog(question), lambda yes: self._restore(entry["commit"]) if yes else None)

    @work(thread=True, exclusive=True, group="history-restore", exit_on_error=False)
    def _restore(self, commit: str) -> None:
        call = self.app.call_from_thread
        try:
            old = self.ledger.read_at(self.record_id, commit)
            if old is None:
                call(self._status, i18n.t("forms.history.cannot_restore_deleted"))
                return
            saved = self.ledger.put(old, base=self.ledger.version(self.record_id), action="restore")
        except BangfuError as exc:
            call(self._status, i18n.t("forms.history.restore_failed", detail=str(exc)))
            return
        except Exception as exc:
            call(self._status, i18n.t("forms.history.restore_failed", detail=type(exc).__name__))
            return
        if saved.commit is None:
            call(self._status, i18n.t("forms.history.already_current"))
            return
        call(self._restored, saved.commit)

    def _restored(self, commit: str) -> None:
        self._status(i18n.t("forms.history.restored", commit=commit[:10]))
        self.notify(i18n.t("forms.history.restored", commit=commit[:10]), markup=False)
        self.marked = None
        self._load()

    def action_close(self) -> None:
        self.dismiss(None)
