"""Where an unexpected error's details go, so that the user reads a message and never a traceback."""
from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path


def write(error: BaseException, context: str) -> str:
    """Append the traceback to the crash log; its path for the message ('-' if it cannot be written)."""
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "bangfu"
    try:
        base.mkdir(parents=True, exist_ok=True)
        path = base / "crash.log"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat()} {context}\n")
            fh.write("".join(traceback.format_exception(error)) + "\n")
        return str(path)
    except OSError:
        return "-"
