"""A 50 000-record ledger: the list opens, scrolls and filters while holding no more than
one screenful of formatted rows (the rest are ids, drawn only when scrolled to)."""
from __future__ import annotations

import gc
import subprocess

import pytest

from store.core import canonical, ids
from store import Ledger
from test_tui_app import TODAY, pilot_test, section, settle
from tui.app import BangfuApp

N = 50_000
NAMES = ["石桥镇第二中心小学", "沙河镇第二中心小学", "城关中学", "三元中学", "梓园小学", "九彩中学", "海原第四中学",
         "平岗中学"]


def school_id(n: int) -> str:
    return f"school-01JD{n:022d}"


@pytest.fixture
def big(tmp_path):
    """One commit adding N schools, written with `git fast-import`: the same files the store
    writes (canonical JSON at ids.path_of), without a minute of per-record validation."""
    path = tmp_path / "big"
    Ledger.init(path, site="测试站", name="大台账").close()
    chunks = [b"commit refs/heads/main\n", "committer 测试员 <tester@example.cn> 1795000000 +0800\n".encode(),
              b"data 20\nschool: import 50000\n", b"from refs/heads/main^0\n"]
    for n in range(N):
        record = {"id": school_id(n), "type": "school", "schema_version": 1, "name": NAMES[n % len(NAMES)],
                  "code": f"3207{n:06d}", "stage": "小学", "county": "某县", "area": "乡村"}
        data = canonical.dumps(record)
        chunks.append(b"M 100644 inline %s\ndata %d\n%s\n" % (ids.path_of(record["id"], ids.LATEST).encode(), len(data), data))
    subprocess.run(["git", "--git-dir", str(path), "fast-import", "--quiet"], input=b"".join(chunks), check=True)
    return path


