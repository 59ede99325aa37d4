"""应助尽助 by programme on a small ledger, every figure counted by hand.

School 某县一中 (初中, 某县), term 2026-2027-1; its calendar runs 2026-09-01 .. 2026-09-30 without holidays:
22 school days (Tuesday 1st to Wednesday 30th). Standards (某县): 寄宿生生活补助 初中 1250 元/年 (625 a term),
非寄宿 625 元/年 (312.50 a term), 营养膳食补助 初中 5 元/天 (22 × 5 = 110 a term).
Students, all 初中, recognised 2026-09-01:
- 甲 boarding: paid boarding 625 and nutrition 110: nothing to report.
- 乙 boarding: paid nutrition only: boarding due and unpaid (the 马国庆 case).
- 丙 day pupil: paid 625 by the boarding standard (due 312.50 by the day pupils' one): off standard; nutrition paid.
- 丁 boarding: paid boarding 625 on 2026-10-10, but left on 2026-09-20 (recorded later): paid, not eligible;
  not due nutrition at the end of the term.
- 戊 boarding: paid boarding twice (two sites, merged): paid twice; nutrition due and unpaid.
- 己 at 另县小学 (another county, another school): outside the school's figures.
Boarding: due 甲 乙 丙 戊 = 4, payments 5 (甲, 丙, 丁, 戊 ×2), unpaid 乙, not due 丁, twice 戊, off 丙.
Nutrition: due 甲 乙 丙 戊 = 4, payments 3, unpaid 戊. Findings 4 + 1 = 5.
"""
from __future__ import annotations

import datetime as dt

import pytest

from store.aid import duty
from store.core import canonical, ids
from store.ledger.gitstore import Person
from store.ledger.ledger import NEW, Change

TERM = "2026-2027-1"


def rec(rtype: str, **fields) -> dict:
    return {"id": ids.new_id(rtype), "type": rtype, "schema_version": 2, **fields}


def write_as_a_merge_would(ledger, *records: dict) -> None:
    """Records the rules would refuse on save but a merge of two sites' work can leave: straight into git."""
    g = ledger.git
    tree = g.write_tree(g.commit_tree(ledger.tip), {ids.path_of(r["id"], ids.LATEST): g.write("blob", canonical.dumps(r))
                                                    for r in records})
    assert g.swap_ref(g.make_commit(tree, [ledger.tip], Person("同步", "sync@example.cn"), "sync: merge"), ledger.tip, "t")
    ledger.refresh()


@pytest.fixture
def small(ledger):
    school = rec("school", name="某县第一中学", short_name="某县一中", stage="初中", county="某县", area="乡村")
    other = rec("school", name="另县小学", stage="小学", county="另县", area="乡村")
    cal = rec("calendar", term=TERM, first_day="2026-09-01", last_day="2026-09-30")
    board = rec("standard", programme="义务教育寄宿生生活补助", stage="初中", boarding=True, amount_fen=125_000,
                unit="年", region="某县", counties=["某县"], valid_from="2019-09-01")
    day = rec("standard", programme="义务教育寄宿生生活补助", stage="初中", boarding=False, amount_fen=62_500,
              unit="年", region="某县", counties=["某县"], valid_from="2019-09-01")
    meal = rec("standard", programme="营养改善计划", stage="初中", amount_fen=500, unit="天", region="国家试点县",
               counties=["某县"], valid_from="2021-09-01")
    recognised = [{"date": "2026-09-01", "event": "认定"}]

    def student(name, boarding, at=school):
        return rec("student", name=name, sex="男", school=at["id"], stage="初中" if at is school else "小学",
                   grade="八年级" if at is school else "三年级", boarding=boarding, events=recognised)

    s = {n: student(n, b) for n, b in (("甲", True), ("乙", True), ("丙", False), ("丁", True), ("戊", True))}
    s["己"] = student("己", True, other)

    def aid(who, standard, fen, day="2026-10-10", **extra):
        return rec("aid", student=s[who]["id"], programme=standard["programme"], term=TERM, amount_fen=fen,
                   standard=standard["id"], paid_on=day, source="中央", method="银行卡", **extra)

    paid = [aid("甲", board, 62_500), aid("丙", board, 62_500), aid("丁", board, 62_500), aid("戊", board, 62_500),
            aid("甲", meal, 11_000, days=22), aid("乙", meal, 11_000, days=22), aid("丙", meal, 11_000, days=22)]
    everything = [school, other, cal, board, day, meal, *s.values(), *paid]
    ledger.commit([Change(r["id"], r, NEW) for r in everything], action="import", message="test data")
    gone = {**s["丁"], "events": recognised + [{"date": "2026-09-20", "event": "退出", "reason": "转学"}]}
    again = aid("戊", board, 62_500, day="2026-11-02")
    write_as_a_merge_would(ledger, gone, again)
    return {"school": school["id"], "s": {k: v["id"] for k, v in s.items()}, "paid": [p["id"] for p in paid],
            "again": again["id"], "standards": (board["id"], day["id"], meal["id"])}


