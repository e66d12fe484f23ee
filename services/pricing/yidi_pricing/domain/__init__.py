"""Pricing a case (DOMAIN.md §5): pure functions over the regional configuration."""
from .inputs import CaseInputs, GroupingStatus
from .priced import CaseKind, PaymentBasis, PricedCase
from .pricing import PricingError, price_case

__all__ = [
    "CaseInputs",
    "CaseKind",
    "GroupingStatus",
    "PaymentBasis",
    "PricedCase",
    "PricingError",
    "price_case",
]
