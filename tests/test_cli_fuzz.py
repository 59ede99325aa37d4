"""The command line never shows a traceback: hypothesis throws argument lists and record JSON at
`bangfu` (in this process, on a small real ledger) and every answer must be a message with exit
code 0 to 3, never the 'unexpected error' of the last line of defence. Kept small for CI (< 40 s)."""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.core import i18n
from test_export import small_ledger

CRASH = "出现意外错误"
# Commands that reach no network, open no editor or dashboard and make no new ledger.
COMMANDS = ["add", "show", "list", "set", "rm", "validate", "log", "fmt", "diff", "blame", "changes", "audit",
            "export", "report", "import", "status", "conflicts", "resolve", "close-term", "reveal", "erase",
            "schema-upgrade", "signing", "key"]
WORDS = ["--json", "--lang", "en", "zh", "--where", "--text", "--limit", "-1", "0", "--reason", "原因", "--format",
         "md", "csv", "xlsx", "html", "--since", "HEAD~1", "HEAD", "--type", "visit", "plan", "aid", "student",
         "term", "2024-2025-1", "2024-2025-9", "--take", "mine", "theirs", "-n", "--check", "--history", "-",
         "-o", "out.csv", "--plan", "status", "scan", "amount_fen=36800.0", "amount_fen=1e30", "hours=NaN",
         "period.end=2024-10-10", "notes=", "parties[9].school=x", "x.y[0]=1", "date=2024-13-45", "=", "a=b=c",
         "events[0].date=2024-12-01", "identity.id_number=11010519491231002X", "visit-01M92WKNB8HD6VHVV79S4RGQ\n",
         "school-", "nowhere/file.json", "[]", "{}"]


@pytest.fixture(scope="module")
def fuzz_ledger(tmp_path_factory):
    from store import Ledger
    from store.privacy.acts import init_keys

    root = tmp_path_factory.mktemp("fuzz")
    led = Ledger.init(root / "ledger", site="测试站")
    init_keys(led)
    data = small_ledger(led)
    led.close()
    ids = [data["plan"]["id"], data["aid"][0]["id"], data["students"][0]["id"], data["visits"][1]["id"],
           data["shahe"]["id"], data["std_p"]["id"]]
    records = [data["plan"], data["aid"][0], data["students"][1], data["visits"][4], data["shahe"]]
    cwd = os.getcwd()
    os.chdir(root)      # (an -o the fuzzer makes up writes here, not into the project)
    yield root / "ledger", ids, records
    os.chdir(cwd)


def bangfu(ledger, args: list[str], stdin: str = "") -> tuple[int, str]:
    from bangfu import output
    from bangfu.cli import main

    err, old_stdin = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            try:
                code = main(["-L", str(ledger), *args])
            except SystemExit as exc:      # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = old_stdin
        i18n.set_lang("zh")
        output.JSON = False
    return code, err.getvalue()


def argv(ids: list[str]):
    token = st.one_of(st.sampled_from(WORDS), st.sampled_from(ids),
                      st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12))
    return st.tuples(st.sampled_from(COMMANDS), st.lists(token, max_size=5)).map(lambda t: [t[0], *t[1]])


json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_argument_list_gets_a_message_never_a_traceback(fuzz_ledger, data):
    ledger, ids, _records = fuzz_ledger
    args = data.draw(argv(ids))
    code, err = bangfu(ledger, args)
    assert code in (0, 1, 2, 3) and CRASH not in err and "Traceback" not in err, (args, err)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_record_json_gets_a_message_never_a_traceback(fuzz_ledger, data):
    ledger, _ids, records = fuzz_ledger
    base = data.draw(st.sampled_from(records))
    shape = data.draw(st.sampled_from(["whole", "field", "list"]))
    if shape == "whole":
        doc = data.draw(json_value)
    else:
        doc = {k: v for k, v in base.items() if k != "id"}
        doc[data.draw(st.sampled_from(sorted(doc) + ["x"]))] = data.draw(json_value)
        doc = [doc] if shape == "list" else doc
    text = json.dumps(doc, ensure_ascii=False, allow_nan=True)
    code, err = bangfu(ledger, ["add", base["type"], "-"], stdin=text)
    assert code in (0, 1, 2, 3) and CRASH not in err and "Traceback" not in err, (text, err)