def test_duty_by_programme_counted_by_hand(ledger, small):
    d = duty.duty(ledger, TERM, schools=[small["school"]])
    s, paid = small["s"], small["paid"]
    board, meal = (p for p in d.programmes if p.programme in ("义务教育寄宿生生活补助", "营养改善计划"))
    assert [e.student for e in board.due] == sorted([s["甲"], s["乙"], s["丙"], s["戊"]])
    assert {e.student: e.amount_fen for e in board.due} == {s["甲"]: 62_500, s["乙"]: 62_500, s["丙"]: 31_250,
                                                           s["戊"]: 62_500}
    assert len(board.payments) == 5
    assert [(p.student, p.expected_fen) for p in board.unpaid] == [(s["乙"], 62_500)]
    assert [(p.student, p.payments) for p in board.not_due] == [(s["丁"], (paid[2],))]
    assert [(p.student, set(p.payments), p.paid_fen) for p in board.twice] == [(s["戊"], {paid[3], small["again"]},
                                                                                 125_000)]
    assert [(p.student, p.paid_fen, p.expected_fen) for p in board.off] == [(s["丙"], 62_500, 31_250)]
    assert [e.amount_fen for e in meal.due] == [11_000] * 4
    assert [p.student for p in meal.unpaid] == [s["戊"]]
    assert (meal.not_due, meal.twice, meal.off) == ((), (), ())
    assert d.started and d.findings == 5
    # The whole ledger adds 另县小学, where no standard applies (小学, 另县): 己 is due nothing.
    assert duty.duty(ledger, TERM).findings == 5


def test_a_term_without_payments_is_not_yet_paid_rather_than_a_list_of_anomalies(ledger, small):
    d = duty.duty(ledger, "2026-2027-2", schools=[small["school"]])
    assert not d.started and d.findings == 0
    board = next(p for p in d.programmes if p.programme == "义务教育寄宿生生活补助")
    # 4 students are due (丁 has left), none is listed as unpaid: the programme is "not yet paid".
    assert (len(board.due), board.unpaid, board.started) == (4, (), False)


def test_entitlements_for_a_batch(ledger, small):
    s = small["s"]
    found = duty.entitlements(ledger, TERM, "义务教育寄宿生生活补助", school=small["school"], on=dt.date(2026, 9, 1))
    # On the first day 丁 had not left yet: five students, 丙 at the day pupils' standard.
    assert {e.student: (e.standard, e.amount_fen) for e in found} == {
        s["甲"]: (small["standards"][0], 62_500), s["乙"]: (small["standards"][0], 62_500),
        s["丙"]: (small["standards"][1], 31_250), s["丁"]: (small["standards"][0], 62_500),
        s["戊"]: (small["standards"][0], 62_500)}


