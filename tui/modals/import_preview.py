"""Import a spreadsheet with a preview: pick the file, see the valid rows (new, changed,
unchanged) and the bad rows with their reasons, then commit the valid rows as one commit
(or nothing). Reading, checking and committing run in a worker with a progress bar."""
from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import (Button, Checkbox, DataTable, DirectoryTree, Input, ProgressBar, Static,
                             TabbedContent, TabPane)

from tui.widgets.key_footer import KeyFooter
from tui.workers import error_text
from store.core import describe, i18n
from store.io import export, importer
from store.core.errors import BangfuError
from store.core.text import printable
from tui.modals.export import IO_CSS, start_folder
from tui.widgets.form_support import data, localize

SHOWN = 500  # rows put in a table at most: a widget must never hold 10k rows
PREVIEW_CSS = IO_CSS + """
#import-dialog { height: 100%; max-height: 40; }
#import-tabs { height: 1fr; min-height: 4; }
#import-tabs DataTable { height: 1fr; }
#import-detail { height: auto; max-height: 7; color: $text-muted; }
"""


class SpreadsheetTree(DirectoryTree):
    """Folders, and only the files that can be imported."""

    def filter_paths(self, paths):
        return [p for p in paths if p.is_dir() or p.suffix.lower() in (".xlsx", ".csv")]


def cell(value: object) -> Text:
    return Text(printable(str(value)))


