"""Edit a record's raw JSON in $EDITOR: on a mistake the file is reopened with the problems on
top as // comments. Serves `bangfu edit` and the dashboard's form (which suspends the app)."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from store.core import i18n
from store.rules.cleartext import mask_text


@dataclass
class Edited:
    record: dict | None        # what to load into the form (None: nothing changed)
    kept: Path | None = None   # text that is not JSON and was not loaded: where it was left
    masked: bool = False       # identifiers in the kept text were masked (never left on disk in clear)


def editor_command() -> list[str] | None:
    """$VISUAL or $EDITOR, else nano (an editor a newcomer can leave: its keys are on screen);
    None when there is neither (the dashboard then edits in a window of its own)."""
    chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if chosen:
        return shlex.split(chosen)
    nano = shutil.which("nano")
    return [nano] if nano else None


def read_json(text: str, problems: Callable[[dict], list[str]]) -> tuple[dict | None, list[str]]:
    """(the record, what is wrong with it) from edited text; lines starting with // are ignored.
    The record is None when the text is not a JSON object."""
    text = "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("//"))
    try:
        candidate = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", "?")
        col = getattr(exc, "colno", "?")
        return None, [i18n.t("forms.json.bad", line=line, col=col, detail=i18n.json_problem(getattr(exc, "msg", str(exc))))]
    if not isinstance(candidate, dict):
        return None, [i18n.t("forms.json.not_object")]
    return candidate, problems(candidate)


def as_text(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def edit_json(record: dict, problems: Callable[[dict], list[str]],
              run: Callable[[Path], int] | None = None) -> Edited:
    """Loop: write, edit, read, check. Ends when the record is clean, or when the person leaves
    the editor without changing anything: then the last readable record goes back to the form
    (its problems show next to its fields), else the file is kept and its path returned."""
    run = run or (lambda path: subprocess.call([*(editor_command() or ["vi"]), str(path)]))
    text = as_text(record)
    fd, name = tempfile.mkstemp(prefix=f"bangfu-{record.get('id', 'new')}-", suffix=".json")
    os.close(fd)
    path = Path(name)
    found: list[str] = []
    readable: dict | None = None
    while True:
        header = "".join(f"// {line}\n" for p in found for line in p.splitlines())
        path.write_text(header + text, encoding="utf-8")
        before = path.read_text(encoding="utf-8")
        code = run(path)
        after = path.read_text(encoding="utf-8")
        text = "".join(line for line in after.splitlines(keepends=True) if not line.lstrip().startswith("//"))
        if code != 0 or after == before:
            if found and readable is None:
                # (what the editor wrote is left for the user, but no clear identifier with it)
                masked = mask_text(after)
                if masked != after:
                    path.write_text(masked, encoding="utf-8")
                return Edited(None, path, masked != after)
            path.unlink(missing_ok=True)
            return Edited(readable)
        candidate, found = read_json(text, problems)
        readable = candidate
        if candidate is not None and not found:
            path.unlink(missing_ok=True)
            return Edited(candidate)
