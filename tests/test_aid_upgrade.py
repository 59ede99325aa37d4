"""An older ledger (schema version 1) upgrades through `bangfu schema-upgrade`: the schemas and the data
step in one commit, and every earlier payment stays valid."""
from __future__ import annotations

import json

from store.core import canonical, ids
from store.ledger.gitstore import Person
from store.rules import situation
from tests.conftest import TODAY, run


def rec(rtype: str, **fields) -> dict:
    return {"id": ids.new_id(rtype), "type": rtype, "schema_version": 1, **fields}


def make_it_version_1(ledger) -> None:
    """The ledger as an older Bangfu left it: bangfu.json at version 1, students without school years,
    no recognition, posting or calendar records. Written straight into git, as that Bangfu did."""
    g = ledger.git
    student = json.loads(g.read_blob(g.lookup(g.commit_tree(ledger.tip), "schemas/student.json")))
    for name in ("school_year", "years"):
        del student["properties"][name]
    files = {"schemas/student.json": g.write("blob", json.dumps(student, ensure_ascii=False).encode()),
             "bangfu.json": g.write("blob", canonical.dumps({**ledger.config, "schema_version": 1}))}
    files.update({f"schemas/{t}.json": None for t in ("calendar", "recognition", "posting")})
    tree = g.write_tree(g.commit_tree(ledger.tip), files)
    assert g.swap_ref(g.make_commit(tree, [ledger.tip], Person("旧版", "old@example.cn"), "older Bangfu"), ledger.tip, "t")
    ledger.refresh()


def test_an_older_ledger_upgrades_with_its_data_in_one_commit(ledger, capsys):
    make_it_version_1(ledger)
    school = rec("school", name="九彩中学", stage="九年一贯制", county="某县", area="乡村")
    board = rec("standard", programme="义务教育寄宿生生活补助", stage="小学", boarding=True, amount_fen=100_000,
                unit="年", region="某县", valid_from="2019-09-01")
    present = situation.school_year_of(TODAY)
    first = int(present[:4]) - 2
    # Recognised two school years ago in 五年级: 初中 七年级 today; lifted out of poverty in 小学.
    pupil = rec("student", name="罗小东", sex="男", school=school["id"], stage="初中", grade="七年级", boarding=True,
                difficulty="困难", events=[{"date": f"{first}-09-06", "event": "认定"},
                                         {"date": f"{first}-11-15", "event": "脱贫", "stage": "小学"}])
    paid = rec("aid", student=pupil["id"], programme="义务教育寄宿生生活补助", term=f"{first}-{first + 1}-2",
               amount_fen=50_000, standard=board["id"], paid_on=f"{first + 1}-04-15", source="中央", method="银行卡")
    # Paid when he was in 小学: the older Bangfu wrote it then (today's rules, reading his present
    # stage 初中, would refuse it: that is what the upgrade mends).
    g = ledger.git
    tree = g.write_tree(g.commit_tree(ledger.tip), {ids.path_of(r["id"], ids.LATEST): g.write("blob", canonical.dumps(r))
                                                    for r in (school, board, pupil, paid)})
    assert g.swap_ref(g.make_commit(tree, [ledger.tip], Person("旧版", "old@example.cn"), "old data"), ledger.tip, "t")
    ledger.refresh()
    assert [f.rule for f in ledger.check(paid) if f.level == "error"] == ["rule.aid_not_eligible"]
    before = ledger.tip
    code, shown, err = run(capsys, "-L", str(ledger.path), "schema-upgrade")
    assert code == 0, err
    assert "第 2 版" in shown and "数据升级：3 条记录" in shown
    ledger.refresh()
    [entry] = ledger.log(limit=1)
    assert ledger.git.run("rev-parse", f"{ledger.tip}~1").decode().strip() == before
    assert entry["trailers"]["Action"] == ["schema-upgrade"] and ledger.config["schema_version"] == 2
    student = ledger.get(pupil["id"])
    # Today's stage is the present year's; the two years before are 六年级 and 五年级 (小学).
    assert student["school_year"] == present
    assert [(y["school_year"], y["stage"], y["grade"]) for y in student["years"]] == [
        (f"{first}-{first + 1}", "小学", "五年级"), (f"{first + 1}-{first + 2}", "小学", "六年级")]
    # Recognised in the first year, still so (lifted, same stage) when the second began: two
    # recognitions; not the present one (初中: lifted in an earlier stage).
    made = sorted(ledger.find("recognition", student=pupil["id"]), key=lambda r: r["school_year"])
    assert [(r["school_year"], r["from_event"], r["approval"]["date"]) for r in made] == [
        (f"{first}-{first + 1}", f"{first}-09-06", f"{first}-09-06"),
        (f"{first + 1}-{first + 2}", f"{first}-09-06", f"{first + 1}-09-01")]
    assert [f.rule for f in ledger.check(ledger.get(paid["id"])) if f.level == "error"] == []
    code, shown, _ = run(capsys, "-L", str(ledger.path), "schema-upgrade")
    assert code == 0 and "已是最新（第 2 版）" in shown
