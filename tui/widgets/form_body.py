"""The scrolling part of a form or dialog, between its heading and its buttons."""
from __future__ import annotations

from textual.containers import VerticalScroll


class FormBody(VerticalScroll, can_focus=False):
    """Never a Tab stop of its own: as one, it was an invisible stop between the form's last button
    and its first field, where a key typed went nowhere. Its scrolling keys (PageDown, …) still
    reach it from the field that has the focus, and the mouse wheel scrolls it."""