def test_the_statuses_and_duty_of_a_term_read_from_one_walk_over_the_students_page_by_page(ledger, small,
                                                                                          monkeypatch):
    """The dashboard's statuses and 应助尽助 come from one walk over the students, a page at a time:
    with pages of two students, the eight of this ledger are read in four pages and every figure is
    the same as counted by hand. Added to the small ledger: 庚, a boarder at 某县一中 recognised on
    2026-12-20; 辛, a day pupil recognised 2026-09-01 and lifted out of poverty 2026-10-01 (still 初中:
    脱贫保留), of the group 建档立卡.
    On 2026-12-05: 在册 甲 乙 丙 戊 己, 脱贫保留 辛, 已退出 丁, 未认定 庚. 建档立卡 (eligible): 辛.
    Boarding due 甲 乙 丙 戊 辛 (辛 at the day pupils' 312.50), unpaid 乙 辛, not due 丁, twice 戊, off 丙;
    nutrition due the same five, unpaid 戊 辛: findings 5 + 2 = 7.
    At the end of the term (2027-01-31) 庚 is recognised too: due both, paid neither: findings 9."""
    from store.figures import dashboard
    from store.ledger import index

    school = small["school"]
    later = rec("student", name="庚", sex="男", school=school, stage="初中", grade="八年级", boarding=True,
                events=[{"date": "2026-12-20", "event": "认定"}])
    lifted = rec("student", name="辛", sex="女", school=school, stage="初中", grade="八年级", boarding=False,
                 groups=["建档立卡"], events=[{"date": "2026-09-01", "event": "认定"},
                                              {"date": "2026-10-01", "event": "脱贫", "stage": "初中"}])
    ledger.commit([Change(r["id"], r, NEW) for r in (later, lifted)], action="import", message="test data")
    monkeypatch.setattr(index, "PAGE", 2)
    # The term's payments are read a page at a time too, each with the fields the figures read.
    paid = duty.term_payments(ledger, TERM)
    assert [a["id"] for a in paid] == [a["id"] for a in ledger.scan("aid", term=TERM)] and len(paid) > 2
    assert paid[0] == {k: v for k, v in ledger.get(paid[0]["id"]).items()
                       if k in ("id", "student", "programme", "paid_on", "amount_fen", "standard", "days")}
    s = {**small["s"], "庚": later["id"], "辛": lifted["id"]}
    aid = dashboard.aid_summary(ledger, TERM, today=dt.date(2026, 12, 5), schools={school})
    assert aid.by_status == {"在册": tuple(sorted(s[n] for n in "甲乙丙戊己")), "脱贫保留": (s["辛"],),
                             "已脱贫": (), "已退出": (s["丁"],), "未认定": (s["庚"],)}
    assert aid.by_group == {"建档立卡": (s["辛"],)}
    board, meal = (p for p in aid.duty.programmes if p.programme in ("义务教育寄宿生生活补助", "营养改善计划"))
    assert {e.student: e.amount_fen for e in board.due} == {s["甲"]: 62_500, s["乙"]: 62_500, s["丙"]: 31_250,
                                                           s["戊"]: 62_500, s["辛"]: 31_250}
    assert [p.student for p in board.unpaid] == sorted([s["乙"], s["辛"]])
    assert [(len(board.not_due), len(board.twice), len(board.off))] == [(1, 1, 1)]
    assert [p.student for p in meal.unpaid] == sorted([s["戊"], s["辛"]])
    assert aid.duty.findings == 7
    at_the_end = duty.duty(ledger, TERM, schools=[school])
    assert [p.student for p in next(p for p in at_the_end.programmes if p.programme == "营养改善计划").unpaid] == \
        sorted([s["戊"], s["辛"], s["庚"]])
    assert at_the_end.findings == 9


def test_the_demo_autumn_batch_pays_ma_guoqing_his_boarding_subsidy(demo):
    """马国庆 had nutrition aid and not the boarding subsidy he is due; the demo's autumn batch at
    海原县第四中学 (store/demo/build.py) lists, removes and adds him back, and pays him: nothing of
    the boarding subsidy is missing any more."""
    d = duty.duty(demo, TERM, today=dt.date(2026, 12, 5))
    names = {s["id"]: s["name"] for s in demo.scan("student")}
    board = next(p for p in d.programmes if p.programme == "义务教育寄宿生生活补助")
    assert board.unpaid == () and board.not_due == () and board.twice == ()
    [batch] = demo.find("batch", programme="义务教育寄宿生生活补助")
    paid = {names[a["student"]]: a["amount_fen"] for a in demo.find("aid", batch=batch["id"])}
    # Four boarders at 1500 元/年 (初中, from the 2024 spring term) -> 750 元, 李梦瑶 a day pupil at
    # half that -> 375 元.
    assert paid == {"马国庆": 75_000, "白雪": 75_000, "马振宇": 75_000, "苏婉婷": 75_000, "李梦瑶": 37_500}
    # The autumn term before the demo's first payments: nothing paid, nothing listed.
    before = duty.duty(demo, "2025-2026-1", today=dt.date(2026, 12, 5))
    assert not before.started and before.findings == 0


