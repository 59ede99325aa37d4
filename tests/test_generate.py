"""The demo ledger in records/ and the synthetic ledger generator."""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

import pytest

from store.rules import idcard
from store.core.canonical import dumps
from store.demo.generate import (DEMO_RECORDS, TODAY, birth_year, demo_identities, demo_records, invented_id_number,
                                 region_code, synthetic)
from store.core.ids import LATEST, path_of
from store.rules.schema import Schemas

ID_LIKE = re.compile(r"(?=(\d{17}[\dXx]))")


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas.from_dir()


@pytest.fixture(scope="module")
def demo() -> list[dict]:
    return demo_records()


@pytest.fixture(scope="module")
def synth() -> list[dict]:
    return list(synthetic(2000, seed=7))


def by_type(records: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in records:
        out.setdefault(r["type"], []).append(r)
    return out


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# ---------------------------------------------------------------------------
# an independent check of the rules the records must keep

def values_at(record, path: tuple):
    if not path:
        yield record
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(record, list):
            for item in record:
                yield from values_at(item, rest)
    elif isinstance(record, dict) and head in record:
        yield from values_at(record[head], rest)


def dangling(records: list[dict], schemas: Schemas) -> list[str]:
    """References that do not resolve, or resolve to a record of the wrong type."""
    types = {r["id"]: r["type"] for r in records}
    seen: set[str] = set()
    out = []
    for r in records:
        for path in schemas.references.get(r["type"], ()):
            target = schemas.field(r["type"], tuple(0 if p == "*" else p for p in path)).get("x-ref")
            for value in values_at(r, path):
                if types.get(value) != target:
                    out.append(f"{r['id']} {path} -> {value}")
                elif value not in seen:
                    out.append(f"{r['id']} {path} -> {value} comes before the record it names")
        seen.add(r["id"])
    return out


def situation_in(student: dict, year: str) -> dict:
    """The student's entry for a school year (the present from `school_year` on)."""
    if year >= student.get("school_year", "0"):
        return student
    earlier = [y for y in student.get("years", []) if y["school_year"] <= year]
    return max(earlier, key=lambda y: y["school_year"]) if earlier else min(student["years"], key=lambda y: y["school_year"])


def school_year(on: dt.date) -> str:
    first = on.year if on.month >= 9 else on.year - 1
    return f"{first}-{first + 1}"


def eligible(student: dict, on: dt.date, programme: str = "") -> bool:
    """Recognised and not lifted out of poverty in an earlier stage; for nutrition and free textbooks
    only not gone."""
    ok, gone = False, False
    for e in sorted(student.get("events", []), key=lambda e: e["date"]):
        if d(e["date"]) > on:
            break
        if e["event"] in ("认定", "返贫"):
            ok, gone = True, False
        elif e["event"] == "脱贫":
            ok = ok and e["stage"] == situation_in(student, school_year(on))["stage"]
        elif e["event"] == "退出":
            ok, gone = False, True
    return not gone if programme in ("营养改善计划", "义务教育免费教科书") else ok


def expected_amount(standard: dict, aid: dict) -> int:
    unit = standard["unit"]
    if unit == "年":
        return standard["amount_fen"] // 2
    if unit == "学期":
        return standard["amount_fen"]
    return standard["amount_fen"] * aid.get("days", 0)


def term_window(term: str) -> tuple[dt.date, dt.date]:
    y1, y2, half = term.split("-")
    return (dt.date(int(y1), 8, 15), dt.date(int(y2), 2, 28)) if half == "1" else (dt.date(int(y2), 2, 1), dt.date(int(y2), 8, 31))


def rule_problems(records: list[dict]) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the rules beyond JSON Schema, checked independently."""
    ids = {r["id"]: r for r in records}
    errors, warnings = [], []
    for p in (r for r in records if r["type"] == "plan"):
        if p["period"]["start"] > p["period"]["end"]:
            errors.append(f"{p['id']}: period out of order")
        schools = [x["school"] for x in p["parties"]]
        if len(set(schools)) != len(schools):
            errors.append(f"{p['id']}: a school pairs with itself")
        if {x["role"] for x in p["parties"]} != {"帮扶", "受帮扶"}:
            errors.append(f"{p['id']}: needs a supporting and a supported school")
        if "budget" in p and p["budget"].get("by_year"):
            if sum(y["fen"] for y in p["budget"]["by_year"]) != p["budget"]["total_fen"]:
                errors.append(f"{p['id']}: budget does not add up")
        for e in p.get("schedule", []):
            if not p["period"]["start"][:7] <= e["month"] <= p["period"]["end"][:7]:
                errors.append(f"{p['id']}: schedule month {e['month']} outside the period")
    for v in (r for r in records if r["type"] == "visit"):
        plan = ids[v["plan"]]
        if not plan["period"]["start"] <= v["date"] <= plan["period"]["end"]:
            errors.append(f"{v['id']}: {v['date']} outside {plan['period']}")
        if v["date"] > TODAY.isoformat():
            errors.append(f"{v['id']}: logged in the future")
        parties = {x["school"] for x in plan["parties"]}
        named = {v["host_school"], v.get("visiting_school", v["host_school"])}
        named |= {x["school"] for x in v.get("participants", []) if "school" in x}
        if "secondment" in v:
            named |= {v["secondment"]["from_school"], v["secondment"]["to_school"]}
            if v["secondment"]["start"] > v["secondment"]["end"]:
                errors.append(f"{v['id']}: secondment out of order")
        for key in ("mentor_school", "mentee_school"):
            if key in v.get("mentorship", {}):
                named.add(v["mentorship"][key])
        if not named <= parties:
            errors.append(f"{v['id']}: names schools that are not parties of its plan")
        if "donation" in v:
            don = v["donation"]
            total = don.get("cash_fen", 0) + sum(i["quantity"] * i["unit_value_fen"] for i in don.get("items", []))
            if total != don["total_fen"]:
                errors.append(f"{v['id']}: donation total {don['total_fen']} != {total}")
    for s in (r for r in records if r["type"] == "student"):
        dates = [e["date"] for e in s["events"]]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            errors.append(f"{s['id']}: events not in order")
        if s["events"][0]["event"] != "认定":
            errors.append(f"{s['id']}: first event is not 认定")
    seen = set()
    for a in (r for r in records if r["type"] == "aid"):
        key = (a["student"], a["programme"], a["term"])
        if key in seen:
            errors.append(f"{a['id']}: second payment for {key}")
        seen.add(key)
        student = ids[a["student"]]
        paid = d(a["paid_on"])
        if not eligible(student, paid, a["programme"]):
            errors.append(f"{a['id']}: student not eligible on {a['paid_on']}")
        lo, hi = term_window(a["term"])
        if not lo <= paid <= hi:
            errors.append(f"{a['id']}: paid {a['paid_on']} outside term {a['term']}")
        if a["paid_on"] > TODAY.isoformat():
            errors.append(f"{a['id']}: paid in the future")
        if "standard" in a:
            st = ids[a["standard"]]
            then = situation_in(student, a["term"][:9])
            if (st["programme"], st["stage"]) != (a["programme"], then["stage"]):
                errors.append(f"{a['id']}: standard for another programme or stage")
            if "boarding" in st and st["boarding"] != then.get("boarding", False):
                errors.append(f"{a['id']}: standard for another boarding status")
            if not st["valid_from"] <= a["paid_on"] <= st.get("valid_to", "9999-12-31"):
                errors.append(f"{a['id']}: standard not valid on {a['paid_on']}")
            if st["unit"] == "天" and "days" not in a:
                errors.append(f"{a['id']}: per-day standard without days")
            if a["amount_fen"] != expected_amount(st, a):
                warnings.append(f"{a['id']}: {a['amount_fen']} != {expected_amount(st, a)}")
    return errors, warnings


# ---------------------------------------------------------------------------
# the demo ledger

def test_every_demo_record_validates(demo, schemas):
    assert len(demo) > 150
    problems = {r["id"]: [f.text() for f in schemas.check(r)] for r in demo}
    assert {k: v for k, v in problems.items() if v} == {}


def test_demo_files_are_canonical_at_their_paths(demo):
    files = sorted(DEMO_RECORDS.rglob("*.json"))
    assert len(files) == len(demo)
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert "records/" + path.relative_to(DEMO_RECORDS).as_posix() == path_of(record["id"], LATEST)
        assert path.read_bytes() == dumps(record), f"{path} is not canonical"
    assert len({r["id"] for r in demo}) == len(demo)


def test_demo_records_come_references_first(demo, schemas):
    assert dangling(demo, schemas) == []


def test_demo_keeps_the_rules(demo):
    errors, warnings = rule_problems(demo)
    assert errors == []
    # exactly one payment is off its standard, on purpose, so reports have an anomaly to show
    assert len(warnings) == 1, warnings


def test_records_hold_no_identity_nor_anything_like_an_id_number():
    for path in DEMO_RECORDS.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert '"identity"' not in text, path
        for m in ID_LIKE.finditer(text):
            candidate = m.group(1).upper()
            assert idcard.check_char(candidate[:17]) != candidate[17], f"{path} holds {candidate[:4]}…"


def test_demo_schools_and_plans_from_the_seeds(demo):
    t = by_type(demo)
    schools = {s["name"]: s for s in t["school"]}
    sh, sq = schools["沙河镇第二中心小学"], schools["石桥镇第二中心小学"]
    assert (sh["headcount"]["classes"], sh["headcount"]["teachers"], sh["headcount"]["students"]) == (24, 50, 1247)
    assert (sq["headcount"]["classes"], sq["headcount"]["teachers"], sq["headcount"]["students"]) == (20, 42, 979)
    assert {"海原县第四中学", "海原县九彩中学"} <= set(schools)
    plans = t["plan"]
    [p1] = [p for p in plans if {x["school"] for x in p["parties"]} == {sh["id"], sq["id"]}]
    assert p1["period"] == {"start": "2006-09-01", "end": "2007-08-31"} and p1["status"] == "已验收"
    assert {g["area"] for g in p1["goals"]} >= {"管理", "师资队伍", "办学条件", "教育质量"}
    targets = {x["key"]: x for x in p1["targets"]}
    assert (targets["joint-meetings"]["value"], targets["joint-meetings"]["per"]) == (3, "学期")
    assert (targets["teaching-sent"]["value"], targets["teaching-sent"]["unit"]) == (10, "课时")
    assert len(p1["schedule"]) >= 10 and {m["role"] for m in p1["leading_group"]} == {"组长", "副组长", "成员"}
    # a school that supports in one plan and is supported in another
    roles: dict[str, set] = {}
    for p in plans:
        for x in p["parties"]:
            roles.setdefault(x["school"], set()).add(x["role"])
    assert any(r == {"帮扶", "受帮扶"} for r in roles.values())
    # a big school supporting two schools on different dimensions
    supporters = Counter(x["school"] for p in plans for x in p["parties"] if x["role"] == "帮扶")
    assert max(supporters.values()) >= 2


def test_demo_has_a_live_plan_this_term_with_gaps(demo):
    t = by_type(demo)
    live = [p for p in t["plan"] if p["status"] == "执行中" and p["period"]["start"] <= TODAY.isoformat() <= p["period"]["end"]]
    assert live
    months = {"2026-09", "2026-10", "2026-11"}
    for p in live:
        logged = {v["date"][:7] for v in t["visit"] if v["plan"] == p["id"]}
        assert logged & months
    assert any(months - {v["date"][:7] for v in t["visit"] if v["plan"] == p["id"]} for p in live)
    visits = [v for v in t["visit"] if v["plan"] in {p["id"] for p in live}]
    kinds = Counter(v["kind"] for v in visits)
    assert kinds["支教"] >= 1 and kinds["挂职"] >= 1 and kinds["师徒结对"] >= 1 and kinds["捐赠"] >= 1
    sec = {v["kind"]: v["secondment"] for v in visits if "secondment" in v}
    assert (d(sec["支教"]["end"]) - d(sec["支教"]["start"])).days >= 365
    assert (d(sec["挂职"]["end"]) - d(sec["挂职"]["start"])).days < 120  # shorter than a term: flagged


def test_demo_standards_students_and_aid(demo):
    t = by_type(demo)
    figures = {(s["programme"], s["stage"], s.get("boarding"), s.get("level")): (s["amount_fen"], s["unit"])
               for s in t["standard"] if "valid_to" not in s}
    # Today's figures (policy as of the 2025 spring term), each with its document in the notes. The
    # boarding subsidy's national base rose from the 2024 spring term (财政部, 2024-05-07): 小学 1250,
    # 初中 1500 元/年, day pupils half of it.
    assert figures[("学前教育资助", "学前", None, None)] == (100000, "年")
    assert figures[("义务教育寄宿生生活补助", "小学", True, None)] == (125000, "年")
    assert figures[("义务教育寄宿生生活补助", "初中", True, None)] == (150000, "年")
    assert figures[("义务教育寄宿生生活补助", "小学", False, None)] == (62500, "年")
    assert figures[("义务教育寄宿生生活补助", "初中", False, None)] == (75000, "年")
    assert figures[("普通高中国家助学金", "高中", None, "一档")] == (300000, "年")
    assert figures[("普通高中国家助学金", "高中", None, "二档")] == (200000, "年")
    assert figures[("中职国家助学金", "中职", None, None)] == (230000, "年")
    assert figures[("营养改善计划", "小学", None, None)] == (500, "天")
    assert figures[("义务教育免费教科书", "初中", None, None)] == (18000, "年")
    assert figures[("校车补助", "小学", False, None)] == (50000, "年")
    assert figures[("生源地助学贷款", "高中", None, None)] == (2000000, "年")
    # The seeds' older figures stay, as the standards of their years.
    older = {(s["programme"], s["stage"], s.get("level"), s["valid_to"]): s["amount_fen"]
             for s in t["standard"] if "valid_to" in s}
    assert older[("营养改善计划", "小学", None, "2021-08-31")] == 400
    assert older[("普通高中国家助学金", "高中", "一档", "2025-01-31")] == 250000
    assert older[("生源地助学贷款", "高中", None, "2021-08-31")] == 800000
    assert sorted(s["amount_fen"] for s in t["standard"] if s["programme"] == "义务教育寄宿生生活补助"
                  and s.get("valid_to") == "2024-01-31") == [50000, 62500, 100000, 125000]
    assert all(s.get("notes") for s in t["standard"] if s["programme"] != "校车补助")
    students = t["student"]
    assert 30 <= len(students) <= 40
    events = Counter(e["event"] for s in students for e in s["events"])
    assert all(events[e] for e in ("认定", "脱贫", "返贫", "退出"))
    assert all("stage" in e for s in students for e in s["events"] if e["event"] == "脱贫")
    terms = Counter(a["term"] for a in t["aid"])
    assert terms["2025-2026-2"] >= 20 and terms["2026-2027-1"] >= 20


def test_demo_identities_are_valid_and_local(demo):
    t = by_type(demo)
    ids = demo_identities(t["student"])
    assert set(ids) == {s["id"] for s in t["student"]}
    numbers = [v["id_number"] for v in ids.values()]
    assert len(set(numbers)) == len(numbers)
    county = {s["id"]: s["county"] for s in t["school"]}
    for s in t["student"]:
        number = ids[s["id"]]["id_number"]
        assert idcard.problem(number) is None
        assert number[:6] == region_code(county[s["school"]])
        assert int(number[16]) % 2 == (1 if s["sex"] == "男" else 0)
        assert 2005 <= idcard.birth_date(number).year <= 2024
    assert demo_identities(t["student"]) == ids
    assert all(v["id_number"].startswith("640522") for k, v in ids.items()
               if county[next(s for s in t["student"] if s["id"] == k)["school"]].endswith("海原县"))


# ---------------------------------------------------------------------------
# invented ID numbers

@pytest.mark.parametrize("year", [1949, 2000, 2008, 2012, 2020])
def test_invented_id_numbers_are_valid(year):
    for i in range(200):
        number = invented_id_number(f"seed-{i}", year)
        assert idcard.problem(number) is None, number
        assert idcard.birth_date(number).year == year
    assert invented_id_number("x", year) == invented_id_number("x", year)


def test_invented_id_number_region_and_sex():
    assert invented_id_number("a", 2012, county="宁夏回族自治区海原县").startswith("640522")
    assert invented_id_number("a", 2012, county="海原县").startswith("640522")
    assert invented_id_number("a", 2012, county="甘肃省定西市安定区").startswith("621102")
    assert int(invented_id_number("a", 2012, sex="男")[16]) % 2 == 1
    assert int(invented_id_number("a", 2012, sex="女")[16]) % 2 == 0
    with pytest.raises(ValueError):
        invented_id_number("a", 1800)


def test_birth_year_from_grade():
    assert birth_year("小学", "一年级") == 2020
    assert birth_year("初中", "七年级") == 2014
    assert birth_year("初中", "初二") == 2013
    assert birth_year("高中", "高三") == 2009
    assert birth_year("学前", "小班") == 2023
    assert birth_year("中职", "二年级") == 2010


# ---------------------------------------------------------------------------
# synthetic ledgers

def test_synthetic_records_validate(synth, schemas):
    problems = {r["id"]: [f.text() for f in schemas.check(r)] for r in synth}
    assert {k: v for k, v in problems.items() if v} == {}


def test_synthetic_references_resolve_in_order(synth, schemas):
    assert dangling(synth, schemas) == []


def test_synthetic_keeps_the_rules(synth):
    errors, warnings = rule_problems(synth)
    assert errors == [] and warnings == []


@pytest.mark.parametrize("n", [0, 1, 2, 5, 37, 100, 999, 2000, 4321])
def test_synthetic_has_exactly_n_records(n):
    records = list(synthetic(n, seed=3))
    assert len(records) == n
    assert len({r["id"] for r in records}) == n


def test_synthetic_is_deterministic_per_seed():
    assert list(synthetic(1500, seed=11)) == list(synthetic(1500, seed=11))
    assert list(synthetic(1500, seed=11)) != list(synthetic(1500, seed=12))
    # a prefix of a ledger is not the ledger of a smaller n, but the same n and seed always agree
    assert dumps(list(synthetic(300))) == dumps(list(synthetic(300, seed=0)))


@pytest.mark.parametrize("n", [2000, 10000])
def test_synthetic_proportions(n):
    counts = Counter(r["type"] for r in synthetic(n, seed=5))
    share = {k: v / n for k, v in counts.items()}
    assert share["school"] == pytest.approx(0.01, abs=0.003)
    assert share["plan"] == pytest.approx(0.01, abs=0.003)
    assert share["standard"] == pytest.approx(0.01, abs=0.003)
    assert share["visit"] == pytest.approx(0.40, abs=0.03)
    assert share["student"] == pytest.approx(0.25, abs=0.02)
    assert share["aid"] == pytest.approx(0.32, abs=0.03)


def test_synthetic_is_realistic(synth):
    t = by_type(synth)
    assert Counter(p["status"] for p in t["plan"])["执行中"] >= 1
    kinds = Counter(v["kind"] for v in t["visit"])
    assert kinds.most_common(1)[0][0] in ("送教下乡", "听课评课", "互访", "专题讲座")
    assert len(kinds) >= 12
    assert Counter(a["term"] for a in t["aid"]).most_common(1)[0][0] in ("2025-2026-2", "2026-2027-1")
    events = Counter(e["event"] for s in t["student"] for e in s["events"])
    assert all(events[e] for e in ("认定", "脱贫", "退出"))


def test_synthetic_students_carry_identity_only_when_asked():
    plain = [r for r in synthetic(800, seed=2) if r["type"] == "student"]
    assert plain and all("identity" not in s for s in plain)
    with_id = [r for r in synthetic(800, seed=2, with_identity=True) if r["type"] == "student"]
    assert [dict(s, identity=None) for s in with_id] == [dict(s, identity=None) for s in plain]
    for s in with_id:
        number = s["identity"]["id_number"]
        assert isinstance(number, str) and idcard.problem(number) is None


def test_synthetic_rejects_a_bad_n():
    with pytest.raises(ValueError):
        synthetic(-1)


def test_synthetic_standards_of_several_counties_do_not_overlap():
    """Each county gets its own set of standards: without the county on each, two counties' standards
    for one programme, stage and period both applied everywhere (the overlap the rules refuse)."""
    from store.rules import standards

    made = [r for r in synthetic(10_000, seed=7) if r["type"] == "standard"]
    counties = {r["region"] for r in made}
    assert len(made) == 100 and len(counties) == 4   # 1 % of the records; 100 // 22 kinds // 2 = 4 counties
    assert all(r["counties"] == [r["region"]] for r in made)
    assert [(a["id"], b["id"]) for i, a in enumerate(made) for b in made[i + 1:] if standards.overlap(a, b)] == []
