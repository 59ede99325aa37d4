"""A panel of dashboard figures: one line per figure, Enter opens the records behind it."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.cache import LRUCache
from textual.message import Message
from textual.visual import Visual, visualize
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..keys import install_keys

BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(ratio: float, width: int, style: str) -> Text:
    """A progress bar drawn with block characters (eighths for the last cell)."""
    ratio = max(0.0, min(1.0, ratio))
    eighths = round(ratio * width * 8)
    full, part = divmod(eighths, 8)
    text = Text("█" * full, style=style)
    if part and full < width:
        text.append(BLOCKS[part], style=style)
    text.append("░" * (width - text.cell_len), style="dim")
    return text


@dataclass(frozen=True)
class Figure:
    prompt: Text
    record_type: str | None = None     # the section that lists the records behind it
    ids: tuple[str, ...] = ()
    caption: str = ""                  # what the section says it is showing
    heading: bool = False              # a title line: not selectable


class FigureList(OptionList):
    KEYS = [Binding("enter", "select", "tui.key.open", id="bangfu.figures.open")]
    CHUNK = 150       # lines laid out between two repaints (about 30 ms on a quiet machine)
    DRAWN = 256       # lines kept drawn: a screenful, highlighted or not, and a few screens scrolled past
    _adding: list[Figure] = []       # the figures being laid out
    _wanted: int | None = None       # the line to highlight once it is laid out
    _wanted_top = False              # ... and to show at the top

    class Open(Message):
        """The user asked to see the records behind a figure."""

        def __init__(self, figure: Figure) -> None:
            super().__init__()
            self.figure = figure

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        install_keys(self)
        self.figures: list[Figure] = []
        self._option_render_cache = LRUCache(maxsize=self.DRAWN)

    def _get_visual(self, option: Option) -> Visual:
        # Drawn when painted, not kept with the line: OptionList keeps each line's drawn form for as
        # long as the line, and the plans panel of a county's decade holds 30,000 lines (40 MB of
        # drawn forms in every dashboard, while only a screenful is ever painted at once). A line's
        # height is asked once, when it is laid out; a painted line is kept drawn among the last
        # DRAWN.
        return visualize(self, option.prompt, markup=self._markup)

    def set_figures(self, figures: list[Figure]) -> None:
        """Replace the lines, keeping the highlighted line where it was (a live update must
        not move the user). The lines are laid out a few hundred at a time, a repaint between:
        at a million records the plans panel holds 30,000 of them, and laying them out at once held
        the screen still for 1.1 s."""
        keep = self.highlighted if self._wanted is None else self._wanted   # (one not laid out yet)
        self.figures = figures
        self.clear_options()
        self._adding = figures
        if keep is None or keep >= len(figures) or figures[keep].heading:
            keep = next((n for n, f in enumerate(figures) if not f.heading), None)
        self._wanted = keep
        self._add_some(figures)

    def _on_resize(self, event: events.Resize) -> None:
        # At another width Textual lays every line out again, at once: here, a few at a time.
        if self.option_count > self.CHUNK:
            self.set_figures(self.figures)

    def show(self, n: int) -> None:
        """Highlight line `n` at the top of the panel (once it is laid out)."""
        self._wanted, self._wanted_top = n, True
        self._highlight_wanted()

    def _add_some(self, figures: list[Figure]) -> None:
        if figures is not self._adding:
            return   # newer figures took their place
        done = self.option_count
        self.add_options([Option(f.prompt, id=str(n), disabled=f.heading)
                          for n, f in enumerate(figures[done:done + self.CHUNK], done)])
        self._highlight_wanted()
        if self.option_count < len(figures):
            self.call_after_refresh(self._add_some, figures)
        else:
            self._adding = []

    def _highlight_wanted(self) -> None:
        if self._wanted is not None and self._wanted < self.option_count:
            self.highlighted = self._wanted
            if self._wanted_top:
                self.scroll_to_highlight(top=True)
            self._wanted, self._wanted_top = None, False

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        figure = self.figures[int(event.option.id)]
        self.post_message(self.Open(figure))
