"""The dashboard: `bangfu` with no command opens it on a ledger.

The app holds the ledger, the chosen term and the screens (home, one section per
record type and the auditor's view, each a Textual mode so each keeps its own stack of
dialogs), polls the ledger for changes made elsewhere, and reports failed background work.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Callable

from rich.text import Text
from textual import on
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen

from store.core import clock, i18n, memory
from store.figures import overview
from store.figures.dashboard import term_of
from store.core.errors import BangfuError
from store.core.text import printable

from .columns import PAGE_KEY, PAGES, SECTIONS, Names
from .commands import AppCommands, Palette
from .keys import KeysInOrder, install_keys, translate_textual_keys
from .screens.base import LedgerScreen
from .screens.help import HelpScreen, key_rows, load_keymap
from .screens.home import HomeScreen
from .screens.section import SectionScreen
from .settings import Settings, View
from .heap import Collector
from .workers import LedgerChanged, WorkerFailed, background, crash_log, error_text
from . import wide_chars

SECTIONS_GROUP = Binding.Group("tui.key.sections", compact=True)


class StartUpDone(Message):
    """The start-up work after the first paint is done: `then` runs on the app's thread."""

    def __init__(self, then: Callable[[], None]) -> None:
        super().__init__()
        self.then = then


class BangfuApp(KeysInOrder, App[int]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    DEFAULT_MODE = "home"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    COMMANDS = {AppCommands}
    KEYS = [
        Binding("question_mark,f1", "help", "tui.key.help", id="bangfu.help"),
        # Priority keys, so that keys typed right behind a page's number ("3/shq" arriving in one
        # burst over SSH) reach the new page; where a digit is text, check_action lets it through.
        *[Binding(str(n), f"go('{page}')", f"tui.section.{page}", group=SECTIONS_GROUP, id=f"{PAGE_KEY}{page}",
                  priority=True)
          for n, page in enumerate(PAGES, 1)],
        Binding("f2", "language", "tui.key.language", id="bangfu.language"),
        Binding("q", "quit", "tui.key.quit", id="bangfu.quit"),
        Binding("ctrl+p", "command_palette", "tui.key.palette", show=False, priority=True,
                id="bangfu.palette"),
    ]

    def __init__(self, ledger, *, read_only: bool = False, today: dt.date | None = None,
                 poll_interval: float = 1.0, settings: Settings | None = None) -> None:
        super().__init__()
        install_keys(self)
        translate_textual_keys()
        self.ledger = ledger
        self.read_only = read_only or ledger.read_only
        self.today = today or clock.today()
        # The school-year view (`v` on home) is the term's school year: whether it is open and on
        # which county or township stays with the app like the term, so leaving it and coming back
        # (Esc and `v`, another page, another language) finds it as it was; with `settings` (the
        # command line's), the next `bangfu` on this ledger opens where this one was left.
        self.settings = settings
        kept = settings.load() if settings else View()
        self._view = View(kept.term or term_of(self.today), kept.year_view, kept.year_unit)
        self.names = Names(ledger, self.today)
        self.poll_interval = poll_interval
        self.collector = Collector()
        self.home = HomeScreen()
        self.sections: dict[str, SectionScreen] = {}
        self.audit: LedgerScreen | None = None
        self._seen_tip = ledger.tip
        self._poll_failing = False
        self._schemas = (None, None)
        self.add_mode("home", lambda: self.home)
        for section in SECTIONS:
            self.add_mode(section, lambda section=section: self._section(section))
        self.add_mode("audit", self._audit)
        self.title = printable(f"{ledger.config.get('name', '')} · {ledger.site}")

    # -- what the next start opens on ----------------------------------------------
    @property
    def term(self) -> str:
        return self._view.term

    @term.setter
    def term(self, term: str) -> None:
        self._keep(term=term)

    @property
    def year_view(self) -> bool:
        return self._view.year_view

    @year_view.setter
    def year_view(self, shown: bool) -> None:
        self._keep(year_view=shown)

    @property
    def year_unit(self) -> str | None:
        return self._view.year_unit

    @year_unit.setter
    def year_unit(self, unit: str | None) -> None:
        self._keep(year_unit=unit)

    def _keep(self, **changed) -> None:
        view = replace(self._view, **changed)
        if view != self._view:
            self._view = view
            if self.settings and not self._quitting:
                self.settings.save(view)

    # (closing the app dismisses the year view: that is no choice of the user's to keep)
    _quitting = False

    async def action_quit(self) -> None:
        self._quitting = True
        await super().action_quit()

    def _section(self, record_type: str) -> SectionScreen:
        screen = self.sections[record_type] = SectionScreen(record_type)
        return screen

    def _audit(self) -> LedgerScreen:
        from .screens.audit import AuditScreen   # (its store modules load when first used)
        self.audit = AuditScreen(self.ledger)
        return self.audit

    def get_key_display(self, binding: Binding) -> str:
        shown = super().get_key_display(binding)
        return shown.upper() if binding.key_display is None and shown[:1] == "f" and shown[1:].isdigit() else shown

    @property
    def schemas(self):
        """The ledger's schemas at the tip (read again only when the tip moves)."""
        tip, schemas = self._schemas
        if tip != self.ledger.tip:
            self._schemas = (self.ledger.tip, self.ledger.schemas())
        return self._schemas[1]

    def format_title(self, title: str, sub_title: str) -> Content:
        parts = [Content(title)]
        if sub_title:
            parts += [Content(" — ").stylize("dim"), Content(sub_title).stylize("dim")]
        if self.read_only:
            parts += [Content("  "), Content(f" {i18n.t('tui.read_only')} ").stylize("bold reverse $warning")]
        return Content.assemble(*parts)

    # -- screens -----------------------------------------------------------------
    # Every screen the app shows comes through here before it starts (the pages, each a mode; the
    # dialogs; Textual's own command palette): each is given a compositor that keeps Chinese text
    # whole under overlays (tui/wide_chars.py).
    def get_screen(self, screen, screen_class=None):
        found = super().get_screen(screen, screen_class)
        wide_chars.fit(found)
        return found

    # -- live updates ------------------------------------------------------------
    start_notice: str | None = None   # said once open (what the command printed is hidden behind the screen)

    def on_load(self) -> None:
        self.collector.hold()      # until the first figures are painted (tui/heap.py)

    def on_unmount(self) -> None:
        self.collector.close()

    def on_mount(self) -> None:
        self.set_interval(self.poll_interval, self._poll, name="ledger poll")
        if self.start_notice:
            self.notify(self.start_notice, markup=False, timeout=20)
        keymap, problem = load_keymap()
        if keymap:
            self.set_keymap(keymap)
        if problem:
            self.notify(problem, severity="warning", markup=False, timeout=10)

    def first_paint_done(self, then: Callable[[], None]) -> None:
        """The dashboard's first figures are on screen: now the start-up work that could wait, one
        job after the other (several at once would take turns with the screen for the interpreter),
        then `then` (the rest of the dashboard)."""
        self.collector.release()
        self._after_start(then)

    def view_shown(self) -> None:
        """The school-year view has painted its figures: the home opened under it reads its own."""
        self.collector.release()
        self.home.view_shown()

    @background("after-start")
    def _after_start(self, then: Callable[[], None]) -> None:
        try:
            if getattr(self.ledger, "keys", None) is not None:
                from store.privacy.acts import erase_pending
                erase_pending(self.ledger)   # erasures recorded at other sites destroy the keys here
            self.ledger.count()              # the index: the first list opened shows at once
        finally:
            self.post_message(StartUpDone(then))   # (a message: safe from a thread, and dropped once the app has closed)

    @on(StartUpDone)
    def _start_up_done(self, message: StartUpDone) -> None:
        self.collector.keep()     # the dashboard and the ledger's open index are there for good
        message.then()

    @background("poll")
    def _poll(self) -> None:
        try:
            changed = self.ledger.refresh()
        except Exception:
            if self._poll_failing:
                return  # said once already; say nothing more until it works again
            self._poll_failing = True
            raise
        self._poll_failing = False
        tip = self.ledger.tip
        if tip != self._seen_tip:
            self._seen_tip = tip
            self.post_message(LedgerChanged(set(changed), tip))

    @on(LedgerChanged)
    def _ledger_changed(self, message: LedgerChanged) -> None:
        for screen in self._screens():
            screen.ledger_changed(message.ids)

    def _screens(self) -> list[LedgerScreen]:
        return [self.home, *self.sections.values(), *([self.audit] if self.audit else [])]

    # -- navigation ----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Under a dialog a digit is not a page. (In an input it is text: Textual leaves keys an
        # input takes to the input, priority or not.)
        if action == "go" and isinstance(self.screen, ModalScreen) and not CommandPalette.is_open(self):
            return False
        return True

    def page_keys(self) -> list[tuple[str, str, str]]:
        """(key as shown, page title, page) of every page: the help and the palette list them
        even while an input has the focus (and so takes the digits as text)."""
        out = []
        for _key, binding in self._bindings:
            if (binding.id or "").startswith(PAGE_KEY):
                keys = (self._keymap or {}).get(binding.id, binding.key).split(",")   # (a keymap may give several)
                shown = dict.fromkeys(self.get_key_display(replace(binding, key=k.strip())) for k in keys)
                out.append((" / ".join(shown), binding.description, binding.id.removeprefix(PAGE_KEY)))
        return out

    async def action_go(self, page: str) -> None:
        # Awaited: the keys behind the number are handled by the new page, not the one being left.
        await self.switch_mode(page)

    def show_page(self, page: str) -> None:
        """A page chosen in the command palette (whatever has the focus once the palette closes)."""
        self.switch_mode(page)

    def delay_update(self, delay: float = 0.05) -> None:
        # switch_mode holds repaints for 50 ms to hide the change of screen; a section
        # screen takes longer than that to mount on a busy server, and its first paint,
        # made inside the hold, was lost (a blank screen until the next key). Paint as we go.
        pass

    def open_records(self, record_type: str, ids: tuple[str, ...] | list[str], caption: str,
                     source: Callable[[], tuple[str, ...]] | None = None) -> None:
        """Show the section of a record type with just these records (a figure opened); `source`
        works them out again after a change."""
        if record_type not in SECTIONS:
            return
        self.switch_mode(record_type)   # creates the section's screen if it is the first visit
        self.sections[record_type].show_only(ids, caption, source)

    def open_batches(self) -> None:
        """The payment batches of the term on view (发放批次): make, review, approve, pay."""
        from .modals.batch import BatchDialog
        self.push_screen(BatchDialog(self.ledger, self.term, self.today))

    def make_document(self, kind: str) -> None:
        """The term report or the aid notice of the term on view, or the report or summary draft of
        its school year for the county or township last chosen (every page's palette offers them)."""
        from .modals.report import PeriodReportDialog, ReportDialog
        if kind in ("period", "summary"):
            year = self.term.rsplit("-", 1)[0]
            self.push_screen(PeriodReportDialog(self.ledger, year, self.year_unit, self.today,
                                                fmt="summary" if kind == "summary" else "html"))
            return
        self.push_screen(ReportDialog(self.ledger, kind, self.term, self.today))

    def open_recognitions(self) -> None:
        """The recognition (认定) of a school's students for a school year, step by step."""
        from .modals.recognition import RecognitionDialog
        self.push_screen(RecognitionDialog(self.ledger, self.today))

    def show_progress(self, plan_id: str) -> None:
        """The dashboard for a plan: the current term if the plan runs now, else the plan's
        nearest term (its last one once it has ended), with the plan highlighted."""
        period = (self.ledger.index.get(plan_id) or {}).get("period") or {}
        day = self.today.isoformat()
        day = max(period.get("start", day), min(period.get("end", day), day))
        self.term = term_of(dt.date.fromisoformat(day))
        self.switch_mode("home")
        if self.year_view:        # a plan's term is asked for: the term view, not the year's
            self.home.close_year_view()
        self.home.show_plan(plan_id)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette(placeholder=i18n.t("tui.palette.placeholder"), id="--command-palette"))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(key_rows(self.screen)))

    async def action_language(self) -> None:
        i18n.set_lang("en" if i18n.lang() == "zh" else "zh")
        install_keys(self)
        translate_textual_keys()
        for screen in self._screens():
            if screen.is_mounted:
                await screen.relabel()
        self.refresh_bindings()

    # -- errors --------------------------------------------------------------------
    @on(WorkerFailed)
    def _worker_failed(self, message: WorkerFailed) -> None:
        self.collector.release()   # (the first figures may never come)
        self.notify(error_text(message.error), severity="error", markup=False, timeout=10)

    def _fatal_error(self) -> None:
        # Never a traceback in front of a user: the details go to the crash log.
        error = self._exception or RuntimeError("unknown")
        self._exit_renderables.append(Text(i18n.t("cli.crash", log=crash_log(error))))
        self._close_messages_no_wait()


def run(ledger, read_only: bool = False, notice: str | None = None) -> int:
    """Open the dashboard on a ledger, where this user left it last time; returns the exit code."""
    memory.for_hours()
    today = clock.today()
    settings = Settings(ledger.path)
    if not overview.remembered(ledger, settings.load().term or term_of(today), today):
        ledger.preload()   # the figures need every record: git starts reading them while the app starts
    if getattr(ledger, "keys", None) is None:
        try:
            from store.privacy.acts import attach_keys
            attach_keys(ledger, erase=False)   # (erasures wait for the first paint: they need the index)
        except BangfuError:
            pass  # without the key the ledger works on masked values
    app = BangfuApp(ledger, read_only=read_only, today=today, settings=settings)
    app.start_notice = notice
    app.run()
    return app.return_code or 0
