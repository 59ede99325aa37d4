"""Money is integer fen (分) in records and yuan (元) with two decimals on screen."""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from store.core.errors import BangfuError


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def parse_yuan(text: str) -> int:
    """'1,250.5' -> 125050. Raises ValueError for anything that is not an exact amount."""
    cleaned = str(text).strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    try:
        value = Decimal(cleaned)
        # (1e30 has more digits than the context can quantize: InvalidOperation, not a crash)
        exact = value.is_finite() and value == value.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(text) from None
    if not exact:
        raise ValueError(text)
    return int(value * 100)


class BadAmount(BangfuError):
    """A record holds something other than whole fen where money belongs (a file edited by
    hand, or committed before the schemas said so): no total can be worked out from it."""
    key = "money.bad_amount"


def fen_of(node: dict, field: str, default: int = 0, *, record: dict | None = None, where: str = "") -> int:
    """The whole number in a field (of a record, or of a part of `record` such as a donation's
    item, at `where`) for a figure: the default when absent; anything but a JSON integer stops
    the figure with a message naming the record and the field."""
    value = node.get(field)
    if value is None:
        return default
    if type(value) is not int:
        raise BadAmount(record=(record or node).get("id", "?"), field=where + field,
                        value=json.dumps(value, ensure_ascii=False)[:40])
    return value
