"""Payment batches (发放批次) against a list worked out by hand: who is due, at which amount, how the
funding shares split each payment, and what the disbursement commits. Then the refusals the issue
names, each with the words a coordinator reads."""
from __future__ import annotations

import datetime as dt

import pytest

from store import InvalidRecord
from store.aid import batches
from store.aid.batches import BatchRefused
from store.core import ids
from store.core.errors import RecordNotFound
from store.ledger import adjustments
from store.ledger.ledger import NEW, Change
from tests.conftest import git

TERM, YEAR = "2026-2027-1", "2026-2027"
BOARD, MEAL = "义务教育寄宿生生活补助", "营养改善计划"
DAY = dt.date(2026, 9, 21)


def rec(rtype: str, **fields) -> dict:
    return {"id": ids.new_id(rtype), "type": rtype, "schema_version": 2, **fields}


def recognised(student: dict, year: str = YEAR, **extra) -> dict:
    """A recognition through every step: applied, reviewed, checked, on the notice below, approved."""
    start = int(year[:4])
    return rec("recognition", student=student["id"], school_year=year, school=student["school"],
               application={"date": f"{start}-09-02", "applicant": "家长", "pledge_signed": True},
               review={"date": f"{start}-09-08", "members": ["班主任", "家长代表"], "result": "通过", "level": "困难"},
               check={"date": f"{start}-09-10", "by": "资助专干"}, **extra)


@pytest.fixture
def county(ledger):
    return build_county(ledger)


def build_county(ledger) -> dict:
    """某县: a junior middle school with five pupils and a primary school with one.

    王小红, 李小兰: boarders recognised for 2026-2027  -> boarding subsidy and meals
    张小梅: day pupil recognised for 2026-2027          -> meals only (the subsidy is for boarders)
    赵小军: boarder recognised for 2025-2026 only       -> meals only (recognition lapsed with its year)
    钱小东: boarder recognised, left (转学) 2026-09-19   -> nothing
    孙小北: at the primary school                        -> not in the middle school's batches
    """
    mid = rec("school", name="某县第一中学", short_name="某县一中", stage="初中", county="某县", area="乡村")
    pri = rec("school", name="某县中心小学", short_name="某县中小", stage="小学", county="某县", area="乡村")
    # 教育部 财政部《城乡义务教育补助经费管理办法》(财教〔2019〕121号): 初中寄宿生 1250 元/年;
    # 营养膳食补助 5 元/天 from the 2021 autumn term (财教〔2021〕174号).
    board = rec("standard", programme=BOARD, stage="初中", boarding=True, amount_fen=125_000, unit="年",
                region="某县", valid_from="2019-09-01")
    meal = rec("standard", programme=MEAL, stage="初中", amount_fen=500, unit="天", region="某县",
               valid_from="2021-09-01")
    board_pri = rec("standard", programme=BOARD, stage="小学", boarding=True, amount_fen=100_000, unit="年",
                    region="某县", valid_from="2019-09-01")
    # School days, counted on a wall calendar: September 1 (Tue) to January 15, Monday to Friday,
    # less 国庆 October 1-7 (five of them weekdays) and 元旦 January 1 (Fri), plus Saturday October 10
    # worked: September 22, October 22 - 5 + 1 = 18, November 21, December 23, January 11 - 1 = 10;
    # 22 + 18 + 21 + 23 + 10 = 94 days.
    calendar = rec("calendar", term=TERM, first_day="2026-09-01", last_day="2027-01-15",
                   holidays=[{"start": "2026-10-01", "end": "2026-10-07", "name": "国庆节"},
                             {"start": "2027-01-01", "name": "元旦"}], workdays=["2026-10-10"])

    def pupil(name, school=mid, stage="初中", grade="八年级", boarding=True, **extra):
        return rec("student", name=name, sex="女", school=school["id"], stage=stage, grade=grade, class_name="2班",
                   boarding=boarding, school_year=YEAR, **extra)

    a = pupil("王小红", identity={"id_number": "11010519491231002X", "bank_card": "6222020200112233446"})
    b, c, d = pupil("李小兰"), pupil("张小梅", boarding=False), pupil("赵小军")
    e = pupil("钱小东", events=[{"date": "2025-09-18", "event": "认定"},
                              {"date": "2026-09-19", "event": "退出", "reason": "转学"}])
    f = pupil("孙小北", school=pri, stage="小学", grade="五年级")
    recs = [recognised(s) for s in (a, b, c, e)] + [recognised(d, "2025-2026")]
    recs.append(recognised(f))
    notices = []
    for year, start, end in ((YEAR, "2026-09-11", "2026-09-17"), ("2025-2026", "2025-09-11", "2025-09-17")):
        for school in (mid, pri):
            listed = [r["id"] for r in recs if r["school_year"] == year and r["school"] == school["id"]]
            if listed:
                notices.append(rec("posting", school=school["id"], school_year=year, where="校务公开栏",
                                   start=start, end=end, recognitions=listed))
    for r in recs:
        r.update(approval={"date": f"{r['school_year'][:4]}-09-18", "by": "校长"}, outcome="认定")
    records = [mid, pri, board, meal, board_pri, calendar, a, b, c, d, e, f, *recs, *notices]
    ledger.commit([Change(r["id"], r, NEW) for r in records], action="import", message="test data")
    return {"mid": mid["id"], "pri": pri["id"], "board": board["id"], "meal": meal["id"], "calendar": calendar["id"],
            **{k: s["id"] for k, s in dict(a=a, b=b, c=c, d=d, e=e, f=f).items()}}


