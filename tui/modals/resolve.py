"""Resolve a conflict a sync left in the ledger: for each field, the value before (base), this
site's (mine) and the other site's (theirs) side by side; choose mine or theirs per field (or
all of one side) and save. Saving is one commit made by `store.conflicts.resolve` in a worker;
if it fails, the dialog stays as it was and the app reports why. Values come from records:
they are shown as plain `Text`, never as markup."""
from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, RadioButton, RadioSet, Static

from store.core import clock, i18n, ids
from store.sync.conflicts import OpenConflict, finding_text, resolve
from store.core.describe import label
from store.core.diff import MISSING
from store.sync.merge import Key
from store.core.text import printable

from ..columns import Names
from ..keys import install_keys
from ..widgets.conflicts_panel import field_name, record_kind, who
from ..widgets.key_footer import KeyFooter
from ..widgets.record_detail import scalar
from ..workers import background

SIDES = ("mine", "theirs")


def shown(value: Any, node: dict, ledger, names: Names) -> Text:
    """One side's value as a person reads it: names for references, yuan for money, the mask of
    an identifier, the label of a whole record; what is not there says so."""
    if value is MISSING:
        return Text(i18n.t("sync.cli.absent"), style="dim italic")
    if isinstance(value, dict) and "id" in value and "type" in value:
        return Text(printable(label(value, ledger)))
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        item = (node.get("items") or {}) if isinstance(node.get("items"), dict) else {}
        return Text(printable(i18n.listing(scalar(v, item, names) for v in value)))
    if isinstance(value, (dict, list)) and not (isinstance(value, dict) and "masked" in value):
        return Text(printable(json.dumps(value, ensure_ascii=False, sort_keys=True)))
    return Text(printable(scalar(value, node, names)))


def schema_node(schemas, record_type: str, path: tuple) -> dict:
    try:
        return schemas.field(record_type, tuple(0 if isinstance(p, (Key, int)) else p for p in path))
    except (KeyError, TypeError):
        return {}


