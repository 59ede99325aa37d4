"""The public notices (公示) a school posts on its wall and website: the recognitions of a school year
under review (before approval), and a term's student aid.

Only name (masked as 张** by default), school, grade and class, programme and level, amount, and
the notice period. Never an ID number, address, phone, birth date, special group or illness:
the notice is built from an explicit list of fields, and each cell is checked once more for
anything that looks like an identifier before it is written (a name typed with a phone in it).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from store.core import clock, i18n
from store.privacy import protect
from store.core.errors import UsageError
from store.privacy.migrate import mask_clear_text
from store.rules import recognitions, situation
from store.core.money import yuan

FORMATS = ("csv", "md", "xlsx")
WORKING_DAYS = 5
_TERM = re.compile(r"^(\d{4})-(\d{4})-([12])$")


@dataclass(frozen=True)
class NoticeRow:
    name: str
    school: str
    grade: str
    class_name: str
    programme: str
    level: str
    amount_fen: int


@dataclass
class Notice:
    term: str
    start: dt.date
    end: dt.date
    days: int
    masked: bool
    school: str | None = None            # the one school the notice is for, if it was limited to one
    rows: list[NoticeRow] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(r.amount_fen for r in self.rows)


def build_notice(ledger, term: str, mask_names: bool = True, *, start: dt.date | str | None = None,
                 days: int = WORKING_DAYS, school: str | None = None) -> Notice:
    """One row per payment of the term (optionally of one school), period of `days` working days from
    `start` (default today)."""
    if not _TERM.match(str(term)):
        raise UsageError("privacy.notice.bad_term", term=term)
    first = _date(start) if start else clock.today()
    if days < 1:
        raise UsageError("privacy.notice.bad_days", days=days)
    ledger.refresh()
    notice = Notice(term, first, working_days_end(first, days), days, mask_names,
                    _school_title(ledger, school) if school else None)
    for aid in ledger.find("aid", term=term):
        student = ledger.index.get(aid.get("student", ""))
        year = situation.school_year_of_term(term)
        if not student or (school and situation.situation(student, year=year).get("school") != school):
            continue
        notice.rows.append(_row(ledger, student, aid, mask_names))
    notice.rows.sort(key=lambda r: (r.school, _grade_rank(r.grade), r.grade, r.class_name, r.programme, r.name))
    return notice


def _row(ledger, student: dict, paid: dict, mask_names: bool) -> NoticeRow:
    """The notice's line for a payment (or a batch's entry: student, standard, amount, term): the
    school, grade and class of the term's school year, and the level of the standard, else of the
    recognition approved for that year, else the student's own."""
    year = situation.school_year_of_term(str(paid.get("term", "")))
    then = situation.situation(student, year=year)
    standard = ledger.index.get(paid.get("standard", "")) or {}
    where = ledger.index.get(then.get("school") or "") or {}
    approved = recognitions.approved_for(ledger.find("recognition", student=student.get("id")), year) \
        if student.get("id") else None
    level = standard.get("level") or ((approved or {}).get("review") or {}).get("level") or student.get("difficulty")
    name = str(student.get("name", ""))
    return NoticeRow(name=protect.mask_name(name) if mask_names else name,
                     school=str(where.get("name") or then.get("school") or ""),
                     grade=str(then.get("grade") or ""), class_name=str(then.get("class_name") or ""),
                     programme=str(paid.get("programme", "")), level=str(level or ""),
                     amount_fen=int(paid.get("amount_fen", 0)))


def build_batch_notice(ledger, batch: dict, mask_names: bool = True, *, start: dt.date | str | None = None,
                       days: int = WORKING_DAYS) -> Notice:
    """The notice of a payment batch's list (发放批次), one row per entry, as reviewed."""
    first = _date(start) if start else clock.today()
    if days < 1:
        raise UsageError("privacy.notice.bad_days", days=days)
    notice = Notice(batch["term"], first, working_days_end(first, days), days, mask_names,
                    _school_title(ledger, batch["school"]) if batch.get("school") else None)
    for entry in batch.get("entries") or []:
        student = ledger.index.get(entry["student"]) or {"name": entry["student"]}
        notice.rows.append(_row(ledger, student, {**entry, "programme": batch["programme"], "term": batch["term"]},
                                mask_names))
    notice.rows.sort(key=lambda r: (r.school, _grade_rank(r.grade), r.grade, r.class_name, r.name))
    return notice


