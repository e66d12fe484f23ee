"""One example payload per (event type, schema version), for the AsyncAPI document: one cross-region
claim (treated in 南昌 360100 at H36010000001, insured in 赣州 360700) through the chain. Each is
validated by its payload model when the document is built."""
from __future__ import annotations

from typing import Any

from ..settlement_list import EXAMPLE
from . import registry as r
from .v2 import without_personal_data

CLAIM_ID = "0b6c5f3e-6a1f-5c55-9f36-3f1c2d7e8a90"
_LIST = {**EXAMPLE, "setlinfo": {**EXAMPLE["setlinfo"], "insu_admdvs": "360700"}}
_CLAIM = {
    "claim_id": CLAIM_ID, "version": 1, "setl_id": "S1", "hospital_code": "H36010000001", "psn_no": "P1",
    "insu_admdvs": "360700", "treat_admdvs": "360100", "insutype": "310", "setl_period": "2026-10", "gender": "1",
    "age": 56, "adm_time": "2026-10-01T08:00:00+08:00", "dscg_time": "2026-10-05T08:00:00+08:00", "los": 4,
    "dscg_way": "1", "scope": "cross-region", "diagnoses": ["J18.900"], "procedures": [], "total_cost": "100.00",
    "basic_fund_payment": "60.00", "fund_payments": [{"fund_pay_type": "310100", "amount": "60.00"}],
    "psn_ownpay": "0.00", "fee_by_category": {"01": "100.00"},
}
_GROUPING = {"payment_method": "DRG", "scheme": "CHS-DRG 1.1", "status": "grouped", "mdc": "MDCE", "adrg": "ES3",
             "drg": "ES35", "explanation": ["principal diagnosis J18.900 → MDCE", "ADRG ES3", "no CC/MCC → ES35"]}
_FLAG = {"flag_id": "F-0001", "rule_id": "LOS-SHORT", "claim_id": CLAIM_ID, "version": 1, "setl_id": "S1",
         "hospital_code": "H36010000001", "treat_admdvs": "360100", "insu_admdvs": "360700"}

EXAMPLES: dict[tuple[str, int], dict[str, Any]] = {
    (r.SETTLEMENT_LIST_SUBMITTED, 1): {"claim_id": CLAIM_ID, "version": 1, "submitted_at": "2026-10-05T09:00:00+08:00",
                                       "settlement_list": _LIST},
    (r.SETTLEMENT_LIST_SUBMITTED, 2): {"claim_id": CLAIM_ID, "version": 1, "submitted_at": "2026-10-05T09:00:00+08:00",
                                       "settlement_list": without_personal_data(_LIST)},
    (r.SETTLEMENT_LIST_GROUPED, 1): {"claim": _CLAIM, "grouping": _GROUPING},
    (r.SETTLEMENT_LIST_REJECTED, 1): {
        "claim_id": CLAIM_ID, "version": 1, "setl_id": "S1", "hospital_code": "H36010000001", "treat_admdvs": "360100",
        "insu_admdvs": "360700", "problems": [{"field": "payinfo", "rule": "QC-PAY-BALANCE",
                                               "message": "fund payments 60.00 + self-pay 30.00 ≠ total 100.00"}]},
    (r.PAYMENT_PRICED, 1): {"claim": _CLAIM, "grouping": _GROUPING, "pricing": {
        "case_kind": "normal", "pool": {"treat_admdvs": "360100", "year": 2026, "payment_method": "DRG",
                                        "insutype": "310", "origin": "cross"},
        "hospital_level": 3, "weight": "0.8500", "rate": "10000", "coefficient": "1.00", "standard": "8500.00",
        "basis": "weight", "payment": "8500.00", "fund_due": "8460.00",
        "explanation": ["RW 0.8500 × rate 10000 × C_h 1.00 = 8500.00", "FundDue = 8500.00 − 40.00 own share"]}},
    (r.AUDIT_FLAG_RAISED, 1): {**_FLAG, "severity": "review", "suspected_amount": "8460.00",
                               "evidence": {"los": 4, "drg_mean_los": 9.2}},
    (r.AUDIT_FLAG_CONFIRMED, 1): {**_FLAG, "amount": "1200.00", "confirmed_at": "2026-11-10T10:00:00+08:00",
                                  "period": "2026-11"},
    (r.BUDGET_ALERT, 1): {"budget_kind": "pool", "budget_key": "360100-2026-DRG-310-cross", "region": "360100",
                          "period": "2026-10", "level": "notice", "threshold": "0.80", "consumed": "80000.00",
                          "budget": "100000.00", "ratio": "0.8000", "basis": "budget", "basis_amount": "100000.00"},
    (r.LEDGER_POSTED, 1): {"entry_id": "E-0001", "claim_id": CLAIM_ID, "version": 1, "kind": "claim", "period": "2026-10",
                           "lines": [{"account": "360700:cross-region-medical-expense", "debit": "60.00"},
                                     {"account": "360700:payable-to-province", "credit": "60.00"},
                                     {"account": "province:receivable:360700", "debit": "60.00"},
                                     {"account": "province:payable:360100", "credit": "60.00"},
                                     {"account": "360100:receivable-from-province", "debit": "60.00"},
                                     {"account": "360100:hospital-payable:H36010000001", "credit": "60.00"}]},
    (r.OBJECTION_DECIDED, 1): {
        "objection_id": "OBJ-0001", "target_kind": "flag", "target_id": "F-0001", "claim_id": CLAIM_ID,
        "hospital_code": "H36010000001", "treat_admdvs": "360100", "decision": "accepted",
        "decided_at": "2026-11-12T15:00:00+08:00", "decided_by": "3f6c1e2a-bureau-360100-reviewer",
        "reasons": "the short stay was a transfer, documented in the discharge summary"},
    (r.SPECIAL_CASE_DECIDED, 1): {
        "case_id": "K-0001", "claim_id": CLAIM_ID, "version": 1, "setl_id": "S1", "hospital_code": "H36010000001",
        "treat_admdvs": "360100", "insu_admdvs": "360700", "origin": "hospital", "decision": "approved",
        "reasons": ["rare combination of conditions, cost far above the group's standard"],
        "decided_by": "3f6c1e2a-bureau-360100-reviewer", "decided_role": "bureau",
        "decided_at": "2026-11-12T15:00:00+08:00", "period": "2026"},
    (r.ANNUAL_CLEARED, 1): {"region": "360100", "year": 2026, "pools": [{
        "pool": "360100-2026-DRG-310-cross", "final_rate": "9876.5432", "distributable": "190000.00",
        "fund_due_final": "189999.99", "residue": "0.01", "reserve": "10000.00", "overrun_paid": "0.00"}]},
}
