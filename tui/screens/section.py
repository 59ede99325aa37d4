"""One section per record type: a filterable, sortable list and the highlighted record's detail.

The list is read in a worker (tui/listing.py) and shown by `RecordList`, which formats only the
rows on screen. A type that belongs to a school year (activities, payments) lists the school year
of the dashboard's term until another year, or every year, is chosen (`t`); the records behind a
dashboard figure are shown whatever their year. The worker keeps the records in the chosen order
for as long as the ledger's tip stays; a filter (which also matches pinyin initials) is one pass
over that order through the store's text index, made in the background when the section opens, so
each keystroke filters at once. Edits, exports, imports, deletions, history and reveals open
their dialogs (imported when first used: they are not needed to paint the dashboard). A record with an open sync conflict is
marked ⚠ in the list, and its detail says which fields wait for a choice.
"""
from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Callable

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.message import Message
from textual.worker import get_current_worker
from textual.widgets import Header, Input, Static

from store.core import i18n, ids
from store.rules import calendar

from ..columns import COLUMNS, DEFAULT_SORT, Column
from ..commands import SectionCommands
from ..listing import Listing, yearly
from ..waiting import EVERY, reading_line
from ..widgets.conflicts_panel import MARK, field_names
from ..widgets.key_footer import KeyFooter
from ..widgets.record_detail import RecordDetail
from ..widgets.record_list import RecordList
from ..widgets.steady_input import SteadyInput
from ..workers import background, settled
from .base import LedgerScreen
from .pick import PickScreen

WRITES = {"new", "edit", "duplicate", "delete", "reveal", "import", "batch"}
NEED_RECORD = {"edit", "duplicate", "delete", "history", "reveal", "progress"}


def protected_paths(record: dict, schemas) -> list[tuple]:
    """Concrete paths of the protected identifiers present in a record ('*' expanded)."""
    out: list[tuple] = []

    def walk(node: Any, pattern: tuple, done: tuple) -> None:
        if not pattern:
            if isinstance(node, dict):
                out.append(done)
            return
        head, rest = pattern[0], pattern[1:]
        if head == "*" and isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, rest, done + (i,))
        elif isinstance(node, dict) and head in node:
            walk(node[head], rest, done + (head,))

    for pattern in schemas.protected.get(str(record.get("type")), []):
        walk(record, pattern, ())
    return out


def marked(columns: tuple[Column, ...], in_conflict: Callable[[str], bool]) -> tuple[Column, ...]:
    """The list's columns with ⚠ in front of the main text (the column kept longest) of a record
    in conflict; that column is one cell wider, so the mark costs no text."""
    n = max(range(len(columns)), key=lambda i: columns[i].keep)
    shown = columns[n].text

    def text(record: dict, names) -> str:
        value = shown(record, names)
        return f"{MARK}{value}" if in_conflict(record.get("id")) else value

    return (*columns[:n], replace(columns[n], text=text, width=columns[n].width + 1), *columns[n + 1:])