def listed(batch: dict) -> list[tuple[str, int, int | None]]:
    return sorted((e["student"], e["amount_fen"], e.get("days")) for e in batch["entries"])


def test_the_entitlements_are_the_hand_worked_list(ledger, county):
    c = county
    board = batches.make(ledger, TERM, BOARD, on=DAY, school=c["mid"]).batch
    # 1250 元/年 -> 625 元 a term, to the two recognised boarders only.
    assert listed(board) == sorted([(c["a"], 62_500, None), (c["b"], 62_500, None)])
    assert batches.total_fen(board) == 125_000 and board["school"] == c["mid"] and board["date"] == "2026-09-21"
    meal = batches.make(ledger, TERM, MEAL, on=DAY, school=c["mid"]).batch
    # 5 元 × 94 school days = 470 元, to every pupil on the ledger who has not left.
    assert listed(meal) == sorted([(c[k], 47_000, 94) for k in "abcd"])
    everywhere = batches.make(ledger, TERM, BOARD, on=DAY).batch
    # All schools: the primary boarder's 1000 元/年 -> 500 元 joins the list.
    assert listed(everywhere) == sorted([(c["a"], 62_500, None), (c["b"], 62_500, None), (c["f"], 50_000, None)])
    assert "school" not in everywhere


def test_review_approve_pay_one_commit_each(ledger, county):
    c = county
    batch = batches.make(ledger, TERM, BOARD, on=DAY, school=c["mid"]).batch
    batches.remove(ledger, batch["id"], c["b"], reason="已在外县领取", by="资助专干", on=DAY)
    # 赵小军 is recognised for the new year after the batch date: added by hand.
    late = recognised(ledger.get(c["d"]))
    late["approval"], late["outcome"] = {"date": "2026-09-28", "by": "校长"}, "认定"
    notice = rec("posting", school=c["mid"], school_year=YEAR, where="校务公开栏", start="2026-09-21",
                 end="2026-09-25", recognitions=[late["id"]])
    ledger.commit([Change(late["id"], late, NEW), Change(notice["id"], notice, NEW)], message="late recognition")
    batches.add(ledger, batch["id"], c["d"], reason="9月28日认定通过，补入名单", by="资助专干", on=dt.date(2026, 9, 28))
    batches.approve(ledger, batch["id"], by="校长 周明", on=dt.date(2026, 9, 29))
    doc, made = batches.pay(ledger, batch["id"], on=dt.date(2026, 10, 9), method="银行卡",
                            shares=[{"source": "中央", "percent": 80}, {"source": "县", "percent": 20}],
                            reference="YH-2026-0931")
    # 赵小军 added by hand: his standard gives 625 元 a term too.
    assert sorted((a["student"], a["amount_fen"]) for a in made) == sorted([(c["a"], 62_500), (c["d"], 62_500)])
    # 625 元 at 8:2 -> 中央 500 元, 县 125 元.
    assert {tuple(tuple(s.values()) for s in a["shares"]) for a in made} == {(("中央", 50_000), ("县", 12_500))}
    assert {(a["source"], a["voucher"], a["batch"], a["paid_on"], a["standard"]) for a in made} == {
        ("中央", "YH-2026-0931", batch["id"], "2026-10-09", c["board"])}
    assert [(s["action"], s["student"], s["reason"]) for s in doc["review"]] == [
        ("移除", c["b"], "已在外县领取"), ("增加", c["d"], "9月28日认定通过，补入名单")]
    # Each step is a commit of its own; the payments came in the last one, with the batch.
    log = git(ledger.path, "log", "--format=%H %s", "-6").splitlines()
    assert [line.split(" ", 1)[1].split(":")[0] for line in log] == [
        "batch", "batch", "batch", "late recognition", "batch", "batch"]
    last = log[0].split()[0]
    changed = git(ledger.path, "diff-tree", "--no-commit-id", "--name-only", "-r", last).split()
    assert sorted(p.split("/")[1] for p in changed) == ["aid", "aid", "batch"]
    # Every step's commit names the batch: made, removed, added, approved, paid.
    steps = [line.split()[0] for line in log if line.split(" ", 1)[1].startswith("batch")]
    assert [f"Batch: {batch['id']}" in git(ledger.path, "show", "-s", "--format=%B", h) for h in steps] == [True] * 5


