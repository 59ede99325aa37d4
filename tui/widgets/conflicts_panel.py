"""The open conflicts left by syncs, on the dashboard: one line per conflict (the record, the
fields in conflict, the two sites); Enter opens the dialog that resolves it. The panel is
hidden while there is none. Names and values come from records: plain `Text`, never markup."""
from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from store.core import i18n, ids
from store.core.text import printable

from ..keys import install_keys
from .record_detail import field_title

if TYPE_CHECKING:
    from store.sync.conflicts import OpenConflict

MARK = "⚠"


def field_name(schemas, record_type: str, path: tuple) -> str:
    """A conflicting field as a person reads it: the schema titles along its path (帮扶单位·角色);
    the whole record when the path is empty (edited on one side, deleted on the other)."""
    from store.sync.merge import Key   # (loaded with the conflicts, not at start-up)
    if not path:
        return i18n.t("sync.cli.whole")
    titles, schema_path = [], ()
    for part in path:
        if isinstance(part, (Key, int)):     # an item of an array: its schema is the array's items
            schema_path += (0,)
            continue
        schema_path += (part,)
        try:
            node = schemas.field(record_type, schema_path)
        except (KeyError, TypeError):
            node = {}
        titles.append(field_title(node, str(part)))
    return "·".join(titles)


def field_names(conflict: OpenConflict, schemas) -> list[str]:
    rtype = ids.type_of(conflict.record)
    return [field_name(schemas, rtype, f.path) for f in conflict.fields]


def record_kind(record_id: str) -> str:
    rtype = ids.type_of(record_id)
    return i18n.t(f"audit.rtype.{rtype}") if i18n.has(f"audit.rtype.{rtype}") else rtype


def who(side: dict) -> str:
    return i18n.t("tui.conflict.who", site=side.get("site") or "?", author=side.get("author") or "?")


def conflict_line(conflict: OpenConflict, schemas) -> Text:
    text = Text(MARK + " ", style="bold yellow")
    text.append(printable(f"{record_kind(conflict.record)} {conflict.label}"), style="bold")
    fields = [name for name in field_names(conflict, schemas) if name]
    if conflict.kind != "field" or not fields:
        text.append("  " + i18n.t(f"sync.kind.{conflict.kind}"), style="yellow")
    if fields:
        text.append("  ")
        text.append(printable(i18n.listing(fields)), style="yellow")
    text.append("  ")
    text.append(printable(i18n.t("tui.conflict.sides", mine=who(conflict.mine), theirs=who(conflict.theirs))),
                style="dim")
    return text


class ConflictsPanel(OptionList):
    KEYS = [Binding("enter", "select", "tui.key.resolve", id="bangfu.conflicts.resolve")]

    class Resolve(Message):
        """The user asked to resolve this conflict."""

        def __init__(self, conflict: OpenConflict) -> None:
            super().__init__()
            self.conflict = conflict

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        install_keys(self)
        self.conflicts: list[OpenConflict] = []
        self.display = False

    def set_conflicts(self, conflicts: list[OpenConflict], schemas) -> None:
        """Replace the lines; the highlighted conflict stays highlighted while it is open."""
        keep = self.conflicts[self.highlighted].id if self.highlighted is not None and \
            self.highlighted < len(self.conflicts) else None
        self.conflicts = list(conflicts)
        self.clear_options()
        self.add_options([Option(conflict_line(c, schemas), id=c.id) for c in self.conflicts])
        self.border_title = Text(i18n.t("tui.conflict.panel", count=len(self.conflicts)))
        self.display = bool(self.conflicts)
        if self.conflicts:
            where = [n for n, c in enumerate(self.conflicts) if c.id == keep]
            self.highlighted = where[0] if where else 0

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        found = [c for c in self.conflicts if c.id == event.option.id]
        if found:
            self.post_message(self.Resolve(found[0]))
