"""Key bindings in the reader's language, for screens and widgets alike.

Bindings are declared in `KEYS` with a catalogue key as description and translated per instance
(the language is chosen at start and may be switched while running); each has an `id`, so users can
remap keys with Textual's keymap."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from store.core import i18n


def translated(bindings: Iterable[Binding]) -> list[Binding]:
    return [replace(b, description=i18n.t(b.description) if b.description else "",
                    tooltip=i18n.t(b.tooltip) if b.tooltip else "",
                    group=replace(b.group, description=i18n.t(b.group.description)) if b.group else None)
            for b in bindings]


def install_keys(node: DOMNode) -> None:
    """Give a node its class bindings plus its `KEYS` (which win over a class binding of the
    same key), in the current language."""
    own = translated(getattr(type(node), "KEYS", ()))
    mine = BindingsMap(own).key_to_bindings
    inherited = [b for key, group in (node._merged_bindings or BindingsMap()).key_to_bindings.items()
                 if key not in mine for b in group]
    node._bindings = BindingsMap([*inherited, *own])
