"""Organisation units (county → township → school) and who helps whom in a plan of three or more
parties: the roll-ups counted by hand, and the refusals of a tree or a plan that does not hold."""
from __future__ import annotations

import pytest

from store import NEW, Change, InvalidRecord
from store.core.errors import Referenced
from store.core import i18n
from store.core.ids import new_id
from store.twinning import units


def _rec(rtype: str, **fields) -> dict:
    return {"id": new_id(rtype), "type": rtype, "schema_version": 2, **fields}


def _school(name: str, unit: dict | None, area: str = "乡村") -> dict:
    return _rec("school", name=name, stage="小学", county="叶集区", area=area, **({"unit": unit["id"]} if unit else {}))


@pytest.fixture
def tree(ledger):
    """叶集区 with two townships: 三元乡 holds 三元中学 and 梓园小学, 孙岗乡 holds 段岗小学;
    城关中学 is run by the county itself; 外县小学 names no unit."""
    county = _rec("unit", name="叶集区", level="县")
    sanyuan = _rec("unit", name="三元乡", level="乡镇", parent=county["id"])
    sungang = _rec("unit", name="孙岗乡", level="乡镇", parent=county["id"])
    s = {"城关": _school("城关中学", county, "城区"), "三元": _school("三元中学", sanyuan),
         "梓园": _school("梓园小学", sanyuan), "段岗": _school("段岗小学", sungang),
         "外县": _school("外县小学", None)}
    # 城关中学 helps 三元中学 on 师资、教学 and 段岗小学 on 资金、物质: one plan, three parties.
    three = _rec("plan", title="城关中学结对帮扶计划", status="执行中", period={"start": "2025-09-01", "end": "2026-08-31"},
                 parties=[{"school": s["城关"]["id"], "role": "帮扶"}, {"school": s["三元"]["id"], "role": "受帮扶"},
                          {"school": s["段岗"]["id"], "role": "受帮扶"}],
                 pairs=[{"from": s["城关"]["id"], "to": s["三元"]["id"], "dimensions": ["师资", "教学"]},
                        {"from": s["城关"]["id"], "to": s["段岗"]["id"], "dimensions": ["资金", "物质"]}])
    two = _rec("plan", title="三元中学帮扶梓园小学", status="执行中", period={"start": "2025-09-01", "end": "2026-08-31"},
               parties=[{"school": s["三元"]["id"], "role": "帮扶", "dimensions": ["德育"]},
                        {"school": s["梓园"]["id"], "role": "受帮扶"}])
    outside = _rec("plan", title="外县计划", status="执行中", period={"start": "2025-09-01", "end": "2026-08-31"},
                   parties=[{"school": s["外县"]["id"], "role": "帮扶"}, {"school": s["梓园"]["id"], "role": "受帮扶"}])
    records = [county, sanyuan, sungang, *s.values(), three, two, outside]
    ledger.commit([Change(r["id"], r, NEW) for r in records], message="units")
    return {"county": county["id"], "sanyuan": sanyuan["id"], "sungang": sungang["id"], "three": three["id"],
            "two": two["id"], "outside": outside["id"], **{k: v["id"] for k, v in s.items()}}


def test_schools_and_plans_roll_up_the_tree(ledger, tree):
    t = units.Tree(ledger.scan("unit"), ledger.scan("school"))
    # 三元乡: 三元中学 + 梓园小学 = 2; 孙岗乡: 段岗小学 = 1; the county: those 3 + 城关中学 = 4 (外县小学 is under no unit).
    assert t.schools_under(tree["sanyuan"]) == {tree["三元"], tree["梓园"]}
    assert t.schools_under(tree["sungang"]) == {tree["段岗"]}
    assert t.schools_under(tree["county"]) == {tree["城关"], tree["三元"], tree["梓园"], tree["段岗"]}
    assert t.unplaced() == [tree["外县"]]
    assert t.chain(tree["梓园"]) == [tree["sanyuan"], tree["county"]]
    assert t.chain(tree["城关"]) == [tree["county"]]
    plans = ledger.scan("plan")
    # A plan rolls up to every unit one of its parties is in: the three-party plan to both townships.
    by = lambda unit: sorted(p["title"] for p in units.plans_within(plans, t.schools_under(unit)))  # noqa: E731
    assert by(tree["sungang"]) == ["城关中学结对帮扶计划"]
    assert by(tree["sanyuan"]) == ["三元中学帮扶梓园小学", "城关中学结对帮扶计划", "外县计划"]
    assert by(tree["county"]) == ["三元中学帮扶梓园小学", "城关中学结对帮扶计划", "外县计划"]