class ResolveDialog(ModalScreen[str | None]):
    """`ResolveDialog(ledger, conflict)`; dismisses with the resolution's commit (None: cancelled)."""

    KEYS = [
        Binding("ctrl+s", "save", "tui.key.save_choice", priority=True, id="bangfu.resolve.save"),
        Binding("m", "all('mine')", "tui.key.all_mine", id="bangfu.resolve.all_mine"),
        Binding("t", "all('theirs')", "tui.key.all_theirs", id="bangfu.resolve.all_theirs"),
        Binding("escape", "cancel", "tui.key.cancel", id="bangfu.resolve.cancel"),
    ]

    class Finished(Message):
        def __init__(self, commit: str | None) -> None:
            super().__init__()
            self.commit = commit

    def __init__(self, ledger, conflict: OpenConflict, *, read_only: bool = False) -> None:
        super().__init__()
        install_keys(self)
        self.ledger = ledger
        self.conflict = conflict
        self.read_only = read_only or ledger.read_only
        self.saving = False

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        c = self.conflict
        rtype = ids.type_of(c.record)
        schemas = self.ledger.schemas()
        names = Names(self.ledger, clock.today())
        with Vertical(id="resolve-box"):
            title = Text(i18n.t("tui.conflict.title", rtype=record_kind(c.record), label=printable(c.label)),
                         style="bold")
            title.append("  " + i18n.t(f"sync.kind.{c.kind}"), style="yellow")
            yield Static(title, id="resolve-title")
            yield Static(Text(i18n.t("sync.cli.kept", side=i18n.t(f"sync.cli.side_{c.kept}")).strip(), style="dim"),
                         id="resolve-kept")
            explain = "tui.conflict.explain" if c.fields else "tui.conflict.explain_rule"
            yield Static(Text(i18n.t(explain)), id="resolve-explain")
            with VerticalScroll(id="resolve-fields"):
                with Horizontal(classes="resolve-values resolve-head"):
                    yield Static(Text(i18n.t("tui.conflict.base")), classes="resolve-base")
                    yield Static(Text(printable(i18n.t("tui.conflict.mine", who=who(c.mine)))), classes="resolve-mine")
                    yield Static(Text(printable(i18n.t("tui.conflict.theirs", who=who(c.theirs)))),
                                 classes="resolve-theirs")
                for n, f in enumerate(c.fields):
                    node = schema_node(schemas, rtype, f.path)
                    with Vertical(classes="resolve-field"):
                        yield Static(Text(printable(field_name(schemas, rtype, f.path)), style="bold"),
                                     classes="resolve-name")
                        with Horizontal(classes="resolve-values"):
                            yield Static(shown(f.base, node, self.ledger, names), classes="resolve-base")
                            yield Static(shown(f.mine, node, self.ledger, names), classes="resolve-mine",
                                         id=f"mine-{n}")
                            yield Static(shown(f.theirs, node, self.ledger, names), classes="resolve-theirs",
                                         id=f"theirs-{n}")
                        with Horizontal(classes="resolve-values"):
                            yield Static(classes="resolve-base")     # (the choice sits under mine / theirs)
                            with RadioSet(id=f"choice-{n}", classes="resolve-choice", compact=True):
                                yield RadioButton(Content(i18n.t("tui.conflict.take_mine")), value=c.kept == "mine")
                                yield RadioButton(Content(i18n.t("tui.conflict.take_theirs")),
                                                  value=c.kept == "theirs")
                for finding in c.findings:
                    text = finding_text(finding)
                    yield Static(Text(printable(f"{finding.get('field') or ''} {text}".strip()), style="yellow"),
                                 classes="resolve-finding")
            yield Static(Text(i18n.t("tui.conflict.read_only"), style="yellow") if self.read_only else "",
                         id="resolve-status")
            with Horizontal(id="resolve-buttons"):
                yield Button(i18n.t("tui.conflict.save"), variant="primary", id="resolve-save", compact=True,
                             disabled=self.read_only)
                if c.fields:
                    yield Button(i18n.t("tui.conflict.all_mine"), id="resolve-mine", compact=True)
                    yield Button(i18n.t("tui.conflict.all_theirs"), id="resolve-theirs", compact=True)
                yield Button(i18n.t("tui.conflict.cancel"), id="resolve-cancel", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        for n in range(len(self.conflict.fields)):
            self._mark(n)
        first = self.query(RadioSet).first() if self.conflict.fields else self.query_one("#resolve-cancel")
        self.set_focus(first)

    # -- choosing ---------------------------------------------------------------------------
    def choice(self, n: int) -> str:
        return SIDES[self.query_one(f"#choice-{n}", RadioSet).pressed_index == 1]

    def choices(self) -> dict[str, str] | str:
        """{field: "mine" | "theirs"} (a conflict without fields is closed as it stands)."""
        if not self.conflict.fields:
            return self.conflict.kept
        return {f.name: self.choice(n) for n, f in enumerate(self.conflict.fields)}

    def _mark(self, n: int) -> None:
        chosen = self.choice(n)
        self.query_one(f"#mine-{n}").set_class(chosen == "mine", "-chosen")
        self.query_one(f"#theirs-{n}").set_class(chosen == "theirs", "-chosen")

    @on(RadioSet.Changed)
    def _changed(self, event: RadioSet.Changed) -> None:
        self._mark(int(event.radio_set.id.rsplit("-", 1)[1]))

    def action_all(self, side: str) -> None:
        for radio_set in self.query(RadioSet):
            radio_set.query(RadioButton)[SIDES.index(side)].value = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return not self.read_only
        if action == "all":
            return bool(self.conflict.fields)
        return True

    # -- saving -----------------------------------------------------------------------------
    def action_save(self) -> None:
        if self.saving or self.read_only:
            return
        self.saving = True
        self.query_one("#resolve-save", Button).disabled = True
        self.query_one("#resolve-status", Static).update(Text(i18n.t("tui.conflict.saving"), style="dim"))
        self._save(self.choices())

    @background("resolve")
    def _save(self, choices: dict[str, str] | str) -> None:
        commit = None
        try:
            saved = resolve(self.ledger, self.conflict.id, choices)
            commit = next((s.commit for s in saved if s.commit), None) or self.ledger.tip
        finally:  # a failure is reported by the app; the dialog stays, with the choices made
            self.post_message(self.Finished(commit))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.saving = False
        if message.commit is None:
            self.query_one("#resolve-save", Button).disabled = False
            self.query_one("#resolve-status", Static).update("")
            return
        self.notify(i18n.t("tui.conflict.resolved", label=printable(self.conflict.label), commit=message.commit[:10]),
                    markup=False, timeout=8)
        self.dismiss(message.commit)

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)

    @on(Button.Pressed, "#resolve-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#resolve-mine")
    def _mine_pressed(self) -> None:
        self.action_all("mine")

    @on(Button.Pressed, "#resolve-theirs")
    def _theirs_pressed(self) -> None:
        self.action_all("theirs")

    @on(Button.Pressed, "#resolve-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
