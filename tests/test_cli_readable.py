"""What the command line says of records reads as people name them: a measurement's indicator by
its plan's words, money in 元, a refused record by its name."""
from __future__ import annotations

import pytest

from tests.conftest import run

OPTIMAL = "measurement-01M7W3ZTWXN000000000000001"   # the demo's 九彩幼儿园 优课率 (target good-lessons)
DROPOUT = "measurement-01M7W3ZTWXN000000000000004"   # 三元中学 辍学率 (target dropout, a metric without words)


@pytest.mark.parametrize("lang,good,dropout,listed_as", [
    ("zh", "教师优课率达30%（good-lessons）", "辍学率（dropout）", "三元中学 辍学率 0.51 %"),
    ("en", "教师优课率达30% (good-lessons)", "dropout rate (dropout)", "三元中学 dropout rate 0.51 %")])
def test_a_measurements_indicator_reads_as_its_plan_names_the_target(demo, capsys, lang, good, dropout, listed_as):
    """show, blame, diff and changes said 指标代号 good-lessons, the code the plan files the target under."""
    led = str(demo.path)
    title = "指标代号" if lang == "zh" else "Target code"

    def line(text: str) -> str:
        return next(x for x in text.splitlines() if x.lstrip().startswith(title))

    code, shown, _ = run(capsys, "-L", led, "--lang", lang, "show", OPTIMAL)
    assert code == 0 and line(shown).split(None, 1 if lang == "zh" else 2)[-1] == good
    code, blamed, _ = run(capsys, "-L", led, "--lang", lang, "blame", DROPOUT)
    assert code == 0 and dropout in line(blamed)
    code, diffed, _ = run(capsys, "-L", led, "--lang", lang, "diff", DROPOUT)
    assert code == 0 and line(diffed).strip() == f"{title}{'：' if lang == 'zh' else ': '}— → {dropout}"
    code, changed, _ = run(capsys, "-L", led, "--lang", lang, "changes", "--since", "2000-01-01", "--type", "measurement")
    said = sorted(x.strip() for x in changed.splitlines() if x.strip().startswith(title))
    assert len(said) == 6 and f"{title}{'：' if lang == 'zh' else ': '}— → {good}" in said
    assert not [x for x in said if x.endswith(("good-lessons", "dropout", "qualified", "research", "rooms", "training"))]
    code, listed, _ = run(capsys, "-L", led, "--lang", lang, "list", "measurement")
    assert code == 0 and "九彩幼儿园 教师优课率达30% 25 %" in listed and listed_as in listed


@pytest.mark.parametrize("lang,line", [("zh", "金额：800.00 元 → 812.50 元"), ("en", "Amount: 800.00 yuan → 812.50 yuan")])
def test_money_in_changes_diff_and_blame_is_in_yuan_with_its_unit(demo, capsys, lang, line):
    """`bangfu changes` said 金额：800.00 → 812.50 where a record's card says 812.50 元."""
    aid = sorted(demo.find("aid", term="2026-2027-1"), key=lambda r: r["id"])[0]
    for fen in (80000, 81250):
        record = demo.get(aid["id"])
        record["amount_fen"] = fen
        demo.put(record, base=demo.version(aid["id"]))
    led = str(demo.path)
    _, changed, _ = run(capsys, "-L", led, "--lang", lang, "changes", "--since", "2000-01-01", "--type", "aid")
    assert line in [x.strip() for x in changed.splitlines()]
    _, diffed, _ = run(capsys, "-L", led, "--lang", lang, "diff", aid["id"])
    assert line in [x.strip() for x in diffed.splitlines()]
    _, blamed, _ = run(capsys, "-L", led, "--lang", lang, "blame", aid["id"])
    assert next(x for x in blamed.splitlines() if x.startswith(("金额 ", "Amount "))).split()[1:3] == \
        ["812.50", "元" if lang == "zh" else "yuan"]
