"""Schemathesis against every service's OpenAPI document with valid tokens: no 5xx (issue 14, item 6).

Each operation of the seven documents (GET {url}/openapi.json) is called with cases schemathesis generates
from its schema, valid ones (positive) and invalid ones (negative), as every role the operation admits
(`x-yidi-roles`), with a token scoped the way the case asks (a bureau for the case's region, a hospital
for the list's own fixmedins_code), and each answer goes through schemathesis's `not_a_server_error`
check. Operations with path parameters get a second round with values that exist (a claim, a flag, the
region, year and month of the small workload posted first), so that the cases reach past the 404s.

Bounded: MAX_EXAMPLES cases per operation, round and mode, derandomized (the same cases each run), no
shrinking, a timeout per request; every failure is collected and reported with a curl to reproduce it.
"""
from __future__ import annotations

import asyncio
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from yidi_common.auth import Role
from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT
from yidi_demo import tokens
from yidi_demo.workload import generate
from yidi_grouper.adapters.grouping_engine import GroupingEngine

from .harness import drained, wait_until

# the dashboard's HTML pages are not API operations: they are left out of its OpenAPI document (its operations
# here are the operations routes every service has); test_access checks each page needs a session, and
# test_dashboard_browser what the pages show
SERVICES = ("grouper", "pricing", "budget", "audit", "clearing", "subscriptions", "reports", "dashboard")
# the pull feed's long poll and event stream end within a second here (a stream is otherwise endless)
SERVICE_ENV = {"subscriptions": {"SUBSCRIPTIONS_LONG_POLL_MAX_SECONDS": "1", "SUBSCRIPTIONS_STREAM_MAX_SECONDS": "1"}}
MAX_EXAMPLES = 10  # per operation, round and generation mode
REQUEST_TIMEOUT = 20  # seconds: an answer slower than this is reported as a failure
REGION, YEAR, MONTH = "360100", 2026, "2026-10"
HOSPITAL = "H36010000001"
# Not fuzzed, and why: none. Every operation answers within REQUEST_TIMEOUT with these bounds (the clearing
# runs on a generated region or month answer 404 at once; the annual run of the configured region settles
# the 40 claims), so nothing has to be left out.
EXCLUDED: dict[str, str] = {}


# 5xx this test found are fixed (offsets and years bounded, assessments' 422 without the raw body, recovered
# amounts within numeric(18,2)); an entry here would tolerate one, with a warning, until it is fixed.
KNOWN_SERVER_ERRORS: list[tuple[str, Callable[[Any], bool], str]] = []  # none known: every 5xx fails


def _known(operation, case) -> str | None:
    return next((why for label, applies, why in KNOWN_SERVER_ERRORS if label == operation.label and applies(case)),
                None)


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    known: Counter = field(default_factory=Counter)  # KNOWN_SERVER_ERRORS met: how often
    statuses: Counter = field(default_factory=Counter)
    calls: int = 0
    operations: int = 0


@pytest.fixture(scope="module")
def services(start_service):
    """Pricing first: the grouper's simulation prices through it (PRICING_URL)."""
    pricing = start_service("pricing", name="fuzz-pricing")
    return {name: pricing if name == "pricing" else start_service(
        name, name=f"fuzz-{name}", **({"PRICING_URL": pricing.url} if name == "grouper" else {}),
        **SERVICE_ENV.get(name, {})) for name in SERVICES}


@pytest.fixture(scope="module")
async def known(services) -> dict[str, str]:
    """A small workload through the chain and the month's clearing, so that GETs answer real records and
    the second round's path parameters exist; each call names its token (module fixtures run before the
    default caller)."""
    from yidi_common.settings import get_settings

    config = load_config(REPO_ROOT / "demo" / "config")
    engine = GroupingEngine.from_settings(get_settings())
    w = generate(config, engine.scheme, count=40, seed=3, codes=engine.codes, error_share=0, qc_share=0.05,
                 duplicate_share=0, correction_share=0, violation_share=0.05, id_prefix="FUZZ")
    province = tokens.headers(Role.PROVINCE)
    async with httpx.AsyncClient(timeout=30, headers=province) as client:
        answers = await asyncio.gather(*[
            client.post(f"{services['grouper'].url}/v1/settlement-lists", json=sl,
                        headers=tokens.headers(Role.HOSPITAL, hospital=sl["setlinfo"]["fixmedins_code"]))
            for sl in w.lists])
        assert {a.status_code for a in answers} == {202}
        claim = next(a.json()["claim_id"] for sl, a in zip(w.lists, answers)
                     if sl["setlinfo"]["fixmedins_code"] == HOSPITAL and sl["setlinfo"]["insu_admdvs"] == REGION)

        await wait_until(lambda: drained(services, headers=province), timeout=120, what="the workload to drain")
        monthly = await client.post(f"{services['clearing'].url}/v1/clearing/monthly/{REGION}/{MONTH}")
        assert monthly.status_code == 200, monthly.text
        flags = (await client.get(f"{services['audit'].url}/v1/flags")).json()["items"]
    return {"claim_id": claim, "flag_id": flags[0]["flag_id"] if flags else "F-NONE", "region": REGION,
            "year": str(YEAR), "month": MONTH, "version": "1", "event_id": "E-NONE", "request_id": "R-NONE"}


