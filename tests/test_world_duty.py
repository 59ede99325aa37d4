"""应助尽助 against the world: a small county ledger built here, every figure counted by hand.

某县 has three schools: 一中 and 二中 (初中) and 高中 (高中). Standards (figures and sources as in the
demo ledger; per term a yearly amount is paid in two halves):
- 寄宿生生活补助 初中 寄宿 1250 元/年 (B1: 625.00 a term), 非寄宿 625 元/年 (B0: 312.50 a term), 某县;
- 营养改善计划 初中 5 元/天 (N), and 小学 5 元/天 (N小学), 某县;
- 普通高中国家助学金 from 2025-02-01: 一档 3000 元/年 (G1: 1500.00 a term), 二档 2000 元/年 (G2: 1000.00);
- 生源地助学贷款 高中, a cap: 12000 元/年 2021-09-01..2024-08-31 (L), 20000 元/年 from 2024-09-01;
- 校车补助 小学 走读 500 元/年 (paid on application, never due).
Term 2026-2027-1's calendar for 某县 runs 09-01..09-30: 22 school days (营养 22 × 5 = 110.00); the
calendar for every other county ends 09-29: 21 days (105.00).

Students, in the order of their ids (the figures list them in that order):
 s1 周小刚  二中 初中 寄宿, 认定 2026-09-01.
 s2 王小红  2025-2026: 一中 初中 九年级 寄宿; 2026-2027 (now): 高中 高一 寄宿; own difficulty 一般困难;
           recognised each year by a recognition record: 2025-2026 at 一中 (approved 2025-09-22),
           2026-2027 at 高中, review level 特别困难 (approved 2026-09-21).
 s3 李明    高中, own difficulty 特别困难; recognised 2026-2027, review level 一般困难 (approved 2026-09-21).
 s4 张强    高中, own difficulty 特别困难, 认定 event 2026-09-01 (no recognition record).
 s5 陈静    一中 初中 寄宿, 认定 2026-09-01.
 s6 刘洋    一中 初中 走读, 认定 2026-09-02 (a day after the autumn term began).
 s7 赵小兰  一中 初中 寄宿, 认定 2027-03-05 (in the spring term).
 s8 何伟    一中 初中 寄宿, 认定 2026-09-01, 退出 2026-11-20; his ID number is on record.
 s9 吴小芳  一中 初中 寄宿, 认定 2026-09-01, ID number A;  s10 吴小芳 at 二中, the same ID number (a sync).
 s11 郑小刚 一中 初中 寄宿, 认定 2026-09-01, ID number B;  s12 郑小刚 at 二中, the same ID number (a sync).
 s13 孙丽, s14 钱进  高中 高三, not recognised: loans in 2023-2024-1.
 s15 (no record: a payment synced without its student).
Besides the programmes of the schema's list, 陈静 was paid a 县级助学金 the ledger's schemas do not list.
"""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from store import Ledger
from store.aid import duty
from store.core import canonical, ids
from store.ledger.gitstore import Person
from store.ledger.ledger import NEW, Change
from store.privacy.acts import init_keys, seal_record

AUTUMN, SPRING, LAST_SPRING, LOAN_TERM = "2026-2027-1", "2026-2027-2", "2025-2026-2", "2023-2024-1"
BOARD, MEAL, HIGH, LOAN, GIFT = "义务教育寄宿生生活补助", "营养改善计划", "普通高中国家助学金", "生源地助学贷款", "社会捐助"
COUNTY_GRANT = "县级助学金"

SUBSIDY_NOTE = "《城乡义务教育补助经费管理办法》（财政部 教育部）：初中寄宿生每生每年1250元，非寄宿生按50%"
MEAL_NOTE = "财政部 教育部《关于深入实施农村义务教育学生营养改善计划的通知》（2021年）：自2021年秋季学期起每生每天5元"
HIGH_NOTE = ("财政部 教育部 人力资源社会保障部《关于调整高等教育阶段和高中阶段国家奖助学金政策的通知》（2024-10-29）："
             "自2025年春季学期起平均每生每年2300元，可分2—3档（本台账：一档3000元、二档2000元）")
LOAN_NOTE = "财政部 教育部 中国人民银行 银保监会《关于进一步完善国家助学贷款政策的通知》（2021年）：每人每年不超过12000元，是上限"


# 吴小芳 (女), 郑小刚 (男), 何伟 (男): check characters worked out by hand (GB 11643).
ID_NUMBERS = {"s9": "110105201106070028", "s11": "110105201003150017", "s8": "110105201008220037"}


def rec(rtype: str, rid: str | None = None, **fields) -> dict:
    return {"id": rid or ids.new_id(rtype), "type": rtype, "schema_version": 2, **fields}


def in_order(rtype: str, n: int) -> list[str]:
    """n fresh ids of a type, in the order the figures sort them."""
    return sorted(ids.new_id(rtype) for _ in range(n))


