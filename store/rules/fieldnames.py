"""A field named as a person names it: by its path (`hours`, `identity.id_number`) or by the title the
screens show (`课时`, `Teaching hours`, `居民身份证号`), in either language. An unknown name is a message
that says which fields come closest.

Used by the command line's `set`, `reveal` and `list --where`, so that what the card of `bangfu show`
calls a field is also what may be typed."""
from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Iterator

from store.core import i18n
from store.core.errors import UsageError
from store.core.findings import dotted


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-·]+", "", text)


def _parts(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in name.replace("[", ".").replace("]", "").split(".") if p)


def fields(schemas, record_type: str) -> Iterator[tuple[tuple, list[str]]]:
    """(path, the names a person may use for it) of every field outside lists: its key and its
    title in Chinese and English."""
    def walk(node: dict, path: tuple) -> Iterator[tuple[tuple, list[str]]]:
        node = schemas.resolve(node)
        for key, sub in (node.get("properties") or {}).items():
            sub = schemas.resolve(sub)
            here = path + (key,)
            zh = str(sub.get("title") or "")
            yield here, [key, zh, _titled(zh, "zh"), _titled(zh, "en")] if zh else [key]
            if sub.get("type") == "object" and not sub.get("x-protected"):
                yield from walk(sub, here)

    yield from walk(schemas.inlined(record_type), ())


def title_of(schemas, rtype: str | None, path: tuple) -> str:
    """'金额' for ('amount_fen',); nested fields as '参与人员[0].姓名'; the field name when untitled."""
    if not path:
        return ""
    if not schemas or rtype not in getattr(schemas, "record_types", []):
        return dotted(path)
    parts = []
    for i, part in enumerate(path):
        if isinstance(part, int):
            parts.append(f"[{part}]")
            continue
        node = schemas.field(rtype, path[: i + 1])
        name = i18n.title(node.get("title") or str(part))
        parts.append(("." if parts else "") + name)
    return "".join(parts)


def _titled(zh: str, lang: str) -> str:
    """The title as the screens show it in `lang` (the catalogue may word a schema's title shorter)."""
    was = i18n.lang()
    try:
        i18n.set_lang(lang)
        return i18n.title(zh)
    finally:
        i18n.set_lang(was)


def resolve(schemas, record_type: str, name: str) -> str:
    """The dotted path of the field `name` stands for. A path of the schema is taken as it is (list
    items by index: `participants.0.name`); a title must name one field (the shallowest, when a nested
    field has the same title: 日期 is a visit's date, not its secondment's)."""
    parts = _parts(name)
    if parts and schemas.field(record_type, parts):
        return ".".join(map(str, parts))
    wanted = _norm(name)
    found: dict[tuple, int] = {}
    for path, names in fields(schemas, record_type):
        if any(n and _norm(n) == wanted for n in names):
            found[path] = len(path)
    if found:
        depth = min(found.values())
        best = [p for p, d in found.items() if d == depth]
        if len(best) == 1:
            return ".".join(best[0])
        raise UsageError("cli.field_ambiguous", field=name, paths="、".join(".".join(p) for p in best))
    raise UsageError("cli.unknown_field", field=name, type=i18n.title(str(schemas.docs[record_type].get("title"))),
                     suggestions=suggest(schemas, record_type, name))


def suggest(schemas, record_type: str, name: str) -> str:
    """The fields whose key or title is closest to `name`, as `课时 (hours)`."""
    shown: dict[str, str] = {}
    for path, names in fields(schemas, record_type):
        dotted = ".".join(path)
        title = i18n.title(names[1]) if len(names) > 1 else ""
        for n in names:
            if n:
                shown[_norm(n)] = f"{title} ({dotted})" if title else dotted
    close = difflib.get_close_matches(_norm(name), list(shown), n=3, cutoff=0.6)
    if not close:   # one character of Chinese off is far by difflib's measure: a title that contains it
        close = [k for k in shown if _norm(name) in k or (k in _norm(name) and len(k) > 1)][:3]
    return i18n.listing(dict.fromkeys(shown[k] for k in close)) or "—"
