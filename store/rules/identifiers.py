"""Clear personal identifiers where they do not belong: a resident ID number, a mainland mobile
number or a bank card number typed into a note, a name, a reason, a commit message, a tag.

Children's records (PIPL arts. 28, 31): such a value may only be kept in its protected field
(`identity.…` of the student), where it is sealed before commit. Everywhere else it is refused, on
every path that checks records (save, import, merge, resolve, the hub), and the message names the
record, the field and where the value belongs, never the value. The same detectors
(store/rules/cleartext.py) serve `audit` and `bangfu key scan`, which look for what older versions
let through."""
from __future__ import annotations

import functools
from typing import Any

from store.core import ids
from store.core.findings import Finding
from store.core.i18n import Word
from store.rules.cleartext import SEALED_RE, clear_kinds
from store.rules.protected import field_paths, is_protected

# Where each kind belongs: the student's protected field, sealed before commit.
HOME = {"id_number": "identity.id_number", "phone": "identity.phone / identity.guardian_phone",
        "bank_card": "identity.bank_card"}
_NOT_CLEAR = ("hmac", "sealed", "key")  # hex and base64 of a protected object: digits by chance
Path = tuple


def find_clear_identifiers(obj: Any, path: Path = ()) -> list[tuple[Path, str]]:
    """(path, kind) of every clear ID number, mobile number or bank card in a JSON value."""
    out: list[tuple[Path, str]] = []
    _walk(obj, path, out)
    return out


def _text_kinds(text: str) -> tuple[str, ...]:
    # Every kind is ten digits or more: a shorter text holds none (a payment's term, programme,
    # date, method and voucher). A record id never holds one: its 26 letters and digits after the
    # type's dash are bounded by that dash and the end of the text, and no identifier is 26
    # characters long (an ID number is 18, a mobile 11, a card 16 to 19), nor starts or ends
    # inside a run of letters and digits. A save of 50,000 payments holds four ids in each, every
    # one new: not kept.
    if len(text) < 10:
        return ()
    kinds = _TEXTS.get(text)
    if kinds is None:
        if _IS_ID(text):
            return ()
        kinds = () if SEALED_RE.match(text) else tuple(clear_kinds(text))
        if len(_TEXTS) >= 16384:
            _TEXTS.clear()
        _TEXTS[text] = kinds
    return kinds


_TEXTS: dict[str, tuple[str, ...]] = {}   # (the texts of a save's records that are no ids, each looked through once)
_IS_ID = ids.ID_RE.fullmatch


def _walk(obj: Any, path: Path, out: list[tuple[Path, str]]) -> None:
    if isinstance(obj, dict):
        protected = is_protected(obj)
        for k, v in obj.items():
            for kind in _key_kinds(k):
                out.append((path + (k,), kind))
            if protected and k in _NOT_CLEAR:
                continue
            # (text and whole numbers here, not a call each: a save of 50,000 payments has 25 values each)
            kind_of = type(v)
            if kind_of is str:
                kinds = _TEXTS.get(v)
                if kinds is None:
                    kinds = _text_kinds(v)
            elif kind_of is int:
                kinds = _number_kinds(v)
            else:
                _walk(v, path + (k,), out)
                continue
            for kind in kinds:
                out.append((path + (k,), kind))
        return
    if isinstance(obj, str):
        kinds = _text_kinds(obj)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _walk(v, path + (i,), out)
        return
    elif isinstance(obj, int) and not isinstance(obj, bool):
        kinds = _number_kinds(obj)
    else:
        return
    for kind in kinds:
        out.append((path, kind))


@functools.lru_cache(maxsize=4096, typed=True)
def _key_kinds(key: Any) -> tuple[str, ...]:
    return tuple(clear_kinds(str(key)))


@functools.lru_cache(maxsize=16384, typed=True)
def _number_kinds(number: int) -> tuple[str, ...]:
    return tuple(clear_kinds(str(number)))


def misplaced(record: dict, schemas) -> list[Finding]:
    """An error for each field outside the protected ones that holds a clear identifier: which
    record, which field, what kind and where it belongs; never the value."""
    inside = field_paths(record, schemas)
    rid = str(record.get("id", "?"))
    return [Finding(rid, path, "privacy.clear_in_field", {"kind": Word(f"privacy.kind.{kind}"), "home": HOME[kind]})
            for path, kind in find_clear_identifiers(record)
            if not any(path[:len(p)] == p for p in inside)]


def misplaced_in_text(text: str, where: str, kinds: tuple[str, ...] = tuple(HOME)) -> list[Finding]:
    """The same for a text outside any record (a commit message, a tag, a file name): `where` names it."""
    return [Finding(where, (), "privacy.clear_in_text", {"kind": Word(f"privacy.kind.{kind}"), "home": HOME[kind]})
            for kind in clear_kinds(text) if kind in kinds]
