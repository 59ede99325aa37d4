"""A one-line input whose width the screen sets: what is typed repaints the field alone."""
from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input

from ..keys import StyledForFocusOnceTyped


class SteadyInput(StyledForFocusOnceTyped, Input):
    """Textual's Input with its scrollable width kept out of the screen's layout. Input sets that
    width to the text's at every character, and the width is a reactive that lays the whole
    screen out again: at 50k records that layout was a third of a filter keystroke's work on the
    app's thread. The field's own width comes from the stylesheet (an `auto` width is laid out
    again by Input itself), and its text still scrolls inside it (scrolling reads this width).

    An input that starts empty and valid (as every form field does) is marked `-valid` here; one
    that starts with a value has its mark from Input's validation of it. Input marks it at its
    first validation, the first character typed: a restyle of the field (its four component
    classes too, 1-3 ms) in the middle of a burst of keys, once for every field the burst enters.
    Marked before the field is mounted, it is styled with the rest of the form. (An empty value
    that is not valid is left to Input: it is not marked until something is typed.) Its restyle
    for the focus waits for the keys typed ahead (tui/keys.py)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.value and (self.valid_empty or all(v.validate("").is_valid for v in self.validators)):
            self.add_class("-valid", update=False)
