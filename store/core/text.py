"""Text from records is data: make it safe to put on a terminal, and know how wide it shows."""
from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (ESC starts terminal escape sequences) except newline and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def display_width(text: str) -> int:
    """Cells a text takes in a fixed-width font or a spreadsheet column: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
