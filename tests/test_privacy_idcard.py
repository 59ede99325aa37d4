"""One normal form for a resident ID number before it is checked, hashed or sealed, and a check
that knows the region codes (python-stdnum) and refuses birth dates that cannot be."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import TODAY, school
from store.core.errors import InvalidRecord
from store.privacy import protect
from store.rules import idcard

ID = "340521201203151238"
TODAY = dt.date(2026, 12, 5)


@pytest.mark.parametrize("typed", [
    ID, "３４０５２１２０１２０３１５１２３８", "".join(chr(0x0660 + int(d)) for d in ID),
    "".join(chr(0x06F0 + int(d)) for d in ID), "340521 20120315 1238", "340521-2012-0315-1238", " 340521　201203151238 ",
])
def test_one_id_typed_many_ways_has_one_normal_form(typed):
    assert idcard.normal(typed) == ID
    assert idcard.problem(typed) is None


def test_lowercase_x_is_upper_cased():
    assert idcard.normal("11010519491231002x") == "11010519491231002X"
    assert protect.mask("id_number", "11010519491231002x") == "1101**********002X"


@pytest.mark.parametrize("value,key", [
    ("000000202612060019", "idcard.birth"),      # born tomorrow
    ("110101000108081015", "idcard.birth"),      # year 0001
    ("110101189912310015", "idcard.birth"),      # before 1900
    ("000000200808081015", "idcard.region"),
    ("999999200808081013", "idcard.region"),
    ("123456200808081019", "idcard.region"),
    ("340521201203151239", "idcard.check"),
])
def test_impossible_ids_are_refused(value, key):
    assert idcard.problem(value, today=TODAY) == key


def test_an_id_in_arabic_indic_digits_is_the_same_student(ledger):
    sch = ledger.put(school()).id
    base = {"type": "student", "schema_version": 1, "sex": "男", "school": sch, "stage": "小学",
            "grade": "五年级", "class_name": "1班", "events": [{"date": "2025-09-01", "event": "认定"}]}
    first = ledger.put({**base, "name": "王明", "identity": {"id_number": ID}}).id
    with pytest.raises(InvalidRecord) as caught:
        ledger.put({**base, "name": "王小明",
                    "identity": {"id_number": "".join(chr(0x0660 + int(d)) for d in ID)}})
    [finding] = caught.value.findings
    assert finding.rule == "privacy.duplicate" and finding.params["other"] == first
    with pytest.raises(InvalidRecord):
        ledger.put({**base, "name": "王晓明", "identity": {"id_number": "340521 2012 0315 1238"}})


def _id_born(year: int, sex_digit: int) -> str:
    first17 = f"340521{year}0315{12}{sex_digit}"
    return first17 + idcard.check_char(first17)


def test_warnings_when_the_birth_date_or_the_sex_digit_do_not_fit(ledger):
    today = TODAY
    school_year = today.year if today.month >= 9 else today.year - 1
    sch = ledger.put(school()).id
    base = {"type": "student", "schema_version": 1, "school": sch, "stage": "小学", "grade": "五年级",
            "class_name": "1班", "events": [{"date": "2025-09-01", "event": "认定"}]}
    fits = _id_born(school_year - 10, 3)            # ten at the start of 五年级, odd digit: a boy
    saved = ledger.put({**base, "name": "王明", "sex": "男", "identity": {"id_number": fits}})
    assert saved.warnings == []
    old = _id_born(school_year - 16, 5)             # sixteen in 五年级
    saved = ledger.put({**base, "name": "李明", "sex": "男", "identity": {"id_number": old}})
    assert [(w.rule, w.level) for w in saved.warnings] == [("idcard.birth_grade", "warning")]
    girl = _id_born(school_year - 10, 7)            # an odd digit for a girl
    saved = ledger.put({**base, "name": "张丽", "sex": "女", "identity": {"id_number": girl}})
    assert [(w.rule, w.level) for w in saved.warnings] == [("idcard.sex", "warning")]
    for w in saved.warnings:
        assert girl not in w.text() and str(school_year - 10) not in w.text()


def test_the_sex_digit_is_read_from_the_masked_form_without_the_key():
    assert idcard.sex_fits("3405**********1238", "男")
    assert not idcard.sex_fits("3405**********1238", "女")
    assert idcard.grade_number("初二") == 8 and idcard.grade_number("高三") == 12 and idcard.grade_number("3年级") == 3


# Born 1 March of each year (110105 朝阳区; the 17th digit 2, a girl's).
BORN = {2016: "110105201603011029", 2017: "110105201703011026", 2019: "110105201903011020",
        2020: "11010520200301102X", 2021: "110105202103011027", 2022: "110105202203011024"}


@pytest.mark.parametrize("born,today,fits", [
    # 二年级 in the school year that began in September 2026 is for children born in 2019 (six in the
    # September they start 一年级, plus one year), give or take two years.
    (2019, dt.date(2026, 12, 5), True),
    (2017, dt.date(2026, 12, 5), True),       # two years older: repeated or started late
    (2016, dt.date(2026, 12, 5), False),      # three years older
    (2021, dt.date(2026, 12, 5), True),       # two years younger
    (2022, dt.date(2026, 12, 5), False),      # three years younger
    # On 31 August the school year is still the one that began in 2025: born 2016 is two years
    # older there, three from 1 September on.
    (2016, dt.date(2026, 8, 31), True),
    (2016, dt.date(2026, 9, 1), False),
    (2020, dt.date(2026, 8, 31), True),       # two years younger in the school year begun in 2025

])
def test_the_birth_year_against_the_grade(born, today, fits):
    assert idcard.birth_fits_grade(BORN[born], "二年级", today) is fits


def test_what_cannot_be_read_is_no_warning():
    # No grade that reads as one, a number that is not a valid ID, one born after the day asked
    # about (as of that day it cannot be read), a value too short to hold a 17th digit, a 17th
    # character that is hidden, a sex written otherwise.
    assert idcard.birth_fits_grade(BORN[2019], "", dt.date(2026, 12, 5)) is True
    assert idcard.birth_fits_grade(BORN[2019], "学前班", dt.date(2026, 12, 5)) is True
    assert idcard.birth_fits_grade("110105201903011021", "二年级", dt.date(2026, 12, 5)) is True
    assert idcard.birth_fits_grade("110105202610011021", "一年级", dt.date(2026, 9, 15)) is True
    assert idcard.sex_fits("1101", "男") is True
    assert idcard.sex_fits("1101************", "男") is True
    assert idcard.sex_fits("1101052019030102*0", "男") is True
    assert idcard.sex_fits(BORN[2019], "未知") is True


def test_the_sex_digit_either_way():
    assert (idcard.sex_fits(BORN[2019], "女"), idcard.sex_fits(BORN[2019], "男")) == (True, False)
    assert (idcard.sex_fits("110105200808081018", "男"), idcard.sex_fits("110105200808081018", "女")) == (True, False)


@pytest.mark.parametrize("grade,number", [
    ("一年级", 1), ("六年级", 6), ("3年级", 3), ("七年级", 7), ("初一", 7), ("初三", 9), ("高一", 10), ("高三", 12),
    (" 高二 ", 11), ("学前班", None), ("", None),
])
def test_grades_read_as_school_years(grade, number):
    assert idcard.grade_number(grade) == number


def test_the_first_and_last_birth_dates_there_can_be():
    # 1 January 1900 is the earliest date an ID may hold; a child born on the day asked about has
    # a valid number that day.
    assert idcard.problem("110105190001011231") is None
    assert idcard.problem("110105202612051027", dt.date(2026, 12, 5)) is None
    assert idcard.problem("110105202612051027", dt.date(2026, 12, 4)) == "idcard.birth"
