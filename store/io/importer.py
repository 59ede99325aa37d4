"""Spreadsheets (xlsx, csv) into the ledger: every row checked, all good rows in ONE commit, or nothing.

`preview(ledger, type, path)` reads the file, maps its columns to fields (the usual Chinese
headers without a mapping file), resolves schools and students named in it, builds one record
per row and checks it with the schemas and rules exactly as a save would. Nothing is written.
`commit(ledger, preview)` then commits the valid rows as one commit; by default only when no
row is bad. `write_rejects` saves the bad rows with their original columns and a 错误原因
column, so they can be fixed in Excel and imported again.

Re-importing a file creates no duplicates: a row is matched to an existing record by its id
column, else by its natural key (a student's ID number fingerprint; a payment's student,
programme and term; a school's name ...). A matched row with the same content is left alone,
one with different content updates the record (based on the version that was read). A cell
that still shows what an export of the record would show keeps the record's value as it is,
so a masked ID number or a rounded amount in an exported sheet never overwrites anything.
"""
from __future__ import annotations

import copy
import difflib
import datetime as dt
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from store.io import export as ex
from store.core import i18n, ids
from store.rules import idcard, situation
from store.privacy import protect
from store.rules import protected
from store.core.errors import BangfuError, Conflict, InvalidRecord, UsageError
from store.core.findings import errors as only_errors
from store.ledger.ledger import NEW, Change
from store.io.sheets import (CellError, Table, comparable, parse_bool, parse_date, parse_int, parse_list,
                             parse_money, parse_number, parse_term, read_tables, shown)

Progress = ex.Progress
REASON = "io.import.reason_column"
_TOTAL = re.compile(r"^(合\s*计|总\s*计|小\s*计)\s*([:：].*)?$")
_FOOTER = re.compile(r"^(制表|填表|填报|审核|审批|复核|负责人|经办|校长|联系人|联系电话|日期|时间|单位|盖章|签字|签名)"
                     r"[^:：]{0,6}[:：]")

# Usual headers of Chinese school ledgers, by record type: header -> column key of the layout
# ('@…' keys are import-only helpers). The schema titles and English titles are known anyway.
ALIASES: dict[str, dict[str, str]] = {
    "student": {
        "学生姓名": "name", "姓名": "name", "学校名称": "school", "就读学校": "school", "所在学校": "school",
        "学校": "school", "学段": "stage", "年级": "grade", "班级": "class_name", "班别": "class_name",
        "寄宿": "boarding", "是否寄宿": "boarding", "寄宿生": "boarding", "住校": "boarding",
        "特殊群体": "groups", "困难类型": "groups", "资助对象类别": "groups", "类别": "groups",
        "困难程度": "difficulty", "困难等级": "difficulty", "认定等级": "difficulty",
        "家庭经济困难程度": "difficulty",
        "身份证号": "identity.id_number", "身份证号码": "identity.id_number", "身份证": "identity.id_number",
        "居民身份证号": "identity.id_number", "证件号码": "identity.id_number", "学生身份证号": "identity.id_number",
        "学籍号": "identity.student_no", "全国学籍号": "identity.student_no",
        "联系电话": "identity.phone", "电话": "identity.phone", "手机号": "identity.phone",
        "家庭住址": "identity.address", "住址": "identity.address", "家庭地址": "identity.address",
        "银行卡号": "identity.bank_card", "卡号": "identity.bank_card",
        "监护人": "guardian", "监护人电话": "identity.guardian_phone",
        "认定日期": "@recognised", "认定时间": "@recognised",
    },
    "aid": {
        "姓名": "student", "学生姓名": "student", "学生": "student", "学生编号": "student#id",
        "身份证号": "@id_number", "身份证号码": "@id_number", "身份证": "@id_number", "居民身份证号": "@id_number",
        "证件号码": "@id_number", "学校": "student.school", "学校名称": "student.school",
        "就读学校": "student.school",
        "资助项目": "programme", "项目": "programme", "资助类别": "programme", "资助项目名称": "programme",
        "学期": "term", "金额": "amount_fen", "发放金额": "amount_fen", "资助金额": "amount_fen",
        "补助金额": "amount_fen", "发放日期": "paid_on", "日期": "paid_on", "发放时间": "paid_on",
        "资金来源": "source", "经费来源": "source", "发放方式": "method", "凭证号": "voucher",
        "凭证编号": "voucher", "凭证": "voucher", "天数": "days", "补助天数": "days", "资助标准": "standard",
    },
    "school": {
        "学校": "name", "学校名称": "name", "校名": "name", "简称": "short_name", "学校简称": "short_name",
        "学校标识码": "code", "学校代码": "code", "学段": "stage", "办学类型": "stage",
        "县": "county", "县区": "county", "县(区)": "county", "乡镇": "township", "城乡类别": "area",
        "城乡": "area", "班级数": "headcount.classes", "教师数": "headcount.teachers",
        "学生数": "headcount.students", "统计日期": "headcount.counted_on",
    },
    "standard": {
        "资助项目": "programme", "项目": "programme", "学段": "stage", "寄宿": "boarding", "是否寄宿": "boarding",
        "档次": "level", "金额": "amount_fen", "标准": "amount_fen", "资助标准": "amount_fen",
        "计发单位": "unit", "单位": "unit", "适用地区": "region", "地区": "region",
        "起始日期": "valid_from", "开始日期": "valid_from", "截止日期": "valid_to", "结束日期": "valid_to",
    },
    "plan": {"计划名称": "title", "名称": "title", "开始日期": "period.start", "结束日期": "period.end"},
    "visit": {"活动类型": "kind", "类型": "kind", "日期": "date", "活动日期": "date", "帮扶计划": "plan",
              "计划": "plan", "承办学校": "host_school", "接待学校": "host_school",
              "来访学校": "visiting_school", "派出学校": "visiting_school"},
}
# Headers that are bookkeeping, not data: ignored silently.
IGNORED = {"序号", "行号", "原行号", "no", "#"}


# ---- what a preview holds ------------------------------------------------------------------------

@dataclass
class Problem:
    sheet: str
    row: int           # the spreadsheet's row number (1 = first row); 0 for the file as a whole
    column: str        # the header as written in the file ('' for the whole row)
    value: str         # the cell as shown (identifiers masked)
    reason: str
    level: str = "error"

    def as_json(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value,
                "reason": self.reason, "level": self.level}


