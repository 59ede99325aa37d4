"""Records out to spreadsheets (xlsx, csv): one row per record, headers from the schema titles.

The layout of a record type is read from its JSON Schema, so every type (and every field a
later schema adds) exports without a table to maintain here:
- scalar fields are columns; fields of nested objects are columns titled `父·子` (帮扶期限·开始);
- a reference is two columns: the name of the referenced record and its id (学校, 学校编号);
- a protected identifier is its masked form only (the sealed value and the hash never leave);
- a list of values is one cell joined with 、; a list of objects is a sheet of its own in
  xlsx (one row per item, keyed by the record's id) and a read-only summary cell in csv;
- money is a number of yuan with two decimals, dates are real dates in xlsx.

The importer (store/io/importer.py) reads the same layout back, so an export can be edited
and imported again.
"""
from __future__ import annotations

import contextlib
import csv
import os
import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from store.core import clock, i18n
from store.core.describe import label
from store.core.errors import BangfuError, UsageError
from store.ledger.index import parse_value
from store.core.text import display_width

# Column kinds
ID, TEXT, ENUM, DATE, MONEY, INT, NUMBER, BOOL = "id", "text", "enum", "date", "money", "int", "number", "bool"
REF, REF_ID, PROTECTED, LIST, SUMMARY, PARENT, PARENT_LABEL, DERIVED = (
    "ref", "ref_id", "protected", "list", "summary", "parent", "parent_label", "derived")
READ_ONLY = frozenset({SUMMARY, PARENT_LABEL, DERIVED})

FORMATS = ("xlsx", "csv")

Progress = Callable[[str, int, int], None]  # (what is being done, done, total)


@dataclass(frozen=True)
class Column:
    rtype: str
    key: str            # dotted path from the sheet's item, the key of its English title
    path: tuple         # where the value sits in the record (main sheet) or the list item (sub-sheet)
    kind: str
    zh: str             # the header from the ledger's schema titles
    ref: str | None = None

    @property
    def header(self) -> str:
        if i18n.lang() == "zh":
            return self.zh
        return english_title(self.rtype, self.key) or self.zh

    @property
    def read_only(self) -> bool:
        return self.kind in READ_ONLY


@dataclass
class Sheet:
    rtype: str
    key: str            # "" for the record's own sheet, else the dotted path of the list
    path: tuple
    zh: str
    columns: list[Column] = field(default_factory=list)

    @property
    def title(self) -> str:
        text = self.zh if i18n.lang() == "zh" else (english_title(self.rtype, self.key or "@sheet") or self.zh)
        return safe_title(text)


@dataclass
class Layout:
    rtype: str
    main: Sheet
    subs: list[Sheet]

    @property
    def sheets(self) -> list[Sheet]:
        return [self.main, *self.subs]


def english_title(rtype: str, key: str) -> str | None:
    base, _, suffix = key.partition("#")
    msg = f"io.col.{rtype}.{base}"
    if not i18n.has(msg):
        return None
    text = i18n.t(msg)
    return f"{text} id" if suffix == "id" else text


# ---- the layout, read from the schema ---------------------------------------------------------

# Columns that are not fields but help a reader (and the importer find the student of a payment).
_DERIVED: dict[str, list[tuple[str, str, tuple]]] = {
    "aid": [("student.school", "学校", ("student", "school"))],
}


def layout(schemas, rtype: str) -> Layout:
    if rtype not in schemas.record_types:
        raise UsageError("io.export.unknown_type", type=rtype, allowed="、".join(schemas.record_types))
    doc = schemas.resolve(schemas.docs[rtype])
    main = Sheet(rtype, "", (), doc.get("title", rtype))
    subs: list[Sheet] = []
    _walk(schemas, rtype, doc, (), "", "", main.columns, subs, top=True)
    for key, zh, path in _DERIVED.get(rtype, []):
        at = next((i for i, c in enumerate(main.columns) if c.path == path[:1] and c.kind == REF_ID), len(main.columns))
        main.columns.insert(at + 1, Column(rtype, key, path, DERIVED, zh))
    return Layout(rtype, main, subs)


