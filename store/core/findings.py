"""What validation and the rules report: one finding per broken rule, per field."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from store.core import i18n


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

    def text(self) -> str:
        rule = i18n.t(self.rule, **self.params)
        where = i18n.t("finding.where", record=self.record, field=self.field_path) if self.path else self.record
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