def write_as_a_merge_would(ledger, *records: dict) -> None:
    """Records a save would refuse but a merge of two sites' work can leave: straight into git."""
    g = ledger.git
    tree = g.write_tree(g.commit_tree(ledger.tip), {ids.path_of(r["id"], ids.LATEST): g.write("blob", canonical.dumps(r))
                                                    for r in records})
    assert g.swap_ref(g.make_commit(tree, [ledger.tip], Person("同步", "sync@example.cn"), "sync: merge"), ledger.tip, "t")
    ledger.refresh()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ledger = Ledger.init(tmp_path_factory.mktemp("duty") / "ledger", site="某县教育局")
    init_keys(ledger)
    one = rec("school", name="某县第一中学", short_name="一中", stage="初中", county="某县", area="乡村")
    two = rec("school", name="某县第二中学", short_name="二中", stage="初中", county="某县", area="镇区")
    high = rec("school", name="某县高级中学", short_name="高中", stage="高中", county="某县", area="城区")
    county = {"region": "某县", "counties": ["某县"]}
    std = {
        "B1": rec("standard", programme=BOARD, stage="初中", boarding=True, amount_fen=125_000, unit="年",
                  valid_from="2019-09-01", notes=SUBSIDY_NOTE, **county),
        "B0": rec("standard", programme=BOARD, stage="初中", boarding=False, amount_fen=62_500, unit="年",
                  valid_from="2019-09-01", notes=SUBSIDY_NOTE, **county),
        "N": rec("standard", programme=MEAL, stage="初中", amount_fen=500, unit="天", valid_from="2021-09-01",
                 notes=MEAL_NOTE, **county),
        "N小学": rec("standard", programme=MEAL, stage="小学", amount_fen=500, unit="天", valid_from="2021-09-01",
                   notes=MEAL_NOTE, **county),
        "G1": rec("standard", programme=HIGH, stage="高中", level="一档", amount_fen=300_000, unit="年",
                  region="全国", valid_from="2025-02-01", notes=HIGH_NOTE),
        "G2": rec("standard", programme=HIGH, stage="高中", level="二档", amount_fen=200_000, unit="年",
                  region="全国", valid_from="2025-02-01", notes=HIGH_NOTE),
        "L": rec("standard", programme=LOAN, stage="高中", amount_fen=1_200_000, unit="年", cap=True, region="全国",
                 valid_from="2021-09-01", valid_to="2024-08-31", notes=LOAN_NOTE),
        "L2": rec("standard", programme=LOAN, stage="高中", amount_fen=2_000_000, unit="年", cap=True, region="全国",
                  valid_from="2024-09-01", notes="国家开发银行公告（2024-11-04）：每人每年最高20000元，是上限"),
        "bus": rec("standard", programme="校车补助", stage="小学", boarding=False, amount_fen=50_000, unit="年",
                   region="某县", valid_from="2018-09-01", notes="乘坐校车上下学的走读困难学生"),
    }
    calendars = [rec("calendar", term=AUTUMN, counties=["某县"], first_day="2026-09-01", last_day="2026-09-30"),
                 rec("calendar", term=AUTUMN, first_day="2026-09-01", last_day="2026-09-29")]

    sid = dict(zip([f"s{i}" for i in range(1, 16)], in_order("student", 15)))

    def pupil(key, name, school, sex="男", boarding=True, recognised="2026-09-01", **extra):
        fields = dict(name=name, sex=sex, school=school["id"], stage="初中", grade="八年级", boarding=boarding)
        if recognised:
            fields["events"] = [{"date": recognised, "event": "认定"}]
        return rec("student", sid[key], **{**fields, **extra})

    s = {
        "s1": pupil("s1", "周小刚", two),
        "s2": rec("student", sid["s2"], name="王小红", sex="女", school=high["id"], stage="高中", grade="高一",
                  boarding=True, difficulty="一般困难", school_year="2026-2027",
                  years=[{"school_year": "2025-2026", "school": one["id"], "stage": "初中", "grade": "九年级",
                          "boarding": True}]),
        "s3": rec("student", sid["s3"], name="李明", sex="男", school=high["id"], stage="高中", grade="高一",
                  boarding=False, difficulty="特别困难"),
        "s4": pupil("s4", "张强", high, boarding=False, stage="高中", grade="高二", difficulty="特别困难"),
        "s5": pupil("s5", "陈静", one, sex="女"),
        "s6": pupil("s6", "刘洋", one, boarding=False, recognised="2026-09-02"),
        "s7": pupil("s7", "赵小兰", one, sex="女", recognised="2027-03-05"),
        "s8": pupil("s8", "何伟", one, identity={"id_number": ID_NUMBERS["s8"]}),
        "s9": pupil("s9", "吴小芳", one, sex="女", identity={"id_number": ID_NUMBERS["s9"]}),
        "s11": pupil("s11", "郑小刚", one, identity={"id_number": ID_NUMBERS["s11"]}),
        "s13": pupil("s13", "孙丽", high, sex="女", boarding=False, recognised=None, stage="高中", grade="高三"),
        "s14": pupil("s14", "钱进", high, boarding=False, recognised=None, stage="高中", grade="高三"),
    }
    review = {"members": ["班主任", "家长代表"], "result": "通过"}

    def recognition(student, year, school, level, applied, reviewed, checked, approved):
        return rec("recognition", student=student["id"], school_year=year, school=school["id"],
                   application={"date": applied, "applicant": "家长"},
                   review={**review, "date": reviewed, "level": level}, check={"date": checked, "by": "资助专干"},
                   approval={"date": approved, "by": "学校资助工作领导小组"}, outcome="认定")

    hong_then = recognition(s["s2"], "2025-2026", one, "困难", "2025-09-02", "2025-09-08", "2025-09-10", "2025-09-22")
    hong_now = recognition(s["s2"], "2026-2027", high, "特别困难", "2026-09-02", "2026-09-08", "2026-09-10",
                           "2026-09-21")
    ming_now = recognition(s["s3"], "2026-2027", high, "一般困难", "2026-09-02", "2026-09-08", "2026-09-10",
                           "2026-09-21")
    notices = [rec("posting", school=one["id"], school_year="2025-2026", where="校务公开栏", start="2025-09-15",
                   end="2025-09-19", recognitions=[hong_then["id"]]),
               rec("posting", school=high["id"], school_year="2026-2027", where="校务公开栏", start="2026-09-14",
                   end="2026-09-18", recognitions=[hong_now["id"], ming_now["id"]])]

    # Payment ids sort in this order, mostly against the order paid: the figures list by the day paid, then id.
    names = ["ghost", "he2", "zhengB", "wuB", "wuA", "he1", "chen", "zhou", "hong", "hong_before", "lan",
             "meal_zhou", "meal_chen", "meal_liu", "meal_wuA", "meal_zhengA", "high_hong",
             "high_ming", "high_qiang", "gift_liu", "loan_sun", "loan_qian", "county"]
    pid = dict(zip(names, in_order("aid", len(names))))

    def aid(name, who, standard, fen, day, term=AUTUMN, **extra):
        return rec("aid", pid[name], student=sid[who], programme=standard["programme"], term=term, amount_fen=fen,
                   standard=standard["id"], paid_on=day, source="中央", method="银行卡", **extra)

    paid = [aid("zhou", "s1", std["B1"], 62_500, "2026-10-10"),
            aid("hong", "s2", std["B1"], 62_500, "2026-10-09"),            # 高中 now: no 寄宿 standard covers her
            aid("hong_before", "s2", std["B1"], 62_500, "2026-03-20", term=LAST_SPRING),
            aid("chen", "s5", std["B1"], 62_500, "2026-10-10"),
            aid("he1", "s8", std["B1"], 62_500, "2026-10-10"),
            aid("wuA", "s9", std["B1"], 62_500, "2026-10-11"),
            aid("lan", "s7", std["B1"], 62_500, "2027-04-10", term=SPRING),
            aid("meal_zhou", "s1", std["N"], 10_500, "2026-10-20"),        # 21 days' worth, no days given
            aid("meal_chen", "s5", std["N"], 11_000, "2026-10-20"),        # no days given: the calendar's 22
            aid("meal_liu", "s6", std["N"], 10_000, "2026-10-20", days=20),
            aid("meal_wuA", "s9", std["N"], 11_000, "2026-10-20", days=22),
            aid("meal_zhengA", "s11", std["N小学"], 11_000, "2026-10-20", days=22),   # the primary standard
            aid("high_hong", "s2", std["G1"], 150_000, "2026-10-10"),
            aid("high_ming", "s3", std["G2"], 100_000, "2026-10-10"),
            aid("high_qiang", "s4", std["G2"], 100_000, "2026-10-10"),
            rec("aid", pid["gift_liu"], student=sid["s6"], programme=GIFT, term=AUTUMN, amount_fen=50_000,
                paid_on="2026-11-01", source="社会捐助", method="银行卡"),
            aid("loan_sun", "s13", std["L"], 1_200_000, "2023-10-10", term=LOAN_TERM)]
    everything = [one, two, high, *std.values(), *calendars, *s.values(), hong_then, hong_now, ming_now, *notices,
                  *paid]
    ledger.commit([Change(r["id"], r, NEW) for r in everything], action="import", message="某县台账")

    # What a sync of 二中's own records left: the same two children entered there, payments the rules
    # would have refused on save (a second payment, one after leaving, one above the loan's cap).
    def copy_at_two(key, of):
        """二中's record of the same child: its own id, sealed with the ledger's key as any site's is."""
        return seal_record(ledger, {**s[of], "id": sid[key], "school": two["id"],
                                    "identity": {"id_number": ID_NUMBERS[of]}})

    left = {**ledger.get(sid["s8"]),
            "events": [{"date": "2026-09-01", "event": "认定"}, {"date": "2026-11-20", "event": "退出", "reason": "转学"}]}
    write_as_a_merge_would(
        ledger, copy_at_two("s10", "s9"), copy_at_two("s12", "s11"), left,
        aid("wuB", "s10", std["B1"], 62_500, "2026-10-12"),
        aid("zhengB", "s12", std["B1"], 62_500, "2026-10-12"),
        aid("he2", "s8", std["B1"], 62_500, "2026-12-01"),
        aid("ghost", "s15", std["B1"], 62_500, "2026-10-15"),
        aid("loan_qian", "s14", std["L"], 1_250_000, "2023-10-10", term=LOAN_TERM),
        # A programme this ledger's schemas do not list (a site whose schemas add a county's own grant).
        rec("aid", pid["county"], student=sid["s5"], programme=COUNTY_GRANT, term=AUTUMN, amount_fen=30_000,
            paid_on="2026-11-05", source="县", method="银行卡"))
    yield {"ledger": ledger, "s": sid, "p": pid, "std": {k: v["id"] for k, v in std.items()},
           "one": one["id"], "two": two["id"], "high": high["id"]}
    ledger.close()


