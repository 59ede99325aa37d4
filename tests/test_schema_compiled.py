"""The compiled schema check (store/rules/compiled.py) against jsonschema, the reference: a record
the compiled predicate accepts, jsonschema accepts too; every record of the demo ledger goes the
fast way; and a record broken anywhere (a value of another kind, 36800.0 for an integer, NaN, an
id with a newline, a digit of another script, a field too long, a list too long, a key missing or
unknown) is refused, then named by jsonschema as before."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.rules import compiled
from store.rules.schema import Schemas

DEMO = Path(__file__).resolve().parent.parent / "store" / "demo" / "records"
SCHEMAS = Schemas.from_dir()
RECORDS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DEMO.rglob("*.json"))]


def reference_valid(doc: dict) -> bool:
    return not list(SCHEMAS.validator(doc["type"]).iter_errors(doc))


def test_every_type_compiles_and_every_demo_record_is_valid_the_fast_way():
    assert {t for t in SCHEMAS.record_types if SCHEMAS.compiled(t) is None} == set()
    assert {d["type"] for d in RECORDS} >= {"school", "plan", "visit", "student", "aid", "standard"}
    slow = [d["id"] for d in RECORDS if not SCHEMAS.compiled(d["type"])(d)]
    assert slow == []
    assert all(reference_valid(d) for d in RECORDS)
    # a list that must not repeat itself, repeating itself
    plan = copy.deepcopy(next(d for d in RECORDS if d["type"] == "plan" and d["parties"][0].get("dimensions")))
    plan["parties"][0]["dimensions"] *= 2
    assert not SCHEMAS.compiled("plan")(plan) and not reference_valid(plan)
    assert [f.rule for f in SCHEMAS.check(plan)] == ["schema.unique_items"]


def _paths(node, at=()):
    """Every place in a record: (path, value)."""
    yield at, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, at + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, at + (i,))


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.integers(10**6, 10**12), st.just(36800.0), st.just(1e30),
    st.just(float("nan")), st.just(float("inf")), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "x", "2026-02-30", "2026-13-01", "2026-09-01\n", "２０２６-09-01", "٢٠٢٦-09-01",
                     "school-01M7W2ZP0T33GBJ980WAW4ZWP5\n", "school-01m7w2zp0t33gbj980waw4zwp5", "路" * 5000,
                     "帮扶", "受帮扶", "送教下乡", "学期", "课时"]),
    st.text(max_size=8), st.just([]), st.just({}), st.just(["a", "a"]), st.just([1, 1.0]), st.just([True, 1]),
    st.lists(st.integers(0, 3), max_size=3), st.just({"unknown": 1}),
)


@st.composite
def broken(draw):
    doc = copy.deepcopy(draw(st.sampled_from(RECORDS)))
    places = [p for p, _v in _paths(doc) if p and p != ("type",)]
    path = draw(st.sampled_from(places))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    how = draw(st.sampled_from(["replace", "replace", "drop", "add", "repeat"]))
    last = path[-1]
    if how == "drop" and isinstance(parent, dict):
        del parent[last]
    elif how == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["extra", "notes", "kind", "hours", "secondment"]))] = draw(VALUES)
    elif how == "repeat" and isinstance(parent, list):
        parent.extend([parent[last]] * draw(st.sampled_from([1, 20, 3001])))
    else:
        parent[last] = draw(VALUES)
    return doc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken())
def test_what_the_compiled_check_accepts_jsonschema_accepts(doc):
    fast = SCHEMAS.compiled(doc["type"])(doc)
    if fast:
        assert reference_valid(doc), doc
    # and the record's findings are jsonschema's, whichever way it went
    assert (SCHEMAS.check(doc) == []) == reference_valid(doc)


def test_a_keyword_the_compiler_does_not_know_leaves_the_type_to_jsonschema():
    doc = json.loads((Path(__file__).resolve().parent.parent / "store" / "rules" / "schemas" / "school.json")
                     .read_text(encoding="utf-8"))
    doc["properties"]["name"]["not"] = {"const": "无名"}
    files = {p.name: p.read_bytes() for p in sorted((DEMO.parent.parent / "rules" / "schemas").glob("*.json"))}
    files["school.json"] = json.dumps(doc, ensure_ascii=False).encode()
    other = Schemas(files)
    assert other.compiled("school") is None
    school = next(d for d in RECORDS if d["type"] == "school")
    assert other.check(school) == []
    assert [f.path for f in other.check({**school, "name": "无名"})] == [("name",)]
    with pytest.raises(compiled.Unsupported):
        compiled.compile_schema({"type": "array", "prefixItems": [{"type": "string"}]}, lambda p: None, None)