@dataclass
class Item:
    """One row of the record's own sheet and what it becomes."""
    table: Table
    number: int
    cells: list[Any]
    record: dict | None = None
    existing: dict | None = None
    base: Any = NEW
    action: str = ""              # add | update | same
    problems: list[Problem] = field(default_factory=list)
    children: list[tuple[Table, int, list[Any]]] = field(default_factory=list)
    raw: dict = field(default_factory=dict)   # column key -> (header, cell)

    @property
    def bad(self) -> bool:
        return any(p.level == "error" for p in self.problems)


@dataclass
class Preview:
    rtype: str
    path: Path
    items: list[Item]
    problems: list[Problem]          # about the file or its columns, not one row
    notes: list[str]                 # columns ignored, total rows skipped ...
    tables: list[Table]
    reader: Any = None               # maps the commit's findings back to rows

    @property
    def good(self) -> list[Item]:
        return [i for i in self.items if not i.bad]

    @property
    def bad(self) -> list[Item]:
        return [i for i in self.items if i.bad]

    @property
    def fatal(self) -> bool:
        return any(p.level == "error" for p in self.problems)

    def count(self, action: str) -> int:
        return sum(1 for i in self.good if i.action == action)

    def all_problems(self) -> list[Problem]:
        return self.problems + [p for i in self.items for p in i.problems]

    def mapping_hint(self) -> str | None:
        """Said once for the file: the required columns it lacks can come from a mapping's defaults."""
        missing = list(dict.fromkeys(self.reader.missing)) if self.reader else []
        if not missing:
            return None
        return i18n.t("io.import.mapping_hint", columns="、".join(missing),
                      example="\n".join(f'"{title}" = "…"' for title in missing))


@dataclass
class Result:
    commit: str | None
    added: int
    updated: int
    same: int
    rejected: int


# ---- columns ---------------------------------------------------------------------------------------

def norm_header(text: Any) -> str:
    s = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    s = re.sub(r"[\s*＊]+", "", s)
    s = re.sub(r"\((元|人民币|必填|选填|yuan)\)$", "", s)
    return s


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)   # file header -> header or field path
    defaults: dict[str, Any] = field(default_factory=dict)  # field path or header -> value
    sheet: str | None = None

    @classmethod
    def load(cls, path: Path | str | None) -> "Mapping":
        if path is None:
            return cls()
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError:
            raise UsageError("io.import.no_file", path=str(path)) from None
        try:
            doc = tomllib.loads(raw.decode("utf-8")) if path.suffix.lower() == ".toml" else json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError("io.import.bad_mapping", path=str(path), detail=str(exc)) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("columns", {}), dict) \
                or not isinstance(doc.get("defaults", {}), dict):
            raise UsageError("io.import.bad_mapping", path=str(path), detail="columns / defaults")
        return cls({str(k): str(v) for k, v in doc.get("columns", {}).items()}, dict(doc.get("defaults", {})),
                   doc.get("sheet"))


class Columns:
    """Which column of a sheet is which field: schema titles (zh and en), field paths, the
    usual headers, and the mapping file, in that order of trust (the mapping wins)."""

    def __init__(self, sheet: ex.Sheet, rtype: str, mapping: Mapping, main: bool):
        self.by_name: dict[str, str] = {}
        self.columns = {c.key: c for c in sheet.columns}
        for c in sheet.columns:
            for name in (c.zh, ex.english_title(rtype, c.key) or "", c.key):
                if name:
                    self.by_name.setdefault(norm_header(name), c.key)
        if main:
            for alias, key in ALIASES.get(rtype, {}).items():
                if key in self.columns or key.startswith("@"):
                    self.by_name[norm_header(alias)] = key
        for header, target in mapping.columns.items():
            key = self.by_name.get(norm_header(target), target if target in self.columns or target.startswith("@")
                                   else None)
            if key:
                self.by_name[norm_header(header)] = key

    def key_of(self, header: Any) -> str | None:
        return self.by_name.get(norm_header(header))


def _find_header(table: Table, cols: Columns) -> None:
    """The header is the first of the first ten rows that names most known columns
    (a title row such as 2024年秋季学期资助发放台账 may come first)."""
    best, best_hits = None, 0
    for idx, (n, cells) in enumerate(table.rows[:10]):
        hits = sum(1 for c in cells if c is not None and cols.key_of(c))
        if hits > best_hits:
            best, best_hits = idx, hits
    if best is None:
        return
    n, cells = table.rows[best]
    table.header_row = n
    table.headers = ["" if c is None else str(c).strip() for c in cells]
    table.rows = table.rows[best + 1:]


# ---- the importer -------------------------------------------------------------------------------------

ID_CHANGED = ("update", "new")


def preview(ledger, rtype: str, path: Path | str, *, mapping: Mapping | None = None,
            progress: Progress | None = None, check: bool = True, id_changed: str | None = None) -> Preview:
    """Read and check a file; nothing is written. With check=False the schemas and rules are
    left to the commit (which checks every record anyway): what an import straight from the
    shell does, so a big file is validated once, not twice. `id_changed` ('update' or 'new') is
    the choice for rows that look like a known student with another ID number."""
    if id_changed not in (None,) + ID_CHANGED:
        raise UsageError("io.import.bad_id_changed", value=id_changed, allowed="、".join(ID_CHANGED))
    reader = _Reader(ledger, rtype, Path(path), mapping or Mapping(), progress, check)
    reader.id_changed = id_changed
    return reader.run()


