"""`bangfu batch`: a coordinator's term run on the command line, the bank roster (masked unless
revealed with the key and a reason) and the batch's notice, and the words of a refusal."""
from __future__ import annotations

import os

from openpyxl import load_workbook

from tests.conftest import git, run
from tests.test_world_batch import BOARD, TERM, county  # noqa: F401  (the hand-worked ledger)


def test_a_term_run_on_the_command_line(capsys, ledger, county, tmp_path):  # noqa: F811
    L = ("-L", str(ledger.path))
    code, printed, _ = run(capsys, *L, "batch", "new", "--term", TERM, "--programme", BOARD, "--school", "某县一中",
                           "--date", "2026-09-21")
    assert code == 0
    assert "王小红" in printed and "李小兰" in printed and "625.00" in printed
    assert "2 名学生，合计 1,250.00 元" in printed
    [batch] = ledger.scan("batch")
    code, printed, _ = run(capsys, *L, "batch", "remove", batch["id"], "李小兰", "--reason", "已在外县领取",
                           "--by", "资助专干", "--date", "2026-09-22")
    assert (code, printed.strip()) == (0, f"已从批次 {batch['id']} 移除 李小兰：已在外县领取")
    code, printed, _ = run(capsys, *L, "batch", "approve", batch["id"], "--by", "校长 周明", "--date", "2026-09-25")
    assert printed.strip() == f"发放批次 {batch['id']} 已由 校长 周明 于 2026-09-25 审批：1 名学生，合计 625.00 元"
    code, _, err = run(capsys, *L, "batch", "approve", batch["id"], "--by", "副校长", "--date", "2026-09-26")
    assert (code, err.strip()) == (1, f"发放批次「某县一中 2026-2027-1 义务教育寄宿生生活补助 ×1 625.00元」（{batch['id']}）已由 校长 周明 于 2026-09-25 审批，"
                                       "不能再审批或修改名单")
    code, _, err = run(capsys, *L, "--lang", "en", "batch", "pay", batch["id"], "--share", "省=60", "--share", "县=30",
                       "--reference", "YH-1", "--date", "2026-10-09")
    assert (code, err.strip()) == (1, "the funding shares add up to 90% (省 60%, 县 30%), not 100%")
    code, printed, _ = run(capsys, *L, "--lang", "zh", "batch", "pay", batch["id"], "--share", "省=60", "--share", "县=40",
                           "--reference", "YH-2026-0931", "--date", "2026-10-09")
    assert code == 0 and "1 笔，合计 625.00 元，2026-10-09，YH-2026-0931" in printed
    [aid] = ledger.scan("aid")
    assert aid["shares"] == [{"source": "省", "fen": 37_500}, {"source": "县", "fen": 25_000}]
    code, printed, _ = run(capsys, *L, "batch", "show", batch["id"])
    assert "2026-09-22 移除 李小兰：已在外县领取（资助专干）" in printed
    assert "审批：校长 周明，2026-09-25" in printed and "发放：2026-10-09，银行卡，省 60%、县 40%，YH-2026-0931" in printed
    # The auditor's view: each step a commit of the batch, by its author.
    code, printed, _ = run(capsys, *L, "log", batch["id"])
    steps = [line.split("  ")[2:4] for line in printed.splitlines()]
    # (the Action trailers in the reader's words, as the audit view lists them)
    assert steps == [["测试员", "[发放]"], ["测试员", "[审批]"], ["测试员", "[审核发放名单]"], ["测试员", "[生成发放名单]"]]
    # Titles as every commit's: type, action, the record (values as stored), then what the step did;
    # `log` reads them in the reader's words, with the reason given.
    assert git(ledger.path, "log", "--format=%s", "-4", "main").splitlines() == [
        "batch: pay 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×1 625.00元: YH-2026-0931",
        "batch: approve 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×1 625.00元: by 校长 周明",
        "batch: review 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×1 625.00元: 移除 李小兰",
        "batch: make 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×2 1,250.00元"]
    assert [line.split("  ", 4)[4] for line in printed.splitlines()] == [
        "发放批次：发放 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×1 625.00元：YH-2026-0931",
        "发放批次：审批 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×1 625.00元：审批人 校长 周明",
        "发放批次：审核发放名单 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×1 625.00元：移除 李小兰（原因：已在外县领取）",
        "发放批次：生成发放名单 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×2 1,250.00元"]
    # What an auditor reads of the removal: the payee taken out, in words, not the list before and after as
    # JSON; the student and the standard by name, as the record's own view names them, not by their ids.
    code, printed, _ = run(capsys, *L, "changes", "--type", "batch")
    [removal] = [line.strip() for line in printed.splitlines() if line.strip().startswith("发放名单（")]
    assert removal == ("发放名单（另有 1 项未变）：（学生 李小兰，资助标准 义务教育寄宿生生活补助 初中寄宿 1,250.00元/年 "
                       "2019-09-01—，金额 625.00 元） → —")
    assert county["b"] not in printed and county["board"] not in printed
    heading = f"  发放批次 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×1 625.00元 {batch['id']}  [修改]"
    assert heading in printed.splitlines()

    # The bank roster: numbers masked, as text.
    path = tmp_path / "代发.xlsx"
    code, printed, _ = run(capsys, *L, "batch", "roster", batch["id"], "-o", str(path))
    assert code == 0
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0] == ("序号", "学校", "年级", "班级", "姓名", "身份证号", "银行卡号", "金额（元）", "资助项目", "发放批次")
    assert rows[1] == (1, "某县第一中学", "八年级", "2班", "王小红", "1101**********002X", "*" * 15 + "3446", 625, BOARD,
                       batch["id"])
    assert b"11010519491231002X" not in path.read_bytes()
    # Revealed with the key and a reason: in clear, as text, the file its owner's only, the act recorded.
    tip = git(ledger.path, "rev-parse", "main")
    code, printed, _ = run(capsys, *L, "batch", "roster", batch["id"], "-o", str(path), "--reveal", "银行代发")
    assert code == 0
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][5:7] == ("11010519491231002X", "6222020200112233446")
    assert os.stat(path).st_mode & 0o777 == 0o600
    [event] = [e for e in ledger.scan("event") if e.get("subject") == batch["id"]]
    assert (event["action"], event["reason"]) == ("查看", "银行代发")
    assert git(ledger.path, "rev-parse", "main") != tip

    # The notice: masked names, no numbers; the level the 2026-2027 recognition gave her.
    code, printed, _ = run(capsys, *L, "batch", "notice", batch["id"], "--start", "2026-10-12", "-o", "-")
    assert "1,王**,某县第一中学,八年级,2班,义务教育寄宿生生活补助,困难,625.00" in printed and "625.00" in printed and "王小红" not in printed and "002X" not in printed


