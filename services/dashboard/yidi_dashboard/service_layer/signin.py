"""Signing in through the OIDC provider (authorization code + PKCE), sessions, signing out."""
from __future__ import annotations

from urllib.parse import urlencode

import jwt

from yidi_common.auth import InvalidToken, TokenVerifier

from ..adapters.oidc import OidcProvider, SignInFailed
from ..adapters.sessions import LoginAttempt, Session, SessionStore, expiry
from ..domain.signin import code_challenge, local_path, new_secret, session_key_id


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
    exp = jwt.decode(tokens["access_token"], options={"verify_signature": False}).get("exp")
    session_id = new_secret()
    await store.add_session(session_key_id(session_id), Session(
        access_token=tokens["access_token"], id_token=tokens["id_token"], principal=principal, csrf=new_secret(),
        expires_at=expiry(exp, session_seconds)))
    return session_id, attempt.return_to


async def current(store: SessionStore, session_id: str | None) -> Session | None:
    return await store.session(session_key_id(session_id)) if session_id else None


async def sign_out(store: SessionStore, session_id: str) -> None:
    await store.remove_session(session_key_id(session_id))
