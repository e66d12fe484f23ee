"""Sign-in pieces with no I/O: PKCE (RFC 7636), signed cookie values, CSRF tokens, where to return.

The dashboard is an OpenID Connect client of the configured issuer (Keycloak, or the development
issuer locally): the browser is sent to the issuer's authorization endpoint with a code challenge, comes
back with a code, and the dashboard exchanges code + verifier for the user's tokens server side. The
access token stays on the server (the `sessions` table); the browser holds a signed session id in an
HttpOnly, SameSite=Lax cookie. The session also keeps the issuer's refresh token: an access token about
to expire is refreshed (grant_type=refresh_token) before a page uses it; when that fails, the session ends.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

REFRESH_MARGIN_SECONDS = 60  # an access token expiring within this is refreshed before the page calls a service


def new_secret() -> str:
    """43 URL-safe characters (256 bits): session ids, PKCE verifiers, states, nonces, CSRF tokens."""
    return secrets.token_urlsafe(32)


def code_challenge(verifier: str) -> str:
    """S256: BASE64URL(SHA256(ASCII(code_verifier))) without padding (RFC 7636 4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def _mac(key: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign(key: bytes, purpose: str, value: str) -> str:
    """`value.mac`: a cookie value the browser cannot forge, bound to its purpose (a login cookie is not a
    session cookie)."""
    return f"{value}.{_mac(key, purpose, value)}"


def unsign(key: bytes, purpose: str, signed: str | None) -> str | None:
    """The value of a cookie signed for this purpose by this key, else None."""
    if not signed or "." not in signed:
        return None
    value, mac = signed.rsplit(".", 1)
    return value if hmac.compare_digest(mac, _mac(key, purpose, value)) else None


def session_key_id(session_id: str) -> str:
    """What the sessions table is keyed by: a hash, so that reading the table gives no usable cookie."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


def local_path(target: str | None, default: str = "/") -> str:
    """Where to go after signing in: a path of this site only (no scheme, host or `//`), else the default."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def needs_refresh(access_expires_at: datetime | None, now: datetime,
                  margin_seconds: int = REFRESH_MARGIN_SECONDS) -> bool:
    """Whether the access token expires within the margin (a session without a known expiry never refreshes:
    it ends with its own end)."""
    return access_expires_at is not None and access_expires_at - now <= timedelta(seconds=margin_seconds)
