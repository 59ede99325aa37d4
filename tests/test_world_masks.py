"""Masks as a reader sees them, worked out by hand from the rule: an ID number keeps its first
four and last four (a first-generation 15-digit number too); every other identifier keeps the
part its kind keeps (phone 3+4, bank card last 4, 学籍号 first 2 and last 3), but never more than
half of a short value, taking back from the longer end first (the front on a tie)."""
from __future__ import annotations

import pytest

from store.privacy.protect import mask


@pytest.mark.parametrize("kind,value,shown", [
    ("id_number", "110105491231002", "1101*******1002"),    # 15 digits (first generation)
    ("id_number", "1234567", "1*****7"),                    # mistyped, too short for the ID mask
    ("id_number", "12345", "1***5"),
    ("phone", "12345678", "12****78"),                      # not a mobile: 2 and 2 are half of 8
    ("phone", "0551-1234-56", "05******56"),                # a landline of 10 digits: 2 and 2
    ("phone", "123456", "1***56"),                          # 2+2 of 6 is too many: the front gives one
    ("bank_card", "1234567", "****567"),                    # last 4 of 7 is too many: 3
    ("bank_card", "123456", "***456"),
    ("bank_card", "12", "*2"),
    ("student_no", "G12345", "G***45"),                     # 2+3 of 6: one from each end
    ("student_no", "G1234", "G***4"),
    ("student_no", "G1", "*1"),
    ("other", "secret12", "******"),                        # other kinds: stars only, at most six
    ("other", "abc", "***"),
])
def test_short_and_odd_values_never_show_more_than_half(kind, value, shown):
    assert mask(kind, value) == shown
    assert sum(ch != "*" for ch in shown) <= len(value) // 2 or kind == "id_number"
