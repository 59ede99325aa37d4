"""The day Bangfu takes for today (store/core/clock.py, BANGFU_TODAY).

The defect: today was read from the machine's clock in some twenty places, so from 2027-02-01,
when the demo's term 2026-2027-1 closes, every test that edits a demo payment failed, and nobody
could replay the ledger's rules as of another day. The tests run as of conftest.TODAY (2026-12-06);
these show that the day each rule takes is the one BANGFU_TODAY names, at the site and at a hub."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess

import pytest

from conftest import git, school
from store.core import clock, ids
from test_hub_guard import open_payment, small_site
from test_sync_local import bangfu

MARCH = {"BANGFU_TODAY": "2027-03-15"}       # after 2026-2027-1 ended on 2027-01-31, past the hub's 31 days
DECEMBER = {"BANGFU_TODAY": "2026-12-06"}    # within 2026-2027-1


def test_today_is_the_day_bangfu_today_names(monkeypatch):
    monkeypatch.setenv("BANGFU_TODAY", "2027-03-15")
    assert clock.today() == dt.date(2027, 3, 15)
    assert clock.now().date() == dt.date(2027, 3, 15)
    monkeypatch.setenv("BANGFU_TODAY", "2024-02-29")
    assert clock.today() == dt.date(2024, 2, 29)
    monkeypatch.delenv("BANGFU_TODAY")
    assert clock.today() == dt.date.today()          # unset: the machine's day
    monkeypatch.setenv("BANGFU_TODAY", "")
    assert clock.today() == dt.date.today()


def test_the_commits_bangfu_writes_are_dated_that_day(ledger):
    r = bangfu("-L", str(ledger.path), "add", "school", "-", input=json.dumps(school(), ensure_ascii=False),
               env={"BANGFU_TODAY": "2027-03-15"})
    assert r.returncode == 0, r.stderr
    assert git(ledger.path, "log", "-1", "--format=%ad %cd", "--date=short", "main").split() == ["2027-03-15"] * 2


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "06/12/2026", "20261206", "明天"])
def test_a_malformed_day_is_said_in_chinese_and_english_before_any_work(ledger, value):
    r = bangfu("-L", str(ledger.path), "list", "school", env={"BANGFU_TODAY": value})
    assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr
    assert (f"环境变量 BANGFU_TODAY 的值「{value}」不是日期：应写成 2026-12-06 这样的年-月-日"
            "（它是帮扶台账当作今天的日期），或者删去它以用本机的日期") in r.stderr, r.stderr
    r = bangfu("-L", str(ledger.path), "--lang", "en", "list", "school", env={"BANGFU_TODAY": value})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert (f'the environment variable BANGFU_TODAY is set to "{value}", which is no date: write it as '
            "year-month-day like 2026-12-06 (the day Bangfu takes for today), or unset it to use the "
            "machine's date") in r.stderr, r.stderr


def test_a_hub_with_a_malformed_day_refuses_the_push_and_says_why(tmp_path):
    site, data, hub = small_site(tmp_path, "石桥二小")
    paid = open_payment(site, data)
    site.close()
    r = bangfu("-L", str(tmp_path / "site"), "sync", env={"BANGFU_TODAY": "2026-12-32"})
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "2026-12-32" in r.stderr and "不是日期" in r.stderr, r.stderr
    assert paid["id"] not in git(hub, "ls-tree", "-r", "--name-only", "main")


def test_the_same_edit_of_a_demo_payment_is_refused_in_march_and_taken_in_december(demo):
    paid = next(a for a in demo.records("aid") if a["term"] == "2026-2027-1")
    led = str(demo.path)
    r = bangfu("-L", led, "set", paid["id"], "voucher=PZ-MARCH", env=MARCH)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "学期 2026-2027-1 已于 2027-01-31 结束" in r.stderr and "不能再改或删除" in r.stderr, r.stderr
    r = bangfu("-L", led, "--lang", "en", "set", paid["id"], "voucher=PZ-MARCH", env=MARCH)
    assert r.returncode == 1 and "term 2026-2027-1 ended on 2027-01-31" in r.stderr, r.stderr
    demo.refresh()
    assert demo.get(paid["id"])["voucher"] == paid["voucher"]
    r = bangfu("-L", led, "set", paid["id"], "voucher=PZ-DECEMBER", env=DECEMBER)
    assert r.returncode == 0, r.stderr
    demo.refresh()
    assert demo.get(paid["id"])["voucher"] == "PZ-DECEMBER"


def hub_voucher(hub, rid: str) -> str:
    return json.loads(git(hub, "show", f"main:{ids.path_of(rid, ids.LATEST)}"))["voucher"]


def test_a_real_hub_refuses_the_edit_as_of_march_and_takes_it_as_of_december(tmp_path):
    """The edit is saved at the site in December; the hub's hook judges its push by the hub's today:
    as of 2027-03-15 more than 31 days have passed since the term ended, the commit's date (its
    December) is no longer believed; as of 2026-12-06 the term is open."""
    site, data, hub = small_site(tmp_path, "石桥二小")
    paid = open_payment(site, data)                      # 2026-2027-1, the tests' today
    site.close()
    path = str(tmp_path / "site")
    assert bangfu("-L", path, "sync", env=DECEMBER).returncode == 0
    r = bangfu("-L", path, "set", paid["id"], "voucher=SQ-EDITED", env=DECEMBER)
    assert r.returncode == 0, r.stderr
    r = bangfu("-L", path, "sync", env=MARCH)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert f"修改了已关闭学期 2026-2027-1（学期已结束）的资助发放 {paid['id']}" in r.stderr, r.stderr
    assert hub_voucher(hub, paid["id"]) == "SQ-OPEN"
    r = bangfu("-L", path, "sync", env=DECEMBER)
    assert r.returncode == 0, r.stderr
    assert hub_voucher(hub, paid["id"]) == "SQ-EDITED"


def test_a_commit_dated_after_the_hubs_today_is_judged_as_of_the_hubs_today(tmp_path):
    """A site whose clock runs ahead (its commit dated 2027-03-15) edits a payment of 2026-2027-1;
    the hub, on 2026-12-06, holds that term open and takes the edit. It refused it: the commit's
    own date was believed however far ahead of the hub it lay."""
    site, data, hub = small_site(tmp_path, "石桥二小")
    paid = open_payment(site, data)
    site.close()
    assert bangfu("-L", str(tmp_path / "site"), "sync").returncode == 0
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(hub), str(work))
    path = work / ids.path_of(paid["id"], ids.LATEST)
    path.write_text(path.read_text(encoding="utf-8").replace('"SQ-OPEN"', '"SQ-AHEAD"'), encoding="utf-8")
    ahead = {"GIT_COMMITTER_DATE": "2027-03-15T09:00:00+08:00", "GIT_AUTHOR_DATE": "2027-03-15T09:00:00+08:00"}
    git(work, "commit", "-qam", "凭证号更正", env={**os.environ, **ahead})
    r = subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert hub_voucher(hub, paid["id"]) == "SQ-AHEAD"
