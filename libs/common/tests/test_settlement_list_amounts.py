"""Amounts on a settlement list: what is accepted, exactly as Decimal, and how a bad one is named."""
from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from yidi_common.http import problem_list
from yidi_common.settlement_list import FeeItem


@pytest.mark.parametrize("given, expected", [
    ("12998.48", Decimal("12998.48")), ("0", Decimal("0")), ("7.5", Decimal("7.5")),
    ("999999999999.99", Decimal("999999999999.99")), (" 3.20 ", Decimal("3.20")),
    (12.5, Decimal("12.5")), (3, Decimal("3")), (Decimal("4.10"), Decimal("4.10")),
])
def test_amounts_are_taken_exactly(given, expected):
    item = FeeItem.model_validate({"med_chrgitm_type": "01", "amt": given})
    assert item.amt == expected and isinstance(item.amt, Decimal)
    assert str(item.amt) == str(expected)


@pytest.mark.parametrize("bad", ["-1", "1.234", "1234567890123", "abc", "NaN", "", -2, 1.234, True])
def test_a_bad_amount_is_named_with_its_field_path(bad):
    with pytest.raises(ValidationError) as exc:
        FeeItem.model_validate({"med_chrgitm_type": "01", "amt": "1.00", "clab_amt": bad})
    assert problem_list(exc.value.errors(), drop_prefix=()) == [{
        "field": "clab_amt", "rule": "amount",
        "message": "Input should be an amount of yuan: not negative, at most 12 digits before the point and 2 after",
    }]


def test_amounts_are_written_back_as_the_strings_they_were():
    item = FeeItem.model_validate({"med_chrgitm_type": "09", "amt": "120.50", "claa_sumfee": 20})
    assert item.model_dump(mode="json") == {
        "med_chrgitm_type": "09", "amt": "120.50", "claa_sumfee": "20", "clab_amt": "0", "fulamt_ownpay_amt": "0",
        "oth_amt": "0"}
