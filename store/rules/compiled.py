"""A record type's JSON Schema compiled into one Python predicate: is this record valid?

The hub validates every version of every record a push carries (a thousand for a day's sync of a
busy site) and jsonschema walks each schema node through its general machinery, about half a
millisecond a record. The schemas use a dozen keywords; compiled here into nested closures they
answer the same question some twenty times faster. Only the yes is trusted: a record the predicate
refuses goes to jsonschema, which says what is wrong in its own words (store/rules/schema.py). So
the predicate may refuse more than jsonschema does (a list of numbers under `uniqueItems`), never
less; and a schema with a keyword it does not know (a ledger's own schemas may bring any) is not
compiled at all.

The semantics are the ledger's validator's (schema.py `_strict_validator`): an integer is a JSON
integer, a number is finite, `pattern` is ECMA-262's (`$` is the end of the text), formats are
checked by jsonschema's own format checker.
"""
from __future__ import annotations

import math
from typing import Any, Callable

Check = Callable[[Any], bool]

# Keywords that say what a field is called or means, not what it accepts.
_ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "default", "readOnly", "writeOnly",
                          "deprecated", "$schema", "$id", "$defs", "$anchor", "contentMediaType",
                          "contentEncoding", "contentSchema"})


class Unsupported(Exception):
    """A keyword (or a use of one) the compiler does not answer exactly."""


def compile_schema(schema: Any, pattern: Callable[[str], Any], formats) -> Check:
    """The predicate of an inlined schema (no $ref left); `pattern(p)` gives the compiled regular
    expression of a pattern, `formats` is a jsonschema FormatChecker. Raises Unsupported."""
    return _compile(schema, pattern, formats, exact=False)


def _is_number(v: Any) -> bool:
    return type(v) is int or (type(v) is float and math.isfinite(v))


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str), "integer": lambda v: type(v) is int, "number": _is_number,
    "object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool), "null": lambda v: v is None,
}


def _same(member: Any) -> Check:
    """Equality as JSON Schema's enum and const mean it, for a scalar member: 1 equals 1.0, a
    boolean equals only a boolean."""
    if isinstance(member, str):
        return lambda v: type(v) is str and v == member
    if isinstance(member, bool) or member is None:
        return lambda v: v is member
    if _is_number(member):
        return lambda v: _is_number(v) and v == member
    raise Unsupported(f"enum member {member!r}")


