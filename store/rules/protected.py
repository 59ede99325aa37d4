"""Where a record holds personal identifiers, and the shape they are committed in.

The schemas mark identifier fields (`x-protected`, with `x-kind`); the privacy layer seals their
values into {masked, hmac, sealed, key}. What the rules need of that (which paths, which kind, is a
value sealed, do two students share an ID number) lives here, below both, and needs no key."""
from __future__ import annotations

from typing import Any, Iterator

from store.core import i18n
from store.core.diff import value_at
from store.core.findings import Finding
from store.rules.schema import Schemas

KINDS = ("id_number", "student_no", "phone", "address", "bank_card")
UNIQUE_KINDS = ("id_number", "student_no")   # one person, one record: a duplicate is an error
Path = tuple  # a field path: names and list indices, e.g. ('identity', 'id_number')


def is_protected(node: Any) -> bool:
    return isinstance(node, dict) and "masked" in node and "hmac" in node


def concrete_paths(node: Any, pattern: Path, done: Path = ()) -> Iterator[Path]:
    """Concrete paths in `node` matching a schema path ('*' = every list item) that exist."""
    if not pattern:
        yield done
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from concrete_paths(item, rest, done + (i,))
    elif isinstance(node, dict) and head in node:
        yield from concrete_paths(node[head], rest, done + (head,))


def get_path(node: Any, path: Path) -> Any:
    for part in path:
        node = node[part]
    return node


def kind_of(schemas: Schemas, rtype: str, path: Path) -> str:
    node = schemas.field(rtype, tuple(0 if isinstance(p, int) else p for p in path))
    return node.get("x-kind") or (path[-1] if path[-1] in KINDS else "other")


def field_paths(record: dict, schemas: Schemas) -> list[Path]:
    return [p for pattern in schemas.protected.get(record.get("type"), []) for p in concrete_paths(record, pattern)]


def duplicate_identifiers(record: dict, source, schemas: Schemas) -> list[Finding]:
    """An error for each other record holding the same ID number (or 学籍号), compared by keyed hash,
    so a site without the key still catches duplicates among sealed values."""
    rtype, rid = record.get("type"), record.get("id")
    found: list[Finding] = []
    for pattern in schemas.protected.get(rtype, []):
        if "*" in pattern or kind_of(schemas, rtype, pattern) not in UNIQUE_KINDS:
            continue
        node = value_at(record, pattern, None)
        if not is_protected(node):
            continue
        name = "__".join(pattern + ("hmac",))
        for other in source.find(rtype, **{name: node["hmac"]}):
            # The source may not know nested names (a test's dict): compare the hash here too.
            if other.get("id") != rid and (value_at(other, pattern, None) or {}).get("hmac") == node["hmac"]:
                found.append(Finding(str(rid), pattern, "privacy.duplicate",
                                     {"title": i18n.title(schemas.field(rtype, pattern).get("title", "")),
                                      "other": other.get("id"), "name": other.get("name", "")}))
    return found