def programme(d: duty.Duty, name: str) -> duty.ProgrammeDuty:
    return next(p for p in d.programmes if p.programme == name)


def due(found, w) -> dict:
    """{student key: (standard key, fen for the term)}, keys as in the module's list."""
    student = {v: k for k, v in w["s"].items()}
    standard = {v: k for k, v in w["std"].items()}
    return {student[e.student]: (standard[e.standard], e.amount_fen) for e in found}


def order(found, w) -> list[str]:
    student = {v: k for k, v in w["s"].items()}
    return [student[e.student] for e in found]


def pairs(found, w) -> list[tuple]:
    """(student key, payment names, fen expected, fen paid) of each listed pair."""
    student, payment = {v: k for k, v in w["s"].items()}, {v: k for k, v in w["p"].items()}
    return [(student[p.student], tuple(payment[i] for i in p.payments), p.expected_fen, p.paid_fen) for p in found]


def names(ids_: tuple[str, ...], w) -> list[str]:
    payment = {v: k for k, v in w["p"].items()}
    return [payment[i] for i in ids_]


def test_the_whole_county_in_the_autumn_term(world):
    w = world
    d = duty.duty(w["ledger"], AUTUMN)
    # The figures are taken on the term's last day.
    assert d.on == dt.date(2027, 1, 31)
    # In the order of the schema's list of programmes: those with standards due by rule, and those paid
    # (社会捐助 has no standard); 校车补助 has a standard but is paid on application and nothing was paid;
    # 生源地助学贷款 was paid only in 2023-2024-1. A paid programme the list lacks comes last.
    assert [p.programme for p in d.programmes] == [BOARD, MEAL, HIGH, GIFT, COUNTY_GRANT]
    board = programme(d, BOARD)
    # Due on 2027-01-31: 周小刚, 陈静, 刘洋 (走读: 312.50), both 吴小芳 records, both 郑小刚 records.
    # Not 王小红, 李明, 张强 (高中: no 寄宿 standard), 赵小兰 (recognised in March), 何伟 (left).
    assert due(board.due, w) == {"s1": ("B1", 62_500), "s5": ("B1", 62_500), "s6": ("B0", 31_250),
                                 "s9": ("B1", 62_500), "s10": ("B1", 62_500), "s11": ("B1", 62_500),
                                 "s12": ("B1", 62_500)}
    assert order(board.due, w) == ["s1", "s5", "s6", "s9", "s10", "s11", "s12"]
    # By the day paid, then id: 10-09 王小红; 10-10 何伟, 陈静, 周小刚 (ids in that order); 10-11 吴小芳;
    # 10-12 郑小刚 and 吴小芳 at 二中; 10-15 the payment without its student; 12-01 何伟 again.
    assert names(board.payments, w) == ["hong", "he1", "chen", "zhou", "wuA", "zhengB", "wuB", "ghost", "he2"]
    assert pairs(board.unpaid, w) == [("s6", (), 31_250, 0), ("s11", (), 62_500, 0)]
    # 王小红 is 高中 this year (no 寄宿 standard for her stage); 何伟 was paid again after leaving;
    # the last payment names a student the ledger does not hold.
    assert pairs(board.not_due, w) == [("s2", ("hong",), None, 62_500), ("s8", ("he1", "he2"), None, 125_000),
                                       ("s15", ("ghost",), None, 62_500)]
    assert pairs(board.twice, w) == [("s8", ("he1", "he2"), None, 125_000)]
    assert board.off == ()
    meal = programme(d, MEAL)
    # 5 元 × 22 school days of 某县's calendar = 110.00 for each 初中 pupil on the ledger and not gone.
    assert due(meal.due, w) == {k: ("N", 11_000) for k in ("s1", "s5", "s6", "s9", "s10", "s11", "s12")}
    assert names(meal.payments, w) == ["meal_zhou", "meal_chen", "meal_liu", "meal_wuA", "meal_zhengA"]
    assert pairs(meal.unpaid, w) == [("s10", (), 11_000, 0), ("s12", (), 11_000, 0)]
    # 周小刚: 105.00 is 21 days (the other counties' calendar), not 某县's 22. 刘洋's 100.00 is his own
    # 20 days at 5 元 and fits. 郑小刚: the right amount under the 小学 standard.
    assert pairs(meal.off, w) == [("s1", ("meal_zhou",), 11_000, 10_500), ("s11", ("meal_zhengA",), 11_000, 11_000)]
    assert (meal.not_due, meal.twice) == ((), ())
    high = programme(d, HIGH)
    assert pairs(high.off, w) == [("s4", ("high_qiang",), 150_000, 100_000)]
    assert (high.unpaid, high.not_due, high.twice) == ((), (), ())
    gift = programme(d, GIFT)
    assert (gift.due, names(gift.payments, w), gift.findings) == ((), ["gift_liu"], 0)
    grant = programme(d, COUNTY_GRANT)
    assert (grant.due, names(grant.payments, w), grant.findings) == ((), ["county"], 0)
    # 寄宿 2 unpaid + 3 not due + 1 twice; 营养 2 unpaid + 2 off; 助学金 1 off; 1 person twice.
    assert (board.findings, meal.findings, high.findings, len(d.same_person)) == (6, 4, 1, 1)
    assert d.started and d.findings == 12


