"""Signatures per Standard Webhooks, verified by the independent `standardwebhooks` library."""
import base64

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from yidi_subscriptions.domain.signing import secret_of, signature, webhook_headers

BODY = b'{"specversion":"1.0","id":"e1","type":"payment.priced","data":{"claim":{"claim_id":"C1"}}}'


def test_the_specifications_example_signature():
    # the Standard Webhooks reference implementations' test vector
    assert signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                     b'{"test": 2432232314}') == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_delivery_verifies_with_the_standardwebhooks_library(webhook_clock):
    secret = secret_of(bytes(range(32)))
    assert secret == "whsec_" + base64.b64encode(bytes(range(32))).decode()
    headers = webhook_headers([secret], "e1", 1764547200, BODY)
    webhook_clock(1764547200)
    assert Webhook(secret).verify(BODY, headers) == {"specversion": "1.0", "id": "e1", "type": "payment.priced",
                                                      "data": {"claim": {"claim_id": "C1"}}}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"C1", b"C2"), headers)  # a changed body
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_of(bytes(32))).verify(BODY, headers)  # another secret


def test_while_a_rotated_secret_overlaps_both_sign_and_either_verifies(webhook_clock):
    old, new = secret_of(b"o" * 32), secret_of(b"n" * 32)
    headers = webhook_headers([new, old], "e1", 1764547200, BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    webhook_clock(1764547200)
    for secret in (old, new):
        Webhook(secret).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_of(b"x" * 32)).verify(BODY, headers)