class SectionScreen(LedgerScreen):
    COMMANDS = {SectionCommands}
    AUTO_FOCUS = "#list"   # (not in on_mount: a "/" typed while the screen mounts must keep the filter)
    KEYS = [
        # A priority key: when "/shq" arrives in one burst (typed fast over SSH, or a paste), the
        # focus must move before the letters are routed, or they go to the list and are lost.
        Binding("slash", "focus_filter", "tui.key.filter", priority=True, id="bangfu.section.filter"),
        Binding("n", "new", "tui.key.new", id="bangfu.section.new"),
        Binding("e", "edit", "tui.key.edit", id="bangfu.section.edit"),
        Binding("c", "duplicate", "tui.key.duplicate", id="bangfu.section.duplicate"),
        Binding("d", "delete", "tui.key.delete", id="bangfu.section.delete"),
        Binding("h", "history", "tui.key.history", id="bangfu.section.history"),
        Binding("r", "reveal", "tui.key.reveal", id="bangfu.section.reveal"),
        Binding("p", "progress", "tui.key.progress", id="bangfu.section.progress"),
        Binding("b", "batch", "tui.key.batch", id="bangfu.section.batch"),
        Binding("x", "export", "tui.key.export", id="bangfu.section.export"),
        Binding("i", "import", "tui.key.import", id="bangfu.section.import"),
        Binding("s", "sort", "tui.key.sort", id="bangfu.section.sort"),
        Binding("t", "pick_year", "tui.key.school_year", id="bangfu.section.year"),
        Binding("S", "reverse", "tui.key.reverse", show=False, id="bangfu.section.reverse"),
        Binding("escape", "clear", "tui.key.clear", show=False, id="bangfu.section.clear"),
        Binding("down", "to_list", "tui.key.to_list", show=False, id="bangfu.section.to_list"),
    ]

    class Rows(Message):
        def __init__(self, generation: int, ids: list[str], total: int, conflicts: dict[str, list[str]],
                     only: frozenset[str] | None = None, unsearched: int = 0) -> None:
            super().__init__()
            self.generation = generation
            self.only = only            # the records behind the figure, worked out again
            self.ids = ids
            self.total = total
            self.conflicts = conflicts
            self.unsearched = unsearched   # records the filter did not see (their text index is being made)

    class Years(Message):
        """The school years the list's records belong to, for the picker."""

        def __init__(self, years: list[str]) -> None:
            super().__init__()
            self.years = years

    class SearchReady(Message):
        """The making of the text index of the list's type has ended (`made`: it is whole): a
        filter that did not see every record asks again."""

        def __init__(self, made: bool) -> None:
            super().__init__()
            self.made = made

    class Unread(Message):
        """The rows of a request could not be read (the failure itself is reported to the app)."""

        def __init__(self, generation: int) -> None:
            super().__init__()
            self.generation = generation

    def __init__(self, record_type: str) -> None:
        super().__init__(id=f"section-{record_type}")
        self.record_type = record_type
        self.text = ""
        self.only: frozenset[str] | None = None     # opened from a dashboard figure
        self.only_caption = ""
        self.only_source: Callable[[], tuple[str, ...]] | None = None
        self.sort_column, self.sort_reverse = DEFAULT_SORT[record_type]
        self.year: str | None = None                 # the school year listed (None: every year)
        self._year_chosen = False                    # else it is the dashboard term's
        self._listing: Listing | None = None
        self.generation = 0
        self.shown = 0
        self.total = 0
        self.unsearched = 0
        self.waiting = True
        self._keep: str | None = None                # record to put the cursor on next
        self._to_first = False                       # the filter changed: the cursor goes to the first match
        self._key_state: tuple[bool, bool] | None = None
        self._conflicts_at: tuple[tuple, dict[str, list[str]]] = ((), {})   # (tip, language), conflicts
        self._search_ready = False
        self._making_texts = False                       # the text index of the type is being made
        self._bar_lines: int | None = None               # lines of the bar as last laid out
        self.conflicts: dict[str, list[str]] = {}   # record in conflict -> the fields in conflict

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="section-main"):
            yield Static(id="section-bar")
            yield SteadyInput(self.text, placeholder=i18n.t("tui.section.filter_hint"), id="filter", compact=True)
            with Container(id="section-body"):
                records = RecordList(self.record_type, self.bangfu.names, id="list")
                records.columns = marked(records.columns, self.conflicts.__contains__)
                yield records
                with Vertical(id="detail-side"):
                    yield Static(id="conflict-note")
                    yield RecordDetail(self.bangfu.names, id="detail")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.sub_title = i18n.t(f"tui.section.{self.record_type}")
        self._follow_term()
        self.list.empty_text = i18n.t("tui.section.loading")
        self.list.set_sort(self.sort_column, self.sort_reverse)
        self._update_bar()
        self.reload(set())
        if not self.ledger.index_loaded:
            self._waiting = self.set_interval(EVERY, self._say_waiting)

    def _say_waiting(self) -> None:
        """While the first opening reads every record: how far it has come, in the bar."""
        if self.ledger.index_loaded and not self.waiting:
            self._waiting.stop()
        elif self.waiting:
            self._update_bar()

    def _follow_term(self) -> bool:
        """The school year of the dashboard's term, unless the coordinator chose one here. Whether
        it changed."""
        year = self.year
        if yearly(self.record_type) and not self._year_chosen:
            self.year = self.bangfu.term.rsplit("-", 1)[0]
        return year != self.year

    def on_screen_resume(self) -> None:
        # (before LedgerScreen's, which Textual calls next: it reads the list again when stale)
        if self._follow_term():
            self.stale = True
            self._update_bar()

    @property
    def listing(self) -> Listing:
        if self._listing is None:
            self._listing = Listing(self.ledger, self.record_type, self.bangfu.names)
        return self._listing

    @property
    def list(self) -> RecordList:
        return self.query_one("#list", RecordList)

    @property
    def detail(self) -> RecordDetail:
        return self.query_one("#detail", RecordDetail)

    # -- reading ---------------------------------------------------------------
    def reload(self, ids: set[str]) -> None:
        self.generation += 1
        self._load(self.generation, self.text, self.only, self.year, self.sort_column, self.sort_reverse,
                   self.only_source if ids else None)
        if self.detail.record_id in ids:
            self._show_detail()

    @background("rows")
    def _load(self, generation: int, text: str, only: frozenset[str] | None, year: str | None, column: int,
              reverse: bool, source: Callable[[], tuple[str, ...]] | None = None) -> None:
        try:
            self._read_rows(generation, text, only, year, column, reverse, source)
        except Exception:
            self.post_message(self.Unread(generation))   # keys held for these rows go on
            raise

    def _read_rows(self, generation: int, text: str, only: frozenset[str] | None, year: str | None, column: int,
                   reverse: bool, source: Callable[[], tuple[str, ...]] | None) -> None:
        if source is not None:
            only = frozenset(settled(source))
        worker = get_current_worker()
        rows = self.listing.rows(column, reverse, year=year, only=only, text=text, stop=lambda: worker.is_cancelled)
        if worker.is_cancelled:
            return   # the next keystroke's search has started
        self.post_message(self.Rows(generation, rows.ids, rows.total, self._conflicts(), only if source else None,
                                    rows.unsearched))

    def _conflicts(self) -> dict[str, list[str]]:
        """Records of this type in an open sync conflict -> the fields waiting for a choice."""
        version, kept = self._conflicts_at
        if version != (self.ledger.tip, i18n.lang()):
            from store.sync.conflicts import list_conflicts   # (loaded off the path to the first paint)
            version = (self.ledger.tip, i18n.lang())
            kept = {c.record: field_names(c, self.bangfu.schemas) or [i18n.t(f"sync.kind.{c.kind}")]
                    for c in settled(lambda: list_conflicts(self.ledger)) if ids.type_of(c.record) == self.record_type}
            self._conflicts_at = (version, kept)
        return kept

    def _make_texts(self) -> None:
        self._making_texts = True
        self._prepare_search()

    @background("search")
    def _prepare_search(self) -> None:
        worker = get_current_worker()
        try:
            self.ledger.prepare_search(self.record_type, stop=lambda: worker.is_cancelled)
        except BaseException:
            self.post_message(self.SearchReady(False))   # (not asked again: the failure is reported)
            raise
        self.post_message(self.SearchReady(not worker.is_cancelled))

    @on(SearchReady)
    def _texts_made(self, message: SearchReady) -> None:
        self._making_texts = False
        if message.made and self.unsearched and self.text.strip():
            self.reload(set())

    @on(Unread)
    def _unread(self, message: Unread) -> None:
        if message.generation == self.generation:
            self.waiting = False

    @on(Rows)
    def _rows(self, message: Rows) -> None:
        if message.generation != self.generation:
            return  # an older request finished late
        self.waiting = False
        if message.only is not None and self.only is not None:
            self.only = message.only
        self.shown, self.total = len(message.ids), message.total
        self.unsearched = message.unsearched
        self.conflicts.clear()      # (the list's mark reads this dict: the same object, updated)
        self.conflicts.update(message.conflicts)
        self.list.empty_text = i18n.t("tui.section.empty_filtered" if self.text or self.only else "tui.section.empty")
        first = message.ids[0] if self._to_first and message.ids else None
        self.list.set_rows(message.ids, keep=self._keep or first)   # rows are formatted afresh
        self._keep, self._to_first = None, False
        self._show_detail()
        self._update_bar()
        self._update_keys()
        if not self._search_ready:
            self._search_ready = True
            self.bangfu.collector.keep()   # the section and its list stay as long as the app
            self._make_texts()   # the text index, before the first keystroke needs it
        elif message.unsearched and not self._making_texts:
            self._make_texts()   # (the index was made anew since: a cache deleted or damaged)

    def _update_bar(self) -> None:
        bar = Text()
        bar.append(i18n.t(f"tui.section.{self.record_type}"), style="bold")
        bar.append("  ")
        if self.waiting:
            reading = self.ledger.reading
            bar.append(reading_line(reading) if reading else i18n.t("tui.section.loading"), style="dim")
        elif self.only is None and self.year is not None:
            bar.append(i18n.t("tui.section.count_year", year=self.year, shown=self.shown, total=self.total))
            if self.unsearched:
                bar.append(i18n.t("tui.section.unsearched", n=self.unsearched), style="yellow")
        elif self.text or self.only is not None:
            bar.append(i18n.t("tui.section.count_filtered", shown=self.shown, total=self.total))
            if self.unsearched:
                bar.append(i18n.t("tui.section.unsearched", n=self.unsearched), style="yellow")
        else:
            bar.append(i18n.t("tui.section.count", total=self.total))
        column = COLUMNS[self.record_type][self.sort_column]
        bar.append("  ")
        bar.append(i18n.t("tui.section.sorted_by", column=column.title,
                          order=i18n.t("tui.section.desc" if self.sort_reverse else "tui.section.asc")), style="dim")
        if self.only is not None:
            bar.append("\n")
            bar.append(i18n.t("tui.section.only", caption=self.only_caption), style="bold yellow")
        widget = self.query_one("#section-bar", Static)
        # The screen is laid out again only when the bar's lines change in number: the count in it
        # changes with every key typed in the filter, and a layout repaints every widget on screen.
        width = widget.content_region.width
        lines = [cell_len(line) for line in bar.plain.split("\n")]
        shape = len(lines) if width > 0 and max(lines) <= width else None
        widget.update(bar, layout=shape is None or shape != self._bar_lines)
        self._bar_lines = shape

    def _show_detail(self) -> None:
        rid = self.list.highlighted
        self.detail.show(self.ledger.index.get(rid) if rid else None)
        note = self.query_one("#conflict-note", Static)
        fields = self.conflicts.get(rid) if rid else None
        if fields is not None:
            note.update(Text(i18n.t("tui.conflict.note", fields=i18n.listing(fields)), style="bold yellow"))
        note.display = fields is not None

    # -- events ----------------------------------------------------------------
    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        if event.value != self.text:
            self.text = event.value
            self._to_first = True
            self.waiting = True      # the bar says so until the rows come
            self._update_bar()
            self.reload(set())

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.set_focus(self.list)

    def action_to_list(self) -> None:
        """Down in the filter goes to the list, on its first match (as Enter does)."""
        self.set_focus(self.list)

    def holds_key(self, event: events.Event) -> bool:
        """Down and Enter typed in the filter wait until the rows of what was typed are shown (or
        could not be read): in a burst (`/sfk Down h`) the key after them acts on the first match,
        not on the first row of the list before the search (tui/keys.py asks). Typing goes on; Esc
        is never held."""
        if not isinstance(event, events.Key) or event.is_printable or event.key == "escape":
            return False
        if not self.is_mounted or self.focused is not self.query_one("#filter", Input):
            return False
        return self.waiting

    @on(RecordList.Highlighted)
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._show_detail()
        self._update_keys()

    def _update_keys(self) -> None:
        # Redrawing the footer is slow: only when a key becomes (un)available.
        rid = self.list.highlighted
        record = self.ledger.index.get(rid) if rid else None
        state = (rid is not None, bool(record and protected_paths(record, self.bangfu.schemas)))
        if state != self._key_state:
            self._key_state = state
            self.refresh_bindings()

    @on(RecordList.Selected)
    def _selected(self, event: RecordList.Selected) -> None:
        self.set_focus(self.detail)

    @on(RecordList.HeaderClicked)
    def _header_clicked(self, event: RecordList.HeaderClicked) -> None:
        if event.column == self.sort_column:
            self.action_reverse()
        else:
            self._sort(event.column, False)

    def show_only(self, ids: tuple[str, ...] | list[str], caption: str,
                  source: Callable[[], tuple[str, ...]] | None = None) -> None:
        """Show just these records (the ones behind a dashboard figure; `source` gives them
        again after the ledger changed)."""
        self.only = frozenset(ids)
        self.only_caption = caption
        self.only_source = source
        self.text = ""
        if self.is_mounted:
            self.query_one("#filter", Input).value = ""
            self.set_focus(self.list)
            self._update_bar()
            self.reload(set())

    # -- actions ---------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_filter" and self.is_mounted and self.focused is self.query_one("#filter", Input):
            return False   # typed in the filter, "/" is text ("2026/11"): the input takes it
        if action == "to_list":
            return self.is_mounted and self.focused is self.query_one("#filter", Input)
        if action in WRITES and self.bangfu.read_only:
            return False
        if action == "progress" and self.record_type != "plan":
            return False
        if action == "pick_year":
            return yearly(self.record_type)
        if action == "batch" and self.record_type != "aid":
            return False
        if action in NEED_RECORD and not self.is_mounted:
            return None
        if action in NEED_RECORD and self.list.highlighted is None:
            return None
        if action == "reveal":
            if not self.bangfu.schemas.protected.get(self.record_type):
                return False  # this kind of record holds no personal identifier
            record = self.ledger.index.get(self.list.highlighted)
            return bool(record and protected_paths(record, self.bangfu.schemas)) or None
        return True

    # Focus moves with set_focus, not widget.focus(), which waits a turn: keys typed fast
    # (or pasted over SSH) right after "/" must already land in the filter.
    def action_focus_filter(self) -> None:
        self.set_focus(self.query_one("#filter", Input))

    def action_clear(self) -> None:
        field = self.query_one("#filter", Input)
        if field.value:
            field.value = ""
            self.set_focus(self.list)
        elif self.only is not None:
            self.only = None
            self.only_caption = ""
            self.only_source = None
            self._update_bar()
            self.reload(set())
        elif self.focused is not self.list:
            self.set_focus(self.list)

    def action_pick_year(self) -> None:
        self._years()

    @background("years")
    def _years(self) -> None:
        self.post_message(self.Years(settled(self.listing.years)))

    @on(Years)
    def _pick_year(self, message: Years) -> None:
        every = "*"
        shown = sorted({*message.years, *([self.year] if self.year else [])}, reverse=True)
        items = [(every, i18n.t("tui.section.every_year")),
                 *[(y, i18n.t("tui.section.school_year", year=y)) for y in shown]]

        def chosen(key: str | None) -> None:
            if key:
                self.show_year(None if key == every else key)

        self.app.push_screen(PickScreen(i18n.t("tui.section.pick_year"), items,
                                        current=self.year or every), chosen)

    def show_year(self, year: str | None) -> None:
        """List this school year's records (None: every year's), in place of a figure's."""
        self.year, self._year_chosen = year, True
        self.only, self.only_caption, self.only_source = None, "", None
        self._to_first = True
        self.waiting = True      # the bar says so until the rows come
        self._update_bar()
        self.reload(set())

    def action_sort(self) -> None:
        self._sort((self.sort_column + 1) % len(COLUMNS[self.record_type]), False)

    def action_reverse(self) -> None:
        self._sort(self.sort_column, not self.sort_reverse)

    def _sort(self, column: int, reverse: bool) -> None:
        self.sort_column, self.sort_reverse = column, reverse
        self.list.set_sort(column, reverse)
        self._update_bar()
        self.reload(set())

    def _current(self) -> dict | None:
        rid = self.list.highlighted
        record = self.ledger.index.get(rid) if rid else None
        return copy.deepcopy(record) if record else None

    def _saved(self, result: Any) -> None:
        saved = getattr(result, "saved_id", None)
        if saved:
            self._keep = saved
            self.reload({saved})
            record = self.ledger.index.get(saved) if self.year and self.only is None else None
            if record is not None:
                year = calendar.year_of_value(self.record_type, record.get(calendar.YEAR_FIELDS[self.record_type]))
                if year != self.year:   # (saved, counted in the bar's total, listed under its own year)
                    named = i18n.t("tui.section.school_year", year=year) if year else i18n.t("tui.section.no_year")
                    self.notify(i18n.t("tui.section.saved_other_year", year=named,
                                       shown=i18n.t("tui.section.school_year", year=self.year)), markup=False)

    def action_export(self) -> None:
        from ..modals.export import ExportDialog
        self.app.push_screen(ExportDialog(self.ledger, self.record_type))

    def action_import(self) -> None:
        def imported(result: Any) -> None:
            if getattr(result, "commit", None):
                self.reload(set())   # (the live poll would catch it too, a second later)

        from ..modals.import_preview import ImportDialog
        self.app.push_screen(ImportDialog(self.ledger, self.record_type), imported)

    def action_new(self) -> None:
        from ..modals.record_form import RecordForm
        self.app.push_screen(RecordForm(self.ledger, self.record_type), self._saved)

    def _locked(self, record_id: str) -> bool:
        """Say so, and open no form, when no change of the record may be made (a closed term's
        payment, an inspected plan's records, an approved batch): the save would be refused
        whatever was typed into it."""
        why = self.ledger.locked(record_id)
        if why:
            reasons = "\n".join(dict.fromkeys(i18n.t(f.rule, **f.params) for f in why))
            self.notify(i18n.t("tui.section.locked", reasons=reasons), severity="warning", markup=False, timeout=10)
        return bool(why)

    def action_edit(self) -> None:
        record = self._current()
        if record and not self._locked(record["id"]):
            from ..modals.record_form import RecordForm
            self.app.push_screen(RecordForm(self.ledger, self.record_type, record,
                                            base=self.ledger.index.blobs.get(record["id"])), self._saved)

    def action_duplicate(self) -> None:
        record = self._current()
        if record:
            from ..modals.record_form import RecordForm
            self.app.push_screen(RecordForm(self.ledger, self.record_type, record, duplicate=True), self._saved)

    def action_delete(self) -> None:
        rid = self.list.highlighted
        if rid and not self._locked(rid):
            from ..modals.delete import DeleteDialog
            self.app.push_screen(DeleteDialog(self.ledger, rid), lambda ok: ok and self.reload({rid}))

    def action_history(self) -> None:
        rid = self.list.highlighted
        if rid:
            from .history import HistoryScreen
            self.app.push_screen(HistoryScreen(self.ledger, rid))

    def action_progress(self) -> None:
        rid = self.list.highlighted
        if rid:
            self.bangfu.show_progress(rid)

    def action_batch(self) -> None:
        self.bangfu.open_batches()

    def action_reveal(self) -> None:
        record = self._current()
        if not record:
            return
        paths = protected_paths(record, self.bangfu.schemas)
        from ..modals.reveal import RevealDialog
        if len(paths) == 1:
            self.app.push_screen(RevealDialog(self.ledger, record["id"], paths[0]))
            return
        from ..widgets.record_detail import field_title
        schemas = self.bangfu.schemas
        items = [(".".join(map(str, p)), " · ".join(field_title(schemas.field(self.record_type, p[:n + 1]), p[n])
                                                   for n in range(len(p)) if isinstance(p[n], str)))
                 for p in paths]

        def chosen(key: str | None) -> None:
            if key:
                path = next(p for p in paths if ".".join(map(str, p)) == key)
                self.app.push_screen(RevealDialog(self.ledger, record["id"], path))

        self.app.push_screen(PickScreen(i18n.t("tui.section.reveal_which"), items), chosen)
