"""The canonical form against bytes written out by hand: keys sorted at every depth, two spaces
of indent, Chinese as UTF-8 (not \\u escapes), one newline at the end; its blob id is git's."""
from __future__ import annotations

import json
import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from store.core import canonical

RECORD = {
    "type": "school",
    "name": "沙河镇第二中心小学",
    "id": "school-01JB0000000000000000000001",
    "schema_version": 1,
    "period": {"start": "2006-09-01", "end": "2007-08-31"},
    "parties": [{"school": "school-01JB0000000000000000000002", "role": "帮扶", "dimensions": []},
                {"role": "受帮扶", "notes": {}}],
    "boarding": True,
    "closed": None,
    "amount_fen": 125000,
    "ratio": 0.5,
}

BYTES = (
    '{\n'
    '  "amount_fen": 125000,\n'
    '  "boarding": true,\n'
    '  "closed": null,\n'
    '  "id": "school-01JB0000000000000000000001",\n'
    '  "name": "沙河镇第二中心小学",\n'
    '  "parties": [\n'
    '    {\n'
    '      "dimensions": [],\n'
    '      "role": "帮扶",\n'
    '      "school": "school-01JB0000000000000000000002"\n'
    '    },\n'
    '    {\n'
    '      "notes": {},\n'
    '      "role": "受帮扶"\n'
    '    }\n'
    '  ],\n'
    '  "period": {\n'
    '    "end": "2007-08-31",\n'
    '    "start": "2006-09-01"\n'
    '  },\n'
    '  "ratio": 0.5,\n'
    '  "schema_version": 1,\n'
    '  "type": "school"\n'
    '}\n'
).encode("utf-8")


def test_dumps_writes_exactly_the_bytes_written_by_hand():
    assert canonical.dumps(RECORD) == BYTES


def test_the_order_fields_were_typed_in_does_not_matter():
    backwards = {k: RECORD[k] for k in reversed(list(RECORD))}
    backwards["period"] = {"end": "2007-08-31", "start": "2006-09-01"}
    assert canonical.dumps(backwards) == BYTES


def test_only_the_canonical_bytes_are_canonical():
    assert canonical.is_canonical(BYTES)
    assert not canonical.is_canonical(BYTES.rstrip(b"\n"))                       # no final newline
    assert not canonical.is_canonical(BYTES + b"\n")                              # two
    assert not canonical.is_canonical(BYTES.replace(b'  "amount_fen": 125000,\n  "boarding": true,\n',
                                                    b'  "boarding": true,\n  "amount_fen": 125000,\n'))
    assert not canonical.is_canonical(BYTES.replace("沙河".encode(), b"\\u6c99\\u6cb3"))   # escaped
    assert not canonical.is_canonical(BYTES.replace(b"\n    ", b"\n\t"))            # tabs
    assert not canonical.is_canonical(b'{"a": 1}\n')                               # one line
    assert not canonical.is_canonical(BYTES.decode("utf-8").encode("utf-16"))      # not UTF-8
    assert not canonical.is_canonical(b"{\n  \"a\": \n")                           # not JSON
    assert canonical.is_canonical(b'{\n  "a": 1\n}\n') and canonical.is_canonical(b"{}\n")


def test_blob_id_is_the_id_git_gives_the_bytes():
    for data in (BYTES, b"{}\n", b""):
        git = subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True)
        assert canonical.blob_id(data) == git.stdout.decode().strip()
    assert canonical.blob_id(b"{}\n") == "0967ef424bce6791893e9a57bb952f80fd536e93"


# The canonical form is written by store/core/canonical.py itself (json's indented encoder is its
# slow pure-Python one): any JSON value a record can hold gives exactly json's bytes, so no blob
# already committed changes.
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_leaf = (st.none() | st.booleans() | st.integers(min_value=-(10 ** 30), max_value=10 ** 30)
         | st.floats(allow_nan=True, allow_infinity=True) | _text)
_json = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
                     max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_the_canonical_bytes_are_json_s_own_for_any_value(value):
    assert canonical.dumps(value) == (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
                                      + "\n").encode("utf-8")


def test_what_json_cannot_write_is_refused_as_json_refuses_it():
    for value in ({1: "a"}, {"a": {1, 2}}, {"a": b"x"}):
        try:
            expected = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
        except TypeError:
            try:
                canonical.dumps(value)
            except TypeError:
                continue
            raise AssertionError(f"{value!r} was written")
        assert canonical.dumps(value) == expected.encode("utf-8")


def test_values_orjson_writes_otherwise_are_written_as_json_writes_them():
    # orjson writes NaN and the infinities as null and 1e-05 as 0.00001: each goes to the
    # writer that gives json's bytes, in a list, in an object and at the top.
    for value in (float("nan"), float("inf"), -float("inf"), 1e-05, 1e16, 0.5, -0.0, None, 2 ** 70, -(2 ** 64)):
        for record in ({"a": value, "b": "x"}, {"a": [1, value]}, [value], value):
            expected = (json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
            assert canonical.dumps(record) == expected, record
