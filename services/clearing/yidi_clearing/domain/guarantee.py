"""The quality guarantee's release by the year's assessment (seed 000 四(三), 001 (七), 003 三(3)).

The seeds tie the guarantee withheld monthly (质量保证金) to the hospital's annual assessment (考核/评价)
without a scale: the region's policy maps a score (0-100) to the share released by bands (the highest
band whose minimum the score reaches; yidi_common.regional_config.GuaranteeRelease, documented
defaults); the rest is forfeited to the fund.
"""
from __future__ import annotations

from decimal import Decimal

from yidi_common.regional_config import GuaranteeRelease


class AssessmentMissing(LookupError):
    def __init__(self, hospitals: list[str]) -> None:
        super().__init__(f"no assessment result for {', '.join(hospitals)}")
        self.hospitals = hospitals


def release_share(score: Decimal | None, policy: GuaranteeRelease) -> Decimal | None:
    """The share of the guarantee a score releases; None when there is no score and the policy gives
    no share for unassessed hospitals."""
    if score is None:
        return policy.unassessed
    for band in sorted(policy.bands, key=lambda b: b.min_score, reverse=True):
        if score >= band.min_score:
            return band.share
    return Decimal(0)
