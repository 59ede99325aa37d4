"""Resident ID numbers (居民身份证号, GB 11643-1999): the one place they are put in normal form and
checked. `stdnum.cn.ric` (python-stdnum) knows the shape, the check character and the region
codes; our own rules add that nobody in these records was born before 1900 or after today."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from stdnum import numdb
from stdnum.cn import ric

from store.core import clock

_SHAPE = re.compile(r"^\d{17}[\dX]$")
DASHES = "-‐‑‒–—―−－﹣"  # every dash a person may type inside a number
FIRST_YEAR = 1900


def normal(value: str) -> str:
    """The one form an ID number is checked, hashed and sealed in: Unicode digits and letters as
    ASCII, no spaces or dashes, `x` upper-cased. The same ID typed two ways is the same ID."""
    out = []
    for ch in unicodedata.normalize("NFKC", value):
        d = unicodedata.decimal(ch, None)
        if d is not None:
            out.append(str(d))
        elif not (ch.isspace() or ch in DASHES):
            out.append(ch)
    return "".join(out).upper()


def check_char(first17: str) -> str:
    # stdnum reads the number with its check character in place and ignores that character.
    return ric.calc_check_digit(first17 + "0")


def problem(value: str, today: dt.date | None = None) -> str | None:
    """None when valid, else the message key of what is wrong (the value in normal form or not)."""
    value = normal(value)
    if not _SHAPE.match(value):
        return "idcard.shape"
    try:
        born = birth_date(value)
    except ValueError:
        return "idcard.birth"
    if born.year < FIRST_YEAR or born > (today or clock.today()):
        return "idcard.birth"
    if check_char(value[:17]) != value[17]:
        return "idcard.check"
    # The region: a code that exists, also when it was made after the birth year (a county
    # renamed, a registration made years after birth is still a real place; stdnum's own validate
    # wants the code in use in the birth year).
    if not _region_known(value[:6]):
        return "idcard.region"
    return None


def _region_known(code: str) -> bool:
    return any(props.get("county") for _part, props in numdb.get("cn/loc").info(code))


def birth_date(value: str) -> dt.date:
    value = normal(value)
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


_GRADES = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_GRADE = re.compile(r"^(?:(初|高)([一二三])|([一二三四五六七八九]|[1-9])年级)")
SLACK_YEARS = 2   # a year early or late at school entry, a year repeated: no warning


def grade_number(grade: str) -> int | None:
    """1..12 for 一年级..九年级, 初一..初三 (7..9), 高一..高三 (10..12); None when it reads otherwise."""
    m = _GRADE.match(grade.strip())
    if not m:
        return None
    if m.group(1):
        return _GRADES[m.group(2)] + (6 if m.group(1) == "初" else 9)
    g = m.group(3)
    return int(g) if g.isdigit() else _GRADES[g]


def sex_fits(value: str, sex: str) -> bool:
    """The 17th character (odd for men) against the sex field; it is among the last four a masked
    form shows, so this needs no key. True when either cannot be read."""
    digit = value[16] if len(value) == 18 else ""
    return not (digit.isdigit() and sex in ("男", "女")) or (int(digit) % 2 == 1) == (sex == "男")


def birth_fits_grade(value: str, grade: str, today: dt.date | None = None) -> bool:
    """A child starts 一年级 the September they are six: the birth year inside a clear ID against the
    grade, with SLACK_YEARS either way. True when either cannot be read."""
    n = grade_number(grade or "")
    if n is None or problem(value, today) is not None:
        return True
    today = today or clock.today()
    school_year = today.year if today.month >= 9 else today.year - 1
    age = school_year - birth_date(value).year
    return abs(age - (n + 5)) <= SLACK_YEARS


def mask(value: str) -> str:
    # The notice rule (README, children's data): the first four (province and prefecture) and the
    # last four, which coordinators use to tell students apart on a list; the birth date in the
    # middle stays hidden.
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
