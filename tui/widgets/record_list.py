"""A list of records that stays instant at 50 000 rows.

It holds only the ordered ids of the rows; a row is formatted when it is drawn
(Textual's Line API: `render_line` draws one screen line), and only the rows on
screen are kept formatted. A fixed header line shows the columns and the sort.
"""
from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..columns import COLUMNS, Column, Names, fit

GAP = 1


def _cell(text: str, width: int, right: bool) -> str:
    """Text cut or padded to exactly `width` cells (Chinese characters take two)."""
    text = text.replace("\n", " ").replace("\t", " ")
    used = cell_len(text)
    if used > width:
        cut, used = [], 1                     # one cell for the ellipsis
        for char in text:
            if used + cell_len(char) > width:
                break
            cut.append(char)
            used += cell_len(char)
        text = "".join(cut) + "…" if width > 0 else ""
    pad = " " * (width - used)
    return pad + text if right else text + pad


class RecordList(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    RecordList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
    }
    RecordList > .record-list--header { text-style: bold; color: $text-accent; }
    RecordList > .record-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
                                         text-style: bold; }
    RecordList > .record-list--cursor-blurred { background: $block-cursor-blurred-background; }
    RecordList > .record-list--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES = {"record-list--header", "record-list--cursor", "record-list--cursor-blurred",
                         "record-list--empty"}
    BINDINGS = [
        Binding("up", "move(-1)", show=False, id="bangfu.list.up"),
        Binding("down", "move(1)", show=False, id="bangfu.list.down"),
        Binding("pageup", "page(-1)", show=False, id="bangfu.list.page_up"),
        Binding("pagedown", "page(1)", show=False, id="bangfu.list.page_down"),
        Binding("home", "jump(0)", show=False, id="bangfu.list.first"),
        Binding("end", "jump(-1)", show=False, id="bangfu.list.last"),
        Binding("enter", "select", show=False, id="bangfu.list.select"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        def __init__(self, record_list: "RecordList", record_id: str | None) -> None:
            super().__init__()
            self.record_list = record_list
            self.record_id = record_id

        @property
        def control(self) -> "RecordList":
            return self.record_list

    class Selected(Highlighted):
        pass

    class HeaderClicked(Message):
        def __init__(self, record_list: "RecordList", column: int) -> None:
            super().__init__()
            self.record_list = record_list
            self.column = column

        @property
        def control(self) -> "RecordList":
            return self.record_list

    def __init__(self, record_type: str, names: Names, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.record_type = record_type
        self.columns: tuple[Column, ...] = COLUMNS[record_type]
        self.names = names
        self.sort_column = 0
        self.sort_reverse = False
        self.empty_text = ""
        self._ids: list[str] = []
        self._rows: dict[int, Strip] = {}       # formatted rows: only those on screen
        self._layout: list[tuple[int, int]] = []
        self._layout_width = -1
        self._announced: str | None | bool = False
        self._base: Style | None = None
        self._page: dict[str, dict | None] = {}   # the records of the page being drawn

    # -- what it shows -------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._ids)

    @property
    def formatted_rows(self) -> int:
        """How many rows are held formatted (never more than fit on screen)."""
        return len(self._rows)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    @property
    def highlighted(self) -> str | None:
        return self._ids[self.cursor] if 0 <= self.cursor < len(self._ids) else None

    @property
    def page_height(self) -> int:
        """Rows visible at once (the header takes one line)."""
        return max(1, self.scrollable_content_region.height - 1)

    def set_rows(self, ids: list[str], keep: str | None = None) -> None:
        """Show these ids in this order. The cursor stays on the record it was on (or `keep`)
        when that record is still listed, so a live update does not move the user."""
        target = keep or self.highlighted
        self._ids = ids
        self._page = {}
        index = -1
        if target is not None:
            try:
                index = ids.index(target)
            except ValueError:
                index = -1
        self._rows.clear()
        self._set_length(len(ids))
        self.cursor = index if index >= 0 else max(0, min(self.cursor, len(ids) - 1))
        self.refresh()

    def _set_length(self, rows: int) -> None:
        """The scrollable height for this many rows. The screen is laid out again only when the
        scroll bar comes or goes (as Textual does after a layout): the height changes with every
        key typed in the filter, and a layout repaints every widget on the screen."""
        size = Size(self.scrollable_content_region.width, rows + 1)
        if size != self.virtual_size:
            self.set_reactive(RecordList.virtual_size, size)
            self._scroll_update(size)
            self.refresh()

    def set_sort(self, column: int, reverse: bool) -> None:
        self.sort_column, self.sort_reverse = column, reverse
        self.refresh()

    def move_to(self, record_id: str) -> bool:
        try:
            self.cursor = self._ids.index(record_id)
            return True
        except ValueError:
            return False

    # -- cursor ---------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._ids) - 1)) if self._ids else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        current = self.highlighted
        if current != self._announced:
            self._announced = current
            self.post_message(self.Highlighted(self, current))

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self.page_height:
            self.scroll_to(y=self.cursor - self.page_height + 1, animate=False)

    def action_move(self, step: int) -> None:
        self.cursor += step

    def action_page(self, step: int) -> None:
        self.cursor += step * self.page_height

    def action_jump(self, where: int) -> None:
        self.cursor = 0 if where == 0 else len(self._ids) - 1

    def action_select(self) -> None:
        if self.highlighted:
            self.post_message(self.Selected(self, self.highlighted))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._ids) + 1)
        self._rows.clear()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = 0
            for index, width in self._layout:
                if x <= offset.x < x + width + GAP:
                    self.post_message(self.HeaderClicked(self, index))
                    return
                x += width + GAP
            return
        row = round(self.scroll_offset.y) + offset.y - 1
        if 0 <= row < len(self._ids):
            if row == self.cursor and event.chain > 1:
                self.action_select()
            self.cursor = row

    # -- drawing ---------------------------------------------------------------
    def _fit(self, width: int) -> None:
        if width != self._layout_width:
            self._layout = fit(self.columns, width, GAP)
            self._layout_width = width
            self._rows.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The style under every row, worked out once for the lines drawn together (asked of each
        # line, it walked the widget's ancestors 40 times a frame: a third of a filter's repaint).
        self._base = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        self._fit(width)
        base = self._base or self.rich_style
        if y == 0:
            return self._header(width, base)
        top = round(self.scroll_offset.y)
        index = top + y - 1
        if index >= len(self._ids):
            if index == 0 and self.empty_text:
                style = base + self.get_component_rich_style("record-list--empty")
                return Strip([Segment(_cell(self.empty_text, width, False), style)], width)
            return Strip.blank(width, base)
        strip = self._rows.get(index)
        if strip is None:
            if self._ids[index] not in self._page:   # a new page: its records in one read, not one each
                self._page = self.names.ledger.index.get_many(self._ids[top:top + self.page_height])
            strip = self._format(index, width, base)
            self._rows[index] = strip
            if len(self._rows) > self.page_height:
                visible = range(top, top + self.page_height)
                for stale in [i for i in self._rows if i not in visible]:
                    del self._rows[stale]
        if index == self.cursor:
            name = "record-list--cursor" if self.has_focus else "record-list--cursor-blurred"
            # Over the row's own colours (applied under them, the background never showed: bold alone)
            strip = Strip(list(Segment.apply_style(strip, post_style=self.get_component_rich_style(name))),
                          strip.cell_length)
        return strip

    def _header(self, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("record-list--header")
        segments = []
        for n, (index, cells) in enumerate(self._layout):
            title = self.columns[index].title
            if index == self.sort_column:
                title += " ↓" if self.sort_reverse else " ↑"
            segments.append(Segment(_cell(title, cells, self.columns[index].right), style))
            if n < len(self._layout) - 1:
                segments.append(Segment(" " * GAP, style))
        return Strip(segments).adjust_cell_length(width, style)

    def _format(self, index: int, width: int, base: Style) -> Strip:
        record = self._page.get(self._ids[index])
        if record is None:  # deleted since the list was made; the next update drops it
            return Strip([Segment(_cell("—", width, False), base)], width)
        segments = []
        for n, (column, cells) in enumerate(self._layout):
            col = self.columns[column]
            segments.append(Segment(_cell(col.cell(record, self.names), cells, col.right), base))
            if n < len(self._layout) - 1:
                segments.append(Segment(" " * GAP, base))
        return Strip(segments).adjust_cell_length(width, base)
