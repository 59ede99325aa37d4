"""What the command line says of records reads as people name them: a measurement's indicator by
its plan's words, money in 元, a refused record by its name."""
from __future__ import annotations

import json
import os
import subprocess
import sys

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


LOCKED = "visit-01M7W32THXW59X21BPFZ8PN4TN"   # the demo's 2006-09-08 联席会议, of a plan inspected in 2007


@pytest.mark.parametrize("lang,top,approved", [
    ("zh", "记录「2006-09-08 联席会议 石桥二小 → 沙河二小」（visit-01M7W32THXW59X21BPFZ8PN4TN）有 1 处问题，未提交：",
     "发放批次「海原四中 2026-2027-1 义务教育寄宿生生活补助 ×5 3,375.00元」（{id}）已由 杨建国 于 2026-10-15 审批，"
     "不能再审批或修改名单"),
    ("en", 'record "2006-09-08 joint meeting 石桥二小 → 沙河二小" (visit-01M7W32THXW59X21BPFZ8PN4TN) has 1 problem; '
           "nothing was committed:",
     'payment batch "海原四中 2026-2027-1 boarding living allowance ×5 3,375.00 yuan" ({id}) was approved by 杨建国 '
     "on 2026-10-15: it is not approved again and its list does not change")])
def test_a_refusals_first_line_names_the_record_with_its_id_beside(demo, capsys, lang, top, approved):
    """The first line of a refusal said 记录 visit-01M7W32THXW59X21BPFZ8PN4TN 有 1 处问题 (the id alone)."""
    led = str(demo.path)
    code, _, said = run(capsys, "-L", led, "--lang", lang, "set", LOCKED, "date=2006-09-09")
    assert code == 1 and said.splitlines()[0] == top
    code, _, said = run(capsys, "-L", led, "--lang", lang, "--json", "set", LOCKED, "date=2006-09-09")
    assert code == 1 and json.loads(said)["message"] == top
    paid = next(b for b in demo.query("batch") if b.get("payment"))
    code, _, said = run(capsys, "-L", led, "--lang", lang, "batch", "approve", paid["id"], "--by", "周明")
    assert code == 1 and said.splitlines() == [approved.format(id=paid["id"])]


@pytest.mark.parametrize("lang,head", [
    ("zh", "bangfu：用法错误：参数 COMMAND：无效的选择：'lsit'（可选：'init', 'add', 'show', 'list', "),
    ("en", "bangfu: usage error: argument COMMAND: invalid choice: 'lsit' (choose from 'init', 'add', 'show', 'list', ")])
def test_a_mistyped_command_is_answered_with_the_commands_people_type(capsys, lang, head):
    """`bangfu lsit` offered merge-driver and hook among the commands: git runs those, nobody types them."""
    from bangfu.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["--lang", lang, "lsit"])
    said = capsys.readouterr().err.splitlines()[-1]
    assert stop.value.code == 2 and said.startswith(head)
    assert "'list'" in said and "'resolve'" in said and "'conflicts'" in said
    assert "merge-driver" not in said and "'hook'" not in said


@pytest.mark.parametrize("lang,count", [("zh", "共 9 条"), ("en", "9 records")])
def test_a_listing_with_its_messages_in_one_stream_keeps_their_order(demo, lang, count):
    """`bangfu list plan 2>&1`: the count came out before the table (standard output was still in
    its buffer when the count went to standard error)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}   # (as a coordinator's shell has it)
    both = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(demo.path), "--lang", lang, "list", "plan"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env).stdout.splitlines()
    assert both[0].split() == (["编号", "记录"] if lang == "zh" else ["id", "record"])
    assert both[-2] == "plan-01M7W5DAKX0000000000000001  民治二小结对帮扶大康小学计划（2015—2016学年）"
    assert both[-1] == count and len(both) == 2 + 9 + 1


def test_an_edit_refused_on_saving_names_the_record_too(demo, tmp_path):
    """`bangfu edit` of the locked 联席会议: the editor's text passes the checks, the save is refused
    by the lock; its message gave the id alone as well."""
    script = tmp_path / "editor.py"
    script.write_text("import json, sys, pathlib\n"
                      "path = pathlib.Path(sys.argv[1])\n"
                      "body = json.loads(''.join(l for l in path.read_text(encoding='utf-8').splitlines(True)"
                      " if not l.startswith('//')))\n"
                      "body['notes'] = '补记'\n"
                      "path.write_text(json.dumps(body, ensure_ascii=False), encoding='utf-8')\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(demo.path), "edit", LOCKED], capture_output=True,
                       text=True, env={**os.environ, "EDITOR": f"{sys.executable} {script}"})
    assert r.returncode == 1 and r.stderr.splitlines()[0] == \
        "记录「2006-09-08 联席会议 石桥二小 → 沙河二小」（visit-01M7W32THXW59X21BPFZ8PN4TN）有 1 处问题，未提交："
