"""`bangfu aid apply|review|check|publish|object|settle|approve|list`: a school's recognitions for a
school year step by step on the command line, each step one commit; the refusals name the record,
the field and the rule, in Chinese and in English, and never echo an ID number in clear."""
from __future__ import annotations

import pytest

from store.core import ids
from store.ledger.ledger import NEW, Change
from tests.conftest import git, run

YEAR = "2026-2027"


def rec(rtype: str, **fields) -> dict:
    return {"id": ids.new_id(rtype), "type": rtype, "schema_version": 2, **fields}


@pytest.fixture
def school_of_three(ledger):
    """某县第一中学 (初中) and three pupils who stand in 2026-2027: 甲 七年级, 乙 八年级, 丙 九年级."""
    school = rec("school", name="某县第一中学", short_name="某县一中", stage="初中", county="某县", area="乡村")
    pupils = [rec("student", name=n, sex="男", school=school["id"], stage="初中", grade=g, class_name="1班",
                  boarding=True, school_year=YEAR) for n, g in (("甲", "七年级"), ("乙", "八年级"), ("丙", "九年级"))]
    ledger.commit([Change(r["id"], r, NEW) for r in (school, *pupils)], action="import", message="test data")
    return ledger


def test_a_school_year_of_recognition_step_by_step(capsys, school_of_three):
    ledger = school_of_three
    L = ("-L", str(ledger.path), "--lang", "zh")

    def ok(*args: str) -> str:
        code, printed, err = run(capsys, *L, *args)
        assert code == 0, err
        return printed.strip()

    def refused(*args: str) -> str:
        code, printed, err = run(capsys, *L, *args)
        assert code == 1 and printed == "", (code, printed)
        return err.strip()

    assert ok("aid", "apply", "甲", "乙", "丙", "--date", "2026-09-02", "--group", "脱贫家庭", "--pledge-signed",
              "--evidence", "乙-低保证.jpg") == "已记录认定申请（2026-09-02）：3 名学生（甲、乙、丙），某县第一中学 2026-2027 学年（提交 " \
        + git(ledger.path, "rev-parse", "main")[:10] + "）"
    # Applying again for the same year is refused; a step for a student who did not apply, too.
    assert refused("aid", "apply", "甲", "--date", "2026-09-03") == \
        "甲 的 2026-2027 学年认定已记录「申请」（2026-09-02，甲），不再重复；如需更正请用 bangfu set 并写明原因"
    # Out of order: the school's check before the class review names the record, the field, the rule.
    ledger.refresh()
    [jia] = [r for r in ledger.scan("recognition") if ledger.get(r["student"])["name"] == "甲"]
    err = refused("aid", "check", "甲", "--date", "2026-09-05", "--by", "资助专干")
    assert err.startswith(f"记录「甲 2026-2027 困难认定」（{jia['id']}）有 1 处问题，未提交：")
    assert "的字段「学校审核」" in err and "认定记了「学校审核」，但还没有「民主评议」" in err
    # The class review of the whole school, then its check.
    assert "3 名学生（甲、乙、丙）" in ok("aid", "review", "--school", "某县一中", "--date", "2026-09-08",
                                        "--members", "班主任 田秀英,家长代表 马强", "--level", "困难")
    assert ok("aid", "check", "--school", "某县一中", "--date", "2026-09-10", "--by", "资助专干 马红梅").startswith(
        "已记录学校审核（2026-09-10，资助专干 马红梅）：3 名学生（甲、乙、丙）")
    # The notice, five working days from Monday 14 September: it ends on Friday 18.
    assert "3 名学生，2026-09-14 至 2026-09-18，校务公开栏" in ok(
        "aid", "publish", "--school", "某县一中", "--year", YEAR, "--where", "校务公开栏", "--start", "2026-09-14",
        "-o", str(ledger.path.parent / "公示.csv"))
    assert "已记录 家长代表 马强 提出的异议（2026-09-15）：乙" in ok(
        "aid", "object", "乙", "--date", "2026-09-15", "--raised-by", "家长代表 马强", "--content", "家中已有稳定收入")
    # Approval before the notice ended, or with the objection open, is refused by the rules.
    ledger.refresh()
    [yi] = [r for r in ledger.scan("recognition") if ledger.get(r["student"])["name"] == "乙"]
    err = refused("aid", "approve", "--school", "某县一中", "--date", "2026-09-18", "--by", "校长 杨建国")
    assert "审批日期 2026-09-18 不在公示期结束（2026-09-18）之后：公示结束后才能审批" in err
    code, _, err = run(capsys, *L, "--lang", "en", "aid", "approve", "--school", "某县一中", "--date", "2026-09-21",
                       "--by", "校长 杨建国")
    assert code == 1 and f'record "乙 2026-2027 recognition" ({yi["id"]}) has 1 problem' in err and "field “Objections[0]”" in err
    assert "the objection 家长代表 马强 raised on 2026-09-15 was not settled before the approval on 2026-09-21" in err
    ok("aid", "settle", "乙", "--date", "2026-09-17", "--settlement", "经核实收入不稳定，维持认定")
    assert ok("aid", "approve", "--school", "某县一中", "--date", "2026-09-21", "--by", "校长 杨建国").startswith(
        "已记录审批（2026-09-21，校长 杨建国，认定）：3 名学生（甲、乙、丙）")
    assert refused("aid", "approve", "丙", "--year", YEAR, "--date", "2026-09-22").startswith(
        "丙 的 2026-2027 学年认定已记录「审批」（2026-09-21，校长 杨建国）")
    listed = ok("aid", "list", "--school", "某县一中", "--year", YEAR)
    assert "乙    八年级 1班  2026-09-02  2026-09-08  2026-09-10  2026-09-14—2026-09-18              2026-09-21  认定" \
        in listed
    # Each step one commit, its action in the history.
    ledger.refresh()
    actions = [e["trailers"]["Action"][0] for e in ledger.log(limit=7)]
    assert actions == ["approve", "object", "object", "notice", "check", "assess", "apply"]


