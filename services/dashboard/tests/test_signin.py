"""Signing in (authorization code + PKCE) against the development issuer's real routes, and the pieces it is
made of: S256 challenges, signed cookie values, CSRF tokens, the return path."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from yidi_common.auth import Principal, Role
from yidi_common.auth.issuer import DevUser, create_app
from yidi_common.auth.testing import TEST_ISSUER, TestIssuer
from yidi_dashboard.adapters.oidc import OidcProvider, SignInFailed
from yidi_dashboard.adapters.sessions import LoginAttempt, Session
from yidi_dashboard.domain.signin import (code_challenge, csrf_matches, local_path, needs_refresh, session_key_id,
                                          sign, unsign)
from yidi_dashboard.service_layer import signin

REDIRECT = "http://dashboard.test/auth/callback"
KEY = b"k" * 32


class MemoryStore:
    """The SessionStore's interface over dicts (its SQL is exercised by the browser test)."""

    def __init__(self) -> None:
        self.attempts: dict[str, LoginAttempt] = {}
        self.sessions: dict[str, Session] = {}

    async def add_attempt(self, attempt: LoginAttempt) -> None:
        self.attempts[attempt.state] = attempt

    async def take_attempt(self, state: str) -> LoginAttempt | None:
        return self.attempts.pop(state, None)

    async def add_session(self, key_id: str, session: Session) -> None:
        self.sessions[key_id] = session

    async def session(self, key_id: str) -> Session | None:
        return self.sessions.get(key_id)

    async def remove_session(self, key_id: str) -> None:
        self.sessions.pop(key_id, None)

    async def update_tokens(self, key_id: str, session: Session) -> None:
        self.sessions[key_id] = session


@pytest.fixture
def issuer():
    return TestIssuer()


@pytest.fixture
def http(issuer):
    users = [DevUser("dev-bureau-360100", Role.BUREAU, "南昌市医保局", region="360100")]
    # the realm's path; access tokens of two minutes, refresh tokens of an hour
    mounted = Starlette(routes=[Mount(urlsplit(TEST_ISSUER).path,
                                      app=create_app(issuer, users, token_seconds=120, refresh_seconds=3600))])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=mounted), base_url=TEST_ISSUER)


async def _sign_in(http, issuer, store, *, tamper=None) -> tuple[str, str]:
    provider = OidcProvider(TEST_ISSUER, "yidi-dashboard", http)
    url, state = await signin.begin(store, provider, REDIRECT, "/flags?status=raised")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith(f"{TEST_ISSUER}/authorize?")
    assert query["code_challenge"] == code_challenge(store.attempts[state].code_verifier)
    assert (query["code_challenge_method"], query["state"], query["redirect_uri"]) == ("S256", state, REDIRECT)
    picked = await http.post("/authorize", data={**query, "user": "dev-bureau-360100"})
    code = parse_qs(urlsplit(picked.headers["location"]).query)["code"][0]
    if tamper:
        tamper(store.attempts[state])
    return await signin.complete(store, provider, issuer.verifier(), state=state, code=code, redirect_uri=REDIRECT,
                                 session_seconds=3600)


def test_signing_in_keeps_the_users_token_server_side_and_returns_where_they_were(http, issuer):
    store = MemoryStore()
    session_id, return_to = asyncio.run(_sign_in(http, issuer, store))
    assert return_to == "/flags?status=raised"
    session = store.sessions[session_key_id(session_id)]  # keyed by a hash of the cookie's id, not the id
    assert session_id not in store.sessions
    assert session.principal == Principal(user="dev-bureau-360100", role=Role.BUREAU, region="360100")
    assert asyncio.run(issuer.verifier().verify(session.access_token)).region == "360100"
    assert len(session.csrf) >= 43 and not store.attempts  # the attempt is used once
    assert session.refresh_token and session.access_expires_at is not None


def _current(http, issuer, store, session_id, now):
    provider = OidcProvider(TEST_ISSUER, "yidi-dashboard", http)
    return asyncio.run(signin.current(store, provider, issuer.verifier(), session_id, margin_seconds=60, now=now))


