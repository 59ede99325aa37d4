"""Field-by-field differences between two versions of a record."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "—", "__bool__": lambda self: False})()


@dataclass(frozen=True)
class FieldChange:
    path: tuple
    old: Any      # MISSING when the field was added
    new: Any      # MISSING when the field was removed

    @property
    def kind(self) -> str:
        return "added" if self.old is MISSING else "removed" if self.new is MISSING else "changed"


def diff(old: Any, new: Any, path: tuple = ()) -> list[FieldChange]:
    """Leaf-level changes. Objects are compared key by key; lists of scalars or of differing
    length are one change; lists of objects of the same length are compared item by item."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[FieldChange] = []
        for key in sorted(set(old) | set(new), key=str):
            out.extend(diff(old.get(key, MISSING), new.get(key, MISSING), path + (key,)))
        return out
    if (isinstance(old, list) and isinstance(new, list) and len(old) == len(new)
            and all(isinstance(x, dict) for x in old + new)):
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            out.extend(diff(a, b, path + (i,)))
        return out
    return [FieldChange(path, old, new)]


def value_at(doc: Any, path: tuple, default: Any = MISSING) -> Any:
    """The value at a field path of object keys and list indexes; `default` where there is none."""
    for part in path:
        if isinstance(doc, dict) and not isinstance(part, int) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and isinstance(part, int) and 0 <= part < len(doc):
            doc = doc[part]
        else:
            return default
    return doc


def flatten(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    """Every leaf value of a record by its path (lists of objects by index)."""
    if isinstance(value, dict):
        out: dict[tuple, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, path + (key,)))
        return out
    if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, path + (i,)))
        return out
    return {path: value}