def test_a_step_names_who_is_missing_and_never_echoes_an_id_number(capsys, school_of_three):
    L = ("-L", str(school_of_three.path))
    code, _, err = run(capsys, *L, "aid", "review", "甲", "--year", YEAR, "--members", "班主任", "--level", "困难")
    assert (code, err.strip()) == (1, "甲 在 2026-2027 学年没有认定申请：先用 bangfu aid apply 记录申请")
    code, _, err = run(capsys, *L, "--lang", "en", "aid", "apply", "110105201106070028", "--date", "2026-09-02")
    assert code == 2 and "110105201106070028" not in err and "no student is called" in err
    code, _, err = run(capsys, *L, "--lang", "en", "aid", "approve", "--school", "某县一中", "--year", YEAR)
    assert (code, err.strip()) == (1, "某县第一中学 has no recognition of 2026-2027 waiting for its approval")
    code, _, err = run(capsys, *L, "--lang", "zh", "aid", "apply", "甲", "--date", "2027-09-02")
    assert (code, err.strip()) == (1, "甲 尚未升入 2027-2028 学年（记录中为 2026-2027 学年）：先执行升级（bangfu promote）")


def test_each_step_is_told_in_the_history_and_refused_in_the_coordinators_words(capsys, school_of_three):
    ledger = school_of_three
    L = ("-L", str(ledger.path), "--lang", "zh")
    bing = next(s for s in ledger.scan("student") if s["name"] == "丙")
    ledger.put({**bing, "events": [{"date": "2025-09-01", "event": "认定"},
                                       {"date": "2026-09-01", "event": "退出", "reason": "转学"}]},
               base=ledger.version(bing["id"]))

    def step(*args: str) -> tuple[int, str]:
        code, printed, err = run(capsys, *L, *args)
        return code, (printed if code == 0 else err).strip()

    assert step("aid", "apply", "丙", "--date", "2026-09-02") == (1, "丙 已于 2026-09-01 退出（转学），不能申请认定")
    assert step("aid", "apply", "甲", "乙", "--date", "2026-09-02", "--reasons", "父亲病故")[0] == 0
    ledger.refresh()
    assert {r["application"].get("reasons") for r in ledger.scan("recognition")} == {"父亲病故"}
    step("aid", "review", "--school", "某县一中", "--date", "2026-09-08", "--members", "班主任", "--level", "困难")
    step("aid", "check", "--school", "某县一中", "--date", "2026-09-10", "--by", "资助专干")
    assert step("aid", "check", "甲", "--date", "2026-09-11", "--by", "资助专干") == (
        1, "甲 的 2026-2027 学年认定已记录「学校审核」（2026-09-10，资助专干），不再重复；如需更正请用 bangfu set 并写明原因")
    # Monday 14th to Thursday 17th: four working days.
    assert step("aid", "publish", "--school", "某县一中", "--year", YEAR, "--where", "校务公开栏",
                "--start", "2026-09-14", "--days", "4", "-o", str(ledger.path.parent / "公示.csv")) == (
        1, "公示 4 个工作日太短，至少 5 个工作日")
    step("aid", "publish", "--school", "某县一中", "--year", YEAR, "--where", "校务公开栏", "--start", "2026-09-14",
         "-o", str(ledger.path.parent / "公示.csv"))
    assert step("aid", "settle", "甲", "--date", "2026-09-16", "--settlement", "无") == (
        1, "甲 的 2026-2027 学年认定没有待处理的异议")
    for day in ("2026-09-15", "2026-09-16"):
        step("aid", "object", "乙", "--date", day, "--raised-by", "家长代表", "--content", "家中已有稳定收入")
    assert step("aid", "settle", "乙", "--date", "2026-09-17", "--settlement", "维持") == (
        1, "乙 的 2026-2027 学年认定有 2 条待处理的异议：用 --raised-on 指明提出日期")
    ledger.refresh()
    told = [(e["title"], {k: v for k, v in e["trailers"].items() if k in ("School", "School-Year")})
            for e in reversed(ledger.log(limit=6))]
    assert told == [
        ("recognition: apply 2 of 2026-2027 at 某县第一中学", {}),
        ("recognition: review 2 of 2026-2027 at 某县第一中学", {}),
        ("recognition: check 2 of 2026-2027 at 某县第一中学", {}),
        ("posting: notice 某县一中 2026-2027 公示 2026-09-14—2026-09-18", {"School": [bing["school"]], "School-Year": [YEAR]}),
        ("recognition: objection to 1 of 2026-2027 at 某县第一中学", {}),
        ("recognition: objection to 1 of 2026-2027 at 某县第一中学", {})]
