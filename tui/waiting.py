"""What a page says while it waits for the records. Opening a big ledger without its index cache
reads every record first (15 s at a million records, then the term's figures, 20 s more): a bare
"loading…" for that long reads as a hung program, so the page says what is being done and how far,
looked up twice a second from what the ledger reports (`Ledger.reading`)."""
from __future__ import annotations

from rich.text import Text

from store.core import i18n

EVERY = 0.5   # seconds between two lookups


def waiting_lines(ledger, term: str = "") -> list[Text]:
    """The lines of a page waiting for its records; with `term`, a page waiting for that term's
    figures, which are worked out once the index is made."""
    lines = [Text(i18n.t("tui.section.loading"), style="dim")]
    reading = ledger.reading
    if reading is not None:
        lines.append(Text(reading_line(reading)))
        lines.append(Text(i18n.t("tui.waiting.once"), style="dim"))
    elif term and ledger.index_loaded:
        lines.append(Text(i18n.t("tui.waiting.figures", term=term), style="dim"))
    return lines


def reading_line(reading: tuple[int, int]) -> str:
    done, total = reading
    if not total:
        return i18n.t("tui.waiting.listing")
    if done == total:
        return i18n.t("tui.waiting.sorting", total=total)
    return i18n.t("tui.waiting.index", done=done, total=total, percent=done * 100 // total)
