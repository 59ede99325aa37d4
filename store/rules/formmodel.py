"""A record type's JSON Schema as a form: which fields, in which order, with which input,
and the conversion between a record and what a person types (strings, in yuan).

Pure Python (no Textual) so the terminal forms, tests and any later front end share it.

Values are the record's shape with every leaf as typed text: a string per scalar field
(money as "1,250.00", a boolean as "true"/"false"/""), a list of strings for a
multi-select, a dict for a field group and a list of such dicts for a sub-list.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

from store.core import i18n
from store.rules import idcard
from store.core.diff import MISSING, diff, value_at
from store.core.findings import Finding
from store.core.money import parse_yuan, yuan
from store.rules.schema import Schemas

TEXT, LONG_TEXT, INTEGER, NUMBER, MONEY = "text", "long_text", "integer", "number", "money"
DATE, DATETIME, MONTH, TERM, BOOLEAN = "date", "datetime", "month", "term", "boolean"
ENUM, REF, PROTECTED, MULTI, LINES, LIST, GROUP = "enum", "ref", "protected", "multi", "lines", "list", "group"
SCALAR_INPUTS = (TEXT, INTEGER, NUMBER, MONEY, DATE, DATETIME, MONTH, TERM, PROTECTED)

LONG_TEXT_FROM = 1000   # maxLength from which a text gets a multi-line editor
HIDDEN = ("id", "type", "schema_version")
PLACEHOLDER_HMAC = "0" * 64


@dataclass(frozen=True)
class Field:
    path: tuple[str, ...]          # from the record, or from the item for fields of a sub-list's items
    title: str
    kind: str
    required: bool = False
    description: str = ""
    choices: tuple = ()            # ENUM / MULTI
    ref: str | None = None         # REF (and LINES of references): the referenced record type
    fields: tuple["Field", ...] = ()   # GROUP: its fields; LIST: the fields of one item
    minimum: float | None = None
    maximum: float | None = None
    protected_kind: str | None = None

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def widget_id(self) -> str:
        return "f-" + "-".join(self.path)


@dataclass(frozen=True)
class Form:
    record_type: str
    title: str
    fields: tuple[Field, ...]
    constants: dict = dc_field(default_factory=dict)   # type and schema_version of a new record

    def walk(self, fields: Iterable[Field] | None = None) -> Iterable[Field]:
        """Every field with its own input: groups and their fields, not the items of sub-lists."""
        for f in self.fields if fields is None else fields:
            yield f
            if f.kind == GROUP:
                yield from self.walk(f.fields)

    def field_at(self, path: tuple) -> Field | None:
        """The field a concrete record path (list indices included) lies in, deepest first."""
        found, fields = None, self.fields
        for part in path:
            if isinstance(part, int):
                continue
            match = next((f for f in fields if f.name == part), None)
            if match is None:
                break
            found, fields = match, match.fields
            if match.kind in (PROTECTED, MULTI, LINES):
                break
        return found

    def title_of(self, path: tuple) -> str:
        """'参加人员 › 第1项 › 姓名' for ('participants', 0, 'name')."""
        parts, fields = [], self.fields
        for part in path:
            if isinstance(part, int):
                parts.append(i18n.t("forms.model.item", n=part + 1))
                continue
            match = next((f for f in fields if f.name == part), None)
            parts.append(match.title if match else str(part))
            fields = match.fields if match else ()
        return " › ".join(parts) or i18n.t("forms.model.whole_record")


def form_for(schemas: Schemas, record_type: str) -> Form:
    doc = schemas.resolve(schemas.docs[record_type])
    patterns = {name: schemas.docs.get("defs", {}).get("$defs", {}).get(name, {}).get("pattern")
                for name in ("month", "term")}
    fields = tuple(_fields(schemas, doc, (), patterns, top=True))
    constants = {"type": record_type}
    version = schemas.resolve(doc.get("properties", {}).get("schema_version", {}))
    if "const" in version or "enum" in version:
        # A new record is written for the newest version the schema accepts.
        constants["schema_version"] = version["const"] if "const" in version else max(version["enum"])
    return Form(record_type, i18n.title(doc.get("title", record_type)), fields, constants)


def _fields(schemas: Schemas, node: dict, path: tuple, patterns: dict, top: bool = False) -> Iterable[Field]:
    required = set(node.get("required", []))
    for name, sub in node.get("properties", {}).items():
        sub = schemas.resolve(sub)
        if (top and name in HIDDEN) or sub.get("readOnly"):
            continue
        yield _field(schemas, sub, path + (name,), name in required, patterns)


def _field(schemas: Schemas, node: dict, path: tuple, required: bool, patterns: dict) -> Field:
    common = {"path": path, "title": i18n.title(node.get("title") or path[-1]), "required": required,
              "description": node.get("description", ""), "minimum": node.get("minimum"),
              "maximum": node.get("maximum")}
    kind, extra = _kind(schemas, node, path, patterns)
    return Field(kind=kind, **common, **extra)


def _kind(schemas: Schemas, node: dict, path: tuple, patterns: dict) -> tuple[str, dict]:
    if node.get("x-protected"):
        return PROTECTED, {"protected_kind": node.get("x-kind")}
    if node.get("x-ref"):
        return REF, {"ref": node["x-ref"]}
    if node.get("x-money"):
        return MONEY, {}
    if "enum" in node or "const" in node:
        return ENUM, {"choices": tuple(node.get("enum", [node.get("const")]))}
    kind = node.get("type")
    if kind == "boolean":
        return BOOLEAN, {}
    if kind == "integer":
        return INTEGER, {}
    if kind == "number":
        return NUMBER, {}
    if kind == "array":
        items = schemas.resolve(node.get("items", {}))
        if "enum" in items:
            return MULTI, {"choices": tuple(items["enum"])}
        if items.get("type") == "object":
            return LIST, {"fields": tuple(_fields(schemas, items, (), patterns))}
        return LINES, {"ref": items["x-ref"]} if items.get("x-ref") else {}
    if kind == "object":
        return GROUP, {"fields": tuple(_fields(schemas, node, path, patterns))}
    if node.get("format") == "date":
        return DATE, {}
    if node.get("format") == "date-time":
        return DATETIME, {}
    if node.get("pattern") and node.get("pattern") == patterns.get("month"):
        return MONTH, {}
    if node.get("pattern") and node.get("pattern") == patterns.get("term"):
        return TERM, {}
    if node.get("maxLength", 0) >= LONG_TEXT_FROM:
        return LONG_TEXT, {}
    return TEXT, {}


# ---- conversion of one typed value ------------------------------------------------------------

class ConversionError(ValueError):
    """What is wrong with a typed value, as a catalogue key and its parameters."""

    def __init__(self, key: str, /, **params: object):
        super().__init__(key)
        self.key = key
        self.params = params

    def text(self) -> str:
        return i18n.t(self.key, **self.params)


def _clean(text: str) -> str:
    # Full-width digits, minus signs and spaces from Chinese input methods count as typed.
    return unicodedata.normalize("NFKC", text).strip()


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TERM = re.compile(r"^(\d{4})-(\d{4})-([12])$")


def parse(f: Field, text: str) -> Any:
    """The record value for what was typed in one scalar field; None when left empty.
    Raises ConversionError in the user's words."""
    if f.kind in (TEXT, LONG_TEXT, PROTECTED):
        value = text.strip() if f.kind != LONG_TEXT else text.rstrip()
        if not value.strip():
            return None
        if f.kind == PROTECTED and f.protected_kind == "id_number":
            problem = idcard.problem(_clean(value).replace(" ", "").upper())
            if problem:
                raise ConversionError(problem)
        return value
    cleaned = _clean(text)
    if not cleaned:
        return None
    shown = {"title": f.title, "value": cleaned}
    if f.kind == INTEGER:
        if not re.fullmatch(r"[-+]?\d+", cleaned.replace(",", "")):
            raise ConversionError("forms.convert.integer", **shown)
        value = int(cleaned.replace(",", ""))
        _limits(f, value, shown)
        return value
    if f.kind == NUMBER:
        try:
            number = Decimal(cleaned.replace(",", ""))
        except InvalidOperation:
            raise ConversionError("forms.convert.number", **shown) from None
        if not number.is_finite():
            raise ConversionError("forms.convert.number", **shown)
        value = int(number) if number == number.to_integral_value() else float(number)
        _limits(f, value, shown)
        return value
    if f.kind == MONEY:
        try:
            fen = parse_yuan(cleaned)
        except ValueError:
            raise ConversionError("forms.convert.money", **shown) from None
        if fen < 0 and (f.minimum or 0) >= 0:
            raise ConversionError("forms.convert.money_negative", **shown)
        return fen
    if f.kind == DATE:
        if not _DATE.match(cleaned):
            raise ConversionError("forms.convert.date_shape", **shown)
        try:
            return dt.date.fromisoformat(cleaned).isoformat()
        except ValueError:
            raise ConversionError("forms.convert.date_day", **shown) from None
    if f.kind == DATETIME:
        try:
            return dt.datetime.fromisoformat(cleaned).isoformat()
        except ValueError:
            raise ConversionError("forms.convert.datetime", **shown) from None
    if f.kind == MONTH:
        if not _MONTH.match(cleaned):
            raise ConversionError("forms.convert.month", **shown)
        return cleaned
    if f.kind == TERM:
        m = _TERM.match(cleaned)
        if not m:
            raise ConversionError("forms.convert.term", **shown)
        if int(m.group(2)) != int(m.group(1)) + 1:
            raise ConversionError("forms.convert.term_years", **shown)
        return cleaned
    if f.kind in (ENUM, REF):
        return text or None
    if f.kind == BOOLEAN:
        return {"true": True, "false": False}.get(text)
    raise ValueError(f"not a scalar field: {f.kind}")