def test_an_access_token_about_to_expire_is_refreshed_and_the_session_goes_on(http, issuer):
    store = MemoryStore()
    session_id, _ = asyncio.run(_sign_in(http, issuer, store))
    key = session_key_id(session_id)
    signed_in = store.sessions[key]
    expires = signed_in.access_expires_at  # two minutes after signing in
    assert _current(http, issuer, store, session_id, expires - timedelta(seconds=61)) is signed_in  # not yet
    refreshed = _current(http, issuer, store, session_id, expires - timedelta(seconds=60))
    assert refreshed.access_token != signed_in.access_token and store.sessions[key] == refreshed
    assert asyncio.run(issuer.verifier().verify(refreshed.access_token)) == signed_in.principal
    assert refreshed.access_expires_at >= expires and (refreshed.csrf, refreshed.expires_at) == (signed_in.csrf,
                                                                                                 signed_in.expires_at)


@pytest.mark.parametrize("spoil", ["id token", "access token", "missing", "other user"])
def test_a_session_whose_token_cannot_be_refreshed_ends(http, issuer, spoil):
    store = MemoryStore()
    session_id, _ = asyncio.run(_sign_in(http, issuer, store))
    key = session_key_id(session_id)
    held = store.sessions[key]
    if spoil in ("id token", "access token"):  # no refresh token (typ, audience): the issuer answers invalid_grant
        store.sessions[key] = replace(held, refresh_token=held.id_token if spoil == "id token" else held.access_token)
    elif spoil == "missing":
        store.sessions[key] = replace(held, refresh_token=None)
    else:  # the provider's new token names someone else than the session
        store.sessions[key] = replace(held, principal=Principal(user="dev-province", role=Role.PROVINCE))
    assert _current(http, issuer, store, session_id, held.access_expires_at) is None
    assert key not in store.sessions


def test_refresh_is_due_within_the_margin_before_expiry():
    exp = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    assert needs_refresh(exp, exp - timedelta(seconds=60), 60) and needs_refresh(exp, exp + timedelta(seconds=1), 60)
    assert not needs_refresh(exp, exp - timedelta(seconds=61), 60) and not needs_refresh(None, exp, 60)


def test_a_sign_in_with_another_verifier_is_refused(http, issuer):
    def other_verifier(attempt):
        object.__setattr__(attempt, "code_verifier", "x" * 43)

    with pytest.raises(SignInFailed, match="400"):
        asyncio.run(_sign_in(http, issuer, MemoryStore(), tamper=other_verifier))


def test_an_id_token_of_another_sign_in_is_refused(http, issuer):
    def other_nonce(attempt):
        object.__setattr__(attempt, "nonce", "someone-elses")

    with pytest.raises(SignInFailed, match="nonce"):
        asyncio.run(_sign_in(http, issuer, MemoryStore(), tamper=other_nonce))


def test_an_unknown_state_is_refused(http, issuer):
    provider = OidcProvider(TEST_ISSUER, "yidi-dashboard", http)
    with pytest.raises(SignInFailed, match="unknown or expired"):
        asyncio.run(signin.complete(MemoryStore(), provider, issuer.verifier(), state="forged", code="c",
                                    redirect_uri=REDIRECT, session_seconds=60))


def test_s256_is_the_rfc_7636_example():
    assert code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_a_signed_cookie_opens_only_with_its_key_and_purpose():
    value = sign(KEY, "yidi_session", "abc")
    assert unsign(KEY, "yidi_session", value) == "abc"
    assert unsign(b"other" * 8, "yidi_session", value) is None
    assert unsign(KEY, "yidi_login", value) is None  # a login cookie is not a session cookie
    assert unsign(KEY, "yidi_session", "abd." + value.split(".")[1]) is None
    assert unsign(KEY, "yidi_session", None) is None and unsign(KEY, "yidi_session", "nodot") is None


def test_csrf_tokens_must_match_and_be_present():
    assert csrf_matches("t0k3n", "t0k3n")
    assert not csrf_matches("t0k3n", "t0k3m") and not csrf_matches("t0k3n", None) and not csrf_matches("", "")


@pytest.mark.parametrize("target, expected", [
    ("/flags?status=raised", "/flags?status=raised"), (None, "/"), ("https://evil.example/", "/"),
    ("//evil.example/x", "/"), ("/\\evil.example", "/"), ("budget", "/"),
])
def test_only_local_paths_are_returned_to(target, expected):
    assert local_path(target) == expected
