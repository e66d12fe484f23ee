"""Policy for closing a year: the guarantee's release by assessment, prepayments and advances.

The seeds require these (seed 000 四(二)(三), 001 (三)(七), 003 三(1)(3)) but give no numbers; the
defaults below are ours, documented in demo/config/README.md, and every region may override them.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Annotated[Decimal, Field(ge=0, le=1)]
Score = Annotated[Decimal, Field(ge=0, le=100)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReleaseBand(_Frozen):
    min_score: Score  # the band applies from this assessment score up
    share: Share  # of the year's withheld guarantee released to the hospital


class GuaranteeRelease(_Frozen):
    """Score → share of the guarantee released (seed 000 四(三): 评价结果与年度结算清算挂钩).

    Default: ≥ 90 all, ≥ 80 80 %, ≥ 70 60 %, ≥ 60 40 %, below 60 nothing. `unassessed`: the share for a
    hospital without a result; None (default) makes the annual run refuse until every result is in.
    """

    bands: tuple[ReleaseBand, ...] = (
        ReleaseBand(min_score=Decimal(90), share=Decimal(1)),
        ReleaseBand(min_score=Decimal(80), share=Decimal("0.8")),
        ReleaseBand(min_score=Decimal(70), share=Decimal("0.6")),
        ReleaseBand(min_score=Decimal(60), share=Decimal("0.4")),
    )
    unassessed: Share | None = None

    @model_validator(mode="after")
    def _monotone(self) -> "GuaranteeRelease":
        ordered = sorted(self.bands, key=lambda b: b.min_score)
        if any(a.share > b.share for a, b in zip(ordered, ordered[1:])):
            raise ValueError("a higher assessment score must not release a smaller share")
        return self


class Prepayment(_Frozen):
    """Year-start prepayment to each hospital (预拨周转金, seed 000 四(二); seed 003 三(1): 根据…上年度月平均
    基金支付额…年初预拨, 年末对账): `months` × the hospital's average monthly fund payment of the previous
    year as the system paid it; offset in the annual run. Default 1 month."""

    months: Annotated[Decimal, Field(ge=0, le=12)] = Decimal(1)


class Advance(_Frozen):
    """Each insured region's advance to the province (异地就医预付金, seed 001 (三)): `share` × its
    configured cross-region budget for the year; offset in the year's December cross-region run.
    Default 1/12 (one month of the budget)."""

    share: Share = Decimal("0.0833")