def _limits(f: Field, value: float, shown: dict) -> None:
    if f.minimum is not None and value < f.minimum:
        raise ConversionError("forms.convert.minimum", limit=_number(f.minimum), **shown)
    if f.maximum is not None and value > f.maximum:
        raise ConversionError("forms.convert.maximum", limit=_number(f.maximum), **shown)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def text_of(f: Field, value: Any) -> str:
    """What a scalar record value looks like in its input."""
    if value is None or value is MISSING:
        return ""
    if f.kind == MONEY and isinstance(value, int) and not isinstance(value, bool):
        return yuan(value)
    if f.kind == BOOLEAN:
        return {True: "true", False: "false"}.get(value, "")
    if f.kind == PROTECTED:
        return value if isinstance(value, str) else ""   # a sealed value is never shown
    if f.kind in (INTEGER, NUMBER) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# ---- whole records ---------------------------------------------------------------------------

def to_values(form: Form, record: dict | None) -> dict:
    return _values(form.fields, record or {})


def _values(fields: Iterable[Field], obj: Any) -> dict:
    obj = obj if isinstance(obj, dict) else {}
    return {f.name: _value(f, obj.get(f.name, MISSING)) for f in fields}


def _value(f: Field, value: Any) -> Any:
    if f.kind == GROUP:
        return _values(f.fields, value)
    if f.kind == LIST:
        return [_values(f.fields, item) for item in value] if isinstance(value, list) else []
    if f.kind == MULTI:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    if f.kind == LINES:
        return "\n".join(map(str, value)) if isinstance(value, list) else ""
    return text_of(f, value)


