"""The demo ledger and synthetic ledgers of any size.

- `demo_records()` loads the hand-made demo ledger kept in the project's `records/`
  (Chinese, built from the facts of the seed documents). It holds no personal
  identifiers: `demo_identities()` invents resident ID numbers for its students,
  for the demo builder to add through the normal (sealing) write path.
- `synthetic(n, seed)` yields a synthetic ledger of exactly `n` records with the
  shape and proportions of a real one (most records are visits, students and aid
  payments), valid against the schemas and consistent with the rules: references
  resolve and come before the records that use them, visit dates lie inside their
  plan's period, visits name only the plan's schools, a student is paid at most
  once per programme and term, only while eligible, at the amount of the standard.

Amount convention (the same in the demo and in synthetic ledgers): a payment covers
one term, so a standard per year (年) is paid half per term, a standard per term
(学期) in full, and a standard per day (天) times the payment's `days`.

Invented ID numbers are valid GB 11643 numbers (check character and a real birth
date) with a real county prefix, so they exercise every check; they are made up
from a hash and never written to `records/`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from bisect import bisect
from itertools import accumulate, islice
from pathlib import Path
from typing import Iterable, Iterator

from store.rules.idcard import check_char

DEMO_RECORDS = Path(__file__).with_name("records")  # package data, like the schemas
RECORDS_DIR = DEMO_RECORDS  # the name store/demo/build.py uses

# The order in which record types can be written: each only refers to earlier ones.
TYPE_ORDER = ("unit", "school", "standard", "calendar", "teacher", "plan", "student", "recognition", "posting", "visit", "aid",
              "sponsorship", "measurement", "inspection", "adjustment", "event")

# The demo's "today": the current term is 2026-2027-1.
TODAY = dt.date(2026, 11, 25)
CURRENT_SCHOOL_YEAR = 2026

# Counties of the seed documents and their neighbours, with the region prefix
# (行政区划代码) their residents' ID numbers start with.
COUNTIES: tuple[tuple[str, str], ...] = (
    ("宁夏回族自治区海原县", "640522"),
    ("宁夏回族自治区西吉县", "640422"),
    ("宁夏回族自治区同心县", "640324"),
    ("宁夏回族自治区固原市原州区", "640402"),
    ("甘肃省定西市安定区", "621102"),
    ("甘肃省通渭县", "621121"),
    ("甘肃省陇西县", "621122"),
    ("甘肃省临洮县", "621124"),
    ("甘肃省岷县", "621126"),
    ("甘肃省会宁县", "620422"),
    ("甘肃省东乡族自治县", "622926"),
    ("湖北省黄梅县", "421127"),
    ("湖北省蕲春县", "421126"),
    ("湖北省英山县", "421124"),
    ("连云港市赣榆区", "320707"),
    ("江苏省灌云县", "320723"),
    ("六安市叶集区", "341504"),
    ("安徽省霍邱县", "341522"),
    ("安徽省金寨县", "341524"),
    ("江西省乐安县", "361025"),
    ("贵州省贵定县", "522723"),
    ("广东省深圳市龙岗区", "440307"),
    ("湖北省潜江市", "429005"),
    ("四川省彭州市", "510182"),
)


# ---------------------------------------------------------------------------
# the demo ledger

def demo_records(records_dir: Path | str = DEMO_RECORDS) -> list[dict]:
    """Every record of the demo ledger, references first (schools, standards,
    plans, students, visits, aid), then by id. Raises ValueError naming the file
    when one is not valid JSON."""
    records = []
    for path in sorted(Path(records_dir).rglob("*.json")):
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
    return sorted(records, key=_write_order)


def _write_order(record: dict) -> tuple:
    rtype = record.get("type")
    rank = TYPE_ORDER.index(rtype) if rtype in TYPE_ORDER else len(TYPE_ORDER)
    return rank, str(record.get("id", ""))


def demo_identities(students: Iterable[dict], schools: Iterable[dict] | None = None) -> dict[str, dict]:
    """Invented, deterministic identifiers for students: {student id: {"id_number": ...}}.

    The ID number is derived from the student's id, carries a birth year that
    fits the student's grade in the school year 2026-2027, the sex digit of the
    student's sex, and the region prefix of the county of the student's school
    (looked up in `schools`, or in the demo ledger when not given)."""
    students = [s for s in students if isinstance(s, dict) and s.get("type", "student") == "student"]
    if schools is None:
        try:
            schools = [r for r in demo_records() if r.get("type") == "school"]
        except (OSError, ValueError):
            schools = []
    county_of = {s.get("id"): s.get("county") for s in schools}
    out = {}
    for s in students:
        sid = s["id"]
        year = birth_year(s.get("stage"), s.get("grade"))
        out[sid] = {"id_number": invented_id_number(sid, year, county=county_of.get(s.get("school")), sex=s.get("sex"))}
    return out


# ---------------------------------------------------------------------------
# invented resident ID numbers

def region_code(county: str | None) -> str | None:
    """The 6-digit region prefix of a county name (full or partial), else None."""
    if not county:
        return None
    for name, code in COUNTIES:
        if county == name or county in name or _short(name) in county:
            return code
    return None


def _short(name: str) -> str:
    # "宁夏回族自治区海原县" -> "海原县", "连云港市赣榆区" -> "赣榆区"
    for sep in ("自治区", "省", "市"):
        if sep in name[:-1]:
            name = name.rsplit(sep, 1)[-1] or name
    return name


def invented_id_number(seed: str, birth_year: int, *, county: str | None = None, sex: str | None = None) -> str:
    """A made-up but valid 18-character resident ID number (GB 11643-1999).

    Deterministic for a seed: the region prefix is the county's when given
    (else one of COUNTIES picked by the seed), the birth date a real day of
    `birth_year`, the sequence digits come from the seed, the sex digit is odd
    for 男 and even for 女, and the check character is computed."""
    if not isinstance(birth_year, int) or not 1900 <= birth_year <= 2100:
        raise ValueError(f"birth year {birth_year!r} is not between 1900 and 2100")
    h = hashlib.sha256(f"bangfu-invented-id:{seed}".encode("utf-8")).digest()
    prefix = region_code(county) or COUNTIES[int.from_bytes(h[0:2], "big") % len(COUNTIES)][1]
    first = dt.date(birth_year, 1, 1)
    days = (dt.date(birth_year + 1, 1, 1) - first).days
    born = first + dt.timedelta(days=int.from_bytes(h[2:5], "big") % days)
    seq = int.from_bytes(h[5:7], "big") % 100
    parity = {"男": 1, "女": 0}.get(sex or "", h[7] % 2)
    sex_digit = (h[8] % 5) * 2 + parity
    first17 = f"{prefix}{born:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + check_char(first17)


_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Age in the autumn of the school year for each stage's first grade.
_FIRST_AGE = {"学前": 3, "小学": 6, "初中": 12, "高中": 15, "中职": 15}
_DEFAULT_AGE = {"学前": 4, "小学": 9, "初中": 13, "高中": 16, "中职": 16}


def birth_year(stage: str | None, grade: str | None, school_year: int = CURRENT_SCHOOL_YEAR) -> int:
    """The likely birth year of a student in `grade` of `stage` in the school year
    starting in `school_year` (小班 at 3, 一年级 at 6, 七年级/初一 at 12, 高一 at 15)."""
    grade = grade or ""
    age = _DEFAULT_AGE.get(stage or "", 10)
    if "小班" in grade:
        age = 3
    elif "中班" in grade:
        age = 4
    elif "大班" in grade:
        age = 5
    else:
        num = next((_NUMERALS[c] for c in grade if c in _NUMERALS), None)
        if num is None:
            digits = "".join(c for c in grade if c.isdigit())
            num = int(digits) if digits and int(digits) < 13 else None
        if num is not None:
            if grade.startswith("高"):
                age = 14 + num
            elif grade.startswith("初"):
                age = 11 + num
            elif stage in ("高中", "中职"):
                age = 14 + num
            elif stage == "初中" and num <= 3:
                age = 11 + num
            else:
                age = 5 + num
    return school_year - age


# ---------------------------------------------------------------------------
# synthetic ledgers

SHARES = {"school": 0.01, "plan": 0.01, "standard": 0.01, "student": 0.25, "aid": 0.32}  # visits: the rest (~40%)

_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _B32 for b in _B32]  # 10 bits -> 2 characters
_BASE_MS = int(dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)


def _ulid(ms: int, rand80: int) -> str:
    v = (ms << 80) | rand80  # 128 bits; 26 characters hold 130, the first is 0-7
    out = []
    for _ in range(13):
        out.append(_PAIRS[v & 1023])
        v >>= 10
    return "".join(reversed(out))


SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤海")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅建国志红晓文斌海燕雪梅佳怡子涵浩然思雨欣妍宇航"
         "梓萱俊熙一诺雨桐梦瑶锦程嘉怡家豪博文天佑欣怡紫涵雅琪晨曦佳琪语嫣子轩浩宇")
_GIVEN1 = tuple(GIVEN)
PLACE_A = "石沙九梓平段龙三杨柳油徐大小新红白黄清青东西南北上下金银桃李马牛高双永安兴福长秀"
PLACE_B = "桥河彩园岗冲塘元庄铺碾古溪湾坪川沟山岭坝口营集寨台堡湖源峪"
SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "道德与法治", "历史", "地理", "科学", "音乐", "体育", "美术", "信息技术")

_SCHOOL_KINDS = (  # stage, weight, name suffix, (min, max) students
    ("小学", 38, "中心小学", (300, 1400)),
    ("初中", 18, "初级中学", (400, 1600)),
    ("九年一贯制", 10, "九年制学校", (400, 1500)),
    ("教学点", 8, "教学点", (15, 90)),
    ("幼儿园", 11, "中心幼儿园", (80, 400)),
    ("高中", 6, "高级中学", (800, 3000)),
    ("完全中学", 5, "中学", (900, 2600)),
    ("中职", 4, "职业技术学校", (500, 2500)),
)
_STAGES_OF_SCHOOL = {"小学": ("小学",), "教学点": ("小学",), "初中": ("初中",), "九年一贯制": ("小学", "小学", "初中"),
                     "幼儿园": ("学前",), "高中": ("高中",), "完全中学": ("初中", "高中"), "中职": ("中职",)}
_GRADES = {"学前": ("小班", "中班", "大班"),
           "小学": ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级"),
           "初中": ("七年级", "八年级", "九年级"),
           "高中": ("高一", "高二", "高三"),
           "中职": ("一年级", "二年级", "三年级")}

# programme, stage, boarding, level, amount (fen), unit: ordered by how much they are used
_STANDARD_KINDS = (
    ("营养改善计划", "小学", None, None, 400, "天"),
    ("义务教育寄宿生生活补助", "小学", True, None, 100000, "年"),
    ("营养改善计划", "初中", None, None, 400, "天"),
    ("义务教育寄宿生生活补助", "初中", True, None, 125000, "年"),
    ("学前教育资助", "学前", None, None, 100000, "年"),
    ("普通高中国家助学金", "高中", None, "一档", 250000, "年"),
    ("普通高中国家助学金", "高中", None, "二档", 150000, "年"),
    ("中职国家助学金", "中职", None, None, 200000, "年"),
    ("校车补助", "小学", False, None, 50000, "年"),
    ("校车补助", "初中", False, None, 50000, "年"),
    ("生源地助学贷款", "高中", None, None, 800000, "年"),
)
_SOURCE = {"营养改善计划": "中央", "义务教育寄宿生生活补助": "中央", "学前教育资助": "省", "普通高中国家助学金": "中央",
           "中职国家助学金": "中央", "校车补助": "县"}

_KINDS = (  # kind, weight, direction: "out" = the supporter goes to the supported school
    ("送教下乡", 16, "out"), ("示范课", 8, "out"), ("公开课", 5, "in"), ("专题讲座", 9, "out"),
    ("听课评课", 10, "out"), ("集体备课", 7, "out"), ("联合教研", 7, "any"), ("跟班学习", 4, "in"),
    ("互访", 10, "any"), ("联席会议", 6, "any"), ("培训", 4, "in"), ("联谊活动", 4, "any"),
    ("家访", 3, "out"), ("师徒结对", 3, "out"), ("捐赠", 2.5, "out"), ("支教", 1, "out"), ("挂职", 1, "out"),
)
_TOPICS = {
    "送教下乡": ("{s}示范课与课后研讨", "{s}复习课", "{s}新授课送教"),
    "示范课": ("{s}示范课", "{s}单元起始课示范"),
    "公开课": ("青年教师{s}公开课", "{s}汇报课"),
    "专题讲座": ("{s}大单元教学设计", "班主任工作与学生养成教育", "课题研究方法", "中考备考策略", "校本课程开发"),
    "听课评课": ("{s}课堂听课评课", "推门听课，指导青年教师"),
    "集体备课": ("{s}集体备课", "{s}单元备课研讨"),
    "联合教研": ("{s}同课异构", "期中联合质量分析", "期末复习研讨"),
    "跟班学习": ("{s}教师跟班学习", "教务管理跟班学习"),
    "互访": ("领导互访，商定阶段帮扶重点", "了解帮扶工作落实情况", "调研教学与管理现状"),
    "联席会议": ("帮扶领导小组联席会议", "学期总结会", "帮扶启动会"),
    "培训": ("信息技术应用能力培训", "{s}教师业务培训", "青年教师基本功比赛"),
    "联谊活动": ("学生手拉手联谊", "六一联谊演出", "友好班级互访", "体艺联谊比赛"),
    "家访": ("留守儿童家访", "困难学生家访"),
    "师徒结对": ("{s}师徒结对",),
    "捐赠": ("图书文具捐赠", "冬衣捐赠", "教学设备捐赠"),
    "支教": ("{s}教师支教",),
    "挂职": ("中层干部挂职参与管理",),
}
_DONATION_ITEMS = (
    ("图书", "课外读物", "册", 1000, 3000), ("图书", "儿童绘本", "册", 1500, 4000), ("文具", "文具礼包", "套", 1500, 4000),
    ("文具", "书包", "个", 3000, 8000), ("衣物", "冬季棉衣", "件", 6000, 15000), ("体育器材", "篮球", "个", 6000, 15000),
    ("体育器材", "跳绳", "根", 500, 1500), ("教学设备", "实物投影仪", "台", 100000, 300000), ("电脑", "台式电脑", "台", 250000, 450000),
    ("生活用品", "床上用品", "套", 8000, 20000),
)
_GOALS = {
    "管理": ("帮助受帮扶学校健全教学常规和各项规章，管理走向规范。", "两校干部定期交流，完善学校发展规划。"),
    "师资队伍": ("通过师徒结对、示范课和培训带动青年教师成长。", "骨干教师支教，提高受帮扶学校教师的教科研能力。"),
    "办学条件": ("捐赠图书和教学设备，改善办学条件。", "共享功能教室和数字教育资源。"),
    "教育质量": ("联合教研和质量分析，缩小两校主要学科差距。", "控辍保学，巩固率稳步提高。"),
    "德育": ("两校学生手拉手，开展主题班队会。",),
}
_TARGETS = (
    ("monthly-visit", "互访", ">=", 1, "次", "月"), ("teaching-sent", "送教下乡", ">=", 10, "课时", "学期"),
    ("lectures", "专题讲座", ">=", 2, "次", "学期"), ("joint-meetings", "联席会议", ">=", 3, "次", "学期"),
    ("observation", "听课评课", ">=", 3, "次", "学期"), ("joint-research", "联合教研", ">=", 2, "次", "学期"),
    ("dropout", "辍学率", "<=", 2, "%", "学年"), ("training", "培训率", ">=", 85, "%", "学年"),
    ("secondment", "支教", ">=", 1, "人", "学年"),
)
_GROUPS = (("建档立卡", 0.40), ("脱贫户", 0.18), ("低保", 0.20), ("留守", 0.30), ("特困供养", 0.03),
           ("孤儿", 0.02), ("残疾", 0.03), ("其他", 0.04))


_SHORT_SUFFIX = {"小学": "小学", "教学点": "教学点", "初中": "初中", "九年一贯制": "学校", "幼儿园": "幼儿园",
                 "高中": "高中", "完全中学": "中学", "中职": "职校"}
# which stages of school may support a school of a given stage
_SUPPORTERS = {"小学": ("小学", "九年一贯制"), "教学点": ("小学", "九年一贯制"),
               "九年一贯制": ("九年一贯制", "初中", "完全中学", "小学"), "初中": ("初中", "完全中学", "九年一贯制"),
               "幼儿园": ("幼儿园",), "高中": ("高中", "完全中学"), "完全中学": ("完全中学", "高中"), "中职": ("中职", "高中")}


def _place(county: str) -> str:
    # "宁夏回族自治区海原县" -> "海原", "甘肃省东乡族自治县" -> "东乡"
    s = _short(county)
    for suffix in ("族自治县", "自治县", "县", "区", "市"):
        if s.endswith(suffix) and len(s) > len(suffix):
            return s[: -len(suffix)]
    return s


def _ordinal(j: int) -> str:
    digits = "零一二三四五六七八九"
    if j < 10:
        return digits[j]
    if j < 20:
        return "十" + (digits[j - 10] if j > 10 else "")
    if j < 100:
        return digits[j // 10] + "十" + (digits[j % 10] if j % 10 else "")
    return str(j)


def _counts(n: int) -> dict[str, int]:
    c = {
        "school": max(2, round(n * SHARES["school"])),
        "plan": max(1, round(n * SHARES["plan"])),
        "standard": max(1, round(n * SHARES["standard"])),
        "student": round(n * SHARES["student"]),
        "aid": round(n * SHARES["aid"]),
    }
    c["visit"] = max(0, n - sum(c.values()))
    return c


def synthetic(n: int, seed: int = 0, with_identity: bool = False) -> Iterator[dict]:
    """A synthetic ledger of exactly n records, deterministic for (n, seed).

    Records come references first: schools, standards, plans, visits, students,
    aid payments. With `with_identity`, each student carries
    `identity: {"id_number": <clear invented number>}`: the input form that the
    write path seals before anything is committed (it does not validate as a
    committed record)."""
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a whole number >= 0, not {n!r}")
    if n == 0:
        return iter(())
    return islice(_Synthetic(n, seed, with_identity).records(), n)


class _Synthetic:
    def __init__(self, n: int, seed: int, with_identity: bool):
        self.n = n
        self.rng = random.Random(f"bangfu-synthetic:{seed}")
        self.with_identity = with_identity
        self.counts = _counts(n)
        self.seq = 0

    # ids: a timestamp that grows with the record's position, 80 random bits
    def new_id(self, rtype: str) -> str:
        self.seq += 1
        return f"{rtype}-{_ulid(_BASE_MS + self.seq * 37, self.rng.getrandbits(80))}"

    def name(self) -> str:
        r = self.rng
        given = r.choice(_GIVEN1) + (r.choice(_GIVEN1) if r.random() < 0.8 else "")
        return r.choice(SURNAMES) + given

    def names(self, k: int) -> list[str]:
        out: list[str] = []
        while len(out) < k:
            x = self.name()
            if x not in out:
                out.append(x)
        return out

    def date_between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.rng.randint(0, max(0, (b - a).days)))

    # ------------------------------------------------------------------ order
    def records(self) -> Iterator[dict]:
        c = self.counts
        n_regions = max(1, min(len(COUNTIES), c["standard"] // (2 * len(_STANDARD_KINDS))))
        start = self.rng.randrange(len(COUNTIES))
        self.regions = [COUNTIES[(start + i) % len(COUNTIES)] for i in range(n_regions)]
        schools = self.make_schools(c["school"])
        standards = self.make_standards(c["standard"])
        plans = self.make_plans(c["plan"], schools)
        students = self.make_students(c["student"], schools)
        aid = self.make_aid(c["aid"], students)
        n_visits = self.n - len(schools) - len(standards) - len(plans) - len(students) - len(aid)
        yield from schools
        yield from standards
        yield from plans
        yield from self.make_visits(max(0, n_visits))
        for s, _ in students:
            yield s
        yield from aid

    # ---------------------------------------------------------------- schools
    def make_schools(self, k: int) -> list[dict]:
        r = self.rng
        cum = list(accumulate(x[1] for x in _SCHOOL_KINDS))
        names_used: set[str] = set()
        out = []
        for i in range(k):
            kind = _SCHOOL_KINDS[bisect(cum, r.random() * cum[-1])] if i >= 2 else _SCHOOL_KINDS[0]
            stage, _, suffix, (lo, hi) = kind
            county = (self.regions[i] if i < len(self.regions) else r.choice(self.regions))[0]
            town = r.choice(PLACE_A) + r.choice(PLACE_B)
            xiang = "镇" if r.random() < 0.6 else "乡"
            area = "乡村" if stage == "教学点" else r.choices(("城区", "镇区", "乡村"), (25, 35, 40))[0]
            place = _place(county) if area == "城区" else f"{town}{xiang}"
            name, j = place + suffix, 1
            while name in names_used:
                name = f"{place}第{_ordinal(j)}{suffix}"
                j += 1
            names_used.add(name)
            students = r.randint(lo, hi)
            rec = {
                "id": self.new_id("school"), "type": "school", "schema_version": 1,
                "name": name, "stage": stage, "county": county, "area": area,
                "short_name": place[:2] + _SHORT_SUFFIX[stage],
                "headcount": {"students": students, "teachers": max(2, students // r.randint(13, 19)),
                              "classes": max(1, students // r.randint(35, 50)),
                              "counted_on": f"{r.randint(2019, 2026)}-09-{r.randint(1, 30):02d}"},
            }
            if area != "城区":
                rec["township"] = f"{town}{xiang}"
            out.append(rec)
        return out

    # -------------------------------------------------------------- standards
    def make_standards(self, k: int) -> list[dict]:
        """One set of standards per region for the current period, then earlier
        periods (4 school years each, lower amounts) until k records. Each names its county:
        without it, two counties' standards for one programme and period would overlap."""
        out = []
        self.std_index: dict[tuple, list[tuple[dt.date, dt.date, dict]]] = {}
        period = 0
        while len(out) < k:
            vf = dt.date(2021 - 4 * period, 9, 1)
            vt = None if period == 0 else dt.date(2021 - 4 * (period - 1), 8, 31)
            for county, _code in self.regions:
                for programme, stage, boarding, level, amount, unit in _STANDARD_KINDS:
                    if len(out) >= k:
                        break
                    if period:
                        amount = max(100, amount - 100 * period) if unit == "天" else max(1000, round(amount * (1 - 0.1 * period) / 1000) * 1000)
                    rec = {"id": self.new_id("standard"), "type": "standard", "schema_version": 1,
                           "programme": programme, "stage": stage, "amount_fen": amount, "unit": unit,
                           "region": county, "counties": [county], "valid_from": vf.isoformat()}
                    if vt:
                        rec["valid_to"] = vt.isoformat()
                    if boarding is not None:
                        rec["boarding"] = boarding
                    if level:
                        rec["level"] = level
                    if programme == "生源地助学贷款":
                        rec["notes"] = "上限：每生每学年不超过此额"
                    out.append(rec)
                    self.std_index.setdefault((county, programme, stage, level), []).append(
                        (vf, vt or dt.date(9999, 12, 31), rec))
            period += 1
        return out

    def standard_for(self, county: str, programme: str, stage: str, level: str | None, on: dt.date) -> dict | None:
        for vf, vt, rec in self.std_index.get((county, programme, stage, level), ()):
            if vf <= on <= vt:
                return rec
        return None

    # ------------------------------------------------------------------ plans
    def make_plans(self, k: int, schools: list[dict]) -> list[dict]:
        r = self.rng
        rural = [s for s in schools if s["area"] != "城区"] or schools
        strong: dict[tuple[str, str], list[dict]] = {}  # (county, stage) -> schools not in villages
        by_stage: dict[str, list[dict]] = {}
        for s in schools:
            by_stage.setdefault(s["stage"], []).append(s)
            if s["area"] != "乡村":
                strong.setdefault((s["county"], s["stage"]), []).append(s)
        out = []
        self.plan_info: list[tuple[dict, dt.date, dt.date, dict, dict]] = []
        for i in range(k):
            supported = r.choice(rural)
            stages = _SUPPORTERS[supported["stage"]]
            candidates = [s for st in stages for s in strong.get((supported["county"], st), ()) if s is not supported]
            if not candidates or r.random() < 0.1:
                candidates = [s for st in stages for s in by_stage.get(st, ()) if s is not supported]
            if not candidates:
                candidates = [s for s in schools if s is not supported]
            supporter = r.choice(candidates)
            # mostly one school year, recent years more often; a few calendar-year plans
            year = CURRENT_SCHOOL_YEAR - min(10, int(r.expovariate(0.35)))
            if r.random() < 0.02 and i > 0:
                year = CURRENT_SCHOOL_YEAR + 1
            if r.random() < 0.15 and year <= CURRENT_SCHOOL_YEAR:
                year = min(year, CURRENT_SCHOOL_YEAR - 1)
                start, end = dt.date(year, 3, 1), dt.date(year, 12, 31)
            else:
                start, end = dt.date(year, 9, 1), dt.date(year + 1, 8, 31)
            if start > TODAY:
                status = "草拟"
            elif end >= TODAY:
                status = "执行中"
            else:
                # (已验收 only comes with an inspection record; synthetic plans have none)
                status = r.choices(("已总结", "终止"), (92, 8))[0]
            dims = r.sample(("师资", "教学", "管理", "物质", "资金", "德育", "校园文化"), r.randint(1, 4))
            areas = r.sample(list(_GOALS), r.randint(2, 4))
            targets = r.sample(_TARGETS, r.randint(2, 6))
            months = []
            m = dt.date(start.year, start.month, 1)
            while m <= end:
                months.append(m)
                m = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
            sched_months = sorted(r.sample(months, min(len(months), r.randint(4, 10))))
            lg_names = self.names(r.randint(3, 5))
            rec = {
                "id": self.new_id("plan"), "type": "plan", "schema_version": 1,
                "title": f"{supporter['name']}结对帮扶{supported['name']}计划（{start.year}—{end.year}）"
                if start.year != end.year else f"{supporter['name']}结对帮扶{supported['name']}计划（{start.year}年）",
                "period": {"start": start.isoformat(), "end": end.isoformat()},
                "parties": [{"school": supporter["id"], "role": "帮扶", "dimensions": dims},
                            {"school": supported["id"], "role": "受帮扶"}],
                "goals": [{"area": a, "text": r.choice(_GOALS[a])} for a in areas],
                "targets": [{"key": t[0], "metric": t[1], "comparison": t[2], "value": t[3], "unit": t[4], "per": t[5]}
                            for t in targets],
                "schedule": [{"month": f"{mm:%Y-%m}", "kinds": sorted(set(r.choices([x[0] for x in _KINDS], k=r.randint(1, 3)))),
                              "text": "按计划开展帮扶活动"} for mm in sched_months],
                "leading_group": [{"name": nm, "role": "组长" if j == 0 else ("副组长" if j == 1 else "成员"),
                                   "school": supporter["id"] if j != 1 else supported["id"],
                                   "position": "校长" if j < 2 else "教务处主任"} for j, nm in enumerate(lg_names)],
                "status": status,
            }
            if r.random() < 0.3:
                years = sorted({start.year, end.year})
                parts = [r.randint(5, 30) * 100000 for _ in years]
                rec["budget"] = {"total_fen": sum(parts), "by_year": [{"year": y, "fen": f} for y, f in zip(years, parts)]}
            out.append(rec)
            self.plan_info.append((rec, start, min(end, TODAY), supporter, supported))
        return out

    # ----------------------------------------------------------------- visits
    def make_visits(self, k: int) -> Iterator[dict]:
        r = self.rng
        live = [p for p in self.plan_info if p[1] <= TODAY]
        if not live:
            return
        weights = list(accumulate(max(1, (p[2] - p[1]).days) * r.uniform(0.5, 1.5) for p in live))
        per_plan = [0] * len(live)
        for _ in range(k):
            per_plan[bisect(weights, r.random() * weights[-1])] += 1
        kinds = [x[0] for x in _KINDS]
        kcum = list(accumulate(x[1] for x in _KINDS))
        direction = {x[0]: x[2] for x in _KINDS}
        for (plan, start, end, sup, sub), count in zip(live, per_plan):
            span = (end - start).days
            days = sorted(r.randint(0, span) for _ in range(count))
            for d in days:
                kind = kinds[bisect(kcum, r.random() * kcum[-1])]
                date = start + dt.timedelta(days=d)
                way = direction[kind]
                if way == "any":
                    way = "out" if r.random() < 0.6 else "in"
                host, guest = (sub, sup) if way == "out" else (sup, sub)
                subject = r.choice(SUBJECTS)
                rec = {"id": self.new_id("visit"), "type": "visit", "schema_version": 1,
                       "plan": plan["id"], "kind": kind, "date": date.isoformat(),
                       "host_school": host["id"], "visiting_school": guest["id"],
                       "topic": r.choice(_TOPICS[kind]).format(s=subject)}
                if kind in ("送教下乡", "示范课", "公开课", "集体备课", "听课评课"):
                    rec["hours"] = r.choice((1, 2, 2, 3, 3, 4, 4, 5, 6, 8))
                if kind in ("专题讲座", "联席会议", "培训", "联合教研"):
                    rec["sessions"] = r.choice((1, 1, 1, 2))
                if kind not in ("支教", "挂职", "师徒结对"):
                    rec["person_times"] = r.randint(3, 60) if kind != "联谊活动" else r.randint(40, 240)
                    rec["participants"] = [{"name": nm, "school": guest["id"], "role": r.choice(("骨干教师", "教研组长", "副校长", "教务处主任", "教师"))}
                                           for nm in self.names(r.randint(1, 3))]
                if kind == "师徒结对":
                    mentor, mentee = self.names(2)
                    rec["mentorship"] = {"mentor": mentor, "mentor_school": sup["id"], "mentee": mentee,
                                         "mentee_school": sub["id"], "subject": subject}
                elif kind in ("支教", "挂职"):
                    # 支教 at least a year, 挂职 at least a term; about one in eight falls short
                    short = r.random() < 0.125
                    length = (r.randint(120, 330) if kind == "支教" else r.randint(40, 110)) if short else \
                        (r.randint(366, 400) if kind == "支教" else r.randint(125, 200))
                    rec["secondment"] = {"person": self.name(), "from_school": sup["id"], "to_school": sub["id"],
                                         "start": date.isoformat(), "end": (date + dt.timedelta(days=length)).isoformat()}
                elif kind == "捐赠":
                    items = []
                    for cat, nm, unit, lo, hi in r.sample(_DONATION_ITEMS, r.randint(1, 3)):
                        items.append({"category": cat, "name": nm, "quantity": r.randint(2, 200), "unit": unit,
                                      "unit_value_fen": r.randint(lo // 100, hi // 100) * 100})
                    cash = r.choice((0, 0, 100000, 200000, 500000, 1000000))
                    don = {"donor": sup["name"], "recipient": sub["name"], "items": items,
                           "total_fen": cash + sum(i["quantity"] * i["unit_value_fen"] for i in items)}
                    if cash:
                        don["cash_fen"] = cash
                    rec["donation"] = don
                if r.random() < 0.3:
                    rec["evidence"] = [{"file": f"{date.isoformat()}-{kind}-{r.choice(('签到表.jpg', '活动照片.zip', '纪要.docx', '教案.pdf'))}"}]
                yield rec

    # --------------------------------------------------------------- students
    def make_students(self, k: int, schools: list[dict]) -> list[tuple[dict, dict]]:
        """Students with, beside each, what the aid generator needs: school county,
        the first day of the student's current stage, eligibility window."""
        r = self.rng
        cum = list(accumulate(s["headcount"]["students"] for s in schools))
        out = []
        for _ in range(k):
            school = schools[bisect(cum, r.random() * cum[-1])]
            stage = r.choice(_STAGES_OF_SCHOOL[school["stage"]])
            grades = _GRADES[stage]
            g = r.randrange(len(grades))
            stage_start = dt.date(CURRENT_SCHOOL_YEAR - g, 9, 1)
            boarding_p = {"学前": 0.0, "小学": 0.0 if school["stage"] == "教学点" else 0.2, "初中": 0.6, "高中": 0.7, "中职": 0.6}[stage]
            boarding = r.random() < boarding_p
            groups = [gname for gname, p in _GROUPS if r.random() < p] or ["建档立卡"]
            sex = "男" if r.random() < 0.52 else "女"
            rec = {"id": self.new_id("student"), "type": "student", "schema_version": 1,
                   "name": self.name(), "sex": sex, "school": school["id"], "stage": stage,
                   "grade": grades[g], "class_name": (f"{grades[g][0]}{'一二三四'[r.randrange(4)]}班" if stage == "学前" else f"{r.randint(1, 8)}班"),
                   "boarding": boarding, "groups": groups,
                   "difficulty": r.choices(("特别困难", "困难", "一般困难"), (20, 50, 30))[0]}
            # events: 认定, then maybe 脱贫 (and 返贫), maybe 退出; distinct, increasing dates
            recognised = self.date_between(max(stage_start, dt.date(2016, 9, 1)), min(TODAY, stage_start + dt.timedelta(days=400)))
            events = [{"date": recognised, "event": "认定", "stage": stage}]
            eligible_from, eligible_to = recognised, dt.date(9999, 12, 31)
            roll = r.random()
            if roll < 0.04 and stage in ("初中", "高中", "中职") and stage_start > dt.date(2017, 9, 1):
                # lifted out of poverty in the previous stage: no longer eligible in this one
                earlier = {"初中": "小学", "高中": "初中", "中职": "初中"}[stage]
                t0 = self.date_between(stage_start - dt.timedelta(days=1000), stage_start - dt.timedelta(days=500))
                t1 = self.date_between(t0 + dt.timedelta(days=30), stage_start - dt.timedelta(days=30))
                events = [{"date": t0, "event": "认定", "stage": earlier},
                          {"date": t1, "event": "脱贫", "stage": earlier, "reason": "家庭脱贫"}]
                eligible_from = eligible_to = None
            elif roll < 0.20 and (TODAY - recognised).days > 60:
                t = self.date_between(recognised + dt.timedelta(days=20), TODAY)
                events.append({"date": t, "event": "脱贫", "stage": stage, "reason": "同一学段继续享受资助"})
                if r.random() < 0.2 and (TODAY - t).days > 30:
                    events.append({"date": self.date_between(t + dt.timedelta(days=15), TODAY), "event": "返贫", "stage": stage,
                                   "reason": r.choice(("因病返贫", "因灾返贫", "家庭变故"))})
            if eligible_from is not None and r.random() < 0.06 and (TODAY - events[-1]["date"]).days > 20:
                t = self.date_between(events[-1]["date"] + dt.timedelta(days=10), TODAY)
                events.append({"date": t, "event": "退出", "stage": stage,
                               "reason": r.choice(("毕业", "转学", "辍学", "迁出本县"))})
                eligible_to = t
            for e in events:
                e["date"] = e["date"].isoformat()
            rec["events"] = events
            if self.with_identity:
                rec["identity"] = {"id_number": self.unique_id_number(rec["id"], birth_year(stage, grades[g]),
                                                                      school["county"], sex)}
            info = {"county": school["county"], "from": None if eligible_from is None else max(eligible_from, stage_start),
                    "to": eligible_to, "bus": (not boarding) and r.random() < 0.3}
            out.append((rec, info))
        return out

    def unique_id_number(self, seed: str, year: int, county: str, sex: str) -> str:
        # Invented numbers share a county prefix and a birth year, so at tens of
        # thousands of students two would collide; a real ledger refuses duplicates.
        used = self.__dict__.setdefault("_used_id_numbers", set())
        for attempt in range(1000):
            number = invented_id_number(f"{seed}#{attempt}" if attempt else seed, year, county=county, sex=sex)
            if number not in used:
                used.add(number)
                return number
        raise RuntimeError("no unused invented ID number")

    # -------------------------------------------------------------------- aid
    def programmes(self, student: dict, info: dict) -> list[tuple[str, str | None]]:
        stage = student["stage"]
        if stage == "学前":
            return [("学前教育资助", None)]
        if stage == "高中":
            return [("普通高中国家助学金", "一档" if student["difficulty"] == "特别困难" else "二档")]
        if stage == "中职":
            return [("中职国家助学金", None)]
        out = [("营养改善计划", None)]
        if student["boarding"]:
            out.append(("义务教育寄宿生生活补助", None))
        elif info["bus"]:
            out.append(("校车补助", None))
        return out

    def make_aid(self, k: int, students: list[tuple[dict, dict]]) -> list[dict]:
        """Exactly min(k, available) payments: the previous term in full, then the
        current one (in progress: some not yet paid), then older terms."""
        r = self.rng
        year = CURRENT_SCHOOL_YEAR
        terms = [(year - 1, 2), (year, 1)] + [t for y in range(year - 1, year - 8, -1) for t in ((y, 1), (y - 1, 2))]
        out: list[dict] = []
        vouchers: dict[tuple, int] = {}
        for y, half in terms:
            if len(out) >= k:
                break
            term = f"{y}-{y + 1}-{half}"
            lo, hi = (dt.date(y, 9, 20), dt.date(y, 12, 20)) if half == 1 else (dt.date(y + 1, 3, 15), dt.date(y + 1, 6, 30))
            hi = min(hi, TODAY)
            if lo > hi:
                continue
            days = r.randint(95, 105) if half == 1 else r.randint(85, 95)
            slots = []
            for idx, (s, info) in enumerate(students):
                if info["from"] is None:
                    continue
                a, b = max(lo, info["from"]), min(hi, info["to"] - dt.timedelta(days=1))
                if a > b:
                    continue
                for programme, level in self.programmes(s, info):
                    slots.append((idx, programme, level, a, b))
            if len(slots) > k - len(out):
                slots = sorted(r.sample(slots, k - len(out)), key=lambda x: x[0])
            for idx, programme, level, a, b in slots:
                s, info = students[idx]
                paid_on = self.date_between(a, b)
                std = self.standard_for(info["county"], programme, s["stage"], level, paid_on)
                if std is None:
                    continue
                unit = std["unit"]
                rec = {"id": self.new_id("aid"), "type": "aid", "schema_version": 1,
                       "student": s["id"], "programme": programme, "term": term, "standard": std["id"],
                       "paid_on": paid_on.isoformat(), "source": _SOURCE[programme],
                       "method": "餐费抵扣" if programme == "营养改善计划" else ("银行卡" if r.random() < 0.95 else "现金")}
                if unit == "天":
                    rec["days"] = days
                    rec["amount_fen"] = std["amount_fen"] * days
                else:
                    rec["amount_fen"] = std["amount_fen"] // 2 if unit == "年" else std["amount_fen"]
                key = (info["county"], term)
                vouchers[key] = vouchers.get(key, 0) + 1
                rec["voucher"] = f"{region_code(info['county']) or '000000'}-{term}-{vouchers[key]:05d}"
                out.append(rec)
        return out