@pytest.mark.parametrize("amount,shares,parts", [
    (62_500, [("省", 60), ("县", 40)], [("省", 37_500), ("县", 25_000)]),
    # 47001 fen at 6:4 is 28200.6 and 18800.4: the fen left over goes to the larger share.
    (47_001, [("省", 60), ("县", 40)], [("省", 28_201), ("县", 18_800)]),
    (100, [("中央", 33), ("省", 33), ("县", 34)], [("中央", 33), ("省", 33), ("县", 34)]),
    (101, [("中央", 50), ("县", 50)], [("中央", 51), ("县", 50)]),
])
def test_funding_shares_split_each_payment(amount, shares, parts):
    split = batches.split(amount, [{"source": s, "percent": p} for s, p in shares])
    assert [(s["source"], s["fen"]) for s in split] == parts and sum(s["fen"] for s in split) == amount


# --- refusals ------------------------------------------------------------------------------------

@pytest.fixture
def approved(ledger, county):
    batch = batches.make(ledger, TERM, BOARD, on=DAY, school=county["mid"]).batch
    batches.approve(ledger, batch["id"], by="校长 周明", on=dt.date(2026, 9, 25))
    return batch["id"]


def test_a_batch_is_approved_once(ledger, approved):
    before = ledger.git.tip()
    with pytest.raises(BatchRefused) as caught:
        batches.approve(ledger, approved, by="副校长", on=dt.date(2026, 9, 26))
    assert str(caught.value) == f"发放批次 {approved} 已由 校长 周明 于 2026-09-25 审批，不能再审批或修改名单"
    # Nor behind the tool's back: the record itself refuses a second approval.
    doc = ledger.get(approved)
    with pytest.raises(InvalidRecord) as caught:
        ledger.put({**doc, "approval": {"by": "副校长", "date": "2026-09-26"}}, base=ledger.version(approved))
    assert [f.rule for f in caught.value.findings] == ["rule.batch_locked"]
    assert ledger.git.tip() == before


def test_the_list_does_not_change_after_approval(ledger, county, approved):
    with pytest.raises(BatchRefused, match="不能再审批或修改名单"):
        batches.remove(ledger, approved, county["a"], reason="错了", by="x", on=DAY)


def test_a_payment_of_an_approved_batch_changes_only_with_an_adjustment(ledger, county, approved):
    _doc, made = batches.pay(ledger, approved, on=dt.date(2026, 10, 9), method="银行卡",
                             shares=[{"source": "中央", "percent": 100}], reference="YH-1")
    aid = made[0]
    with pytest.raises(InvalidRecord) as caught:
        ledger.put({**aid, "amount_fen": 60_000}, base=ledger.version(aid["id"]))
    [finding] = caught.value.findings
    assert finding.rule == "rule.batch_payment_locked" and finding.record == aid["id"]
    assert f"这笔发放属于发放批次 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×2 1,250.00元（校长 周明 于 2026-09-25 审批），不能再改或删除" in finding.text()
    with pytest.raises(InvalidRecord):
        ledger.delete(aid["id"], reason="多发")
    # With the adjustment record naming it, in the same commit: through, and the reason is kept.
    adjustments.adjust(ledger, [Change(aid["id"], {**aid, "amount_fen": 60_000}, ledger.version(aid["id"]))],
                       reason="银行退回 25 元手续费差额", approver="县资助中心 王主任", date="2026-10-20")
    assert ledger.get(aid["id"])["amount_fen"] == 60_000
    [adjustment] = ledger.scan("adjustment")
    assert (adjustment["records"], adjustment["reason"]) == ([aid["id"]], "银行退回 25 元手续费差额")


