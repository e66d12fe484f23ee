"""Tokens for tests: an issuer with a key in memory, and the verifier that trusts it."""
from __future__ import annotations

from . import Role, TokenVerifier
from .issuer import AUDIENCE, DevIssuer

TEST_ISSUER = "https://issuer.test/realms/yidi"


class TestIssuer(DevIssuer):
    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        super().__init__(TEST_ISSUER)

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(issuer=TEST_ISSUER, audience=AUDIENCE, keys=self.jwks())

    def headers(self, role: Role | str, **scope) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **scope)}"}
