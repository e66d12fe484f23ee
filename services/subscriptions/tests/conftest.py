"""Shared fixtures of the subscriptions service's unit tests."""
from datetime import datetime, timezone

import pytest


class _FrozenAt:
    """standardwebhooks checks the timestamp against its clock (5 minutes' tolerance): fixed here."""

    def __init__(self, timestamp: int):
        self._now = datetime.fromtimestamp(timestamp, tz=timezone.utc)
        self.fromtimestamp = datetime.fromtimestamp

    def now(self, tz=None):
        return self._now


@pytest.fixture
def webhook_clock(monkeypatch):
    """webhook_clock(t): the standardwebhooks library's clock reads unix time t."""
    return lambda timestamp: monkeypatch.setattr("standardwebhooks.webhooks.datetime", _FrozenAt(timestamp))