def test_the_demo_nutrition_batch_awaits_approval_and_once_paid_nothing_is_missing(demo):
    """The same school's nutrition for the term is a batch awaiting the head's approval: its five pupils
    are due and unpaid until it is paid; approved and paid as a coordinator does it, nothing is missing."""
    from store.aid import batches

    names = {s["id"]: s["name"] for s in demo.scan("student")}
    [waiting] = demo.find("batch", programme="营养改善计划")
    # 5 元 a school day × 98 days (2026-09-01..2027-01-22: 104 weekdays less 国庆 10-01..07's five and
    # 元旦's one) = 490.00 元 for each pupil of 海原县第四中学, none of them paid it yet.
    assert batches.status(waiting) == batches.DRAFT
    assert {names[e["student"]]: (e["amount_fen"], e["days"]) for e in waiting["entries"]} == {
        n: (49_000, 98) for n in ("白雪", "马振宇", "李梦瑶", "苏婉婷", "马国庆")}
    meal = next(p for p in duty.duty(demo, TERM, today=dt.date(2026, 12, 5)).programmes if p.programme == "营养改善计划")
    assert (len(meal.due), len(meal.payments)) == (17, 12)
    assert sorted(names[p.student] for p in meal.unpaid) == sorted(["白雪", "马振宇", "李梦瑶", "苏婉婷", "马国庆"])
    batches.approve(demo, waiting["id"], by="杨建国", on=dt.date(2026, 11, 4))
    batches.pay(demo, waiting["id"], on=dt.date(2026, 11, 6), method="餐费抵扣", reference="HY4-2026-2027-1-营养01",
                shares=[{"source": "中央", "percent": 100}])
    d = duty.duty(demo, TERM, today=dt.date(2026, 12, 5))
    assert all(p.unpaid == () and p.not_due == () and p.twice == () for p in d.programmes)
    # What is left is the demo's one payment off its standard (胡晓东, 600.00 against 750.00).
    assert d.findings == 1


def test_the_term_report_lists_the_demo_findings_and_says_when_nothing_is_paid(demo):
    from store.io import report

    r = report.build(demo, TERM, today=dt.date(2026, 12, 5))
    # The nutrition batch awaiting approval: its five pupils are due 490.00 and unpaid, besides 胡晓东's
    # boarding subsidy paid 600.00 against 750.00 (1500 元/年 from the 2024 spring term, halved).
    assert sorted((a.kind, a.student, a.programme, a.amount_fen, a.expected_fen) for a in r.aid.anomalies) == sorted(
        [("off_standard", "胡晓东", "义务教育寄宿生生活补助", 60_000, 75_000)]
        + [("unpaid", n, "营养改善计划", None, 49_000) for n in ("白雪", "马振宇", "李梦瑶", "苏婉婷", "马国庆")])
    empty = report.build(demo, "2025-2026-1", today=dt.date(2026, 12, 5))
    assert empty.aid.anomalies == [] and "本学期尚未发放" in report.markdown(empty)


@pytest.mark.parametrize("amount,shown", [("500.5", '"500.5"'), (62_500.7, "62500.7"), (62_500.0, "62500.0")])
def test_an_amount_that_is_not_whole_fen_stops_the_figures_with_its_record_named(ledger, small, amount, shown):
    """A payment edited by hand or merged from an old site: no crash (int("500.5")), no silent
    truncation (62500.7 counted as 62500), but a message naming the payment and the field."""
    from store.core.money import BadAmount

    bad = {**ledger.get(small["paid"][0]), "amount_fen": amount}
    write_as_a_merge_would(ledger, bad)
    with pytest.raises(BadAmount) as caught:
        duty.duty(ledger, TERM, schools=[small["school"]])
    assert bad["id"] in str(caught.value) and "amount_fen" in str(caught.value) and shown in str(caught.value)


