from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import orjson
import pytest

from yidi_common.auth import Role
from yidi_common.settings import get_settings
from yidi_demo import tokens

from .harness import ServiceProcess, drop_namespace, servers, session_env


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kafka_and_database():
    with servers() as found:
        yield found


@pytest.fixture(scope="session")
def token_issuer(tmp_path_factory, log_dir):
    """The development issuer as its own process, on a free port with a key of this session: services
    verify tokens against it exactly as against Keycloak; tests mint theirs with the same key."""
    key = tmp_path_factory.mktemp("issuer") / "key.pem"
    issuer = ServiceProcess("issuer", dict(os.environ), log_dir)
    issuer.env.update(OIDC_ISSUER=issuer.url, DEV_ISSUER_KEY=str(key))
    saved = {k: os.environ.get(k) for k in ("OIDC_ISSUER", "DEV_ISSUER_KEY")}
    os.environ.update(OIDC_ISSUER=issuer.url, DEV_ISSUER_KEY=str(key))
    get_settings.cache_clear()
    tokens.reset()
    issuer.start()
    yield issuer
    issuer.stop()
    for k, v in saved.items():
        os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    get_settings.cache_clear()
    tokens.reset()


@pytest.fixture(autouse=True)
def callers_by_default(request, monkeypatch):
    """Integration tests not about access call as whoever a route's ordinary caller is: a hospital posts
    its lists, operations read dead letters and reload configuration, the province everything else. A
    test that sends its own Authorization header is left alone."""
    if "stack_env" not in request.fixturenames:
        return
    sync_send, async_send = httpx.Client.send, httpx.AsyncClient.send

    def with_token(outgoing: httpx.Request) -> httpx.Request:
        if "authorization" not in outgoing.headers:
            body = None
            if outgoing.headers.get("content-type", "").startswith("application/json"):
                outgoing.read()
                body = orjson.loads(outgoing.content or b"null")
            outgoing.headers.update(_default_caller(outgoing.method, str(outgoing.url), body))
        return outgoing

    def send(self, outgoing, **kwargs):
        return sync_send(self, with_token(outgoing), **kwargs)

    async def asend(self, outgoing, **kwargs):
        return await async_send(self, with_token(outgoing), **kwargs)

    monkeypatch.setattr(httpx.Client, "send", send)
    monkeypatch.setattr(httpx.AsyncClient, "send", asend)


def _default_caller(method: str, url: str, body) -> dict:
    path = httpx.URL(url).path
    if path.startswith("/v1/ops/dead-letters") or path == "/v1/config/reload":
        return tokens.headers(Role.OPS)
    if method.upper() == "POST" and path.startswith("/v1/settlement-lists"):
        hospital = (body or {}).get("setlinfo", {}).get("fixmedins_code") if isinstance(body, dict) else None
        return tokens.headers(Role.HOSPITAL, hospital=hospital or "unknown")
    return tokens.headers(Role.PROVINCE)


@pytest.fixture(scope="module")
def stack_env(kafka_and_database, token_issuer):
    """Each test module gets its own namespace: its own topics and databases."""
    kafka, database = kafka_and_database
    env = session_env(kafka, database)
    saved = {k: os.environ.get(k) for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "YIDI_NAMESPACE")}
    os.environ.update({k: env[k] for k in saved})
    from yidi_common.kafka_admin import ensure_topics

    asyncio.run(ensure_topics(kafka, partitions=4))
    yield env
    asyncio.run(drop_namespace(kafka, database, env["YIDI_NAMESPACE"]))
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="module")
def start_service(stack_env, log_dir):
    started: list[ServiceProcess] = []

    def _start(service: str, name: str | None = None, **extra_env: str) -> ServiceProcess:
        proc = ServiceProcess(service, {**stack_env, **extra_env}, log_dir, name).start()
        started.append(proc)
        return proc

    yield _start
    for proc in started:
        proc.stop()
