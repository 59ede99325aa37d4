"""`bangfu edit` and `bangfu set` over a record another coordinator changed meanwhile: fields this
user did not touch keep the other's value; fields both changed are shown, theirs and mine, and
nothing is saved until the user chooses. Two real processes: the editor program itself runs the
other coordinator's `bangfu set` while the record is open."""
from __future__ import annotations

import json
import re
import sys
import textwrap

from conftest import school
from test_cli import add, bangfu, led  # noqa: F401  (the fixture)


def editor(tmp_path, ledger, sid, other: str, mine: dict) -> str:
    script = tmp_path / "editor.py"
    script.write_text(textwrap.dedent(f"""
        import json, subprocess, sys, pathlib
        path = pathlib.Path(sys.argv[1])
        # Meanwhile, another coordinator sets a field from the command line.
        subprocess.run([sys.executable, "-m", "bangfu", "-L", {str(ledger)!r}, "set", {sid!r}, {other!r}], check=True)
        body = json.loads("".join(l for l in path.read_text(encoding="utf-8").splitlines(True) if not l.startswith("//")))
        body.update({mine!r})
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    """), encoding="utf-8")
    return f"{sys.executable} {script}"


def test_edit_keeps_what_the_other_changed_meanwhile(led, tmp_path):
    sid = add(led, "school", school(township="CLI二镇"))
    r = bangfu("-L", str(led), "edit", sid, env={"EDITOR": editor(tmp_path, led, sid, "township=CLI镇",
                                                                  {"code": "4101234567"})})
    assert r.returncode == 0, r.stderr
    shown = json.loads(bangfu("-L", str(led), "--json", "show", sid).stdout)
    assert (shown["township"], shown["code"]) == ("CLI镇", "4101234567")


def test_edit_over_the_same_field_shows_both_and_saves_nothing(led, tmp_path):
    sid = add(led, "school", school(township="CLI二镇"))
    r = bangfu("--lang", "en", "-L", str(led), "edit", sid,
               env={"EDITOR": editor(tmp_path, led, sid, "township=甲镇", {"township": "乙镇", "code": "4101234567"})})
    assert r.returncode == 3
    assert "township: theirs = 甲镇; mine = 乙镇" in r.stderr and "code" not in r.stderr.split("mine = 乙镇")[1]
    shown = json.loads(bangfu("-L", str(led), "--json", "show", sid).stdout)
    assert shown["township"] == "甲镇" and "code" not in shown
    kept = re.search(r"kept in (\S+);", r.stderr).group(1)
    assert json.loads(open(kept, encoding="utf-8").read())["code"] == "4101234567"