def test_one_school_lists_its_own_students_and_payments(world):
    w = world
    d = duty.duty(w["ledger"], AUTUMN, schools=[w["one"]])
    assert [p.programme for p in d.programmes] == [BOARD, MEAL, HIGH, GIFT, COUNTY_GRANT]
    board = programme(d, BOARD)
    # 一中 this year: 陈静, 刘洋, 赵小兰, 何伟, 吴小芳, 郑小刚 (王小红 went on to 高中; 周小刚 is at 二中,
    # and comes first by id).
    assert due(board.due, w) == {"s5": ("B1", 62_500), "s6": ("B0", 31_250), "s9": ("B1", 62_500),
                                 "s11": ("B1", 62_500)}
    assert names(board.payments, w) == ["he1", "chen", "wuA", "he2"]
    assert pairs(board.unpaid, w) == [("s6", (), 31_250, 0), ("s11", (), 62_500, 0)]
    assert pairs(board.not_due, w) == [("s8", ("he1", "he2"), None, 125_000)]
    meal = programme(d, MEAL)
    assert order(meal.due, w) == ["s5", "s6", "s9", "s11"]
    assert names(meal.payments, w) == ["meal_chen", "meal_liu", "meal_wuA", "meal_zhengA"]
    assert pairs(meal.off, w) == [("s11", ("meal_zhengA",), 11_000, 11_000)]
    assert (programme(d, HIGH).due, programme(d, HIGH).payments) == ((), ())
    # The other 吴小芳 record is 二中's: from 一中 alone no one is paid twice.
    assert d.same_person == ()
    assert d.findings == 2 + 1 + 1 + 1

    high = duty.duty(w["ledger"], AUTUMN, schools=[w["high"]])
    # 王小红 is 高中's this year: her 寄宿 payment is listed here (and is not due), not at 一中.
    assert [p.programme for p in high.programmes] == [BOARD, MEAL, HIGH]
    assert names(programme(high, BOARD).payments, w) == ["hong"]
    assert pairs(programme(high, BOARD).not_due, w) == [("s2", ("hong",), None, 62_500)]
    assert programme(high, BOARD).due == programme(high, MEAL).due == ()
    assert due(programme(high, HIGH).due, w) == {"s2": ("G1", 150_000), "s3": ("G2", 100_000),
                                                 "s4": ("G1", 150_000)}
    # No school at all: nothing due, nothing paid.
    none = duty.duty(w["ledger"], AUTUMN, schools=[])
    assert all(p.due == p.payments == () for p in none.programmes) and not none.started and none.findings == 0


