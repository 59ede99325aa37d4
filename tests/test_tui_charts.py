"""The dashboard's month charts: activities against the plan's schedule, aid paid per month."""
from __future__ import annotations

import asyncio
import datetime as dt

from tui.app import BangfuApp
from tui.widgets.figure_list import FigureList

TODAY = dt.date(2026, 11, 25)


async def _lines(app, panel: str) -> list[str]:
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            figures = app.screen.query_one(panel, FigureList).figures
            if any("2026-09" in f.prompt.plain for f in figures):
                break
        return [f.prompt.plain for f in app.screen.query_one(panel, FigureList).figures]


def test_activities_per_month_against_the_schedule(demo):
    lines = asyncio.run(_lines(BangfuApp(demo, today=TODAY), "#plans"))
    assert any("每月活动" in line for line in lines)
    october = next(line for line in lines if line.strip().startswith("2026-10"))
    assert " 0 " in october and "✗" in october and "互访" in october  # planned, nothing logged: called out
    november = next(line for line in lines if line.strip().startswith("2026-11") and "✓" in line)
    assert "█" in november
    december = [line for line in lines if line.strip().startswith("2026-12")]
    assert december and all("✗" not in line for line in december)  # still to come: not yet missed


def test_aid_paid_per_month(demo):
    lines = asyncio.run(_lines(BangfuApp(demo, today=TODAY), "#aid"))
    assert any("每月发放" in line for line in lines)
    months = [line for line in lines if line.strip()[:7] in ("2026-09", "2026-10", "2026-11")]
    assert months and any("█" in line for line in months)
