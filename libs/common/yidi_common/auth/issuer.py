"""DEVELOPMENT token issuer: NOT FOR PRODUCTION. Real deployments use Keycloak (deploy/keycloak/).

`make up` runs it on 127.0.0.1:8100 so the local services can verify tokens exactly as they would
against Keycloak (JWKS, issuer, audience, expiry); `make token ROLE=… REGION=… HOSPITAL=…` prints one.
It signs with an RSA key kept in .local/dev-issuer/key.pem (made on first use) and hands a token to
anyone who asks: that is what makes it a development issuer.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from pydantic import BaseModel

from . import Role

AUDIENCE = "yidi"
TOKEN_SECONDS = 8 * 3600


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
              user: str | None = None, seconds: int = TOKEN_SECONDS, audience: str = AUDIENCE) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": audience, "sub": user or f"dev-{role}-{region or hospital or 'all'}",
                  "iat": now, "exp": now + seconds, "jti": str(uuid.uuid4()), "yidi_role": str(role),
                  "preferred_username": user or f"dev-{role}"}
        if region:
            claims["admdvs"] = region
        if hospital:
            claims["fixmedins_code"] = hospital
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


class TokenRequest(BaseModel):
    role: Role
    region: str | None = None
    hospital: str | None = None
    user: str | None = None


def create_app(issuer: DevIssuer) -> FastAPI:
    app = FastAPI(title="Yidi DEVELOPMENT token issuer (not for production)",
                  description="Signs a token for anyone who asks. Production: Keycloak, deploy/keycloak/.")

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict:
        return {"issuer": issuer.issuer, "jwks_uri": f"{issuer.issuer}/jwks", "token_endpoint": f"{issuer.issuer}/token",
                "id_token_signing_alg_values_supported": ["RS256"]}

    @app.get("/jwks")
    async def jwks() -> dict:
        return issuer.jwks()

    @app.post("/token")
    async def token(body: TokenRequest) -> dict:
        return {"access_token": issuer.token(body.role, region=body.region, hospital=body.hospital, user=body.user),
                "token_type": "Bearer", "expires_in": TOKEN_SECONDS}

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
    uvicorn.run(create_app(issuer), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
