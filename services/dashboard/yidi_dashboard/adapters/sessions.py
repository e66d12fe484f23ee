"""Pending logins and sessions in the dashboard's own PostgreSQL database."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from yidi_common.auth import Principal, Role

LOGIN_SECONDS = 600  # a sign-in not completed within this starts over


@dataclass(frozen=True)
class LoginAttempt:
    state: str
    code_verifier: str
    nonce: str
    return_to: str


@dataclass(frozen=True)
class Session:
    access_token: str
    id_token: str | None
    principal: Principal
    csrf: str
    expires_at: datetime  # the session's end
    refresh_token: str | None = field(default=None, repr=False)
    access_expires_at: datetime | None = None  # the access token's exp: refreshed before it


class SessionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add_attempt(self, attempt: LoginAttempt) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text("DELETE FROM login_attempts WHERE created_at < now() - make_interval(secs => :s)"),
                               {"s": LOGIN_SECONDS})
            await conn.execute(text("INSERT INTO login_attempts (state, code_verifier, nonce, return_to) "
                                    "VALUES (:state, :code_verifier, :nonce, :return_to)"), attempt.__dict__)

    async def take_attempt(self, state: str) -> LoginAttempt | None:
        """The pending login of this state, removed: a state is used once."""
        async with self.engine.begin() as conn:
            row = (await conn.execute(text(
                "DELETE FROM login_attempts WHERE state = :state AND created_at >= now() - make_interval(secs => :s) "
                "RETURNING state, code_verifier, nonce, return_to"), {"state": state, "s": LOGIN_SECONDS})).mappings().first()
        return LoginAttempt(**row) if row else None

    async def add_session(self, key_id: str, session: Session) -> None:
        p = session.principal
        async with self.engine.begin() as conn:
            await conn.execute(text("DELETE FROM sessions WHERE expires_at < now()"))
            await conn.execute(text(
                "INSERT INTO sessions (key_id, access_token, id_token, user_name, role, region, hospital, csrf, expires_at, "
                "refresh_token, access_expires_at) VALUES (:key_id, :access_token, :id_token, :user, :role, :region, "
                ":hospital, :csrf, :expires_at, :refresh_token, :access_expires_at)"),
                {"key_id": key_id, "access_token": session.access_token, "id_token": session.id_token, "user": p.user,
                 "role": p.role.value, "region": p.region, "hospital": p.hospital, "csrf": session.csrf,
                 "expires_at": session.expires_at, "refresh_token": session.refresh_token,
                 "access_expires_at": session.access_expires_at})

    async def update_tokens(self, key_id: str, session: Session) -> None:
        """A refreshed session's tokens (the session's end and its CSRF token stay)."""
        async with self.engine.begin() as conn:
            await conn.execute(text(
                "UPDATE sessions SET access_token = :access_token, id_token = :id_token, refresh_token = :refresh_token, "
                "access_expires_at = :access_expires_at WHERE key_id = :k"),
                {"k": key_id, "access_token": session.access_token, "id_token": session.id_token,
                 "refresh_token": session.refresh_token, "access_expires_at": session.access_expires_at})

    async def session(self, key_id: str) -> Session | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT access_token, id_token, user_name, role, region, hospital, csrf, expires_at, refresh_token, "
                "access_expires_at FROM sessions "
                "WHERE key_id = :k AND expires_at > now()"), {"k": key_id})).mappings().first()
        if row is None:
            return None
        principal = Principal(user=row["user_name"], role=Role(row["role"]), region=row["region"],
                              hospital=row["hospital"])
        return Session(row["access_token"], row["id_token"], principal, row["csrf"], row["expires_at"],
                       row["refresh_token"], row["access_expires_at"])

    async def remove_session(self, key_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text("DELETE FROM sessions WHERE key_id = :k"), {"k": key_id})


def expiry(token_exp: int | None, session_seconds: int, refreshable: bool = False) -> datetime:
    """A session ends after session_seconds; without a refresh token, with its access token if that is first.
    (A refreshable session ends earlier when the provider refuses a refresh: its refresh token expired, say
    Keycloak's idle timeout.)"""
    limit = datetime.now(timezone.utc) + timedelta(seconds=session_seconds)
    if token_exp is None or refreshable:
        return limit
    return min(limit, datetime.fromtimestamp(token_exp, timezone.utc))