def test_days_written_as_text_count_as_not_given_and_the_figures_stand(ledger, small):
    """int("22.5") crashed; the payment is held against the calendar's 22 days instead."""
    bad = {**ledger.get(small["paid"][4]), "days": "22.5"}
    write_as_a_merge_would(ledger, bad)
    d = duty.duty(ledger, TERM, schools=[small["school"]])
    meal = next(p for p in d.programmes if p.programme == "营养改善计划")
    assert (meal.off, d.findings) == ((), 5)


@pytest.fixture
def before_the_term(ledger):
    """某县一中 on 2026-12-05, its students all of school year 2026-2027, boarders, recognised for it
    (one notice 2026-09-14..18, approved 2026-09-21): 甲 八年级, 乙 九年级 (leaves school with the year),
    丁 八年级, whose move to another county on 2027-01-20 is on record already."""
    school = rec("school", name="某县第一中学", short_name="某县一中", stage="初中", county="某县", area="乡村")
    board = rec("standard", programme="义务教育寄宿生生活补助", stage="初中", boarding=True, amount_fen=125_000,
                unit="年", region="某县", counties=["某县"], valid_from="2019-09-01")
    meal = rec("standard", programme="营养改善计划", stage="初中", amount_fen=500, unit="天", region="国家试点县",
               counties=["某县"], valid_from="2021-09-01")

    def student(name, grade, **extra):
        return rec("student", name=name, sex="男", school=school["id"], stage="初中", grade=grade, boarding=True,
                   school_year="2026-2027", **extra)

    s = {"甲": student("甲", "八年级"), "乙": student("乙", "九年级"),
         "丁": student("丁", "八年级", events=[{"date": "2027-01-20", "event": "退出", "reason": "转学"}])}
    recognised = [rec("recognition", student=p["id"], school_year="2026-2027", school=school["id"],
                      application={"date": "2026-09-02", "applicant": "家长"},
                      review={"members": ["班主任", "家长代表"], "result": "通过", "date": "2026-09-08", "level": "困难"},
                      check={"date": "2026-09-10", "by": "资助专干"},
                      approval={"date": "2026-09-21", "by": "学校资助工作领导小组"}, outcome="认定") for p in s.values()]
    posted = rec("posting", school=school["id"], school_year="2026-2027", where="校务公开栏", start="2026-09-14",
                 end="2026-09-18", recognitions=[r["id"] for r in recognised])
    everything = [school, board, meal, *s.values(), *recognised, posted]
    ledger.commit([Change(r["id"], r, NEW) for r in everything], action="import", message="test data")
    return {"school": school["id"], "s": {k: v["id"] for k, v in s.items()}}


TODAY = dt.date(2026, 12, 5)


def _due(d) -> dict[str, list[str]]:
    return {p.programme: [e.student for e in p.due] for p in d.programmes}


def test_a_term_not_begun_counts_who_is_due_on_its_first_day(ledger, before_the_term):
    """2026-2027-2 begins 2027-02-01: 丁 has moved away by then, so he is not due, though he is on the
    roll today. Due: 甲 and 乙, each 625.00 of the boarding subsidy (1250 元/年 halved) and the meals."""
    s = before_the_term["s"]
    d = duty.duty(ledger, "2026-2027-2", today=TODAY)
    assert d.on == dt.date(2027, 2, 1) and d.knowable
    assert _due(d) == {"义务教育寄宿生生活补助": sorted([s["甲"], s["乙"]]), "营养改善计划": sorted([s["甲"], s["乙"]])}
    board = next(p for p in d.programmes if p.programme == "义务教育寄宿生生活补助")
    assert [e.amount_fen for e in board.due] == [62_500, 62_500]