class _Reader:
    def __init__(self, ledger, rtype: str, path: Path, mapping: Mapping, progress: Progress | None,
                 check: bool = True):
        if rtype not in ids.RECORD_TYPES:
            raise UsageError("io.export.unknown_type", type=rtype, allowed="、".join(ids.RECORD_TYPES))
        ledger.refresh()
        self.ledger, self.rtype, self.path, self.mapping = ledger, rtype, path, mapping
        self.progress, self.check = progress, check
        self.schemas = ledger.schemas()
        self.lay = ex.layout(self.schemas, rtype)
        self.main_cols = Columns(self.lay.main, rtype, mapping, main=True)
        self.docs = ledger.index.docs
        self.cells = ex.Cells(ledger, native=False)
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self._names: dict[str, dict[str, list[str]]] = {}
        self._hmacs: dict[str, list[str]] | None = None
        self._standards: list[dict] | None = None
        self.id_changed: str | None = None
        self.missing: list[str] = []     # titles of required columns the file lacks

    # -- the whole file --
    def run(self) -> Preview:
        tables = read_tables(self.path)
        self._tick("io.progress.read", 0, 1)
        main, subs = self._arrange(tables)
        keys = self._columns(main, self.main_cols)
        if not main.rows:
            self.problems.append(Problem(main.name, 0, "", "", i18n.t("io.import.empty", sheet=main.name)))
        items = [Item(main, n, cells) for n, cells in main.rows if not self._total_row(main, n, cells)]
        self._link_children(items, keys, subs)
        seen: dict[tuple, int] = {}
        for k, item in enumerate(items, 1):
            self._build(item, keys, subs, seen)
            self._tick("io.progress.check", k, len(items))
        return Preview(self.rtype, self.path, items, self.problems, self.notes, tables, self)

    def _tick(self, what: str, done: int, total: int) -> None:
        if self.progress and (done == total or done % 500 == 0):
            self.progress(i18n.t(what), done, total)

    def _arrange(self, tables: list[Table]) -> tuple[Table, list[tuple[Table, ex.Sheet, dict]]]:
        """Which table holds the records (the one naming most known columns, or the mapping's
        sheet; an instructions sheet before it does not matter) and which hold their lists
        (by sheet title)."""
        titles = {}
        for sheet in self.lay.subs:
            for name in (sheet.zh, ex.english_title(self.rtype, sheet.key) or "", sheet.key):
                if name:
                    titles[norm_header(name)] = sheet
        wanted = self.mapping.sheet
        if wanted and not any(t.name == wanted for t in tables):
            raise UsageError("io.import.no_sheet", sheet=wanted, path=str(self.path))
        listed = [t for t in tables if norm_header(t.name) in titles] if len(tables) > 1 else []
        others = [t for t in tables if t not in listed]
        if wanted:
            main = next(t for t in tables if t.name == wanted)
        elif others:
            main = max(others, key=lambda t: (self._hits(t), -others.index(t)))
        else:
            main = tables[0] if tables else Table(self.path.stem, 0, [], [])
        subs = []
        for t in listed:
            if t is main:
                continue
            sheet = titles[norm_header(t.name)]
            cols = Columns(sheet, self.rtype, Mapping(), main=False)
            _find_header(t, cols)
            subs.append((t, sheet, self._columns(t, cols, sub=True)))
        return main, subs

    def _hits(self, table: Table) -> int:
        return max((sum(1 for c in cells if c is not None and self.main_cols.key_of(c)) for _n, cells in table.rows[:10]),
                   default=0)

    def _columns(self, table: Table, cols: Columns, sub: bool = False) -> dict[int, str]:
        """Column index -> column key; notes for ignored columns; a header must be found."""
        if not table.headers:
            _find_header(table, cols)
        if not table.headers and table.rows:
            examples = "、".join(c.zh for c in (self.lay.main.columns[:6]))
            self.problems.append(Problem(table.name, table.rows[0][0], "", "",
                                         i18n.t("io.import.no_headers", sheet=table.name, examples=examples)))
            table.rows = []
            return {}
        keys: dict[int, str] = {}
        used: dict[str, str] = {}
        for i, h in enumerate(table.headers):
            if not h or norm_header(h) == norm_header(i18n.t(REASON)) or norm_header(h) in IGNORED:
                continue
            k = cols.key_of(h)
            if k == "id" and _row_numbers(cells[i] if i < len(cells) else None for _n, cells in table.rows):
                self.notes.append(i18n.t("io.import.row_numbers", sheet=table.name, column=h))
                continue
            if k is None:
                self.notes.append(i18n.t("io.import.unknown_column", sheet=table.name, column=h))
            elif k in used:
                self.problems.append(Problem(table.name, table.header_row, h, "",
                                             i18n.t("io.import.column_twice", column=h, other=used[k])))
            else:
                keys[i] = k
                used[k] = h
        return keys

    def _total_row(self, table: Table, n: int, cells: list) -> bool:
        """Rows under the table that are not records: totals (合计, 合计：1625) and the footer a
        school signs (制表人：…  审核人：…  日期：…)."""
        if any(isinstance(c, str) and _TOTAL.match(c.strip()) for c in cells[:3]):
            self.notes.append(i18n.t("io.import.total_row", sheet=table.name, row=n))
            return True
        filled = [c for c in cells if c is not None and str(c).strip()]
        if filled and all(isinstance(c, str) and _FOOTER.match(c.strip()) for c in filled):
            self.notes.append(i18n.t("io.import.footer_row", sheet=table.name, row=n))
            return True
        return False

    def _link_children(self, items: list[Item], keys: dict[int, str], subs) -> None:
        """Rows of list sheets go to their record: by its id, else by its name/title cell."""
        if not subs:
            return
        by_key: dict[str, Item] = {}
        name_cols = [i for i, k in keys.items() if k in ("id", "title", "name")]
        for item in items:
            for i in name_cols:
                if i < len(item.cells) and item.cells[i] is not None:
                    by_key.setdefault(shown(item.cells[i]), item)
        for table, sheet, skeys in subs:
            parent_col = next((i for i, k in skeys.items() if k == "@parent"), None)
            for n, cells in table.rows:
                owner = by_key.get(shown(cells[parent_col])) if parent_col is not None and parent_col < len(cells) \
                    else None
                if owner is None:
                    self.problems.append(Problem(table.name, n, table.headers[parent_col] if parent_col is not None
                                                 else "", shown(cells[parent_col]) if parent_col is not None
                                                 and parent_col < len(cells) else "",
                                                 i18n.t("io.import.orphan_row")))
                else:
                    owner.children.append((table, n, cells))

    # -- one record --
    def _build(self, item: Item, keys: dict[int, str], subs, seen: dict[tuple, int]) -> None:
        table = item.table
        raw: dict[str, tuple[str, Any]] = {}   # key -> (header, cell)
        for i, k in keys.items():
            raw[k] = (table.headers[i], item.cells[i] if i < len(item.cells) else None)
        item.raw = raw
        for k, v in self.mapping.defaults.items():
            key = self.main_cols.key_of(k) or k
            if key in self.lay_keys and (key not in raw or raw[key][1] is None):
                raw[key] = (k, v)

        def problem(key: str, err: CellError | str, value: Any = None, level: str = "error") -> None:
            header, cell = raw.get(key, (self._title(key), None))
            text = err.text() if isinstance(err, CellError) else err
            item.problems.append(Problem(table.name, item.number, header, self._show(key, cell if value is None
                                                                                       else value), text, level))

        # 1. which record this row is
        existing = None
        given_id = None
        if "id" in raw and raw["id"][1] is not None:
            given_id = shown(raw["id"][1])
            if not ids.is_id(given_id) or ids.type_of(given_id) != self.rtype:
                problem("id", CellError("io.import.bad_id", value=given_id, target=self._type_title()))
                return
            existing = self.docs.get(given_id)
        values: dict[str, Any] = {}
        for key, (header, cell) in raw.items():
            col = self.lay_cols.get(key)
            if key.startswith("@") or col is None or col.read_only or col.kind == ex.ID or cell is None:
                continue
            if col.kind == ex.REF and raw.get(key + "#id", (None, None))[1] is not None:
                continue  # the id column says which record; the name is for people
            if key == "student" and raw.get("@id_number", (None, None))[1] is not None:
                continue  # the ID number says which student; the name is compared with theirs
            try:
                values[key] = self._parse(col, cell, raw)
            except CellError as err:
                problem(key, err)
        student = self._student_of_row(raw, values, problem) if self.rtype == "aid" else None
        if student is not None:
            values["student#id"] = student
        if item.bad:
            return
        if existing is None and given_id is None:
            existing = self._match(values, raw, problem)
        if item.bad:
            return
        # 2. the record: the existing one with the row's changes, or a new one
        record = copy.deepcopy(existing) if existing else {"id": given_id or ids.new_id(self.rtype),
                                                           "type": self.rtype, "schema_version": 1}
        for key, (header, cell) in raw.items():
            col = self.lay_cols.get(key)
            if key.startswith("@") or col is None or col.read_only or col.kind == ex.ID:
                continue
            if col.kind == ex.REF and key + "#id" in raw and raw[key + "#id"][1] is not None:
                continue  # the id column says it
            if existing and self._untouched(col, cell, existing):
                continue
            if col.kind == ex.REF_ID and cell is None and col.key[:-3] in raw and raw[col.key[:-3]][1] is not None:
                continue  # the name column says it
            if cell is None:
                _delete(record, col.path)
            elif key in values:
                _put(record, col.path, values[key])
        if "student#id" in values and not (existing and existing.get("student") == values["student#id"]):
            record["student"] = values["student#id"]
        self._extras(record, raw, values, existing, problem)
        self._lists(item, record, existing, subs)
        if item.bad:
            return
        # 3. duplicates: in the file, and against the ledger
        rid = record["id"]
        nkey = natural_key(self.rtype, self._hashed(record))
        if given_id and self.rtype in LOOSE_KEYS:
            nkey = None
        for k in ([("id", rid)] + ([nkey] if nkey else [])):
            if k in seen:
                problem(self._key_column(k), i18n.t("io.import.dup_in_file", row=seen[k], what=self._key_text(k)),
                        value=raw.get(self._key_column(k), ("", ""))[1])
                return
        if nkey and given_id:
            other = self._lookup_key(nkey, record)
            if other and other != rid:
                problem(self._key_column(nkey), i18n.t("io.import.dup_existing", other=other,
                                                       what=self._key_text(nkey)))
                return
        for k in ([("id", rid)] + ([nkey] if nkey else [])):
            seen[k] = item.number
        # 4. the schemas and rules, as a save would check
        self._check(item, record, raw, problem)
        if item.bad:
            return
        item.record, item.existing = record, existing
        if existing is None:
            item.action, item.base = "add", NEW
        elif _same(record, existing):
            item.action, item.base = "same", self.ledger.index.blobs.get(rid)
        else:
            item.action, item.base = "update", self.ledger.index.blobs.get(rid)

    def _hashed(self, record: dict) -> dict:
        """The record with a clear ID number replaced by its fingerprint (for its natural key)."""
        number = (record.get("identity") or {}).get("id_number")
        if self.rtype != "student" or not isinstance(number, str) or self.ledger.keys is None:
            return record
        clear = protect.normalise("id_number", number)
        if "*" in clear or idcard.problem(clear):
            return record
        return {**record, "identity": {**record["identity"], "id_number": {"hmac": self._fingerprint(clear)}}}

    @property
    def lay_cols(self) -> dict[str, ex.Column]:
        if not hasattr(self, "_lay_cols"):
            self._lay_cols = {c.key: c for c in self.lay.main.columns}
        return self._lay_cols

    @property
    def lay_keys(self) -> set[str]:
        return set(self.lay_cols) | set(ALIASES.get(self.rtype, {}).values())

    def _title(self, key: str) -> str:
        col = self.lay_cols.get(key.split("#")[0]) or self.lay_cols.get(key)
        return col.header if col else key

    def _type_title(self) -> str:
        return self.lay.main.title

    def _show(self, key: str, cell: Any) -> str:
        col = self.lay_cols.get(key)
        text = shown(cell)
        if text and (key == "@id_number" or (col is not None and col.kind == ex.PROTECTED)):
            kind = "id_number" if key == "@id_number" else (col.path[-1] if col.path[-1] in protected.KINDS else "other")
            return protect.mask(kind, text) if "*" not in text else text
        return text

    def _parse(self, col: ex.Column, cell: Any, raw: dict) -> Any:
        kind = col.kind
        if kind == ex.DATE:
            return parse_date(cell)
        if kind == ex.MONEY:
            return parse_money(cell)
        if kind == ex.INT:
            return parse_int(cell)
        if kind == ex.NUMBER:
            return parse_number(cell)
        if kind == ex.BOOL:
            return parse_bool(cell)
        if kind == ex.LIST:
            return parse_list(cell)
        if kind == ex.REF_ID:
            text = shown(cell)
            if not ids.is_id(text) or ids.type_of(text) != col.ref:
                raise CellError("io.import.bad_id", value=text, target=self._ref_title(col.ref))
            if text not in self.docs:
                raise CellError("io.import.unknown_ref", value=text, target=self._ref_title(col.ref))
            return text
        if kind == ex.REF:
            return self._resolve(col.ref, shown(cell), raw)
        if kind == ex.PROTECTED:
            if isinstance(cell, (int, float)) and not isinstance(cell, bool):
                raise CellError("io.import.identifier_as_number", column=col.header)
            if col.path[-1] == "id_number":
                _not_a_spreadsheet_number(cell, col.header)
            return shown(cell)
        if col.key == "term":
            return parse_term(cell)
        return shown(cell)

    def _ref_title(self, rtype: str | None) -> str:
        if rtype not in self.schemas.record_types:
            return str(rtype)
        return self.schemas.docs[rtype].get("title", rtype) if i18n.lang() == "zh" else \
            (i18n.t(f"audit.rtype.{rtype}") if i18n.has(f"audit.rtype.{rtype}") else rtype)

    # -- references by name --
    def _names_of(self, rtype: str) -> dict[str, list[str]]:
        if rtype not in self._names:
            m: dict[str, list[str]] = {}
            for doc in self.ledger.index.all(rtype):
                rid = doc["id"]
                for name in {ex.ref_name(doc, self.ledger), doc.get("short_name"), doc.get("name"), doc.get("title")}:
                    if name:
                        m.setdefault(_key(name), []).append(rid)
            self._names[rtype] = m
        return self._names[rtype]

    def _near_names(self, rtype: str, text: str) -> list[str]:
        """The ledger's names closest to one written a little differently (石桥镇二小: 石桥镇第二中心小学)."""
        names = self._names_of(rtype)
        near: list[str] = []
        for key in difflib.get_close_matches(_key(text), list(names), n=6, cutoff=0.55):
            for rid in names[key]:
                name = ex.ref_name(self.docs.get(rid), self.ledger)
                if name and name not in near:
                    near.append(name)
        return near[:3]

    def _resolve(self, rtype: str | None, text: str, raw: dict) -> str:
        if ids.is_id(text) and ids.type_of(text) == rtype:
            if text in self.docs:
                return text
            raise CellError("io.import.unknown_ref", value=text, target=self._ref_title(rtype))
        found = self._names_of(rtype or "").get(_key(text), [])
        if rtype == "student" and len(found) > 1 and "student.school" in raw and raw["student.school"][1]:
            school = self._resolve("school", shown(raw["student.school"][1]), raw)
            found = [s for s in found if self.docs[s].get("school") == school]
        if not found:
            near = self._near_names(rtype or "", text)
            if near:
                raise CellError("io.import.unknown_ref_near", value=text, target=self._ref_title(rtype),
                                near=i18n.listing(near))
            raise CellError("io.import.unknown_ref", value=text, target=self._ref_title(rtype))
        if len(found) > 1:
            raise CellError("io.import.ambiguous_ref", value=text, target=self._ref_title(rtype),
                            count=len(found), ids="、".join(found[:3]))
        return found[0]

    def _hmac_index(self) -> dict[str, list[str]]:
        if self._hmacs is None:
            self._hmacs = {}
            for rid, doc in self.docs.items():
                h = ((doc.get("identity") or {}).get("id_number") or {})
                if doc.get("type") == "student" and isinstance(h, dict) and h.get("hmac"):
                    self._hmacs.setdefault(h["hmac"], []).append(rid)
        return self._hmacs

    def _fingerprint(self, value: str) -> str:
        if self.ledger.keys is None:
            raise BangfuError("io.import.no_keys", path=str(self.path))
        return protect.fingerprint(self.ledger.keys.hmac_key, "id_number", value)

    def _student_of_row(self, raw: dict, values: dict, problem) -> str | None:
        """A payment's student: the id column, else the ID number's fingerprint, else name (+ school)."""
        if values.get("student#id"):
            return values["student#id"]
        cell = raw.get("@id_number", (None, None))[1]
        if cell is not None:
            if isinstance(cell, (int, float)) and not isinstance(cell, bool):
                problem("@id_number", CellError("io.import.identifier_as_number", column=raw["@id_number"][0]))
                return None
            try:
                _not_a_spreadsheet_number(cell, raw["@id_number"][0])
            except CellError as err:
                problem("@id_number", err)
                return None
            number = protect.normalise("id_number", shown(cell))
            if "*" in number:
                return self._student_by_mask(number, raw, problem)
            bad = idcard.problem(number)
            if bad:
                problem("@id_number", i18n.t(bad))
                return None
            found = self._hmac_index().get(self._fingerprint(number), [])
            if len(found) == 1:
                name = shown(raw.get("student", (None, None))[1])
                if name and _key(name) != _key(str(self.docs[found[0]].get("name", ""))):
                    problem("student", i18n.t("io.import.name_mismatch", name=name,
                                              masked=protect.mask("id_number", number)))
                    return None
                return found[0]
            if not found:
                problem("@id_number", i18n.t("io.import.student_not_found", masked=protect.mask("id_number", number)))
            else:
                problem("@id_number", i18n.t("io.import.ambiguous_student", masked=protect.mask("id_number", number),
                                             ids="、".join(found[:3])))
            return None
        return values.get("student")

    def _student_by_mask(self, masked: str, raw: dict, problem) -> str | None:
        """A masked ID number (an export, the rejected-rows file) with the name beside it finds the
        student whose masked number and name they are."""
        name = _key(shown(raw.get("student", (None, None))[1]))
        found = [rid for rid, doc in self.docs.items() if doc.get("type") == "student"
                 and ((doc.get("identity") or {}).get("id_number") or {}).get("masked") == masked
                 and _key(str(doc.get("name", ""))) == name]
        if len(found) == 1:
            return found[0]
        if not found:
            problem("@id_number", i18n.t("io.import.student_not_found", masked=masked))
        else:
            problem("@id_number", i18n.t("io.import.ambiguous_student", masked=masked, ids="、".join(found[:3])))
        return None

    # -- matching existing records by natural key --
    def _match(self, values: dict, raw: dict, problem) -> dict | None:
        probe = {"type": self.rtype}
        for key, v in values.items():
            col = self.lay_cols.get(key)
            if col is not None and col.kind != ex.REF or key == "student":
                _put(probe, col.path if col else (key,), v)
        if "student#id" in values:
            probe["student"] = values["student#id"]
        for key in ("school", "plan", "host_school", "standard"):
            if key in values:
                probe[key] = values[key]
        if self.rtype == "student":
            number = values.get("identity.id_number")
            if number and "*" not in number and not idcard.problem(protect.normalise("id_number", number)):
                found = self._hmac_index().get(self._fingerprint(number), [])
                if len(found) > 1:
                    problem("identity.id_number", i18n.t("io.import.ambiguous_student",
                                                         masked=protect.mask("id_number", number),
                                                         ids="、".join(found[:3])))
                if found:
                    return self.docs[found[0]]
                return self._id_changed(probe, number, problem)
            if number:
                return None
            # No ID number in the row: the same name at the same school is the same student.
            same = [d for d in self.ledger.index.find("student", name=probe.get("name"), school=probe.get("school"))]
            return same[0] if len(same) == 1 else None
        nkey = natural_key(self.rtype, probe)
        rid = self._lookup_key(nkey, probe) if nkey else None
        return self.docs.get(rid) if rid else None

    def _id_changed(self, probe: dict, number: str, problem) -> dict | None:
        """A row whose ID number matches nobody, but whose name, school, grade and class match one
        student who has another ID number: a corrected ID, or another child of the same name? The
        person importing says which (`id_changed`); never a second student without a word."""
        same = [d for d in self.ledger.index.find("student", name=probe.get("name"), school=probe.get("school"))
                if d.get("grade") == probe.get("grade") and d.get("class_name") == probe.get("class_name")
                and isinstance((d.get("identity") or {}).get("id_number"), dict)]
        if len(same) != 1 or self.id_changed == "new":
            return None
        if self.id_changed == "update":
            return same[0]
        problem("identity.id_number", i18n.t("io.import.id_changed", name=same[0].get("name", ""), other=same[0]["id"],
                                             masked_old=same[0]["identity"]["id_number"].get("masked", ""),
                                             masked_new=protect.mask("id_number", number)))
        return None

    def _lookup_key(self, nkey: tuple, record: dict) -> str | None:
        kind = nkey[0]
        if kind == "student":
            found = self._hmac_index().get(nkey[1], [])
            return next((f for f in found if f != record.get("id")), found[0] if found else None)
        if kind in ("aid", "school", "plan", "visit"):
            fields = dict(zip(_NATURAL[kind], nkey[1:]))
            found = self.ledger.index.find(kind, **fields)
            others = [f["id"] for f in found if f["id"] != record.get("id")]
            return others[0] if others else (found[0]["id"] if found else None)
        if kind == "standard":
            for doc in self._all("standard"):
                if natural_key("standard", doc) == nkey and doc["id"] != record.get("id"):
                    return doc["id"]
        return None

    def _all(self, rtype: str) -> list[dict]:
        return list(self.ledger.index.all(rtype))

    def _key_column(self, nkey: tuple) -> str:
        return {"id": "id", "student": "identity.id_number", "aid": "term", "school": "name",
                "plan": "title", "visit": "date", "standard": "programme"}.get(nkey[0], "id")

    def _key_text(self, nkey: tuple) -> str:
        if nkey[0] == "student":
            return i18n.t("io.import.key_id_number")
        parts = []
        for p in nkey[1:]:
            if isinstance(p, str) and p in self.docs:
                p = ex.ref_name(self.docs[p], self.ledger) or p
            parts.append("" if p is None else str(p))
        return " / ".join(p for p in parts if p)

    # -- special columns and lists --
    def _extras(self, record: dict, raw: dict, values: dict, existing: dict | None, problem) -> None:
        if self.rtype == "student":
            self._stage_and_grade(record)
        if self.rtype == "student" and "@recognised" in raw and raw["@recognised"][1] is not None \
                and not record.get("events"):
            try:
                day = parse_date(raw["@recognised"][1])
            except CellError as err:
                problem("@recognised", err)
                return
            record["events"] = [{"date": day, "event": "认定", **({"stage": record["stage"]}
                                                                  if record.get("stage") else {})}]
        if self.rtype == "aid" and "standard" not in raw and "standard#id" not in raw and not record.get("standard"):
            chosen = self._standard_for(record)
            if chosen:
                record["standard"] = chosen

    def _stage_and_grade(self, record: dict) -> None:
        """A township's sheet names the school and the grade, seldom the stage, and Excel keeps 3
        for 三年级: the stage is the one of the school's stages the grade belongs to, and the grade
        is written as the ladder's word, which promotion moves on."""
        school = self.docs.get(str(record.get("school", ""))) or {}
        teaches = situation.SCHOOL_TEACHES.get(str(school.get("stage")), ())
        alone = len(teaches) == 1
        if not record.get("stage"):
            fits = [s for s in teaches if situation.ladder_grade(s, record.get("grade"), only_stage=alone)]
            if len(fits) == 1 or (alone and not fits):
                record["stage"] = (fits or list(teaches))[0]
        word = situation.ladder_grade(str(record.get("stage")), record.get("grade"),
                                      only_stage=alone and record.get("stage") in teaches)
        if word:
            record["grade"] = word

    def _standard_for(self, aid: dict) -> str | None:
        """The one standard a payment follows, when the sheet does not say: programme, the
        student's stage and boarding, valid on the payment date. None when not exactly one."""
        student = self.docs.get(aid.get("student", "")) or {}
        if self._standards is None:
            self._standards = self._all("standard")
        paid = str(aid.get("paid_on", ""))
        fits = [s for s in self._standards
                if s.get("programme") == aid.get("programme") and s.get("stage") == student.get("stage")
                and ("boarding" not in s or s["boarding"] == bool(student.get("boarding", False)))
                and str(s.get("valid_from", "")) <= paid <= str(s.get("valid_to") or "9999")]
        return fits[0]["id"] if len(fits) == 1 else None

    def _lists(self, item: Item, record: dict, existing: dict | None, subs) -> None:
        """A list sheet present in the file replaces the record's list, unless its rows still
        show exactly what an export of the record shows."""
        for table, sheet, skeys in subs:
            mine = [(n, cells) for t, n, cells in item.children if t is table]
            cols = {c.key: c for c in sheet.columns}
            if existing is not None:
                pos = {k: j for j, c in enumerate(sheet.columns) for k in [c.key] if k in skeys.values()
                       and not c.read_only and c.kind != ex.PARENT}
                old = [[comparable(sheet.columns[j].kind, r[j]) for j in pos.values()]
                       for r in ex.rows(self.ledger, self.lay, sheet, [existing], native=False)]
                new = [[comparable(cols[k].kind, cells[i] if i < len(cells) else None)
                        for i, k in skeys.items() if k in pos] for n, cells in mine]
                if old == new:
                    continue
            out = []
            for n, cells in mine:
                entry: dict = {}
                for i, k in skeys.items():
                    col = cols[k]
                    cell = cells[i] if i < len(cells) else None
                    if col.read_only or col.kind == ex.PARENT or cell is None:
                        continue
                    if col.kind == ex.REF and any(kk == k + "#id" and ii < len(cells) and cells[ii] is not None
                                                  for ii, kk in skeys.items()):
                        continue
                    try:
                        _put(entry, col.path, self._parse(col, cell, {}))
                    except CellError as err:
                        item.problems.append(Problem(table.name, n, table.headers[i], shown(cell), err.text()))
                out.append(entry)
            if out:
                _put(record, sheet.path, out)
            else:
                _delete(record, sheet.path)

    # -- an untouched cell keeps the record's value --
    def _untouched(self, col: ex.Column, cell: Any, existing: dict) -> bool:
        before = self.cells.value(col, existing, existing)
        if col.kind == ex.PROTECTED:
            return comparable(ex.TEXT, cell) == comparable(ex.TEXT, before) or self._same_secret(col, cell, existing)
        return comparable(col.kind, cell) == comparable(col.kind, before)

    def _same_secret(self, col: ex.Column, cell: Any, existing: dict) -> bool:
        node = ex.get(existing, col.path)
        if not isinstance(node, dict) or cell is None or self.ledger.keys is None:
            return False
        kind = col.path[-1] if col.path[-1] in protected.KINDS else "other"
        schema_kind = self.schemas.field(self.rtype, col.path).get("x-kind") or kind
        return protect.fingerprint(self.ledger.keys.hmac_key, schema_kind, shown(cell)) == node.get("hmac")

    # -- the check a save makes --
    def _check(self, item: Item, record: dict, raw: dict, problem) -> None:
        probe = copy.deepcopy(record)
        for col in self.lay.main.columns:
            if col.kind != ex.PROTECTED:
                continue
            value = ex.get(probe, col.path)
            if not isinstance(value, str):
                continue
            kind = self.schemas.field(self.rtype, col.path).get("x-kind") or "other"
            clear = protect.normalise(kind, value)
            if "*" in clear:
                problem(col.key, i18n.t("io.import.masked_only", column=col.header))
                continue
            if kind == "id_number" and (bad := idcard.problem(clear)):
                problem(col.key, i18n.t(bad))
                continue
            if self.ledger.keys is None:
                raise BangfuError("io.import.no_keys", path=str(self.path))
            # What the store will commit, minus the sealed value: enough for the checks.
            _put(probe, col.path, {"masked": protect.mask(kind, clear),
                                   "hmac": protect.fingerprint(self.ledger.keys.hmac_key, kind, clear)})
        if item.bad or not self.check:
            return
        self.attach(item, self.ledger.check(probe))

    def attach(self, item: Item, findings) -> None:
        """Findings of the schemas and rules (from a check or from the commit) as row problems."""
        for f in findings:
            key = self._column_of(f.path)
            text = i18n.t(f.rule, **f.params)
            if f.rule == "schema.required" and key not in item.raw:
                text += i18n.t("io.import.no_such_column", column=self._title(key) if key else f.field_path)
                if key:
                    self.missing.append(self._title(key))
            header, cell = item.raw.get(key or "", (self._title(key) if key else "", None))
            item.problems.append(Problem(item.table.name, item.number, header, self._show(key or "", cell), text,
                                         f.level))

    def _column_of(self, path: tuple) -> str | None:
        best = None
        for col in self.lay.main.columns:
            if col.kind in ex.READ_ONLY:
                continue
            n = len(col.path)
            if col.path == tuple(path[:n]) and (best is None or n > len(best.path)):
                best = col
        if best is None:
            return None
        if best.kind == ex.REF_ID:
            return best.key[:-3]
        return best.key


