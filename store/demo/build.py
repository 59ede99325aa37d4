"""The demo ledger: the records in the project's `records/`, padded with synthetic ones on request."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterable

import datetime as dt

from store.aid import batches, promotion
from store.core import i18n
from store.demo import generate
from store.twinning import locks
from store import NEW, Change, Ledger, Person
from store.privacy.acts import init_keys

# One commit per group, referred-to records first. Student aid is told as a school year: the students
# as they stood in 2025-2026 with that year's recognitions and payments, the promotion into 2026-2027
# school by school, the new pupils, the year's recognitions step by step, each step a commit by the
# person who took it, then the autumn payments (school_year below). Inspections come last, one
# commit each with the status 已验收 they give their plan (store/twinning/locks.py).
BEFORE = (("unit",), ("school",), ("standard",), ("calendar",), ("teacher",), ("plan",), ("visit",))
AFTER = (("sponsorship",), ("measurement",), ("event",))
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
    for group in BEFORE:
        _group(ledger, by_type, group)
    school_year(ledger, by_type)
    for group in AFTER:
        _group(ledger, by_type, group)
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
                _commit(ledger, batch, checked=False)
                batch = []
                if progress:
                    progress(done, missing)
        if batch:
            done += len(batch)
            _commit(ledger, batch, checked=False)
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


def _group(ledger: Ledger, by_type: dict[str, list[dict]], group: tuple[str, ...]) -> None:
    together = [r for rtype in group for r in by_type.get(rtype, [])]
    if together:
        _commit(ledger, together)


# --- the school year 2026-2027 as the history tells it -------------------------------------------

YEAR, ENDING = "2026-2027", "2025-2026"
COUNTY = Person("李志刚", "zizhu@haiyuan-jyj.example")      # 县学生资助管理中心: the promotion
# Each school's people: the 资助专干 who enters applications, checks them and posts the notice, the
# 班主任 who chairs the class's 评议小组, and the head for the school's 资助工作领导小组 who approves.
PEOPLE = {
    "海原县第四中学": (CLERK, Person("田秀英", "banzhuren@haiyuan4.example"), HEAD),
    "海原县九彩中学": (Person("马文斌", "zizhu@jiucai.example"), Person("海燕", "banzhuren@jiucai.example"),
                 Person("杨志明", "xiaozhang@jiucai.example")),
    "海原县第一中学": (Person("李淑芳", "zizhu@haiyuan1.example"), Person("王建军", "banzhuren@haiyuan1.example"),
                 Person("马德胜", "xiaozhang@haiyuan1.example")),
    "海原县职业技术学校": (Person("苏丽", "zizhu@haiyuanzz.example"), Person("田刚", "banzhuren@haiyuanzz.example"),
                   Person("白永福", "xiaozhang@haiyuanzz.example")),
    "九彩乡中心幼儿园": (Person("马兰", "zizhu@jiucaiyey.example"), Person("李娟", "laoshi@jiucaiyey.example"),
                  Person("杨红", "yuanzhang@jiucaiyey.example")),
    "叶集区三元中学": (Person("周敏", "zizhu@sanyuan.example"), Person("陈刚", "banzhuren@sanyuan.example"),
                 Person("吴道明", "xiaozhang@sanyuan.example")),
    "叶集区三元乡梓园小学": (Person("徐静", "zizhu@ziyuan.example"), Person("汪海", "banzhuren@ziyuan.example"),
                    Person("张国华", "xiaozhang@ziyuan.example")),
}
# The steps of a recognition, in order, with the fields each adds and who takes it (an index in PEOPLE).
STEPS = (("apply", ("application",), 0), ("assess", ("review",), 1), ("check", ("check",), 0),
         ("notice", (), 0), ("object", ("objections",), 0), ("approve", ("approval", "outcome"), 2))


def _as_before(student: dict) -> dict:
    """A student as they stood in the school year that ends (their entry of it as the present)."""
    entry = next((e for e in student.get("years") or [] if e.get("school_year") == ENDING), None)
    if entry is None or student.get("school_year") != YEAR:
        return student
    years = [e for e in student["years"] if e.get("school_year") != ENDING]
    doc = {**student, **{k: v for k, v in entry.items() if k != "school_year"}, "school_year": ENDING}
    if years:
        doc["years"] = years
    else:
        doc.pop("years", None)
    return doc


def school_year(ledger: Ledger, by_type: dict[str, list[dict]]) -> None:
    """Students, recognitions and payments as a school year of the process: 2025-2026 as it ended,
    the promotion at the start of 2026-2027, the new pupils, each recognition step of 2026-2027 by
    its own person, the autumn term's payments."""
    students = by_type.get("student", [])
    new = [s for s in students if s.get("school_year") == YEAR and _as_before(s) is s]
    continuing = [s for s in students if s not in new]
    _commit(ledger, [_as_before(s) for s in continuing])
    earlier = [r for r in by_type.get("recognition", []) if r.get("school_year") != YEAR]
    earlier += [p for p in by_type.get("posting", []) if p.get("school_year") != YEAR]
    if earlier:
        _commit(ledger, earlier)
    spring = [a for a in by_type.get("aid", []) if str(a.get("term", "")) < YEAR]
    if spring:
        _commit(ledger, spring)
    schools = {s["id"]: s["name"] for s in by_type.get("school", [])}
    for school in sorted({s["school"] for s in continuing}, key=lambda sid: schools.get(sid, sid)):
        with contextlib.suppress(promotion.PromotionRefused):   # (a school whose pupils have all left)
            promotion.apply(ledger, school, YEAR, author=COUNTY)
    if new:
        _commit(ledger, new)
    _recognition_steps(ledger, by_type, schools)
    autumn = [a for a in by_type.get("aid", []) if str(a.get("term", "")) >= YEAR]
    if autumn:
        _commit(ledger, autumn)


