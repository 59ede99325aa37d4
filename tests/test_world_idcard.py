"""The ID check (GB 11643-1999) against numbers written out here, not made by the code under test.

Weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over the first 17 digits; the sum modulo 11
(the residue) picks the check character from 1 0 X 9 8 7 6 5 4 3 2. One number per residue,
worked out by hand from those two lines of the standard, so a wrong table or wrong weights
in the code fail here whichever library does the check."""
from __future__ import annotations

import pytest

from store.rules import idcard

# residue -> a resident ID number whose check character is right for it
BY_RESIDUE = {
    0: "511702200911102111",
    1: "110105199812101370",
    2: "44052420100910174X",
    3: "653101201205102489",
    4: "350203200802103228",
    5: "511702200911104707",
    6: "640522200603103596",
    7: "640522200603101005",
    8: "440524201009104334",
    9: "653101201205105073",
    10: "511702200911109882",
}
# The standard's own example (residue 2).
STANDARD_EXAMPLE = "11010519491231002X"
CHECK_CHARS = "0123456789X"


def test_every_residue_has_its_number():
    # The table above covers all eleven residues, each with the character the standard gives it.
    assert sorted(BY_RESIDUE) == list(range(11))
    assert [BY_RESIDUE[r][17] for r in range(11)] == list("10X98765432")


@pytest.mark.parametrize("number", [*BY_RESIDUE.values(), STANDARD_EXAMPLE])
def test_a_right_number_passes(number):
    assert idcard.problem(number) is None


@pytest.mark.parametrize("number", [*BY_RESIDUE.values(), STANDARD_EXAMPLE])
def test_every_other_last_character_is_a_wrong_check(number):
    for wrong in CHECK_CHARS.replace(number[17], ""):
        assert idcard.problem(number[:17] + wrong) == "idcard.check", number[:17] + wrong


@pytest.mark.parametrize("residue,number", sorted(BY_RESIDUE.items()))
def test_check_char_gives_the_standards_character(residue, number):
    assert idcard.check_char(number[:17]) == number[17]


@pytest.mark.parametrize("number,key", [
    ("44052420100910174", "idcard.shape"),          # 17 characters
    ("44052420100910174X1", "idcard.shape"),        # 19
    ("4405242010091017X4", "idcard.shape"),         # X only at the end
    ("44052420100910174Y", "idcard.shape"),
    ("440524201002301740", "idcard.birth"),         # 30 February
    ("440524201013101740", "idcard.birth"),         # month 13
    ("440524201009001740", "idcard.birth"),         # day 0
])
def test_shape_and_birth_date_are_told_apart_from_the_check(number, key):
    assert idcard.problem(number) == key


@pytest.mark.parametrize("number,key", [
    ("640522200002291026", None),                   # 2000 was a leap year (divisible by 400)
    ("110105200402294515", None),                   # 2004 too
    ("640522200102291023", "idcard.birth"),         # 2001 was not
    ("110105190002291028", "idcard.birth"),         # nor 1900 (a century not divisible by 400)
])
def test_29_february_only_in_leap_years(number, key):
    assert idcard.problem(number) == key


def test_birth_date_and_mask_read_the_standards_positions():
    import datetime as dt

    assert idcard.birth_date(STANDARD_EXAMPLE) == dt.date(1949, 12, 31)
    assert idcard.birth_date(BY_RESIDUE[6]) == dt.date(2006, 3, 10)
    # Region (4) and the last 4 stay; the ten in between, with the birth date, are hidden.
    assert idcard.mask(STANDARD_EXAMPLE) == "1101**********002X"
    assert idcard.mask(BY_RESIDUE[0]) == "5117**********2111"
