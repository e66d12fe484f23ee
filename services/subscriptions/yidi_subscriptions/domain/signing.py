"""Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"): the secret is
`whsec_` + base64 of the key; a message is signed as base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>"))
and sent as `webhook-signature: v1,<signature>`, one per secret in force, separated by spaces (while a
rotated secret overlaps with the new one, both sign, and a receiver holding either verifies)."""
from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "whsec_"
KEY_BYTES = 32


def secret_of(key: bytes) -> str:
    return PREFIX + base64.b64encode(key).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def webhook_headers(secrets: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt (timestamp: unix seconds of this attempt)."""
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(signature(s, message_id, timestamp, body) for s in secrets)}