class ImportDialog(ModalScreen["importer.Result | None"]):
    """`ImportDialog(ledger, record_type)`; dismisses with the import's Result (None if cancelled)."""

    DEFAULT_CSS = PREVIEW_CSS
    BINDINGS = [Binding("escape", "cancel", "io.tui.key_cancel"),
                Binding("f2", "browse", "io.tui.key_browse"),
                Binding("f5", "preview", "io.tui.key_preview"),
                Binding("ctrl+s", "commit", "io.tui.key_commit")]

    def __init__(self, ledger, record_type: str, *, folder: Path | None = None, path: Path | None = None) -> None:
        super().__init__()
        localize(self)
        self.ledger, self.record_type = ledger, record_type
        self.folder = folder or start_folder(ledger)
        self.start_path = path
        self.pv: importer.Preview | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        title = export.layout(self.ledger.schemas(), self.record_type).main.title   # (as the export names them)
        with Vertical(classes="io-dialog", id="import-dialog"):
            yield Static(data(i18n.t("io.tui.import_title", what=title)), classes="io-title")
            with Horizontal(classes="io-row"):
                yield Input(str(self.start_path or ""), placeholder=i18n.t("io.tui.file_placeholder"),
                            id="import-path", compact=True)
                yield Button(i18n.t("io.tui.browse"), id="import-browse", compact=True)
            yield SpreadsheetTree(str(self.folder), id="import-tree", classes="io-tree")
            # headers of other names and values the whole file shares: the file `bangfu import --mapping` takes
            yield Input("", placeholder=i18n.t("io.tui.mapping_placeholder"), id="import-mapping", compact=True,
                        classes="io-row")
            yield Checkbox(i18n.t("io.tui.skip_invalid"), id="import-skip", compact=True)
            yield ProgressBar(total=1, show_eta=False, id="import-progress")
            yield Static("", id="import-status", classes="io-status")
            with TabbedContent(id="import-tabs"):
                with TabPane(i18n.t("io.tui.tab_good"), id="tab-good"):
                    yield DataTable(id="import-good", cursor_type="row", zebra_stripes=True)
                with TabPane(i18n.t("io.tui.tab_bad"), id="tab-bad"):
                    yield DataTable(id="import-bad", cursor_type="row", zebra_stripes=True)
            # the highlighted problem in full: its reason is wider than the table at 80 columns
            yield Static("", id="import-detail")
            with Horizontal(classes="io-buttons"):
                yield Button(i18n.t("io.tui.preview"), variant="primary", id="import-preview", compact=True)
                yield Button(i18n.t("io.tui.commit"), variant="success", id="import-commit", compact=True,
                             disabled=True)
                yield Button(i18n.t("io.tui.save_rejects"), id="import-rejects", compact=True, disabled=True)
                yield Button(i18n.t("io.tui.cancel"), id="import-cancel", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        good = self.query_one("#import-good", DataTable)
        good.add_columns(*[i18n.t(k) for k in ("io.import.col_row", "io.tui.col_action", "io.tui.col_record")])
        bad = self.query_one("#import-bad", DataTable)
        bad.add_columns(*[i18n.t(f"io.import.col_{c}") for c in ("sheet", "row", "column", "value", "reason")])
        self.query_one("#import-path", Input).focus()

    # -- choosing the file --
    def action_browse(self) -> None:
        tree = self.query_one("#import-tree", SpreadsheetTree)
        tree.toggle_class("shown")
        if tree.has_class("shown"):
            tree.focus()

    @on(Button.Pressed, "#import-browse")
    def _browse(self) -> None:
        self.action_browse()

    @on(DirectoryTree.FileSelected, "#import-tree")
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#import-path", Input).value = str(event.path)
        self.query_one("#import-tree").remove_class("shown")
        self.action_preview()

    @on(Input.Changed, "#import-path")
    @on(Input.Changed, "#import-mapping")
    def _changed(self) -> None:
        self.pv = None  # a preview is of one file
        self._buttons()

    @on(Checkbox.Changed, "#import-skip")
    def _skip_changed(self) -> None:
        self._buttons()

    # -- preview --
    @on(Button.Pressed, "#import-preview")
    @on(Input.Submitted, "#import-path")
    @on(Input.Submitted, "#import-mapping")
    def _preview_pressed(self) -> None:
        self.action_preview()

    def action_preview(self) -> None:
        raw = self.query_one("#import-path", Input).value.strip()
        if self.busy or not raw:
            if not raw:
                self._status(i18n.t("io.tui.need_path"), error=True)
            return
        self.busy = True
        self._buttons()
        self._status(i18n.t("io.tui.reading"))
        mapping = self.query_one("#import-mapping", Input).value.strip()
        self._read(Path(raw).expanduser(), Path(mapping).expanduser() if mapping else None)

    @work(thread=True, exclusive=True, group="io-import", exit_on_error=False)
    def _read(self, path: Path, mapping: Path | None) -> None:
        try:
            pv = importer.preview(self.ledger, self.record_type, path, mapping=importer.Mapping.load(mapping),
                                  progress=self._progress_from_thread)
        except Exception as exc:  # the store's message, or where the details were written
            self.app.call_from_thread(self._failed, error_text(exc))
            return
        self.app.call_from_thread(self._show, pv)

    def _progress_from_thread(self, what: str, done: int, total: int) -> None:
        self.app.call_from_thread(self._progress, what, done, total)

    def _progress(self, what: str, done: int, total: int) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=max(total, 1), progress=done)
        self._status(i18n.t("io.progress.line", what=what, done=done, total=total))

    def _show(self, pv: importer.Preview) -> None:
        self.busy = False
        self.pv = pv
        good = self.query_one("#import-good", DataTable)
        bad = self.query_one("#import-bad", DataTable)
        good.clear()
        bad.clear()
        self.query_one("#import-detail", Static).update("")
        words = {"add": i18n.t("io.tui.action_add"), "update": i18n.t("io.tui.action_update"),
                 "same": i18n.t("io.tui.action_same")}
        for item in pv.good[:SHOWN]:
            good.add_row(cell(item.number), cell(words.get(item.action, item.action)),
                         cell(describe.label(item.record, self.ledger)))
        problems = pv.all_problems()
        for p in problems[:SHOWN]:
            bad.add_row(cell(p.sheet), cell(p.row or ""), cell(p.column), cell(p.value), cell(p.reason))
        summary = i18n.t("io.import.summary", path=pv.path.name, total=len(pv.items), good=len(pv.good),
                         added=pv.count("add"), updated=pv.count("update"), same=pv.count("same"), bad=len(pv.bad))
        if max(len(pv.good), len(problems)) > SHOWN:
            summary += " " + i18n.t("io.tui.first_rows", count=SHOWN)
        summary = "\n".join([summary, *pv.notes])   # columns left out, rows skipped: nothing goes unsaid
        self._status(summary, error=bool(pv.bad or pv.fatal))
        if pv.bad or pv.fatal:
            self.query_one("#import-tabs", TabbedContent).active = "tab-bad"
        self._buttons()

    @on(DataTable.RowHighlighted, "#import-bad")
    def _problem_highlighted(self, event: DataTable.RowHighlighted) -> None:
        problems = self.pv.all_problems() if self.pv else []
        if event.cursor_row >= len(problems):
            return
        p = problems[event.cursor_row]
        key = "io.tui.problem_detail" if p.value not in (None, "") else "io.tui.problem_detail_bare"
        self.query_one("#import-detail", Static).update(Text(printable(i18n.t(
            key, sheet=p.sheet, row=p.row or "", column=p.column, value=p.value, reason=p.reason))))

    # -- commit --
    def _can_commit(self) -> bool:
        pv = self.pv
        if pv is None or self.busy or self.ledger.read_only or pv.fatal:
            return False
        if pv.bad and not self.query_one("#import-skip", Checkbox).value:
            return False
        return any(i.action in ("add", "update") for i in pv.good)

    def _buttons(self) -> None:
        self.query_one("#import-commit", Button).disabled = not self._can_commit()
        self.query_one("#import-preview", Button).disabled = self.busy
        self.query_one("#import-rejects", Button).disabled = not (self.pv and self.pv.all_problems()) or self.busy

    @on(Button.Pressed, "#import-commit")
    def _commit_pressed(self) -> None:
        self.action_commit()

    def action_commit(self) -> None:
        if not self._can_commit():
            return
        self.busy = True
        self._buttons()
        self._status(i18n.t("io.tui.committing"))
        self._commit(self.query_one("#import-skip", Checkbox).value)

    @work(thread=True, exclusive=True, group="io-import", exit_on_error=False)
    def _commit(self, skip: bool) -> None:
        try:
            result = importer.commit(self.ledger, self.pv, skip_invalid=skip, progress=self._progress_from_thread)
        except Exception as exc:  # the store's message, or where the details were written
            self.app.call_from_thread(self._failed, error_text(exc))
            return
        self.app.call_from_thread(self._committed, result)

    def _committed(self, result: importer.Result) -> None:
        self.busy = False
        if result.commit is None:  # the batch found a rule broken across rows: show it
            self._show(self.pv)
            return
        self.app.notify(i18n.t("io.import.committed", added=result.added, updated=result.updated,
                               commit=result.commit[:10]), timeout=8)
        self.dismiss(result)

    @on(Button.Pressed, "#import-rejects")
    def _rejects(self) -> None:
        if not self.pv:
            return
        try:
            path = importer.write_rejects(self.pv, importer.rejects_path(self.pv.path))
        except BangfuError as exc:
            self._status(str(exc), error=True)
            return
        self._status(i18n.t("io.import.rejects_written", path=str(path)))

    # -- the rest --
    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#import-status", Static)
        status.update(data(text))
        status.set_class(error, "io-error")

    def _failed(self, text: str) -> None:
        self.busy = False
        self._status(text, error=True)
        self._buttons()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    @on(Button.Pressed, "#import-cancel")
    def _cancel(self) -> None:
        self.action_cancel()