def _recognition_steps(ledger: Ledger, by_type: dict[str, list[dict]], schools: dict[str, str]) -> None:
    """The year's recognitions school by school, a commit per step by the person who took it: the
    applications, the class reviews, the school's check, the notice (公示), objections settled, approval."""
    year = [r for r in by_type.get("recognition", []) if r.get("school_year") == YEAR]
    notices = [p for p in by_type.get("posting", []) if p.get("school_year") == YEAR]
    for school in sorted({r["school"] for r in year}, key=lambda sid: schools.get(sid, sid)):
        people = PEOPLE[schools[school]]
        mine = [r for r in year if r["school"] == school]
        fields: set[str] = set()
        for action, adds, who in STEPS:
            if action == "notice":
                posted = [p for p in notices if p["school"] == school]
                if posted:
                    ledger.commit([Change(p["id"], p, NEW) for p in posted], action="notice", author=people[who])
                continue
            fields |= set(adds)
            changed = [r for r in mine if any(f in r for f in adds)]
            if not changed:
                continue
            steps = {"application", "review", "check", "approval", "outcome", "objections"}
            docs = [{k: v for k, v in r.items() if k not in steps or k in fields} for r in changed]
            ledger.commit([Change(d["id"], d, ledger.version(d["id"]) if action != "apply" else NEW) for d in docs],
                          action=action, author=people[who],
                          message=f"recognition: {action} {i18n.counted(len(docs), 'record')} from {schools[school]}")


def _commit(ledger: Ledger, records: Iterable[dict], checked: bool = True) -> None:
    # Synthetic records are valid by construction (tests/test_generate.py checks the generator's
    # output against the schemas and rules): checking each of a million again took most of an hour.
    # (titled as any import is, `aid: import 64 records`, which every reader reads in their words)
    ledger.commit([Change(r["id"], r, NEW) for r in records], action="import", checked=checked)