def test_a_payment_naming_a_batch_comes_only_with_its_disbursement(ledger, county, approved):
    stray = rec("aid", student=county["a"], programme=BOARD, term=TERM, amount_fen=62_500, paid_on="2026-10-09",
                source="中央", method="银行卡", standard=county["board"], batch=approved)
    with pytest.raises(InvalidRecord) as caught:
        ledger.put(stray)
    assert [f.rule for f in caught.value.findings] == ["rule.batch_payment_outside"]


def test_a_batch_needs_its_term_calendar(ledger, county):
    with pytest.raises(BatchRefused) as caught:
        batches.make(ledger, "2026-2027-2", BOARD, on=dt.date(2027, 3, 1), school=county["mid"])
    assert str(caught.value) == ("2026-2027-2 学期没有适用于 某县 的校历记录：先录入该学期校历（开学、结束日期，节假日），"
                                 "才能生成发放批次")
    assert ledger.scan("batch") == []


def test_a_schools_batch_needs_the_calendar_of_its_own_county_only(ledger, county):
    # The term's calendar is 某县's own; 邻县's middle school, on the same ledger, has none.
    calendar = {**ledger.get(county["calendar"]), "counties": ["某县"]}
    other = rec("school", name="邻县第二中学", short_name="邻县二中", stage="初中", county="邻县", area="乡村")
    ledger.commit([Change(calendar["id"], calendar, ledger.version(calendar["id"])), Change(other["id"], other, NEW)],
                  message="某县's calendar; 邻县's school")
    made = batches.make(ledger, TERM, BOARD, on=DAY, school=county["mid"]).batch
    assert listed(made) == sorted([(county["a"], 62_500, None), (county["b"], 62_500, None)])
    with pytest.raises(BatchRefused) as caught:
        batches.make(ledger, TERM, BOARD, on=DAY)
    assert str(caught.value) == ("2026-2027-1 学期没有适用于 邻县 的校历记录：先录入该学期校历（开学、结束日期，节假日），"
                                 "才能生成发放批次")
    assert [b["id"] for b in ledger.scan("batch")] == [made["id"]]


def test_funding_shares_must_add_up_to_100(ledger, county, approved):
    before = ledger.git.tip()
    with pytest.raises(BatchRefused) as caught:
        batches.pay(ledger, approved, on=dt.date(2026, 10, 9), method="银行卡", reference="YH-1",
                    shares=[{"source": "省", "percent": 60}, {"source": "县", "percent": 30}])
    assert str(caught.value) == "资金分担合计 90%（省 60%、县 30%），应为 100%"
    assert ledger.git.tip() == before and ledger.scan("aid") == []
    # A payment's own shares that do not add up to it are refused by the rules as before.
    aid = {**rec("aid", student=county["a"], programme=BOARD, term=TERM, amount_fen=62_500, paid_on="2026-10-09",
                 source="中央", method="银行卡", standard=county["board"]),
           "shares": [{"source": "中央", "fen": 50_000}, {"source": "县", "fen": 10_000}]}
    assert "rule.aid_shares_sum" in [f.rule for f in ledger.check(aid)]


def test_an_open_objection_holds_the_approval(ledger, county):
    """Recognition refuses an approval over an open objection (test_aid_recognition); a student
    added to a batch by hand whose recognition still has one holds the batch's approval too."""
    c = county
    student = ledger.get(c["d"])
    year = recognised(student, objections=[{"date": "2026-09-15", "raised_by": "同班家长", "content": "家庭条件较好"}])
    ledger.put(year)
    batch = batches.make(ledger, TERM, BOARD, on=DAY, school=c["mid"]).batch
    assert c["d"] not in {e["student"] for e in batch["entries"]}     # not approved: not due
    batches.add(ledger, batch["id"], c["d"], reason="家长申请", by="资助专干", on=DAY)
    with pytest.raises(BatchRefused) as caught:
        batches.approve(ledger, batch["id"], by="校长", on=dt.date(2026, 9, 25))
    assert str(caught.value) == ("赵小军 的认定有 同班家长（2026-09-15）提出的异议尚未处理（共 1 条未处理）："
                                 "处理并记录后再审批")
    assert "approval" not in ledger.get(batch["id"])
    with pytest.raises(BatchRefused) as caught:
        batches.add(ledger, batch["id"], c["d"], reason="家长申请", by="资助专干", on=DAY)
    assert str(caught.value) == f"赵小军 已在发放批次 {batch['id']} 的名单上"
    # Settled (its day and how): the approval goes through.
    settled = ledger.get(year["id"])
    settled["objections"][0].update(settled_on="2026-09-20", settlement="经家访核实，维持评议结果")
    ledger.put(settled, base=ledger.version(year["id"]))
    batches.approve(ledger, batch["id"], by="校长", on=dt.date(2026, 9, 25))
    assert ledger.get(batch["id"])["approval"] == {"by": "校长", "date": "2026-09-25"}


