"""What refers to a record, as a person reads it: one line per referring record (its type, its
label, the fields in words), for the refusal to delete it (the dashboard's dialog and `bangfu rm`)."""
from __future__ import annotations

from dataclasses import dataclass

from store.core import i18n, ids
from store.core.describe import label
from store.rules import formmodel as fm
from store.rules.checks import referrers


@dataclass(frozen=True)
class Referrer:
    record: str
    type_title: str
    label: str
    fields: tuple[str, ...]       # titles of the referring fields, list positions left out

    def line(self) -> str:
        return i18n.t("forms.delete.referrer", label=self.label, type=self.type_title,
                      field=i18n.listing(self.fields))


def referring(ledger, record_id: str) -> list[Referrer]:
    """Each record that refers to `record_id`, once, with every field it refers in."""
    schemas = ledger.schemas()
    fields: dict[str, list[str]] = {}
    for rid, path in referrers(record_id, ledger.index, schemas):
        rtype = ids.type_of(rid)
        words = path
        if rtype in schemas.docs:
            words = fm.form_for(schemas, rtype).title_of(tuple(p for p in path if not isinstance(p, int)))
        seen = fields.setdefault(rid, [])
        if str(words) not in seen:
            seen.append(str(words))
    out = []
    for rid, titles in fields.items():
        rtype = ids.type_of(rid)
        doc = ledger.index.get(rid)
        out.append(Referrer(rid, i18n.title(schemas.docs.get(rtype, {}).get("title", rtype)),
                            label(doc, ledger) if doc else rid, tuple(titles)))
    return out
