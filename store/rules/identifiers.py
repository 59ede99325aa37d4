"""Clear personal identifiers where they do not belong: a resident ID number, a mainland mobile
number or a bank card number typed into a note, a name, a reason, a commit message, a tag.

Children's records (PIPL arts. 28, 31): such a value may only be kept in its protected field
(`identity.…` of the student), where it is sealed before commit. Everywhere else it is refused, on
every path that checks records (save, import, merge, resolve, the hub), and the message names the
record, the field and where the value belongs, never the value. The same detectors serve `audit`
and `bangfu key scan`, which look for what older versions let through.

Text is looked at with every Unicode digit read as its ASCII digit, every dash as '-' and every
space as ' ' (length kept, so a match's span is the span in the original text): an ID typed in
full-width or Arabic-Indic digits, or with spaces inside, is still an ID."""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterator

from store.core.findings import Finding
from store.core.i18n import Word
from store.rules import idcard
from store.rules.protected import field_paths, is_protected

SEAL_PREFIX = "v1:"   # a sealed value (store.privacy.protect): base64, digits by chance
KINDS = ("id_number", "phone", "bank_card")
# Where each kind belongs: the student's protected field, sealed before commit.
HOME = {"id_number": "identity.id_number", "phone": "identity.phone / identity.guardian_phone",
        "bank_card": "identity.bank_card"}

_DASHES = "-‐‑‒–—―−－﹣"
_EDGE_L, _EDGE_R = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_SEP = r"[ -]?"
ID_RE = re.compile(_EDGE_L + r"\d(?:" + _SEP + r"\d){16}" + _SEP + r"[\dXx]" + _EDGE_R)
PHONE_RE = re.compile(_EDGE_L + r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _EDGE_R)
# Card numbers start with 3-6 (Amex/JCB, Visa, Mastercard, UnionPay): cuts false hits on
# long voucher numbers that happen to pass Luhn.
CARD_RE = re.compile(_EDGE_L + r"(?:[3-6]\d{15,18}|[3-6]\d{3}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?)" + _EDGE_R)
PATTERNS = (ID_RE, CARD_RE, PHONE_RE)  # the order matters: an ID first
_SEALED_RE = re.compile(re.escape(SEAL_PREFIX) + r"[A-Za-z0-9+/]+={0,2}\Z")
_NOT_CLEAR = ("hmac", "sealed", "key")  # hex and base64 of a protected object: digits by chance
Path = tuple


def fold(text: str) -> str:
    """The text with every decimal digit in ASCII, every dash '-', every space ' ', full-width x/X
    as x/X; one character for one, so spans found in it are spans of the original."""
    out = []
    for ch in text:
        if ch < "\x80":
            out.append(ch)
        elif (d := unicodedata.decimal(ch, None)) is not None:
            out.append(str(d))
        elif ch in _DASHES:
            out.append("-")
        elif ch.isspace():
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


def spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of each clear identifier in the text, IDs first, never two overlapping."""
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
    return list(dict.fromkeys(kind for _a, _b, kind in spans(text)))


def find_clear_identifiers(obj: Any, path: Path = ()) -> list[tuple[Path, str]]:
    """(path, kind) of every clear ID number, mobile number or bank card in a JSON value."""
    out: list[tuple[Path, str]] = []
    if isinstance(obj, dict):
        protected = is_protected(obj)
        for k, v in obj.items():
            out += [(path + (k,), kind) for kind in clear_kinds(str(k))]
            if not (protected and k in _NOT_CLEAR):
                out += find_clear_identifiers(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += find_clear_identifiers(v, path + (i,))
    elif isinstance(obj, str) and not _SEALED_RE.match(obj):
        out += [(path, kind) for kind in clear_kinds(obj)]
    elif isinstance(obj, int) and not isinstance(obj, bool):
        out += [(path, kind) for kind in clear_kinds(str(obj))]
    return out


def misplaced(record: dict, schemas) -> list[Finding]:
    """An error for each field outside the protected ones that holds a clear identifier: which
    record, which field, what kind and where it belongs; never the value."""
    inside = field_paths(record, schemas)
    rid = str(record.get("id", "?"))
    return [Finding(rid, path, "privacy.clear_in_field", {"kind": Word(f"privacy.kind.{kind}"), "home": HOME[kind]})
            for path, kind in find_clear_identifiers(record)
            if not any(path[:len(p)] == p for p in inside)]


def misplaced_in_text(text: str, where: str) -> list[Finding]:
    """The same for a text outside any record (a commit message, a tag, a file name): `where` names it."""
    return [Finding(where, (), "privacy.clear_in_text", {"kind": Word(f"privacy.kind.{kind}"), "home": HOME[kind]})
            for kind in clear_kinds(text)]


def mask_found(kind: str, value: str) -> str:
    """A found identifier as it may be shown (the notice rule: an ID's first and last four, a
    mobile's first three and last four, a card's last four)."""
    digits = re.sub(r"[^0-9Xx]", "", fold(value)).upper()
    if kind == "id_number":
        return idcard.mask(idcard.normal(value))
    if kind == "phone":
        digits = digits[2:] if len(digits) == 13 and digits.startswith("86") else digits
        return digits[:3] + "****" + digits[-4:]
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_text(text: str) -> str:
    """The text with every clear identifier in it masked: what a screen, a log or a report shows."""
    for start, end, kind in sorted(spans(text), reverse=True):
        text = text[:start] + mask_found(kind, text[start:end]) + text[end:]
    return text
