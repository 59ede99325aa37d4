"""What the command prints: plain text for people (control characters neutralised), JSON for scripts."""
from __future__ import annotations

import json
import shutil
import sys
from typing import Any

from store.core.errors import BangfuError, InvalidRecord
from store.core import i18n
from store.core.text import printable, wrap_cells
from store.rules import cleartext

JSON = False


def out(text: str = "") -> None:
    sys.stdout.write(printable(text) + "\n")


def err(text: str) -> None:
    # What was printed before it comes before it where both go to one place (`2>&1`, a log file):
    # standard output waits in its buffer, standard error does not.
    sys.stdout.flush()
    # A message may repeat what was typed (a record id that was an ID number): never in clear.
    sys.stderr.write(printable(cleartext.mask_text(text)) + "\n")


def data(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def fail(exc: BangfuError, ledger=None) -> None:
    text = named(exc, ledger) if ledger is not None else str(exc)
    if JSON:
        payload: dict[str, Any] = {"error": exc.key, "message": cleartext.mask_text(text.split("\n")[0])}
        if isinstance(exc, InvalidRecord):
            payload["findings"] = [f.as_json() for f in exc.findings]
        sys.stderr.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        err(text)


NAMED = ("record", "batch")   # the parameters of a refusal that give the record it is about


def named(exc: BangfuError, ledger) -> str:
    """A refusal with the record it is about named as the lines under it name records (its label,
    the id beside): its first line gave the id alone."""
    from store.core import ids
    from store.core.describe import label

    given = dict(exc.params)
    named = {}
    for key in NAMED:
        rid = given.get(key)
        if isinstance(rid, str) and ids.is_id(rid):
            try:
                doc = ledger.index.get(rid)
            except (BangfuError, OSError):      # (the refusal is said all the same, by the id)
                doc = None
            if doc:
                named[key] = i18n.t("error.named_record", label=label(doc, ledger), record=rid)
    exc.params.update(named)
    try:
        text = str(exc)
    finally:
        exc.params = given
    if i18n.lang() == "zh":   # (「」 and （） set the name apart: the spaces an id needs would stand alone)
        for name in named.values():
            text = text.replace(f" {name}", name).replace(f"{name} ", name)
    return text


def table(rows: list[list[str]], headers: list[str], fit: tuple[int, ...] = (), from_end: tuple[int, ...] = (),
          wrap: tuple[int, ...] = (), alone: tuple[int, ...] = (), drop: tuple[int, ...] = ()) -> None:
    """Columns aligned by display width (a Chinese character takes two cells), fitted to the width of
    the terminal they are printed on; into a pipe or a file every line is whole. To fit, while the
    columns cannot fit even at their narrowest: the columns in `alone` go each on a line of its own
    above the rest of their row (an id, whole, to copy), then those in `drop` are left out (the
    least useful first, said on stderr). Then each column in `fit` is cut short (…), and each in
    `wrap` goes on over more lines, to the room the others leave. Those also in `from_end` keep their
    end (a nested field's own name) and lose their start."""
    from rich.cells import cell_len

    cells = [[printable(str(c)) for c in row] for row in [headers, *rows]]
    shown = list(range(len(headers)))
    widths = [max(cell_len(r[i]) for r in cells) for i in shown]
    above: list[int] = []
    left_out: list[str] = []
    room = terminal_width()
    if room is not None:
        least = list(widths)
        for col in fit:
            least[col] = min(widths[col], FIT_LEAST)
        for col in wrap:
            words = max(cell_len(w) for r in cells for w in wrap_cells(r[col], 1))
            least[col] = min(widths[col], max(words, WRAP_LEAST))
        for col in (*alone, *drop):
            if _across(shown, least, above) <= room:
                break
            shown.remove(col)
            if col in alone:
                above.append(col)
            else:
                left_out.append(headers[col])
        for col in (c for c in (*fit, *wrap) if c in shown):
            space = max(least[col], room - _across(shown, widths, above) + widths[col])
            if widths[col] > space:
                widths[col] = space
                if col in fit:
                    for row in cells[1:]:
                        row[col] = _cut(row[col], space, col in from_end)
                    widths[col] = max(cell_len(r[col]) for r in cells)
    indent = INDENT if above else ""
    lines = []
    for n, row in enumerate(cells):
        lines += [row[i] for i in above]
        wrapped = [wrap_cells(row[i], widths[i]) if i in wrap else [row[i]] for i in shown]
        for k in range(max(len(w) for w in wrapped)):
            parts = [w[k] if k < len(w) else "" for w in wrapped]
            lines.append(indent + "  ".join(c + " " * (widths[i] - cell_len(c)) for c, i in zip(parts, shown)).rstrip())
        if n == 0:
            lines.append(indent + "  ".join("-" * widths[i] for i in shown))
    sys.stdout.write("".join(line + "\n" for line in lines))
    if left_out:   # (under the table, where the eye is when it ends)
        err(i18n.t("cli.table_left_out", width=room + 1, columns=i18n.listing(left_out)))


FIT_LEAST = 16   # cells a cut column keeps however narrow the terminal
WRAP_LEAST = 8   # cells a wrapped column keeps (four Chinese characters a line)
INDENT = "  "    # a row under the line of its own column(s)


def _across(shown: list[int], widths: list[int], above: list[int]) -> int:
    return sum(widths[i] for i in shown) + 2 * (len(shown) - 1) + (len(INDENT) if above else 0)


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
        err(i18n.t("error.unreadable_count", count=len(paths),
                   paths="、".join(paths[:10]) + ("…" if len(paths) > 10 else "")))
