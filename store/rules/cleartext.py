"""Clear personal identifiers in a text: resident ID numbers, mainland mobile numbers, bank card
numbers, found however they were typed, and masked for showing.

Text is looked at with every Unicode digit (and the Chinese numerals 〇零一…九) read as its ASCII
digit, every dash as '-', and every space, invisible character (zero-width space, soft hyphen,
control characters) and dot, slash or underscore as ' ' (length kept, so a match's span is the
span in the original text): an ID typed in full-width or Arabic-Indic digits, in Chinese
numerals, or with spaces, dashes or invisible characters inside (up to three between two
digits), is still an ID. Records and where an
identifier belongs are store/rules/identifiers.py's business; this module knows only text."""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Iterator

from store.rules import idcard

SEAL_PREFIX = "v1:"   # a sealed value (store.privacy.protect): base64, digits by chance
KINDS = ("id_number", "phone", "bank_card")
_DASHES = idcard.DASHES
_EDGE_L, _EDGE_R = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_SEP = r"[ -]?"
_ID_SEP = r"[ -]{0,3}"
ID_RE = re.compile(_EDGE_L + r"\d(?:" + _ID_SEP + r"\d){16}" + _ID_SEP + r"[\dXx]" + _EDGE_R)
PHONE_RE = re.compile(_EDGE_L + r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _EDGE_R)
# Card numbers start with 3-6 (Amex/JCB, Visa, Mastercard, UnionPay): cuts false hits on
# long voucher numbers that happen to pass Luhn.
CARD_RE = re.compile(_EDGE_L + r"(?:[3-6]\d{15,18}|[3-6]\d{3}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?)" + _EDGE_R)
PATTERNS = (ID_RE, CARD_RE, PHONE_RE)  # the order matters: an ID first
SEALED_RE = re.compile(re.escape(SEAL_PREFIX) + r"[A-Za-z0-9+/]+={0,2}\Z")


_NUMERALS = "〇零一二三四五六七八九"
_NUMERAL_DIGIT = {ch: str(max(n - 1, 0)) for n, ch in enumerate(_NUMERALS)}
_SEPARATORS = "._/·・"   # written between groups of digits as spaces are (110105.19491231.002X)


def fold(text: str) -> str:
    """The text with every decimal digit (and Chinese numeral) in ASCII, every dash '-', every
    space, separator, control or invisible format character ' ', full-width x/X as x/X; one
    character for one, so spans found in it are spans of the original."""
    out = []
    for ch in text:
        if ch < "\x80":
            out.append(" " if ch in _SEPARATORS or ch < " " or ch == "\x7f" else ch)
        elif (d := unicodedata.decimal(ch, None)) is not None:
            out.append(str(d))
        elif ch in _NUMERAL_DIGIT:
            out.append(_NUMERAL_DIGIT[ch])
        elif ch in _DASHES:
            out.append("-")
        elif ch.isspace() or ch in _SEPARATORS or unicodedata.category(ch) in ("Cf", "Cc"):
            out.append(" ")
        elif ch in "ｘＸ":
            out.append(unicodedata.normalize("NFKC", ch))
        else:
            out.append(ch)
    return "".join(out)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# Ten digits or more (any Unicode digits or Chinese numerals), up to three characters that are
# neither letters nor digits between them: what every kind needs, whatever fold() makes of the
# rest. Most texts have no such run and are done with one search (the rule runs on every field of
# every save).
_DIGIT = r"[\d" + _NUMERALS + r"]"
_CANDIDATE = re.compile(_DIGIT + r"(?:[\W_]{0,3}+" + _DIGIT + r"){9}")   # (no digit is a separator: no backtracking)
# A JSON string's escapes (\t, \n, \u001f, …): in a record file's text they stand for one character.
_JSON_ESCAPE = re.compile(r'\\(?:u[0-9a-fA-F]{4}|.)')


def may_hold(text: str) -> bool:
    """Whether the text has a run of ten digits (separators between): what every kind needs.
    False: no identifier in it, none in any part of it."""
    return _CANDIDATE.search(text) is not None


def may_hold_json(text: str) -> bool:
    """may_hold() of a record file's text: each escape read as the one character it stands for
    (a tab between the digits is written `\t`, whose `t` would end the run)."""
    return may_hold(_JSON_ESCAPE.sub(" ", text) if "\\" in text else text)


def spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of each clear identifier in the text, IDs first, never two overlapping."""
    if not may_hold(text):
        return
    folded = fold(text)
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return not any(x < b and a < y for x, y in taken)
    for m in ID_RE.finditer(folded):
        if idcard.problem(m.group()) is None:
            taken.append(m.span())
            yield m.start(), m.end(), "id_number"
    for m in CARD_RE.finditer(folded):
        digits = re.sub(r"\D", "", m.group())
        if 16 <= len(digits) <= 19 and luhn_ok(digits) and free(*m.span()):
            taken.append(m.span())
            yield m.start(), m.end(), "bank_card"
    for m in PHONE_RE.finditer(folded):
        if free(*m.span()):
            taken.append(m.span())
            yield m.start(), m.end(), "phone"


def clear_kinds(text: str) -> list[str]:
    """Kinds of clear identifiers in one string (each kind once)."""
    return list(_short_kinds(text) if len(text) <= 200 else _kinds(text))


def _kinds(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(kind for _a, _b, kind in spans(text)))


# A save of 50,000 payments holds the same term, programme, date and voucher in every record:
# each short string is looked through once.
_short_kinds = functools.lru_cache(maxsize=16384)(_kinds)


def mask_found(kind: str, value: str) -> str:
    """A found identifier as it may be shown (the notice rule: an ID's first and last four, a
    mobile's first three and last four, a card's last four)."""
    digits = re.sub(r"[^0-9Xx]", "", fold(value)).upper()
    if kind == "id_number":
        return idcard.mask(digits)
    if kind == "phone":
        digits = digits[2:] if len(digits) == 13 and digits.startswith("86") else digits
        return digits[:3] + "****" + digits[-4:]
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_text(text: str) -> str:
    """The text with every clear identifier in it masked: what a screen, a log or a report shows."""
    for start, end, kind in sorted(spans(text), reverse=True):
        text = text[:start] + mask_found(kind, text[start:end]) + text[end:]
    return text
