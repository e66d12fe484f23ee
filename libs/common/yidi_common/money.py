"""Money is Decimal yuan; case amounts round half-up to the fen (0.01)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value: Decimal | int | str) -> Decimal:
    """Round to 0.01 yuan, half-up (四舍五入)."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def rounded(value: Decimal | int | str, places: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# Money is written to JSON as a string, so no consumer ever parses it as a float: Pydantic's own
# Decimal serialisation does that natively (a Python serializer here cost a call per amount).
Money = Decimal
