"""The footer of every screen: Textual's, without the command palette's key in a narrow terminal.

Docked at the right end, that key covered the last keys of a full footer at 80 columns
(Ctrl+P still opens the palette, and the help screen says so)."""
from __future__ import annotations

from textual import events
from textual.widgets import Footer

WIDE = 100   # columns from which the palette's key has room beside the others


class KeyFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        self.show_command_palette = event.size.width >= WIDE
