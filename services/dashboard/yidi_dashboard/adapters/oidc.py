"""The OpenID Connect provider, seen from the dashboard: its discovery document, the code exchange, the
refresh and the ID token's check (signature by the provider's JWKS, issuer, audience = our client, nonce)."""
from __future__ import annotations

import httpx
import jwt

from yidi_common.auth import ALGORITHMS


class SignInFailed(Exception):
    """The provider refused the code, or answered with tokens that do not check out."""


class OidcProvider:
    def __init__(self, issuer: str, client_id: str, http: httpx.AsyncClient, jwks_url: str | None = None) -> None:
        self.issuer, self.client_id, self.http = issuer.rstrip("/"), client_id, http
        self._jwks_url = jwks_url
        self._discovery: dict | None = None

    async def discovery(self) -> dict:
        if self._discovery is None:
            answer = await self.http.get(f"{self.issuer}/.well-known/openid-configuration")
            self._discovery = answer.raise_for_status().json()
        return self._discovery

    async def authorization_endpoint(self) -> str:
        return (await self.discovery())["authorization_endpoint"]

    async def end_session_endpoint(self) -> str | None:
        return (await self.discovery()).get("end_session_endpoint")

    async def exchange(self, code: str, code_verifier: str, redirect_uri: str) -> dict:
        """The token endpoint's answer for the code (a public client: no secret, the PKCE verifier instead)."""
        answer = await self.http.post((await self.discovery())["token_endpoint"], data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": self.client_id, "code_verifier": code_verifier})
        if answer.status_code != 200:
            raise SignInFailed(f"the token endpoint answered {answer.status_code}: {answer.text[:200]}")
        tokens = answer.json()
        if not tokens.get("access_token") or not tokens.get("id_token"):
            raise SignInFailed("the token endpoint gave no access token or no ID token")
        return tokens

    async def refresh(self, refresh_token: str) -> dict:
        """The token endpoint's answer for a refresh token (grant_type=refresh_token), or SignInFailed."""
        answer = await self.http.post((await self.discovery())["token_endpoint"], data={
            "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client_id})
        if answer.status_code != 200:
            raise SignInFailed(f"the token endpoint refused the refresh ({answer.status_code}): {answer.text[:200]}")
        tokens = answer.json()
        if not tokens.get("access_token"):
            raise SignInFailed("the token endpoint gave no access token")
        return tokens

    async def check_id_token(self, id_token: str, nonce: str) -> dict:
        jwks_url = self._jwks_url or (await self.discovery())["jwks_uri"]
        try:
            keys = jwt.PyJWKSet.from_dict((await self.http.get(jwks_url)).raise_for_status().json())
            kid = jwt.get_unverified_header(id_token).get("kid")
            key = next((k for k in keys.keys if k.key_id == kid), None)
            if key is None:
                raise SignInFailed("the ID token is signed by a key the provider does not publish")
            claims = jwt.decode(id_token, key.key, algorithms=ALGORITHMS, audience=self.client_id, issuer=self.issuer,
                                options={"require": ["exp", "iss", "aud", "sub"]})
        except (jwt.PyJWTError, httpx.HTTPError) as e:
            raise SignInFailed(f"the ID token does not check out: {e}") from None
        if claims.get("nonce") != nonce:
            raise SignInFailed("the ID token's nonce is not this sign-in's")
        return claims
