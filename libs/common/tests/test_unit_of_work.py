"""A use case's Transaction: inside a consumer batch it emits into the batch's outbox."""
from yidi_common.events import new_event
from yidi_common.events.v1 import LedgerPosted
from yidi_common.messaging import UnitOfWork
from yidi_common.unit_of_work import Transaction


def test_a_transaction_of_a_batch_emits_into_the_batch_and_builds_its_repository_on_the_batch_connection():
    batch = UnitOfWork(conn="the batch connection")  # type: ignore[arg-type]
    tx = Transaction.of_batch(batch, repository=lambda conn: ("repo over", conn))
    event = new_event(type="ledger.posted", source="/t", subject="c1", correlationid="c1",
                      payload=LedgerPosted(entry_id="e", kind="k", period="2026-01", lines=[]))
    tx.emit(event)
    assert tx.repo == ("repo over", "the batch connection")
    assert batch.emitted == [event]
