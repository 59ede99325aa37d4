"""What a newcomer reads first at 80 columns: `bangfu --help` begins with the commands of a first
session (it began with promote, recognition-notice and donation-notice, sorted by module), `list
--help` and `add --help` say what each record type is (the eighteen codes stood on one line of 190
columns, unexplained), `show --help` what an id looks like and where to find one (it said `id`)."""
from __future__ import annotations

import pytest
from rich.cells import cell_len

from test_cli import bangfu

AT_80 = {"COLUMNS": "80"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_help_lists_a_first_sessions_commands_first(lang):
    shown = bangfu("--lang", lang, "--help", env=AT_80).stdout.splitlines()
    start = shown.index("  COMMAND") + 1
    commands = [line.split()[0] for line in shown[start:] if line.startswith("    ") and line[4] != " "]
    assert commands[:6] == ["init", "add", "show", "list", "set", "edit"]
    assert {"promote", "recognition-notice", "donation-notice", "resolve", "demo"} <= set(commands)   # (none lost)


@pytest.mark.parametrize("lang,head,named", [
    ("zh", "  TYPE                 记录类型：school（学校）、plan（帮扶计划）、visit（活",
     "动）、student（学生）"),
    ("en", "  TYPE                 record type: school, plan, visit (activity), student,",
     "batch (payment batch), sponsorship, unit (organisation")])
def test_list_help_says_what_each_type_is_within_80_columns(lang, head, named):
    r = bangfu("--lang", lang, "list", "--help", env=AT_80)
    lines = r.stdout.splitlines()
    assert head in lines and any(named in line for line in lines)
    assert max(cell_len(line) for line in lines) <= 80


@pytest.mark.parametrize("lang,line", [
    ("zh", "  id          记录编号，如 visit-01JB…（bangfu list 类型 列出编号）"),
    ("en", "  id          record id, such as visit-01JB… (bangfu list TYPE lists them)")])
def test_show_help_says_what_an_id_is(lang, line):
    assert line in bangfu("--lang", lang, "show", "--help", env=AT_80).stdout.splitlines()


@pytest.mark.parametrize("lang,line", [("zh", "测量期间  开始：2026-09-01，结束：2026-11-30"),
                                       ("en", "Period measured  Start: 2026-09-01, End: 2026-11-30")])
def test_a_cards_period_reads_from_its_start_to_its_end(demo, lang, line):
    """The record's file keeps its keys sorted (end before start), and the card followed the file."""
    r = bangfu("-L", str(demo.path), "--lang", lang, "show", "measurement-01M7W3ZTWXN000000000000001")
    assert r.returncode == 0 and line in r.stdout.splitlines(), r.stdout


@pytest.mark.parametrize("lang,command,line", [
    ("zh", "log", "  id          记录编号（不写：整个台账的历史）"),
    ("en", "log", "  id          record id (without it: the whole ledger's history)"),
    ("zh", "changes", "  --type TYPE           只看这类记录（可重复；类型见 bangfu list --help）"),
    ("en", "changes", "  --type TYPE           only records of this type (repeatable; the types:"),
    ("zh", "blame", "  id          记录编号，如 visit-01JB…（bangfu list 类型 列出编号）")])
def test_log_changes_and_blame_help_say_what_to_type_within_80_columns(lang, command, line):
    lines = bangfu("--lang", lang, command, "--help", env=AT_80).stdout.splitlines()
    assert line in lines and max(cell_len(text) for text in lines) <= 80


@pytest.mark.parametrize("lang,title,named", [
    ("zh", "公示名单", "白雪 2026-2027 困难认定、马振宇 2026-2027 困难认定、李梦瑶 2026-2027 困难认定、"
                   "苏婉婷 2026-2027 困难认定、马国庆 2026-2027 困难认定"),
    ("en", "Listed recognitions", "白雪 2026-2027 recognition, 马振宇 2026-2027 recognition, 李梦瑶 2026-2027 "
                                  "recognition, 苏婉婷 2026-2027 recognition, 马国庆 2026-2027 recognition")])
def test_a_notices_card_names_the_recognitions_it_lists(demo, lang, title, named):
    """A posting's recognitions are a list of references: the card printed their ids, recognition-01M…."""
    [posting] = [p for p in demo.find("posting") if p["school"] == demo.find("school", short_name="海原四中")[0]["id"]]
    r = bangfu("-L", str(demo.path), "--lang", lang, "show", posting["id"])
    [line] = [text for text in r.stdout.splitlines() if text.startswith(title)]
    assert line[len(title):].strip() == named


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_commands_help_fits_80_columns(lang, monkeypatch, capsys):
    """用法： is three characters and six cells: argparse counted characters, and `resolve --help` and
    `demo --help` ran a cell past 80 columns in Chinese; `audit --kind` listed its ten kinds in braces
    on a line of 115 cells."""
    from bangfu.cli import main

    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["--lang", lang, "--help"])
    shown = capsys.readouterr().out.splitlines()
    start = shown.index("  COMMAND") + 1
    commands = [line.split()[0] for line in shown[start:] if line.startswith("    ") and line[4] != " "]
    wide = []
    for command in commands:
        with pytest.raises(SystemExit):
            main(["--lang", lang, command, "--help"])
        wide += [(command, line) for line in capsys.readouterr().out.splitlines() if cell_len(line) > 80]
    assert wide == []