def test_three_parties_keep_who_helps_whom(ledger, tree):
    three, two = ledger.get(tree["three"]), ledger.get(tree["two"])
    assert units.pairs(three) == [units.Pair(tree["城关"], tree["三元"], ("师资", "教学")),
                                  units.Pair(tree["城关"], tree["段岗"], ("资金", "物质"))]
    # Two parties: the supporter's dimensions.
    assert units.pairs(two) == [units.Pair(tree["三元"], tree["梓园"], ("德育",))]


def test_bad_trees_and_pairs_are_refused_by_name(ledger, tree):
    county = ledger.get(tree["county"])
    with pytest.raises(InvalidRecord) as err:
        ledger.put(_rec("unit", name="史河街道", level="乡镇"))
    [f] = err.value.findings
    assert (f.rule, f.path) == ("rule.unit_township_parent", ("parent",))
    assert f.text() == f"错误 {f.record} 的字段「上级」: 乡镇 史河街道 的上级应是一个县（区）"
    with pytest.raises(InvalidRecord) as err:
        ledger.put(_rec("unit", name="平岗街道", level="乡镇", parent=tree["sanyuan"]))
    assert [f.rule for f in err.value.findings] == ["rule.unit_township_parent"]
    with pytest.raises(InvalidRecord) as err:
        ledger.put({**county, "parent": tree["sanyuan"]}, base=ledger.version(county["id"]))
    assert [f.rule for f in err.value.findings] == ["rule.unit_county_parent"]
    # A unit that schools name cannot go.
    with pytest.raises(Referenced) as err:
        ledger.delete(tree["sungang"], reason="test")
    assert err.value.referrers == [(tree["段岗"], "unit")]

    three = ledger.get(tree["three"])
    base = ledger.version(three["id"])
    with pytest.raises(InvalidRecord) as err:
        ledger.put({k: v for k, v in three.items() if k != "pairs"}, base=base)
    [f] = err.value.findings
    assert (f.rule, f.path) == ("rule.plan_pairs_missing", ("pairs",))
    assert f.text() == f"错误 {three['id']} 的字段「帮扶关系」: 计划有 3 所结对学校：请在“帮扶关系”中逐对写明谁在哪些方面帮扶谁"
    i18n.set_lang("en")
    assert f.text().endswith("field “Who helps whom”: the plan has 3 parties: say under pairs who helps whom on which dimensions, pair by pair")
    i18n.set_lang("zh")
    # The wrong way round, and a party left out of every pair.
    wrong = {**three, "pairs": [{"from": tree["三元"], "to": tree["城关"], "dimensions": ["师资"]},
                                {"from": tree["城关"], "to": tree["三元"], "dimensions": ["教学"]}]}
    with pytest.raises(InvalidRecord) as err:
        ledger.put(wrong, base=base)
    assert [(f.rule, f.path) for f in err.value.findings] == [
        ("rule.plan_pair_role", ("pairs", 0, "from")), ("rule.plan_pair_role", ("pairs", 0, "to")),
        ("rule.plan_party_unpaired", ("parties", 2, "school"))]
    assert err.value.findings[0].text().endswith("的字段「帮扶关系[0].帮扶学校」: 帮扶关系中的 三元中学 在结对学校中不是帮扶学校")
    assert ledger.get(tree["three"]) == three      # nothing changed
