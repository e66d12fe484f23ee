"""AUD-DIP-SCORE-DRIFT (seed 003 五(二) 高套分值 as a hospital's pattern), worked by hand.

Hospital H36050000001 in 新余 (DIP, 360500). Types: I63.9:保守 score 980, I63.9:31.0100 score 2500 (higher);
J18.9:保守 900, J18.9:33.2400 1500; K80.1:保守 700, K80.1:51.2300 1800.
Baseline 2025 (the prior year), period 2026-Q1:
- I63.9: 2025 5 of 20 in the higher type (0.25), 2026-Q1 10 of 20 (0.50): rise 0.25 >= 0.20, drifts;
- J18.9: 10 of 20 (0.50) then 11 of 20 (0.55): rise 0.05, does not;
- K80.1: 0 of 20 then 19 of 19: below the 20 cases of the period, silent.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

from yidi_audit.domain.findings import flag_id
from yidi_audit.domain.params import audit_config
from yidi_audit.domain.review import FlagStatus
from yidi_audit.domain.rules import score_drift
from yidi_audit.domain.rules.score_drift import DipTally, MixKey, Params

from .fakes import FakeAuditRepository
from .test_handlers import handle, priced

CST = timezone(timedelta(hours=8))
HOSPITAL = "H36050000001"
SCORES = {"I63.9:保守": D("980"), "I63.9:31.0100": D("2500"), "J18.9:保守": D("900"), "J18.9:33.2400": D("1500"),
          "K80.1:保守": D("700"), "K80.1:51.2300": D("1800")}
DIAGNOSES = {"I63.9": "I63.900", "J18.9": "J18.900", "K80.1": "K80.100"}


def mix(prefix: str, when: datetime, low: int, high: int, low_type: str, high_type: str) -> list[tuple]:
    """(claim id, principal diagnosis, type, discharge) for `low` cases in the low type and `high` in the higher."""
    diagnosis = DIAGNOSES[low_type.split(":")[0]]
    return [(f"{prefix}-{i}", diagnosis, low_type if i < low else high_type, when + timedelta(hours=i))
            for i in range(low + high)]


BASELINE_DAY, PERIOD_DAY = datetime(2025, 6, 10, 9, tzinfo=CST), datetime(2026, 2, 10, 9, tzinfo=CST)
CASES = [
    *mix("I-25", BASELINE_DAY, 15, 5, "I63.9:保守", "I63.9:31.0100"),
    *mix("I-26", PERIOD_DAY, 10, 10, "I63.9:保守", "I63.9:31.0100"),
    *mix("J-25", BASELINE_DAY, 10, 10, "J18.9:保守", "J18.9:33.2400"),
    *mix("J-26", PERIOD_DAY, 9, 11, "J18.9:保守", "J18.9:33.2400"),
    *mix("K-25", BASELINE_DAY, 20, 0, "K80.1:保守", "K80.1:51.2300"),
    *mix("K-26", PERIOD_DAY, 0, 19, "K80.1:保守", "K80.1:51.2300"),
]


def month(at: datetime) -> datetime:
    return datetime(at.year, at.month, 1, tzinfo=CST)


def dip_cases(cases=CASES) -> list[DipTally]:
    """One tally a case (the rule adds them up)."""
    return [DipTally(diagnosis, dip_type, SCORES[dip_type], month(at)) for _, diagnosis, dip_type, at in cases]


def run(tallies: list[DipTally], params: Params = Params(), at: datetime = PERIOD_DAY):
    return score_drift.evaluate(hospital_code=HOSPITAL, treatment_region="360500", reviewing_region="360500",
                                pool_region=None, window=score_drift.windows(at, params), tallies=tallies, params=params)


def test_one_finding_names_the_drifting_diagnosis_with_shares_and_counts():
    (finding,) = run(dip_cases())
    assert (finding.rule_id, finding.claim_id, finding.hospital_code, finding.suspected_amount) == (
        "AUD-DIP-SCORE-DRIFT", "360500/H36050000001/2026-Q1", HOSPITAL, D("0.00"))
    assert (finding.treatment_region, finding.insured_region) == ("360500", "360500")
    assert finding.evidence["period"] == "2026-Q1"
    assert finding.evidence["baseline_start"] == "2025-01-01T00:00:00+08:00"
    assert finding.evidence["diagnoses"] == [{
        "diagnosis": "I63.9", "lowest_score": "980", "higher_types": ["I63.9:31.0100"],
        "period_cases": 20, "period_higher": 10, "period_share": "0.5000",
        "baseline_cases": 20, "baseline_higher": 5, "baseline_share": "0.2500", "rise": "0.2500"}]


def test_counts_by_month_and_type_give_the_same_finding_as_the_cases_one_by_one():
    # I63.9: 2025-06 15 low + 5 high; 2026-02 10 + 10 (the drift of the first test), as four tallies
    tallies = [DipTally("I63.900", "I63.9:保守", D("980"), month(BASELINE_DAY), 15),
               DipTally("I63.900", "I63.9:31.0100", D("2500"), month(BASELINE_DAY), 5),
               DipTally("I63.900", "I63.9:保守", D("980"), month(PERIOD_DAY), 10),
               DipTally("I63.900", "I63.9:31.0100", D("2500"), month(PERIOD_DAY), 10)]
    (finding,) = run(tallies)
    assert finding.evidence["diagnoses"][0] | {"higher_types": None} == {
        "diagnosis": "I63.9", "lowest_score": "980", "higher_types": None,
        "period_cases": 20, "period_higher": 10, "period_share": "0.5000",
        "baseline_cases": 20, "baseline_higher": 5, "baseline_share": "0.2500", "rise": "0.2500"}


def test_a_rise_exactly_at_the_threshold_flags_and_just_below_does_not():
    base = [c for c in CASES if c[0].startswith("I-25")]
    # 9 of 20 = 0.45: rise 0.20; 8 of 20 = 0.40: rise 0.15
    at_threshold = base + mix("I-26", PERIOD_DAY, 11, 9, "I63.9:保守", "I63.9:31.0100")
    below = base + mix("I-26", PERIOD_DAY, 12, 8, "I63.9:保守", "I63.9:31.0100")
    assert run(dip_cases(at_threshold))[0].evidence["diagnoses"][0]["rise"] == "0.2000"
    assert run(dip_cases(below)) == []


def test_the_minimum_cases_and_rise_are_configuration():
    # K80.1 with 19 cases counts once the minimum is 19: 0/20 -> 19/19, rise 1.0000
    (finding,) = run(dip_cases(), Params(min_cases=19))
    assert [d["diagnosis"] for d in finding.evidence["diagnoses"]] == ["I63.9", "K80.1"]
    assert finding.evidence["diagnoses"][1]["rise"] == "1.0000"
    assert run(dip_cases(), Params(min_rise=D("0.26"))) == []


def test_windows_prior_year_and_earlier_months_in_china_time():
    # 2026-03-31 17:00 UTC is 1 April 01:00 in China: April's month, baseline the 3 months before it
    w = score_drift.windows(datetime(2026, 3, 31, 17, tzinfo=timezone.utc),
                            Params(period="month", baseline="earlier_months", baseline_months=3))
    assert (w.period, w.start, w.end, w.baseline_start, w.baseline_end) == (
        "2026-04", datetime(2026, 4, 1, tzinfo=CST), datetime(2026, 5, 1, tzinfo=CST),
        datetime(2026, 1, 1, tzinfo=CST), datetime(2026, 4, 1, tzinfo=CST))
    q4 = score_drift.windows(datetime(2026, 11, 3, tzinfo=CST), Params())
    assert (q4.period, q4.start, q4.end, q4.baseline_start, q4.baseline_end) == (
        "2026-Q4", datetime(2026, 10, 1, tzinfo=CST), datetime(2027, 1, 1, tzinfo=CST),
        datetime(2025, 1, 1, tzinfo=CST), datetime(2026, 1, 1, tzinfo=CST))


def test_earlier_months_compare_a_month_with_the_months_before_it():
    # I63.9 in January 2026: 5 of 20 higher; in February 10 of 20: rise 0.25 against the earlier month
    cases = (mix("I-jan", datetime(2026, 1, 10, 9, tzinfo=CST), 15, 5, "I63.9:保守", "I63.9:31.0100")
             + mix("I-feb", PERIOD_DAY, 10, 10, "I63.9:保守", "I63.9:31.0100"))
    params = Params(period="month", baseline="earlier_months", baseline_months=1)
    (finding,) = run(dip_cases(cases), params)
    assert (finding.claim_id, finding.evidence["diagnoses"][0]["baseline_share"]) == (
        "360500/H36050000001/2026-02", "0.2500")
    assert run(dip_cases(cases), Params()) == []  # against the prior year there is no history


def dip_priced(claim_id: str, diagnosis: str, dip_type: str, at: datetime, version: int = 1):
    event = priced(claim_id, (at - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M"), at.strftime("%Y-%m-%dT%H:%M"),
                   principal=diagnosis, version=version)
    event.data["claim"] |= {"hospital_code": HOSPITAL, "treat_admdvs": "360500", "psn_no": f"P-{claim_id}"}
    event.data["grouping"] |= {"payment_method": "DIP", "scheme": "新余 DIP", "mdc": None, "adrg": None, "drg": None,
                               "dip_type": dip_type}
    event.data["pricing"]["weight"] = str(SCORES[dip_type])
    return event


async def test_claims_arriving_in_batches_raise_one_stored_flag_per_hospital_and_period():
    repo = FakeAuditRepository()
    events = [dip_priced(*case) for case in CASES]
    first = await handle(repo, *events[:50], now=PERIOD_DAY)
    second = await handle(repo, *events[50:], now=PERIOD_DAY + timedelta(days=1))
    drift = [r for r in repo.reviews.values() if r.rule_id == "AUD-DIP-SCORE-DRIFT"]
    assert [(r.flag_id, r.claim_id, r.status) for r in drift] == [
        (flag_id("AUD-DIP-SCORE-DRIFT", "360500/H36050000001/2026-Q1", 1), "360500/H36050000001/2026-Q1",
         FlagStatus.RAISED)]
    assert repo.findings[drift[0].flag_id].evidence["diagnoses"][0]["period_higher"] == 10
    assert [e for e in first + second if e.payload().rule_id == "AUD-DIP-SCORE-DRIFT"] == []  # not published
    assert repo.reviews.keys() == {drift[0].flag_id}  # the clean DIP claims raise nothing else
    assert await handle(repo, *events[:5], now=PERIOD_DAY + timedelta(days=2)) == []


async def test_the_stored_mix_follows_each_claims_latest_version():
    repo = FakeAuditRepository()
    await handle(repo, *[dip_priced(*case) for case in CASES], now=PERIOD_DAY)
    feb = {k.dip_type: n for k, n in repo.mix.items() if k.month == month(PERIOD_DAY) and k.dip_type.startswith("I63.9")}
    assert feb == {"I63.9:保守": 10, "I63.9:31.0100": 10}
    # I-26-15 (a higher-type case) corrected to the conservative type; version 1 redelivered late changes nothing
    await handle(repo, dip_priced("I-26-15", "I63.900", "I63.9:保守", PERIOD_DAY + timedelta(hours=15), version=2),
                 now=PERIOD_DAY)
    await handle(repo, dip_priced("I-26-15", "I63.900", "I63.9:31.0100", PERIOD_DAY + timedelta(hours=15)),
                 now=PERIOD_DAY)
    feb = {k.dip_type: n for k, n in repo.mix.items() if k.month == month(PERIOD_DAY) and k.dip_type.startswith("I63.9")}
    assert feb == {"I63.9:保守": 11, "I63.9:31.0100": 9}


async def test_a_region_turns_the_rule_off():
    repo = FakeAuditRepository()
    config = audit_config({"regions": {"360500": {"score_drift": {"enabled": False}}}})
    await handle(repo, *[dip_priced(*case) for case in CASES], config=config, now=PERIOD_DAY)
    assert repo.reviews == {}


def test_storing_a_claim_counts_it_and_a_correction_moves_it(claim):
    def facts(version: int, dip_type: str | None, at: datetime, method: str = "DIP"):
        return claim(claim_id="c1", version=version, hospital_code=HOSPITAL, treatment_region="360500",
                     adm_time=at - timedelta(days=5), dscg_time=at, principal_diagnosis="I63.900",
                     payment_method=method, dip_type=dip_type, dip_score=SCORES[dip_type] if dip_type else None)

    # discharged 2026-02-28 17:00 UTC = 1 March 01:00 in China: March's count
    at = datetime(2026, 2, 28, 17, tzinfo=timezone.utc)
    high = MixKey("360500", HOSPITAL, datetime(2026, 3, 1, tzinfo=CST), "I63.900", "I63.9:31.0100", D("2500"))
    low = MixKey("360500", HOSPITAL, datetime(2026, 3, 1, tzinfo=CST), "I63.900", "I63.9:保守", D("980"))
    v1, v2 = facts(1, "I63.9:31.0100", at), facts(2, "I63.9:保守", at)
    assert score_drift.mix_changes([(None, v1)]) == {high: 1}
    assert score_drift.mix_changes([(v1, v2)]) == {high: -1, low: 1}
    assert score_drift.mix_changes([(v2, facts(3, None, at, method="DRG"))]) == {low: -1}
    assert score_drift.mix_changes([(v1, v1)]) == {}  # stored again as it was: no change