def test_the_demo_autumn_batch_in_the_log(capsys, demo):
    """The demo's autumn batch: each step a commit by the person who took it, as `bangfu log` shows."""
    [batch] = demo.find("batch", programme="义务教育寄宿生生活补助")
    code, printed, _ = run(capsys, "-L", str(demo.path), "log", batch["id"])
    steps = [line.split("  ")[2:4] for line in printed.splitlines()]
    assert code == 0 and steps == [["马红梅", "[发放]"], ["杨建国", "[审批]"], ["马红梅", "[审核发放名单]"],
                                   ["马红梅", "[审核发放名单]"], ["马红梅", "[生成发放名单]"]]
    # in the reader's words, as the dashboard's history reads it (the raw title was printed before)
    assert printed.splitlines()[-1].endswith(
        "[生成发放名单]  发放批次：生成发放名单 海原四中 2026-2027-1 义务教育寄宿生生活补助 ×5 3,375.00元")
    code, printed, _ = run(capsys, "-L", str(demo.path), "--lang", "en", "log", batch["id"])
    assert printed.splitlines()[-1].endswith(
        "[make a batch]  payment batch: make a batch 海原四中 2026-2027-1 boarding living allowance ×5 3,375.00 yuan")
    assert (batch["approval"], batch["payment"]["reference"]) == ({"by": "杨建国", "date": "2026-10-15"},
                                                                  "HY4-2026-2027-1-代发01")
    assert [(s["action"], s["reason"]) for s in batch["review"]] == [
        ("移除", "银行卡尚未开户，开户后补入"), ("增加", "已开户（开户回执已存档）")]
    # The boarding subsidy is shared 5:5 by the centre and the region (国发〔2015〕67号): 李梦瑶's 375.00
    # (初中 day pupils 750 元/年 from the 2024 spring term) as 187.50 + 187.50, each boarder's 750.00
    # (1500 元/年) as 375.00 + 375.00.
    assert batch["payment"]["shares"] == [{"source": "中央", "percent": 50}, {"source": "省", "percent": 50}]
    assert sorted(tuple(s["fen"] for s in a["shares"]) for a in demo.find("aid", batch=batch["id"])) == [
        (18_750, 18_750), (37_500, 37_500), (37_500, 37_500), (37_500, 37_500), (37_500, 37_500)]