Errors = dict[tuple, list[str]]


def item_values(f: Field, item: dict | None = None) -> dict:
    """What the inputs of one item of a sub-list hold (empty for a new item)."""
    return _values(f.fields, item or {})


def item_errors(f: Field, values: dict) -> Errors:
    """Conversion errors of one item of a sub-list, by path inside the item."""
    errors: Errors = {}
    _object(f.fields, values, None, (), errors, False)
    return errors


def to_record(form: Form, values: dict, original: dict | None = None, *, record_id: str | None = None,
              keep_raw: bool = False) -> tuple[dict, Errors]:
    """The record for what was typed, and the conversion errors by concrete path.

    Empty optional fields are left out; an empty protected field keeps the sealed value of
    `original`. Fields the schema does not know are carried over from `original` (the check
    then names them) so nothing is dropped silently. With `keep_raw`, a value that does not
    convert stays in the record as typed (for the raw JSON editor)."""
    original = original or {}
    record: dict = {}
    for key, value in original.items():
        if key not in {f.name for f in form.fields}:
            record[key] = copy.deepcopy(value)
    # An edited record keeps the version it was written for (still valid: versions only add).
    record.update({k: v for k, v in form.constants.items() if not (k == "schema_version" and k in original)})
    rid = record_id or original.get("id")
    if rid:
        record["id"] = rid
    errors: Errors = {}
    record.update(_object(form.fields, values, original, (), errors, keep_raw))
    return record, errors


