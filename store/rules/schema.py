"""JSON Schemas of the record types, and their errors in the users' words.

A ledger carries its own copy of `schemas/`, so a Schemas object is built from a
mapping of file name -> bytes (read from any commit's tree) and past commits are
checked with the schemas of their time.
"""
from __future__ import annotations

import functools
import json
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator


if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

from store.core import i18n
from store.core.money import yuan
from store.core import findings, ids
from store.core.findings import Finding
from store.rules import cleartext, compiled

# Package data beside this module, so an installed Bangfu (a wheel, `pip install .`) has them too. (Not
# importlib.resources: the same folder for an unzipped package, and it costs every start ~10 ms of imports.)
PROJECT_SCHEMAS = Path(__file__).with_name("schemas")


class Schemas:
    def __init__(self, files: dict[str, bytes]):
        self.docs: dict[str, dict] = {}
        for name, data in files.items():
            if name.endswith(".json"):
                self.docs[name[: -len(".json")]] = json.loads(data)
        self._validators: dict[str, Draft202012Validator] = {}
        self._inlined: dict[str, dict] = {}
        self._patterned: dict[str, dict[str, re.Pattern]] = {}
        self._lists: dict[str, dict[str, tuple[dict[str, re.Pattern], int, float]]] = {}
        self._valid: set[tuple] = set()
        self._compiled: dict[str, Callable[[Any], bool] | None] = {}
        self._fields: dict[tuple, dict] = {}

    @classmethod
    def from_dir(cls, path: Path = PROJECT_SCHEMAS) -> "Schemas":
        return cls({p.name: p.read_bytes() for p in sorted(path.glob("*.json"))})

    @cached_property
    def registry(self):
        """Where the validators look up $ref (made with the first validator: 20 ms of imports)."""
        from referencing import Registry, Resource

        return Registry().with_resources([(d["$id"], Resource.from_contents(d)) for d in self.docs.values()])

    @cached_property
    def record_types(self) -> tuple[str, ...]:
        # (asked for each record checked: 50,000 times in a disbursement's save)
        return tuple(n for n in self.docs if n != "defs")

    def validator(self, record_type: str) -> Draft202012Validator:
        if record_type not in self._validators:
            # jsonschema costs 35 ms to import: reading history never validates.
            self._validators[record_type] = _strict_validator()(
                self.inlined(record_type), registry=self.registry, format_checker=_format_checker())
        return self._validators[record_type]

    def compiled(self, record_type: str) -> Callable[[Any], bool] | None:
        """The type's schema as one predicate whose yes is jsonschema's (store/rules/compiled.py);
        None when the schema uses a keyword the compiler does not answer exactly."""
        if record_type not in self._compiled:
            try:
                self._compiled[record_type] = compiled.compile_schema(self.inlined(record_type), _ecma,
                                                                      _format_checker())
            except compiled.Unsupported:
                self._compiled[record_type] = None
        return self._compiled[record_type]

    def warm(self) -> None:
        """Make now what the first save would otherwise wait for (the validators, with their
        imports, and the paths of references and identifiers): about a second on this machine."""
        for record_type in self.record_types:
            self.validator(record_type)
            self.compiled(record_type)
        self.references, self.protected

    def inlined(self, record_type: str) -> dict:
        """The type's schema with every $ref replaced by what it points at. The schemas have
        no recursion, and following references while validating costs more than the checks."""
        if record_type not in self._inlined:
            self._inlined[record_type] = self._inline(self.docs[record_type])
        return self._inlined[record_type]

    def _inline(self, node):
        if isinstance(node, list):
            return [self._inline(x) for x in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            node = self.resolve(node)
            node = {k: v for k, v in node.items() if k not in ("$id", "$schema", "$defs")}
        return {k: (v if k in ("const", "enum", "default", "examples") else self._inline(v)) for k, v in node.items()}

    def resolve(self, node: dict) -> dict:
        """A schema node with its $ref followed (siblings of $ref win)."""
        while "$ref" in node:
            target = self.registry.resolver(base_uri="urn:bangfu:defs").lookup(node["$ref"]).contents
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def field(self, record_type: str, path: tuple) -> dict:
        """The (resolved) schema of a field, by path; {} when the path is not in the schema.
        Kept once found: the rules ask after each reference of every record they check."""
        key = (record_type, tuple(0 if isinstance(p, int) else p for p in path))
        if key not in self._fields:
            node = self.inlined(record_type)
            for part in path:
                if isinstance(part, int):
                    node = self.resolve(node.get("items", {}))
                else:
                    node = self.resolve(node.get("properties", {}).get(part, {}))
            self._fields[key] = node
        return self._fields[key]

    @cached_property
    def references(self) -> dict[str, list[tuple]]:
        """For each record type, the field paths that hold ids of other records ('*' = each array item)."""
        return {t: list(self._walk(t, self.docs[t], (), "x-ref")) for t in self.record_types}

    @cached_property
    def protected(self) -> dict[str, list[tuple]]:
        """For each record type, the field paths of protected personal identifiers."""
        return {t: list(self._walk(t, self.docs[t], (), "x-protected")) for t in self.record_types}

    def _walk(self, t: str, node: dict, path: tuple, mark: str) -> Iterator[tuple]:
        node = self.resolve(node)
        if node.get(mark):
            yield path
            return
        for name, sub in node.get("properties", {}).items():
            yield from self._walk(t, sub, path + (name,), mark)
        if isinstance(node.get("items"), dict):
            yield from self._walk(t, node["items"], path + ("*",), mark)

    def check(self, record: Any, label: str | None = None) -> list[Finding]:
        """Schema findings for one record (its type chosen by its `type` field)."""
        if not isinstance(record, dict):
            return [Finding(label or "?", (), "schema.not_object")]
        label = label or str(record.get("id", "?"))
        rtype = record.get("type")
        if rtype not in self.record_types:
            return [Finding(label, ("type",), "schema.unknown_type",
                            {"value": _show(rtype), "allowed": "、".join(self.record_types)})]
        out: list[Finding] = []
        fast = self.compiled(rtype)
        shape = None
        if fast is not None:
            # (each field's values tested once for many records: store/rules/compiled.py)
            valid = fast(record)
        else:
            shape = self._shape(rtype, record)
            if shape is not None and shape in self._valid:
                return []
            cut = self._one_of_each(rtype, record)
            valid = cut is not None and self.validator(rtype).is_valid(cut)
        if not valid:
            for err in sorted(self.validator(rtype).iter_errors(record),
                              key=lambda e: list(map(str, e.absolute_path))):
                # jsonschema reports `required` once per missing name, each carrying the whole list.
                out.extend(f for f in _translate(self, rtype, label, err) if f not in out)
        if shape is not None and not out:
            if len(self._valid) >= SHAPES_KEPT:
                self._valid.clear()
            self._valid.add(shape)
        return out

    def _shape(self, rtype: str, record: dict) -> tuple | None:
        """What a record's validity depends on, once its ids and references are taken out: the
        record without those of its fields whose schema is only "a string of this pattern" and
        that match it. Two records of one shape are valid or invalid together, so records that
        differ in their ids and references are validated once. For a schema the compiler does not
        answer (jsonschema's half millisecond a record). None where the schema could tie fields
        together."""
        if rtype not in self._patterned:
            self._patterned[rtype] = _patterned_fields(self.inlined(rtype))
        shape = _shape_of(self._patterned[rtype], record)
        return None if shape is None else (rtype, *shape)

    def _one_of_each(self, rtype: str, record: dict) -> dict | None:
        """The record with each list of objects cut to the first item of each shape (the same
        reasoning as `_shape`, item by item): valid if and only if the whole record is, when the
        list's length is within its bounds. A batch of 50,000 entries is validated as a handful.
        None when nothing can be cut (the record is then validated whole)."""
        if rtype not in self._lists:
            self._lists[rtype] = _object_lists(self.inlined(rtype))
        cut, changed = dict(record), False
        for name, (fields, low, high) in self._lists[rtype].items():
            items = record.get(name)
            if not isinstance(items, list) or len(items) < 2:
                continue
            if not low <= len(items) <= high:
                return None
            seen: set[tuple] = set()
            kept = []
            for item in items:
                shape = _shape_of(fields, item)
                if shape is None or shape not in seen:
                    kept.append(item)
                    if shape is not None:
                        seen.add(shape)
            changed = changed or len(kept) < len(items)
            cut[name] = kept
        return cut if changed else None


SHAPES_KEPT = 4096
_ANNOTATIONS = {"title", "description", "readOnly", "writeOnly", "examples", "default", "deprecated", "$comment"}
_TYING = {"if", "then", "else", "allOf", "anyOf", "oneOf", "not", "dependentRequired", "dependentSchemas",
          "patternProperties", "propertyNames", "unevaluatedProperties", "minProperties", "maxProperties"}


def _patterned_fields(schema: dict) -> dict[str, "re.Pattern"]:
    """The top-level fields whose schema is a string matching a pattern and nothing else
    (annotations and `x-` marks aside), with that pattern; none where a keyword of the record's
    schema ties fields together."""
    if _TYING & set(schema):
        return {}
    out = {}
    for name, sub in (schema.get("properties") or {}).items():
        keywords = {k for k in sub if not k.startswith("x-")} - _ANNOTATIONS
        if keywords == {"type", "pattern"} and sub["type"] == "string":
            out[name] = _ecma(sub["pattern"])
    return out


def _shape_of(fields: dict[str, "re.Pattern"], obj: Any) -> tuple | None:
    """(the fields taken out, the rest as text) of an object whose `fields` hold strings matching
    their patterns; None when there is nothing to take out or the rest is not plain JSON."""
    if not fields or not isinstance(obj, dict):
        return None
    taken = frozenset(k for k, v in obj.items() if k in fields and isinstance(v, str) and fields[k].search(v))
    try:
        rest = json.dumps({k: v for k, v in obj.items() if k not in taken}, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None
    return taken, rest


def _object_lists(schema: dict) -> dict[str, tuple[dict[str, "re.Pattern"], int, float]]:
    """The top-level lists of objects whose items can be told apart by shape: (the items' patterned
    fields, fewest items, most items), for lists whose schema says nothing but those."""
    if _TYING & set(schema):
        return {}
    out = {}
    for name, sub in (schema.get("properties") or {}).items():
        keywords = {k for k in sub if not k.startswith("x-")} - _ANNOTATIONS
        items = sub.get("items")
        if keywords <= {"type", "items", "minItems", "maxItems"} and sub.get("type") == "array" \
                and isinstance(items, dict) and items.get("type") == "object":
            fields = _patterned_fields(items)
            if fields:
                out[name] = (fields, sub.get("minItems", 0), sub.get("maxItems", float("inf")))
    return out


@functools.cache
def _format_checker():
    from jsonschema import FormatChecker

    return FormatChecker()


@functools.cache
def _strict_validator():
    """Draft 2020-12 with numbers as the ledger means them: an integer is a JSON integer
    (JSON Schema counts 36800.0 as one, and the term report then fails on it), and a number
    is finite (NaN passes every `maximum`)."""
    import math

    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine_many({
        "integer": lambda _c, v: type(v) is int,
        "number": lambda _c, v: type(v) is int or (type(v) is float and math.isfinite(v)),
    })
    return validators.extend(Draft202012Validator, type_checker=checker, validators={"pattern": _pattern})


def _pattern(validator, pattern: str, instance, schema):
    """`pattern` as JSON Schema means it (ECMA-262): `$` is the end of the text and `\\d` an
    ASCII digit. Python's `$` also matches before a final newline, so an id ending in one passed."""
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _ecma(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def _ecma(pattern: str) -> "re.Pattern":
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern, re.ASCII)


def _show(value: Any) -> str:
    text = cleartext.mask_text(json.dumps(value, ensure_ascii=False))  # a refusal never repeats an identifier
    return text if len(text) <= 60 else text[:57] + "…"


def _translate(schemas: Schemas, rtype: str, label: str, err) -> list[Finding]:
    path = tuple(err.absolute_path)
    kind = err.validator
    value = err.validator_value
    title = err.schema.get("title") if isinstance(err.schema, dict) else None
    field_title = i18n.Title(schemas.field(rtype, tuple(p for p in path)).get("title") or title or "")
    inside = any(len(p) <= len(path) and all(a == "*" or a == b for a, b in zip(p, path))
                 for p in schemas.protected.get(rtype, []))
    base = {"title": field_title, "value": "******" if inside else _show(err.instance)}
    if kind == "required":
        present = err.instance if isinstance(err.instance, dict) else {}
        missing = [name for name in value if name not in present]
        return [Finding(label, path + (name,), "schema.required",
                        {"title": i18n.Title(schemas.field(rtype, path + (name,)).get("title", ""))}) for name in missing]
    if kind == "additionalProperties":
        known = set(err.schema.get("properties", {}))
        return [Finding(label, path + (name,), "schema.unknown_field", {"field": name})
                for name in err.instance if name not in known]
    if kind in ("enum", "const"):
        allowed = value if kind == "enum" else [value]
        return [Finding(label, path, "schema.enum", {**base, "allowed": "、".join(map(str, allowed))})]
    if kind == "type":
        if value == "integer" and isinstance(err.instance, float):
            return [Finding(label, path, "schema.integer", base)]
        expected = i18n.Word(f"type.{value}" if isinstance(value, str) else "type.other")
        return [Finding(label, path, "schema.type", {**base, "expected": expected})]
    if kind == "format":
        return [Finding(label, path, f"schema.format_{value}".replace("-", "_"), base)]
    if kind == "pattern":
        if err.schema.get("x-ref"):
            return [Finding(label, path, "schema.ref_pattern", {**base, "target": err.schema["x-ref"]})]
        if "format" in err.schema:  # a date: the format message says it better
            return []
        return [Finding(label, path, "schema.pattern", {**base, "pattern": value})]
    simple = {"minimum": "schema.minimum", "maximum": "schema.maximum", "minLength": "schema.min_length",
              "maxLength": "schema.max_length", "minItems": "schema.min_items", "uniqueItems": "schema.unique_items",
              "exclusiveMinimum": "schema.minimum", "maxItems": "schema.max_items"}
    if kind in ("minimum", "maximum", "exclusiveMinimum") and schemas.field(rtype, path).get("x-money") \
            and isinstance(err.instance, int) and isinstance(value, int) and not inside:
        # Money is kept in fen but read in yuan: "25,000.00 元 above 20,000.00 元", not 2500000 and 2000000.
        return [Finding(label, path, simple[kind] + "_yuan", {**base, "value": yuan(err.instance), "limit": yuan(value)})]
    if kind in simple:
        return [Finding(label, path, simple[kind], {**base, "limit": value})]
    return [Finding(label, path, "schema.other", {**base, "detail": err.message})]


@functools.lru_cache(maxsize=1)
def _shipped() -> Schemas:
    return Schemas.from_dir()


def _field_title(record: str, path: tuple) -> str | None:
    """A finding's field by the titles the schemas Bangfu ships give it (`fieldnames.title_of`; a
    record that is no id: None, and the finding names the path)."""
    from store.rules.fieldnames import title_of   # (fieldnames is the layer's; it imports no schema)
    if not path or not ids.is_id(record) or ids.type_of(record) not in _shipped().record_types:
        return None
    return title_of(_shipped(), ids.type_of(record), path)


findings.name_fields_by(_field_title)
