"""Money is integer fen (分) in records and yuan (元) with two decimals on screen."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def parse_yuan(text: str) -> int:
    """'1,250.5' -> 125050. Raises ValueError for anything that is not an exact amount."""
    cleaned = str(text).strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise ValueError(text)
    return int(value * 100)