def _object(fields: Iterable[Field], values: Any, original: Any, at: tuple, errors: Errors, keep_raw: bool) -> dict:
    values = values if isinstance(values, dict) else {}
    original = original if isinstance(original, dict) else {}
    out: dict = {}
    for f in fields:
        value = _convert(f, values.get(f.name), original.get(f.name), at + (f.name,), errors, keep_raw)
        if value is not None:
            out[f.name] = value
    return out


def _convert(f: Field, value: Any, original: Any, at: tuple, errors: Errors, keep_raw: bool) -> Any:
    if f.kind == GROUP:
        sub = _object(f.fields, value, original, at, errors, keep_raw)
        return sub if sub or f.required else None
    if f.kind == LIST:
        items = value if isinstance(value, list) else []
        old = original if isinstance(original, list) else []
        out = [_object(f.fields, item, old[i] if i < len(old) else None, at + (i,), errors, keep_raw)
               for i, item in enumerate(items)]
        return out if out or f.required else None
    if f.kind == MULTI:
        chosen = [c for c in f.choices if c in (value or [])]
        return chosen if chosen or f.required else None
    if f.kind == LINES:
        lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
        return lines if lines or f.required else None
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    try:
        converted = parse(f, text)
    except ConversionError as exc:
        errors.setdefault(at, []).append(exc.text())
        return text if keep_raw else None
    if converted is None and f.kind == PROTECTED and original is not None:
        return copy.deepcopy(original)   # left empty: keep what is sealed
    return converted


def _replace_protected(form: Form, record: dict, how: Callable[[tuple, Any], Any]) -> dict:
    """A copy with each protected value replaced by how(path, value) (MISSING drops it)."""
    out = copy.deepcopy(record)
    for path in list(_protected_paths(form.fields, out)):
        value = how(path, value_at(out, path))
        _put(out, path, MISSING if value is MISSING else copy.deepcopy(value))
    return out


def checkable(form: Form, record: dict) -> dict:
    """The record as the schema will see it once sealed: a typed identifier stands in as a
    protected placeholder (the store seals it on save; the form checked its shape already)."""
    placeholder = {"masked": "*", "hmac": PLACEHOLDER_HMAC}
    return _replace_protected(form, record, lambda path, v: placeholder if isinstance(v, str) else v)


def rebase(form: Form, record: dict, committed: dict | None) -> dict:
    """`record` as the committed starting point of further edits: an identifier typed but not yet
    sealed is replaced by the committed value there (so an emptied input means "keep that")."""
    return _replace_protected(form, record,
                              lambda path, v: value_at(committed or {}, path) if isinstance(v, str) else v)


def strip_protected(form: Form, record: dict) -> dict:
    """A copy without protected values (a duplicate: sealed values are bound to their record id)."""
    return _replace_protected(form, record, lambda path, v: MISSING)


