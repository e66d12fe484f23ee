"""Tokens, roles and scope (yidi_common.auth), and personal data masked (yidi_common.personal_data)."""
import asyncio
import io
import logging
import sys
import time

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from yidi_common.auth import InvalidToken, Principal, Role, authorize, document_roles
from yidi_common.auth.issuer import DevIssuer
from yidi_common.auth.testing import TEST_ISSUER, TestIssuer
from yidi_common.logging import configure_logging
from yidi_common.personal_data import mask_text

ISSUER = TestIssuer()


def verify(token: str) -> Principal:
    return asyncio.run(ISSUER.verifier().verify(token))


def test_a_token_of_the_issuer_gives_its_role_and_scope():
    assert verify(ISSUER.token(Role.BUREAU, region="360100", user="nc-01")) == Principal("nc-01", Role.BUREAU, "360100")
    assert verify(ISSUER.token(Role.HOSPITAL, hospital="H1")).hospital == "H1"


@pytest.mark.parametrize("token, reason", [
    (lambda: ISSUER.token(Role.BUREAU, region="360100", seconds=-10), "expired"),
    (lambda: ISSUER.token(Role.BUREAU, region="360100", audience="another-app"), "(?i)audience"),
    (lambda: DevIssuer(TEST_ISSUER).token(Role.PROVINCE), "key the issuer does not publish"),
    (lambda: DevIssuer("https://elsewhere").token(Role.PROVINCE), "key the issuer does not publish"),
    (lambda: ISSUER.token(Role.BUREAU), "needs its admdvs"),
    (lambda: ISSUER.token("superuser"), "no Yidi role"),
    (lambda: "not-a-token", "not a JWT"),
])
def test_a_bad_token_is_refused_naming_why(token, reason):
    with pytest.raises(InvalidToken, match=reason):
        verify(token())


def test_another_issuer_with_the_same_key_is_refused():
    forged = jwt.encode({"iss": "https://elsewhere", "aud": "yidi", "sub": "x", "exp": int(time.time()) + 60,
                         "yidi_role": "province"}, ISSUER.key, algorithm="RS256", headers={"kid": ISSUER.kid})
    with pytest.raises(InvalidToken, match="issuer"):
        verify(forged)


def test_scope_a_bureau_sees_claims_treated_or_insured_in_its_region():
    bureau = Principal("u", Role.BUREAU, region="360100")
    assert bureau.sees(treatment_region="360100", insured_region="360400")
    assert bureau.sees(treatment_region="360700", insured_region="360100")
    assert not bureau.sees(treatment_region="360700", insured_region="360400")
    assert bureau.sees_region("360100") and not bureau.sees_region("360700")
    hospital = Principal("h", Role.HOSPITAL, hospital="H1")
    assert hospital.sees(hospital_code="H1", treatment_region="360100") and not hospital.sees(hospital_code="H2")
    assert not hospital.sees_region("360100")
    assert Principal("p", Role.PROVINCE).sees(treatment_region="360700") and not Principal("a", Role.ANALYST).sees_personal_data


def test_routes_answer_401_without_a_token_403_for_another_role_and_document_who_may_call():
    app = FastAPI()

    @app.get("/v1/statements")
    async def statements(caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE))) -> dict:
        return {"user": caller.user}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {}

    app.state.verifier = ISSUER.verifier()
    document_roles(app)
    client = TestClient(app)
    missing = client.get("/v1/statements")
    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, "Bearer")
    assert client.get("/v1/statements", headers={"Authorization": "Bearer x.y.z"}).status_code == 401
    assert client.get("/v1/statements", headers=ISSUER.headers(Role.HOSPITAL, hospital="H1")).status_code == 403
    ok = client.get("/v1/statements", headers=ISSUER.headers(Role.BUREAU, region="360100", user="nc-01"))
    assert (ok.status_code, ok.json()) == (200, {"user": "nc-01"})
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/v1/statements"]["get"]["x-yidi-roles"] == ["bureau", "province"]
    assert paths["/v1/statements"]["get"]["security"] == [{"HTTPBearer": []}]
    assert paths["/healthz"]["get"]["x-yidi-roles"] == []


def test_personal_data_is_masked_in_text_and_log_lines(monkeypatch):
    text = ('{"certno": "360100197001010011", "psn_name": "张三", "age": 56} '
            "params ('36010019700101001X', 13812345678) {'psn_name': '李四'} psn_name='王五'")
    assert mask_text(text) == ('{"certno": "***", "psn_name": "***", "age": 56} '
                               "params ('***', ***) {'psn_name': '***'} psn_name='***'")
    stderr = io.StringIO()  # stays open: loggers configured here may write to it after the test
    monkeypatch.setattr(sys, "stderr", stderr)
    log = configure_logging("test", fmt="json")
    log.error("intake batch failed", body={"setlinfo": {"certno": "360100197001010011", "psn_name": "张三"}})
    logging.getLogger("sqlalchemy").error(
        "(sqlalchemy.dialects.postgresql.asyncpg.IntegrityError) duplicate key\n[SQL: INSERT INTO lists VALUES "
        "($1, $2)]\n[parameters: ('360100197001010011', '张三')]\n(Background on this error at: https://sqlalche.me/e/20/gkpj)")
    err = stderr.getvalue()
    assert "360100197001010011" not in err and "张三" not in err and err.count("***") == 2
    assert "[parameters hidden]" in err