def test_a_term_of_a_school_year_nobody_is_promoted_into_yet_cannot_be_counted(ledger, before_the_term):
    """2027-2028-1: no student stands in 2027-2028 yet (no promotion): nobody is due, 乙 (who leaves
    school with 2026-2027) least of all, and the figures say they cannot be worked out yet."""
    from store.io import report

    d = duty.duty(ledger, "2027-2028-1", today=TODAY)
    assert d.on == dt.date(2027, 9, 1) and not d.knowable
    assert all(p.due == () for p in d.programmes)
    text = report.markdown(report.build(ledger, "2027-2028-1", today=TODAY))
    assert "尚无学生升入 2027-2028 学年（尚未执行升级）：应发人数尚无法计算" in text
    assert "应发" not in text.split("学生资助")[1].replace("应发人数尚无法计算", "")
    # The dashboard's 应助尽助 says the same.
    from tui.screens.home import duty_figures

    assert [f.prompt.plain.strip() for f in duty_figures(d)][:3] == [
        "应助尽助", "尚无学生升入 2027-2028 学年（尚未升级）：应发无法计算", "本学期尚未发放"]


def test_after_the_promotion_the_next_school_year_counts_its_own_pupils(ledger, before_the_term):
    """Promoted into 2027-2028 (乙 leaves on 2027-09-01 as a graduate): on 2027-09-01 the 2026-2027
    recognitions have lapsed, so nobody is due the boarding subsidy (it needs this year's 认定), and only
    甲 (九年级 now) is due the meals; 丁 has gone, 乙 has graduated. The report counts the same."""
    from store.aid import promotion
    from store.io import report

    s = before_the_term["s"]
    promotion.apply(ledger, before_the_term["school"], "2027-2028")
    d = duty.duty(ledger, "2027-2028-1", today=TODAY)
    assert d.knowable
    assert _due(d) == {"义务教育寄宿生生活补助": [], "营养改善计划": [s["甲"]]}
    text = report.markdown(report.build(ledger, "2027-2028-1", today=TODAY))
    assert "本学期尚未发放；按学期开始之日 2027-09-01 计，应发：营养改善计划 1 人" in text


class _WalkedBackwards:
    """The ledger, its students walked from the last id to the first (a source that does not walk in
    the order of the ids)."""

    def __init__(self, ledger):
        self._ledger = ledger

    def __getattr__(self, name):
        return getattr(self._ledger, name)

    def walk(self, record_type, **filters):
        records = list(self._ledger.walk(record_type, **filters))
        yield from records[::-1] if record_type == "student" else records


def test_the_roll_keeps_its_pupils_in_the_order_of_their_ids_however_they_are_walked(ledger, small):
    """The same hand counts as above, the students walked backwards, with one more pupil 壬 whose stage a
    merge left as a list: no standard is for that stage, so 壬 is due nothing, and stands 在册 (recognised
    on 2026-09-01, still there) with 甲 乙 丙 戊 己."""
    from store.figures import dashboard

    odd = rec("student", name="壬", sex="女", school=small["school"], stage=["初中"], grade="八年级", boarding=True,
              events=[{"date": "2026-09-01", "event": "认定"}])
    write_as_a_merge_would(ledger, odd)
    s, paid = {**small["s"], "壬": odd["id"]}, small["paid"]
    d = duty.duty(_WalkedBackwards(ledger), TERM, schools=[small["school"]])
    board, meal = (p for p in d.programmes if p.programme in ("义务教育寄宿生生活补助", "营养改善计划"))
    assert [e.student for e in board.due] == sorted([s["甲"], s["乙"], s["丙"], s["戊"]])
    assert [e.amount_fen for e in board.due] == [{s["丙"]: 31_250}.get(e.student, 62_500) for e in board.due]
    assert [(p.student, p.expected_fen) for p in board.unpaid] == [(s["乙"], 62_500)]
    assert [(p.student, p.payments) for p in board.not_due] == [(s["丁"], (paid[2],))]
    assert [e.student for e in meal.due] == sorted([s["甲"], s["乙"], s["丙"], s["戊"]])
    assert [p.student for p in meal.unpaid] == [s["戊"]]
    assert d.findings == 5 and d.knowable
    aid = dashboard.aid_summary(_WalkedBackwards(ledger), TERM, today=dt.date(2026, 12, 5))
    assert aid.by_status["在册"] == tuple(sorted(s[n] for n in "甲乙丙戊己壬"))
    assert aid.by_status["已退出"] == (s["丁"],)
