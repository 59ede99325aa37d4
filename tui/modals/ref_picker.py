"""Choose the record a field refers to: type to search (names, any text, pinyin initials)."""
from __future__ import annotations

from typing import Callable

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from store.core import i18n
from store.ledger import search
from tui.widgets.form_support import FORMS_CSS, data, localize, ref_label, search_typed
from tui.widgets.key_footer import KeyFooter

NONE = "-"   # option id of "no record" (ids never look like this)


class RefPicker(ModalScreen[str | None]):
    """Dismisses with the chosen id, "" for "none" (optional fields), None when cancelled."""

    CSS_PATH = FORMS_CSS
    LIMIT = 50
    BINDINGS = [Binding("escape", "cancel", "forms.key.cancel", id="forms.ref.cancel"),
                Binding("down", "results", "forms.key.results", show=False, id="forms.ref.results")]

    def __init__(self, ledger, target_type: str, title: str, *, optional: bool = True,
                 fits: Callable[[dict], bool] | None = None, none_label: str | None = None, search: str = "") -> None:
        super().__init__()
        localize(self)
        self.ledger = ledger
        self.target_type = target_type
        self.title_text = title
        self.optional = optional
        self.none_label = none_label   # what choosing no record means here ("all schools")
        self.fits = fits   # the records that fit what the form holds (an aid's standards)
        self._asked = 0
        self.shown_for: str | None = None   # the search text whose results are on screen
        self.typed = search   # what was typed on the field that opened it

    def compose(self) -> ComposeResult:
        with Vertical(id="ref-dialog", classes="fm-dialog"):
            yield Label(data(i18n.t("forms.ref.title", title=self.title_text)), classes="fm-title")
            # (the letter typed on the field stays when the rest of the word follows: not selected
            # on focus, which made the next letter replace it)
            yield Input(self.typed, placeholder=i18n.t("forms.ref.search"), id="ref-search", select_on_focus=False)
            yield OptionList(id="ref-results")
            yield Static("", id="ref-count", classes="fm-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._search(self.typed, self._next())

    def _next(self) -> int:
        self._asked += 1
        return self._asked

    @on(Input.Changed, "#ref-search")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value, self._next())

    @work(thread=True, exclusive=True, group="ref-search", exit_on_error=False)
    def _search(self, text: str, asked: int) -> None:
        try:
            found = self.ledger.query(self.target_type, text=text.strip() or None)
            if self.fits is not None:
                found = [r for r in found if self.fits(r)]
            shown = self._closest_first(found, text)
        except Exception as exc:   # a search that fails must not close the form behind it
            self.app.call_from_thread(self._failed, asked, text, exc)
            return
        self.app.call_from_thread(self._show, asked, text, shown[: self.LIMIT], len(found))

    def _closest_first(self, found: list[dict], text: str) -> list[tuple[str, str]]:
        """(id, label) of the records found, the closest to what was typed first (see
        search.closeness), then in the order of their labels' pinyin. Labels are made for the
        closest LIMIT * 20 by name only: a label costs lookups, and a list shows LIMIT."""
        if len(found) > self.LIMIT * 20:
            found = sorted(found, key=lambda r: search.closeness(text, search.shown_names(r)))[: self.LIMIT * 20]
        shown = []
        for record in found:
            label = ref_label(self.ledger, record["id"])
            shown.append((search.closeness(text, [*search.shown_names(record), label]),
                          search.pinyin_order(label), label, record["id"]))
        return [(rid, label) for _near, _order, label, rid in sorted(shown)]

    def _failed(self, asked: int, text: str, exc: Exception) -> None:
        if asked != self._asked:
            return
        self.shown_for = text   # answered (with the failure): keys held for it go on
        self.query_one("#ref-count", Static).update(data(i18n.t("forms.ref.failed", detail=str(exc))))

    def _show(self, asked: int, text: str, shown: list[tuple[str, str]], total: int) -> None:
        if asked != self._asked:
            return   # an older search finished after a newer one
        self.shown_for = text
        results = self.query_one("#ref-results", OptionList)
        results.clear_options()
        if self.optional:
            results.add_option(Option(data(self.none_label or i18n.t("forms.ref.none")), id=NONE))
        results.add_options([Option(data(label), id=rid) for rid, label in shown])
        results.highlighted = 1 if self.optional and shown else 0
        key = "forms.ref.count_more" if total > len(shown) else "forms.ref.count"
        self.query_one("#ref-count", Static).update(data(i18n.t(key, shown=len(shown), total=total)))

    def holds_key(self, event) -> bool:
        """Keys that choose (Down, Enter, ...) wait until the results of what was typed are shown;
        typing goes on, and Esc leaves a search that takes long."""
        typing = isinstance(event, events.Paste) or (isinstance(event, events.Key) and event.is_printable)
        leaving = isinstance(event, events.Key) and event.key == "escape"
        return not (typing or leaving) and self.shown_for != self.query_one("#ref-search", Input).value

    def action_results(self) -> None:
        self.query_one("#ref-results", OptionList).focus()

    @on(Input.Submitted, "#ref-search")
    def _take_highlighted(self) -> None:
        results = self.query_one("#ref-results", OptionList)
        if results.highlighted is not None and results.option_count:
            self._choose(results.get_option_at_index(results.highlighted).id)

    @on(OptionList.OptionSelected, "#ref-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        self.dismiss("" if option_id == NONE else option_id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class RefChoice(Button):
    """A dialog's choice of one record of a type (a school), shown by its label: pressed, the
    dialog opens `picker()`, the search above, and gives what was chosen to `choose`. `value` is
    the id, "" for `none_label` (optional choices), None before anything is chosen."""

    class Changed(Message):
        def __init__(self, choice: "RefChoice", value: str) -> None:
            super().__init__()
            self.choice, self.value = choice, value

        @property
        def control(self) -> "RefChoice":
            return self.choice

    def __init__(self, ledger, target_type: str, title: str, *, prompt: str, none_label: str | None = None,
                 id: str | None = None) -> None:
        super().__init__(data(prompt), id=id, compact=True, classes="ref-button")
        self.ledger, self.target_type, self.title_text = ledger, target_type, title
        self.prompt_text, self.none_label = prompt, none_label
        self.value: str | None = None
        self.typed = ""   # a character typed on the choice: the picker opens searching for it

    def picker(self) -> RefPicker:
        typed, self.typed = self.typed, ""
        return RefPicker(self.ledger, self.target_type, self.title_text, optional=self.none_label is not None,
                         none_label=self.none_label, search=typed)

    def on_key(self, event: events.Key) -> None:
        typed = search_typed(event)
        if typed:
            self.typed = typed
            self.press()

    def choose(self, chosen: str | None) -> None:
        """Take what the picker gave (None: it was cancelled, nothing changes)."""
        if chosen is None:
            return
        self.value = chosen
        self.label = data(ref_label(self.ledger, chosen) if chosen else self.none_label or self.prompt_text)
        self.post_message(self.Changed(self, chosen))