def test_paying_twice_or_before_approval_is_refused(ledger, county, approved):
    draft = batches.make(ledger, TERM, MEAL, on=DAY, school=county["mid"]).batch
    pay = dict(on=dt.date(2026, 10, 9), method="银行卡", shares=[{"source": "中央", "percent": 100}], reference="YH-2")
    with pytest.raises(BatchRefused, match="尚未审批，不能发放"):
        batches.pay(ledger, draft["id"], **pay)
    with pytest.raises(BatchRefused) as caught:
        batches.pay(ledger, approved, **{**pay, "reference": "  "})
    assert str(caught.value) == "发放须写明凭证号或银行文件"
    batches.pay(ledger, approved, **pay)
    with pytest.raises(BatchRefused, match="不能重复发放"):
        batches.pay(ledger, approved, **pay)


def test_the_collector_is_as_it_was_after_a_batch_is_made_or_paid_or_refused(ledger, county, approved):
    """Making and paying a batch hold Python's collector off (store/core/collector.py): on again
    after each, a disbursement refused halfway included; left off where the caller held it (the
    dashboard, while it starts)."""
    import gc

    pay = dict(on=dt.date(2026, 10, 9), method="银行卡", shares=[{"source": "中央", "percent": 100}])
    assert gc.isenabled()
    with pytest.raises(InvalidRecord):
        batches.pay(ledger, approved, **pay, reference="YH-9 卡6222020200112233446")
    assert gc.isenabled()
    batches.pay(ledger, approved, **pay, reference="YH-9")
    assert gc.isenabled()
    gc.disable()
    try:
        batches.make(ledger, TERM, MEAL, on=DAY, school=county["mid"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_hub_refuses_an_edit_of_a_paid_batch_pushed_with_plain_git(tmp_path):
    import json
    import subprocess

    from store.core import canonical
    from store.privacy.acts import init_keys
    from store.sync import remote as sync
    from test_sync_local import make_hub, make_site

    hub = make_hub(tmp_path / "hub")
    site = make_site(str(hub), tmp_path / "site", "某县一中")
    init_keys(site)
    c = build_county(site)
    batch = batches.make(site, TERM, BOARD, on=DAY, school=c["mid"]).batch
    batches.approve(site, batch["id"], by="校长 周明", on=dt.date(2026, 9, 25))
    _doc, [aid, _other] = batches.pay(site, batch["id"], on=dt.date(2026, 10, 9), method="银行卡",
                                      shares=[{"source": "中央", "percent": 100}], reference="YH-1")
    sync.sync(site)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(hub), str(work)], check=True)
    path = work / ids.path_of(aid["id"], ids.LATEST)
    path.write_bytes(canonical.dumps({**json.loads(path.read_text(encoding="utf-8")), "amount_fen": 70_000}))
    subprocess.run(["git", "commit", "-qam", "手工修改"], cwd=work, check=True)
    pushed = subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert pushed.returncode != 0 and "这笔发放属于发放批次 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×2 1,250.00元" in pushed.stderr
    site.close()


# --- a disbursement of many: the rules read the ledger once for the whole save ----------------

