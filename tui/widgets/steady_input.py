"""A one-line input whose width the screen sets: what is typed repaints the field alone."""
from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class SteadyInput(Input):
    """Textual's Input with its scrollable width kept out of the screen's layout. Input sets that
    width to the text's at every character, and the width is a reactive that lays the whole
    screen out again: at 50k records that layout was a third of a filter keystroke's work on the
    app's thread. The field's own width comes from the stylesheet (an `auto` width is laid out
    again by Input itself), and its text still scrolls inside it (scrolling reads this width)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0))
