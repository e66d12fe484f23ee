"""DEVELOPMENT token issuer: NOT FOR PRODUCTION. Real deployments use Keycloak (deploy/keycloak/).

`make up` runs it on 127.0.0.1:8100 so the local services can verify tokens exactly as they would
against Keycloak (JWKS, issuer, audience, expiry); `make token ROLE=… REGION=… HOSPITAL=…` prints one.
It signs with an RSA key kept in .local/dev-issuer/key.pem (made on first use) and hands a token to
anyone who asks: that is what makes it a development issuer.

For browsers (the dashboard) it speaks the OpenID Connect authorization-code flow with PKCE (S256), as
Keycloak does: `GET /authorize` shows a page of development users (one per role and scope of the
regional configuration) to pick, without a password; picking one redirects to the client's redirect URI
with a one-time code, and `POST /token` (form, grant_type=authorization_code) exchanges the code and its
code_verifier for an access token (audience yidi), an ID token (audience the client, with its nonce) and a
refresh token; `POST /token` with grant_type=refresh_token gives fresh tokens for a refresh token, as
Keycloak does. Its refresh tokens are signed JWTs (typ Refresh, audience the client) valid for
REFRESH_SECONDS; unlike Keycloak's they are not revoked by signing out.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import html
import secrets
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from . import Role

AUDIENCE = "yidi"
TOKEN_SECONDS = 8 * 3600
REFRESH_SECONDS = 24 * 3600
CODE_SECONDS = 60  # an authorization code not exchanged within this is refused


class DevIssuer:
    def __init__(self, issuer: str, key_path: Path | None = None) -> None:
        self.issuer = issuer
        if key_path is not None and key_path.exists():
            self.key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        else:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if key_path is not None:
                key_path.parent.mkdir(parents=True, exist_ok=True)
                key_path.write_bytes(self.key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
                key_path.chmod(0o600)
        public = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
        self.kid = hashlib.sha256(public).hexdigest()[:16]

    def jwks(self) -> dict:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def token(self, role: Role | str, *, region: str | None = None, hospital: str | None = None,
              user: str | None = None, seconds: int = TOKEN_SECONDS, audience: str = AUDIENCE,
              nonce: str | None = None, typ: str | None = None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": audience, "sub": user or f"dev-{role}-{region or hospital or 'all'}",
                  "iat": now, "exp": now + seconds, "jti": str(uuid.uuid4()), "yidi_role": str(role),
                  "preferred_username": user or f"dev-{role}"}
        if region:
            claims["admdvs"] = region
        if hospital:
            claims["fixmedins_code"] = hospital
        if nonce:
            claims["nonce"] = nonce
        if typ:
            claims["typ"] = typ
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


class TokenRequest(BaseModel):
    role: Role
    region: str | None = None
    hospital: str | None = None
    user: str | None = None


@dataclass(frozen=True)
class DevUser:
    """A person the development sign-in page offers: a role and its scope."""

    user: str
    role: Role
    label: str
    region: str | None = None
    hospital: str | None = None


def development_users(config=None) -> list[DevUser]:
    """The province, operations and an analyst; a bureau per region and a hospital per hospital of the
    regional configuration (yidi_common.regional_config), when one is given."""
    users = [DevUser("dev-province", Role.PROVINCE, "省医保中心")]
    if config is not None:
        regions = {ry.region: ry.name for ry in config.region_years.values()}
        users += [DevUser(f"dev-bureau-{code}", Role.BUREAU, f"{name}医保局", region=code)
                  for code, name in sorted(regions.items())]
        users += [DevUser(f"dev-hospital-{h.code}", Role.HOSPITAL, h.name, region=h.region, hospital=h.code)
                  for h in sorted(config.hospitals.values(), key=lambda h: h.code)]
    return users + [DevUser("dev-ops", Role.OPS, "运维"), DevUser("dev-analyst", Role.ANALYST, "分析人员（去标识）")]


@dataclass(frozen=True)
class _Grant:
    user: DevUser
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    expires: float


def s256(verifier: str) -> str:
    """PKCE's S256 code challenge of a code verifier (RFC 7636 4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