def test_a_bad_entry_among_many_is_refused_by_record_field_and_rule(ledger, county):
    """Sixty pupils more on the meal list: the save's rules ask the ledger once for all of them
    (store/rules/prefetch.py), each field's values are tested once (store/rules/compiled.py), the
    files are looked through for identifiers once (store/ledger/ledger.py), and the disbursement
    still finds the one paid already, the one who has left and the one added at a hundredth of
    the standard, with the words a payment checked alone gets."""
    c = county
    pupils = [rec("student", name=f"学生{n:02d}", sex="男", school=c["mid"], stage="初中", grade="七年级",
                  class_name="1班", boarding=False, school_year=YEAR, events=[{"date": "2026-09-01", "event": "认定"}])
              for n in range(60)]
    ledger.commit([Change(p["id"], p, NEW) for p in pupils], action="import", message="sixty pupils")
    batch = batches.make(ledger, TERM, MEAL, on=DAY, school=c["mid"]).batch
    assert len(batch["entries"]) == 64
    typo = pupils[23]["id"]
    batches.remove(ledger, batch["id"], typo, reason="金额待核", by="资助专干", on=DAY)
    batches.add(ledger, batch["id"], typo, reason="核后补入", by="资助专干", on=DAY, amount_fen=470)
    batches.approve(ledger, batch["id"], by="校长 周明", on=dt.date(2026, 9, 25))
    before = ledger.git.tip()
    # The bank file's reference typed with a card number in it: every payment and the batch refuse it.
    with pytest.raises(InvalidRecord) as caught:
        batches.pay(ledger, batch["id"], on=dt.date(2026, 10, 9), method="银行卡",
                    shares=[{"source": "中央", "percent": 100}], reference="YH-9 卡6222020200112233446")
    assert ledger.git.tip() == before
    found = [f for f in caught.value.findings if f.rule == "privacy.clear_in_field"]
    assert sorted(f.path for f in found) == [("payment", "reference")] + [("voucher",)] * 64
    assert "6222020200112233446" not in "".join(f.text() for f in found)
    paid, left = pupils[7], pupils[41]
    ledger.put(rec("aid", student=paid["id"], programme=MEAL, term=TERM, amount_fen=47_000, days=94,
                   paid_on="2026-09-30", source="中央", method="现金", voucher="XJ-7", standard=c["meal"]))
    ledger.put({**ledger.get(left["id"]), "events": [{"date": "2026-09-01", "event": "认定"},
                                                     {"date": "2026-10-08", "event": "退出", "reason": "转学"}]},
               base=ledger.version(left["id"]))
    before = ledger.git.tip()
    with pytest.raises(InvalidRecord) as caught:
        batches.pay(ledger, batch["id"], on=dt.date(2026, 10, 9), method="银行卡",
                    shares=[{"source": "中央", "percent": 100}], reference="YH-9")
    assert ledger.git.tip() == before
    found = sorted(caught.value.findings, key=lambda f: f.rule)
    assert [(f.record.split("-")[0], f.path, f.rule) for f in found] == [
        ("aid", ("amount_fen",), "rule.aid_amount_hundredfold"), ("aid", ("term",), "rule.aid_duplicate"),
        ("aid", ("paid_on",), "rule.aid_not_eligible")]
    assert found[0].text() == (f"错误 {found[0].record} 的字段「金额」: 金额 4.70 元与标准差了一百倍："
                               "是不是 470.00 元？（amount_fen 以分计，470.00 元写作 47000）")
    found = found[1:]
    assert found[1].text() == f"错误 {found[1].record} 的字段「发放日期」: 学生41 在发放日期 2026-10-09 不符合受助条件（状态：已退出）"
    assert found[0].text() == (f"错误 {found[0].record} 的字段「学期」: 学生07 在 2026-2027-1 学期已有一笔「营养改善计划」发放"
                               "（2026-09-30 · 470.00 · XJ-7）；每个学生每个项目每学期只能发放一次")


