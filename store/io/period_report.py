"""The twinning report of a period and level (a county's school year, a township's term, one plan
over four years) as the county files it: Markdown, HTML printed on A4, or xlsx, each with the
reporting unit, the period, the date it was made and the lines for 制表人, 审核人 and 单位盖章.

The figures are store/figures/period.py's, the same the dashboard's school-year view shows; this
module only lays them out as tables (`sections`), once for all three writers.
"""
from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from typing import Any, Callable

from store.core import i18n
from store.core.errors import UsageError
from store.core.money import yuan
from store.core.text import display_width
from store.figures.period import PeriodFigures
from store.io import export, report as term_report

FORMATS = ("md", "html", "xlsx")


def T(key: str, **params: Any) -> str:
    return i18n.t(f"io.period.{key}", **params)


def when(term, t, short: bool = False) -> str:
    """What a target's row counts over: its term's months (`short`: its first), its school year, or the
    plan's period."""
    if t.per == "全程":
        return T("when_plan")
    if t.per == "学年":
        first = term.start.year - (term.start.month < 9)
        return T("when_year", year=f"{first}-{first + 1}")
    return term.start.isoformat()[:7] + ("" if short else "—" + term.end.isoformat()[:7])


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    money: set[int] = field(default_factory=set)     # columns in fen, shown as yuan
    note: str = ""


def _num(v: float) -> str:
    return f"{v:g}"


def level_word(level: str) -> str:
    return T(f"level_{level}")


def period_words(f: PeriodFigures) -> str:
    p = f.period
    return T(f"period_{p.kind}", name=p.name.replace("..", "—"), start=p.start.isoformat(), end=p.end.isoformat())


def title(f: PeriodFigures) -> str:
    return T("title", unit=f.scope.name, period=period_words(f))


def header_lines(f: PeriodFigures) -> list[tuple[str, str]]:
    return [(T("unit"), T("aside", main=f.scope.name, aside=level_word(f.scope.level))),
            (T("period"), T("aside", main=f"{f.period.start.isoformat()} — {f.period.end.isoformat()}", aside=period_words(f))),
            (T("made_on"), f.today.isoformat()),
            (T("source"), T("source_line", ledger=f.ledger_name, commit=f.commit[:12]))]


def rate_text(f: PeriodFigures, say: Callable[..., str] = T) -> str:
    """The 辍学率 of the level in words, saying where it comes from (measured.py `dropout`); `say`
    gives the words of a report (the default) or of a screen, from the same figures."""
    d, n = f.dropout, f.names
    if d.rate is None:
        if d.reason == "unweighable":
            return say("dropout_unknown_unweighable", schools=i18n.listing(n.get(s, s) for s in d.unweighable))
        return say("dropout_unknown_no_schools") if d.reason == "no_schools" else say("dropout_unknown",
                                                                                       count=len(d.left_out))
    common = {"rate": f"{d.rate:.2f}", "headcount": d.headcount, "dropouts": len(d.dropouts), "day": d.as_of}
    unweighed = i18n.listing(say("dropout_measured_at", school=n.get(s, s), rate=f"{rate:.2f}") for s, rate in d.unweighed)
    if d.source == "measured" and len(d.measured) == 1:
        text = say("dropout_measured", school=n.get(d.measured[0], d.measured[0]), **common)
    elif d.source == "measured":
        text = say("dropout_measured_many", count=len(d.measured), **common)
    elif d.source == "mixed":
        text = say("dropout_mixed", measured=len(d.measured), worked=len(d.worked_out), **common)
    else:
        text = say("dropout_rate", **common)
    return (text + (say("dropout_unweighed", schools=unweighed, count=len(d.unweighed)) if d.unweighed else "")
            + (say("dropout_left_out", count=len(d.left_out)) if d.left_out else ""))


