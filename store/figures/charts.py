"""Charts of a term: activities per month against the plan's schedule, aid paid per month.

Data first (`activity_months`, `aid_months`), then three renderings of the same data:
plain strings of unicode bars for terminals and Markdown (`render_activity`, `render_aid`,
`render_bars`, `sparkline`), inline SVG for the html report (`svg_bars`). The xlsx report
draws them with openpyxl's BarChart from the same rows. No terminal library here: the
strings are plain text, so the TUI and the md report can both use them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import html
from dataclasses import dataclass, field
from typing import Callable, Sequence

from store.core import i18n
from store.figures.dashboard import months as month_range
from store.core.money import fen_of
from store.figures.dashboard import term_span
from store.core.money import yuan
from store.core.text import display_width

BLOCKS = " ▏▎▍▌▋▊▉█"
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class MonthBar:
    month: str                                  # YYYY-MM
    count: int                                  # activities logged that month
    kinds: dict[str, int] = field(default_factory=dict)
    planned: tuple[str, ...] = ()               # activity types the schedule plans for the month
    scheduled: bool = False                     # the schedule has an entry for the month
    records: tuple[str, ...] = ()

    @property
    def done(self) -> bool | None:
        """Every planned type was logged (None: nothing planned that month)."""
        if not self.scheduled:
            return None
        if self.planned:
            return all(k in self.kinds for k in self.planned)
        return self.count > 0


@dataclass(frozen=True)
class AidMonth:
    month: str
    paid_fen: int
    payments: int


def activity_months(plan: dict, visits: Sequence[dict], start: dt.date, end: dt.date,
                    today: dt.date | None = None) -> list[MonthBar]:
    """One bar per month of start..end: the plan's activities logged and what its schedule planned.
    Seen on `today`, a month to come is not judged against its schedule, nor the month under way
    until what it planned is logged."""
    now = today.strftime("%Y-%m") if today else "9999-12"
    schedule = {s.get("month"): s for s in plan.get("schedule") or []}
    by_month: dict[str, list[dict]] = {}
    for v in visits:
        if v.get("plan") == plan.get("id") and isinstance(v.get("date"), str):
            by_month.setdefault(v["date"][:7], []).append(v)
    out = []
    for m in month_range(start, end):
        logged = by_month.get(m, [])
        kinds: dict[str, int] = {}
        for v in logged:
            kinds[v.get("kind", "")] = kinds.get(v.get("kind", ""), 0) + 1
        entry = schedule.get(m)
        bar_ = MonthBar(m, len(logged), kinds, tuple((entry or {}).get("kinds") or ()), entry is not None,
                        tuple(v["id"] for v in logged))
        if m > now or (m == now and not bar_.done):
            bar_ = dataclasses.replace(bar_, scheduled=False)
        out.append(bar_)
    return out


def aid_months(payments: Sequence[dict], term: str) -> list[AidMonth]:
    """Amount paid per month of the term (payments dated outside it add their own months)."""
    start, end = term_span(term)
    sums: dict[str, list[int]] = {m: [0, 0] for m in month_range(start, end)}
    for a in payments:
        m = str(a.get("paid_on", ""))[:7]
        if len(m) == 7:
            slot = sums.setdefault(m, [0, 0])
            slot[0] += fen_of(a, "amount_fen")
            slot[1] += 1
    return [AidMonth(m, fen, n) for m, (fen, n) in sorted(sums.items())]


# ---- plain text -----------------------------------------------------------------------------

def bar(value: float, maximum: float, width: int) -> str:
    """A horizontal bar of eighth blocks, `width` cells at `maximum`."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / maximum * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (BLOCKS[rest] if rest else "")


def sparkline(values: Sequence[float]) -> str:
    """▁▂▅█: one character per value, scaled to the largest (a zero stays the lowest block)."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v / top * (len(SPARKS) - 1) + 0.5))] if v > 0 else SPARKS[0]
                   for v in values)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def render_bars(rows: Sequence[tuple[str, float, str]], width: int = 30,
                shown: Callable[[float], str] = lambda v: f"{v:g}") -> list[str]:
    """`label  ████▌ value  note` lines, labels and values aligned (Chinese counts double)."""
    if not rows:
        return []
    top = max((v for _l, v, _n in rows), default=0)
    lw = max(display_width(label) for label, _v, _n in rows)
    vw = max(len(shown(v)) for _l, v, _n in rows)
    out = []
    for label, value, note in rows:
        line = f"{pad(label, lw)} {pad(bar(value, top, width), width)} {shown(value).rjust(vw)}"
        out.append((line + ("  " + note if note else "")).rstrip())
    return out


def plan_note(b: MonthBar) -> str:
    if not b.scheduled:
        return ""
    mark = "✓" if b.done else "✗"
    planned = i18n.values(list(b.planned)) if b.planned else i18n.t("io.chart.something")   # (in the reader's words)
    return f"{mark} {i18n.t('io.chart.planned')}{'：' if i18n.lang() == 'zh' else ': '}{planned}"


def render_activity(bars: Sequence[MonthBar], width: int = 24) -> list[str]:
    """Activities per month with the schedule: ✓ what was planned was logged, ✗ it was not."""
    return render_bars([(b.month, b.count, plan_note(b)) for b in bars], width, lambda v: str(int(v)))


def render_aid(months: Sequence[AidMonth], width: int = 24) -> list[str]:
    return render_bars([(m.month, m.paid_fen, i18n.t("io.chart.payments", count=m.payments) if m.payments else "")
                        for m in months], width, lambda v: yuan(int(v)))


# ---- inline SVG (html report) ---------------------------------------------------------------

def svg_bars(rows: Sequence[tuple[str, float, str]], *, title: str, shown: Callable[[float], str] = lambda v: f"{v:g}",
             marks: Sequence[bool | None] | None = None, width: int = 640) -> str:
    """A horizontal bar chart as an inline <svg> (no script, no external asset). Every text
    comes from records or the catalogue and is escaped."""
    row_h, label_w, value_w = 22, 90, 300
    top = max((v for _l, v, _n in rows), default=0)
    plot = width - label_w - value_w - 10
    height = row_h * len(rows) + 30
    e = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f"<title>{e(title)}</title>"]
    for i, (label, value, note) in enumerate(rows):
        y = 20 + i * row_h
        w = 0 if top <= 0 else max(1 if value > 0 else 0, round(value / top * plot))
        colour = "#4472c4"
        if marks is not None and marks[i] is False:
            colour = "#c00000"
        parts.append(f'<text x="0" y="{y + 14}">{e(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 8}" fill="{colour}">'
                     f"<title>{e(label)}: {e(shown(value))}{(' ' + e(note)) if note else ''}</title></rect>")
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 14}">{e(shown(value))}'
                     f'{(" " + e(note)) if note else ""}</text>')
    parts.append("</svg>")
    return "".join(parts)
