"""What screens and widgets may ask of the running dashboard, so they need not import the app.

The app (tui/app.py) is the one implementation; screens see it through this protocol, which keeps
the imports one way: app → screens → modals → widgets → this."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Protocol

from .columns import Names


class Dashboard(Protocol):
    ledger: Any
    read_only: bool
    today: dt.date
    term: str
    year_view: bool
    year_unit: str | None
    names: Names
    collector: Any      # tui/heap.py

    @property
    def schemas(self) -> Any: ...

    def open_records(self, record_type: str, ids: tuple[str, ...] | list[str], caption: str) -> None: ...

    def show_progress(self, plan_id: str) -> None: ...

    def open_batches(self) -> None: ...

    def first_paint_done(self, then: Callable[[], None]) -> None: ...

    def view_shown(self) -> None: ...