def headline(f: PeriodFigures) -> list[list[Any]]:
    met = sum(1 for _p, _t, x in f.targets() if x.met is True)
    missed = sum(1 for _p, _t, x in f.targets() if x.met is False and not x.open)
    running = sum(1 for _p, _t, x in f.targets() if x.open)
    gaps_plans = sum(1 for g in f.gaps if g.kind == "plan" and g.empty_months)
    gaps_schools = sum(1 for g in f.gaps if g.kind == "school" and g.empty_months)
    return [
        [T("plans"), len(f.plans)],
        [T("supporting"), len(f.supporting)],
        [T("supported"), len(f.supported)],
        [T("activities"), len(f.visits)],
        [T("hours_sent"), _num(f.hours_sent)],
        [T("lectures"), f.lectures],
        [T("seconded_people"), f.seconded_people],
        [T("seconded_times"), f.seconded_times],
        [T("batches"), len(f.batches)],
        [T("short"), sum(1 for s in f.secondments if s.short)],
        [T("cash"), yuan(f.cash_fen) + T("yuan")],
        [T("goods"), yuan(f.goods_fen) + T("yuan")],
        [T("targets_met"), T("targets_line", met=met, missed=missed, open=running)],
        [T("targets_missing"), sum(1 for _p, _t, x in f.targets() if x.missing)],
        [T("gaps_line_plans"), gaps_plans],
        [T("gaps_line_schools"), gaps_schools],
        [T("dropout"), rate_text(f)],
    ]


def sections(f: PeriodFigures) -> list[Table]:
    n = f.names
    out = [Table(T("overview"), [T("col_item"), T("col_value")], headline(f))]
    for p in f.plans:
        rows = [[T("col_status"), i18n.value(p.status)], [T("col_span"), f"{p.start} — {p.end}"]]
        rows += [[T("col_pair"), T("pair_line", supporter=n.get(x.supporter, x.supporter),
                                     supported=n.get(x.supported, x.supported),
                                     dims=i18n.values(list(x.dimensions)) or "—")] for x in p.pairs]
        rows += [[T("col_group"), T("group_member", role=role, name=name) + (f"（{pos}）" if pos else "")]
                 for role, name, pos, _school in p.leading_group]
        rows += [[T("col_goal", area=area), text] for area, text in p.goals]
        if p.budget_fen is not None:
            by_year = "；".join(f"{y}：{yuan(fen)}" for y, fen in p.budget_by_year)
            rows.append([T("col_budget"), yuan(p.budget_fen) + T("yuan") + (f"（{by_year}）" if by_year else "")])
        out.append(Table(T("plan_title", title=p.title), [T("col_item"), T("col_value")], rows))
    rows = []
    for p, term, t in f.targets():
        s = term_report.shortfall(t, [], [])
        rows.append([p.title, when(term, t), s.text, *term_report.actual_and_result(s)])
    out.append(Table(T("targets"), [T("col_plan"), T("col_when"), T("col_target"), T("col_actual"), T("col_result"),
                                    T("col_gap")], rows))
    out.append(Table(T("kinds"), [T("col_kind"), T("col_count"), T("col_hours"), T("col_times")],
                     [[k.kind, k.count, _num(k.hours), _num(k.person_times)] for k in f.kinds]))
    out.append(Table(T("batches_title"), [T("col_batch"), T("col_first_day"), T("col_records"), T("col_people"),
                                          T("col_times"), T("col_total_people"), T("col_total_times")],
                     [[b.batch, b.first_day, len(b.secondments), b.people, b.times, b.total_people, b.total_times]
                      for b in f.batches]))
    out.append(Table(T("secondments"), [T("col_batch"), T("col_kind"), T("col_names"), T("col_from"), T("col_to"),
                                        T("col_start"), T("col_end"), T("col_people"), T("col_flag")],
                     [[s.batch, s.kind, s.names, n.get(s.from_school, s.from_school), n.get(s.to_school, s.to_school),
                       s.start, s.end, len(s.people), T("too_short") if s.short else ""] for s in f.secondments]))
    out.append(Table(T("service"), [T("col_teacher"), T("col_school"), T("col_title"), T("col_records"),
                                    T("col_days"), T("col_school_days"), T("col_years")],
                     [[s.name, n.get(s.school, s.school), s.title, len(s.secondments), s.days, s.school_days,
                       i18n.listing(s.years)] for s in f.service], note=T("service_note")))
    donors = [[name, cash, goods, cash + goods] for name, cash, goods in f.by("donor")]
    recipients = [[name, cash, goods, cash + goods] for name, cash, goods in f.by("recipient")]
    total = [[T("total"), f.cash_fen, f.goods_fen, f.cash_fen + f.goods_fen]] if f.donations else []
    out.append(Table(T("by_donor"), [T("col_donor"), T("col_cash"), T("col_goods"), T("col_total")], donors + total,
                     money={1, 2, 3}))
    out.append(Table(T("by_recipient"), [T("col_recipient"), T("col_cash"), T("col_goods"), T("col_total")],
                     recipients + total, money={1, 2, 3}))
    out.append(Table(T("completeness"), [T("col_what"), T("col_name"), T("col_months"), T("col_empty_months"),
                                         T("col_empty_terms"), T("col_open")],
                     [[T(f"what_{g.kind}"), n.get(g.record, g.record), len(g.months), i18n.listing(g.empty_months),
                       i18n.listing(g.empty_terms), g.open_month] for g in f.gaps], note=T("completeness_note")))
    d = f.dropout
    names = lambda schools: i18n.listing(n.get(s, s) for s in schools)  # noqa: E731
    rows = [[T("dropout_schools"), len(d.schools)]]
    if d.measured:
        rows += [[T("dropout_measured_schools"), names(d.measured)],
                 [T("dropout_measurements"), i18n.listing(d.measurements)]]
    if d.worked_out:
        rows += [[T("dropout_worked_schools"), names(d.worked_out)], [T("dropout_count"), len(d.dropouts)]]
    rows += [[T("dropout_headcount"), d.headcount if d.headcount else "—"], [T("dropout"), rate_text(f)]]
    if d.unweighed:
        rows.append([T("dropout_unweighed_schools"), i18n.listing(
            T("dropout_measured_at", school=n.get(s, s), rate=f"{rate:.2f}") for s, rate in d.unweighed)])
    if d.left_out:
        rows.append([T("dropout_without"), names(d.left_out)])
    out.append(Table(T("dropout_title"), [T("col_item"), T("col_value")], rows, note=T("dropout_note")))
    return out