def test_a_school_is_the_one_of_that_terms_school_year(world):
    w = world
    # 2025-2026: 王小红 was 一中's, 初中 寄宿: due 625.00 for the spring term, and paid it. Nobody else was
    # on 一中's aid ledger before 2026-09-01.
    then = duty.duty(w["ledger"], LAST_SPRING, schools=[w["one"]])
    assert then.on == dt.date(2026, 8, 31)
    board = programme(then, BOARD)
    assert due(board.due, w) == {"s2": ("B1", 62_500)}
    assert names(board.payments, w) == ["hong_before"]
    assert board.unpaid == board.not_due == board.off == ()
    # 营养 too (初中 that year); no calendar for that term: the amount cannot be told.
    assert due(programme(then, MEAL).due, w) == {"s2": ("N", None)}
    assert then.findings == 0
    # Not 高中's that year, and not due 普通高中国家助学金 (she was 初中).
    elsewhere = duty.duty(w["ledger"], LAST_SPRING, schools=[w["high"]])
    assert all(p.due == p.payments == () for p in elsewhere.programmes)
    assert programme(duty.duty(w["ledger"], LAST_SPRING), HIGH).due == ()
    # 2026-2027: 高中, due 普通高中国家助学金 (一档, below) and no 寄宿 subsidy.
    now = duty.duty(w["ledger"], AUTUMN)
    assert "s2" not in order(programme(now, BOARD).due, w)
    # The batch for the spring term of 2025-2026 (2026-02-01): 一中's, not 高中's.
    assert due(duty.entitlements(w["ledger"], LAST_SPRING, BOARD, school=w["one"]), w) == {"s2": ("B1", 62_500)}
    assert duty.entitlements(w["ledger"], LAST_SPRING, BOARD, school=w["high"]) == []

def test_the_level_is_the_one_the_years_recognition_gave(world):
    w = world
    found = duty.entitlements(w["ledger"], AUTUMN, HIGH, school=w["high"], on=dt.date(2026, 10, 1))
    # 王小红: reviewed 特别困难 (her record says 一般困难): 一档 3000 元/年 = 1500.00 a term.
    # 李明: reviewed 一般困难 (his record says 特别困难): 二档 2000 元/年 = 1000.00.
    # 张强: no recognition record: his own 特别困难, 一档 1500.00.
    assert due(found, w) == {"s2": ("G1", 150_000), "s3": ("G2", 100_000), "s4": ("G1", 150_000)}
    # Paid by those levels: only 张强's 1000.00 by 二档 is off his standard.
    high = programme(duty.duty(w["ledger"], AUTUMN, schools=[w["high"]]), HIGH)
    assert names(high.payments, w) == ["high_hong", "high_ming", "high_qiang"]
    assert pairs(high.off, w) == [("s4", ("high_qiang",), 150_000, 100_000)]


def test_batches_for_the_first_day_of_each_term(world):
    w = world
    led = w["ledger"]
    # 2026-09-01: 陈静, 何伟 (not gone yet), 吴小芳, 郑小刚; 刘洋 is recognised on the 2nd.
    assert due(duty.entitlements(led, AUTUMN, BOARD, school=w["one"]), w) == {
        "s5": ("B1", 62_500), "s8": ("B1", 62_500), "s9": ("B1", 62_500), "s11": ("B1", 62_500)}
    # 2027-02-01: 刘洋 (走读 312.50) is in, 何伟 has left, 赵小兰 is recognised only on 03-05.
    assert due(duty.entitlements(led, SPRING, BOARD, school=w["one"]), w) == {
        "s5": ("B1", 62_500), "s6": ("B0", 31_250), "s9": ("B1", 62_500), "s11": ("B1", 62_500)}
    # The whole county adds 二中's 周小刚, 吴小芳 and 郑小刚.
    assert order(duty.entitlements(led, AUTUMN, BOARD), w) == ["s1", "s5", "s8", "s9", "s10", "s11", "s12"]
    # 2026-09-01: the recognitions of 2026-2027 are not approved yet and 2025-2026's lapsed: only 张强.
    assert due(duty.entitlements(led, AUTUMN, HIGH, school=w["high"]), w) == {"s4": ("G1", 150_000)}
    # 营养 by 某县's calendar, for every pupil on the ledger and not gone, boarding or not.
    assert due(duty.entitlements(led, AUTUMN, MEAL, school=w["one"], on=dt.date(2026, 10, 1)), w) == {
        k: ("N", 11_000) for k in ("s5", "s6", "s8", "s9", "s11")}
    # Paid on application, or no standard at all: nobody is due.
    assert duty.entitlements(led, AUTUMN, "校车补助") == duty.entitlements(led, AUTUMN, LOAN) == []
    assert duty.entitlements(led, AUTUMN, "学前教育资助") == []


