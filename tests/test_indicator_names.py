"""A 指标代号 where a record is shown is named by the words its plan has for the target, the code
beside, as `bangfu list` names it: the dashboard's record detail said `training` where the home
screen's figure said 教师培训率达85%, and `bangfu show` of an inspection listed its findings by code."""
from __future__ import annotations

import pytest

from store.core import i18n
from store.ledger.ledger import NEW, Change
from test_tui_app import PLAN, SHIQIAO, app_for, open_ledger, pilot_test, rid, section, settle, small, static_text  # noqa: F401
from test_audit_tui import body, until
from textual.widgets import DataTable

MEASUREMENT, INSPECTION = rid("measurement", 1), rid("inspection", 1)


def measured(path) -> None:
    """The small ledger's plan with a training-rate target in words, a measurement of it and an
    inspection that found the target met and the lectures not."""
    led = open_ledger(path)
    plan = led.get(PLAN)
    plan["targets"].append({"key": "training", "metric": "培训率", "text": "教师培训率达85%", "comparison": ">=",
                            "value": 85, "unit": "%", "per": "学年"})
    led.put(plan, base=led.version(PLAN))
    led.commit([Change(MEASUREMENT, {
        "id": MEASUREMENT, "type": "measurement", "schema_version": 2, "plan": PLAN, "target": "training",
        "school": SHIQIAO, "period": {"start": "2026-09-01", "end": "2026-11-20"}, "value": 62.5, "unit": "%"}, NEW)],
        action="add", message="measurement: 新增")
    led.commit([Change(INSPECTION, {
        "id": INSPECTION, "type": "inspection", "schema_version": 2, "plan": PLAN, "date": "2026-11-21",
        "inspectors": ["县教育局督导室 刘建国"], "result": "通过",
        "findings": [{"target": "training", "met": True}, {"target": "lectures", "met": False, "note": "只有一次"}]},
        NEW)], action="add", message="inspection: 新增")
    led.close()


@pytest.mark.parametrize("lang,line", [("zh", "指标代号：— → 教师培训率达85%（training）"),
                                       ("en", "Target code: — → 教师培训率达85% (training)")])
@pilot_test
async def test_the_auditors_view_names_the_target_a_measurement_was_added_for(small, lang, line):
    measured(small)
    i18n.set_lang(lang)
    app = app_for(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("8")
        await settle(pilot)
        screen = app.screen
        commits = screen.query_one("#audit-commits", DataTable)
        await until(pilot, lambda: commits.row_count and "inspection-" in body(screen))
        await pilot.press("down")          # the commit before the inspection: the measurement's
        await until(pilot, lambda: MEASUREMENT in body(screen))
        shown = [" ".join(text.split()) for text in body(screen).splitlines()]
        assert line in shown
        assert not any(text.endswith("→ training") for text in shown)


@pytest.mark.parametrize("lang,line", [
    ("zh", "逐项结论  教师培训率达85%（training） 是；专题讲座（lectures） 否 只有一次"),
    ("en", "Findings by target  教师培训率达85% (training) yes; lecture (lectures) no 只有一次")])
def test_show_names_the_targets_of_an_inspections_findings(small, lang, line):
    from test_sync_local import bangfu

    measured(small)
    r = bangfu("-L", str(small), "--lang", lang, "show", INSPECTION)
    assert r.returncode == 0, r.stderr
    assert line in r.stdout.splitlines()


@pytest.mark.parametrize("lang,part", [
    ("zh", "逐项结论：— → （指标代号 教师培训率达85%（training），是否达标 是）；"
           "（指标代号 专题讲座（lectures），是否达标 否，说明 只有一次）"),
    ("en", "Findings by target: — → {Target code 教师培训率达85% (training), Met yes}; "
           "{Target code lecture (lectures), Met no, Description 只有一次}")])
def test_changes_name_the_targets_of_an_inspections_findings(small, lang, part):
    from test_sync_local import bangfu

    measured(small)
    r = bangfu("-L", str(small), "--lang", lang, "changes", "--since", "2026-01-01", "--type", "inspection")
    assert r.returncode == 0, r.stderr
    assert part in [line.strip() for line in r.stdout.splitlines()]
