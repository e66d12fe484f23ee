"""Who calls: OAuth2 bearer tokens (OIDC JWTs) verified against the issuer's JWKS, and what they may see.

Every route but health and the OpenAPI documents takes `Depends(authorize(Role.X, ...))`: no or a bad
token answers 401, a role the route does not admit 403, else the route gets the caller's `Principal`
and filters what it answers by `Principal.sees(...)` / `Principal.regions`. The token carries the role
(claim `yidi_role`, or a Keycloak realm role of the same name) and its scope: `admdvs` for a bureau
(the region it acts for: treatment region of its hospitals, insured region of its insured),
`fixmedins_code` for a hospital. Verification (PyJWT): signature by a key of the issuer's JWKS,
issuer, audience, expiry; verified tokens are cached until they expire (the intake sees the same
token for thousands of lists).
"""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

import httpx
import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

ALGORITHMS = ["RS256", "ES256"]
CACHE_SIZE = 4096


class Role(StrEnum):
    HOSPITAL = "hospital"  # a hospital's HIS: its own lists
    BUREAU = "bureau"  # a regional bureau: claims treated or insured in its region
    PROVINCE = "province"  # the provincial agency: everything, resolves disputes
    OPS = "ops"  # operations: progress, dead letters (masked), configuration reloads
    ANALYST = "analyst"  # read-only, de-identified


EVERYONE = tuple(Role)
BUREAUS = (Role.BUREAU, Role.PROVINCE)


@dataclass(frozen=True, slots=True)
class Principal:
    user: str
    role: Role
    region: str | None = None  # bureau
    hospital: str | None = None  # hospital

    @property
    def province_wide(self) -> bool:
        return self.role in (Role.PROVINCE, Role.OPS, Role.ANALYST)

    @property
    def sees_personal_data(self) -> bool:
        """Names and ID numbers: the hospital that wrote the list and the bureaus paying for it."""
        return self.role in (Role.HOSPITAL, Role.BUREAU, Role.PROVINCE)

    def sees(self, *, treatment_region: str | None = None, insured_region: str | None = None,
             hospital_code: str | None = None) -> bool:
        """Whether a claim (or a statement line) with these regions and hospital is in the caller's scope."""
        if self.province_wide:
            return True
        if self.role is Role.HOSPITAL:
            return hospital_code is not None and hospital_code == self.hospital
        return self.region is not None and self.region in (treatment_region, insured_region)

    def sees_region(self, region: str) -> bool:
        """A region's own books (its statements, pools, accounts)."""
        return self.province_wide or (self.role is Role.BUREAU and self.region == region)


class InvalidToken(Exception):
    pass


class TokenVerifier:
    """Verifies tokens by the issuer's JWKS (fetched from `jwks_url`, or given as `keys` in tests)."""

    def __init__(self, *, issuer: str, audience: str, jwks_url: str | None = None, keys: dict | None = None) -> None:
        self.issuer, self.audience, self.jwks_url = issuer, audience, jwks_url
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = asyncio.Lock()
        if keys is not None:
            self._load(keys)

    def _load(self, jwks: dict) -> None:
        self._keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys if k.key_id}

    async def _refresh(self, kid: str | None) -> None:
        """Fetch the JWKS for an unknown key id: once for concurrent requests, at most every 10 s."""
        async with self._lock:
            if kid in self._keys or self.jwks_url is None or time.monotonic() - self._fetched_at < 10:
                return
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    self._load((await client.get(self.jwks_url)).raise_for_status().json())
            except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as e:
                raise InvalidToken(f"the issuer's keys are unavailable ({type(e).__name__})") from None
            self._fetched_at = time.monotonic()

    async def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None and cached[1] > time.time():
            self._cache.move_to_end(token)
            return cached[0]
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as e:
            raise InvalidToken(f"not a JWT ({e})") from None
        if kid not in self._keys:
            await self._refresh(kid)
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("signed by a key the issuer does not publish")
        try:
            claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                                options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.PyJWTError as e:
            raise InvalidToken(str(e)) from None
        principal = principal_of(claims)
        self._cache[token] = (principal, float(claims["exp"]))
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return principal


def principal_of(claims: dict) -> Principal:
    roles = [claims["yidi_role"]] if "yidi_role" in claims else claims.get("realm_access", {}).get("roles", [])
    role = next((Role(r) for r in roles if r in Role.__members__.values()), None)
    if role is None:
        raise InvalidToken("the token carries no Yidi role")
    region, hospital = claims.get("admdvs"), claims.get("fixmedins_code")
    if role is Role.BUREAU and not region:
        raise InvalidToken("a bureau token needs its admdvs")
    if role is Role.HOSPITAL and not hospital:
        raise InvalidToken("a hospital token needs its fixmedins_code")
    return Principal(user=claims.get("preferred_username") or claims["sub"], role=role, region=region,
                     hospital=hospital)


bearer = HTTPBearer(auto_error=False, description="An OIDC access token of the Yidi realm (`make token` locally)")


def authorize(*roles: Role):
    """A route's owner: the roles that may call it. Answers 401 without a valid token, 403 for another role."""
    admitted = frozenset(roles)

    async def dependency(request: Request,
                         credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        principal = await authenticate(request, credentials.credentials if credentials else None)
        if principal.role not in admitted:
            raise HTTPException(403, detail={"title": f"role {principal.role} may not call this route",
                                             "allowed": sorted(admitted)})
        return principal

    dependency.roles = admitted  # read by the route × role tests
    return dependency


async def authenticate(request: Request, token: str | None) -> Principal:
    if not token:
        raise HTTPException(401, detail={"title": "a bearer token is required"},
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        return await request.app.state.verifier.verify(token)
    except InvalidToken as e:
        raise HTTPException(401, detail={"title": "invalid token", "reason": str(e)},
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None


def forbid_out_of_scope(allowed: bool, what: str) -> None:
    if not allowed:
        raise HTTPException(403, detail={"title": f"{what} is outside your scope"})


def route_roles(route) -> frozenset[Role] | None:
    """The roles a route admits (from its authorize dependency), None for an open route."""
    dependant = getattr(route, "dependant", None)
    stack = list(dependant.dependencies) if dependant else []
    while stack:
        dependant = stack.pop()
        roles = getattr(dependant.call, "roles", None)
        if roles is not None:
            return roles
        stack += dependant.dependencies
    return None


def api_routes(routes) -> list:
    """Every route, through included routers (FastAPI ≥ 0.16x keeps them as `_IncludedRouter`s)."""
    out = []
    for route in routes:
        included = getattr(route, "original_router", None)
        out += api_routes(included.routes) if included is not None else [route]
    return out


def document_roles(app) -> None:
    """Each operation of the OpenAPI document says who may call it: `x-yidi-roles` and a line of its
    description; open routes (health, documents) say so too."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            for route in api_routes(app.routes):
                operations = schema.get("paths", {}).get(getattr(route, "path_format", ""), {})
                roles = route_roles(route)
                for method in getattr(route, "methods", ()) or ():
                    operation = operations.get(method.lower())
                    if operation is None:
                        continue
                    operation["x-yidi-roles"] = sorted(str(r) for r in roles) if roles is not None else []
                    who = f"Roles: {', '.join(sorted(roles))}." if roles is not None else "Open: no token needed."
                    operation["description"] = f"{who}\n\n{operation.get('description', '')}".strip()
        return app.openapi_schema

    app.openapi = openapi