_NUMERAL = {c: n for n, c in enumerate("一二三四五六七八九", 1)} | {"小": 1, "中": 2, "大": 3}
_OFFSET = (("班", -4), ("初", 6), ("高", 9))  # 小班 -3 … 大班 -1, 一年级 1 … 初一 7 … 高一 10


def _school_title(ledger, school: str) -> str:
    return str((ledger.index.get(school) or {}).get("name") or school)


def _grade_rank(grade: str) -> int:
    """小班 < 中班 < 大班 < 一年级 < … < 六年级 < 初一 (七年级) < … < 高一, where sorting the text
    would put 九年级 before 二年级."""
    digits = re.search(r"\d+", grade)
    number = int(digits.group()) if digits else next((_NUMERAL[c] for c in grade if c in _NUMERAL), 0)
    return number + next((o for mark, o in _OFFSET if mark in grade), 0)


def working_days_end(start: dt.date, days: int) -> dt.date:
    """The last of `days` working days (Monday to Friday) counted from `start`. Public holidays
    are not known here: a school extends the period by hand around them."""
    day, counted = start, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted == days:
                return day
        day += dt.timedelta(days=1)


def _date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UsageError("privacy.notice.bad_date", value=value) from None


# ---- the notice of recognitions (before approval) -------------------------------------------------

@dataclass(frozen=True)
class RecognitionRow:
    name: str
    school: str
    grade: str
    class_name: str
    level: str


@dataclass
class RecognitionNotice:
    school: str
    school_year: str
    where: str
    start: dt.date
    end: dt.date
    rows: list[RecognitionRow] = field(default_factory=list)


def build_recognition_notice(ledger, notice: dict, mask_names: bool = True) -> RecognitionNotice:
    """The rows of a recorded notice: each listed student's name, school, grade and class that
    school year, and the difficulty level the review proposed. Nothing else."""
    year = str(notice.get("school_year", ""))
    out = RecognitionNotice(_school_title(ledger, str(notice.get("school", ""))), year, str(notice.get("where", "")),
                            _date(notice["start"]), _date(notice["end"]))
    for rid in notice.get("recognitions") or []:
        r = ledger.index.get(rid) or {}
        student = ledger.index.get(r.get("student", "")) or {}
        then = situation.situation(student, year=year) if student else {}
        name = str(student.get("name", ""))
        out.rows.append(RecognitionRow(protect.mask_name(name) if mask_names else name,
                                       _school_title(ledger, str(then.get("school") or "")),
                                       str(then.get("grade") or ""), str(then.get("class_name") or ""),
                                       str((r.get("review") or {}).get("level", ""))))
    out.rows.sort(key=lambda r: (_grade_rank(r.grade), r.grade, r.class_name, r.name))
    return out