def test_the_spring_term_runs_to_the_end_of_august(world):
    w = world
    d = duty.duty(w["ledger"], SPRING, schools=[w["one"]])
    assert d.on == dt.date(2027, 8, 31)
    board = programme(d, BOARD)
    # 赵小兰, recognised on 2027-03-05, is due and was paid on 2027-04-10; 何伟 has left.
    assert due(board.due, w) == {"s5": ("B1", 62_500), "s6": ("B0", 31_250), "s7": ("B1", 62_500),
                                 "s9": ("B1", 62_500), "s11": ("B1", 62_500)}
    assert names(board.payments, w) == ["lan"]
    assert pairs(board.unpaid, w) == [("s5", (), 62_500, 0), ("s6", (), 31_250, 0), ("s9", (), 62_500, 0),
                                      ("s11", (), 62_500, 0)]
    assert board.not_due == board.off == board.twice == ()
    # No calendar for the spring term: 营养 is due, its amount cannot be told; nothing paid, nothing listed.
    meal = programme(d, MEAL)
    assert due(meal.due, w) == {k: ("N", None) for k in ("s5", "s6", "s7", "s9", "s11")}
    assert (meal.started, meal.unpaid) == (False, ())
    assert d.findings == 4
    # On 2027-08-31 the recognitions of 2026-2027 still hold (they lapse on 09-01).
    high = duty.duty(w["ledger"], SPRING, schools=[w["high"]])
    assert due(programme(high, HIGH).due, w) == {"s2": ("G1", 150_000), "s3": ("G2", 100_000),
                                                 "s4": ("G1", 150_000)}
    # The spring payment is not the autumn term's, and 赵小兰 was not due in autumn.
    autumn = duty.duty(w["ledger"], AUTUMN, schools=[w["one"]])
    assert "lan" not in names(programme(autumn, BOARD).payments, w)
    assert "s7" not in order(programme(autumn, BOARD).due, w)


def test_figures_taken_on_a_day_inside_the_term(world):
    w = world
    # On 2026-11-01 何伟 had not left yet: due, and still listed as paid after he left (12-01).
    d = duty.duty(w["ledger"], AUTUMN, schools=[w["one"]], today=dt.date(2026, 11, 1))
    assert d.on == dt.date(2026, 11, 1)
    board = programme(d, BOARD)
    assert order(board.due, w) == ["s5", "s6", "s8", "s9", "s11"]
    assert pairs(board.not_due, w) == [("s8", ("he1", "he2"), None, 125_000)]
    # A day after the term: the term's last day.
    assert duty.duty(w["ledger"], AUTUMN, today=dt.date(2027, 6, 1)).on == dt.date(2027, 1, 31)


def test_a_loan_is_checked_against_its_cap(world):
    w = world
    d = duty.duty(w["ledger"], LOAN_TERM)
    assert [p.programme for p in d.programmes] == [BOARD, MEAL, HIGH, LOAN]
    loan = programme(d, LOAN)
    # Never due (applied for); 孙丽's 12000.00 is the cap itself: within. 钱进's 12500.00 is above it.
    assert loan.due == () and names(loan.payments, w) == ["loan_sun", "loan_qian"]
    assert pairs(loan.off, w) == [("s14", ("loan_qian",), None, 1_250_000)]
    assert loan.unpaid == loan.not_due == loan.twice == ()
    assert d.findings == 1


def test_one_person_paid_one_programme_at_two_schools(world):
    w = world
    for schools in (None, [w["one"], w["two"]]):
        d = duty.duty(w["ledger"], AUTUMN, schools=schools)
        # 吴小芳 (one ID number, records at 一中 and 二中): 寄宿 paid by both, 625.00 + 625.00.
        # 郑小刚 (one ID number too): 营养 at 一中, 寄宿 at 二中: two programmes, not a pair. Pupils without
        # an ID number on record are nobody's pair; 何伟, paid twice under his one record, is "paid twice".
        [pair] = d.same_person
        assert (pair.programme, sorted(names(pair.payments, w)), pair.paid_fen) == (BOARD, ["wuA", "wuB"], 125_000)
        assert pair.student in (w["s"]["s9"], w["s"]["s10"])


def test_a_student_whose_identity_is_not_an_object(tmp_path, capsys):
    """A student record whose `identity` is text (a hand edit, an older site's file) reaches the
    ledger through a merge: the term's figures are still made, the same-person check passes over
    it (it holds no keyed hash to compare), and `bangfu validate` names the record and the field."""
    from conftest import run

    ledger = Ledger.init(tmp_path / "ledger", site="某县教育局")
    init_keys(ledger)
    school = rec("school", name="某县第一中学", stage="初中", county="某县", area="乡村")
    board = rec("standard", programme=BOARD, stage="初中", boarding=True, amount_fen=125_000, unit="年",
                region="某县", counties=["某县"], valid_from="2019-09-01", notes=SUBSIDY_NOTE)
    calendar = rec("calendar", term=AUTUMN, counties=["某县"], first_day="2026-09-01", last_day="2026-09-30")
    first, second = in_order("student", 2)
    pupil = dict(sex="女", school=school["id"], stage="初中", grade="八年级", boarding=True,
                 events=[{"date": "2026-09-01", "event": "认定"}])
    ledger.commit([Change(r["id"], r, NEW) for r in (school, board, calendar,
                                                     rec("student", first, name="陈静", **pupil))],
                  action="import", message="某县台账")
    paid = [rec("aid", pid, student=sid, programme=BOARD, term=AUTUMN, amount_fen=62_500, standard=board["id"],
                paid_on="2026-10-10", source="中央", method="银行卡")
            for pid, sid in zip(in_order("aid", 2), (first, second))]
    write_as_a_merge_would(ledger, rec("student", second, name="吴小芳", identity="见纸质学籍档案", **pupil), *paid)

    d = duty.duty(ledger, AUTUMN)
    # Both pupils are due 625.00 and were paid it: no finding, and no one paid twice under two records.
    assert [(e.student, e.amount_fen) for e in programme(d, BOARD).due] == [(first, 62_500), (second, 62_500)]
    assert (d.findings, d.same_person) == (0, ())
    code, printed, _ = run(capsys, "-L", str(ledger.path), "report", "term", AUTUMN, "--format", "md", "-o", "-")
    # The term report: 2 payments to 2 pupils, 2 × 625.00 against the standard, nothing to look into.
    assert code == 0 and "| 义务教育寄宿生生活补助 | 2 | 2 | 1,250.00 | 1,250.00 | 0.00 |" in printed
    assert "### 需要核查的异常\n\n（无）" in printed
    code, printed, err = run(capsys, "-L", str(ledger.path), "validate")
    assert code == 1 and f"错误 {second} 的字段「个人标识（加密）」" in printed + err and "类型不对（应为对象）" in printed + err
    ledger.close()


