"""What a screen cuts off or runs together at its size: words cut short in their widget or at the
terminal's edge, and a label whose last letter touches the next widget's first (a title run into
its value: 'Resident ID number340524…', two placeholders side by side). For walks through the screens (tests/test_tui_walk.py)."""
from __future__ import annotations

from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input, Select, Tabs

from rich.text import Text


def _text(widget: Widget) -> str | None:
    """The widget's own words, if it shows text (not a table, a chart or a list of its own); an
    empty input's placeholder (what a field is for, when no label says it)."""
    if isinstance(widget, Input):
        return widget.placeholder if not widget.value else None
    try:
        shown = widget.render()
    except Exception:
        return None
    return str(shown) if isinstance(shown, (str, Text, Content)) else None


def _lines(widget: Widget) -> list[str]:
    region = widget.region
    return [strip.text for strip in widget.render_lines(Region(0, 0, region.width, region.height))]


def overflow(app) -> list[str]:
    width = app.size.width
    found: list[str] = []
    texts: list[tuple[Widget, list[str]]] = []
    for w in app.screen.walk_children(with_self=False):
        if not w.display or not w.visible or not w.region.area or w.children:
            continue
        if any(isinstance(a, (Select, Tabs)) for a in w.ancestors):   # (their own parts: an arrow, a tab's bar)
            continue
        text = _text(w)
        if w.region.x < width < w.region.right:
            found.append(f"{w!r} runs off the right edge: {text or ''!r}")
            continue
        if text is None or not text.strip() or w.region.x >= width:
            continue
        lines = _lines(w)
        if "".join(text.split()) not in "".join("".join(lines).split()):
            found.append(f"{w!r} cut: {text!r} shows as {' / '.join(l.strip() for l in lines if l.strip())!r}")
        texts.append((w, lines))
    by_place = {(w.region.right, w.region.y + y): (w, line) for w, lines in texts for y, line in enumerate(lines)}
    for w, lines in texts:
        for y, line in enumerate(lines):
            left = by_place.get((w.region.x, w.region.y + y))
            if left and line[:1].strip() and left[1][-1:].strip() \
                    and not (left[0].has_class("-grouped") and w.has_class("-grouped")):   # (keys 1…8 as one)
                found.append(f"{left[0]!r} runs into {w!r}: {left[1].strip()!r}{line.strip()!r}")
    return found
