"""A finding names its field as the screens title it (的字段「学段」, field “Stage”; nested: 规模.班级数),
and by its path only where the schemas know no such field: it said 的字段 stage, 的字段 headcount.classes."""
from __future__ import annotations

import json
import re

import pytest

from test_sync_local import bangfu

SCHOOL = {"name": "沙河镇第二中心小学", "short_name": "沙河二小", "stage": "大学", "county": "某县", "area": "镇区",
          "colour": "红", "headcount": {"classes": -1, "counted_on": "2026-09-01"}}


@pytest.mark.parametrize("lang,lines", [
    ("zh", ["  错误 {id} 的字段「colour」: 不认识的字段「colour」（模式中没有这个字段）",
            "  错误 {id} 的字段「规模.班级数」: 「班级数」的值 -1 小于下限 0",
            "  错误 {id} 的字段「学段」: 「学段」的值 \"大学\" 不在可选范围内：幼儿园、小学、初中、九年一贯制、高中、完全中学、中职、教学点"]),
    ("en", ["  error {id} field “colour”: unknown field \"colour\" (the schema has no such field)",
            "  error {id} field “Size.Classes”: \"Classes\" value -1 is below the minimum 0",
            "  error {id} field “Stage”: \"Stage\" value \"大学\" is not one of: kindergarten (幼儿园), primary (小学), "
            "junior middle (初中), nine-year school (九年一贯制), senior high (高中), complete middle school (完全中学), "
            "vocational (中职), teaching point (教学点)"])])
def test_a_refused_record_names_each_field_by_its_title(tmp_path, lang, lines):
    assert bangfu("init", str(tmp_path / "l"), "--site", "测试站").returncode == 0
    r = bangfu("-L", str(tmp_path / "l"), "--lang", lang, "add", "school", "-",
               input=json.dumps(SCHOOL, ensure_ascii=False))
    assert r.returncode == 1
    [rid] = re.findall(r"school-[0-9A-Z]{26}", r.stderr.splitlines()[0])
    assert r.stderr.splitlines()[1:] == [line.format(id=rid) for line in lines]
