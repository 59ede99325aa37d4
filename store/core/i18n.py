"""One catalogue of every user-facing text, in Chinese and English.

The catalogue is the set of `messages/*.toml` files (one per area, so areas can
be edited apart); a key may be defined only once across them, and every key has
both languages (a test checks both).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path

LANGS = ("zh", "en")
_lang = "zh" if os.environ.get("BANGFU_LANG", "zh") not in LANGS else os.environ.get("BANGFU_LANG", "zh")
_DIR = Path(__file__).with_name("messages")


def set_lang(lang: str) -> None:
    global _lang
    if lang not in LANGS:
        raise ValueError(lang)
    _lang = lang


def lang() -> str:
    return _lang


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every message. Every `bangfu` command reads them all (its help texts); TOML is read in Python
    (46 ms of a save's 300 ms of CPU from the command line), so the merged catalogue is kept as
    JSON in the user's cache, named by a hash of the TOML files (read again when they change)."""
    files = [(path.name, path.read_bytes()) for path in sorted(_DIR.glob("*.toml"))]
    digest = hashlib.sha1(b"".join(name.encode() + b"\0" + data for name, data in files)).hexdigest()[:16]
    try:
        kept: Path | None = _cache_folder() / f"messages-{digest}.json"
        if kept.stat().st_uid == os.getuid():   # (only a file of this user's making is taken)
            found = json.loads(kept.read_bytes())
            if isinstance(found, dict):
                return found
    except RuntimeError:   # (no home folder to keep it in)
        kept = None
    except (OSError, ValueError):
        pass
    import tomllib   # (only when the catalogue is read afresh)

    merged: dict[str, dict[str, str]] = {}
    for name, data in files:
        for key, texts in _flatten(tomllib.loads(data.decode("utf-8"))):
            if key in merged:
                raise KeyError(f"message {key} defined twice (again in {name})")
            merged[key] = texts
    if kept is not None:
        _keep(kept, merged)
    return merged


def _cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bangfu"


def _keep(kept: Path, merged: dict) -> None:
    """Written whole or not at all (another process may read it meanwhile); older versions go."""
    import tempfile

    written = None
    try:
        kept.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for old in kept.parent.glob("messages-*.json"):
            old.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=kept.parent, prefix=".messages-", delete=False,
                                         encoding="utf-8") as fh:
            written = Path(fh.name)
            json.dump(merged, fh, ensure_ascii=False)
        os.replace(written, kept)
    except OSError:   # (no cache where none can be written, a full disk: the TOML is read each time)
        if written is not None:
            written.unlink(missing_ok=True)


def _flatten(table: dict, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict) and not set(value) <= set(LANGS):
            yield from _flatten(value, f"{prefix}{key}.")
        elif isinstance(value, dict):
            yield f"{prefix}{key}", value


def t(key: str, /, **params: object) -> str:
    texts = catalogue().get(key)
    if texts is None:
        # A missing message is a bug, but the user still gets the facts.
        return key + (" " + ", ".join(f"{k}={v}" for k, v in params.items()) if params else "")
    text = texts.get(_lang) or texts["zh"]
    if params and _lang != "zh":
        params = {k: _enumerated(v) for k, v in params.items()}
    if "!p:" in text:
        text = _PLURAL.sub(lambda m: _counted(m, params), text)
    return text.format(**params) if params else text


# A word that follows a count: `{count!p:school|schools}` in a message reads "school" when count is
# exactly 1 and "schools" otherwise (English has these two forms; Chinese has none and never uses it).
_PLURAL = re.compile(r"\{(\w+)!p:([^|{}]*)\|([^{}]*)\}")


def _counted(match: re.Match, params: dict) -> str:
    count, one, other = match.groups()
    return plural(params.get(count, ""), one, other)


def plural(count: object, one: str, other: str) -> str:
    """The English form for a count: `one` for exactly 1, `other` otherwise (commit titles, which
    are English for every reader, count with it too: "import 1 record")."""
    return one if str(count).strip() == "1" else other


def counted(count: int, one: str, other: str | None = None) -> str:
    """A count and its noun in English: 1 record, 2 records."""
    return f"{count} {plural(count, one, other or one + 's')}"


def _enumerated(param: object) -> object:
    """A message parameter that is an enumerated value (送教下乡, 在册), or a 、-list of them (the
    values a field allows), in the reader's language; a list keeps the stored values beside (they
    are what the command line and an import take). Anything else stays as given."""
    if type(param) is not str:
        return param
    if has(f"value.{param}"):
        return value(param)
    items = param.split("、")
    if len(items) > 1 and all(has(f"value.{item}") for item in items):
        return listing(value(item, gloss=True) for item in items)
    return param


def title(zh: str) -> str:
    """A schema title (the schemas hold Chinese) in the user's language, from `[title]` in
    messages/fields.toml, which may word it shorter than the schema in Chinese too (a form's title
    column is 19 cells wide at 80 columns). A title with no translation (an older or newer ledger
    schema) stays as it is."""
    texts = catalogue().get(f"title.{zh}")
    return (texts.get(_lang) or zh) if texts else zh


def listing(items) -> str:
    """Items named in a message, joined as the user's language lists them (、 in Chinese)."""
    return ("、" if _lang == "zh" else ", ").join(str(i) for i in items)


