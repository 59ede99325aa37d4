"""The one byte form of a record: what is hashed, committed and compared."""
from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

import orjson


def dumps(record: Any) -> bytes:
    # Sorted keys and a fixed indent make `git diff` show only changed fields and
    # make saving an unchanged record produce the same blob (so no commit).
    # The bytes are exactly `json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2)` and a
    # newline. orjson writes those bytes for text, whole numbers, booleans, lists and objects (its
    # escapes and key order are json's, every code point tested) in half the time of the writer
    # below with the look for numbers that follows (a disbursement writes 50,000 payments). A float
    # (orjson writes 1e-05 as 0.00001, NaN as null) goes to the writer below, found as a digit
    # followed by a point or an `e` (as json writes every float but the three it writes as words)
    # or a null (text that holds either, as '1.5', goes there too: only slower); so does anything
    # orjson does not take as it is (a subclass, a date, keys that are not text).
    # (An enum or a UUID, which json refuses, orjson writes as its value: a record, read from JSON,
    # holds neither.)
    try:
        data = orjson.dumps(record, option=_ORJSON)
    except TypeError:   # (orjson.JSONEncodeError is one)
        data = None
    if data is not None:
        digits = data.translate(_DIGITS_AS_ZERO)
        if b"0." not in digits and b"0e" not in digits and b"null" not in data:
            return data
    out: list[str] = []
    try:
        _write(record, "", out)
    except _NotPlain:
        return (json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
    out.append("\n")
    return "".join(out).encode("utf-8")


_ORJSON = (orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_SUBCLASS
           | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


class _NotPlain(Exception):
    pass


_INF = float("inf")


def _write(value: Any, pad: str, out: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        lead, sep = "{\n" + inner, ",\n" + inner
        for key in sorted(value):   # (keys of several types: json's own TypeError)
            if type(key) is not str:
                raise _NotPlain
            item = value[key]
            # Text and whole numbers written in place, not a call each: most of a record's values
            # (a disbursement writes 50,000 payments of fifteen).
            if type(item) is str:
                out.append(f"{lead}{encode_basestring(key)}: {encode_basestring(item)}")
            elif type(item) is int:
                out.append(f"{lead}{encode_basestring(key)}: {int.__repr__(item)}")
            else:
                out.append(lead + encode_basestring(key) + ": ")
                _write(item, inner, out)
            lead = sep
        out.append("\n" + pad + "}")
    elif kind is str:
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        out.append("NaN" if value != value else "Infinity" if value == _INF else "-Infinity" if value == -_INF
                   else float.__repr__(value))
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = pad + "  "
        lead = "[\n" + inner
        for item in value:
            out.append(lead)
            _write(item, inner, out)
            lead = ",\n" + inner
        out.append("\n" + pad + "]")
    else:
        raise _NotPlain


# A whole number of nineteen digits or more, which orjson may read as a float (it keeps 64 bits:
# -9223372036854775809 is one): found as a run of nineteen digits, each made a NUL first (a raw
# NUL is never in JSON's text).
_DIGITS_AS_NUL = bytes.maketrans(b"0123456789", b"\0" * 10)
_LONG_NUMBER = b"\0" * 19


def loads(text: str | bytes) -> Any:
    """A record's JSON read as `json.loads` reads it, in about half its time (a query of 4,818
    activities at 1M spent 47 ms parsing them): orjson, except for what orjson reads otherwise
    or refuses (long whole numbers, NaN, a lone surrogate), which json reads."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _LONG_NUMBER not in data.translate(_DIGITS_AS_NUL):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def is_canonical(data: bytes) -> bool:
    try:
        return dumps(json.loads(data.decode("utf-8"))) == data
    except (UnicodeDecodeError, ValueError):
        return False


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob, without asking git."""
    import hashlib
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
