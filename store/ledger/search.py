"""Text search over records, with pinyin so `shq` or `sq` finds 石桥."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Callable, Iterable

from store.core import i18n
from store.core.ids import is_id

# Fields whose values people type to find a record; other text is matched as it is.
NAME_FIELDS = {"name", "short_name", "title", "topic", "donor", "recipient", "person", "mentor", "mentee", "region",
               "programme", "level"}


def pypinyin() -> tuple[Any, Callable]:
    """pypinyin's Style and pinyin, loaded the first time a text is searched or remade.
    Characters one at a time never use its dictionary of phrases: without it pypinyin loads in
    0.07 s and 12 MB instead of 0.7 s and 55 MB (a first save paid 1.8 s for it at 200k
    records), and reads every character from U+3400 to U+9FFF the same."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, pinyin

    return Style, pinyin


@lru_cache(maxsize=None)
def _char_keys(char: str) -> tuple[str, str, str]:
    """(initial as taught, first letter, full pinyin) of one character, '' for non-Chinese.
    Looked up per character: a ledger has tens of thousands of names but a few thousand
    distinct characters, and pypinyin costs the same per call whatever its length."""
    if not ("\u3400" <= char <= "\u9fff"):
        return "", "", ""
    Style, pinyin = pypinyin()

    full = pinyin(char, style=Style.NORMAL, errors="ignore")
    if not full:
        return "", "", ""
    initial = pinyin(char, style=Style.INITIALS, strict=False, errors="ignore")
    first = full[0][0][:1]
    return (initial[0][0] if initial and initial[0][0] else first), first, full[0][0]


@lru_cache(maxsize=65536)
def pinyin_keys(text: str) -> str:
    """Initials as taught (sh, q: 'shq'), first letters ('sq') and full pinyin of the Chinese in text."""
    keys = [_char_keys(c) for c in text]
    return " ".join("".join(k[i] for k in keys) for i in range(3)).lower()


@lru_cache(maxsize=65536)
def pinyin_order(text: str) -> str:
    """A sort key that puts Chinese in the order of its pinyin (何 after 韩), as a list of names is
    read; other characters stand for themselves."""
    return " ".join(_char_keys(c)[2] or c.lower() for c in text)


def needle(text: str) -> str:
    """What a search looks for: the text as typed, without surrounding spaces or case."""
    return text.strip().lower()


def spaced(text: str) -> str:
    """The text with a space between any two characters: what the full-text index reads, each
    character a word of its own, so that any piece of a name (石桥 in 石桥镇第二中心小学, sq in
    shq sq shiqiao) is a phrase it can find."""
    return " ".join(text)


def matches(needle: str, hay: str, record_id: str) -> bool:
    """Whether a record's text holds the needle. Record ids are left out of the text (two typed
    letters would match inside thousands of random ULIDs), but a needle that looks like a piece
    of an id (six characters or more, with a digit) finds the record by its own id."""
    return needle in hay or (len(needle) >= 6 and any(c.isdigit() for c in needle) and needle in record_id.lower())


# What a referenced record is called in the lists (a payment shows its student's name, an
# activity its plan's title and its schools' names): a search finds what the list shows.
SHOWN_NAMES = ("name", "short_name", "title")


def closeness(typed: str, names: Iterable[str]) -> tuple[int, int]:
    """How closely a record's names as shown (its name, short name, title; its label in a list)
    answer what was typed, smaller first, for a picker's list: a name typed whole (as written, in
    pinyin initials or letters), then a word of a name typed whole or a name's beginning, then a
    run inside a name, then a record found by its other text (a school's township); among equals
    the shorter name. So `syzx` puts 三元中学 before 三元中心小学 and 三元中心学校, which sort
    first by name."""
    typed = needle(typed)
    best = (3, 0)
    if not typed:
        return best
    for name in names:
        name = name.lower()
        words = name.split()
        for form in _forms(name):
            if form == typed:
                tier = 0
            elif form.startswith(typed):
                tier = 1
            elif typed in form:
                tier = 2
            else:
                continue
            if tier == 2 and len(words) > 1 and any(typed in _forms(word) for word in words):
                tier = 1
            best = min(best, (tier, len(name)))
    return best


def _forms(text: str) -> list[str]:
    """The text as written, its pinyin initials as taught, first letters and full pinyin."""
    return [text, *pinyin_keys(text).split()]


def shown_names(record: dict) -> list[str]:
    return [v for v in (record.get(k) for k in SHOWN_NAMES) if isinstance(v, str)]


def haystack(record: dict, lookup: Callable[[str], dict | None] | None = None,
             refs: set[str] | None = None) -> str:
    """The record's text, with the names of the records it refers to (found with `lookup`; the
    ids of those found are added to `refs`, so the text can be made again when one is renamed)."""
    parts: list[str] = []
    _collect(record, None, parts, lookup, refs)
    return "\n".join(parts).lower()


def _collect(value: Any, key: str | None, parts: list[str], lookup, refs) -> None:
    if isinstance(value, str):
        if is_id(value):   # (its own text is left out: see matches)
            referenced = lookup(value) if lookup is not None and key != "id" else None
            if referenced:
                if refs is not None:
                    refs.add(value)
                for name in shown_names(referenced):
                    parts += [name, pinyin_keys(name)]
            return
        parts.append(value)
        if key in NAME_FIELDS or _enumerated(value):   # (送教下乡 is found by sjxx too)
            parts.append(pinyin_keys(value))
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in ("hmac", "sealed"):
                _collect(v, k, parts, lookup, refs)
    elif isinstance(value, list):
        for v in value:
            _collect(v, key, parts, lookup, refs)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        parts.append(str(value))


def _enumerated(text: str) -> bool:
    return i18n.has(f"value.{text}")


def english_words(record: dict) -> str:
    """What English mode shows for the record's enumerated values (送教下乡 reads 'teaching
    sent'), searched in English mode only: in Chinese mode letters are pinyin, and English words
    would answer them with rows that show no such thing."""
    words: list[str] = []
    _english(record, words)
    return "\n".join(words).lower()


def _english(value: Any, words: list[str]) -> None:
    if isinstance(value, str):
        if _enumerated(value):
            words.append(i18n.catalogue()[f"value.{value}"]["en"])
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in ("hmac", "sealed", "id"):
                _english(v, words)
    elif isinstance(value, list):
        for v in value:
            _english(v, words)


def searched_in_english() -> bool:
    return i18n.lang() == "en"
