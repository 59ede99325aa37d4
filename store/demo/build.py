"""The demo ledger: the records in the project's `records/`, padded with synthetic ones on request."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import datetime as dt

from store.aid import batches
from store.demo import generate
from store.twinning import locks
from store import NEW, Change, Ledger, Person
from store.privacy.acts import init_keys

# One commit per group, referred-to records first; a recognition and its notice refer to each other.
# Inspections come last, one commit each with the status 已验收 they give their plan (store/twinning/locks.py).
COMMITS = (("unit",), ("school",), ("standard",), ("calendar",), ("teacher",), ("plan",), ("visit",), ("student",),
           ("recognition", "posting"), ("aid",), ("sponsorship",), ("measurement",), ("event",))
CHUNK = 5000


def build_demo(path: Path | str, records: int = 0, *, progress=None, records_dir: Path | None = None,
               keyfile: Path | None = None, shared: bool = False, group: str | None = None) -> Ledger:
    """A new ledger at path with the demo records, their students' ID numbers sealed under a
    fresh key (at keyfile, outside the repository, when given; else in the user's key folder),
    and synthetic records up to `records` in all when that is more."""
    ledger = Ledger.init(path, site="演示站", name="帮扶台账演示", shared=shared, group=group)
    if keyfile is not None:
        ledger.git.set_config("bangfu.keyfile", str(Path(keyfile).resolve()))
    init_keys(ledger, keyfile)
    # Thousands of commits in a row would each start an automatic gc beside the build: pack once, at the end.
    ledger.git.housekeeping = False
    demo = generate.demo_records(records_dir or generate.RECORDS_DIR)
    identities = generate.demo_identities([r for r in demo if r["type"] == "student"])
    for record in demo:
        if record["id"] in identities:
            record["identity"] = identities[record["id"]]
    by_type: dict[str, list[dict]] = {}
    for record in demo:
        by_type.setdefault(record["type"], []).append(record)
    # A plan becomes 已验收 through its inspection: first written as 已总结, then the inspection
    # and the status in one commit, after which the plan's records are locked.
    accepted = [r for r in by_type.get("plan", []) if r.get("status") == "已验收"]
    by_type["plan"] = [{**r, "status": "已总结"} if r in accepted else r for r in by_type.get("plan", [])]
    for group in COMMITS:
        together = [r for rtype in group for r in by_type.get(rtype, [])]
        if together:
            _commit(ledger, together, "demo: " + ", ".join(f"{t} ×{len(by_type[t])}" for t in group if by_type.get(t)))
    for inspection in by_type.get("inspection", []):
        locks.inspect(ledger, inspection)
    autumn_batch(ledger)
    missing = records - ledger.count()     # (the autumn batch made its batch and payments besides the demo's)
    if missing > 0:
        batch: list[dict] = []
        done = 0
        for record in generate.synthetic(missing, seed=1, with_identity=True):
            batch.append(record)
            if len(batch) >= CHUNK:
                done += len(batch)
                _commit(ledger, batch, f"demo: synthetic records {done - len(batch) + 1}–{done}", checked=False)
                batch = []
                if progress:
                    progress(done, missing)
        if batch:
            done += len(batch)
            _commit(ledger, batch, f"demo: synthetic records {done - len(batch) + 1}–{done}", checked=False)
            if progress:
                progress(done, missing)
    # A fresh ledger of loose objects reads several times slower than a packed one.
    ledger.git.pack()
    ledger.git.housekeeping = True
    return ledger


# The autumn term's boarding subsidy at 海原县第四中学 is paid the way a coordinator pays it, each step a
# commit by its own person: the batch made from the rules, a pupil taken off (no bank card yet) and put
# back once the card is opened, the head's approval, and the disbursement shared half and half between
# 中央 and 自治区: the boarding subsidy of poor families' pupils is split 5:5 between the centre and the
# localities (国务院《关于进一步完善城乡义务教育经费保障机制的通知》, 国发〔2015〕67号: number and title checked
# against 中国教育新闻网 2015-12-25; the 5:5 and the date of issue not found in the text searched), the
# local half found by the province. The 8:2 of the first band (Ningxia among them) is the share of the
# high-school and vocational grants and fee waivers (国务院办公厅《基本公共服务领域中央与地方共同财政事权
# 和支出责任划分改革方案》, 国办发〔2018〕6号, 2018-01-27; in Ningxia the high-school aid is shared 8:2 by
# the state and the region, 宁夏日报 2024-08-30), not of this subsidy.
# The same term's nutrition at that school (5 元 a school day, 98 days) is made as a batch from the rules
# and awaits the head's approval: the batch dialog shows a paid batch and one to approve and pay.
CLERK = Person("马红梅", "zizhu@haiyuan4.example")           # 资助专干
HEAD = Person("杨建国", "xiaozhang@haiyuan4.example")        # 校长
TERM, BOARD, MEAL = "2026-2027-1", "义务教育寄宿生生活补助", "营养改善计划"
BOARD_SHARES = [{"source": "中央", "percent": 50}, {"source": "省", "percent": 50}]


def autumn_batch(ledger: Ledger) -> tuple[dict, dict]:
    school = next(s["id"] for s in ledger.find("school", name="海原县第四中学"))
    pupil = next(s["id"] for s in ledger.find("student", name="马国庆"))
    batch = batches.make(ledger, TERM, BOARD, on=dt.date(2026, 10, 12), school=school, author=CLERK).batch
    batches.remove(ledger, batch["id"], pupil, reason="银行卡尚未开户，开户后补入", by="马红梅", on=dt.date(2026, 10, 12),
                   author=CLERK)
    batches.add(ledger, batch["id"], pupil, reason="已开户（开户回执已存档）", by="马红梅", on=dt.date(2026, 10, 14),
                author=CLERK)
    batches.approve(ledger, batch["id"], by="杨建国", on=dt.date(2026, 10, 15), author=HEAD)
    doc, _made = batches.pay(ledger, batch["id"], on=dt.date(2026, 10, 20), method="银行卡", shares=BOARD_SHARES,
                             reference="HY4-2026-2027-1-代发01", author=CLERK)
    meals = batches.make(ledger, TERM, MEAL, on=dt.date(2026, 11, 2), school=school, author=CLERK).batch
    return doc, meals


def _commit(ledger: Ledger, records: Iterable[dict], message: str, checked: bool = True) -> None:
    # Synthetic records are valid by construction (tests/test_generate.py checks the generator's
    # output against the schemas and rules): checking each of a million again took most of an hour.
    ledger.commit([Change(r["id"], r, NEW) for r in records], action="import", message=message, checked=checked)
