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


# A line may break after any Chinese character, between words, but not before closing punctuation.
_TOKEN = re.compile(r"\s+|[!-~]+|.")
_NO_LINE_START = set("，。、；：？！）」』】》”’,.;:?!)")


def wrap_cells(text: str, width: int) -> list[str]:
    """Lines of at most `width` cells (textwrap counts characters and breaks only at spaces, so
    Chinese lines come out twice as wide as the terminal)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line: list[str] = []
        used = 0
        for token in _TOKEN.findall(" ".join(paragraph.split())):
            size = display_width(token)
            if token.isspace():
                if line:
                    line.append(token)
                    used += size
                continue
            if used + size > width and line:
                carried: list[str] = []
                if token in _NO_LINE_START and len(line) > 1:
                    carried = [line.pop()]    # the character before goes down with it
                lines.append("".join(line).rstrip())
                line, used = carried, display_width("".join(carried))
            line.append(token)
            used += size
        lines.append("".join(line).rstrip())
    return lines
