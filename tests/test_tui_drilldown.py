"""A list opened from a dashboard figure follows the figure: a payment fixed while the list is
open leaves it (issue 14, part 6: 与标准不符 still listed a fixed payment)."""
from __future__ import annotations

import asyncio

import pytest

from store.figures import overview
from test_tui_app import AID, app_for, open_ledger, pilot_test, section, settle, small  # noqa: F401
from tui.widgets.figure_list import FigureList


async def until(pilot, condition, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
        await pilot.pause()


def fix(writer, amount_fen: int) -> None:
    writer.refresh()
    writer.put({**writer.get(AID), "amount_fen": amount_fen}, base=writer.version(AID))


@pytest.mark.parametrize("apart", [False, True], ids=["here", "apart"])
@pilot_test
async def test_a_payment_fixed_leaves_the_list_of_payments_off_the_standard(small, apart, monkeypatch):
    """Also with the figures worked out in a process of their own, as a ledger of a county's
    decade has them (store/figures/apart.py), after every change."""
    if apart:
        monkeypatch.setattr(overview, "APART_FROM", 0)
    writer = open_ledger(small)
    fix(writer, 40_000)          # 400.00 of a 500.00 term: off the standard
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.home.query_one("#aid", FigureList)
        off = next(n for n, f in enumerate(panel.figures) if "与标准金额不符 1 笔" in f.prompt.plain)
        panel.focus()
        panel.highlighted = off
        await pilot.press("enter")
        await settle(pilot)
        screen = section(app)
        assert screen.record_type == "aid" and list(screen.list.ids) == [AID]
        fix(writer, 50_000)   # fixed (here by another coordinator)
        await until(pilot, lambda: not screen.list.ids)
        await settle(pilot)
        assert list(screen.list.ids) == [] and "来自首页" in str(screen.query_one("#section-bar").render())
        fix(writer, 45_000)   # off again: back on the list
        await until(pilot, lambda: list(screen.list.ids) == [AID])
        assert list(screen.list.ids) == [AID]
