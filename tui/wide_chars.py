"""Chinese text whole where an overlay crosses the edge of a widget under it (Textualize/textual#6357).

Textual's compositor cuts every line of the screen at each widget's left and right edge, divides the
line of every widget at those cuts, and lets the topmost widget's piece win each stretch between two
cuts. A double-width character that straddles a cut is replaced by two spaces when it is divided.
So a toast, a Select's list or a tooltip lying over the border between two panels lost the
character that fell on the border: "演示台  在" for "演示台账在", though the overlay owns both cells.

Here a widget's line is not divided between two neighbouring stretches that the widget wins: it goes
out as one piece, and the stretches it covers stay taken so that no widget below paints there. A
widget below still loses the half of a character that lies under the overlay's edge (its other half
becomes a space, as before: the overlay neither moves nor loses a cell).

Partial updates (only what changed is sent to the terminal) write the same pieces. The widgets
they leave out still take their stretches of the lines sent, so that a joined piece never reaches
over one of them; a piece is sent from its start, and where the update stops inside a double-width
character the whole character is sent (a half would be a space on the terminal, and it would wipe
the character's other half).

Written against Textual's private compositor (`_render_chops`, `render_partial_update`, ChopsUpdate)
of TEXTUAL_VERSION; tests/test_tui_wide_chars.py fails on any other version, to be looked at again
(drop this module once the upstream issue is fixed)."""
from __future__ import annotations

from itertools import islice
from typing import Callable, Mapping, Sequence

from rich.control import Control
from textual._cells import cell_len
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip

TEXTUAL_VERSION = "8.2.8"

_TAKEN = Strip([], 0)    # a stretch covered by the piece of the stretch before it (removed at the end)
_UNSEEN = Strip([], 0)   # a stretch of a widget left out of a partial update (None at the end)


class WholeCharsCompositor(Compositor):
    """Textual's compositor, with a widget's neighbouring stretches painted as one piece."""

    def _render_chops(self, crop: Region, is_rendered_line: Callable[[int], bool]) -> Sequence[Mapping[int, Strip]]:
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        done: set[int] = set()     # lines with stretches marked _TAKEN or _UNSEEN
        overlaps = crop.overlaps
        intersection = Region.intersection
        crop_top, crop_bottom = crop.y, crop.bottom

        # Widgets come topmost first: the first piece over a stretch wins it. In a partial update
        # the widgets outside the crop are not rendered, but they still take their stretches of the
        # lines updated, so that a joined piece never reaches over a widget above it.
        for widget, (region, clip) in self.visible_widgets.items():
            if not overlaps(clip):
                top, bottom = max(region.y, clip.y, crop_top), min(region.bottom, clip.bottom, crop_bottom)
                if top < bottom:
                    first_cut, last_cut = intersection(region, clip).column_span
                    for y in range(top, bottom):
                        if is_rendered_line(y):
                            line = chops[y]
                            for cut in cuts[y]:
                                if first_cut <= cut < last_cut and line[cut] is None:
                                    line[cut] = _UNSEEN
                                    done.add(y)
                continue
            render_region = intersection(region, clip)
            if not render_region:
                continue
            first_cut, last_cut = render_region.column_span
            render_x = render_region.x
            strips = widget.render_lines(Region(render_x - region.x, render_region.y - region.y,
                                                render_region.width, render_region.height))
            for y, strip in zip(render_region.line_range, strips):
                if not is_rendered_line(y):
                    continue
                line = chops[y]
                line_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                if len(line_cuts) == 2:     # a single stretch (most lines): as Textual does it
                    if line[first_cut] is None:
                        for piece in strip.divide((last_cut - render_x,)):
                            line[first_cut] = piece
                    continue
                # Divided only where this widget's ownership changes: a stretch it wins right
                # after one it won joins that one's piece.
                starts: list[int] = []
                joined: list[int] = []
                won_last = False
                for cut in line_cuts[:-1]:
                    won = line[cut] is None
                    (joined if won and won_last else starts).append(cut)
                    won_last = won
                pieces = strip.divide([cut - render_x for cut in starts[1:]] + [last_cut - render_x])
                for start, piece in zip(starts, pieces):
                    if line[start] is None:
                        line[start] = piece
                if joined:
                    done.add(y)
                    for cut in joined:
                        line[cut] = _TAKEN
        for y in done:
            line = chops[y]
            for cut, piece in list(line.items()):
                if piece is _TAKEN:
                    del line[cut]
                elif piece is _UNSEEN:
                    line[cut] = None
        return chops  # type: ignore[return-value]

    def render_partial_update(self) -> ChopsUpdate | None:
        update_regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not update_regions:
            return None
        crop = Region.from_union(update_regions).intersection(self.size.region)
        spans = list(self._regions_to_spans(update_regions))
        chops = self._render_chops(crop, {y for y, _, _ in spans}.__contains__)
        # Each piece ends where the next begins (a joined piece covers several stretches).
        chop_ends = [cut_set[1:] if len(line) == len(cut_set) - 1 else [*islice(line, 1, None), cut_set[-1]]
                     for line, cut_set in zip(chops, self.cuts)]
        return WholeCharsUpdate(chops, spans, chop_ends)


class WholeCharsUpdate(ChopsUpdate):
    """A partial update that never stops inside a double-width character."""

    def render_segments(self, console) -> str:
        sequences: list[str] = []
        append = sequences.append
        move_to = Control.move_to
        last_y = self.spans[-1][0]
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items()):
                if strip is None or x > x2 or end <= x1:
                    continue
                if not (x2 > x >= x1 and end <= x2):
                    strip = strip.crop(0, _whole_cells(strip, min(end, x2) - x))
                append(move_to(x, y).segment.text)
                append(strip.render(console))
            if y != last_y:
                append("\n")
        return "".join(sequences)


def _whole_cells(strip: Strip, cells: int) -> int:
    """`cells`, or one more where a double-width character of the strip starts in the last of them."""
    pos = 0
    for segment in strip:
        if pos >= cells:
            break
        end = pos + cell_len(segment.text)
        if end > cells:
            for char in segment.text:
                pos += cell_len(char)
                if pos >= cells:
                    return pos
        pos = end
    return cells


def fit(screen: Screen) -> None:
    """Give a screen that has not started yet the compositor above."""
    if not screen.is_running and type(screen._compositor) is Compositor:
        screen._compositor = WholeCharsCompositor()
