"""Command palette (Ctrl+P): the current screen's actions, found by name or pinyin initials.

Each screen names its provider in `COMMANDS`. A provider offers the screen's (and the
app's) key bindings as commands, plus that screen's extras. Names that come from
records are shown as plain `Content`, never parsed as markup.
"""
from __future__ import annotations

from functools import partial
from typing import Awaitable, Callable, Iterator

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets.option_list import Option

from store.core import i18n
from store.ledger.search import pinyin_keys
from store.core.text import printable

from .columns import PAGE_KEY

Command = tuple[str, str, Callable[[], Awaitable[None] | None]]   # name, help, what it does


class ScreenCommands(Provider):
    """The enabled, described bindings of the screen under the palette, as commands."""

    def commands(self) -> Iterator[Command]:
        screen = self.screen
        seen: set[tuple[int, str]] = set()
        for _key, (node, binding, enabled, _tip) in screen.active_bindings.items():
            if not enabled or not binding.description or not (binding.id or "").startswith("bangfu."):
                continue
            if binding.action == "command_palette" or (id(node), binding.action) in seen:
                continue
            seen.add((id(node), binding.action))
            if binding.id.startswith(PAGE_KEY):
                continue   # (below: pages whatever has the focus)
            keys = escape(self.app.get_key_display(binding))
            yield binding.description, i18n.t("tui.palette.key", keys=keys), partial(
                self.app.run_action, binding.action, node)
        if not isinstance(screen, ModalScreen):   # (a dialog stays open: no page under it)
            for keys, title, page in self.app.page_keys():
                yield title, i18n.t("tui.palette.key", keys=escape(keys)), partial(self.app.show_page, page)
            # The documents of the term on view, from whichever page the coordinator is on.
            for kind in ("report", "notice", "period", "summary"):
                yield (i18n.t(f"tui.palette.{kind}"), i18n.t(f"tui.palette.{kind}_help"),
                       partial(self.app.make_document, kind))
        yield from self.extras()

    def extras(self) -> Iterator[Command]:
        return iter(())

    async def discover(self) -> Hits:
        for name, help_text, run in self.commands():
            yield DiscoveryHit(Content(name), run, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        needle = query.strip().lower()
        for name, help_text, run in self.commands():
            score = matcher.match(name)
            if score <= 0 and needle and needle in pinyin_keys(name):
                score = 0.5
            if score > 0:
                yield Hit(score, _highlight(name, matcher) if matcher.match(name) else Content(name), run,
                          text=name, help=help_text)


def _highlight(name: str, matcher) -> Content:
    """The matched letters highlighted, without reading `name` as markup."""
    score, offsets = matcher.fuzzy_search.match(matcher.query, name)
    content = Content(name)
    for offset in offsets if score else ():
        content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class HomeCommands(ScreenCommands):
    """Home: its actions, each active plan of the term to open directly, and each open
    conflict of a sync to resolve."""

    def extras(self) -> Iterator[Command]:
        screen = self.screen
        for figure in getattr(screen, "plan_titles", lambda: [])():
            record_id, title = figure
            yield (i18n.t("tui.palette.open_plan", title=title), i18n.t("tui.palette.open_plan_help"),
                   partial(screen.bangfu.open_records, "plan", (record_id,), title))
        for conflict in getattr(screen, "open_conflicts", lambda: [])():
            yield (i18n.t("tui.palette.resolve", label=printable(conflict.label)), i18n.t("tui.palette.resolve_help"),
                   partial(screen.resolve, conflict))


class SectionCommands(ScreenCommands):
    """A section: its actions, and sorting by any of its columns."""

    def extras(self) -> Iterator[Command]:
        from .columns import COLUMNS
        screen = self.screen
        record_type = getattr(screen, "record_type", None)
        if record_type is None:
            return
        for n, column in enumerate(COLUMNS[record_type]):
            yield (i18n.t("tui.palette.sort_by", column=column.title), i18n.t("tui.palette.sort_help"),
                   partial(screen._sort, n, False))


class AppCommands(ScreenCommands):
    """On screens without their own provider (dialogs, history): the keys that work there."""

    def commands(self) -> Iterator[Command]:
        if type(self.screen).COMMANDS:
            return iter(())  # the screen's own provider already lists them
        return super().commands()


class Palette(CommandPalette):
    """Textual's palette saying "no matches" in the reader's language."""

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # (Textual's own method, with its one English sentence from the catalogue)
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(i18n.t("tui.palette.no_matches"), style="not bold")), disabled=True,
                           id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