class AuthorizationError(Exception):
    """An OAuth error answered as {"error", "error_description"} (RFC 6749 5.2)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


class AuthorizationCodes:
    """One-time codes of the authorization-code flow, in memory: each is exchanged once, within
    CODE_SECONDS, by the client and redirect URI it was issued to, with the verifier of its challenge."""

    def __init__(self) -> None:
        self._grants: dict[str, _Grant] = {}

    def issue(self, user: DevUser, *, client_id: str, redirect_uri: str, code_challenge: str,
              nonce: str | None) -> str:
        now = time.monotonic()
        self._grants = {c: g for c, g in self._grants.items() if g.expires > now}
        code = secrets.token_urlsafe(32)
        self._grants[code] = _Grant(user, client_id, redirect_uri, code_challenge, nonce, now + CODE_SECONDS)
        return code

    def redeem(self, code: str, *, client_id: str, redirect_uri: str, code_verifier: str) -> _Grant:
        grant = self._grants.pop(code, None)  # used once, whatever follows
        if grant is None or grant.expires <= time.monotonic():
            raise AuthorizationError("invalid_grant", "unknown, used or expired code")
        if (client_id, redirect_uri) != (grant.client_id, grant.redirect_uri):
            raise AuthorizationError("invalid_grant", "the code was issued to another client or redirect_uri")
        if not secrets.compare_digest(s256(code_verifier), grant.code_challenge):
            raise AuthorizationError("invalid_grant", "code_verifier does not match the code_challenge")
        return grant


AUTHORIZE_PARAMETERS = ("client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "nonce",
                        "scope", "response_type")


def _authorize_problems(params: dict[str, str]) -> list[str]:
    problems = [f"{name} is required" for name in ("client_id", "redirect_uri", "state", "code_challenge")
                if not params.get(name)]
    if params.get("response_type") != "code":
        problems.append("response_type must be code")
    if params.get("code_challenge_method") != "S256":
        problems.append("code_challenge_method must be S256 (PKCE)")
    redirect = urlsplit(params.get("redirect_uri", ""))
    if redirect.scheme not in ("http", "https") or not redirect.netloc or redirect.fragment:
        problems.append("redirect_uri must be an absolute http(s) URI without a fragment")
    return problems


def _sign_in_page(users: list[DevUser], params: dict[str, str]) -> str:
    hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(params.get(k, ""))}">'
                     for k in AUTHORIZE_PARAMETERS)
    rows = "".join(
        f"<tr><td>{html.escape(u.role)}</td><td>{html.escape(u.region or '')}</td>"
        f"<td>{html.escape(u.hospital or '')}</td><td>{html.escape(u.label)}</td>"
        f'<td><form method="post" action="authorize">{hidden}'
        f'<button name="user" value="{html.escape(u.user)}">以 {html.escape(u.user)} 登录</button></form></td></tr>'
        for u in users)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>开发环境登录（DEVELOPMENT）</title>
<style>body{{font-family:sans-serif;margin:2em}} .dev{{background:#b00020;color:#fff;padding:1em;font-weight:bold}}
table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}</style></head>
<body><div class="dev">开发环境令牌签发者 · DEVELOPMENT token issuer — 不用于生产，无需密码。生产环境使用 Keycloak。</div>
<h1>选择开发用户登录 {html.escape(params.get("client_id", ""))}</h1>
<table><thead><tr><th>角色 role</th><th>地区 region</th><th>医院 hospital</th><th>名称</th><th></th></tr></thead>
<tbody>{rows}</tbody></table></body></html>"""