def test_two_counties_each_by_its_own_standards_and_calendar(ledger):
    """某县 pays boarders 1250 元/年 and day pupils 625 元/年; 邻县 (its own standard) boarders 1000 元/年 and
    day pupils nothing. Meals are 5 元 a school day everywhere: 某县's calendar has 22 school days in the
    autumn term (September 1-30), 邻县's 21 (to September 29).

    甲 某县 boarder -> 寄宿 625.00 (B1), meals 110.00;   乙 某县 day pupil -> 寄宿 312.50 (B0), meals 110.00;
    丙 邻县 boarder -> 寄宿 500.00 (BL), meals 105.00;   丁 邻县 day pupil -> no 寄宿 subsidy, meals 105.00."""
    here = rec("school", name="某县第一中学", short_name="一中", stage="初中", county="某县", area="乡村")
    there = rec("school", name="邻县第二中学", short_name="邻县二中", stage="初中", county="邻县", area="乡村")
    std = {"B1": rec("standard", programme=BOARD, stage="初中", boarding=True, amount_fen=125_000, unit="年",
                     valid_from="2019-09-01", notes=SUBSIDY_NOTE, region="某县", counties=["某县"]),
           "B0": rec("standard", programme=BOARD, stage="初中", boarding=False, amount_fen=62_500, unit="年",
                     valid_from="2019-09-01", notes=SUBSIDY_NOTE, region="某县", counties=["某县"]),
           "BL": rec("standard", programme=BOARD, stage="初中", boarding=True, amount_fen=100_000, unit="年",
                     valid_from="2019-09-01", notes="邻县县级标准（测试用）", region="邻县", counties=["邻县"]),
           "N": rec("standard", programme=MEAL, stage="初中", amount_fen=500, unit="天", valid_from="2021-09-01",
                    notes=MEAL_NOTE, region="全国")}
    calendars = [rec("calendar", term=AUTUMN, counties=["某县"], first_day="2026-09-01", last_day="2026-09-30"),
                 rec("calendar", term=AUTUMN, counties=["邻县"], first_day="2026-09-01", last_day="2026-09-29")]
    sid = dict(zip("甲乙丙丁", in_order("student", 4)))
    pupils = [rec("student", sid[key], name=f"{key}同学", sex="女", school=school["id"], stage="初中", grade="八年级",
                  boarding=boarding, events=[{"date": "2026-09-01", "event": "认定"}])
              for key, school, boarding in (("甲", here, True), ("乙", here, False), ("丙", there, True),
                                            ("丁", there, False))]
    ledger.commit([Change(r["id"], r, NEW) for r in (here, there, *std.values(), *calendars, *pupils)],
                  action="import", message="两县")
    w = {"s": sid, "std": {k: v["id"] for k, v in std.items()}}
    assert due(duty.entitlements(ledger, AUTUMN, BOARD), w) == {
        "甲": ("B1", 62_500), "乙": ("B0", 31_250), "丙": ("BL", 50_000)}
    assert due(duty.entitlements(ledger, AUTUMN, MEAL), w) == {
        "甲": ("N", 11_000), "乙": ("N", 11_000), "丙": ("N", 10_500), "丁": ("N", 10_500)}
    # A coordinator adding one of them by hand is told the same.
    on = dt.date(2026, 9, 21)
    assert [(duty.entitlement_of(ledger, p, BOARD, AUTUMN, on) or duty.Entitlement("", "", "", None)).amount_fen
            for p in pupils] == [62_500, 31_250, 50_000, None]
    assert [duty.entitlement_of(ledger, p, MEAL, AUTUMN, on).amount_fen for p in pupils] == [11_000, 11_000, 10_500,
                                                                                              10_500]


def test_a_hand_added_payment_is_told_the_standing_of_the_terms_own_school_year(world):
    # 王小红 was 一中's 初中 boarder in 2025-2026 (625.00 a term); in 2026-2027 she is at 高中, which no
    # 寄宿 standard covers.
    w = world
    hong = w["ledger"].get(w["s"]["s2"])
    then = duty.entitlement_of(w["ledger"], hong, BOARD, LAST_SPRING, dt.date(2026, 3, 20))
    assert (then.standard, then.amount_fen) == (w["std"]["B1"], 62_500)
    assert duty.entitlement_of(w["ledger"], hong, BOARD, AUTUMN, dt.date(2026, 10, 9)) is None


