"""Intake decisions: new, repeated, conflicting and corrected lists."""
from __future__ import annotations

from yidi_grouper.domain.intake import Decision, Outcome, StoredVersion, claim_id_for, decide


def test_a_new_list_is_version_one():
    d = decide([], "h1", correction=False)
    assert (d.outcome, d.version, d.supersedes) == (Outcome.ACCEPTED, 1, None)


def test_the_same_content_again_answers_the_stored_version():
    stored = [StoredVersion(1, "h1"), StoredVersion(2, "h2")]
    assert decide(stored, "h1", correction=False) == decide(stored, "h1", correction=True)
    assert decide(stored, "h1", correction=False).version == 1
    assert decide(stored, "h2", correction=False).outcome is Outcome.REPEATED


def test_other_content_is_a_conflict_unless_it_is_a_correction():
    stored = [StoredVersion(1, "h1")]
    assert decide(stored, "h9", correction=False).outcome is Outcome.CONFLICT
    d = decide(stored, "h9", correction=True)
    assert (d.outcome, d.version, d.supersedes) == (Outcome.ACCEPTED, 2, 1)


def test_a_rejected_list_sent_again_unchanged_as_a_correction_is_checked_anew():
    stored = [StoredVersion(1, "h1"), StoredVersion(2, "h2", rejected=True)]
    d = decide(stored, "h2", correction=True)
    assert (d.outcome, d.version, d.supersedes) == (Outcome.ACCEPTED, 3, 2)
    assert decide(stored, "h2", correction=False) == Decision(Outcome.REPEATED, 2)  # a plain repost changes nothing
    assert decide(stored + [StoredVersion(3, "h2")], "h2", correction=True) == Decision(Outcome.REPEATED, 3)


def test_a_correction_of_nothing_is_not_found():
    assert decide([], "h1", correction=True).outcome is Outcome.NOT_FOUND


def test_claim_ids_depend_on_hospital_and_list_id_only():
    assert claim_id_for("H1", "S1") == claim_id_for("H1", "S1")
    assert claim_id_for("H1", "S1") != claim_id_for("H2", "S1")
