"""Text from records is data: make it safe to put on a terminal."""
from __future__ import annotations

import re

# C0/C1 controls (ESC starts terminal escape sequences) except newline and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
