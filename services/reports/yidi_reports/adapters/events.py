"""From event payloads to the read model's rows: what each stage says about a claim version."""
from __future__ import annotations

from datetime import datetime

from yidi_common.claims import ClaimScope, claim_scope
from yidi_common.events import Envelope
from yidi_common.events.v1 import (
    AnnualCleared,
    AuditFlagConfirmed,
    AuditFlagRaised,
    ObjectionDecided,
    PaymentPriced,
    SettlementListRejected,
)

from ..domain.indicators import CHINA, Case
from ..service_layer.repository import AnnualClearing, FlagUpdate

ORIGIN = {ClaimScope.LOCAL: "local", ClaimScope.CROSS_REGION: "cross", ClaimScope.CROSS_PROVINCE: "cross-province"}


def china_local(moment: datetime | None) -> datetime | None:
    """A list's time as China Standard Time without an offset, as the lists carry it (an aware time, as
    tests send, converted); stored as such, so dates compare in China time whatever the database's zone."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(CHINA).replace(tzinfo=None)


def _origin(insured: str, treatment: str, cross_province: bool) -> str:
    scope = ClaimScope.CROSS_PROVINCE if cross_province else claim_scope(insured_region=insured, treatment_region=treatment)
    return ORIGIN[scope]


def submitted_case(event: Envelope) -> Case:
    """A version as posted: its period, person and dates, so that a rejected one is counted in its month.
    Read from the event's JSON as it is (the grouper validated the list; validating every fee item again
    cost ~0.3 ms an event), and only the fields the read model keeps."""
    data = event.data
    info = data["settlement_list"]["setlinfo"]
    principal = next((d["diag_code"] for d in data["settlement_list"].get("diseinfo", ()) if d.get("maindiag_flag")), None)
    return Case(
        claim_id=data["claim_id"], version=int(data["version"]), stage="submitted", hospital_code=info["fixmedins_code"],
        treatment_region=info["treat_admdvs"], insured_region=info["insu_admdvs"],
        origin=_origin(info["insu_admdvs"], info["treat_admdvs"], bool(info.get("cross_province"))),
        period=info["setl_period"], psn_no=info["psn_no"], adm_time=china_local(datetime.fromisoformat(info["adm_time"])),
        dscg_time=china_local(datetime.fromisoformat(info["dscg_time"])), los=int(info["act_ipt_days"]),
        total_cost=None, self_pay=None, basic_fund=None, grouping_status=None, principal_diagnosis=principal,
    )


def rejected_case(payload: SettlementListRejected) -> Case:
    return Case(
        claim_id=payload.claim_id, version=payload.version, stage="rejected", hospital_code=payload.hospital_code,
        treatment_region=payload.treat_admdvs, insured_region=payload.insu_admdvs,
        origin=_origin(payload.insu_admdvs, payload.treat_admdvs, False), period=None, psn_no=None,
        los=None, total_cost=None, self_pay=None, basic_fund=None, grouping_status="rejected",
    )


def priced_case(payload: PaymentPriced) -> Case:
    claim, grouping, pricing = payload.claim, payload.grouping, payload.pricing
    return Case(
        claim_id=claim.claim_id, version=claim.version, stage="priced", hospital_code=claim.hospital_code,
        treatment_region=claim.treat_admdvs, insured_region=claim.insu_admdvs, origin=ORIGIN[claim.scope],
        period=claim.setl_period, psn_no=claim.psn_no, adm_time=china_local(claim.adm_time),
        dscg_time=china_local(claim.dscg_time),
        los=claim.los, total_cost=claim.total_cost, self_pay=claim.psn_ownpay, basic_fund=claim.basic_fund_payment,
        grouping_status=grouping.status, payment_method=grouping.payment_method,
        group=grouping.drg if grouping.payment_method == "DRG" else grouping.dip_type,
        weight=pricing.weight if grouping.status == "grouped" else None, case_kind=pricing.case_kind,
        principal_diagnosis=claim.diagnoses[0] if claim.diagnoses else None,
    )


def flag_raised(payload: AuditFlagRaised, at: datetime) -> FlagUpdate:
    return FlagUpdate(flag_id=payload.flag_id, claim_id=payload.claim_id, version=payload.version,
                      hospital_code=payload.hospital_code, treatment_region=payload.treat_admdvs,
                      insured_region=payload.insu_admdvs, rule_id=payload.rule_id,
                      suspected_amount=payload.suspected_amount, raised_at=at)


def flag_confirmed(payload: AuditFlagConfirmed) -> FlagUpdate:
    return FlagUpdate(flag_id=payload.flag_id, claim_id=payload.claim_id, version=payload.version,
                      hospital_code=payload.hospital_code, treatment_region=payload.treat_admdvs,
                      insured_region=payload.insu_admdvs, rule_id=payload.rule_id,
                      confirmed_amount=payload.amount, confirmed_period=payload.period)


def objection_withdrawal(payload: ObjectionDecided) -> FlagUpdate | None:
    """An accepted objection to a flag withdraws it (audit dismisses it the same way, unless confirmed)."""
    if payload.decision != "accepted" or payload.target_kind != "flag":
        return None
    return FlagUpdate(flag_id=payload.target_id, claim_id=payload.claim_id or "", hospital_code=payload.hospital_code,
                      treatment_region=payload.treat_admdvs, withdrawn_by=payload.objection_id)


def annual_clearing(payload: AnnualCleared, at: datetime) -> AnnualClearing:
    return AnnualClearing(region=payload.region, year=payload.year, cleared_at=at,
                          pools=[p.model_dump(mode="json") for p in payload.pools])