def _protected_paths(fields: Iterable[Field], obj: Any, at: tuple = ()) -> Iterable[tuple]:
    if not isinstance(obj, dict):
        return
    for f in fields:
        if f.name not in obj:
            continue
        if f.kind == PROTECTED:
            yield at + (f.name,)
        elif f.kind == GROUP:
            yield from _protected_paths(f.fields, obj[f.name], at + (f.name,))
        elif f.kind == LIST and isinstance(obj[f.name], list):
            for i, item in enumerate(obj[f.name]):
                yield from _protected_paths(f.fields, item, at + (f.name, i))


# ---- problems next to their fields ---------------------------------------------------------

def anchor(form: Form, path: tuple) -> tuple[tuple, tuple]:
    """(path of the field whose input shows a problem at `path`, the rest of the path).
    Problems inside a sub-list's items show at the sub-list; unknown paths at the top ()."""
    fields, done = form.fields, ()
    for i, part in enumerate(path):
        match = next((f for f in fields if f.name == part), None) if isinstance(part, str) else None
        if match is None:
            return (done, path[i:]) if done else ((), path)
        done = done + (part,)
        if match.kind != GROUP:
            return done, path[i + 1:]
        fields = match.fields
    return done, ()


def relevant(conversion: Errors, findings: Iterable[Finding]) -> list[Finding]:
    """The findings that say something the conversion errors do not (a field whose text did not
    convert is missing from the candidate record: "required" there would only confuse)."""
    return [f for f in findings if not any(f.path[: len(p)] == p for p in conversion)]


def problems(form: Form, conversion: Errors, findings: Iterable[Finding]) -> dict[tuple, list[str]]:
    """Messages by the path of the input they belong to (see `anchor`). A finding is left out
    where the typed text did not convert: the conversion error says it better."""
    out: dict[tuple, list[str]] = {}

    def add(path: tuple, text: str) -> None:
        where, rest = anchor(form, path)
        if rest:
            inner = form.title_of(path)
            text = i18n.t("forms.model.at", where=inner, message=text)
        if text not in out.setdefault(where, []):
            out[where].append(text)

    for path, texts in conversion.items():
        for text in texts:
            add(path, text)
    for finding in relevant(conversion, findings):
        text = i18n.t(finding.rule, **finding.params)
        if finding.level != "error":
            text = i18n.t("forms.model.warning", message=text)
        add(finding.path, text)
    return out


# ---- showing values (history, conflicts) -------------------------------------------------------

Labeller = Callable[[str], str]


def show(f: Field | None, value: Any, label: Labeller | None = None) -> str:
    """A record value as a person reads it: yuan, 是/否, labels of referenced records, masks."""
    if value is MISSING or value is None:
        return "—"
    if isinstance(value, dict) and "masked" in value and "hmac" in value:
        return str(value.get("masked"))
    if f is not None and f.kind == PROTECTED and isinstance(value, str):
        return i18n.t("forms.model.typed_protected")
    if isinstance(value, bool):
        return i18n.t("forms.model.yes" if value else "forms.model.no")
    if f is not None and f.kind == MONEY and isinstance(value, int):
        return i18n.t("forms.model.yuan", amount=yuan(value))
    if f is not None and f.kind == REF and isinstance(value, str) and label:
        return label(value)
    if f is not None and f.choices and isinstance(value, str):
        return i18n.value(value)     # an enumerated value: English in English mode, stored in Chinese
    zh = i18n.lang() == "zh"
    if isinstance(value, list):
        if f is not None and f.kind == LINES and f.ref and label:   # (a notice's recognitions: each by name)
            return i18n.listing(label(v) if isinstance(v, str) else str(v) for v in value) or "—"
        if f is not None and f.kind == LIST:
            return ("；" if zh else "; ").join(item_summary(f, item, label) for item in value) or "—"
        return i18n.listing(show(f if f is not None and f.kind == MULTI else None, v, label) for v in value) or "—"
    if isinstance(value, dict):
        fields = {g.name: g for g in f.fields} if f is not None else {}
        # (in the schema's order, as the form has them: a period's start before its end, not the file's)
        keys = [k for k in fields if k in value] + [k for k in value if k not in fields]
        return ("，" if zh else ", ").join(f"{fields[k].title if k in fields else k}{'：' if zh else ': '}"
                                           f"{show(fields.get(k), value[k], label)}" for k in keys)
    return str(value)