def _cell(v: Any, money: bool) -> str:
    if v is None:
        return ""
    if money and isinstance(v, int):
        return yuan(v)
    return str(v)


# ---- Markdown -------------------------------------------------------------------------------------

def markdown(f: PeriodFigures) -> str:
    md = term_report._md
    L = [f"# {md(title(f))}", ""]
    L += [f"- {md(T('head_line', name=k, value=v))}" for k, v in header_lines(f)] + [""]
    for t in sections(f):
        L += [f"## {md(t.title)}", ""]
        L += term_report._md_table(t.headers, t.rows, t.money)
        if t.note:
            L += [md(t.note), ""]
    L += ["", "　　".join(term_report.sign_lines()), ""]
    return "\n".join(L)


# ---- HTML, printed on A4 -------------------------------------------------------------------------

_CSS = """@page{size:A4;margin:15mm 12mm}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","SimSun",sans-serif;font-size:10.5pt;color:#000;margin:0 auto;max-width:186mm}
h1{font-size:16pt;text-align:center;margin:0 0 .6em}h2{font-size:12pt;margin:1.2em 0 .3em;break-after:avoid}
table{border-collapse:collapse;width:100%;margin:.3em 0 .8em;break-inside:auto}tr{break-inside:avoid}
th,td{border:1px solid #000;padding:2px 4px;vertical-align:top}th{background:#eee}td.n{text-align:right}
.head{display:flex;flex-wrap:wrap;gap:.2em 2em;margin-bottom:.8em}.note{font-size:9pt;color:#333}
.sign{display:flex;justify-content:space-between;margin-top:2.5em;break-inside:avoid}
@media screen{body{margin:2em auto}}"""


