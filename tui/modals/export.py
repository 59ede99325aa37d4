"""Export the records of one type to xlsx or csv: a file name (typed, or a folder picked in a
tree), the format, and a progress bar while a worker writes the file."""
from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, ProgressBar, RadioButton, RadioSet, Static

from store.io import export
from store.core import i18n
from store.core.errors import BangfuError
from tui.widgets.form_support import data, localize
from tui.widgets.key_footer import KeyFooter

IO_CSS = """
ExportDialog, ImportDialog { align: center middle; }
.io-dialog { width: 90%; max-width: 110; height: auto; max-height: 100%; border: thick $accent;
             background: $surface; padding: 0 1; }
.io-title { text-style: bold; margin-bottom: 1; }
.io-row { height: auto; margin-bottom: 1; }
.io-row Input { width: 1fr; }
.io-status { color: $text-muted; height: auto; margin: 0 0 1 0; }
.io-error { color: $error; }
.io-tree { height: 8; border: round $primary; display: none; }
.io-tree.shown { display: block; }
.io-buttons { height: auto; align-horizontal: right; }
.io-buttons Button { margin-left: 2; min-width: 0; width: auto; }
"""


def start_folder(ledger) -> Path:
    """The folder the dialogs start in: the one the dashboard was started from, unless that is in
    the ledger's own folder (a working-tree ledger's files are the repository's): then the home folder."""
    here = Path.cwd().resolve()
    own = {Path(ledger.path).resolve(), *([Path(ledger.git.worktree).resolve()] if ledger.git.worktree else [])}
    return Path.home() if any(here == folder or folder in here.parents for folder in own) else here


class ExportDialog(ModalScreen[Path | None]):
    """`ExportDialog(ledger, record_type)`; dismisses with the written file's path (None if cancelled)."""

    DEFAULT_CSS = IO_CSS
    BINDINGS = [Binding("escape", "cancel", "io.tui.key_cancel"),
                Binding("f2", "browse", "io.tui.key_browse"),
                Binding("ctrl+s", "export", "io.tui.key_export")]

    def __init__(self, ledger, record_type: str, *, folder: Path | None = None) -> None:
        super().__init__()
        localize(self)
        self.ledger, self.record_type = ledger, record_type
        self.layout_ = export.layout(ledger.schemas(), record_type)
        self.folder = folder or start_folder(ledger)
        self.running = False

    def _default_path(self, fmt: str) -> Path:
        return self.folder / export.default_name(self.layout_, fmt)

    def compose(self) -> ComposeResult:
        with Vertical(classes="io-dialog"):
            yield Static(data(i18n.t("io.tui.export_title", what=self.layout_.main.title,
                                     count=self.ledger.count(self.record_type))), classes="io-title")
            with Horizontal(classes="io-row"):
                yield Input(str(self._default_path("xlsx")), id="export-path", compact=True)
                yield Button(i18n.t("io.tui.browse"), id="export-browse", compact=True)
            yield DirectoryTree(str(self.folder), id="export-tree", classes="io-tree")
            with RadioSet(id="export-format", compact=True):
                yield RadioButton("Excel (xlsx)", value=True, id="fmt-xlsx")
                yield RadioButton("CSV", id="fmt-csv")
            yield ProgressBar(total=1, show_eta=False, id="export-progress")
            yield Static("", id="export-status", classes="io-status")
            with Horizontal(classes="io-buttons"):
                yield Button(i18n.t("io.tui.export"), variant="primary", id="export-go", compact=True)
                yield Button(i18n.t("io.tui.cancel"), id="export-cancel", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()
        self._warn_existing()

    # -- the file name --
    def _format(self) -> str:
        return "csv" if self.query_one("#fmt-csv", RadioButton).value else "xlsx"

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self) -> None:
        field = self.query_one("#export-path", Input)
        field.value = str(Path(field.value).with_suffix("." + self._format()))

    @on(Input.Changed, "#export-path")
    def _warn_existing(self) -> None:
        path = Path(self.query_one("#export-path", Input).value.strip() or ".").expanduser()
        text = i18n.t("io.tui.will_overwrite", path=str(path)) if path.is_file() else ""
        self._status(text)

    def action_browse(self) -> None:
        tree = self.query_one("#export-tree", DirectoryTree)
        tree.toggle_class("shown")
        if tree.has_class("shown"):
            tree.focus()

    @on(Button.Pressed, "#export-browse")
    def _browse(self) -> None:
        self.action_browse()

    @on(DirectoryTree.DirectorySelected, "#export-tree")
    def _folder(self, event: DirectoryTree.DirectorySelected) -> None:
        field = self.query_one("#export-path", Input)
        name = Path(field.value).name or self._default_path(self._format()).name
        field.value = str(Path(event.path) / name)

    @on(DirectoryTree.FileSelected, "#export-tree")
    def _file(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#export-path", Input).value = str(event.path)

    # -- writing --
    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#export-status", Static)
        status.update(data(text))
        status.set_class(error, "io-error")

    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        self.action_export()

    @on(Input.Submitted, "#export-path")
    def _submitted(self) -> None:
        self.action_export()

    def action_export(self) -> None:
        if self.running:
            return
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self._status(i18n.t("io.tui.need_path"), error=True)
            return
        path = Path(raw).expanduser()
        if path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_suffix("." + self._format())
        self.running = True
        self.query_one("#export-go", Button).disabled = True
        self._status(i18n.t("io.tui.exporting"))
        self._run(path, path.suffix.lower().lstrip("."))

    @work(thread=True, exclusive=True, group="io-export", exit_on_error=False)
    def _run(self, path: Path, fmt: str) -> None:
        try:
            count = export.export(self.ledger, self.record_type, path, fmt,
                                  progress=lambda what, done, total: self.app.call_from_thread(self._progress,
                                                                                                done, total))
        except BangfuError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except Exception as exc:  # shown, never a traceback on screen
            from tui.workers import error_text
            self.app.call_from_thread(self._failed, error_text(exc))
            return
        self.app.call_from_thread(self._done, path, count)

    def _progress(self, done: int, total: int) -> None:
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=max(total, 1), progress=done)

    def _failed(self, text: str) -> None:
        self.running = False
        self.query_one("#export-go", Button).disabled = False
        self._status(text, error=True)

    def _done(self, path: Path, count: int) -> None:
        self.running = False
        message = i18n.t("io.export.done", count=count, what=self.layout_.main.title, path=str(path))
        self.app.notify(data(message).plain, timeout=8)
        self.dismiss(path)

    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(None)

    @on(Button.Pressed, "#export-cancel")
    def _cancel(self) -> None:
        self.action_cancel()
