"""Every route of the seven services' OpenAPI documents × every role, on the running services.

Each operation says who may call it (`x-yidi-roles`); the table checks it: no token 401, a role it
does not admit 403, an admitted role in scope neither (nor a 5xx), and a bureau asking for another
region's books 403. Path parameters are filled with in-scope values; bodies may be refused (422):
this test is about who gets in, the services' own tests about what they answer.

The dashboard's HTML pages are left out of its OpenAPI document (they are not an API): a page opens only
with a dashboard session (signed in through the issuer), so without one, and with a bearer token of any
role, each answers a redirect to sign in; its forms refuse a POST without the session's CSRF token.
"""
from __future__ import annotations

import re

import httpx
import pytest

from yidi_common.auth import Role
from yidi_demo import tokens

SERVICES = ("grouper", "pricing", "budget", "audit", "clearing", "subscriptions", "reports", "dashboard")
# the pull feed's long poll and event stream end within a second here, so that each call answers
SERVICE_ENV = {"subscriptions": {"SUBSCRIPTIONS_LONG_POLL_MAX_SECONDS": "1", "SUBSCRIPTIONS_STREAM_MAX_SECONDS": "1"}}
HOSPITAL = "H36010000001"  # a hospital of 南昌 (360100)
SCOPE = {Role.BUREAU: {"region": "360100"}, Role.HOSPITAL: {"hospital": HOSPITAL}}
PARAMS = {"region": "360100", "year": "2026", "month": "2026-03", "claim_id": "C-NONE", "flag_id": "F-NONE",
          "event_id": "E-NONE", "request_id": "R-NONE", "version": "1", "report_id": "R-NONE", "fmt": "html",
          "objection_id": "O-NONE", "feedback_id": "FB-NONE", "case_id": "K-NONE", "subscription_id": "sub_none", "delivery_id": "1"}


def _operations(url: str) -> list[tuple[str, str, list[str]]]:
    paths = httpx.get(f"{url}/openapi.json", timeout=10).json()["paths"]
    return [(path, method.upper(), op.get("x-yidi-roles")) for path, ops in paths.items() for method, op in ops.items()]


def _call(url: str, method: str, path: str, headers: dict, **params) -> int:
    filled = re.sub(r"{(\w+)}", lambda m: {**PARAMS, **params}[m.group(1)], path)
    body = {"setlinfo": {"fixmedins_code": HOSPITAL}} if method == "POST" else None
    return httpx.request(method, f"{url}{filled}", headers=headers, json=body, timeout=30).status_code


@pytest.fixture(scope="module")
def services(start_service):
    return {name: start_service(name, **SERVICE_ENV.get(name, {})) for name in SERVICES}


def test_every_route_admits_exactly_its_roles(services):
    checked, problems = 0, []
    for name, service in services.items():
        for path, method, roles in _operations(service.url):
            if roles is None:
                problems.append(f"{name} {method} {path}: says nothing about who may call it")
                continue
            if not roles:  # open: health, metrics (for the scraper on the pod network) and the documents
                assert path in ("/healthz", "/metrics", "/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect",
                                "/v1/asyncapi.json", "/v1/asyncapi.yaml"), path
                if (status := _call(service.url, method, path, {"Authorization": ""})) != 200:
                    problems.append(f"{name} {method} {path} is open but answered {status} without a token")
                continue
            checked += 1
            if (status := _call(service.url, method, path, {"Authorization": ""})) != 401:
                problems.append(f"{name} {method} {path} without a token: {status}")
            for role in Role:
                headers = tokens.headers(role, **SCOPE.get(role, {}))
                status = _call(service.url, method, path, headers)
                if role.value not in roles and status != 403:
                    problems.append(f"{name} {method} {path} as {role}: {status}, expected 403")
                if role.value in roles and (status in (401, 403) or status >= 500):
                    problems.append(f"{name} {method} {path} as {role} in scope: {status}")
            if "{region}" in path and "bureau" in roles:
                status = _call(service.url, method, path, tokens.headers(Role.BUREAU, region="360400"))
                if status != 403:
                    problems.append(f"{name} {method} {path}: bureau 360400 on 360100's books got {status}")
    assert checked >= 30 and not problems, "\n".join(problems)


def test_the_dashboards_pages_need_a_session_not_a_bearer_token(services):
    from yidi_dashboard.api.pages import PAGES

    url = services["dashboard"].url
    paths = {path for path, _, _ in _operations(url)}
    assert not paths & set(PAGES) and "/auth/login" not in paths  # pages are not API operations
    for path in PAGES:
        for headers in ({"Authorization": ""}, *(tokens.headers(role, **SCOPE.get(role, {})) for role in Role)):
            answer = httpx.get(f"{url}{path}", headers=headers, follow_redirects=False, timeout=30)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/auth/login?next="), \
                (path, headers, answer.status_code)
    for form in ("/flags/F-NONE/confirm", "/objections", "/auth/logout"):
        answer = httpx.post(f"{url}{form}", headers=tokens.headers(Role.PROVINCE), follow_redirects=False, timeout=30)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/auth/login"), form