def create_app(issuer: DevIssuer, users: list[DevUser] | None = None, *, token_seconds: int = TOKEN_SECONDS,
               refresh_seconds: int = REFRESH_SECONDS) -> FastAPI:
    app = FastAPI(title="Yidi DEVELOPMENT token issuer (not for production)",
                  description="Signs a token for anyone who asks. Production: Keycloak, deploy/keycloak/.")
    users = users if users is not None else development_users()
    by_name = {u.user: u for u in users}
    codes = AuthorizationCodes()

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict:
        return {"issuer": issuer.issuer, "jwks_uri": f"{issuer.issuer}/jwks", "token_endpoint": f"{issuer.issuer}/token",
                "authorization_endpoint": f"{issuer.issuer}/authorize", "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"], "subject_types_supported": ["public"],
                "scopes_supported": ["openid", "profile"], "id_token_signing_alg_values_supported": ["RS256"]}

    @app.get("/jwks")
    async def jwks() -> dict:
        return issuer.jwks()

    @app.get("/authorize", response_class=HTMLResponse)
    async def authorize_page(request: Request) -> HTMLResponse:
        """The development sign-in page: pick a user (no password)."""
        params = {k: v for k, v in request.query_params.items() if k in AUTHORIZE_PARAMETERS}
        if problems := _authorize_problems(params):
            raise HTTPException(400, detail={"title": "invalid authorization request", "problems": problems})
        return HTMLResponse(_sign_in_page(users, params))

    @app.post("/authorize")
    async def authorize_pick(request: Request) -> RedirectResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if problems := _authorize_problems(form):
            raise HTTPException(400, detail={"title": "invalid authorization request", "problems": problems})
        user = by_name.get(form.get("user", ""))
        if user is None:
            raise HTTPException(400, detail={"title": "no such development user", "user": form.get("user")})
        code = codes.issue(user, client_id=form["client_id"], redirect_uri=form["redirect_uri"],
                           code_challenge=form["code_challenge"], nonce=form.get("nonce") or None)
        separator = "&" if urlsplit(form["redirect_uri"]).query else "?"
        return RedirectResponse(f"{form['redirect_uri']}{separator}{urlencode({'code': code, 'state': form['state']})}",
                                status_code=303)

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        """JSON {role, region, hospital, user}: a token for anyone who asks (scripts, `make token`); a form
        with grant_type=authorization_code: the code flow's exchange (code, redirect_uri, client_id,
        code_verifier) for an access token and an ID token."""
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            try:
                body = TokenRequest.model_validate_json(await request.body())
            except ValidationError as e:
                raise HTTPException(422, detail=e.errors(include_url=False, include_context=False)) from None
            return JSONResponse({"access_token": issuer.token(body.role, region=body.region, hospital=body.hospital,
                                                              user=body.user),
                                 "token_type": "Bearer", "expires_in": TOKEN_SECONDS})
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        try:
            if form.get("grant_type") == "refresh_token":
                client_id, user, nonce = *_refreshed(form), None
            elif form.get("grant_type") == "authorization_code":
                missing = [k for k in ("code", "redirect_uri", "client_id", "code_verifier") if not form.get(k)]
                if missing:
                    raise AuthorizationError("invalid_request", f"missing {', '.join(missing)}")
                grant = codes.redeem(form["code"], client_id=form["client_id"], redirect_uri=form["redirect_uri"],
                                     code_verifier=form["code_verifier"])
                client_id, user, nonce = grant.client_id, grant.user, grant.nonce
            else:
                raise AuthorizationError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
        except AuthorizationError as e:
            return JSONResponse({"error": e.error, "error_description": e.description}, status_code=400)
        scope = {"region": user.region if user.role is Role.BUREAU else None,
                 "hospital": user.hospital if user.role is Role.HOSPITAL else None, "user": user.user}
        return JSONResponse({
            "access_token": issuer.token(user.role, **scope, seconds=token_seconds), "token_type": "Bearer",
            "expires_in": token_seconds,
            "id_token": issuer.token(user.role, **scope, audience=client_id, nonce=nonce, seconds=token_seconds),
            "refresh_token": issuer.token(user.role, **scope, audience=client_id, seconds=refresh_seconds,
                                          typ="Refresh"),
            "refresh_expires_in": refresh_seconds, "scope": "openid profile"}, headers={"Cache-Control": "no-store"})

    def _refreshed(form: dict[str, str]) -> tuple[str, DevUser]:
        """The client and user of a refresh token this issuer signed for that client, still valid."""
        if not form.get("refresh_token") or not form.get("client_id"):
            raise AuthorizationError("invalid_request", "missing refresh_token or client_id")
        try:
            claims = jwt.decode(form["refresh_token"], issuer.key.public_key(), algorithms=["RS256"],
                                audience=form["client_id"], issuer=issuer.issuer)
        except jwt.PyJWTError as e:
            raise AuthorizationError("invalid_grant", f"refresh token refused: {e}") from None
        user = by_name.get(claims.get("sub", ""))
        if claims.get("typ") != "Refresh" or user is None:
            raise AuthorizationError("invalid_grant", "not a refresh token of a known user")
        return form["client_id"], user

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"service": "dev-issuer", "status": "ok"}

    return app


def serve() -> None:
    """`yidi-issuer`: the development issuer on the port of OIDC_ISSUER (8100)."""
    sys.argv = [sys.argv[0], "serve"]
    main()


def main() -> None:
    from ..settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve")
    minted = sub.add_parser("token")
    minted.add_argument("--role", required=True, choices=[r.value for r in Role])
    minted.add_argument("--region")
    minted.add_argument("--hospital")
    minted.add_argument("--user")
    args = parser.parse_args()
    settings = get_settings()
    issuer = DevIssuer(settings.oidc_issuer, settings.dev_issuer_key)
    if args.command == "token":
        print(issuer.token(args.role, region=args.region or None, hospital=args.hospital or None, user=args.user))
        return
    import uvicorn

    port = int(settings.oidc_issuer.rsplit(":", 1)[-1].split("/")[0])
    print("DEVELOPMENT token issuer: not for production", file=sys.stderr)
    uvicorn.run(create_app(issuer, configured_users(settings)), host="127.0.0.1", port=port, log_level="warning")


def configured_users(settings) -> list[DevUser]:
    """The sign-in page's users for the regional configuration of YIDI_CONFIG_DIR (without one: the
    province, operations and an analyst)."""
    from ..regional_config import load_config

    try:
        return development_users(load_config(settings.yidi_config_dir))
    except Exception as e:  # the issuer still serves the province, operations and analysts
        print(f"no regional configuration for the sign-in page: {e}", file=sys.stderr)
        return development_users()


if __name__ == "__main__":
    main()