def _headers(role: str, case) -> dict[str, str]:
    """A valid token of the role, scoped to what the case asks for where the role has a scope."""
    if role == Role.BUREAU:
        region = (case.path_parameters or {}).get("region")
        mine = isinstance(region, str) and re.fullmatch(r"\d{6}", region, re.ASCII)
        return tokens.headers(Role.BUREAU, region=region if mine else REGION)
    if role == Role.HOSPITAL:  # a list's own hospital (a generated code, if a token can carry it)
        body = case.body if isinstance(case.body, dict) else {}
        info = body.get("setlinfo") if isinstance(body.get("setlinfo"), dict) else {}
        hospital = info.get("fixmedins_code")
        usable = isinstance(hospital, str) and hospital.isascii() and hospital.isprintable() and hospital.strip()
        return tokens.headers(Role.HOSPITAL, hospital=hospital if usable else HOSPITAL)
    return tokens.headers(role)


def _fuzz(operation, roles: list[str], base_url: str, report: Report, mode: GenerationMode,
          path_parameters: dict[str, str] | None) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case=strategy)
    def run(case):
        for role in roles:
            headers = _headers(role, case)
            report.calls += 1
            try:
                response = case.call(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT)
            except requests.RequestException as exc:
                report.failures.append(f"{operation.label} as {role} ({mode.value}): no answer ({type(exc).__name__})\n"
                                       f"    {case.as_curl_command(headers=headers)}")
                continue
            report.statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=[not_a_server_error], headers=headers)
            except FailureGroup:  # the check's failure: a 5xx
                if response.status_code == 500 and (why := _known(operation, case)):
                    report.known[why] += 1
                    continue
                report.failures.append(
                    f"{operation.label} as {role} ({mode.value}): {response.status_code} {response.text[:300]}\n"
                    f"    {case.as_curl_command(headers={'Authorization': 'Bearer <' + role + ' token>'})}")

    run()


def test_no_operation_answers_a_server_error(services, known):
    started = time.monotonic()
    report = Report()
    for name, service in services.items():
        document = httpx.get(f"{service.url}/openapi.json", timeout=10).json()
        roles_of = {f"{method.upper()} {path}": op.get("x-yidi-roles") for path, ops in document["paths"].items()
                    for method, op in ops.items()}
        schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
        for result in schema.get_all_operations():
            operation = result.ok()
            roles = roles_of[operation.label]
            if operation.label in EXCLUDED or not roles:  # open routes: health and the documents
                continue
            report.operations += 1
            rounds = [None]
            if operation.path_parameters:
                rounds.append({p.name: known[p.name] for p in operation.path_parameters if p.name in known})
            for path_parameters in rounds:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    _fuzz(operation, roles, service.url, report, mode, path_parameters)
    elapsed = time.monotonic() - started
    summary = (f"{report.operations} operations, {report.calls} calls in {elapsed:.0f} s; "
               f"statuses {dict(sorted(report.statuses.items()))}")
    assert report.operations >= 40 and report.calls > 20 * report.operations, summary
    assert sum(n for s, n in report.statuses.items() if 200 <= s < 300) > 100, summary  # not refused wholesale
    if report.known:
        warnings.warn("known server errors met (KNOWN_SERVER_ERRORS): "
                      + "; ".join(f"{why} ×{n}" for why, n in report.known.items()))
    assert not report.failures, f"{len(report.failures)} server errors ({summary}):\n" + "\n".join(report.failures[:30])