def test_a_batch_naming_students_the_ledger_lacks_is_refused_entry_by_entry(ledger, county):
    """A batch of sixty-odd entries is checked for the students it names by what each record is,
    not by reading each one (store/rules/prefetch.py `kind`): a student never saved, and one
    deleted before the batch, are refused by entry, field and rule, and nothing is committed; a
    student saved in the same commit as the batch is there."""
    c = county
    pupils = [rec("student", name=f"学生{n:02d}", sex="男", school=c["mid"], stage="初中", grade="七年级",
                  boarding=False, school_year=YEAR) for n in range(60)]
    ledger.commit([Change(p["id"], p, NEW) for p in pupils], action="import", message="sixty pupils")
    gone = pupils[-1]["id"]
    ledger.delete(gone, reason="重复录入")
    newcomer = rec("student", name="新生", sex="女", school=c["mid"], stage="初中", grade="七年级",
                   boarding=False, school_year=YEAR)
    never = ids.new_id("student")
    entries = [{"student": s, "standard": c["meal"], "amount_fen": 47_000, "days": 94}
               for s in [p["id"] for p in pupils[:-1]] + [never, newcomer["id"], gone]]
    batch = rec("batch", term=TERM, programme=MEAL, date=DAY.isoformat(), school=c["mid"], entries=entries)
    before = ledger.git.tip()
    with pytest.raises(InvalidRecord) as caught:
        ledger.commit([Change(newcomer["id"], newcomer, NEW), Change(batch["id"], batch, NEW)], action="make")
    assert ledger.git.tip() == before
    assert sorted((f.record, f.path, f.rule) for f in caught.value.findings) == [
        (batch["id"], ("entries", 59, "student"), "rule.ref_missing"),
        (batch["id"], ("entries", 61, "student"), "rule.ref_missing")]
    assert never in caught.value.findings[0].text() + caught.value.findings[1].text()
    entries[59:] = entries[60:61]
    ledger.commit([Change(newcomer["id"], newcomer, NEW), Change(batch["id"], batch, NEW)], action="make")
    assert ledger.get(batch["id"])["entries"][-1]["student"] == newcomer["id"]


def test_the_save_wide_reading_finds_what_one_at_a_time_finds(ledger, county):
    """Every rule of every payment, against the ledger read once for the save and read as each
    rule asks: the same findings, word for word (bad payments among them)."""
    from store.rules import checks
    c = county
    pupils = [rec("student", name=f"学生{n:02d}", sex="男", school=c["mid"], stage="初中", grade="七年级",
                  boarding=n % 2 == 0, school_year=YEAR) for n in range(60)]
    ledger.commit([Change(p["id"], p, NEW) for p in pupils], action="import", message="sixty pupils")
    board = ledger.get(c["board"])
    made = [rec("aid", student=p["id"], programme=BOARD, term=TERM, amount_fen=62_500, paid_on="2026-10-09",
                source="中央", method="银行卡", voucher="YH-1", standard=board["id"]) for p in pupils]
    made += [rec("aid", student=c["a"], programme=BOARD, term=TERM, amount_fen=62_500, paid_on="2026-10-09",
                 source="中央", method="银行卡", voucher="YH-1", standard=board["id"]) for _ in range(2)]
    made.append(rec("aid", student=c["e"], programme=MEAL, term=TERM, amount_fen=50_000, paid_on="2026-10-09",
                    source="中央", method="银行卡", voucher="YH-1", standard=c["meal"], days=94))
    records = {a["id"]: a for a in made}
    with ledger.index.trial(records):
        once = checks.source_for(made, ledger.index)
        together = [f.text() for a in made for f in checks.check(a, once)]
        alone = [f.text() for a in made for f in checks.check(a, ledger.index)]
    assert together == alone
    # (unrecognised pupils, the day pupils' standard, 王小红 twice, 钱小东 gone and paid off standard)
    assert len(alone) >= 60 + 2 + 2


def test_the_batch_notice_shows_the_level_and_class_of_the_terms_school_year(ledger, county):
    """The notice (公示) of a batch reads each pupil's level from the recognition approved for the
    term's school year and the grade of that year, not what the student record holds today: found
    walking the demo, where a pupil recognised 困难 for the year was shown 特别困难 (her old level)."""
    from store.privacy import notice as notices
    c = county
    # 王小红 carries an older level on her record, and has been promoted since (九年级 from 2027-2028).
    a = ledger.get(c["a"])
    ledger.put({**a, "difficulty": "特别困难", "grade": "九年级", "school_year": "2027-2028",
                "years": [{"school_year": YEAR, "school": c["mid"], "stage": "初中", "grade": "八年级",
                           "class_name": "2班", "boarding": True}]}, base=ledger.version(a["id"]))
    batch = batches.make(ledger, TERM, BOARD, on=DAY, school=c["mid"]).batch
    rows = notices.build_batch_notice(ledger, batch, start="2026-10-08").rows
    # Both recognised 困难 for 2026-2027 (recognised() above), both in 八年级 2班 that year.
    assert sorted((r.name, r.grade, r.class_name, r.level) for r in rows) == [
        ("李**", "八年级", "2班", "困难"), ("王**", "八年级", "2班", "困难")]


