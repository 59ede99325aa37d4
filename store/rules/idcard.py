"""Resident ID numbers (居民身份证号, GB 11643-1999)."""
from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def problem(value: str) -> str | None:
    """None when valid, else the message key of what is wrong."""
    if not _SHAPE.match(value):
        return "idcard.shape"
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "idcard.birth"
    if check_char(value[:17]) != value[17]:
        return "idcard.check"
    return None


def birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def mask(value: str) -> str:
    # The region (first 4) and the last 4 are what coordinators use to tell
    # students apart on a list; the birth date in the middle stays hidden.
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