def _compile(node: Any, pattern, formats, exact: bool) -> Check:
    """`exact`: the predicate must refuse exactly what jsonschema refuses (under `if`, a wrong no
    would skip a `then`). Each node is one function that loops over its tests (nested generator
    expressions cost more than the checks)."""
    if node is True:
        return lambda v: True
    if node is False:
        return lambda v: False
    if not isinstance(node, dict):
        raise Unsupported(repr(node))
    kind_test: Check | None = None
    strings: list[Check] = []     # tests that apply to a string only (JSON Schema skips other kinds)
    numbers: list[Check] = []
    arrays: list[Check] = []
    anything: list[Check] = []
    required: tuple = ()
    props: dict[str, Check] | None = None
    extra: Check | bool | None = None     # additionalProperties: None = any, False = none
    for key, value in node.items():
        if key in _ANNOTATIONS or key.startswith("x-") or key in ("then", "else"):
            continue
        if key == "type":
            kinds = [value] if isinstance(value, str) else value
            if not isinstance(kinds, list) or not all(k in _TYPES for k in kinds):
                raise Unsupported(f"type {value!r}")
            tests = [_TYPES[k] for k in kinds]
            kind_test = tests[0] if len(tests) == 1 else (lambda v, tests=tests: any(t(v) for t in tests))
        elif key in ("enum", "const"):
            members = [_same(m) for m in (value if key == "enum" else [value])]
            plain = frozenset(value if key == "enum" else [value])
            if all(type(m) is str for m in plain):
                anything.append(lambda v, plain=plain: type(v) is str and v in plain)
            else:
                anything.append(lambda v, members=members: any(m(v) for m in members))
        elif key == "pattern":
            search = pattern(value).search
            strings.append(lambda v, search=search: search(v) is not None)
        elif key == "minLength":
            strings.append(lambda v, n=value: len(v) >= n)
        elif key == "maxLength":
            strings.append(lambda v, n=value: len(v) <= n)
        elif key == "minItems":
            arrays.append(lambda v, n=value: len(v) >= n)
        elif key == "maxItems":
            arrays.append(lambda v, n=value: len(v) <= n)
        elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if not _is_number(value):
                raise Unsupported(f"{key} {value!r}")
            numbers.append({"minimum": lambda v, n=value: v >= n, "maximum": lambda v, n=value: v <= n,
                            "exclusiveMinimum": lambda v, n=value: v > n,
                            "exclusiveMaximum": lambda v, n=value: v < n}[key])
        elif key == "format":
            anything.append(lambda v, f=value: formats.conforms(v, f))
        elif key == "uniqueItems":
            if value is True:
                if exact:
                    raise Unsupported("uniqueItems under if")
                # Strings only: anything else (1 and 1.0 are the same item) is left to jsonschema.
                arrays.append(lambda v: all(type(x) is str for x in v) and len(set(v)) == len(v))
        elif key == "required":
            required = tuple(value)
        elif key == "properties":
            props = {name: _compile(sub, pattern, formats, exact) for name, sub in value.items()}
        elif key == "additionalProperties":
            if "patternProperties" in node:
                raise Unsupported("patternProperties")
            extra = False if value is False else _compile(value, pattern, formats, exact)
        elif key == "items":
            if "prefixItems" in node:
                raise Unsupported("prefixItems")
            arrays.append(_each(_compile(value, pattern, formats, exact)))
        elif key in ("allOf", "anyOf"):
            subs = [_compile(s, pattern, formats, exact) for s in value]
            anything.append((lambda v, subs=subs: all(s(v) for s in subs)) if key == "allOf"
                            else (lambda v, subs=subs: any(s(v) for s in subs)))
        elif key == "if":
            when = _compile(value, pattern, formats, exact=True)
            then = _compile(node.get("then", True), pattern, formats, exact)
            otherwise = _compile(node.get("else", True), pattern, formats, exact)
            anything.append(lambda v, when=when, then=then, otherwise=otherwise: then(v) if when(v) else otherwise(v))
        else:
            raise Unsupported(key)
    objects = _object(required, props or {}, extra) if required or props or extra is not None else None

    def check(v: Any) -> bool:
        if kind_test is not None and not kind_test(v):
            return False
        if isinstance(v, str):
            for test in strings:
                if not test(v):
                    return False
        elif isinstance(v, dict):
            if objects is not None and not objects(v):
                return False
        elif isinstance(v, list):
            for test in arrays:
                if not test(v):
                    return False
        elif numbers and _is_number(v):
            for test in numbers:
                if not test(v):
                    return False
        for test in anything:
            if not test(v):
                return False
        return True
    return check


def _each(item: Check) -> Check:
    def each(v: list) -> bool:
        for x in v:
            if not item(x):
                return False
        return True
    return each


# Values of a field kept as known to pass its test (per field of each object schema): the 50,000
# payments of a disbursement hold the same programme, term, date, voucher and amounts, tested once.
# A field's test is a function of its value alone, and a value is kept with its type (True == 1 and
# 1 == 1.0 in Python, not in JSON Schema). The first few values are kept, not every one: a field of
# ids, a new value in each record, stops filling its set and is tested each time.
KEPT = 64
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _object(required: tuple, props: dict[str, Check], extra: Check | bool | None) -> Check:
    """required, properties and additionalProperties in one pass over the object's keys."""
    passed: dict[str, set] = {name: set() for name in props}

    def check(v: dict) -> bool:
        for name in required:
            if name not in v:
                return False
        for key, x in v.items():
            test = props.get(key)
            if test is None:
                if extra is False or (extra is not None and not extra(x)):
                    return False
                continue
            kind = type(x)
            if kind in _SCALARS:
                known = passed[key]
                if (kind, x) in known:
                    continue
                if not test(x):
                    return False
                if len(known) < KEPT:
                    known.add((kind, x))
            elif not test(x):
                return False
        return True
    return check
