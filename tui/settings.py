"""What the dashboard keeps for its user between runs, for each ledger: the term on view and the
school-year view (open or not, on which county or township), so that `bangfu` opens where it was
left.

One small JSON file, $XDG_CONFIG_HOME/bangfu/settings.json (else ~/.config/bangfu), readable and
writable by its owner only (it says which ledgers the user opens). A file that cannot be read or
does not make sense is ignored: the dashboard opens as new, never with a traceback. One that
cannot be written leaves the dashboard as it is; it only forgets.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from store.core import ids
from store.figures.dashboard import is_term


KEEP = 32     # ledgers remembered: the ones looked at most recently (a ledger moved or deleted drops out)


@dataclass(frozen=True)
class View:
    term: str | None = None
    year_view: bool = False
    year_unit: str | None = None


def settings_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bangfu" / "settings.json"


class Settings:
    """The user's settings for one ledger (named by its path)."""

    def __init__(self, ledger_path: Path | str, path: Path | None = None) -> None:
        self.path = path or settings_path()
        self.key = str(Path(ledger_path).resolve())

    def _all(self) -> dict:
        try:
            found = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):       # (missing, a folder, unreadable, not JSON, not UTF-8)
            return {}
        return found if isinstance(found, dict) else {}

    def load(self) -> View:
        ledgers = self._all().get("ledgers")
        mine = ledgers.get(self.key) if isinstance(ledgers, dict) else None
        if not isinstance(mine, dict):
            return View()
        term, unit, year_view = mine.get("term"), mine.get("year_unit"), mine.get("year_view")
        return View(term if isinstance(term, str) and is_term(term) else None,
                    year_view is True,
                    unit if isinstance(unit, str) and ids.is_id(unit) else None)

    def save(self, view: View) -> None:
        settings = self._all()
        ledgers = settings.get("ledgers") if isinstance(settings.get("ledgers"), dict) else {}
        ledgers.pop(self.key, None)       # (last in the file: the ledger looked at most recently)
        ledgers[self.key] = {"term": view.term, "year_view": view.year_view, "year_unit": view.year_unit}
        settings["ledgers"] = dict(list(ledgers.items())[-KEEP:])
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-", suffix=".json")  # (mode 0600)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(settings, fh, ensure_ascii=False, indent=2)
                os.replace(tmp, self.path)       # whole or not at all: a reader never sees half a file
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass   # a settings file that cannot be written costs only what it would have kept
