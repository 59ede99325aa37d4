"""Reading spreadsheets (xlsx, csv) into rows of cells, and reading cell values as Chinese
ledgers write them (dates as 2024/9/1 or 2024年9月1日, amounts as 1,250.00元, terms as
2024—2025学年第一学期, yes/no as 是/否 or 寄宿/走读). store/io/importer.py maps them to records."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.core import i18n
from store.core.errors import BangfuError, UsageError
from store.io.export import BOOL, DATE, FORMULA_START, INT, LIST, MONEY, NUMBER
from store.core.money import parse_yuan


@dataclass
class Table:
    name: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]   # (row number, cells)



# ---- reading files -------------------------------------------------------------------------------

def read_tables(path: Path) -> list[Table]:
    """The sheets of an xlsx workbook, or the one table of a csv file, as rows of cell values."""
    if not path.exists():
        raise UsageError("io.import.no_file", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise BangfuError("io.import.old_xls", path=str(path))
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic.startswith(b"PK\x03\x04"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return [_read_csv(path)]
    raise BangfuError("io.import.not_spreadsheet", path=str(path))


def _read_xlsx(path: Path) -> list[Table]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise BangfuError("io.import.not_spreadsheet", path=str(path)) from None
    try:
        out = []
        for ws in wb.worksheets:
            rows = [(n, [_unescape(c) if isinstance(c, str) else c for c in r])
                    for n, r in enumerate(ws.iter_rows(values_only=True), 1)]
            out.append(_table(ws.title, rows))
        return out
    finally:
        wb.close()


_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Excel writes characters XML cannot hold as _xHHHH_ (openpyxl leaves them so)."""
    if "_x" not in text:
        return text
    return _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _read_csv(path: Path) -> Table:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise BangfuError("io.import.not_spreadsheet", path=str(path))
    # Excel saves Chinese CSV as GB18030/GBK unless told otherwise.
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BangfuError("io.import.not_spreadsheet", path=str(path))
    first = text.split("\n", 1)[0]
    delim = "\t" if first.count("\t") > first.count(",") else ","
    rows = [(n, [_unquote(c) for c in r]) for n, r in enumerate(csv.reader(io.StringIO(text), delimiter=delim), 1)]
    return _table(path.stem, rows)


def _unquote(cell: str) -> str:
    # An export quotes text that Excel would take for a formula ('=…); the quote is not data.
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _table(name: str, rows: list[tuple[int, list[Any]]]) -> Table:
    cleaned = []
    for n, cells in rows:
        cells = [None if isinstance(c, str) and not c.strip() else c for c in cells]
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            cleaned.append((n, cells))
    return Table(name, 0, [], cleaned)


# ---- cell values -------------------------------------------------------------------------------------

class CellError(Exception):
    def __init__(self, key: str, /, **params: Any):
        super().__init__(key)
        self.key, self.params = key, params

    def text(self) -> str:
        return i18n.t(self.key, **self.params)


_YES = {"是", "y", "yes", "true", "1", "寄宿", "住校", "√", "✓", "对"}
_NO = {"否", "n", "no", "false", "0", "走读", "×", "不是", "非寄宿"}
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < value < 80000:
        return (_EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()  # an unformatted Excel date
    text = shown(value)
    m = _DATE_RE.match(text) or (re.match(r"^(\d{4})(\d{2})(\d{2})$", text))
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            pass
    raise CellError("io.import.bad_date", value=text)


def parse_money(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("io.import.bad_money", value=shown(value))
    if isinstance(value, (int, float)):
        fen = round(value * 100)
        if abs(value * 100 - fen) > 1e-6:
            raise CellError("io.import.bad_money", value=shown(value))
        return int(fen)
    try:
        return parse_yuan(shown(value))
    except ValueError:
        raise CellError("io.import.bad_money", value=shown(value)) from None


def parse_int(value: Any) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    text = shown(value).replace(",", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise CellError("io.import.bad_int", value=shown(value))


def parse_number(value: Any) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else value
    try:
        n = float(shown(value).replace(",", ""))
    except ValueError:
        raise CellError("io.import.bad_number", value=shown(value)) from None
    return int(n) if n.is_integer() else n


def parse_bool(value: Any) -> bool:
    text = shown(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError("io.import.bad_bool", value=shown(value))


_CN_HALF = {"1": "1", "一": "1", "上": "1", "秋": "1", "2": "2", "二": "2", "下": "2", "春": "2"}


def parse_term(value: Any) -> str:
    """2024-2025-1, 2024-2025学年第一学期, 2024—2025学年上学期, 2024年秋季学期, 2025春."""
    text = unicodedata.normalize("NFKC", shown(value))
    m = re.match(r"^(\d{4})\s*[-—–~至/]\s*(\d{4})\s*(?:学年)?\s*[-第]?\s*([12一二上下])\s*(?:学期)?$", text)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{_CN_HALF[m.group(3)]}"
    m = re.match(r"^(\d{4})\s*年?\s*(秋|春)", text)
    if m:
        year = int(m.group(1))
        return f"{year}-{year + 1}-1" if m.group(2) == "秋" else f"{year - 1}-{year}-2"
    return text


def parse_list(value: Any) -> list[str]:
    parts = [p for p in re.split(r"[、,，;；/\s]+", shown(value)) if p]
    return list(dict.fromkeys(parts))


# Cells compared with what an export shows, so that an untouched cell keeps the record's value.
def comparable(kind: str, value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    try:
        if kind == MONEY:
            return str(parse_money(value))
        if kind == DATE:
            return parse_date(value)
        if kind in (INT, NUMBER):
            return repr(parse_number(value))
        if kind == BOOL:
            return str(parse_bool(value))
        if kind == LIST:
            return "、".join(parse_list(value))
    except CellError:
        pass
    return unicodedata.normalize("NFKC", shown(value))
