"""A closed term's payments stay as paid, at the site as at the hub (store/aid/closed.py).

The defect: a site could change or delete a payment of a term that had ended; the hub then refused
that commit, and with it every later sync of the site, with no way back. Now the site refuses the
change when it is made, and says why and what to do instead."""
from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from conftest import TODAY, git
from store.core import i18n, ids
from store.core.errors import InvalidRecord
from store.rules.calendar import term_of
from store.sync import remote as sync
from test_hub_guard import small_site
from test_sync_local import bangfu
from test_tui_forms import Harness, screen_text, until
from tui.modals.delete import DeleteDialog


@pytest.fixture
def site(tmp_path):
    ledger, data, hub = small_site(tmp_path, "石桥二小")
    yield ledger, data, hub
    ledger.close()


def hub_record(hub, rid: str) -> dict:
    return json.loads(git(hub, "show", f"main:{ids.path_of(rid, ids.LATEST)}"))


def test_a_site_cannot_change_or_delete_a_payment_of_an_ended_term_and_keeps_syncing(site):
    ledger, data, hub = site
    paid = data["aid"][0]                                  # 500.00 元, 2024-2025-1, SQ-2024-001
    tip = ledger.tip
    r = bangfu("-L", str(ledger.path), "set", paid["id"], "amount_fen=45000")
    assert r.returncode == 1
    assert paid["id"] in r.stderr and "的字段「学期」" in r.stderr
    assert "学期 2024-2025-1 已于 2025-01-31 结束" in r.stderr and "不能再改或删除" in r.stderr
    assert "补发另记一笔发放" in r.stderr and "Traceback" not in r.stderr
    r = bangfu("-L", str(ledger.path), "--lang", "en", "rm", paid["id"], "--reason", "录错了")
    assert r.returncode == 1
    assert "term 2024-2025-1 ended on 2025-01-31" in r.stderr and "cannot be changed or deleted" in r.stderr
    ledger.refresh()
    assert ledger.tip == tip and ledger.get(paid["id"])["amount_fen"] == 50_000
    # The site's next save reaches the hub: nothing it cannot push stands in the way.
    school = {"type": "school", "name": "石桥镇中心小学", "short_name": "石桥中小", "stage": "小学",
              "county": "示范县", "area": "乡村"}
    r = bangfu("-L", str(ledger.path), "add", "school", "-", input=json.dumps(school, ensure_ascii=False))
    assert r.returncode == 0, r.stderr
    r = bangfu("-L", str(ledger.path), "sync")
    assert r.returncode == 0, r.stderr
    assert git(hub, "rev-parse", "main").strip() == git(ledger.path, "rev-parse", "main").strip()
    assert hub_record(hub, paid["id"])["amount_fen"] == 50_000


def test_an_adjustment_record_does_not_open_an_ended_terms_payment(site):
    ledger, data, _hub = site
    paid = data["aid"][1]
    r = bangfu("-L", str(ledger.path), "set", paid["id"], "voucher=SQ-2024-099",
               "--adjust", "凭证号录错", "--approver", "刘校长")
    assert r.returncode == 1 and "已于 2025-01-31 结束" in r.stderr, r.stderr
    ledger.refresh()
    assert ledger.get(paid["id"])["voucher"] == "SQ-2024-002"
    assert ledger.find("adjustment") == []


def test_a_late_payment_of_an_ended_term_is_still_recorded(site):
    """Filing a payment made in the term, after its end, changes nothing that was paid."""
    ledger, data, hub = site
    wang = data["students"][2]                             # 初中, not paid in 2024-2025-1
    late = {**data["aid"][1], "id": ids.new_id("aid"), "student": wang["id"], "standard": data["std_j"]["id"],
            "amount_fen": 62_500, "voucher": "SQ-2024-003", "paid_on": "2024-12-20"}
    ledger.put(late)
    assert sync.sync(ledger).pushed
    assert hub_record(hub, late["id"])["voucher"] == "SQ-2024-003"


def test_a_payment_of_the_open_term_is_closed_by_the_setting(site):
    ledger, data, hub = site
    today = TODAY
    now = term_of(today)
    paid = {**data["aid"][0], "id": ids.new_id("aid"), "term": now, "paid_on": today.isoformat(), "voucher": "SQ-NOW"}
    ledger.put(paid)
    ledger.put({**paid, "voucher": "SQ-NOW-2"}, base=ledger.version(paid["id"]))   # open: corrected
    r = bangfu("-L", str(ledger.path), "close-term", now)
    assert r.returncode == 0, r.stderr
    ledger.refresh()
    with pytest.raises(InvalidRecord) as refused:
        ledger.put({**paid, "voucher": "SQ-NOW-3"}, base=ledger.version(paid["id"]))
    text = str(refused.value)
    assert f"台账已结账至学期 {now}" in text and "不能再改或删除" in text, text
    assert ledger.get(paid["id"])["voucher"] == "SQ-NOW-2"
    assert sync.sync(ledger).pushed
    assert hub_record(hub, paid["id"])["voucher"] == "SQ-NOW-2"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_delete_dialog_says_why_in_the_readers_words(site, lang):
    """At 80x24 the dialog said "记录 aid-… 有 1 处问题，未提交： 错误 aid-… 的字段 term: …": the
    rule only, the record being the one its title names."""
    ledger, data, _hub = site
    paid = data["aid"][0]
    i18n.set_lang(lang)
    app = Harness(lambda: DeleteDialog(ledger, paid["id"]))

    async def walk():
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DeleteDialog))
            await pilot.press(*"SQ-2024-001 entered twice", "enter")   # a reason typed in one burst
            await until(pilot, lambda: ("不能删除" if lang == "zh" else "Cannot delete") in screen_text(app))
            return screen_text(app), str(app.screen.query_one("#delete-status").render())
    text, said = asyncio.run(walk())
    if lang == "zh":
        assert said.startswith("不能删除：学期 2024-2025-1 已于 2025-01-31 结束，这一学期的发放记录"), said
    else:
        assert said.startswith("Cannot delete: term 2024-2025-1 ended on 2025-01-31: its payments stay as paid"), said
    assert paid["id"] not in text, text
    assert paid["id"] not in said and "SQ-2024-001 entered twice" in text
    assert ledger.get(paid["id"])["amount_fen"] == 50_000


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_e_or_d_on_a_closed_terms_payment_says_why_and_opens_no_form(site, lang):
    """The form opened, took what was typed, and only the save said the term was closed."""
    from tui.app import BangfuApp
    from tui.screens.section import SectionScreen

    ledger, data, _hub = site
    i18n.set_lang(lang)
    app = BangfuApp(ledger, today=dt.date(2024, 11, 1))        # the aid list shows 2024-2025

    async def walk():
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("5")
            await until(pilot, lambda: isinstance(app.screen, SectionScreen) and app.screen.list.highlighted)
            shown = app.screen.list.highlighted
            said = []
            for key in ("e", "d"):
                await pilot.press(key)
                await until(pilot, lambda: len(list(app._notifications)) > len(said))
                said.append(list(app._notifications)[-1].message)
                assert isinstance(app.screen, SectionScreen)          # no form, no dialog
            return shown, said
    shown, said = asyncio.run(walk())
    assert shown in {a["id"] for a in data["aid"]}
    for text in said:
        if lang == "zh":
            assert text.startswith("这条记录不能修改或删除：学期 2024-2025-1 已于 2025-01-31 结束"), text
        else:
            assert text.startswith("This record cannot be changed or deleted: term 2024-2025-1 ended on 2025-01-31"), text
