"""Tokens the demo, the bench and the tests obtain from the development issuer's key (`make up` runs
the issuer; the key is .local/dev-issuer/key.pem). A deployment's clients get theirs from Keycloak."""
from __future__ import annotations

from functools import lru_cache

from yidi_common.auth import Role
from yidi_common.auth.issuer import DevIssuer
from yidi_common.settings import get_settings


@lru_cache
def _issuer() -> DevIssuer:
    settings = get_settings()
    return DevIssuer(settings.oidc_issuer, settings.dev_issuer_key)


@lru_cache(maxsize=4096)
def token(role: Role | str, region: str | None = None, hospital: str | None = None, user: str | None = None) -> str:
    return _issuer().token(role, region=region, hospital=hospital, user=user)


def headers(role: Role | str, *, region: str | None = None, hospital: str | None = None,
            user: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, region, hospital, user)}"}


def reset() -> None:
    """Forget the issuer and its tokens (another issuer: a test session's)."""
    _issuer.cache_clear()
    token.cache_clear()
