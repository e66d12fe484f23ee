"""How clearing takes the seeds' other cases, worked by hand: a 手工报销 claim owes nothing at any stage and
books only the insured region's reimbursement (seed 001 (一), 000 一(二)); a 省本级 claim is settled by its
pool's region (seed 000 二(一)); an emergency part (急诊转住院, seed 003 四(二)) stays out of the rescaling."""
from datetime import datetime
from decimal import Decimal as D

from yidi_clearing.adapters.events import clearing_case
from yidi_clearing.domain.annual import final_payment_fen, rate_factor100
from yidi_clearing.domain.cases import ClearingCases, fen
from yidi_clearing.domain.ledger import claim_entry
from yidi_clearing.domain.settlement import Stage, stage_amounts
from yidi_common.claims import ClaimScope, fund_due_fen
from yidi_common.events import new_event
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED
from yidi_common.events.v1 import AuditFlagConfirmed, PoolRef

from .test_handlers import Clearing, lines, priced


def _payload(event, **pricing):
    msg = event.payload()
    return msg.model_copy(update={"pricing": msg.pricing.model_copy(update=pricing)})


def test_manual_reimbursement_owes_nothing_and_books_the_insured_regions_payment():
    # cross-region list insured in 360400, settled by hand: F 18000 + other fund 500 reimbursed to the person
    msg = _payload(priced(scope=ClaimScope.CROSS_REGION, insured_region="360400", origin="cross"),
                   case_kind="manual_reimbursement", basis="manual", payment_exact=None, fund_due=D("0.00"))
    case = clearing_case(msg)
    assert case.settled_by_hand
    for stage in Stage:
        assert stage_amounts(stage, case) == (D("0.00"), D("0.00"))
    entry = claim_entry(case)
    assert entry.kind == "claim.manual-reimbursement"
    assert lines(entry) == [("360400:manual-reimbursement-expense", D("18500.00"), D("0")),
                            ("360400:fund-bank", D("0"), D("18500.00"))]
    columns = ClearingCases.of([case])  # in its pool, neutral in every sum (no Σ F for a per-item budget)
    assert (len(columns), columns.total_fen, columns.basic_fund_fen, columns.payment_fen) == (1, [0], [0], [0])


def test_province_level_pool_case_is_settled_by_the_pool_region():
    pool = PoolRef(treat_admdvs="369900", year=2026, payment_method="DIP", insutype="all", origin="all")
    msg = _payload(priced(scope=ClaimScope.CROSS_REGION, insured_region="360400", origin="cross"), pool=pool)
    case = clearing_case(msg)
    assert (case.treatment_region, case.pool) == ("369900", "369900-2026-DIP-all-all")
    accounts = [a for a, _, _ in lines(claim_entry(case))]
    assert "369900:hospital-payable:H1" in accounts and "province:payable:369900" in accounts


def test_emergency_part_stays_out_of_the_rescaled_payment():
    # T 30000, E 2000: group part X 23000 (FundDue = 18000 + 25000 − 30000 = 13000.00 as priced).
    # Clearing takes T − E = 28000 and Payment − E = 23000: at R_final/R_p = 0.9 the group part is 20700.00,
    # FundDue = 18000 + 20700 − 28000 = 10700.00 = 18000 + (20700 + 2000) − 30000
    msg = _payload(priced(), payment=D("25000.00"), payment_exact=D("23000"), per_item_part=D("2000.00"),
                   fund_due=D("13000.00"))
    case = clearing_case(msg)
    assert (case.total_cost, case.payment, case.fund_due) == (D("28000.00"), D("23000.00"), D("13000.00"))
    final = final_payment_fen(case.payment_exact, rate_factor100(D("9000"), D("10000")))
    assert final == 2070000
    assert fund_due_fen(fen(case.total_cost), fen(case.basic_fund), final) == 1070000


async def test_a_deduction_on_a_province_level_claim_is_taken_by_the_pool_region():
    # audit names the list's treatment region (360100); the claim is cleared in 369900, so is its deduction
    clearing = Clearing()
    pool = PoolRef(treat_admdvs="369900", year=2026, payment_method="DIP", insutype="all", origin="all")
    event = priced(scope=ClaimScope.CROSS_REGION, insured_region="360400", origin="cross")
    await clearing.priced(event.model_copy(update={"data": {**event.data, "pricing": {
        **event.data["pricing"], "pool": pool.model_dump(mode="json")}}}))
    payload = AuditFlagConfirmed(
        flag_id="F1", rule_id="R1", claim_id="c1", version=1, setl_id="S-c1", hospital_code="H1",
        treat_admdvs="360100", insu_admdvs="360400", amount=D("800.00"),
        confirmed_at=datetime(2026, 3, 20, 9), period="2026-03")
    await clearing.confirmed(new_event(type=AUDIT_FLAG_CONFIRMED, source="/yidi/audit", subject="c1",
                                       payload=payload, correlationid="corr-F1"))
    assert clearing.repo.deductions_by_flag["F1"].treatment_region == "369900"
