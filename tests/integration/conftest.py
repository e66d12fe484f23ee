from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from .harness import ServiceProcess, drop_namespace, servers, session_env


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kafka_and_database():
    with servers() as found:
        yield found


@pytest.fixture(scope="module")
def stack_env(kafka_and_database):
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
