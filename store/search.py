"""Text search over records, with pinyin so `shq` or `sq` finds 石桥."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

# Fields whose values people type to find a record; other text is matched as it is.
NAME_FIELDS = {"name", "short_name", "title", "topic", "donor", "recipient", "person", "mentor", "mentee", "region"}


@lru_cache(maxsize=65536)
def pinyin_keys(text: str) -> str:
    """Initials as taught (sh, q: 'shq') and first letters ('sq') of the Chinese in text."""
    # Imported here: loading pypinyin's dictionaries costs a command that never searches 0.15 s.
    from pypinyin import Style, lazy_pinyin

    first = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore"))
    initials = "".join(i or f for i, f in zip(lazy_pinyin(text, style=Style.INITIALS, strict=False, errors="ignore"),
                                              lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")))
    full = "".join(lazy_pinyin(text, errors="ignore"))
    return f"{initials} {first} {full}".lower()


def haystack(record: dict) -> str:
    parts: list[str] = []
    _collect(record, None, parts)
    return "\n".join(parts).lower()


def _collect(value: Any, key: str | None, parts: list[str]) -> None:
    if isinstance(value, str):
        parts.append(value)
        if key in NAME_FIELDS:
            parts.append(pinyin_keys(value))
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in ("hmac", "sealed"):
                _collect(v, k, parts)
    elif isinstance(value, list):
        for v in value:
            _collect(v, key, parts)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        parts.append(str(value))