def _walk(schemas, rtype: str, node: dict, path: tuple, key: str, title: str, cols: list[Column],
          subs: list[Sheet], top: bool = False, sub_path: tuple = ()) -> None:
    """Columns for the properties of an object node. `path` is relative to the sheet's item;
    `sub_path` is where that item sits in the record (for naming sheets of nested lists)."""
    for name, raw in schemas.resolve(node).get("properties", {}).items():
        if top and name in ("type", "schema_version"):
            continue
        s = schemas.resolve(raw)
        p, k = path + (name,), f"{key}.{name}" if key else name
        own = s.get("title", name)
        t = f"{title}·{own}" if title else own
        if s.get("x-protected"):
            cols.append(Column(rtype, k, p, PROTECTED, own))
        elif s.get("x-ref"):
            cols.append(Column(rtype, k, p, REF, t, s["x-ref"]))
            cols.append(Column(rtype, k + "#id", p, REF_ID, t + "编号", s["x-ref"]))
        elif name == "id" and top:
            cols.append(Column(rtype, k, p, ID, own))
        elif "properties" in s:
            _walk(schemas, rtype, s, p, k, t, cols, subs, sub_path=sub_path)
        elif s.get("type") == "array":
            items = schemas.resolve(s.get("items", {}))
            if "properties" in items:
                full = sub_path + p
                sheet = Sheet(rtype, ".".join(full), full, own)
                type_title = schemas.docs[rtype].get("title", rtype)
                sheet.columns.append(Column(rtype, "@parent", (), PARENT, f"{type_title}编号"))
                sheet.columns.append(Column(rtype, "@label", (), PARENT_LABEL, type_title))
                _walk(schemas, rtype, items, (), "", "", sheet.columns, subs, sub_path=full)
                # the item columns' keys are relative to the list: prefix them for their English titles
                sheet.columns[2:] = [Column(rtype, f"{'.'.join(full)}.{c.key}", c.path, c.kind, c.zh, c.ref)
                                     for c in sheet.columns[2:]]
                subs.append(sheet)
                cols.append(Column(rtype, k, p, SUMMARY, t))
            else:
                cols.append(Column(rtype, k, p, LIST, t))
        else:
            cols.append(Column(rtype, k, p, _scalar_kind(s), t))


def _scalar_kind(s: dict) -> str:
    if "enum" in s or "const" in s:
        return ENUM
    if s.get("format") == "date":
        return DATE
    if s.get("x-money"):
        return MONEY
    return {"integer": INT, "number": NUMBER, "boolean": BOOL}.get(s.get("type"), TEXT)


# ---- values -----------------------------------------------------------------------------------

