"""The public notice (公示): only name (masked), school, class, aid level and amount, the period;
never an ID number, address, phone, birth date, sealed value or hash. Built from the demo ledger."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import TODAY, run, school
from store.demo import generate
from store.privacy import protect
from store.core.money import yuan
from store import Ledger
from store.core import canonical, ids
from store.core.errors import InvalidRecord
from store.privacy.notice import build_notice, working_days_end, write_notice

TERM = "2025-2026-2"
PHONE, ADDRESS = "13812345678", "宁夏回族自治区海原县史店乡田拐村七队"


@pytest.fixture
def demo_with_contacts(demo):
    """The demo, where one paid student also has a phone and an address on file."""
    paid = {a["student"] for a in demo.find("aid", term=TERM)}
    sid = sorted(paid)[0]
    record = demo.get(sid)
    record["identity"].update(phone=PHONE, address=ADDRESS)
    demo.put(record, base=demo.version(sid))
    return demo


def forbidden(ledger) -> list[str]:
    """What must never appear: ID numbers, birth dates in both forms, phones, addresses, and what
    protected values are stored as (masked ID numbers, hashes, sealed blobs, key ids)."""
    students = list(ledger.records("student"))
    out = [PHONE, ADDRESS, ADDRESS[6:], "138****5678", "v1:", "k20"]
    for values in generate.demo_identities(students).values():
        number = values["id_number"]
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        out += [number, number[6:14], born.isoformat(), protect.mask("id_number", number)]
    out += [s["identity"]["id_number"]["hmac"] for s in students]
    out += [g for s in students for g in s.get("groups", [])]  # 孤儿, 残疾, 低保: never in public
    return out


def read_back(path: Path, fmt: str) -> str:
    if fmt == "xlsx":
        wb = load_workbook(path)
        return "\n".join("\t".join("" if v is None else str(v) for v in row) for row in wb.active.iter_rows(values_only=True))
    return path.read_text(encoding="utf-8-sig")


def test_notice_rows_hold_only_what_may_be_public(demo_with_contacts):
    ledger = demo_with_contacts
    notice = build_notice(ledger, TERM, start=dt.date(2026, 3, 6))
    aids = ledger.find("aid", term=TERM)
    assert len(notice.rows) == len(aids) > 10 and notice.total_fen == sum(a["amount_fen"] for a in aids)
    assert (notice.start, notice.end, notice.days) == (dt.date(2026, 3, 6), dt.date(2026, 3, 12), 5)
    names = {s["name"] for s in ledger.records("student")}
    for row in notice.rows:
        assert re.fullmatch(r".\*+.|.\*", row.name) and row.name not in names
        assert set(vars(row)) == {"name", "school", "grade", "class_name", "programme", "level", "amount_fen"}
    full = build_notice(ledger, TERM, mask_names=False)
    assert {r.name for r in full.rows} <= names and full.start == TODAY
    one = sorted({a["student"] for a in aids})[0]
    school_id = ledger.get(one)["school"]
    only = build_notice(ledger, TERM, school=school_id)
    assert 0 < len(only.rows) < len(notice.rows) and {r.school for r in only.rows} == {ledger.get(school_id)["name"]}


@pytest.mark.parametrize("fmt", ["csv", "md", "xlsx"])
def test_written_notice_contains_no_forbidden_field(demo_with_contacts, tmp_path, fmt):
    ledger = demo_with_contacts
    notice = build_notice(ledger, TERM, start="2026-03-09")
    path = tmp_path / f"notice.{fmt}"
    write_notice(notice, path, fmt)
    text = read_back(path, fmt)
    for value in forbidden(ledger):
        assert value not in text, f"{value[:4]}… in the {fmt} notice"
    assert "公示期：2026-03-09 至 2026-03-13（5 个工作日）" in text and "2025-2026 学年第二学期" in text
    first = notice.rows[0]
    assert first.school in text and first.programme in text
    shown_name = first.name.replace("*", r"\*") if fmt == "md" else first.name
    assert shown_name in text
    shown_total = {"md": yuan(notice.total_fen), "csv": yuan(notice.total_fen).replace(",", ""),
                   "xlsx": str(Decimal(notice.total_fen) / 100)}[fmt]
    assert shown_total in text


def test_csv_and_xlsx_keep_amounts_exact_and_names_as_data(ledger, tmp_path):
    sch = ledger.put(school()).id
    base = {"type": "student", "schema_version": 1, "sex": "男", "school": sch, "stage": "小学", "grade": "三年级",
            "class_name": "1班", "events": [{"date": "2025-09-01", "event": "认定"}]}
    odd = ledger.put({**base, "name": "=HYPERLINK(\"http://x\")"}).id
    with pytest.raises(InvalidRecord):   # a phone typed into the name field is refused...
        ledger.put({**base, "name": f"王{PHONE}"})
    # ...but an older version let it through: the notice still masks it.
    phoned = ids.new_id("student")
    ledger.commit_files({ids.path_of(phoned, ids.LATEST): canonical.dumps({**base, "id": phoned, "name": f"王{PHONE}"})},
                        "older version", {})
    ledger = Ledger(ledger.path)   # commit_files does not bring records into this one's index
    for sid, fen in ((odd, 62550), (phoned, 50001)):
        ledger.put({"type": "aid", "schema_version": 1, "student": sid, "programme": "义务教育寄宿生生活补助",
                    "term": TERM, "amount_fen": fen, "method": "银行卡", "source": "中央", "paid_on": "2026-03-31"})
    # The payment's commit title names the student as the older version wrote her, masked.
    title = ledger.log(limit=1)[0]["title"]
    assert PHONE not in title and "王138****5678" in title
    notice = build_notice(ledger, TERM, mask_names=False)
    write_notice(notice, tmp_path / "n.csv", "csv")
    write_notice(notice, tmp_path / "n.xlsx", "xlsx")
    rows = list(csv.reader(io.StringIO((tmp_path / "n.csv").read_text(encoding="utf-8-sig"))))
    body = [r for r in rows if r and r[0].isdigit()]
    assert sorted(r[-1] for r in body) == ["500.01", "625.50"] and rows[-3][-1] == "1125.51"
    assert any(r[1].startswith("'=HYPERLINK") for r in body)
    sheet = load_workbook(tmp_path / "n.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]  # no formula anywhere
    assert sorted(str(c.value) for c in cells if c.column == 8 and c.row > 4) == ["1125.51", "500.01", "625.5"]
    everything = (tmp_path / "n.csv").read_text(encoding="utf-8-sig") + " ".join(str(c.value) for c in cells)
    assert PHONE not in everything and "王138****5678" in everything


def test_notice_period_counts_working_days():
    assert working_days_end(dt.date(2026, 3, 2), 5) == dt.date(2026, 3, 6)     # Monday to Friday
    assert working_days_end(dt.date(2026, 3, 6), 5) == dt.date(2026, 3, 12)    # over a weekend
    assert working_days_end(dt.date(2026, 3, 7), 1) == dt.date(2026, 3, 9)     # from a Saturday


def test_export_notice_command(demo, tmp_path, capsys):
    command = ["-L", str(demo.path), "export", "notice", "--term", TERM]
    paid = {demo.get(a["student"])["name"] for a in demo.find("aid", term=TERM)}
    for fmt in ("xlsx", "csv"):
        out_file = tmp_path / f"公示.{fmt}"
        code, out, err = run(capsys, *command, "--format", fmt, "-o", str(out_file))
        assert code == 0, err
        text = read_back(out_file, fmt)
        assert "公示期" in text and not [v for v in forbidden(demo) if v in text]
        assert not [n for n in paid if n in text]  # masked by default
    code, out, err = run(capsys, *command, "--format", "md", "--no-mask")
    assert code == 0 and out.startswith("# ") and all(n in out for n in paid)
    code, out, err = run(capsys, "-L", str(demo.path), "export", "notice", "--term", "2025-2026")
    assert code == 2 and "2024-2025-1" in err
