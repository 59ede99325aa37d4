"""Screenshots of the main screens with Chinese data, compared with the accepted ones in
tests/__snapshots__/ (pytest-textual-snapshot; `--snapshot-update` accepts a change after
looking at it). Fixed records, fixed commit dates, fixed term: nothing depends on the clock."""
from __future__ import annotations

import pytest

from test_tui_app import SIZES, app_for, settle, small  # noqa: F401 (small is a fixture)


async def _home(pilot) -> None:
    await settle(pilot)


async def _visits(pilot) -> None:
    await pilot.press("3")
    await settle(pilot)


async def _help(pilot) -> None:
    await _visits(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", [_home, _visits, _help], ids=["home", "visits", "help"])
def test_screens(snap_compare, small, screen, size, monkeypatch):
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)   # the help names ~/.config/bangfu/keymap.toml
    # No polling while the picture is taken: nothing else writes to this ledger.
    assert snap_compare(app_for(small, poll_interval=3600), terminal_size=size, run_before=screen)
