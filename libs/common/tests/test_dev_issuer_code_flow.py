"""The development issuer's authorization-code flow with PKCE (what the dashboard signs in through)."""
import asyncio
import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from fastapi.testclient import TestClient

from yidi_common.auth import Principal, Role
from yidi_common.auth.issuer import DevUser, create_app, development_users
from yidi_common.auth.testing import TEST_ISSUER, TestIssuer
from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 appendix B
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # its S256 challenge, from the RFC
REDIRECT = "http://127.0.0.1:8107/auth/callback"
BUREAU = DevUser("dev-bureau-360100", Role.BUREAU, "南昌市医保局", region="360100")
HOSPITAL = DevUser("dev-hospital-H1", Role.HOSPITAL, "医院", region="360100", hospital="H1")


@pytest.fixture
def issuer():
    return TestIssuer()


@pytest.fixture
def client(issuer):
    return TestClient(create_app(issuer, [BUREAU, HOSPITAL]))


def _authorize(client, user="dev-bureau-360100", **overrides):
    params = {"response_type": "code", "client_id": "yidi-dashboard", "redirect_uri": REDIRECT, "state": "st-1",
              "code_challenge": CHALLENGE, "code_challenge_method": "S256", "nonce": "n-1", "scope": "openid",
              **overrides}
    return client.post("/authorize", data={**params, "user": user}, follow_redirects=False)


def _code(answer) -> str:
    assert answer.status_code == 303, answer.text
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def _exchange(client, code, verifier=VERIFIER, **overrides):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": "yidi-dashboard",
            "code_verifier": verifier, **overrides}
    return client.post("/token", data=form)


def test_the_discovery_document_names_the_code_flow_endpoints(client):
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["authorization_endpoint"] == f"{TEST_ISSUER}/authorize"
    assert doc["token_endpoint"] == f"{TEST_ISSUER}/token"
    assert doc["code_challenge_methods_supported"] == ["S256"] and doc["response_types_supported"] == ["code"]
    assert doc["jwks_uri"] == f"{TEST_ISSUER}/jwks"


def test_the_sign_in_page_lists_the_development_users_and_says_it_is_for_development(client):
    page = client.get("/authorize", params={"response_type": "code", "client_id": "yidi-dashboard",
                                            "redirect_uri": REDIRECT, "state": "s", "code_challenge": CHALLENGE,
                                            "code_challenge_method": "S256"})
    assert page.status_code == 200
    assert "DEVELOPMENT" in page.text and "dev-bureau-360100" in page.text and "dev-hospital-H1" in page.text


def test_an_authorization_request_without_pkce_is_refused_naming_why(client):
    page = client.get("/authorize", params={"response_type": "code", "client_id": "c", "redirect_uri": REDIRECT,
                                            "state": "s", "code_challenge_method": "plain"})
    assert page.status_code == 400
    problems = page.json()["detail"]["problems"]
    assert "code_challenge is required" in problems and "code_challenge_method must be S256 (PKCE)" in problems


def test_a_code_and_its_verifier_give_the_users_access_token_and_an_id_token_for_the_client(client, issuer):
    answer = _exchange(client, _code(_authorize(client)))
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    principal = asyncio.run(issuer.verifier().verify(tokens["access_token"]))  # what the services accept
    assert principal == Principal(user="dev-bureau-360100", role=Role.BUREAU, region="360100")
    id_token = jwt.decode(tokens["id_token"], issuer.key.public_key(), algorithms=["RS256"], audience="yidi-dashboard")
    assert id_token["nonce"] == "n-1" and id_token["iss"] == TEST_ISSUER


def test_a_hospital_user_gets_its_hospital_and_not_a_region(client):
    tokens = _exchange(client, _code(_authorize(client, user="dev-hospital-H1"))).json()
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert (claims["yidi_role"], claims["fixmedins_code"]) == ("hospital", "H1") and "admdvs" not in claims


@pytest.mark.parametrize("change, description", [
    ({"verifier": "another-verifier-of-forty-three-characters-xx"}, "code_verifier does not match"),
    ({"redirect_uri": "http://127.0.0.1:9999/cb"}, "another client or redirect_uri"),
    ({"client_id": "other"}, "another client or redirect_uri"),
])
def test_a_code_is_refused_with_a_wrong_verifier_redirect_or_client(client, change, description):
    code = _code(_authorize(client))
    verifier = change.pop("verifier", VERIFIER)
    answer = _exchange(client, code, verifier, **change)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant" and description in answer.json()["error_description"]


def test_a_code_is_used_once(client):
    code = _code(_authorize(client))
    assert _exchange(client, code).status_code == 200
    second = _exchange(client, code)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


def test_the_s256_challenge_is_the_rfc_example():
    digest = hashlib.sha256(VERIFIER.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == CHALLENGE


def test_json_token_requests_keep_working(client, issuer):
    answer = client.post("/token", json={"role": "hospital", "hospital": "H36010000001"})
    assert answer.status_code == 200
    claims = jwt.decode(answer.json()["access_token"], issuer.key.public_key(), algorithms=["RS256"], audience="yidi")
    assert claims["fixmedins_code"] == "H36010000001"
    assert client.post("/token", json={"role": "nobody"}).status_code == 422


def test_development_users_cover_every_region_and_hospital_of_the_configuration():
    config = load_config(REPO_ROOT / "demo" / "config")
    users = development_users(config)
    bureaus = {u.region for u in users if u.role is Role.BUREAU}
    hospitals = {u.hospital for u in users if u.role is Role.HOSPITAL}
    assert bureaus == {ry.region for ry in config.region_years.values()} and len(bureaus) == 11
    assert hospitals == set(config.hospitals) and len(hospitals) == 26
    assert {u.role for u in users} == set(Role)
