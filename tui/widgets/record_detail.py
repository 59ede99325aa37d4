"""The detail pane: every field of one record with its schema title.

References show the name of the record they point to, money shows as yuan,
protected identifiers show their masked form only. Everything is built as
`rich.text.Text` from plain strings: a value is never read as markup.
"""
from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from store.core import i18n
from store.rules import checks as rules
from store.core.describe import label
from store.core.money import yuan
from store.core.text import printable

from ..columns import Names

SKIP = {"id", "type", "schema_version"}


def field_title(node: dict, name: str) -> str:
    """The schema's title in the user's language; the field's own name when untitled."""
    if node.get("title"):
        return i18n.title(str(node["title"]))
    return name.replace("_", " ")


def scalar(value: Any, node: dict, names: Names) -> str:
    """One value as a person reads it."""
    if node.get("x-protected") or (isinstance(value, dict) and "masked" in value):
        return str(value.get("masked", "****")) if isinstance(value, dict) else "****"
    if node.get("x-ref"):
        shown = names(value)
        return shown if shown != value else str(value)
    if node.get("x-money") and isinstance(value, int) and not isinstance(value, bool):
        return i18n.t("tui.word.yuan", amount=yuan(value))
    if isinstance(value, bool):
        return i18n.t("tui.word.yes") if value else i18n.t("tui.word.no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if node.get("enum"):
        return i18n.value(value)
    return str(value)


def describe(record: dict, schemas, names: Names) -> Text:
    """The whole record as text: a heading, then `title  value` lines, nested ones indented."""
    rtype = str(record.get("type", ""))
    text = Text()
    text.append(printable(label(record, names.ledger)), style="bold")
    text.append("\n")
    text.append(printable(str(record.get("id", ""))), style="dim")
    text.append("\n")
    if rtype == "student":
        status = i18n.value(rules.student_status(record, names.today))
        _line(text, i18n.t("tui.detail.status_on", date=names.today.isoformat()), status, 0)
    try:
        root = schemas.field(rtype, ())
    except KeyError:
        root = {}
    _object(text, record, root, schemas, rtype, (), names, 0)
    return text


def _line(text: Text, title: str, value: str | None, depth: int) -> None:
    text.append("  " * depth)
    text.append(printable(title), style="bold")
    if value is not None:
        text.append("  ")
        text.append(printable(value))
    text.append("\n")


def _object(text: Text, record: dict, node: dict, schemas, rtype: str, path: tuple, names: Names,
            depth: int) -> None:
    props = node.get("properties") or {}
    keys = [k for k in props if k in record] + [k for k in record if k not in props]
    for key in keys:
        if not path and key in SKIP:
            continue
        value = record[key]
        sub = schemas.field(rtype, path + (key,)) if key in props else {}
        title = field_title(sub, key)
        if isinstance(value, dict) and not sub.get("x-protected") and "masked" not in value:
            _line(text, title, None, depth)
            _object(text, value, sub, schemas, rtype, path + (key,), names, depth + 1)
        elif isinstance(value, list):
            item_node = schemas.field(rtype, path + (key, 0)) if key in props else {}
            if value and all(isinstance(v, dict) for v in value):
                _line(text, title, None, depth)
                for n, item in enumerate(value, 1):
                    _line(text, f"{n}.", _inline(item, item_node, schemas, rtype, path + (key, 0), names),
                          depth + 1)
            else:
                _line(text, title, i18n.listing(scalar(v, item_node, names) for v in value), depth)
        else:
            _line(text, title, scalar(value, sub, names), depth)


def _inline(item: dict, node: dict, schemas, rtype: str, path: tuple, names: Names) -> str:
    """An array item on one line: `title value · title value`."""
    props = node.get("properties") or {}
    parts = []
    for key in [k for k in props if k in item] + [k for k in item if k not in props]:
        sub = schemas.field(rtype, path + (key,)) if key in props else {}
        value = item[key]
        if isinstance(value, list):
            shown = i18n.listing(scalar(v, schemas.field(rtype, path + (key, 0)), names) for v in value)
        elif isinstance(value, dict) and not sub.get("x-protected"):
            shown = " ".join(f"{field_title(schemas.field(rtype, path + (key, k)), k)} {scalar(v, {}, names)}"
                             for k, v in value.items())
        else:
            shown = scalar(value, sub, names)
        parts.append(f"{field_title(sub, key)} {shown}")
    return " · ".join(parts)


class RecordDetail(VerticalScroll):
    """Scrollable pane showing one record (or a hint when there is none)."""

    DEFAULT_CSS = """
    RecordDetail { height: 1fr; }
    RecordDetail > Static { width: 1fr; }
    """

    def __init__(self, names: Names, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.names = names
        self.record_id: str | None = None
        self._shown: tuple | None = None      # (record, tip, language) as last described

    def compose(self) -> ComposeResult:
        yield Static(Text(i18n.t("tui.detail.none"), style="dim italic"), id="detail-body")

    def show(self, record: dict | None) -> None:
        shown = (record, self.names.ledger.tip, i18n.lang())
        if self._shown is not None and all(a is b or a == b for a, b in zip(shown, self._shown)):
            return   # the same record, names and words: described already (a filter's key asks twice)
        self._shown = shown
        body = self.query_one("#detail-body", Static)
        if record is None:
            self.record_id = None
            self._update(body, Text(i18n.t("tui.detail.none"), style="dim italic"))
            return
        moved = record.get("id") != self.record_id
        self.record_id = record.get("id")
        self._update(body, describe(record, self.names.ledger.schemas(), self.names))
        if moved:
            self.scroll_home(animate=False)

    @staticmethod
    def _update(body: Static, text: Text) -> None:
        """The screen is laid out again only when the description's height changes: with each key
        typed in the filter another record is described, and a layout repaints the whole screen."""
        body.update(text, layout=False)
        width = body.content_region.width
        if not width or body.get_content_height(body.container_size, body.container_size, width) != \
                body.content_region.height:
            body.refresh(layout=True)