def test_a_payment_is_held_to_the_standard_of_the_day_it_was_paid(ledger):
    """domain.md: payments are made "at the standard for the student's stage, boarding and region on
    that date". 寄宿生生活补助 初中 rose from 1250 to 1500 元/年 on 2024-02-01 (the 2024 spring term). The
    autumn term 2023-2024-1 is due at 1250 元/年 (625.00, on its last day, 2024-01-31); a payment for it
    made on 2024-03-05 is held to 1500 元/年 (750.00): paid 625.00, it is listed as off by that standard."""
    one = rec("school", name="某县第一中学", short_name="一中", stage="初中", county="某县", area="乡村")
    old = rec("standard", programme=BOARD, stage="初中", boarding=True, amount_fen=125_000, unit="年",
              valid_from="2019-09-01", valid_to="2024-01-31", notes=SUBSIDY_NOTE, region="某县", counties=["某县"])
    new = rec("standard", programme=BOARD, stage="初中", boarding=True, amount_fen=150_000, unit="年",
              valid_from="2024-02-01", notes="财政部 2024-05-07：自2024年春季学期起初中1500元/年", region="某县",
              counties=["某县"])
    pupil = rec("student", name="陈静", sex="女", school=one["id"], stage="初中", grade="八年级", boarding=True,
                events=[{"date": "2023-09-01", "event": "认定"}])
    ledger.commit([Change(r["id"], r, NEW) for r in (one, old, new, pupil)], action="import", message="标准调整")
    late = rec("aid", student=pupil["id"], programme=BOARD, term="2023-2024-1", amount_fen=62_500,
               standard=old["id"], paid_on="2024-03-05", source="中央", method="银行卡")
    write_as_a_merge_would(ledger, late)          # a save refuses it: 2024-03-05 is past the old standard
    board = programme(duty.duty(ledger, "2023-2024-1"), BOARD)
    assert [(e.student, e.standard, e.amount_fen) for e in board.due] == [(pupil["id"], old["id"], 62_500)]
    assert [(p.student, p.payments, p.expected_fen, p.paid_fen) for p in board.off] == [
        (pupil["id"], (late["id"],), 75_000, 62_500)]
    assert board.unpaid == board.not_due == ()


def test_a_pupil_whose_level_a_hand_edit_made_a_list_is_still_counted_by_boarding_and_county(world):
    # 王芳, 一中 初中 boarder, recognised 2026-09-01; her record, as a sync left it, holds her level as a
    # list (its schema refuses that: `bangfu validate` names it). The 寄宿 standard has no level: she is due
    # 1250 元/年, 625.00 for the term, like any boarder of 某县.
    w = world
    fang = rec("student", name="王芳", sex="女", school=w["one"], stage="初中", grade="八年级", boarding=True,
               difficulty=["特别困难"], events=[{"date": "2026-09-01", "event": "认定"}])
    copy = w["ledger"].path.parent / "hand-edited"
    shutil.copytree(w["ledger"].path, copy, symlinks=True)
    ledger = Ledger(copy)
    try:
        write_as_a_merge_would(ledger, fang)
        found = {e.student: (e.standard, e.amount_fen) for e in duty.entitlements(ledger, AUTUMN, BOARD, school=w["one"])}
        assert found[fang["id"]] == (w["std"]["B1"], 62_500)
    finally:
        ledger.close()


def test_three_levels_by_difficulty_and_the_countys_own_calendar_before_the_common_one(ledger):
    """普通高中国家助学金 in three levels (a province may use 2-3): 一档 3000, 二档 2300, 三档 1600 元/年,
    half a term. 甲 特别困难 -> 一档 1500.00; 乙 困难 -> 二档 1150.00; 丙 一般困难 -> 三档 800.00; 丁 with
    no difficulty on record -> the last level, 三档 800.00.
    Meals (5 元 a school day) for 戊, 初中 in 某县: the calendar for every county (entered first) ends on
    Tuesday 29 September, 21 school days; 某县's own, entered after it, on the 30th: 22 days, 110.00."""
    high = rec("school", name="某县高级中学", short_name="高中", stage="高中", county="某县", area="城区")
    one = rec("school", name="某县第一中学", short_name="一中", stage="初中", county="某县", area="乡村")
    std = {lv: rec("standard", programme=HIGH, stage="高中", level=lv, amount_fen=fen, unit="年",
                   valid_from="2025-02-01", notes=HIGH_NOTE + "（本测试：三档）", region="某县")
           for lv, fen in (("一档", 300_000), ("二档", 230_000), ("三档", 160_000))}
    std["N"] = rec("standard", programme=MEAL, stage="初中", amount_fen=500, unit="天", valid_from="2021-09-01",
                   notes=MEAL_NOTE, region="全国")
    common = rec("calendar", term=AUTUMN, first_day="2026-09-01", last_day="2026-09-29")
    own = rec("calendar", term=AUTUMN, counties=["某县"], first_day="2026-09-01", last_day="2026-09-30")
    sid = dict(zip("甲乙丙丁戊", in_order("student", 5)))
    levels = {"甲": "特别困难", "乙": "困难", "丙": "一般困难", "丁": None}
    pupils = [rec("student", sid[key], name=f"{key}同学", sex="男", school=high["id"], stage="高中", grade="高一",
                  boarding=False, events=[{"date": "2026-09-01", "event": "认定"}],
                  **({"difficulty": level} if level else {})) for key, level in levels.items()]
    pupils.append(rec("student", sid["戊"], name="戊同学", sex="女", school=one["id"], stage="初中", grade="七年级",
                      boarding=False, events=[{"date": "2026-09-01", "event": "认定"}]))
    ledger.commit([Change(r["id"], r, NEW) for r in (high, one, *std.values())], action="import", message="标准")
    ledger.commit([Change(r["id"], r, NEW) for r in (common, own, *pupils)], action="import", message="三档")
    w = {"s": sid, "std": {k: v["id"] for k, v in std.items()}}
    assert due(duty.entitlements(ledger, AUTUMN, HIGH), w) == {
        "甲": ("一档", 150_000), "乙": ("二档", 115_000), "丙": ("三档", 80_000), "丁": ("三档", 80_000)}
    assert due(duty.entitlements(ledger, AUTUMN, MEAL), w) == {"戊": ("N", 11_000)}
