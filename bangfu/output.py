"""What the command prints: plain text for people (control characters neutralised), JSON for scripts."""
from __future__ import annotations

import json
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


def table(rows: list[list[str]], headers: list[str]) -> None:
    """Columns aligned by display width (a Chinese character takes two cells)."""
    from rich.cells import cell_len

    cells = [[printable(str(c)) for c in row] for row in [headers, *rows]]
    widths = [max(cell_len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        sys.stdout.write("  ".join(c + " " * (w - cell_len(c)) for c, w in zip(row, widths)).rstrip() + "\n")
        if n == 0:
            sys.stdout.write("  ".join("-" * w for w in widths) + "\n")


def unreadable(ledger, record_type: str | None = None) -> None:
    """Records whose files could not be read are left out of a listing, an export or a report:
    say how many and which, never leave them out without a word."""
    prefix = f"records/{record_type}/" if record_type else "records/"
    paths = sorted(p for p in ledger.broken if p.startswith(prefix))
    if paths:
        from store.core import i18n
        err(i18n.t("error.unreadable_count", count=len(paths),
                   paths="、".join(paths[:10]) + ("…" if len(paths) > 10 else "")))
