"""Small helpers shared by the editing screens: record text as data, translated key hints."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from textual.binding import BindingsMap
from textual.content import Content
from textual.dom import DOMNode

from store.core import describe, i18n
from store.core.text import printable

FORMS_CSS = Path(__file__).resolve().parent.parent / "forms.tcss"


def data(text: object) -> Content:
    """Text from a record as plain content: never markup, never a terminal escape."""
    return Content(printable(str(text)))


def localize(node: DOMNode) -> None:
    """Binding descriptions are catalogue keys (class attributes are built at import, before
    the language is chosen): translate them for this instance."""
    keys = {}
    for key, bindings in node._bindings.key_to_bindings.items():
        keys[key] = [dataclasses.replace(b, description=i18n.t(b.description),
                                         tooltip=i18n.t(b.tooltip) if b.tooltip else "")
                     if i18n.has(b.description) else b for b in bindings]
    node._bindings = BindingsMap.from_keys(keys)


def ref_label(ledger, record_id: str | None) -> str:
    """How a referenced record is called on screen; its id when it is not in the ledger."""
    if not record_id:
        return ""
    doc = ledger.index.get(record_id)
    if not doc:
        return i18n.t("forms.field.ref_missing", id=record_id)
    return describe.label(doc, ledger)