def get(node: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def ref_name(doc: dict | None, ledger) -> str | None:
    """What a person calls a referenced record (the importer resolves the same names)."""
    if not doc:
        return None
    t = doc.get("type")
    if t == "school":
        return doc.get("name")
    if t in ("student", "teacher"):
        return doc.get("name")
    if t == "plan":
        return doc.get("title")
    return label(doc, ledger)   # (a batch by its school's name, as the importer reads it back)


def yes_no(value: bool) -> str:
    return i18n.t("io.word.yes" if value else "io.word.no")


def money_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class Cells:
    """Cell values of records for one layout; `native` keeps dates and numbers typed (xlsx)."""

    def __init__(self, ledger, native: bool):
        self.docs = ledger.index.docs
        self.ledger = ledger
        self.native = native
        self._sheets: dict[tuple[str, str], Sheet | None] = {}
        self._text: Cells | None = None

    def value(self, col: Column, item: Any, record: dict) -> Any:
        kind = col.kind
        if kind == PARENT:
            return record.get("id")
        if kind == PARENT_LABEL:
            return label(record, self.ledger)
        v = get(item, col.path) if kind != DERIVED else self._derived(col, record)
        if v is None:
            return None
        if kind in (ID, TEXT, ENUM, REF_ID, DERIVED):
            return v if isinstance(v, str) else str(v)
        if kind == DATE:
            if self.native and isinstance(v, str):
                try:
                    return dt.date.fromisoformat(v)
                except ValueError:
                    return v
            return v
        if kind == MONEY:
            if not isinstance(v, int) or isinstance(v, bool):
                return str(v)
            return v / 100 if self.native else money_text(v)
        if kind in (INT, NUMBER):
            return v
        if kind == BOOL:
            return yes_no(bool(v))
        if kind == REF:
            return ref_name(self.docs.get(v), self.ledger) or v
        if kind == PROTECTED:
            return _masked(col, v)
        if kind == LIST:
            return "、".join(map(str, v)) if isinstance(v, list) else str(v)
        if kind == SUMMARY:
            return self._summary(col, v, record)
        return str(v)

    def _derived(self, col: Column, record: dict) -> str | None:
        ref = self.docs.get(get(record, col.path[:1]) or "")
        target = self.docs.get((ref or {}).get(col.path[1], "") or "")
        return ref_name(target, self.ledger)

    def _sheet_of(self, col: Column) -> Sheet | None:
        """The sheet of the list a summary column sums up (its key is the column's)."""
        if (col.rtype, col.key) not in self._sheets:
            subs = layout(self.ledger.schemas(), col.rtype).subs
            self._sheets[(col.rtype, col.key)] = next((sh for sh in subs if sh.key == col.key), None)
        return self._sheets[(col.rtype, col.key)]

    def _summary(self, col: Column, items: Any, record: dict) -> str:
        # One readable cell per list in csv (a sheet of its own in xlsx), its values read as its
        # sheet's columns read them: money in 元, references by name, identifiers masked.
        if not isinstance(items, list):
            return str(items)
        sheet = self._sheet_of(col)
        if self.native:   # (a cell of text, whatever the file)
            self._text = self._text or Cells(self.ledger, native=False)
        text = self._text if self.native else self
        parts = []
        for item in items:
            if isinstance(item, dict) and sheet is not None:
                cells = [text.value(c, item, record) for c in sheet.columns
                         if c.kind not in (PARENT, PARENT_LABEL, REF_ID)]
                parts.append("，".join(str(c) for c in cells if c not in (None, "")))
            else:
                parts.append(str(item))
        return "；".join(parts)


def _masked(col: Column, value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("masked", ""))
    # A clear value never leaves masked; it should not be in a committed record at all.
    from store.privacy.protect import mask
    kind = col.path[-1] if col.path[-1] in ("id_number", "student_no", "phone", "address", "bank_card") else "other"
    return mask(kind, str(value))


def items_of(sheet: Sheet, record: dict) -> list:
    found = get(record, sheet.path)
    return found if isinstance(found, list) else []


def rows(ledger, lay: Layout, sheet: Sheet, records: list[dict], native: bool) -> Iterator[list[Any]]:
    """The rows (without the header) of one sheet for these records."""
    cells = Cells(ledger, native)
    cols = sheet.columns
    if sheet is lay.main:
        for record in records:
            yield [cells.value(c, record, record) for c in cols]
    else:
        for record in records:
            for item in items_of(sheet, record):
                yield [cells.value(c, item, record) for c in cols]


# ---- choosing records ---------------------------------------------------------------------------

def select(ledger, rtype: str, where: Iterable[str] = ()) -> list[dict]:
    """Records of a type, by id, filtered by FIELD=VALUE conditions (as `bangfu list --where`)."""
    filters: dict[str, Any] = {}
    for item in where:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError("io.export.bad_where", item=item)
        filters[name] = parse_value(value)
    if filters:
        found = ledger.query(rtype, **filters)
    else:
        ledger.refresh()
        found = list(ledger.records(rtype))
    return sorted(found, key=lambda r: r["id"])


# ---- writers --------------------------------------------------------------------------------------

def export(ledger, rtype: str, path: Path | str, fmt: str | None = None, *, where: Iterable[str] = (),
           records: list[dict] | None = None, progress: Progress | None = None) -> int:
    """Write the records of one type to an xlsx or csv file; returns the number of records."""
    path = Path(path)
    fmt = fmt or format_of(path)
    lay = layout(ledger.schemas(), rtype)
    chosen = select(ledger, rtype, where) if records is None else records
    try:
        if any(c.kind == PROTECTED for c in lay.main.columns):
            private_file(path)   # masked identifiers are still about children: for the owner only
        if fmt == "xlsx":
            write_xlsx(ledger, lay, chosen, path, progress)
        else:
            write_csv(ledger, lay, chosen, path, progress)
    except OSError as exc:
        raise BangfuError("io.cannot_write", path=str(path), detail=i18n.os_reason(exc)) from None
    return len(chosen)


def format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UsageError("io.export.bad_format", path=str(path), allowed="、".join(FORMATS))
    return suffix


def write_csv(ledger, lay: Layout, records: list[dict], path: Path, progress: Progress | None = None) -> None:
    # utf-8 with a BOM: what Excel needs to open Chinese CSV files correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        write_csv_to(ledger, lay, records, fh, progress)


def write_csv_to(ledger, lay: Layout, records: list[dict], fh, progress: Progress | None = None) -> None:
    w = csv.writer(fh)
    w.writerow([c.header for c in lay.main.columns])
    tick = _ticker(progress, i18n.t("io.progress.export"), len(records))
    for n, row in enumerate(rows(ledger, lay, lay.main, records, native=False), 1):
        w.writerow([csv_cell(v) for v in row])
        tick(n)
    tick(len(records), force=True)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A csv cell Excel will not run as a formula (the importer drops the quote again)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_xlsx(ledger, lay: Layout, records: list[dict], path: Path, progress: Progress | None = None) -> None:
    tick = _ticker(progress, i18n.t("io.progress.export"), len(records))
    wb = xlsx_workbook()
    for sheet in lay.sheets:
        data = rows(ledger, lay, sheet, records, native=True)
        if sheet is lay.main:
            data = _counting(data, tick)
        elif not any(items_of(sheet, r) for r in records):
            continue  # an empty list sheet only adds noise
        xlsx_sheet(wb, sheet.title, [c.header for c in sheet.columns], [c.kind for c in sheet.columns], data)
    xlsx_save(wb, path)
    tick(len(records), force=True)


# ---- xlsx tables (exports, the importer's rejected rows) --------------------------------------------
# openpyxl's write-only mode streams each row to the file: a 50k-record export never holds a
# million cell objects (and it writes through lxml, a dependency for that reason, about a fifth
# faster than without). Column widths and the frozen header are part of the sheet's head, so
# they are set from the header and the first rows before any row is appended.

# A column whose digits are not a number (an ID number): Excel keeps it as typed, never 6.40522E+17.
DIGITS = "digits"
_NUMBER_FORMATS = {MONEY: "#,##0.00", INT: "0", DIGITS: "@"}
_DATE_FORMAT = "yyyy-mm-dd"
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def xlsx_workbook():
    from openpyxl import Workbook

    return Workbook(write_only=True)


def private_file(path: Path | str) -> None:
    """Create (or truncate) the file readable by its owner only, before anything is written to it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def xlsx_save(wb, path: Path | str) -> None:
    """`wb.save(path)` with faster compression: openpyxl zips at zlib's default level, which takes
    three times as long on a 50k-record export's ~100 MB of sheet XML (0.7 s more) for a file a
    third smaller (a few MB either way)."""
    from openpyxl.writer.excel import ExcelWriter

    try:
        archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=1)
    except OSError:
        # The sheets' streams are ended here: left open to the collector, each wrote a traceback
        # to the terminal when it went (a roster to a folder that was not one).
        for sheet in wb.worksheets:
            with contextlib.suppress(Exception):
                sheet.close()
        raise
    with archive:
        ExcelWriter(wb, archive).save()


def xlsx_sheet(wb, title: str, headers: list[str], kinds: list[str | None], data: Iterable[list[Any]],
               widths_from: int = 200) -> int:
    """Add a table to a write-only workbook: bold frozen header with an autofilter, columns as
    wide as their text, money `#,##0.00`, real dates. Returns the number of data rows."""
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(safe_title(title))
    data = iter(data)
    head = list(islice(data, widths_from))
    letters = [get_column_letter(i + 1) for i in range(len(headers))]
    for i, header in enumerate(headers):
        shown = [display_width(_shown(r[i])) for r in head if i < len(r)]
        ws.column_dimensions[letters[i]].width = min(max(max([display_width(str(header)), *shown]) + 2, 6), 60)
    ws.freeze_panes = "A2"
    value = _xlsx_value(ws)
    font, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    top = []
    for header in headers:
        cell = value(str(header), None)  # a header the user typed may look like a formula too
        cell = cell if isinstance(cell, Cell) else WriteOnlyCell(ws, cell)
        cell.font, cell.fill = font, fill
        top.append(cell)
    ws.append(top)
    formats = [_NUMBER_FORMATS.get(k) for k in kinds]
    n = 0
    for row in chain(head, data):
        ws.append([value(v, f) for v, f in zip(row, formats)])
        n += 1
    if headers:
        ws.auto_filter.ref = f"A1:{letters[-1]}{n + 1}"
    return n


def _xlsx_value(ws) -> Callable[[Any, str | None], Any]:
    """What goes in a write-only row for a value: plain values as they are (openpyxl types them),
    a cell where a number format is needed or where openpyxl would take text for a formula."""
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    illegal = ILLEGAL_CHARACTERS_RE.search

    def formatted(v: Any, number_format: str) -> Any:
        cell = WriteOnlyCell(ws, v)
        cell.number_format = number_format
        return cell

    def text(v: str) -> Any:
        # XML cannot hold control characters: Excel's own escape _xHHHH_ keeps them (the importer
        # reads them back), and a text that happens to look like an escape has its underscore escaped.
        if "_x" in v:
            v = _EXCEL_ESCAPE.sub(r"_x005F_\1", v)
        if illegal(v):
            v = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", v)
        if v[:1] == "=" or v in ERROR_CODES:
            cell = WriteOnlyCell(ws, v)
            cell.data_type = "s"  # text, never a formula or an error value
            return cell
        return v

    def value(v: Any, number_format: str | None) -> Any:
        if v is None or v == "":
            return None
        kind = type(v)
        if kind is str:
            if number_format != "@":
                return text(v)
            cell = text(v)
            cell = cell if isinstance(cell, Cell) else WriteOnlyCell(ws, cell)
            cell.data_type, cell.number_format = "s", "@"
            return cell
        if kind is int or kind is float:
            return v if number_format is None else formatted(v, number_format)
        if isinstance(v, dt.date):
            return formatted(v, _DATE_FORMAT)
        return text(str(v))  # bools and anything else: as the text they print

    return value


def _shown(value: Any) -> str:
    """The text a cell shows, for its column's width."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, dt.date):
        return "2000-00-00"
    return str(value)


def safe_title(text: str) -> str:
    """A sheet title Excel accepts: none of []:*?/\\ and at most 31 characters."""
    for bad in "[]:*?/\\":
        text = text.replace(bad, "_")
    return text[:31] or "Sheet"


def _counting(data: Iterator[list], tick: Callable) -> Iterator[list]:
    for n, row in enumerate(data, 1):
        tick(n)
        yield row


def _ticker(progress: Progress | None, what: str, total: int, every: int = 1000) -> Callable:
    def tick(done: int, force: bool = False) -> None:
        if progress and (force or done % every == 0):
            progress(what, done, total)
    return tick


def file_name(*parts: str, ext: str) -> str:
    """学生-2024-11-25.xlsx, Aid-payments-2024-11-25.xlsx: the name Bangfu proposes for a file it
    writes. Its parts are joined by hyphens, with no space a shell user would have to quote and none
    of the characters a file system or Excel refuses in a name."""
    name = "-".join("-".join(str(part).split()) for part in parts if part)
    for bad in '/\\:*?"<>|':
        name = name.replace(bad, "_")
    return f"{name}.{ext}"


def default_name(lay: Layout, fmt: str, today: dt.date | None = None) -> str:
    """学生-2024-11-25.xlsx: what an export is called unless the user names it."""
    return file_name(lay.main.title, (today or clock.today()).isoformat(), ext=fmt)