def test_refusals_and_records_of_the_review_and_payment_in_the_coordinators_words(ledger, county):
    c = county
    # a student paid this programme for another term (spring, paid ahead) is still due this term
    other = rec("aid", student=c["a"], programme=BOARD, term="2026-2027-2", amount_fen=62_500, paid_on="2027-03-20",
                standard=c["board"], source="中央", method="银行卡")
    # ... and one paid this term already (outside any batch) is not listed again
    this = {**other, "id": ids.new_id("aid"), "student": c["b"], "term": TERM, "paid_on": "2026-09-20"}
    ledger.commit([Change(other["id"], other, NEW), Change(this["id"], this, NEW)], message="two payments")
    batch = batches.make(ledger, TERM, BOARD, on=DAY, school=c["mid"]).batch
    assert listed(batch) == [(c["a"], 62_500, None)]
    with pytest.raises(BatchRefused) as caught:
        batches.add(ledger, batch["id"], "student-01M00000000000000000000000", reason="补入", by="资助专干", on=DAY)
    assert str(caught.value) == "学生 student-01M00000000000000000000000 不存在"
    for wrong in (c["mid"], "批次一"):
        with pytest.raises(BatchRefused) as caught:
            batches.batch_record(ledger, wrong)
        assert str(caught.value) == f"{wrong} 不是发放批次"
    with pytest.raises(RecordNotFound) as caught:
        batches.batch_record(ledger, "batch-01M00000000000000000000000")
    assert str(caught.value) == "台账中没有记录 batch-01M00000000000000000000000"
    # 赵小军 (recognition lapsed) added by hand at the amount the office gives
    batches.add(ledger, batch["id"], c["d"], reason="补助由县资助中心核定", by="资助专干", on=DAY, amount_fen=30_000)
    assert (c["d"], 30_000) in [(e["student"], e["amount_fen"]) for e in ledger.get(batch["id"])["entries"]]
    assert f"Batch: {batch['id']}" in git(ledger.path, "show", "-s", "--format=%B", ledger.tip)
    batches.approve(ledger, batch["id"], by="校长 周明", on=dt.date(2026, 9, 25))
    pay = dict(method="银行卡", reference="YH-3")
    with pytest.raises(BatchRefused) as caught:
        batches.pay(ledger, batch["id"], on=dt.date(2026, 9, 24), shares=[{"source": "中央", "percent": 100}], **pay)
    assert str(caught.value) == "发放日期 2026-09-24 早于审批日期 2026-09-25"
    with pytest.raises(BatchRefused) as caught:
        batches.pay(ledger, batch["id"], on=dt.date(2026, 10, 9), shares=[{"source": "县", "percent": 50},
                                                                          {"source": "县", "percent": 50}], **pay)
    assert str(caught.value) == "资金来源「县」写了两次"


def test_a_meal_batch_pays_each_pupil_for_the_school_days_counted(ledger, county):
    c = county
    batch = batches.make(ledger, TERM, MEAL, on=DAY, school=c["mid"]).batch
    batches.approve(ledger, batch["id"], by="校长 周明", on=dt.date(2026, 9, 25))
    _doc, made = batches.pay(ledger, batch["id"], on=dt.date(2026, 10, 9), method="银行卡",
                             shares=[{"source": "中央", "percent": 100}], reference="YH-4")
    # 5 元 × 94 school days (counted above) each, the standard and the days on every payment
    assert sorted((a["student"], a["amount_fen"], a["days"], a["standard"]) for a in made) == sorted(
        (c[k], 47_000, 94, c["meal"]) for k in "abcd")


def test_a_payment_slipped_in_beside_an_edit_of_a_paid_batch_is_refused_too(ledger, county, approved):
    doc, _made = batches.pay(ledger, approved, on=dt.date(2026, 10, 9), method="银行卡",
                             shares=[{"source": "中央", "percent": 100}], reference="YH-1")
    edited = {**doc, "payment": {**doc["payment"], "reference": "YH-1（补）"}}
    slipped = rec("aid", student=county["d"], programme=BOARD, term=TERM, amount_fen=62_500, paid_on="2026-10-09",
                  source="中央", method="银行卡", standard=county["board"], batch=approved)
    with pytest.raises(InvalidRecord) as caught:
        ledger.commit([Change(approved, edited, ledger.version(approved)), Change(slipped["id"], slipped, NEW)],
                      message="补发")
    assert sorted((f.record, f.rule) for f in caught.value.findings) == sorted([
        (approved, "rule.batch_locked"), (slipped["id"], "rule.batch_payment_outside")])
