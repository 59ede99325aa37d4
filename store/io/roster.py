"""A payment batch's bank roster (代发名单): the spreadsheet the bank pays from.

One row per entry of the batch: school, grade and class, the student's name in full (the bank
matches it to the account), ID number and bank card number, amount in 元, programme and batch.
ID and card numbers are masked as everywhere (`3405**********1238`, `****5678`) unless the
coordinator reveals them with the key and a reason, which the ledger records as one reveal event
about the batch; then the file is readable by its owner only. Numbers go in as text, so a
spreadsheet never turns a card number into 6.22E+18 or drops an ID's X."""
from __future__ import annotations

from pathlib import Path

from store.core import i18n
from store.io import export
from store.privacy import acts

FIELDS = ("identity.id_number", "identity.bank_card")
COLUMNS = ("no", "school", "grade", "class", "name", "id_number", "bank_card", "amount", "programme", "batch")


def headers() -> list[str]:
    return [i18n.t(f"aid.roster.col_{c}") for c in COLUMNS]


def _masked(student: dict, field: str) -> str:
    node = (student.get("identity") or {}).get(field.split(".")[1])
    return str(node.get("masked", "")) if isinstance(node, dict) else ""


def rows(ledger, batch: dict, *, reveal_reason: str | None = None) -> list[list]:
    """The roster's rows; with a reason, ID and card numbers in clear (recorded as a reveal)."""
    students = [ledger.index.get(e["student"]) or {"id": e["student"]} for e in batch.get("entries") or []]
    clear = acts.reveal_list(ledger, batch["id"], students, FIELDS, reveal_reason) if reveal_reason else None
    out = []
    for n, (entry, student) in enumerate(zip(batch.get("entries") or [], students), 1):
        school = ledger.index.get(student.get("school", "")) or {}
        numbers = [clear.get((student["id"], f), "") if clear is not None else _masked(student, f) for f in FIELDS]
        out.append([n, str(school.get("name", "")), str(student.get("grade", "")), str(student.get("class_name", "")),
                    str(student.get("name", "")), *numbers, int(entry["amount_fen"]) / 100,
                    batch["programme"], batch["id"]])
    return out


def write(ledger, batch: dict, path: Path | str, *, reveal_reason: str | None = None) -> int:
    """Write the roster as xlsx; returns the number of rows."""
    data = rows(ledger, batch, reveal_reason=reveal_reason)
    wb = export.xlsx_workbook()
    kinds = [export.INT, None, None, None, None, None, None, export.MONEY, None, None]
    export.xlsx_sheet(wb, i18n.t("aid.roster.sheet"), headers(), kinds, data)
    if reveal_reason:
        export.private_file(path)
    export.xlsx_save(wb, path)
    return len(data)
