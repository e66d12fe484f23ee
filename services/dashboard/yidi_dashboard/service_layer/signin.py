"""Signing in through the OIDC provider (authorization code + PKCE), sessions, signing out."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import urlencode

import httpx
import jwt
import structlog

from yidi_common.auth import InvalidToken, TokenVerifier

from ..adapters.oidc import OidcProvider, SignInFailed
from ..adapters.sessions import LoginAttempt, Session, SessionStore, expiry
from ..domain.signin import REFRESH_MARGIN_SECONDS, code_challenge, local_path, needs_refresh, new_secret, session_key_id

log = structlog.get_logger()


async def begin(store: SessionStore, provider: OidcProvider, redirect_uri: str, return_to: str | None) -> tuple[str, str]:
    """(the provider's authorization URL to send the browser to, the state to bind to this browser)."""
    attempt = LoginAttempt(state=new_secret(), code_verifier=new_secret(), nonce=new_secret(),
                           return_to=local_path(return_to))
    await store.add_attempt(attempt)
    query = urlencode({"response_type": "code", "client_id": provider.client_id, "redirect_uri": redirect_uri,
                       "scope": "openid profile", "state": attempt.state, "nonce": attempt.nonce,
                       "code_challenge": code_challenge(attempt.code_verifier), "code_challenge_method": "S256"})
    return f"{await provider.authorization_endpoint()}?{query}", attempt.state


async def complete(store: SessionStore, provider: OidcProvider, verifier: TokenVerifier, *, state: str, code: str,
                   redirect_uri: str, session_seconds: int) -> tuple[str, str]:
    """(the new session's id for the cookie, where to go): the code exchanged with this sign-in's verifier,
    the ID token checked against its nonce, the access token verified as the services verify it."""
    attempt = await store.take_attempt(state)
    if attempt is None:
        raise SignInFailed("this sign-in is unknown or expired; start again")
    tokens = await provider.exchange(code, attempt.code_verifier, redirect_uri)
    await provider.check_id_token(tokens["id_token"], attempt.nonce)
    try:
        principal = await verifier.verify(tokens["access_token"])
    except InvalidToken as e:
        raise SignInFailed(f"the access token is not one the services accept: {e}") from None
    exp = _exp(tokens["access_token"])
    refresh = tokens.get("refresh_token")
    session_id = new_secret()
    await store.add_session(session_key_id(session_id), Session(
        access_token=tokens["access_token"], id_token=tokens["id_token"], principal=principal, csrf=new_secret(),
        expires_at=expiry(exp, session_seconds, refreshable=bool(refresh)),
        refresh_token=refresh, access_expires_at=datetime.fromtimestamp(exp, timezone.utc) if exp else None))
    return session_id, attempt.return_to


def _exp(access_token: str) -> int | None:
    return jwt.decode(access_token, options={"verify_signature": False}).get("exp")


async def current(store: SessionStore, provider: OidcProvider, verifier: TokenVerifier, session_id: str | None, *,
                  margin_seconds: int = REFRESH_MARGIN_SECONDS, now: datetime | None = None) -> Session | None:
    """The session of this id, its access token valid for at least margin_seconds more: refreshed through the
    provider (grant_type=refresh_token) when it is about to expire. When it cannot be (no refresh token, the
    provider refuses or is unreachable, the new token names someone else) the session is removed: None."""
    if not session_id:
        return None
    key = session_key_id(session_id)
    session = await store.session(key)
    if session is None or not needs_refresh(session.access_expires_at, now or datetime.now(timezone.utc),
                                            margin_seconds):
        return session
    try:
        if not session.refresh_token:
            raise SignInFailed("the session has no refresh token")
        tokens = await provider.refresh(session.refresh_token)
        principal = await verifier.verify(tokens["access_token"])
        if principal != session.principal:
            raise SignInFailed("the refreshed token names another user or scope")
    except (SignInFailed, InvalidToken, httpx.HTTPError) as e:
        log.info("session ended: its token could not be refreshed", reason=str(e)[:200])
        await store.remove_session(key)
        return None
    exp = _exp(tokens["access_token"])
    refreshed = replace(session, access_token=tokens["access_token"], id_token=tokens.get("id_token") or session.id_token,
                        refresh_token=tokens.get("refresh_token") or session.refresh_token,
                        access_expires_at=datetime.fromtimestamp(exp, timezone.utc) if exp else None)
    await store.update_tokens(key, refreshed)
    log.info("session token refreshed")
    return refreshed


async def sign_out(store: SessionStore, session_id: str) -> None:
    await store.remove_session(session_key_id(session_id))
