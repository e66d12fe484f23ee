"""The backoff schedule: base × 2^(n−1), capped, jittered within [½, 1] of the step, then given up."""
import pytest

from yidi_subscriptions.domain.retry import RetryPolicy

POLICY = RetryPolicy(base_seconds=2.0, max_seconds=60.0, attempts=6)


def test_the_steps_double_up_to_the_cap():
    # without jitter's reduction (draw → 1): 2, 4, 8, 16, 32, 60 (64 capped)
    assert [POLICY.delay(n, 0.999999) for n in range(1, 6)] == pytest.approx([2, 4, 8, 16, 32], abs=1e-4)
    assert RetryPolicy(2.0, 60.0, 10).delay(6, 0.999999) == pytest.approx(60, abs=1e-4)


def test_jitter_keeps_each_delay_within_half_and_whole_of_its_step():
    assert POLICY.delay(3, 0.0) == 4.0  # half of 8
    assert POLICY.delay(3, 0.5) == 6.0  # three quarters of 8


def test_after_the_last_attempt_the_delivery_is_given_up():
    assert POLICY.delay(5, 0.5) is not None
    assert POLICY.delay(6, 0.5) is None