def recognition_notice_bytes(notice: RecognitionNotice, fmt: str) -> bytes:
    """The notice as csv or md: title, period and place, the list, and where to object."""
    title = i18n.t("privacy.notice.recognition_title", school=notice.school, year=notice.school_year)
    when = i18n.t("privacy.notice.recognition_period", start=notice.start.isoformat(), end=notice.end.isoformat(),
                  where=notice.where)
    heads = [i18n.t(f"privacy.notice.col_{c}") for c in ("no", "name", "school", "grade", "class", "level")]
    rows = [[str(n), *(_safe(v) for v in (r.name, r.school, *_worded(r.grade, r.class_name, r.level)))]
            for n, r in enumerate(notice.rows, 1)]
    if fmt == "md":
        lines = [f"# {_md(title)}", "", _md(when), "", "| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
        lines += ["", _md(i18n.t("privacy.notice.objection")), ""]
        return "\n".join(lines).encode("utf-8")
    if fmt != "csv":
        raise UsageError("privacy.notice.bad_format", format=fmt, allowed="csv, md")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for line in ([title], [when], [], heads, *rows, [], [i18n.t("privacy.notice.objection")]):
        w.writerow([_cell(c) for c in line])
    return buf.getvalue().encode("utf-8-sig")


# ---- the texts ---------------------------------------------------------------------------------

def term_label(term: str) -> str:
    first, second, half = _TERM.match(term).groups()
    return i18n.t("privacy.notice.term", first=first, second=second, half=i18n.t(f"privacy.notice.half_{half}"))


def title(notice: Notice) -> str:
    return i18n.t("privacy.notice.title", school=notice.school or "", term=term_label(notice.term)).strip()


def period(notice: Notice) -> str:
    return i18n.t("privacy.notice.period", start=notice.start.isoformat(), end=notice.end.isoformat(),
                  days=notice.days)


def headers() -> list[str]:
    return [i18n.t(f"privacy.notice.col_{c}") for c in
            ("no", "name", "school", "grade", "class", "programme", "level", "amount")]


def cells(notice: Notice) -> list[list[str]]:
    """The rows as text, each cell checked for anything that looks like an identifier."""
    return [[str(n), *(_safe(v) for v in (r.name, r.school, *_worded(r.grade, r.class_name, r.programme, r.level)))]
            for n, r in enumerate(notice.rows, 1)]


def _worded(*stored: str) -> list[str]:
    """Values as stored (国家助学金, 特别困难) in the notice's language, where the catalogue has them
    in words; names of people and schools are never looked up (a name is not a value)."""
    return [i18n.value(v) if v else v for v in stored]


def _safe(text: str) -> str:
    return mask_clear_text(text)[0]


def _plain_yuan(fen: int) -> str:
    return yuan(fen).replace(",", "")


# ---- writers -----------------------------------------------------------------------------------

def write_notice(notice: Notice, path: str | Path | None, fmt: str | None = None) -> None:
    """Write the notice as csv, md or xlsx to `path` ('-' or None: standard output). Without `fmt`,
    the file's suffix decides (csv when there is none)."""
    if fmt is None:
        suffix = Path(str(path)).suffix.lstrip(".").lower() if path not in (None, "-") else ""
        fmt = suffix if suffix in FORMATS else "csv"
    if fmt not in FORMATS:
        raise UsageError("privacy.notice.bad_format", format=fmt, allowed=", ".join(FORMATS))
    data = {"csv": _csv, "md": _markdown, "xlsx": _xlsx}[fmt](notice)
    if path in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(path).write_bytes(data)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    # A name starting with = would be run as a formula by Excel: data stays data.
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(notice: Notice) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([_cell(title(notice))])
    w.writerow([period(notice)])
    w.writerow([])
    w.writerow(headers())
    for row, r in zip(cells(notice), notice.rows):
        w.writerow([_cell(c) for c in row] + [_plain_yuan(r.amount_fen)])
    w.writerow([i18n.t("privacy.notice.total", count=len(notice.rows))] + [""] * 6 + [_plain_yuan(notice.total_fen)])
    w.writerow([])
    w.writerow([i18n.t("privacy.notice.objection")])
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read Chinese correctly


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")  # emphasis, code, links, HTML, table cells


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def _markdown(notice: Notice) -> bytes:
    lines = [f"# {_md(title(notice))}", "", _md(period(notice)), "",
             "| " + " | ".join(headers()) + " |", "|" + "---|" * 7 + "---:|"]
    for row, r in zip(cells(notice), notice.rows):
        lines.append("| " + " | ".join(_md(c) for c in row) + f" | {yuan(r.amount_fen)} |")
    lines.append("| " + _md(i18n.t("privacy.notice.total", count=len(notice.rows))) + " |" + "  |" * 6
                 + f" {yuan(notice.total_fen)} |")
    lines += ["", _md(i18n.t("privacy.notice.objection")), ""]
    return "\n".join(lines).encode("utf-8")


def _xlsx(notice: Notice) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = i18n.t("privacy.notice.sheet")
    ncols = len(headers())
    ws.append([_cell(title(notice))])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([period(notice)])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    ws.append([])
    ws.append(headers())
    for c in ws[4]:
        c.font = Font(bold=True)
    for row, r in zip(cells(notice), notice.rows):
        ws.append([int(row[0])] + [_cell(c) for c in row[1:]] + [Decimal(r.amount_fen) / 100])
    ws.append([i18n.t("privacy.notice.total", count=len(notice.rows))] + [None] * 6
              + [Decimal(notice.total_fen) / 100])
    for (cell,) in ws.iter_rows(min_row=5, min_col=ncols, max_col=ncols):
        cell.number_format = "#,##0.00"
    ws.append([])
    ws.append([i18n.t("privacy.notice.objection")])
    for letter, width in zip("ABCDEFGH", (6, 10, 24, 10, 8, 24, 10, 12)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A5"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
