"""Use cases of clearing's consumers: post each priced claim version to the ledger, reversing what it
supersedes, and record confirmed audit deductions for the runs to take."""
from __future__ import annotations

from dataclasses import replace

from yidi_common.events import Envelope, new_event
from yidi_common.events.registry import LEDGER_POSTED
from yidi_common.events.v1 import LedgerLine, LedgerPosted
from yidi_common.unit_of_work import Transaction

from ..domain.cases import ClearingCase
from ..domain.deductions import ConfirmedDeduction
from ..domain.ledger import JournalEntry, claim_entry, reversal_of
from .repository import ClearingRepository

SOURCE = "/yidi/clearing"


async def apply_priced_claims(tx: Transaction[ClearingRepository], priced: list[tuple[ClearingCase, Envelope]]) -> None:
    """priced: each case with the event it came in, in order. A few set-based statements for the lot."""
    current = await tx.repo.cleared_entries(sorted({case.claim_id for case, _ in priced}))
    entries: list[tuple[JournalEntry, Envelope]] = []
    changed: dict[str, ClearingCase] = {}  # the claims this batch changes, each at its newest version
    for case, event in priced:
        previous = current.get(case.claim_id)
        if previous is not None and previous.version >= case.version:
            continue  # an older version arriving late changes nothing
        changed[case.claim_id] = case
        if previous is not None:
            entries.append((reversal_of(previous, superseded_by=case.version), event))
        current[case.claim_id] = entry = claim_entry(case)
        entries.append((entry, event))
    cause = {entry.entry_id: event for entry, event in entries}
    for posted in await tx.repo.post([entry for entry, _ in entries]):
        tx.emit(_posted_event(posted, cause[posted.entry_id]))
    await tx.repo.mark_cleared([current[claim_id] for claim_id in changed])
    await tx.repo.store_cases(list(changed.values()))


async def record_deduction(tx: Transaction[ClearingRepository], deduction: ConfirmedDeduction) -> None:
    """Deducted from the hospital in the next monthly run, and from the insured region's remittance in
    the cross-region clearing of that month. A claim cleared in another region than the list's treatment
    region (省本级: its pool's region) has its deductions taken there."""
    stored = await tx.repo.claim_scope(deduction.claim_id)
    if stored is not None and stored[0] != deduction.treatment_region:
        deduction = replace(deduction, treatment_region=stored[0])
    await tx.repo.add_deduction(deduction)


def _posted_event(entry: JournalEntry, cause: Envelope) -> Envelope:
    return new_event(
        type=LEDGER_POSTED, source=SOURCE, subject=entry.claim_id or entry.entry_id, correlationid=cause.correlationid,
        event_id=entry.entry_id,
        payload=LedgerPosted(
            entry_id=entry.entry_id, claim_id=entry.claim_id, version=entry.version, kind=entry.kind,
            period=entry.period, lines=[LedgerLine(account=l.account, debit=l.debit, credit=l.credit) for l in entry.lines],
        ),
    )