def natural_key(rtype: str, record: dict) -> tuple | None:
    """What makes two rows the same record when neither says its id."""
    if rtype == "student":
        h = ((record.get("identity") or {}).get("id_number") or {})
        return ("student", h["hmac"]) if isinstance(h, dict) and h.get("hmac") else None
    if rtype == "standard":
        return ("standard", record.get("programme"), record.get("stage"), record.get("boarding"),
                record.get("level"), record.get("region"), record.get("valid_from"))
    fields = _NATURAL.get(rtype)
    if not fields or any(record.get(f) is None for f in fields):
        return None
    return (rtype, *(record.get(f) for f in fields))


_NATURAL = {"aid": ("student", "programme", "term"), "school": ("name",), "plan": ("title",),
            "visit": ("plan", "kind", "date", "host_school")}
# Natural keys that do not make a record one of a kind: two mentor pairs (or two lessons) of one
# plan, day and school share them. They find the record of a row without an id; a row with its
# own id is that record, never a duplicate of another.
LOOSE_KEYS = {"visit"}


def _row_numbers(cells: Iterable[Any]) -> bool:
    """A 编号 column that numbers the rows (1, 2, 3 …) as a school's own sheet does, rather than
    holding the records' ids."""
    filled = [c for c in cells if c is not None and str(c).strip()]
    return bool(filled) and all(isinstance(c, int) and not isinstance(c, bool) or isinstance(c, float)
                                and c.is_integer() or isinstance(c, str) and c.strip().isdigit() for c in filled)