def item_summary(f: Field, item: Any, label: Labeller | None = None) -> str:
    """One line for one item of a sub-list (its filled fields, in schema order)."""
    if not isinstance(item, dict):
        return show(None, item, label)
    parts = [show(g, item[g.name], label) for g in f.fields if item.get(g.name) not in (None, "", [], {})]
    return " ".join(parts) or i18n.t("forms.model.empty_item")


def values_summary(f: Field, item_values: dict, label: Labeller | None = None) -> str:
    """item_summary for an item still being typed (values, not a record)."""
    parts = []
    for g in f.fields:
        v = item_values.get(g.name)
        if g.kind == REF and v and label:
            parts.append(label(v))
        elif g.kind == BOOLEAN and v:
            parts.append(i18n.t("forms.model.yes" if v == "true" else "forms.model.no"))
        elif isinstance(v, list):
            if v and g.kind == MULTI:
                parts.append(i18n.values(v))
            elif v:
                parts.append(i18n.t("forms.model.count", n=len(v)))
        elif isinstance(v, dict):
            continue
        elif v:
            parts.append(str(v))
    return " ".join(parts) or i18n.t("forms.model.empty_item")


@dataclass(frozen=True)
class Row:
    """One line of a comparison: a field path, its title, and the value on each side."""
    path: tuple
    title: str
    field: Field | None
    old: Any
    new: Any


def compare(form: Form, old: dict | None, new: dict | None) -> list[Row]:
    """Field-by-field differences (store.diff), one row per field a person edits: a protected
    identifier is one row, not its hash and its sealed text."""
    rows: list[Row] = []
    seen: set[tuple] = set()
    for change in diff(old or {}, new or {}):
        if change.path[:1] and change.path[0] in HIDDEN:
            continue   # id, type and schema version: the same record throughout
        path = _row_path(form, change.path)
        if path in seen:
            continue
        seen.add(path)
        rows.append(Row(path, form.title_of(path), form.field_at(path), value_at(old, path), value_at(new, path)))
    return sorted(rows, key=lambda r: _order(form, r.path))


def _order(form: Form, path: tuple) -> tuple:
    """Where a path comes in the form: schema order, list items by index, unknown fields last."""
    key, fields = [], form.fields
    for part in path:
        if isinstance(part, int):
            key.append(part)
            continue
        names = [f.name for f in fields]
        key.append(names.index(part) if part in names else len(names))
        fields = fields[names.index(part)].fields if part in names else ()
    return tuple(key)


def _row_path(form: Form, path: tuple) -> tuple:
    fields, out = form.fields, ()
    for part in path:
        out += (part,)
        if isinstance(part, int):
            continue
        match = next((f for f in fields if f.name == part), None)
        if match is None:
            return out
        if match.kind == PROTECTED:
            return out
        fields = match.fields
    return out


def merge(mine: dict, theirs: dict | None, take_theirs: Iterable[tuple]) -> dict:
    """Mine, with the fields at `take_theirs` (paths of `compare` rows) as in theirs."""
    out = copy.deepcopy(mine)
    for path in sorted(take_theirs, key=len):
        value = value_at(theirs or {}, path)
        _put(out, path, MISSING if value is MISSING else copy.deepcopy(value))
    return out


def _put(obj: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        if isinstance(obj, list):
            obj = obj[part]
        else:
            obj = obj.setdefault(part, {})
    if value is MISSING:
        if isinstance(obj, dict):
            obj.pop(path[-1], None)
    else:
        obj[path[-1]] = value