def test_a_paid_batch_payment_is_corrected_with_set_adjust(capsys, ledger, county):  # noqa: F811
    """The twinning locks' adjustment (`bangfu set … --adjust REASON --approver NAME`) is the one way
    to correct a payment of an approved batch too."""
    import datetime as dt

    from store.aid import batches

    batch = batches.make(ledger, TERM, BOARD, on=dt.date(2026, 9, 21), school=county["mid"]).batch
    batches.approve(ledger, batch["id"], by="校长 周明", on=dt.date(2026, 9, 25))
    _doc, made = batches.pay(ledger, batch["id"], on=dt.date(2026, 10, 9), method="银行卡", reference="YH-1",
                             shares=[{"source": "中央", "percent": 100}])
    aid = made[0]["id"]
    L = ("-L", str(ledger.path))
    code, _, err = run(capsys, *L, "set", aid, "voucher=YH-2")
    assert code == 1 and f"这笔发放属于发放批次 某县一中 2026-2027-1 义务教育寄宿生生活补助 ×2 1,250.00元（校长 周明 于 2026-09-25 审批），不能再改或删除" in err
    assert ledger.get(aid)["voucher"] == "YH-1"
    code, _, err = run(capsys, *L, "set", aid, "voucher=YH-2", "--adjust", "银行退票后重发", "--approver", "县资助中心 王主任")
    assert code == 0, err
    [adjustment] = ledger.scan("adjustment")
    assert (ledger.get(aid)["voucher"], adjustment["records"], adjustment["reason"]) == ("YH-2", [aid], "银行退票后重发")


def test_the_demo_history_is_a_school_year_of_the_process(capsys, demo):
    """An auditor reads the demo's school year in `bangfu log`: the promotion into 2026-2027 by the
    county's coordinator, then each step of a recognition a commit by the person who took it."""
    L = ("-L", str(demo.path))
    [luo] = demo.find("student", name="罗小东")
    code, printed, _ = run(capsys, *L, "log", luo["id"])
    steps = [line.split("  ")[2:4] for line in printed.splitlines()]
    assert code == 0 and ["李志刚", "[升级学年]"] in steps
    # He was in 六年级 in 2025-2026 and is in 七年级 (初中) of the same school since the promotion.
    assert (luo["school_year"], luo["stage"], luo["grade"]) == ("2026-2027", "初中", "七年级")
    assert [(y["school_year"], y["grade"]) for y in luo["years"]][-1] == ("2025-2026", "六年级")
    # The recognition with an objection at 海原县第一中学: five steps, three people.
    [objected] = [r for r in demo.find("recognition", school_year="2026-2027") if r.get("objections")]
    code, printed, _ = run(capsys, *L, "log", objected["id"])
    steps = [line.split("  ")[2:4] for line in printed.splitlines()]
    assert steps == [["马德胜", "[审批]"], ["李淑芳", "[异议处理]"], ["李淑芳", "[学校审核]"], ["王建军", "[评议]"],
                     ["李淑芳", "[申请]"]]
    # The dashboard's history and audit screens read the titles in the reader's words.
    from store.core import describe
    assert [describe.readable(c["title"], c["trailers"]["Action"][0]) for c in demo.history(objected["id"])] == [
        f"困难认定：{step} {n} 条记录（来自 海原县第一中学）"
        for step, n in (("审批", 4), ("异议处理", 1), ("学校审核", 4), ("评议", 4), ("申请", 4))]
    # The notice listing it was recorded by the school's 资助专干 between the check and the objection.
    [notice] = [p for p in demo.find("posting", school_year="2026-2027") if objected["id"] in p["recognitions"]]
    code, printed, _ = run(capsys, *L, "log", notice["id"])
    assert [line.split("  ")[2:] for line in printed.splitlines()] == [
        ["李淑芳", "[公示]", "公示：海原一中 2026-2027 公示 2026-09-15—2026-09-21"]]


def test_the_help_shows_names_masked_as_the_notices_mask_them(capsys):
    """`--no-mask` said names are masked as 张*伟; the notices write 张** (first character kept)."""
    import pytest
    from store.privacy.protect import mask_name
    for command in (("recognition-notice",), ("export", "notice")):
        with pytest.raises(SystemExit):
            run(capsys, *command, "--help")
        shown = capsys.readouterr().out
        assert f"（默认遮挡为 {mask_name('张小伟')}）" in shown.replace("脱敏", "遮挡") and "张*伟" not in shown


def test_a_long_list_in_the_history_reads_as_its_first_items_and_a_count(ledger):
    """A batch's payees in `changes` and the audit view: a batch of 50,000 was one line of JSON."""
    from store.history.changes import shown
    payees = [{"student": f"student-{n}", "standard": "standard-1", "amount_fen": 62_500} for n in range(7)]
    text = shown(ledger.schemas(), "batch", ("entries",), payees)
    assert text.count("金额 625.00") == 5 and text.endswith("；……共 7 项") and "student-4" in text and "student-5" not in text