def _key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _put(node: dict, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _delete(node: dict, path: tuple) -> None:
    trail = []
    for part in path[:-1]:
        if not isinstance(node, dict) or part not in node:
            return
        trail.append((node, part))
        node = node[part]
    if isinstance(node, dict):
        node.pop(path[-1], None)
    for parent, part in reversed(trail):  # an object left empty goes too
        if parent[part] == {}:
            del parent[part]


def _same(a: dict, b: dict) -> bool:
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(b, sort_keys=True, ensure_ascii=False)


# ---- committing -----------------------------------------------------------------------------------------

def commit(ledger, pv: Preview, *, skip_invalid: bool = False, progress: Progress | None = None) -> Result:
    """Commit the previewed rows as one commit. Without skip_invalid nothing is committed when
    any row (or the file) is bad. A row the whole batch rejects (a rule across rows) is moved
    to the bad rows; without skip_invalid that again means nothing is committed."""
    if pv.fatal or (pv.bad and not skip_invalid):
        return Result(None, 0, 0, pv.count("same"), len(pv.bad))
    for _attempt in range(3):
        todo = [i for i in pv.good if i.action in ("add", "update")]
        if not todo:
            return Result(None, 0, 0, pv.count("same"), len(pv.bad))
        if progress:
            progress(i18n.t("io.progress.commit"), 0, len(todo))
        changes = [Change(i.record["id"], i.record, i.base) for i in todo]
        name = pv.path.name
        try:
            saved = ledger.commit(changes, action="import",
                                  message=f"{pv.rtype}: import {i18n.counted(len(changes), 'record')} from {name}")
        except InvalidRecord as exc:
            by_id = {i.record["id"]: i for i in todo}
            hit = False
            for f in only_errors(exc.findings):
                owner = by_id.get(f.record)
                if owner is not None:
                    pv.reader.attach(owner, [f])
                    hit = True
            if not hit:
                raise
            if not skip_invalid:
                return Result(None, 0, 0, pv.count("same"), len(pv.bad))
            continue
        except Conflict:
            raise
        if progress:
            progress(i18n.t("io.progress.commit"), len(todo), len(todo))
        if not pv.reader.check:  # the commit's warnings are the rows' warnings
            for item, s in zip(todo, saved):
                pv.reader.attach(item, s.warnings)
        commit_id = next((s.commit for s in saved if s.commit), None)
        return Result(commit_id, pv.count("add"), pv.count("update"), pv.count("same"), len(pv.bad))
    return Result(None, 0, 0, pv.count("same"), len(pv.bad))


# ---- the rejected rows, ready to fix and import again -------------------------------------------------

def write_rejects(pv: Preview, path: Path | str) -> Path:
    """An xlsx of the bad rows: the file's own columns plus 错误原因 (list sheets keep the
    rows of rejected records, so a fixed file imports whole)."""
    path = Path(path)
    reason_header = i18n.t(REASON)
    per_table: dict[int, list[tuple[list[Any], str]]] = {}
    order: list[Table] = []

    def add(table: Table, cells: list, reasons: list[str]) -> None:
        if id(table) not in per_table:
            per_table[id(table)] = []
            order.append(table)
        per_table[id(table)].append((cells, "；".join(dict.fromkeys(reasons))))

    def why(p: Problem) -> str:
        return f"{p.column}：{p.reason}" if p.column else p.reason

    masks = _identifier_columns(pv)

    def masked(table: Table, cells: list) -> tuple[list, bool]:
        out, hidden = list(cells), False
        for i, kind in masks.get(id(table), {}).items():
            if i < len(out) and out[i] is not None and "*" not in shown(out[i]):
                out[i], hidden = protect.mask(kind, shown(out[i])), True
        return out, hidden

    for item in pv.bad:
        cells, hidden = masked(item.table, item.cells)
        notes = [i18n.t("io.import.masked_in_rejects")] if hidden and pv.rtype == "student" else []
        add(item.table, cells, [why(p) for p in item.problems if p.level == "error" and p.sheet == item.table.name]
            + notes)
        for table, n, cells in item.children:
            add(table, cells, [why(p) for p in item.problems if p.sheet == table.name and p.row == n])
    for p in pv.problems:
        if p.row and p.level == "error":
            table = next((t for t in pv.tables if t.name == p.sheet), None)
            row = next((cells for n, cells in (table.rows if table else []) if n == p.row), None)
            if table is not None and row is not None:
                add(table, masked(table, row)[0], [p.reason])
    try:
        wb = ex.xlsx_workbook()
        for table in order:
            width = len(table.headers)
            data = [[_plain(c) for c in (list(cells) + [None] * width)[:width]] + [reason]
                    for cells, reason in per_table[id(table)]]
            kinds = [ex.DIGITS if i in masks.get(id(table), {}) else None for i in range(width)]
            ex.xlsx_sheet(wb, table.name, table.headers + [reason_header], kinds + [None], data)
        if not order:
            ex.xlsx_sheet(wb, pv.rtype, [reason_header], [None], [[p.reason] for p in pv.problems])
        ex.private_file(path)   # names and the rows as typed: for the person importing only
        ex.xlsx_save(wb, path)
    except OSError as exc:
        raise BangfuError("io.cannot_write", path=str(path), detail=i18n.os_reason(exc)) from None
    return path


def _identifier_columns(pv: Preview) -> dict[int, dict[int, str]]:
    """Per table, the columns holding personal identifiers and their kind: the rejected-rows file
    shows them masked, as text (Excel turns 18 digits into 6.40522E+17 and loses the last three)."""
    reader = pv.reader
    if reader is None:
        return {}
    out: dict[int, dict[int, str]] = {}
    for table in pv.tables:
        cols: dict[int, str] = {}
        for i, header in enumerate(table.headers):
            key = reader.main_cols.key_of(header) if header else None
            col = reader.lay_cols.get(key or "")
            if key == "@id_number":
                cols[i] = "id_number"
            elif col is not None and col.kind == ex.PROTECTED:
                cols[i] = col.path[-1] if col.path[-1] in protected.KINDS else "other"
        if cols:
            out[id(table)] = cols
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


_SCIENTIFIC = re.compile(r"^\s*\d+(?:\.\d+)?[eE]\+?\d+\s*$")
_FLOAT_TEXT = re.compile(r"^\s*\d{11,}\.0*\s*$")
_ZEROS = re.compile(r"^\d{15}000$")


def _not_a_spreadsheet_number(cell: Any, column: str) -> None:
    """CellError for an ID number a spreadsheet stored as a number before it was written as text:
    `6.40522E+17`, `640522201403051220.0`, or 18 digits ending in 000 (Excel keeps 15 digits, so
    the last three became zeros; about one in eleven of those even passes the check character)."""
    text = shown(cell) if cell is not None else ""
    if _SCIENTIFIC.match(text) or _FLOAT_TEXT.match(text):
        raise CellError("io.import.identifier_as_number", column=column)
    if _ZEROS.match(protect.normalise("id_number", text)):
        raise CellError("io.import.id_ends_in_zeros", column=column)


def rejects_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.{i18n.t('io.import.rejects_suffix')}.xlsx")


def run(ledger, rtype: str, path: Path | str, *, mapping: Mapping | None = None, skip_invalid: bool = False,
        progress: Progress | None = None, check: bool = False, id_changed: str | None = None) -> tuple[Preview, Result]:
    """Preview and commit in one go (the shell's import): the commit does the checking."""
    pv = preview(ledger, rtype, path, mapping=mapping, progress=progress, check=check, id_changed=id_changed)
    return pv, commit(ledger, pv, skip_invalid=skip_invalid, progress=progress)


def problems_table(pv: Preview, limit: int | None = None) -> Iterable[list[str]]:
    for p in pv.all_problems()[:limit]:
        yield [p.sheet, str(p.row or ""), p.column, p.value, p.reason]


