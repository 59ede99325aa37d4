"""Where an unexpected error's details go, so that the user reads a message and never a traceback.

The log is kept for the user to send to whoever supports them, so it must hold no child's
identifier: the command line and the error may carry an ID or phone number typed in. Every long
run of digits (any Unicode digits, spaces or dashes inside) is masked before it is written, valid
or not (the core cannot tell an ID from a number and a log loses nothing by it), and the file is
readable by its owner only."""
from __future__ import annotations

import datetime as dt
import os
import re
import traceback
import unicodedata
from pathlib import Path

# Ten or more digits, separators allowed inside, an ID's final X too: phones (11), cards (16-19), IDs (18).
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){9,}(?:[ -]?[Xx])?(?![0-9A-Za-z])")


def mask(text: str) -> str:
    folded = "".join(str(unicodedata.decimal(ch)) if ch >= "\x80" and unicodedata.decimal(ch, None) is not None
                     else "-" if ch >= "\x80" and unicodedata.category(ch) == "Pd"
                     else " " if ch >= "\x80" and ch.isspace() else ch for ch in text)
    out, last = [], 0
    for m in _LONG_NUMBER.finditer(folded):
        digits = re.sub(r"[ -]", "", m.group())
        out.append(text[last:m.start()])
        out.append(digits[:4] + "*" * (len(digits) - 8) + digits[-4:] if len(digits) >= 15
                   else digits[:3] + "*" * (len(digits) - 7) + digits[-4:])
        last = m.end()
    return "".join(out) + text[last:]


def write(error: BaseException, context: str) -> str:
    """Append the traceback to the crash log; its path for the message ('-' if it cannot be written)."""
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "bangfu"
    try:
        base.mkdir(parents=True, exist_ok=True)
        path = base / "crash.log"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # one written by an older version was 0644
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(mask(f"--- {dt.datetime.now().isoformat()} {context}\n"))
            fh.write(mask("".join(traceback.format_exception(error))) + "\n")
        return str(path)
    except OSError:
        return "-"