@pilot_test
async def test_fifty_thousand_rows_open_scroll_and_filter(big):
    app = BangfuApp(Ledger(big), today=TODAY, poll_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        await settle(pilot)
        records = section(app).list
        page = records.page_height
        assert records.row_count == N
        assert not records.children                       # rows are drawn, not mounted as widgets
        assert 0 < records.formatted_rows <= page
        await pilot.press("end")
        await pilot.pause()
        assert records.highlighted == records.ids[-1] and records.formatted_rows <= page
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert records.cursor == N - 1 - 2 * page and records.formatted_rows <= page
        await pilot.press("slash", "s", "h", "q")         # 石桥镇第二中心小学: every eighth school
        await settle(pilot)
        assert records.row_count == N // len(NAMES)
        assert {app.ledger.index.get(i)["name"] for i in records.ids} == {NAMES[0]}
        assert records.formatted_rows <= page
        # The cursor and the view are on the first match (the list was scrolled to its end), the
        # detail shows it; the scroll bar goes when the matches fit and comes back with them.
        assert records.cursor == 0 and records.scroll_y == 0
        assert section(app).detail.record_id == records.ids[0]
        assert records.show_vertical_scrollbar and records.max_scroll_y == N // len(NAMES) + 1 - records.size.height
        await pilot.press("x")                           # shqx: nothing
        await settle(pilot)
        assert records.row_count == 0 and not records.show_vertical_scrollbar and records.max_scroll_y == 0
        assert section(app).detail.record_id is None
        await pilot.press("backspace")
        await settle(pilot)
        assert records.row_count == N // len(NAMES) and records.show_vertical_scrollbar
        assert records.max_scroll_y == N // len(NAMES) + 1 - records.size.height
        await pilot.press("enter", "end")               # from the filter to the list, to its end
        await pilot.pause()
        assert records.scroll_y == records.max_scroll_y and records.highlighted == records.ids[-1]
    # The collector is given back as it was: on, nothing left frozen (tui/heap.py).
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.fixture
def many_plans(tmp_path):
    """The small ledger with 120 more plans in the term on view: about 600 lines in the plans
    panel, laid out over several repaints."""
    from test_tui_app import SHAHE, SHIQIAO, build_ledger, open_ledger, rid

    small = build_ledger(tmp_path / "ledger")
    with open_ledger(small) as led:
        for n in range(100, 220):
            led.put({"id": rid("plan", n), "type": "plan", "schema_version": 1,
                     "title": f"第{n}号结对帮扶计划（2026—2027学年）", "status": "执行中",
                     "period": {"start": "2026-09-01", "end": "2027-08-31"},
                     "parties": [{"school": SHAHE, "role": "帮扶"}, {"school": SHIQIAO, "role": "受帮扶"}],
                     "targets": [{"key": "sent", "metric": "送教下乡", "comparison": ">=", "value": 10, "unit": "课时",
                                  "per": "学期"}]})
    return small


async def plans_laid_out(pilot):
    """The home's plans panel once every line of it is laid out."""
    from tui.widgets.figure_list import FigureList

    panel = pilot.app.home.query_one("#plans", FigureList)
    await settle(pilot)
    while panel.option_count < len(panel.figures) or len(panel.figures) < 2:
        await pilot.pause(0.02)
    return panel


@pilot_test
async def test_a_long_plans_panel_is_laid_out_whole_and_keeps_the_line_in_view(many_plans):
    """At a million records the plans panel holds 30,000 lines, laid out a few at a time so that the
    screen keeps being painted: every line comes, in order, and the line the coordinator is on (or
    the plan asked for) is kept and shown even when it lies past the first lines laid out."""
    from test_tui_app import open_ledger, rid, section
    from tui.widgets.figure_list import FigureList

    app = BangfuApp(open_ledger(many_plans), today=TODAY, poll_interval=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await plans_laid_out(pilot)
        assert len(panel.figures) > 3 * FigureList.CHUNK
        shown = [panel.get_option_at_index(n).prompt.plain for n in range(panel.option_count)]
        assert shown == [f.prompt.plain for f in panel.figures]
        titles = [line for line in shown if line.startswith("第") and "号结对帮扶计划" in line]
        assert len(titles) == 120
        # a line far down, then another coordinator's save: the live update keeps it
        far = max(n for n, f in enumerate(panel.figures) if not f.prompt.plain.startswith(" ")
                  and f.record_type == "plan")
        assert far > FigureList.CHUNK
        panel.highlighted = far
        wanted = panel.figures[far].ids
        with open_ledger(many_plans) as other:
            plan = other.get(rid("plan", 150))
            other.put({**plan, "title": "第150号结对帮扶计划（改名）"}, base=other.version(rid("plan", 150)))
        while not any("改名" in f.prompt.plain for f in panel.figures) or panel.option_count < len(panel.figures):
            await pilot.pause(0.05)
        assert panel.figures[panel.highlighted].ids == wanted
        # a wider terminal: the lines are laid out again at its width, the same line kept
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        while panel.option_count < len(panel.figures):
            await pilot.pause(0.02)
        assert panel.figures[panel.highlighted].ids == wanted
        assert [panel.get_option_at_index(n).prompt.plain for n in range(panel.option_count)] == \
            [f.prompt.plain for f in panel.figures]
        # the last plan asked for from the plans page: highlighted once it is laid out, in view
        await pilot.press("2")
        await settle(pilot)
        last = rid("plan", 219)
        section(app).list.move_to(last)
        await pilot.press("p")
        await settle(pilot)
        while panel.figures[panel.highlighted or 0].ids != (last,):
            await pilot.pause(0.02)
        assert app.focused is panel and panel.scroll_offset.y <= panel.highlighted < panel.scroll_offset.y + panel.size.height


@pilot_test
async def test_the_plans_panel_keeps_drawn_only_the_lines_painted_lately(many_plans):
    """At a million records the plans panel holds 30,000 lines; a line is drawn when it is painted and
    only the lines painted lately stay drawn (each kept drawn with its line took 40 MB in every
    dashboard). Scrolled to the end and back, the panel shows the right lines all the way."""
    from test_tui_app import open_ledger
    from tui.widgets.figure_list import FigureList

    app = BangfuApp(open_ledger(many_plans), today=TODAY, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await plans_laid_out(pilot)
        panel.focus()
        for key in ("end", "home", "end"):
            await pilot.press(key)
            await pilot.pause()
        bottom = panel.size.height - 1
        assert panel.render_line(bottom).text.strip() == panel.figures[-1].prompt.plain.strip()
        assert panel.highlighted == max(n for n, f in enumerate(panel.figures) if not f.heading)
        drawn = [n for n in range(panel.option_count) if panel.get_option_at_index(n)._visual is not None]
        assert drawn == [] and len(panel._option_render_cache) <= FigureList.DRAWN < len(panel.figures)
        await pilot.press("home")
        await pilot.pause()
        assert panel.render_line(0).text.strip() == panel.figures[0].prompt.plain.strip()