def value(zh: object, gloss: bool = False) -> str:
    """An enumerated value (stored in Chinese) as the user's language shows it, from `[value]` in
    messages/values.toml; with `gloss`, English mode adds the stored value (what the command line
    and an import take). Anything else is shown as it is."""
    text = str(zh)
    if _lang == "zh":
        return text
    texts = catalogue().get(f"value.{text}")
    if not texts:
        return text
    return f"{texts['en']} ({text})" if gloss else texts["en"]


def unit(zh: str, count: object) -> str:
    """A target's unit as it reads after `count` ("1 hour", "3 hours"; 课时 in Chinese), from
    `[unit]` in messages/values.toml; a unit with no line there (%) is shown as `value` shows it."""
    key = f"unit.{zh}"
    return t(key, n=count) if has(key) else value(zh)


def stored(typed: str) -> str:
    """The stored value of an enumerated value typed as the reader's language shows it ("central"
    in English mode is 中央); anything else as typed."""
    if _lang == "zh":
        return typed
    return _stored_of_english().get(typed.lower(), typed)


@lru_cache(maxsize=None)
def _stored_of_english() -> dict[str, str]:
    english: dict[str, list[str]] = {}
    for key, texts in catalogue().items():
        if key.startswith("value."):
            english.setdefault(texts["en"].lower(), []).append(key.removeprefix("value."))
    return {en: zh[0] for en, zh in english.items() if len(zh) == 1}   # (one English for two values: as typed)


def values(items: object) -> str:
    """A list of enumerated values, each as `value` shows it."""
    if not isinstance(items, (list, tuple)):
        return value(items) if items not in (None, "") else ""
    return listing(value(v) for v in items)


def os_reason(error: OSError | int) -> str:
    """Why the system refused a file (an OSError, or its errno) in the reader's words, from
    `[oserror]` in messages/core.toml; the system's own words (English) for a reason not there."""
    import errno as codes
    import os

    number = error if isinstance(error, int) else error.errno
    key = f"oserror.{codes.errorcode.get(number, '')}"
    if number is not None and has(key):
        return t(key)
    if isinstance(error, int):
        return os.strerror(error)
    return error.strerror or str(error)


def has(key: str) -> bool:
    return key in catalogue()


# What Python's json module says is wrong (its messages are English only), in the user's words.
_JSON_PROBLEMS = {
    "Expecting value": "expecting_value",
    "Expecting property name enclosed in double quotes": "expecting_name",
    "Expecting ',' delimiter": "expecting_comma",
    "Expecting ':' delimiter": "expecting_colon",
    "Unterminated string starting at": "unterminated",
    "Invalid control character at": "control_character",
    "Invalid \\escape": "bad_escape",
    "Invalid \\uXXXX escape": "bad_escape",
    "Extra data": "extra_data",
    "Illegal trailing comma before end of object": "trailing_comma",
    "Illegal trailing comma before end of array": "trailing_comma",
}


def json_problem(msg: str) -> str:
    """A json.JSONDecodeError's `msg` translated (the line and column are said apart)."""
    key = _JSON_PROBLEMS.get(msg)
    return t(f"json.{key}") if key else msg


# ---- message parameters translated when shown ---------------------------------------------------
# A finding is made in one language and may be read in the other (a conflict stored in the ledger
# by whoever merged, an audit report): its parameters that are words or schema titles stay words.

class _Shown(str):
    """A parameter that reads in the language of whoever reads it."""

    def __str__(self) -> str:
        return self._shown()

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def _shown(self) -> str:
        raise NotImplementedError


class Word(_Shown):
    """A parameter that is itself a catalogue entry."""

    def __new__(cls, key: str):
        obj = super().__new__(cls, key)
        obj.key = key
        return obj

    def _shown(self) -> str:
        return t(self.key)


class Title(_Shown):
    """A parameter that is a schema title (Chinese in the schemas), shown through `title`."""

    def __new__(cls, zh: str):
        obj = super().__new__(cls, zh)
        obj.zh = zh
        return obj

    def _shown(self) -> str:
        return title(self.zh)


class Texts(_Shown):
    """A parameter worked out in each language when it was made (records named by their lines, with
    their field titles), shown in the reader's: a refusal made at the hub is read in both."""

    def __new__(cls, texts: dict[str, str]):
        obj = super().__new__(cls, texts.get(_lang, ""))
        obj.texts = texts
        return obj

    def _shown(self) -> str:
        return self.texts.get(_lang) or next(iter(self.texts.values()), "")


def in_each_language(make) -> Texts:
    """`make()` run once in each language, as one parameter."""
    was = _lang
    texts = {}
    try:
        for lang in LANGS:
            set_lang(lang)
            texts[lang] = make()
    finally:
        set_lang(was)
    return Texts(texts)


def params_json(params: dict) -> dict:
    """A finding's parameters as stored (in a conflict event): each as the text it reads now,
    which is what an older Bangfu shows, plus under "_kinds" what the words and titles are, so
    they read in the reader's language."""
    out: dict = {k: str(v) for k, v in params.items()}
    kinds = {k: {"word": v.key} if isinstance(v, Word) else {"title": v.zh}
             for k, v in params.items() if isinstance(v, (Word, Title))}
    if kinds:
        out["_kinds"] = kinds
    return out


def params_from_json(stored: dict) -> dict:
    params = {k: v for k, v in stored.items() if k != "_kinds"}
    for k, kind in (stored.get("_kinds") or {}).items():
        if isinstance(kind, dict) and isinstance(kind.get("word"), str):
            params[k] = Word(kind["word"])
        elif isinstance(kind, dict) and isinstance(kind.get("title"), str):
            params[k] = Title(kind["title"])
    return params