def html_page(f: PeriodFigures) -> str:
    h = lambda v: html.escape(str(v))  # noqa: E731  (record text is data, never markup)
    B = [f"<h1>{h(title(f))}</h1>", '<div class="head">']
    B += [f"<span>{h(T('head_line', name=k, value=v))}</span>" for k, v in header_lines(f)]
    B.append("</div>")
    for t in sections(f):
        B.append(f"<h2>{h(t.title)}</h2>")
        if not t.rows:
            B.append(f'<p class="note">{h(term_report.T("none"))}</p>')
        else:
            B.append("<table><thead><tr>" + "".join(f"<th>{h(x)}</th>" for x in t.headers) + "</tr></thead><tbody>")
            for r in t.rows:
                B.append("<tr>" + "".join(
                    f'<td class="n">{h(_cell(v, i in t.money))}</td>' if (i in t.money or isinstance(v, (int, float)))
                    else f"<td>{h(_cell(v, False))}</td>" for i, v in enumerate(r)) + "</tr>")
            B.append("</tbody></table>")
        if t.note:
            B.append(f'<p class="note">{h(t.note)}</p>')
    B.append('<div class="sign">' + "".join(f"<span>{h(s)}</span>" for s in term_report.sign_lines()) + "</div>")
    lang = "zh-CN" if i18n.lang() == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{h(title(f))}</title>'
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(B) + "\n</body></html>\n")


# ---- xlsx -----------------------------------------------------------------------------------------

def workbook_bytes(f: PeriodFigures) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = T("sheet")[:31]
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = title(f).replace("&", "&&")   # (& starts a code in a header: &P is the page)
    ws.oddFooter.center.text = "&P / &N"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    # A table's cells take named styles: a style set cell by cell is compared with every style
    # the book has (openpyxl hashes it each time), which took most of a county report's time.
    cell_style = NamedStyle("Bangfu cell", border=box, alignment=Alignment(wrap_text=True, vertical="top"))
    head_style = NamedStyle("Bangfu heading", font=Font(bold=True), fill=PatternFill("solid", fgColor="EEEEEE"),
                            border=box, alignment=Alignment(wrap_text=True, vertical="top"))
    wb.add_named_style(cell_style)
    wb.add_named_style(head_style)
    ws.cell(1, 1, title(f)).font = Font(bold=True, size=14)
    row = 2
    for k, v in header_lines(f):
        ws.cell(row, 1, k).font = Font(bold=True)
        ws.cell(row, 2, v)
        row += 1
    widths: dict[int, int] = {}
    for t in sections(f):
        row += 1
        ws.cell(row, 1, t.title).font = Font(bold=True, size=12)
        row += 1
        for i, x in enumerate(t.headers, 1):
            ws.cell(row, i, x).style = head_style.name
            widths[i] = max(widths.get(i, 8), min(display_width(x) + 2, 40))
        for r in t.rows or [[term_report.T("none")]]:
            row += 1
            for i, v in enumerate(r, 1):
                if (i - 1) in t.money and isinstance(v, int):
                    c = ws.cell(row, i, v / 100)
                    c.style = cell_style.name
                    c.number_format = "#,##0.00"
                else:
                    c = ws.cell(row, i, v)
                    c.style = cell_style.name
                    if isinstance(v, str) and v.startswith("="):
                        c.data_type = "s"     # data, never a formula
                widths[i] = max(widths.get(i, 8), min(display_width(_cell(v, (i - 1) in t.money)) + 2, 40))
        if t.note:
            row += 1
            ws.cell(row, 1, t.note).font = Font(italic=True, size=9)
    row += 2
    for i, s in enumerate(term_report.sign_lines()):
        ws.cell(row, 1 + 2 * i, s)
    for i, w in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- writing --------------------------------------------------------------------------------------

def render(f: PeriodFigures, fmt: str) -> bytes:
    if fmt == "md":
        return markdown(f).encode("utf-8")
    if fmt == "html":
        return html_page(f).encode("utf-8")
    if fmt == "xlsx":
        return workbook_bytes(f)
    raise UsageError("io.report.bad_format", format=fmt, allowed=i18n.listing(FORMATS))


def default_name(f: PeriodFigures, fmt: str) -> str:
    return file_name(f.scope.name, f.period.name, fmt)


def file_name(unit: str, period: str, fmt: str) -> str:
    """统计表-六安市叶集区-2025-2026.html (what the dashboard's dialog proposes before the figures exist)."""
    return export.file_name(T('file_stem'), unit, period.replace('..', '_'), ext=fmt)
