"""What the command prints: plain text for people (control characters neutralised), JSON for scripts."""
from __future__ import annotations

import json
import shutil
import sys
from typing import Any

from store.core.errors import BangfuError, InvalidRecord
from store.core.text import printable
from store.rules import cleartext

JSON = False


def out(text: str = "") -> None:
    sys.stdout.write(printable(text) + "\n")


def err(text: str) -> None:
    # A message may repeat what was typed (a record id that was an ID number): never in clear.
    sys.stderr.write(printable(cleartext.mask_text(text)) + "\n")


def data(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def fail(exc: BangfuError) -> None:
    if JSON:
        payload: dict[str, Any] = {"error": exc.key, "message": cleartext.mask_text(str(exc).split("\n")[0])}
        if isinstance(exc, InvalidRecord):
            payload["findings"] = [f.as_json() for f in exc.findings]
        sys.stderr.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        err(str(exc))


def table(rows: list[list[str]], headers: list[str], fit: tuple[int, ...] = (), from_end: tuple[int, ...] = ()) -> None:
    """Columns aligned by display width (a Chinese character takes two cells). `fit`: the columns
    whose values are cut short (…), in turn, until a row fits the width of the terminal the table is
    printed on; into a pipe or a file every line is whole. Those also in `from_end` keep their end
    (a nested field's own name) and lose their start."""
    from rich.cells import cell_len

    cells = [[printable(str(c)) for c in row] for row in [headers, *rows]]
    widths = [max(cell_len(r[i]) for r in cells) for i in range(len(headers))]
    for col in fit if terminal_width() is not None else ():
        room = max(FIT_LEAST, terminal_width() - sum(widths) + widths[col] - 2 * (len(widths) - 1))
        if widths[col] > room:
            for row in cells[1:]:
                row[col] = _cut(row[col], room, col in from_end)
            widths[col] = max(cell_len(r[col]) for r in cells)
    for n, row in enumerate(cells):
        sys.stdout.write("  ".join(c + " " * (w - cell_len(c)) for c, w in zip(row, widths)).rstrip() + "\n")
        if n == 0:
            sys.stdout.write("  ".join("-" * w for w in widths) + "\n")


FIT_LEAST = 16   # cells a cut column keeps however narrow the terminal


def terminal_width() -> int | None:
    """The cells a line may take on the terminal the output goes to (its width less one: a line that
    fills the last cell wraps on some terminals); None into a pipe or a file, where lines stay whole."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return shutil.get_terminal_size().columns - 1


def _cut(text: str, width: int, keep_end: bool = False) -> str:
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    out, used = [], 1            # (the … takes one cell)
    for ch in (reversed(text) if keep_end else text):
        used += cell_len(ch)
        if used > width:
            break
        out.append(ch)
    return "…" + "".join(reversed(out)) if keep_end else "".join(out) + "…"


def unreadable(ledger, record_type: str | None = None) -> None:
    """Records whose files could not be read are left out of a listing, an export or a report:
    say how many and which, never leave them out without a word."""
    prefix = f"records/{record_type}/" if record_type else "records/"
    paths = sorted(p for p in ledger.broken if p.startswith(prefix))
    if paths:
        from store.core import i18n
        err(i18n.t("error.unreadable_count", count=len(paths),
                   paths="、".join(paths[:10]) + ("…" if len(paths) > 10 else "")))
