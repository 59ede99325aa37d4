"""The use of a donation (捐赠使用公示): what came in as cash, to whom it was paid (names masked, no
identifiers), and what is left. A payment says which donation it is paid out of (`aid.donation`,
a 捐赠 activity); the rules refuse payments that would spend more than the donation's cash."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from store.core import i18n
from store.core.errors import BangfuError
from store.core.money import yuan
from store.privacy import protect
from store.privacy.migrate import mask_clear_text


class NotADonation(BangfuError):
    key = "aid.donation.not_a_donation"


@dataclass(frozen=True)
class UseRow:
    name: str
    school: str
    class_name: str
    programme: str
    paid_on: str
    amount_fen: int


@dataclass
class DonationUse:
    donation: str
    donor: str
    recipient: str
    date: str
    received_fen: int
    rows: list[UseRow] = field(default_factory=list)

    @property
    def paid_fen(self) -> int:
        return sum(r.amount_fen for r in self.rows)

    @property
    def left_fen(self) -> int:
        return self.received_fen - self.paid_fen


def use_of(ledger, visit_id: str, *, mask_names: bool = True) -> DonationUse:
    visit = ledger.index.get(visit_id)
    gift = (visit or {}).get("donation") or {}
    if not visit or visit.get("kind") != "捐赠" or not isinstance(gift.get("cash_fen"), int):
        raise NotADonation(record=visit_id)
    use = DonationUse(visit_id, str(gift.get("donor", "")), str(gift.get("recipient", "")), str(visit.get("date", "")),
                      gift["cash_fen"])
    for aid in sorted(ledger.find("aid", donation=visit_id), key=lambda a: (a.get("paid_on", ""), a["id"])):
        student = ledger.index.get(aid.get("student", "")) or {}
        school = ledger.index.get(student.get("school", "")) or {}
        name = str(student.get("name", ""))
        use.rows.append(UseRow(protect.mask_name(name) if mask_names else name, str(school.get("name", "")),
                               f"{student.get('grade', '')}{student.get('class_name', '')}", str(aid.get("programme", "")),
                               str(aid.get("paid_on", "")), int(aid.get("amount_fen", 0))))
    return use


def _safe(text: str) -> str:
    return mask_clear_text(text)[0]


def lines(use: DonationUse) -> list[str]:
    """The notice as text lines (markdown)."""
    t = i18n.t
    out = [f"# {_safe(t('aid.donation.title', donor=use.donor, date=use.date))}", "",
           _safe(t("aid.donation.summary", received=yuan(use.received_fen), paid=yuan(use.paid_fen),
                   left=yuan(use.left_fen), count=len(use.rows), recipient=use.recipient)), "",
           "| " + " | ".join(t(f"aid.donation.col_{c}") for c in ("no", "name", "school", "class", "programme",
                                                                    "date", "amount")) + " |",
           "|---|---|---|---|---|---|---:|"]
    for n, r in enumerate(use.rows, 1):
        out.append(f"| {n} | " + " | ".join(_safe(v).replace("|", "\\|") for v in
                                             (r.name, r.school, r.class_name, r.programme, r.paid_on))
                   + f" | {yuan(r.amount_fen)} |")
    return out + ["", t("aid.donation.objection"), ""]


def csv_bytes(use: DonationUse) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    t = i18n.t
    w.writerow([t("aid.donation.title", donor=use.donor, date=use.date)])
    w.writerow([t("aid.donation.summary", received=yuan(use.received_fen), paid=yuan(use.paid_fen),
                  left=yuan(use.left_fen), count=len(use.rows), recipient=use.recipient)])
    w.writerow([t(f"aid.donation.col_{c}") for c in ("no", "name", "school", "class", "programme", "date", "amount")])
    for n, r in enumerate(use.rows, 1):
        w.writerow([n, *(_safe(v) for v in (r.name, r.school, r.class_name, r.programme, r.paid_on)),
                    yuan(r.amount_fen).replace(",", "")])
    return buf.getvalue().encode("utf-8-sig")
