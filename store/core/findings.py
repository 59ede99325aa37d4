"""What validation and the rules report: one finding per broken rule, per field."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from store.core import i18n

# A field's title as the schemas give it, in the reader's language (None: untitled, named by its path).
# The schemas are read in a layer above this one, which gives the lookup here once (store.rules.schema).
FieldTitle = Callable[[str, tuple], "str | None"]
_field_title: list[FieldTitle] = []


def name_fields_by(title: FieldTitle) -> None:
    _field_title[:] = [title]


@dataclass(frozen=True)
class Finding:
    record: str          # the record's id (or file path when there is no id)
    path: tuple          # field path inside the record, () for the whole record
    rule: str            # message key in the catalogue, e.g. "rule.visit_in_period"
    params: dict = field(default_factory=dict, compare=False, hash=False)
    level: str = "error"  # "error" blocks a commit; "warning" is shown and kept

    @property
    def field_path(self) -> str:
        return dotted(self.path)

    @property
    def field_title(self) -> str:
        """The field as the screens call it (学期, 参与人员[0].姓名); its path where the schemas give no title."""
        title = next((found(self.record, self.path) for found in _field_title), None)
        return title or self.field_path

    def text(self) -> str:
        rule = i18n.t(self.rule, **self.params)
        where = i18n.t("finding.where", record=self.record, field=self.field_title) if self.path else self.record
        level = i18n.t(f"finding.{self.level}")
        return f"{level} {where}: {rule}"

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, "record": self.record, "field": self.field_path,
                "rule": self.rule, "message": i18n.t(self.rule, **self.params)}


def dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "error"]
