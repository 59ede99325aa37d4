"""The county → township → school tree a report of a unit reads, and who helps whom in a plan."""
from __future__ import annotations

from store.twinning.units import Pair, Tree, pairs

UNITS = [{"id": "unit-2", "name": "北县", "level": "县"}, {"id": "unit-1", "name": "南县", "level": "县"},
         {"id": "unit-3", "name": "城关镇", "level": "乡镇", "parent": "unit-1"},
         {"id": "unit-4", "name": "河口乡", "level": "乡镇", "parent": "unit-2"}]
SCHOOLS = [{"id": "school-1", "name": "城关小学", "unit": "unit-3"}, {"id": "school-2", "name": "河口小学", "unit": "unit-4"}]


def test_counties_in_name_order_their_townships_and_the_level_of_each():
    tree = Tree(UNITS, SCHOOLS)
    assert tree.counties() == ["unit-2", "unit-1"]                 # 北县 before 南县
    assert tree.townships("unit-1") == ["unit-3"] and tree.townships() == ["unit-3", "unit-4"]
    assert [tree.level(r) for r in ("unit-1", "unit-3", "school-1", "unit-9")] == ["县", "乡镇", "学校", ""]
    assert tree.schools_under("unit-1") == {"school-1"} and tree.chain("school-2") == ["unit-4", "unit-2"]


def test_without_pairs_each_supporter_helps_each_supported_on_the_dimensions_either_names():
    plan = {"parties": [{"school": "school-a", "role": "帮扶"},
                        {"school": "school-b", "role": "受帮扶", "dimensions": ["教学", "师资"]},
                        {"school": "school-c", "role": "受帮扶"}]}
    assert pairs(plan) == [Pair("school-a", "school-b", ("教学", "师资")), Pair("school-a", "school-c", ())]
    plan["pairs"] = [{"from": "school-a", "to": "school-c", "dimensions": ["管理"]}]
    assert pairs(plan) == [Pair("school-a", "school-c", ("管理",))]
