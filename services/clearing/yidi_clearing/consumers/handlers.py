"""Clearing's event handlers: post each priced claim version to the ledger, reversing what it supersedes."""
from __future__ import annotations

from yidi_common.events import Envelope, new_event
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED, LEDGER_POSTED, PAYMENT_PRICED
from yidi_common.events.v1 import AuditFlagConfirmed, LedgerLine, LedgerPosted, PaymentPriced
from yidi_common.messaging import Handler, UnitOfWork, takes_batches

from ..adapters import cases_repository as cases
from ..adapters import ledger_repository as ledger
from ..domain.ledger import ClaimMoney, JournalEntry, claim_entry, reversal_of

SOURCE = "/yidi/clearing"


def claim_money(msg: PaymentPriced) -> ClaimMoney:
    c, p = msg.claim, msg.pricing
    return ClaimMoney(
        claim_id=c.claim_id,
        version=c.version,
        period=c.setl_period,
        hospital_code=c.hospital_code,
        insured_region=c.insu_admdvs,
        treatment_region=c.treat_admdvs,
        pool_key=p.pool.key if p.pool else None,
        cross_province=c.cross_province,
        basic_fund=c.basic_fund_payment,
        other_funds=c.fund_payments_total - c.basic_fund_payment,
        fund_due=p.fund_due,
    )


def _posted_event(entry: JournalEntry, cause: Envelope) -> Envelope:
    return new_event(
        type=LEDGER_POSTED, source=SOURCE, subject=entry.claim_id or entry.entry_id, correlationid=cause.correlationid,
        event_id=entry.entry_id,
        payload=LedgerPosted(
            entry_id=entry.entry_id, claim_id=entry.claim_id, version=entry.version, kind=entry.kind,
            period=entry.period, lines=[LedgerLine(account=l.account, debit=l.debit, credit=l.credit) for l in entry.lines],
        ),
    )


@takes_batches
async def on_priced(uow: UnitOfWork, events: list[Envelope]) -> None:
    priced = [(event, event.payload()) for event in events]
    current = await ledger.cleared_entries(uow.conn, sorted({msg.claim.claim_id for _, msg in priced}))
    entries: list[tuple[JournalEntry, Envelope]] = []
    case_rows: dict[str, dict] = {}  # the claims this batch changes
    for event, msg in priced:
        money = claim_money(msg)
        previous = current.get(money.claim_id)
        if previous is not None and previous.version >= money.version:
            continue  # an older version arriving late changes nothing
        case_rows[money.claim_id] = cases.case_row(msg)
        if previous is not None:
            entries.append((reversal_of(previous, superseded_by=money.version), event))
        current[money.claim_id] = entry = claim_entry(money)
        entries.append((entry, event))
    cause = {entry.entry_id: event for entry, event in entries}
    for posted in await ledger.post(uow.conn, [entry for entry, _ in entries]):
        uow.emit(_posted_event(posted, cause[posted.entry_id]))
    await ledger.mark_cleared(uow.conn, [current[claim_id] for claim_id in case_rows])
    await cases.store_cases(uow.conn, list(case_rows.values()))


async def on_confirmed(uow: UnitOfWork, event: Envelope) -> None:
    """A confirmed audit finding: deducted from the hospital in the next monthly run, and from the
    insured region's remittance in the cross-region clearing of that month."""
    msg: AuditFlagConfirmed = event.payload()  # type: ignore[assignment]
    await cases.insert_deduction(uow.conn, msg)


HANDLERS: dict[str, Handler] = {PAYMENT_PRICED: on_priced, AUDIT_FLAG_CONFIRMED: on_confirmed}
